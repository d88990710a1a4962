from collections.abc import Callable
from typing import Any, cast

import pytest
from aws_cdk import App, CfnParameter, CfnResource, Stack
from aws_cdk import aws_s3 as s3
from cdk_nag import NagRuleCompliance
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import s3_bucket_tls_only

RULE = "Fintech-S3BucketTlsOnly"


@pytest.fixture
def stack() -> Stack:
    return Stack(App(builtin_cloud_formation_validation=False), "Test")


def _l2(**props: Any) -> Callable[[Stack], CfnResource]:
    def build(stack: Stack) -> CfnResource:
        bucket = s3.Bucket(stack, "Bucket", **props)
        return cast(CfnResource, bucket.node.default_child)

    return build


def _deny(condition: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": "*",
        "Condition": condition,
        **overrides,
    }


NO_HTTP = {"Bool": {"aws:SecureTransport": "false"}}
NO_OLD_TLS = {"NumericLessThan": {"s3:TlsVersion": 1.2}}


def _with_policy(
    *statements: dict[str, Any], other_bucket: bool = False
) -> Callable[[Stack], CfnResource]:
    def build(stack: Stack) -> CfnResource:
        bucket = s3.CfnBucket(stack, "Bucket")
        target = s3.CfnBucket(stack, "Other") if other_bucket else bucket
        s3.CfnBucketPolicy(
            stack,
            "Policy",
            bucket=target.ref,
            policy_document={"Version": "2012-10-17", "Statement": list(statements)},
        )
        return bucket

    return build


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_l2(enforce_ssl=True, minimum_tls_version=1.2), id="l2-tls-1-2"),
        pytest.param(_l2(enforce_ssl=True, minimum_tls_version=1.3), id="l2-tls-1-3"),
        pytest.param(_with_policy(_deny(NO_HTTP), _deny(NO_OLD_TLS)), id="two-statements"),
        pytest.param(
            _with_policy(
                _deny({"BoolIfExists": {"aws:SecureTransport": False}}),
                _deny(NO_OLD_TLS, Action="*"),
            ),
            id="bool-if-exists-and-star",
        ),
    ],
)
def test_tls_only_buckets_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert s3_bucket_tls_only(view(build(stack))) == NagRuleCompliance.COMPLIANT


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_l2(), id="no-policy"),
        pytest.param(_l2(enforce_ssl=True), id="ssl-but-any-tls-version"),
        pytest.param(_l2(enforce_ssl=True, minimum_tls_version=1.0), id="tls-1-0-floor"),
        pytest.param(_with_policy(_deny(NO_OLD_TLS)), id="tls-floor-but-http-allowed"),
        pytest.param(
            _with_policy(_deny(NO_HTTP), _deny(NO_OLD_TLS), other_bucket=True),
            id="policy-of-another-bucket",
        ),
        pytest.param(
            _with_policy(_deny(NO_HTTP), _deny(NO_OLD_TLS, Action="s3:PutObject")),
            id="tls-floor-on-writes-only",
        ),
        pytest.param(
            _with_policy(
                _deny(NO_HTTP),
                _deny(NO_OLD_TLS, Principal={"AWS": "arn:aws:iam::111111111111:root"}),
            ),
            id="tls-floor-for-one-account-only",
        ),
        pytest.param(
            _with_policy(_deny(NO_HTTP), _deny(NO_OLD_TLS, Effect="Allow")),
            id="allow-not-deny",
        ),
    ],
)
def test_buckets_that_take_plain_http_or_old_tls_are_non_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert s3_bucket_tls_only(view(build(stack))) == NagRuleCompliance.NON_COMPLIANT


def test_a_tls_version_from_a_parameter_cannot_be_checked(stack: Stack) -> None:
    version = CfnParameter(stack, "Version").value_as_string
    bucket = _with_policy(_deny(NO_HTTP), _deny({"NumericLessThan": {"s3:TlsVersion": version}}))
    resource = view(bucket(stack))
    with pytest.raises(TypeError):
        s3_bucket_tls_only(resource)


def test_the_pack_reports_a_bucket_without_a_tls_floor(stack: Stack) -> None:
    _l2(enforce_ssl=True)(stack)
    found = violations(stack, packs=[FintechChecks()])
    assert any(entry.startswith(f"{RULE}:") for entry in found["Fintech"]), found
