from collections.abc import Callable
from typing import Any, cast

import pytest
from aws_cdk import App, Aws, CfnParameter, CfnResource, Fn, RemovalPolicy, Stack, Token
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from cdk_nag import NagRuleCompliance
from conftest import cdk_context
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import trail_validated_and_encrypted

RULE = "Fintech-TrailValidatedAndEncrypted"
KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"


@pytest.fixture
def stack() -> Stack:
    return Stack(App(context=cdk_context(), builtin_cloud_formation_validation=False), "Test")


def _trail(*, encrypted: bool, **props: Any) -> Callable[[Stack], CfnResource]:
    def build(stack: Stack) -> CfnResource:
        key = kms.Key(stack, "Key") if encrypted else None
        trail = cloudtrail.Trail(stack, "Trail", encryption_key=key, **props)
        return cast(CfnResource, trail.node.default_child)

    return build


def _cfn_trail(validation: object = True, key: object = KEY_ARN) -> Callable[[Stack], CfnResource]:
    def build(stack: Stack) -> CfnResource:
        trail = cloudtrail.CfnTrail(
            stack,
            "Trail",
            is_logging=True,
            s3_bucket_name="org-trail-logs",
            enable_log_file_validation=cast(bool, validation),
            kms_key_id=cast(str, key),
        )
        trail.apply_removal_policy(RemovalPolicy.RETAIN)
        return trail

    return build


def _plain_trail(properties: dict[str, object]) -> Callable[[Stack], CfnResource]:
    return lambda stack: CfnResource(
        stack,
        "Plain",
        type="AWS::CloudTrail::Trail",
        properties={"IsLogging": True, "S3BucketName": "org-trail-logs", **properties},
    )


@pytest.mark.parametrize(
    "build",
    [
        # The L2 trail validates log files unless told not to.
        pytest.param(_trail(encrypted=True), id="l2-with-key"),
        pytest.param(_cfn_trail(), id="l1-key-arn"),
        pytest.param(_cfn_trail(key="alias/org-trail"), id="l1-key-alias"),
        pytest.param(
            _plain_trail({"EnableLogFileValidation": "true", "KMSKeyId": KEY_ARN}),
            id="plain-cfn-resource-string-true",
        ),
        pytest.param(
            lambda stack: _cfn_trail(key=CfnParameter(stack, "TrailKey").value_as_string)(stack),
            id="key-from-parameter",
        ),
    ],
)
def test_validated_and_encrypted_trails_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert trail_validated_and_encrypted(view(build(stack))) == NagRuleCompliance.COMPLIANT


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_trail(encrypted=False), id="l2-without-key"),
        pytest.param(_trail(encrypted=True, enable_file_validation=False), id="l2-not-validated"),
        pytest.param(_cfn_trail(validation=None), id="validation-absent"),
        pytest.param(_cfn_trail(validation=False), id="validation-false"),
        pytest.param(_cfn_trail(key=None), id="key-absent"),
        pytest.param(_cfn_trail(key=" "), id="key-blank"),
        pytest.param(_cfn_trail(key=Aws.NO_VALUE), id="key-no-value"),
        pytest.param(
            _plain_trail({"EnableLogFileValidation": "false", "KMSKeyId": KEY_ARN}),
            id="plain-cfn-resource-string-false",
        ),
        # 1 == True in Python; CloudFormation takes no number for a Boolean.
        pytest.param(
            _plain_trail({"EnableLogFileValidation": 1, "KMSKeyId": KEY_ARN}),
            id="plain-cfn-resource-number",
        ),
    ],
)
def test_trails_not_validated_or_not_encrypted_are_non_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert trail_validated_and_encrypted(view(build(stack))) == NagRuleCompliance.NON_COMPLIANT


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            _cfn_trail(validation=Fn.condition_if("Validate", True, False)),
            "cannot check EnableLogFileValidation: .* not a literal Boolean",
            id="validation-conditional",
        ),
        pytest.param(
            lambda stack: _plain_trail(
                {
                    "EnableLogFileValidation": CfnParameter(stack, "Validate").value_as_string,
                    "KMSKeyId": KEY_ARN,
                }
            )(stack),
            "cannot check EnableLogFileValidation: .* not a literal Boolean",
            id="validation-from-parameter",
        ),
        pytest.param(
            _cfn_trail(key=Token.as_string(Fn.condition_if("Encrypt", KEY_ARN, Aws.NO_VALUE))),
            "cannot check KMSKeyId: .* may leave it unset",
            id="key-conditional",
        ),
    ],
)
def test_rejects_a_trail_it_cannot_read(
    stack: Stack, build: Callable[[Stack], CfnResource], message: str
) -> None:
    trail = build(stack)

    resource = view(trail)
    with pytest.raises(TypeError, match=message):
        trail_validated_and_encrypted(resource)


def test_other_resources_are_not_applicable(stack: Stack) -> None:
    log_group = logs.LogGroup(stack, "Logs")

    assert (
        trail_validated_and_encrypted(view(cast(CfnResource, log_group.node.default_child)))
        == NagRuleCompliance.NOT_APPLICABLE
    )


def test_pack_reports_the_unencrypted_trail(stack: Stack) -> None:
    _cfn_trail(key=None)(stack)

    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RULE}: Test/Trail"]}


def test_pack_passes_the_validated_encrypted_trail(stack: Stack) -> None:
    _cfn_trail()(stack)

    assert violations(stack, [FintechChecks()]) == {}
