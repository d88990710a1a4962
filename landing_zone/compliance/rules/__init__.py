"""The rules of the fintech pack, one per module, and the list the pack applies."""

from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.iam_no_wildcard_actions import (
    IAM_NO_WILDCARD_ACTIONS,
    iam_no_wildcard_actions,
)
from landing_zone.compliance.rules.log_bucket_worm import LOG_BUCKET_WORM, log_bucket_worm
from landing_zone.compliance.rules.log_group_retention_and_kms import (
    LOG_GROUP_RETENTION_AND_KMS,
    log_group_retention_and_kms,
)
from landing_zone.compliance.rules.permission_set_session_duration import (
    PERMISSION_SET_SESSION_DURATION,
    permission_set_session_duration,
)
from landing_zone.compliance.rules.role_trust_scoped import ROLE_TRUST_SCOPED, role_trust_scoped
from landing_zone.compliance.rules.s3_bucket_kms_encryption import (
    S3_BUCKET_KMS_ENCRYPTION,
    s3_bucket_kms_encryption,
)
from landing_zone.compliance.rules.stateful_resource_retained import (
    STATEFUL_RESOURCE_RETAINED,
    stateful_resource_retained,
)
from landing_zone.compliance.rules.trail_validated_and_encrypted import (
    TRAIL_VALIDATED_AND_ENCRYPTED,
    trail_validated_and_encrypted,
)

FINTECH_RULES: tuple[FintechRule, ...] = (
    IAM_NO_WILDCARD_ACTIONS,
    LOG_BUCKET_WORM,
    LOG_GROUP_RETENTION_AND_KMS,
    PERMISSION_SET_SESSION_DURATION,
    ROLE_TRUST_SCOPED,
    S3_BUCKET_KMS_ENCRYPTION,
    STATEFUL_RESOURCE_RETAINED,
    TRAIL_VALIDATED_AND_ENCRYPTED,
)

__all__ = [
    "FINTECH_RULES",
    "IAM_NO_WILDCARD_ACTIONS",
    "LOG_BUCKET_WORM",
    "LOG_GROUP_RETENTION_AND_KMS",
    "PERMISSION_SET_SESSION_DURATION",
    "ROLE_TRUST_SCOPED",
    "S3_BUCKET_KMS_ENCRYPTION",
    "STATEFUL_RESOURCE_RETAINED",
    "TRAIL_VALIDATED_AND_ENCRYPTED",
    "FintechRule",
    "RuleResult",
    "iam_no_wildcard_actions",
    "log_bucket_worm",
    "log_group_retention_and_kms",
    "permission_set_session_duration",
    "role_trust_scoped",
    "s3_bucket_kms_encryption",
    "stateful_resource_retained",
    "trail_validated_and_encrypted",
]
