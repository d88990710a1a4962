from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, CfnResource, Stack
from cdk_nag import NagRuleCompliance
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import guardrail_filters_pii_and_prompt_attacks

RULE = "Fintech-GuardrailFiltersPiiAndPromptAttacks"
PROMPT_ATTACK = {"Type": "PROMPT_ATTACK", "InputStrength": "HIGH", "OutputStrength": "NONE"}
HATE = {"Type": "HATE", "InputStrength": "HIGH", "OutputStrength": "HIGH"}
CARD = {"Type": "CREDIT_DEBIT_CARD_NUMBER", "Action": "BLOCK"}


@pytest.fixture
def stack() -> Stack:
    return Stack(App(builtin_cloud_formation_validation=False), "Test")


def _guardrail(
    filters: Any = (PROMPT_ATTACK, HATE), pii: Any = (CARD,), regexes: Any = ()
) -> Callable[[Stack], CfnResource]:
    def build(stack: Stack) -> CfnResource:
        properties: dict[str, Any] = {
            "Name": "g",
            "BlockedInputMessaging": "no",
            "BlockedOutputsMessaging": "no",
        }
        if filters is not None:
            properties["ContentPolicyConfig"] = {"FiltersConfig": list(filters)}
        if pii is not None or regexes:
            properties["SensitiveInformationPolicyConfig"] = {
                **({"PiiEntitiesConfig": list(pii)} if pii else {}),
                **({"RegexesConfig": list(regexes)} if regexes else {}),
            }
        return CfnResource(
            stack, "Guardrail", type="AWS::Bedrock::Guardrail", properties=properties
        )

    return build


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_guardrail(), id="prompt-attack-and-card-block"),
        pytest.param(
            _guardrail(pii=[{"Type": "EMAIL", "Action": "ANONYMIZE"}]), id="pii-anonymize"
        ),
        pytest.param(
            _guardrail(
                pii=None, regexes=[{"Name": "acct", "Pattern": "A-\\d+", "Action": "BLOCK"}]
            ),
            id="regex-only",
        ),
        pytest.param(
            _guardrail(filters=[{**PROMPT_ATTACK, "InputStrength": "LOW"}]), id="low-strength"
        ),
        pytest.param(
            _guardrail(pii=[{**CARD, "OutputAction": "NONE"}]), id="pii-blocked-on-input-only"
        ),
    ],
)
def test_guardrails_with_both_filters_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert (
        guardrail_filters_pii_and_prompt_attacks(view(build(stack))) == NagRuleCompliance.COMPLIANT
    )


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_guardrail(filters=[HATE]), id="no-prompt-attack-filter"),
        pytest.param(_guardrail(filters=None), id="no-content-policy"),
        pytest.param(
            _guardrail(filters=[{**PROMPT_ATTACK, "InputStrength": "NONE"}]), id="strength-none"
        ),
        pytest.param(
            _guardrail(filters=[{**PROMPT_ATTACK, "InputEnabled": False}]), id="input-disabled"
        ),
        pytest.param(
            _guardrail(filters=[{**PROMPT_ATTACK, "InputAction": "NONE"}]), id="detect-only"
        ),
        pytest.param(_guardrail(pii=None), id="no-sensitive-information-policy"),
        pytest.param(
            _guardrail(pii=[{**CARD, "InputEnabled": False, "OutputEnabled": False}]),
            id="pii-disabled-both-ways",
        ),
        pytest.param(_guardrail(pii=[{**CARD, "Action": "NONE"}]), id="pii-detect-only"),
        pytest.param(
            _guardrail(pii=[{**CARD, "InputAction": "NONE", "OutputAction": "NONE"}]),
            id="pii-block-but-both-directions-detect-only",
        ),
    ],
)
def test_guardrails_missing_a_filter_are_non_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert (
        guardrail_filters_pii_and_prompt_attacks(view(build(stack)))
        == NagRuleCompliance.NON_COMPLIANT
    )


def test_filters_from_a_parameter_cannot_be_checked(stack: Stack) -> None:
    filters = CfnParameter(stack, "Filters", type="CommaDelimitedList").value_as_list
    resource = view(_guardrail(filters=filters)(stack))
    with pytest.raises(TypeError):
        guardrail_filters_pii_and_prompt_attacks(resource)


def test_the_pack_reports_a_guardrail_without_pii_filters(stack: Stack) -> None:
    _guardrail(pii=None)(stack)
    found = violations(stack, packs=[FintechChecks()])
    assert any(entry.startswith(f"{RULE}:") for entry in found["Fintech"]), found
