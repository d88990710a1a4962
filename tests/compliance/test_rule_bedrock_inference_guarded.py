from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, CfnResource, Stack
from aws_cdk import aws_iam as iam
from cdk_nag import NagRuleCompliance
from fintech_view import view

from landing_zone.ai import guarded_inference_statements
from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import bedrock_inference_guarded

RULE = "Fintech-BedrockInferenceGuarded"
HAIKU = "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
TITAN = "arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-embed-text-v2:0"
VERSION = "arn:aws:bedrock:eu-west-1:888888888888:guardrail/abcdefgh1234:3"


@pytest.fixture
def stack() -> Stack:
    return Stack(App(builtin_cloud_formation_validation=False), "Test")


def _policy(*statements: dict[str, Any]) -> Callable[[Stack], CfnResource]:
    return lambda stack: CfnResource(
        stack,
        "Policy",
        type="AWS::IAM::ManagedPolicy",
        properties={"PolicyDocument": {"Version": "2012-10-17", "Statement": list(statements)}},
    )


def _allow(actions: Any = "bedrock:InvokeModel", resource: Any = HAIKU, **extra: Any) -> dict:
    return {"Sid": "Invoke", "Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def _guard(operator: str = "StringEquals", value: Any = VERSION) -> dict[str, Any]:
    return {"Condition": {operator: {"bedrock:GuardrailIdentifier": value}}}


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_policy(_allow(**_guard())), id="pinned-version"),
        pytest.param(
            _policy(
                _allow(
                    **_guard("StringLike", "arn:aws:bedrock:*:${aws:PrincipalAccount}:guardrail/*")
                )
            ),
            id="own-account-guardrail",
        ),
        pytest.param(_policy(_allow(**_guard("ArnLike", VERSION))), id="arn-like"),
        pytest.param(
            _policy(
                _allow(
                    **_guard(
                        value={
                            "Fn::Join": [
                                "",
                                [
                                    {"Fn::GetAtt": ["Guardrail", "GuardrailArn"]},
                                    ":",
                                    {"Fn::GetAtt": ["GuardrailVersion", "Version"]},
                                ],
                            ]
                        }
                    )
                )
            ),
            id="version-of-a-guardrail-of-the-template",
        ),
        pytest.param(_policy(_allow(resource=TITAN)), id="embedding-model"),
        pytest.param(
            _policy(
                _allow(
                    resource=(
                        "arn:aws:bedrock:*:888888888888:inference-profile/*."
                        "amazon.titan-embed-text-v2:0"
                    )
                )
            ),
            id="embedding-inference-profile",
        ),
        pytest.param(_policy({**_allow(), "Effect": "Deny"}), id="deny-is-not-a-grant"),
        pytest.param(_policy(_allow(actions="bedrock:ListFoundationModels")), id="no-inference"),
    ],
)
def test_guarded_or_unrelated_statements_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert bedrock_inference_guarded(view(build(stack))) == NagRuleCompliance.COMPLIANT


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_policy(_allow()), id="no-condition"),
        pytest.param(_policy(_allow("bedrock:Invoke*")), id="wildcard-action"),
        pytest.param(_policy(_allow("bedrock:InvokeModelWithResponseStream")), id="stream"),
        pytest.param(_policy(_allow(**_guard("StringEqualsIfExists"))), id="if-exists"),
        pytest.param(_policy(_allow(**_guard("StringLike", "*"))), id="any-guardrail-value"),
        pytest.param(_policy(_allow(resource=[TITAN, HAIKU])), id="embedding-and-text-model"),
        pytest.param(
            _policy(_allow(**_guard(value={"Fn::GetAtt": ["SomeRole", "Arn"]}))),
            id="reference-to-something-else",
        ),
        pytest.param(
            _policy(
                _allow(
                    **_guard(
                        value={
                            "Fn::Join": [
                                "",
                                [{"Fn::GetAtt": ["Guardrail", "GuardrailArn"]}, "*"],
                            ]
                        }
                    )
                )
            ),
            id="guardrail-reference-with-a-wildcard",
        ),
        pytest.param(
            _policy(_allow(**_guard("StringLike", "arn:aws:bedrock:*:*:guardrail/*"))),
            id="guardrail-of-any-account",
        ),
        pytest.param(
            _policy(_allow("bedrock:CreateModelInvocationJob")),
            id="batch-inference-cannot-carry-a-guardrail",
        ),
        pytest.param(_policy(_allow("bedrock-mantle:CreateInference")), id="openai-compatible"),
        pytest.param(
            _policy({"Sid": "Invoke", "Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}),
            id="not-action",
        ),
    ],
)
def test_unguarded_inference_is_reported_per_statement(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert bedrock_inference_guarded(view(build(stack))) == ["Statement::Invoke"]


def test_the_landing_zone_guarded_statements_comply(stack: Stack) -> None:
    role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    for statement in guarded_inference_statements(
        guardrail_arn=VERSION.rsplit(":", 1)[0],
        guardrail_version_arn=VERSION,
        model_ids=["anthropic.claude-3-haiku-20240307-v1:0"],
    ):
        role.add_to_principal_policy(statement)
    assert violations(stack, packs=[FintechChecks()]) == {}


def test_the_pack_reports_an_unguarded_role(stack: Stack) -> None:
    role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_principal_policy(
        iam.PolicyStatement(sid="Invoke", actions=["bedrock:InvokeModel"], resources=[HAIKU])
    )
    found = violations(stack, packs=[FintechChecks()])
    assert any(entry.startswith(f"{RULE}[Statement::Invoke]") for entry in found["Fintech"]), found
