"""Per-account baseline: controls deployed to every account of targeted OUs by a StackSet."""

from landing_zone.baseline.account_baseline import AccountBaseline
from landing_zone.baseline.account_controls import (
    PUBLIC_ACCESS_BLOCK_RELAXED_WARNING,
    AccountPublicAccessBlock,
    EbsDefaultEncryption,
)
from landing_zone.baseline.asset_bucket import BaselineAssetBucket, asset_bucket_name
from landing_zone.baseline.backup import AccountBackup, BackupSettings
from landing_zone.baseline.baseline_stackset import (
    BaselineStackSet,
    CallAs,
    StackSetOperationProps,
)
from landing_zone.baseline.config_recorder import ConfigFrequency, ConfigRecorder
from landing_zone.baseline.iam_controls import (
    IamConfigRules,
    IamManagedRule,
    PasswordPolicySettings,
)

__all__ = [
    "PUBLIC_ACCESS_BLOCK_RELAXED_WARNING",
    "AccountBackup",
    "AccountBaseline",
    "AccountPublicAccessBlock",
    "BackupSettings",
    "BaselineAssetBucket",
    "BaselineStackSet",
    "CallAs",
    "ConfigFrequency",
    "ConfigRecorder",
    "EbsDefaultEncryption",
    "IamConfigRules",
    "IamManagedRule",
    "PasswordPolicySettings",
    "StackSetOperationProps",
    "asset_bucket_name",
]
