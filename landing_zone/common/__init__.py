"""Building blocks shared by every domain of the landing zone."""

from .sdk_call_handler import AwsSdkCallHandler

__all__ = ["AwsSdkCallHandler"]
