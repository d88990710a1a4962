"""The rules of the fintech pack, one per module, and the list the pack applies."""

from landing_zone.compliance.rules.bedrock_inference_guarded import (
    BEDROCK_INFERENCE_GUARDED,
    bedrock_inference_guarded,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.guardrail_filters_pii_and_prompt_attacks import (
    GUARDRAIL_FILTERS_PII_AND_PROMPT_ATTACKS,
    guardrail_filters_pii_and_prompt_attacks,
)
from landing_zone.compliance.rules.iam_no_wildcard_actions import (
    IAM_NO_WILDCARD_ACTIONS,
    iam_no_wildcard_actions,
)
from landing_zone.compliance.rules.kms_key_policy_scoped import (
    KMS_KEY_POLICY_SCOPED,
    kms_key_policy_scoped,
)
from landing_zone.compliance.rules.load_balancer_listener_tls import (
    LOAD_BALANCER_LISTENER_TLS,
    load_balancer_listener_tls,
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
from landing_zone.compliance.rules.protected_namespace import (
    PROTECTED_NAMESPACE,
    protected_namespace,
)
from landing_zone.compliance.rules.role_trust_scoped import ROLE_TRUST_SCOPED, role_trust_scoped
from landing_zone.compliance.rules.s3_bucket_kms_encryption import (
    S3_BUCKET_KMS_ENCRYPTION,
    s3_bucket_kms_encryption,
)
from landing_zone.compliance.rules.s3_bucket_tls_only import (
    S3_BUCKET_TLS_ONLY,
    s3_bucket_tls_only,
)
from landing_zone.compliance.rules.sagemaker_encrypted_and_vpc_bound import (
    SAGEMAKER_ENCRYPTED_AND_VPC_BOUND,
    sagemaker_encrypted_and_vpc_bound,
)
from landing_zone.compliance.rules.stateful_resource_retained import (
    STATEFUL_RESOURCE_RETAINED,
    stateful_resource_retained,
)
from landing_zone.compliance.rules.trail_validated_and_encrypted import (
    TRAIL_VALIDATED_AND_ENCRYPTED,
    trail_validated_and_encrypted,
)
from landing_zone.compliance.rules.vpc_flow_logs_enabled import (
    VPC_FLOW_LOGS_ENABLED,
    vpc_flow_logs_enabled,
)
from landing_zone.compliance.rules.web_acl_logged_and_protected import (
    WEB_ACL_LOGGED_AND_PROTECTED,
    web_acl_logged_and_protected,
)

FINTECH_RULES: tuple[FintechRule, ...] = (
    BEDROCK_INFERENCE_GUARDED,
    GUARDRAIL_FILTERS_PII_AND_PROMPT_ATTACKS,
    IAM_NO_WILDCARD_ACTIONS,
    KMS_KEY_POLICY_SCOPED,
    LOAD_BALANCER_LISTENER_TLS,
    LOG_BUCKET_WORM,
    LOG_GROUP_RETENTION_AND_KMS,
    PERMISSION_SET_SESSION_DURATION,
    PROTECTED_NAMESPACE,
    ROLE_TRUST_SCOPED,
    S3_BUCKET_KMS_ENCRYPTION,
    S3_BUCKET_TLS_ONLY,
    SAGEMAKER_ENCRYPTED_AND_VPC_BOUND,
    STATEFUL_RESOURCE_RETAINED,
    TRAIL_VALIDATED_AND_ENCRYPTED,
    VPC_FLOW_LOGS_ENABLED,
    WEB_ACL_LOGGED_AND_PROTECTED,
)

__all__ = [
    "BEDROCK_INFERENCE_GUARDED",
    "FINTECH_RULES",
    "GUARDRAIL_FILTERS_PII_AND_PROMPT_ATTACKS",
    "IAM_NO_WILDCARD_ACTIONS",
    "KMS_KEY_POLICY_SCOPED",
    "LOAD_BALANCER_LISTENER_TLS",
    "LOG_BUCKET_WORM",
    "LOG_GROUP_RETENTION_AND_KMS",
    "PERMISSION_SET_SESSION_DURATION",
    "PROTECTED_NAMESPACE",
    "ROLE_TRUST_SCOPED",
    "S3_BUCKET_KMS_ENCRYPTION",
    "S3_BUCKET_TLS_ONLY",
    "SAGEMAKER_ENCRYPTED_AND_VPC_BOUND",
    "STATEFUL_RESOURCE_RETAINED",
    "TRAIL_VALIDATED_AND_ENCRYPTED",
    "VPC_FLOW_LOGS_ENABLED",
    "WEB_ACL_LOGGED_AND_PROTECTED",
    "FintechRule",
    "RuleResult",
    "bedrock_inference_guarded",
    "guardrail_filters_pii_and_prompt_attacks",
    "iam_no_wildcard_actions",
    "kms_key_policy_scoped",
    "load_balancer_listener_tls",
    "log_bucket_worm",
    "log_group_retention_and_kms",
    "permission_set_session_duration",
    "protected_namespace",
    "role_trust_scoped",
    "s3_bucket_kms_encryption",
    "s3_bucket_tls_only",
    "sagemaker_encrypted_and_vpc_bound",
    "stateful_resource_retained",
    "trail_validated_and_encrypted",
    "vpc_flow_logs_enabled",
    "web_acl_logged_and_protected",
]
