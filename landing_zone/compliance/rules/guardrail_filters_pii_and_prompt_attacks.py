"""Bedrock guardrails filter sensitive information and prompt attacks.

An ``AWS::Bedrock::Guardrail`` is compliant when:

- its ``ContentPolicyConfig`` has a ``PROMPT_ATTACK`` filter whose ``InputStrength`` is LOW,
  MEDIUM or HIGH and whose input is not disabled (``InputEnabled: false``) or left to detection
  only (``InputAction: NONE``); and
- its ``SensitiveInformationPolicyConfig`` has at least one PII entity or regex that blocks or
  masks (``BLOCK`` or ``ANONYMIZE``) in a direction that is enabled, its per-direction action
  (``InputAction``, ``OutputAction``) not ``NONE``.

What the rule cannot read (a filter list from a parameter, an ``Fn::If``) raises TypeError,
which the pack reports as a violation.
"""

from typing import Any

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import (
    as_list,
    get_property,
    is_intrinsic,
    literal_string,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = frozenset({"AWS::Bedrock::Guardrail"})

_ENFORCING_STRENGTHS = frozenset({"LOW", "MEDIUM", "HIGH"})
_ENFORCING_ACTIONS = frozenset({"BLOCK", "ANONYMIZE"})


def guardrail_filters_pii_and_prompt_attacks(resource: Resource) -> RuleResult:
    """Compliant when the guardrail filters prompt attacks on input and enforces PII filters."""
    if resource.type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    properties = resource.properties
    if _filters_prompt_attacks(get_property(properties, "ContentPolicyConfig")) and _filters_pii(
        get_property(properties, "SensitiveInformationPolicyConfig")
    ):
        return NagRuleCompliance.COMPLIANT
    return NagRuleCompliance.NON_COMPLIANT


def _items(value: Any, name: str) -> list[Any]:
    if is_intrinsic(value):
        raise TypeError(f"cannot read {name}: {value!r} is not a literal list")
    return as_list(value)


def _filters_prompt_attacks(content: Any) -> bool:
    if content is None:
        return False
    for entry in _items(get_property(content, "FiltersConfig"), "FiltersConfig"):
        if literal_string(get_property(entry, "Type")) != "PROMPT_ATTACK":
            continue
        strength = literal_string(get_property(entry, "InputStrength"))
        action = get_property(entry, "InputAction")
        if (
            strength in _ENFORCING_STRENGTHS
            and get_property(entry, "InputEnabled") is not False
            and (action is None or literal_string(action) != "NONE")
        ):
            return True
    return False


def _filters_pii(sensitive: Any) -> bool:
    if sensitive is None:
        return False
    entries = [
        *_items(get_property(sensitive, "PiiEntitiesConfig"), "PiiEntitiesConfig"),
        *_items(get_property(sensitive, "RegexesConfig"), "RegexesConfig"),
    ]
    return any(_enforced(entry) for entry in entries)


def _enforced(entry: Any) -> bool:
    """Whether the filter blocks or masks in at least one direction: a direction is enforced
    when it is not disabled and its own action (``InputAction``/``OutputAction``, else
    ``Action``) is BLOCK or ANONYMIZE, not NONE (detection only)."""
    default = literal_string(get_property(entry, "Action"))
    for direction in ("Input", "Output"):
        if get_property(entry, f"{direction}Enabled") is False:
            continue
        action = get_property(entry, f"{direction}Action")
        if (default if action is None else literal_string(action)) in _ENFORCING_ACTIONS:
            return True
    return False


GUARDRAIL_FILTERS_PII_AND_PROMPT_ATTACKS = FintechRule(
    suffix="GuardrailFiltersPiiAndPromptAttacks",
    info=(
        "The Bedrock guardrail has no enforced prompt attack filter on input, or no enforced "
        "sensitive information (PII or regex) filter."
    ),
    explanation=(
        "Prompt injection and jailbreaks turn a model against its own instructions, and a model "
        "that sees or says card numbers, account numbers or credentials leaks them into logs, "
        "responses and training data (PCI DSS 3.3, 3.4; NIST SI-10, SC-28). Every guardrail "
        "must block prompt attacks and block or mask sensitive information; "
        "landing_zone.ai.BedrockGuardrail does by default."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=guardrail_filters_pii_and_prompt_attacks,
)
