"""Building blocks shared by every domain of the landing zone."""

from .progress import Progress
from .protected_namespace import ProtectedNamespace
from .sdk_call_handler import RENAMED_HANDLER_LOGICAL_ID_SUFFIX, AwsSdkCallHandler

__all__ = [
    "RENAMED_HANDLER_LOGICAL_ID_SUFFIX",
    "AwsSdkCallHandler",
    "Progress",
    "ProtectedNamespace",
]
