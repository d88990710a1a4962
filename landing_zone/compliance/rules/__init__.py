"""The rules of the fintech pack, one per module, and the list the pack applies."""

from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.iam_no_wildcard_actions import (
    IAM_NO_WILDCARD_ACTIONS,
    iam_no_wildcard_actions,
)
from landing_zone.compliance.rules.s3_bucket_kms_encryption import (
    S3_BUCKET_KMS_ENCRYPTION,
    s3_bucket_kms_encryption,
)
from landing_zone.compliance.rules.stateful_resource_retained import (
    STATEFUL_RESOURCE_RETAINED,
    stateful_resource_retained,
)

FINTECH_RULES: tuple[FintechRule, ...] = (
    IAM_NO_WILDCARD_ACTIONS,
    S3_BUCKET_KMS_ENCRYPTION,
    STATEFUL_RESOURCE_RETAINED,
)

__all__ = [
    "FINTECH_RULES",
    "IAM_NO_WILDCARD_ACTIONS",
    "S3_BUCKET_KMS_ENCRYPTION",
    "STATEFUL_RESOURCE_RETAINED",
    "FintechRule",
    "RuleResult",
    "iam_no_wildcard_actions",
    "s3_bucket_kms_encryption",
    "stateful_resource_retained",
]
