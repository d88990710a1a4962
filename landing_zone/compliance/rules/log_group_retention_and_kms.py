"""CloudWatch Logs log groups must expire their events and encrypt them with a KMS key.

Any retention counts: how long depends on what the group holds, but without ``RetentionInDays``
events never expire (CDK omits the property for ``RetentionDays.INFINITE``). A parameter or other
intrinsic counts as set: the AWS::Logs::LogGroup schema enumerates 1 to 3653 days, so no value
CloudFormation accepts means "never expire".
"""

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import (
    get_property,
    names_a_key,
    sets_a_period,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = frozenset({"AWS::Logs::LogGroup"})


def log_group_retention_and_kms(resource: Resource) -> RuleResult:
    """Compliant when the log group has a retention period and a KMS key."""
    if resource.type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    properties = resource.properties
    expires = sets_a_period(get_property(properties, "RetentionInDays"), "RetentionInDays")
    encrypted = names_a_key(get_property(properties, "KmsKeyId"), "KmsKeyId")
    return NagRuleCompliance.COMPLIANT if expires and encrypted else NagRuleCompliance.NON_COMPLIANT


LOG_GROUP_RETENTION_AND_KMS = FintechRule(
    suffix="LogGroupRetentionAndKms",
    info=(
        "The CloudWatch Logs log group does not have both RetentionInDays and a KmsKeyId "
        "(in CDK: retention=<RetentionDays other than INFINITE>, encryption_key=<kms.IKey>)."
    ),
    explanation=(
        "A retention period is the reviewed decision of how long records are kept (PCI DSS "
        "10.7, NIST AU-11): never expiring keeps personal data beyond its purpose and costs "
        "without end. A customer managed key lets the key policy, not only IAM, decide who "
        "reads the logs, and logs every kms:Decrypt (PCI DSS 10.5.1, NIST SC-28, AU-9)."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=log_group_retention_and_kms,
)
