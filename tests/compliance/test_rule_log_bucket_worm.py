from collections.abc import Callable
from typing import Any, cast

import pytest
from aws_cdk import App, CfnParameter, CfnResource, Duration, Fn, Stack, Token
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from cdk_nag import NagRuleCompliance
from conftest import cdk_context
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import log_bucket_worm

RULE = "Fintech-LogBucketWorm"
TRAIL = "cloudtrail.amazonaws.com"
LOG_SERVICES = [
    "bedrock.amazonaws.com",
    TRAIL,
    "config.amazonaws.com",
    "delivery.logs.amazonaws.com",
    "guardduty.amazonaws.com",
]
WORM: dict[str, Any] = {
    "object_lock_default_retention": s3.ObjectLockRetention.compliance(Duration.days(365)),
    "versioned": True,
}
"""Props of an L2 bucket that complies."""


@pytest.fixture
def stack() -> Stack:
    return Stack(App(context=cdk_context(), builtin_cloud_formation_validation=False), "Test")


def _statement(
    principal: str = TRAIL, actions: list[str] | None = None, **props: Any
) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": {"Service": principal},
        "Action": ["s3:PutObject"] if actions is None else actions,
        "Resource": "*",
        **props,
    }


def _bucket(*statements: dict[str, Any], **props: Any) -> Callable[[Stack], CfnResource]:
    """A KMS-encrypted L2 bucket whose policy holds ``statements``."""

    def build(stack: Stack) -> CfnResource:
        bucket = s3.Bucket(
            stack,
            "Bucket",
            encryption=s3.BucketEncryption.KMS_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            **props,
        )
        for statement in statements:
            bucket.add_to_resource_policy(iam.PolicyStatement.from_json(statement))
        return cast(CfnResource, bucket.node.default_child)

    return build


def _log_bucket(**props: Any) -> Callable[[Stack], CfnResource]:
    return _bucket(_statement(), **props)


def _cfn_bucket(
    *,
    lock_enabled: object = True,
    configuration_enabled: object = "Enabled",
    mode: object = "GOVERNANCE",
    years: object = 1,
    versioning: object = "Enabled",
) -> Callable[[Stack], CfnResource]:
    """An L1 bucket named 'org-logs', which a policy naming it lets CloudTrail write to."""

    def build(stack: Stack) -> CfnResource:
        retention = s3.CfnBucket.DefaultRetentionProperty(
            mode=cast(str, mode), years=cast(float, years)
        )
        bucket = s3.CfnBucket(
            stack,
            "Bucket",
            bucket_name="org-logs",
            object_lock_enabled=cast(bool, lock_enabled),
            object_lock_configuration=s3.CfnBucket.ObjectLockConfigurationProperty(
                object_lock_enabled=cast(str, configuration_enabled),
                rule=s3.CfnBucket.ObjectLockRuleProperty(default_retention=retention),
            ),
            versioning_configuration=None
            if versioning is None
            else s3.CfnBucket.VersioningConfigurationProperty(status=cast(str, versioning)),
        )
        s3.CfnBucketPolicy(
            stack,
            "Policy",
            bucket="org-logs",
            policy_document={"Version": "2012-10-17", "Statement": [_statement()]},
        )
        return bucket

    return build


def _plain_log_bucket(stack: Stack) -> CfnResource:
    """Plain resources with CloudFormation's own keys and string values, which it also takes."""
    CfnResource(
        stack,
        "PlainPolicy",
        type="AWS::S3::BucketPolicy",
        properties={"Bucket": "org-logs", "PolicyDocument": {"Statement": _statement()}},
    )
    return CfnResource(
        stack,
        "Plain",
        type="AWS::S3::Bucket",
        properties={
            "BucketName": "org-logs",
            "ObjectLockEnabled": "true",
            "ObjectLockConfiguration": {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": "365"}},
            },
            "VersioningConfiguration": {"Status": "Enabled"},
        },
    )


