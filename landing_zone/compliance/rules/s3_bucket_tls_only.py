"""S3 buckets accept requests over TLS 1.2 or later only.

Compliant: a bucket policy of the bucket's stack (``AWS::S3::BucketPolicy`` whose ``Bucket`` is
the bucket's ``Ref``) has both of these statements, each denying every S3 action (``s3:*`` or
``*``) to everyone (``Principal: *``):

- one with ``Bool`` (or ``BoolIfExists``) ``aws:SecureTransport: false``: no plain HTTP;
- one with ``NumericLessThan`` ``s3:TlsVersion`` of 1.2 or more: no TLS 1.0 or 1.1.

In CDK: ``s3.Bucket(enforce_ssl=True, minimum_tls_version=1.2)``, as
``landing_zone.keys.defaults.bucket_encryption`` and every bucket of the landing zone do.
cdk-nag's AwsSolutions-S10 and the PCI DSS and NIST packs check the first statement only.

A policy of another stack, or a bucket policy the rule cannot read (a condition value from a
parameter, a statement inside ``Fn::If``), does not pass: acknowledge with the reason.
"""

from typing import Any

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import (
    as_list,
    get_property,
    is_intrinsic,
    literal_object,
    principal_is_everyone,
    statement_allows,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = frozenset({"AWS::S3::Bucket"})

MINIMUM_TLS_VERSION = 1.2

_BUCKET_POLICY = "AWS::S3::BucketPolicy"


def s3_bucket_tls_only(resource: Resource) -> RuleResult:
    """Compliant when the bucket's policy denies plain HTTP and TLS below 1.2 to everyone."""
    if resource.type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    no_http = no_old_tls = False
    policies = resource.template.related(_BUCKET_POLICY, "Bucket")
    for policy in policies.naming(resource.ref):
        document = literal_object(
            get_property(policy.properties, "PolicyDocument"), "PolicyDocument"
        )
        for statement in as_list(get_property(document, "Statement")):
            if not _denies_everything_to_everyone(statement):
                continue
            condition = get_property(statement, "Condition") or {}
            no_http = no_http or _denies_plain_http(condition)
            no_old_tls = no_old_tls or _denies_old_tls(condition)
    return (
        NagRuleCompliance.COMPLIANT if no_http and no_old_tls else NagRuleCompliance.NON_COMPLIANT
    )


def _denies_everything_to_everyone(statement: Any) -> bool:
    return (
        get_property(statement, "Effect") == "Deny"
        and principal_is_everyone(get_property(statement, "Principal"))
        and statement_allows(statement, "s3:GetObject")
        and statement_allows(statement, "s3:PutObject")
    )


def _denies_plain_http(condition: Any) -> bool:
    for operator in ("Bool", "BoolIfExists"):
        values = get_property(condition, operator)
        if values is None:
            continue
        value = get_property(values, "aws:SecureTransport")
        if is_intrinsic(value):
            raise TypeError(f"cannot read aws:SecureTransport: {value!r}")
        if value is False or (isinstance(value, str) and value.lower() == "false"):
            return True
    return False


def _denies_old_tls(condition: Any) -> bool:
    values = get_property(condition, "NumericLessThan")
    if values is None:
        return False
    value = get_property(values, "s3:TlsVersion")
    if value is None:
        return False
    if is_intrinsic(value) or isinstance(value, bool):
        raise TypeError(f"cannot read s3:TlsVersion: {value!r}")
    try:
        return float(value) >= MINIMUM_TLS_VERSION
    except (TypeError, ValueError):
        return False


S3_BUCKET_TLS_ONLY = FintechRule(
    suffix="S3BucketTlsOnly",
    info=(
        "The S3 bucket's policy does not deny, to everyone, both requests without TLS "
        "(aws:SecureTransport false) and requests with TLS below 1.2 (s3:TlsVersion)."
    ),
    explanation=(
        "Data in transit is protected with strong cryptography only: plain HTTP exposes the "
        "request and its credentials' use, and TLS 1.0 and 1.1 are deprecated (PCI DSS 4.2.1, "
        "NIST SC-8, SC-13). In CDK: s3.Bucket(enforce_ssl=True, minimum_tls_version=1.2). "
        "cdk-nag's S10 checks only the first condition."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=s3_bucket_tls_only,
)
