"""Buckets that services deliver logs to must be write-once-read-many (WORM).

Compliant: ``ObjectLockEnabled: true``, an ``ObjectLockConfiguration`` that is ``Enabled`` with a
default retention (``Mode`` COMPLIANCE or GOVERNANCE, and ``Days`` or ``Years``), and
``VersioningConfiguration.Status: Enabled``. S3 turns versioning on by itself with Object Lock;
the template must still say so, for reviewers to read it.

A log bucket is one that an ``AWS::S3::BucketPolicy`` of the same stack, naming the bucket by
``Ref`` or by its literal ``BucketName``, allows ``s3:PutObject`` (also through ``s3:Put*``,
``s3:*``, or an allowed ``NotAction`` that spares it) to a service principal that delivers logs:
CloudTrail, AWS Config, CloudWatch Logs delivery (VPC flow logs and other vended logs), Amazon
Bedrock (model invocation logging) or GuardDuty (findings export). Each of them needs that grant
to write to a bucket, so it is the signal common to all; every other bucket is not applicable.
Not seen, so not applicable: a bucket policy of another stack or written outside CloudFormation
(console, an SDK call), and logs written by roles rather than by a service principal.

Out of scope: S3 server access logs (``logging.s3.amazonaws.com``). The S3 User Guide says "S3
buckets with Object Lock can't be used as destination buckets for server access logs"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html), so such a
bucket could never comply; keep server access logs in a bucket of their own.

Unverified here (no AWS account to try it): that each of the five services above delivers to a
bucket with an Object Lock default retention.
"""

from collections.abc import Mapping
from typing import Any

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import (
    as_list,
    get_property,
    is_intrinsic,
    literal_string,
    literal_true,
    mentions,
    sets_a_period,
    statement_allows,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = frozenset({"AWS::S3::Bucket"})

LOG_DELIVERY_PRINCIPALS = frozenset(
    {
        "bedrock.amazonaws.com",
        "cloudtrail.amazonaws.com",
        "config.amazonaws.com",
        "delivery.logs.amazonaws.com",
        "guardduty.amazonaws.com",
    }
)
"""Service principals whose ``s3:PutObject`` grant makes a bucket a log bucket."""

RETENTION_MODES = frozenset({"COMPLIANCE", "GOVERNANCE"})

_BUCKET_POLICY = "AWS::S3::BucketPolicy"


def log_bucket_worm(resource: Resource) -> RuleResult:
    """Compliant when a log bucket locks objects by default and is versioned."""
    if resource.type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    properties = resource.properties
    if not _receives_logs(resource, properties):
        return NagRuleCompliance.NOT_APPLICABLE
    lock = get_property(properties, "ObjectLockConfiguration")
    versioning = get_property(properties, "VersioningConfiguration")
    worm = (
        literal_true(get_property(properties, "ObjectLockEnabled"), "ObjectLockEnabled")
        and lock is not None
        and _literal(get_property(lock, "ObjectLockEnabled"), "ObjectLockEnabled") == "Enabled"
        and _default_retention(get_property(lock, "Rule"))
        and versioning is not None
        and _literal(get_property(versioning, "Status"), "Status") == "Enabled"
    )
    return NagRuleCompliance.COMPLIANT if worm else NagRuleCompliance.NON_COMPLIANT


def _default_retention(rule: Any) -> bool:
    retention = None if rule is None else get_property(rule, "DefaultRetention")
    if retention is None:
        return False
    return _literal(get_property(retention, "Mode"), "Mode") in RETENTION_MODES and (
        sets_a_period(get_property(retention, "Days"), "Days")
        or sets_a_period(get_property(retention, "Years"), "Years")
    )


def _literal(value: Any, name: str) -> Any:
    if is_intrinsic(value):
        raise TypeError(f"cannot check {name}: {value!r} is not a literal value")
    return value


def _receives_logs(bucket: Resource, properties: Mapping[str, Any]) -> bool:
    """Whether a bucket policy of the bucket's template lets a log delivery service write to
    it."""
    names: list[Any] = [bucket.ref]
    bucket_name = get_property(properties, "BucketName")
    if bucket_name is not None:
        names.append(bucket_name)
    policies = bucket.template.related(_BUCKET_POLICY, "Bucket")
    for name in names:
        for policy in policies.naming(name):
            if _grants_log_delivery(get_property(policy.properties, "PolicyDocument")):
                return True
    for policy in policies.unclear():
        target = get_property(policy.properties, "Bucket")
        if target not in names and mentions(target, names):
            raise TypeError(
                f"cannot tell whether the bucket policy {policy.path} applies to this bucket: "
                f"its Bucket is {target!r}"
            )
    return False


def _grants_log_delivery(document: Any) -> bool:
    for statement in as_list(get_property(document, "Statement")):
        # Anything but an explicit Deny grants, so an unreadable Effect cannot slip through.
        if get_property(statement, "Effect") == "Deny":
            continue
        if _names_log_service(get_property(statement, "Principal")) and _allows_put_object(
            statement
        ):
            return True
    return False


def _names_log_service(principal: Any) -> bool:
    # "*" is the only principal written as a plain string, and it names no service.
    if principal is None or isinstance(principal, str):
        return False
    services = as_list(get_property(principal, "Service"))
    return any(literal_string(service).lower() in LOG_DELIVERY_PRINCIPALS for service in services)


def _allows_put_object(statement: Any) -> bool:
    return statement_allows(statement, "s3:PutObject")


LOG_BUCKET_WORM = FintechRule(
    suffix="LogBucketWorm",
    info=(
        "The log bucket does not have ObjectLockEnabled, an Object Lock default retention "
        "(Mode and Days or Years) and versioning enabled (in CDK: "
        "object_lock_default_retention=s3.ObjectLockRetention.compliance(...), versioned=True)."
    ),
    explanation=(
        "Logs are evidence only if nobody, an intruder with administrator rights included, can "
        "overwrite or delete them before their retention ends (PCI DSS 10.5.2, 10.7; NIST AU-9, "
        "AU-11). Object Lock keeps each log object version for the default retention: from "
        "everyone in COMPLIANCE mode, the root user included; in GOVERNANCE mode from all but "
        "principals allowed s3:BypassGovernanceRetention."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=log_bucket_worm,
)
