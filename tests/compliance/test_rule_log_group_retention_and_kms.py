from collections.abc import Callable
from typing import Any, cast

import pytest
from aws_cdk import App, Aws, CfnParameter, CfnResource, Fn, RemovalPolicy, Stack, Token
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagRuleCompliance
from conftest import cdk_context
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import log_group_retention_and_kms

RULE = "Fintech-LogGroupRetentionAndKms"
KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"


@pytest.fixture
def stack() -> Stack:
    return Stack(App(context=cdk_context(), builtin_cloud_formation_validation=False), "Test")


def _log_group(*, encrypted: bool, **props: Any) -> Callable[[Stack], CfnResource]:
    def build(stack: Stack) -> CfnResource:
        # Imported: a key made here would carry CDK's default policy (root kms:*).
        key = kms.Key.from_key_arn(stack, "Key", KEY_ARN) if encrypted else None
        log_group = logs.LogGroup(stack, "Logs", encryption_key=key, **props)
        return cast(CfnResource, log_group.node.default_child)

    return build


def _cfn_log_group(
    retention: object = 365, key: object = KEY_ARN
) -> Callable[[Stack], CfnResource]:
    def build(stack: Stack) -> CfnResource:
        log_group = logs.CfnLogGroup(
            stack,
            "Logs",
            retention_in_days=cast(float, retention),
            kms_key_id=cast(str, key),
        )
        log_group.apply_removal_policy(RemovalPolicy.RETAIN)
        return log_group

    return build


def _plain_log_group(properties: dict[str, object]) -> Callable[[Stack], CfnResource]:
    return lambda stack: CfnResource(
        stack, "Plain", type="AWS::Logs::LogGroup", properties=properties
    )


@pytest.mark.parametrize(
    "build",
    [
        # The L2 log group keeps events two years unless told otherwise.
        pytest.param(_log_group(encrypted=True), id="l2-default-retention-with-key"),
        pytest.param(
            _log_group(encrypted=True, retention=logs.RetentionDays.ONE_DAY), id="l2-one-day"
        ),
        pytest.param(_cfn_log_group(), id="l1-key-arn"),
        pytest.param(
            _plain_log_group({"RetentionInDays": "365", "KmsKeyId": KEY_ARN}),
            id="plain-cfn-resource-string-days",
        ),
        # The resource schema takes 1 to 3653 days only, so a parameter cannot mean "never".
        pytest.param(
            lambda stack: _cfn_log_group(
                retention=CfnParameter(stack, "Days", type="Number").value_as_number
            )(stack),
            id="retention-from-parameter",
        ),
        pytest.param(
            lambda stack: _cfn_log_group(key=CfnParameter(stack, "LogKey").value_as_string)(stack),
            id="key-from-parameter",
        ),
    ],
)
def test_expiring_encrypted_log_groups_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert log_group_retention_and_kms(view(build(stack))) == NagRuleCompliance.COMPLIANT


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_log_group(encrypted=False), id="l2-without-key"),
        pytest.param(
            _log_group(encrypted=True, retention=logs.RetentionDays.INFINITE),
            id="l2-never-expires",
        ),
        pytest.param(_cfn_log_group(retention=None), id="retention-absent"),
        pytest.param(_cfn_log_group(retention=0), id="retention-zero"),
        pytest.param(
            _cfn_log_group(retention=Token.as_number(Aws.NO_VALUE)), id="retention-no-value"
        ),
        pytest.param(_cfn_log_group(key=None), id="key-absent"),
        pytest.param(_cfn_log_group(key=""), id="key-empty"),
        pytest.param(_cfn_log_group(key=Aws.NO_VALUE), id="key-no-value"),
        pytest.param(
            _plain_log_group({"RetentionInDays": "forever", "KmsKeyId": KEY_ARN}),
            id="plain-cfn-resource-not-a-number",
        ),
        pytest.param(
            _plain_log_group({"RetentionInDays": True, "KmsKeyId": KEY_ARN}),
            id="plain-cfn-resource-boolean",
        ),
    ],
)
def test_log_groups_never_expiring_or_without_key_are_non_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert log_group_retention_and_kms(view(build(stack))) == NagRuleCompliance.NON_COMPLIANT


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            _cfn_log_group(retention=Token.as_number(Fn.condition_if("Expire", 365, Aws.NO_VALUE))),
            "cannot check RetentionInDays: .* may leave it unset",
            id="retention-conditional",
        ),
        pytest.param(
            _cfn_log_group(key=Token.as_string(Fn.condition_if("Encrypt", KEY_ARN, Aws.NO_VALUE))),
            "cannot check KmsKeyId: .* may leave it unset",
            id="key-conditional",
        ),
    ],
)
def test_rejects_a_log_group_it_cannot_read(
    stack: Stack, build: Callable[[Stack], CfnResource], message: str
) -> None:
    log_group = build(stack)

    resource = view(log_group)
    with pytest.raises(TypeError, match=message):
        log_group_retention_and_kms(resource)


def test_other_resources_are_not_applicable(stack: Stack) -> None:
    queue = sqs.CfnQueue(stack, "Queue")

    assert log_group_retention_and_kms(view(queue)) == NagRuleCompliance.NOT_APPLICABLE


def test_pack_reports_the_log_group_without_key(stack: Stack) -> None:
    _log_group(encrypted=False)(stack)

    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RULE}: Test/Logs/Resource"]}


def test_pack_passes_the_expiring_encrypted_log_group(stack: Stack) -> None:
    _log_group(encrypted=True)(stack)

    assert violations(stack, [FintechChecks()]) == {}
