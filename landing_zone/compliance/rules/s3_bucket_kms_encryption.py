"""S3 buckets must encrypt objects by default with KMS (SSE-KMS or DSSE-KMS), never SSE-S3."""

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import as_list, get_property
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = frozenset({"AWS::S3::Bucket"})

KMS_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse"})


def s3_bucket_kms_encryption(resource: Resource) -> RuleResult:
    """Compliant when every default-encryption rule of the bucket uses a KMS algorithm."""
    if resource.type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    encryption = get_property(resource.properties, "BucketEncryption")
    if encryption is None:
        return NagRuleCompliance.NON_COMPLIANT
    rules = as_list(get_property(encryption, "ServerSideEncryptionConfiguration"))
    if not rules:
        return NagRuleCompliance.NON_COMPLIANT
    for rule in rules:
        default = get_property(rule, "ServerSideEncryptionByDefault")
        if default is None:
            return NagRuleCompliance.NON_COMPLIANT
        algorithm = get_property(default, "SSEAlgorithm")
        if not isinstance(algorithm, str):
            raise TypeError(f"cannot check the SSEAlgorithm {algorithm!r}: not a literal string")
        if algorithm not in KMS_ALGORITHMS:
            return NagRuleCompliance.NON_COMPLIANT
    return NagRuleCompliance.COMPLIANT


S3_BUCKET_KMS_ENCRYPTION = FintechRule(
    suffix="S3BucketKMSEncryption",
    info="The S3 bucket does not encrypt objects by default with KMS (SSE-KMS or DSSE-KMS).",
    explanation=(
        "With SSE-S3 anyone allowed to read an object reads it in clear. With KMS every read "
        "also needs kms:Decrypt, which CloudTrail logs, and a customer managed key can be "
        "disabled to cut off access to cardholder or training data at once (PCI DSS 3.4, "
        "NIST SC-28)."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=s3_bucket_kms_encryption,
)
