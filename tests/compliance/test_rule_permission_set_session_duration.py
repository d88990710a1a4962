from collections.abc import Callable
from typing import cast

import pytest
from aws_cdk import App, Aws, CfnParameter, CfnResource, Fn, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sso as sso
from cdk_nag import NagRuleCompliance
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import permission_set_session_duration

RULE = "Fintech-PermissionSetSessionDuration"
INSTANCE_ARN = "arn:aws:sso:::instance/ssoins-0123456789abcdef"


@pytest.fixture
def stack() -> Stack:
    return Stack(App(builtin_cloud_formation_validation=False), "Test")


def _permission_set(duration: object = None) -> Callable[[Stack], CfnResource]:
    return lambda stack: sso.CfnPermissionSet(
        stack,
        "Set",
        instance_arn=INSTANCE_ARN,
        name="payments-dev",
        session_duration=cast(str, duration),
    )


def _plain_permission_set(duration: object) -> Callable[[Stack], CfnResource]:
    return lambda stack: CfnResource(
        stack,
        "Plain",
        type="AWS::SSO::PermissionSet",
        properties={"InstanceArn": INSTANCE_ARN, "Name": "dev", "SessionDuration": duration},
    )


@pytest.mark.parametrize(
    "build",
    [
        # IAM Identity Center applies one hour when the property is not set.
        pytest.param(_permission_set(), id="absent"),
        pytest.param(_permission_set(Aws.NO_VALUE), id="no-value"),
        pytest.param(_permission_set("PT1H"), id="one-hour"),
        pytest.param(_permission_set("PT12H"), id="twelve-hours"),
        pytest.param(_permission_set("PT11H59M59S"), id="hours-minutes-seconds"),
        pytest.param(_permission_set("PT720M"), id="minutes"),
        pytest.param(_permission_set("PT43200S"), id="seconds"),
        pytest.param(_plain_permission_set("PT8H"), id="plain-cfn-resource"),
    ],
)
def test_sessions_up_to_twelve_hours_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert permission_set_session_duration(view(build(stack))) == NagRuleCompliance.COMPLIANT


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_permission_set("PT13H"), id="thirteen-hours"),
        pytest.param(_permission_set("PT12H1M"), id="a-minute-over"),
        pytest.param(_permission_set("PT12H0M1S"), id="a-second-over"),
        pytest.param(_permission_set("PT721M"), id="minutes-over"),
        pytest.param(_permission_set("PT43201S"), id="seconds-over"),
        pytest.param(_permission_set("PT100000000000H"), id="beyond-timedelta"),
        # Malformed, even where IAM Identity Center would read it: reviewers must read it plainly.
        pytest.param(_permission_set("P1D"), id="days"),
        pytest.param(_permission_set("PT1.5H"), id="fraction"),
        pytest.param(_permission_set("pt1h"), id="lower-case"),
        pytest.param(_permission_set("PT1M1H"), id="out-of-order"),
        pytest.param(_permission_set("PT"), id="no-component"),
        pytest.param(_permission_set("PT1H "), id="trailing-space"),
        pytest.param(_permission_set("12h"), id="not-iso-8601"),
        pytest.param(_plain_permission_set(3600), id="number"),
    ],
)
def test_longer_or_malformed_sessions_are_non_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert permission_set_session_duration(view(build(stack))) == NagRuleCompliance.NON_COMPLIANT


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda stack: _permission_set(CfnParameter(stack, "Duration").value_as_string)(stack),
            "cannot check SessionDuration: .* not a literal duration",
            id="from-parameter",
        ),
        pytest.param(
            _permission_set(Fn.import_value("SessionDuration")),
            "cannot check SessionDuration: .* not a literal duration",
            id="imported",
        ),
        pytest.param(
            _permission_set(Token.as_string(Fn.condition_if("Long", "PT24H", Aws.NO_VALUE))),
            "cannot check SessionDuration: .* may leave it unset",
            id="conditional",
        ),
    ],
)
def test_rejects_a_duration_it_cannot_read(
    stack: Stack, build: Callable[[Stack], CfnResource], message: str
) -> None:
    permission_set = build(stack)

    resource = view(permission_set)
    with pytest.raises(TypeError, match=message):
        permission_set_session_duration(resource)


def test_other_resources_are_not_applicable(stack: Stack) -> None:
    role = iam.Role(stack, "Role", assumed_by=iam.AccountRootPrincipal())

    assert (
        permission_set_session_duration(view(cast(CfnResource, role.node.default_child)))
        == NagRuleCompliance.NOT_APPLICABLE
    )


def test_pack_reports_the_long_session(stack: Stack) -> None:
    _permission_set("PT24H")(stack)

    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RULE}: Test/Set"]}


def test_pack_passes_the_bounded_session(stack: Stack) -> None:
    _permission_set("PT4H")(stack)

    assert violations(stack, [FintechChecks()]) == {}
