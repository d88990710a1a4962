"""CloudTrail trails must sign digests of their log files and encrypt them with a KMS key."""

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import (
    get_property,
    literal_true,
    names_a_key,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = frozenset({"AWS::CloudTrail::Trail"})


def trail_validated_and_encrypted(resource: Resource) -> RuleResult:
    """Compliant when log file validation is on and a KMS key encrypts the log files."""
    if resource.type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    properties = resource.properties
    validated = literal_true(
        get_property(properties, "EnableLogFileValidation"), "EnableLogFileValidation"
    )
    encrypted = names_a_key(get_property(properties, "KMSKeyId"), "KMSKeyId")
    return (
        NagRuleCompliance.COMPLIANT if validated and encrypted else NagRuleCompliance.NON_COMPLIANT
    )


TRAIL_VALIDATED_AND_ENCRYPTED = FintechRule(
    suffix="TrailValidatedAndEncrypted",
    info=(
        "The CloudTrail trail does not have both EnableLogFileValidation set to true and a "
        "KMSKeyId (in CDK: enable_file_validation=True, encryption_key=<kms.IKey>)."
    ),
    explanation=(
        "Without digest files nobody can prove that a log file was not changed or deleted "
        "after delivery (PCI DSS 10.5.5, NIST AU-9(3)); without a KMS key anyone who may read "
        "the bucket reads every API call of the organization, and no kms:Decrypt is logged when "
        "they do (PCI DSS 10.5.1, NIST AU-9, SC-28)."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=trail_validated_and_encrypted,
)
