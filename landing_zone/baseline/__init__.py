"""Per-account baseline: controls deployed to every account of targeted OUs by a StackSet."""

from landing_zone.baseline.account_baseline import AccountBaseline
from landing_zone.baseline.account_controls import (
    PUBLIC_ACCESS_BLOCK_RELAXED_WARNING,
    AccountPublicAccessBlock,
    EbsDefaultEncryption,
)
from landing_zone.baseline.asset_bucket import BaselineAssetBucket, asset_bucket_name
from landing_zone.baseline.baseline_stackset import BaselineStackSet, CallAs

__all__ = [
    "PUBLIC_ACCESS_BLOCK_RELAXED_WARNING",
    "AccountBaseline",
    "AccountPublicAccessBlock",
    "BaselineAssetBucket",
    "BaselineStackSet",
    "CallAs",
    "EbsDefaultEncryption",
    "asset_bucket_name",
]