@pytest.mark.parametrize(
    "build",
    [
        *(
            pytest.param(_bucket(_statement(service), **WORM), id=f"l2-{service}")
            for service in LOG_SERVICES
        ),
        pytest.param(
            _log_bucket(
                object_lock_default_retention=s3.ObjectLockRetention.governance(Duration.days(400)),
                versioned=True,
            ),
            id="l2-governance",
        ),
        pytest.param(_cfn_bucket(), id="l1-years-policy-by-bucket-name"),
        pytest.param(_plain_log_bucket, id="plain-cfn-resources"),
    ],
)
def test_worm_log_buckets_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert log_bucket_worm(view(build(stack))) == NagRuleCompliance.COMPLIANT


def _trail_bucket(stack: Stack) -> CfnResource:
    """The bucket an L2 trail creates when given none: its policy lets CloudTrail write."""
    trail = cloudtrail.Trail(stack, "Trail", encryption_key=kms.Key(stack, "Key"))
    return cast(CfnResource, trail.node.find_child("S3").node.default_child)


def _with_policy(*statements: dict[str, Any]) -> Callable[[Stack], CfnResource]:
    """A non-WORM bucket and an L1 policy of raw ``statements`` for it."""

    def build(stack: Stack) -> CfnResource:
        bucket = s3.CfnBucket(stack, "Bucket")
        s3.CfnBucketPolicy(
            stack,
            "Policy",
            bucket=bucket.ref,
            policy_document={"Version": "2012-10-17", "Statement": list(statements)},
        )
        return bucket

    return build


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_log_bucket(), id="no-object-lock"),
        pytest.param(_log_bucket(versioned=True), id="versioned-only"),
        pytest.param(
            _log_bucket(object_lock_enabled=True, versioned=True),
            id="lock-without-default-retention",
        ),
        # S3 turns versioning on with Object Lock; the template must still say so.
        pytest.param(
            _log_bucket(object_lock_default_retention=WORM["object_lock_default_retention"]),
            id="versioning-not-written",
        ),
        pytest.param(_cfn_bucket(lock_enabled=False), id="lock-disabled"),
        pytest.param(_cfn_bucket(configuration_enabled=None), id="configuration-not-enabled"),
        pytest.param(_cfn_bucket(mode=None), id="retention-without-mode"),
        pytest.param(_cfn_bucket(mode="LEGAL_HOLD"), id="retention-unknown-mode"),
        pytest.param(_cfn_bucket(years=None), id="retention-without-period"),
        pytest.param(_cfn_bucket(years=0), id="retention-zero-years"),
        pytest.param(_cfn_bucket(versioning=None), id="versioning-absent"),
        pytest.param(_cfn_bucket(versioning="Suspended"), id="versioning-suspended"),
        pytest.param(_trail_bucket, id="l2-trail-default-bucket"),
        # Each grant below makes the bucket a log bucket, hence non-compliant.
        pytest.param(_bucket(_statement(actions=["s3:Put*"])), id="grant-put-wildcard"),
        # CDK refuses "?" in actions, IAM takes it.
        pytest.param(_with_policy(_statement(actions=["s3:?utObject"])), id="grant-question-mark"),
        pytest.param(_bucket(_statement(actions=["*"])), id="grant-star"),
        pytest.param(_bucket(_statement(actions=["S3:putobject"])), id="grant-any-case"),
        pytest.param(
            _bucket(_statement(principal="CloudTrail.amazonaws.com")), id="principal-any-case"
        ),
        pytest.param(
            _bucket(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": ["ec2.amazonaws.com", "config.amazonaws.com"]},
                    "Action": "s3:PutObject",
                    "Resource": "*",
                }
            ),
            id="one-of-several-principals",
        ),
        pytest.param(
            _bucket(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": TRAIL},
                    "NotAction": ["s3:GetObject"],
                    "Resource": "*",
                }
            ),
            id="grant-not-action",
        ),
    ],
)
def test_log_buckets_that_are_not_worm_are_non_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert log_bucket_worm(view(build(stack))) == NagRuleCompliance.NON_COMPLIANT


