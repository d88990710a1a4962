"""Building blocks shared by every domain of the landing zone."""

from .protected_namespace import ProtectedNamespace
from .sdk_call_handler import RENAMED_HANDLER_LOGICAL_ID_SUFFIX, AwsSdkCallHandler

__all__ = ["RENAMED_HANDLER_LOGICAL_ID_SUFFIX", "AwsSdkCallHandler", "ProtectedNamespace"]