def _bucket_beside_a_log_bucket(stack: Stack) -> CfnResource:
    other = s3.Bucket(stack, "Other")
    other.add_to_resource_policy(iam.PolicyStatement.from_json(_statement()))
    return cast(CfnResource, s3.Bucket(stack, "Bucket").node.default_child)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda stack: s3.CfnBucket(stack, "Bucket"), id="no-policy"),
        # enforce_ssl writes a policy that only denies.
        pytest.param(_bucket(), id="deny-only-policy"),
        pytest.param(
            _bucket(_statement("logging.s3.amazonaws.com")), id="server-access-log-destination"
        ),
        pytest.param(_bucket(_statement(actions=["s3:GetBucketAcl"])), id="acl-check-only"),
        pytest.param(_bucket(_statement(Effect="Deny")), id="put-denied"),
        pytest.param(
            _bucket(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": TRAIL},
                    "NotAction": ["s3:Put*"],
                    "Resource": "*",
                }
            ),
            id="not-action-spares-put",
        ),
        pytest.param(
            _bucket(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111111111111:role/log-writer"},
                    "Action": "s3:PutObject",
                    "Resource": "*",
                }
            ),
            id="role-principal",
        ),
        pytest.param(_bucket_beside_a_log_bucket, id="policy-of-another-bucket"),
    ],
)
def test_buckets_no_log_service_writes_to_are_not_applicable(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert log_bucket_worm(view(build(stack))) == NagRuleCompliance.NOT_APPLICABLE


def test_other_resources_are_not_applicable(stack: Stack) -> None:
    key = kms.Key(stack, "Key")

    assert (
        log_bucket_worm(view(cast(CfnResource, key.node.default_child)))
        == NagRuleCompliance.NOT_APPLICABLE
    )


def _conditional_policy(stack: Stack) -> CfnResource:
    bucket = s3.CfnBucket(stack, "Bucket")
    s3.CfnBucketPolicy(
        stack,
        "Policy",
        bucket=Token.as_string(Fn.condition_if("CentralLogs", bucket.ref, "other-logs")),
        policy_document={"Version": "2012-10-17", "Statement": [_statement()]},
    )
    return bucket


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            _conditional_policy,
            "cannot tell whether the bucket policy Test/Policy applies to this bucket",
            id="policy-bucket-conditional",
        ),
        pytest.param(
            lambda stack: _with_policy(_statement(CfnParameter(stack, "Service").value_as_string))(
                stack
            ),
            "not a literal string",
            id="service-from-parameter",
        ),
        pytest.param(
            lambda stack: _with_policy(
                _statement(actions=[CfnParameter(stack, "Action").value_as_string])
            )(stack),
            "not a literal string",
            id="action-from-parameter",
        ),
        pytest.param(
            _cfn_bucket(lock_enabled=Fn.condition_if("Lock", True, False)),
            "cannot check ObjectLockEnabled: .* not a literal Boolean",
            id="lock-conditional",
        ),
        pytest.param(
            lambda stack: _cfn_bucket(mode=CfnParameter(stack, "Mode").value_as_string)(stack),
            "cannot check Mode: .* not a literal value",
            id="mode-from-parameter",
        ),
        pytest.param(
            _cfn_bucket(years=Token.as_number(Fn.condition_if("Long", 7, 1))),
            "cannot check Years: .* may leave it unset",
            id="years-conditional",
        ),
    ],
)
def test_rejects_a_log_bucket_it_cannot_read(
    stack: Stack, build: Callable[[Stack], CfnResource], message: str
) -> None:
    bucket = build(stack)

    resource = view(bucket)
    with pytest.raises(TypeError, match=message):
        log_bucket_worm(resource)


def test_pack_reports_the_log_bucket_without_object_lock(stack: Stack) -> None:
    _log_bucket()(stack)

    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RULE}: Test/Bucket/Resource"]}


def test_pack_passes_the_worm_log_bucket(stack: Stack) -> None:
    _log_bucket(**WORM)(stack)

    assert violations(stack, [FintechChecks()]) == {}
