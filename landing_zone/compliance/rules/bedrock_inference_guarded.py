"""Identity policies that allow Bedrock inference require a guardrail in the request.

Every statement of an identity policy (``IDENTITY_POLICY_TYPES``) that allows
``bedrock:InvokeModel`` or ``bedrock:InvokeModelWithResponseStream`` (by name, wildcard or
NotAction) must carry a condition on ``bedrock:GuardrailIdentifier`` with ``StringEquals``,
``StringLike``, ``ArnEquals`` or ``ArnLike`` (not their ``IfExists`` forms, which a request
without a guardrail passes) and values that name guardrails of one account (a literal, a
reference or ``${aws:PrincipalAccount}``, never a wildcard account), or the ``GuardrailArn`` of
a guardrail of the template (alone or with ``:<version>``). Converse and ConverseStream are
authorized as those two actions; batch inference and ``bedrock-mantle:CreateInference`` cannot
carry a guardrail, so a statement allowing them is always a finding.

Exempt: statements whose every resource is a foundation model with ``embed`` in its id, or
its cross-Region inference profiles (embedding models return vectors, and guardrails do not
apply to them). Deny statements are
never findings. Findings name the statement (``Statement::<Sid>``, or its position), so one
statement can be acknowledged without the others.
"""

from typing import Any

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.common.bedrock import (
    GUARDRAIL_CONDITION_KEY,
    INFERENCE_ACTIONS,
    UNGUARDABLE_INFERENCE_ACTIONS,
    is_embedding_model,
)
from landing_zone.compliance.rules._cfn import (
    IDENTITY_POLICY_TYPES,
    as_list,
    get_property,
    identity_policy_statements,
    is_intrinsic,
    statement_allows,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = IDENTITY_POLICY_TYPES

ALL_INFERENCE_ACTIONS = (*INFERENCE_ACTIONS, *UNGUARDABLE_INFERENCE_ACTIONS)
"""Inference on a model. The unguardable actions cannot carry a guardrail at all, so allowing
them is always a finding (acknowledge it where the risk is accepted)."""
GUARDRAIL_KEY = GUARDRAIL_CONDITION_KEY.lower()
_REQUIRING_OPERATORS = frozenset({"stringequals", "stringlike", "arnequals", "arnlike"})


def bedrock_inference_guarded(resource: Resource) -> RuleResult:
    """One finding per statement that allows inference without requiring a guardrail."""
    if resource.type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    findings = [
        f"Statement::{get_property(statement, 'Sid') or index}"
        for index, statement in enumerate(identity_policy_statements(resource))
        if get_property(statement, "Effect") != "Deny"
        and any(statement_allows(statement, action) for action in ALL_INFERENCE_ACTIONS)
        and not _only_embedding_models(statement)
        and not _requires_guardrail(statement)
    ]
    return findings or NagRuleCompliance.COMPLIANT


def _only_embedding_models(statement: Any) -> bool:
    resources = as_list(get_property(statement, "Resource"))
    return bool(resources) and all(_embedding_model(resource) for resource in resources)


def _embedding_model(resource: Any) -> bool:
    """A foundation model, or its cross-Region inference profiles, with ``embed`` in its id."""
    text = _text(resource)
    for marker in (":foundation-model/", ":inference-profile/*."):
        _, _, model = text.partition(marker)
        if model:
            return is_embedding_model(model) and "*" not in model
    return False


def _text(resource: Any) -> str:
    """A resource ARN as written, ``Fn::Join`` of literals and pseudo parameters included."""
    if isinstance(resource, str):
        return resource
    if is_intrinsic(resource) and "Fn::Join" in resource:
        separator, parts = resource["Fn::Join"]
        return str(separator).join(p if isinstance(p, str) else "?" for p in parts)
    return ""


def _requires_guardrail(statement: Any) -> bool:
    condition = get_property(statement, "Condition") or {}
    if is_intrinsic(condition):
        raise TypeError(f"cannot read the condition {condition!r}")
    for operator, keys in condition.items():
        if operator.lower() not in _REQUIRING_OPERATORS or is_intrinsic(keys):
            continue
        for key, value in keys.items():
            if key.lower() == GUARDRAIL_KEY:
                values = as_list(value)
                return bool(values) and all(
                    _guardrail_reference(v) or _names_guardrails_of_one_account(_text(v))
                    for v in values
                )
    return False


def _guardrail_reference(value: Any) -> bool:
    """The ``GuardrailArn`` of a guardrail of the template, alone or followed by its version
    (``Fn::Join`` of ``Fn::GetAtt`` ``GuardrailArn``, ``:`` and the version): a guardrail of
    the stack's own account."""
    if not is_intrinsic(value):
        return False
    if "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        attribute = target[1] if isinstance(target, list) else str(target).split(".", 1)[-1]
        return bool(attribute == "GuardrailArn")
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return (
            bool(parts)
            and separator == ""
            and _guardrail_reference(parts[0])
            and (len(parts) == 1 or (len(parts) == 3 and parts[1] == ":"))
        )
    return False


def _names_guardrails_of_one_account(value: str) -> bool:
    """``arn:<partition>:bedrock:<region>:<account>:guardrail/...`` whose account is a literal,
    a reference or ``${aws:PrincipalAccount}``, not a wildcard."""
    # The policy variable holds a colon of its own.
    parts = value.replace("${aws:PrincipalAccount}", "${PrincipalAccount}").split(":")
    return (
        len(parts) >= 6
        and parts[2] == "bedrock"
        and parts[5].startswith("guardrail/")
        and bool(parts[4])
        and "*" not in parts[4]
        and "?" not in parts[4]
    )


BEDROCK_INFERENCE_GUARDED = FintechRule(
    suffix="BedrockInferenceGuarded",
    info=(
        "The identity policy allows Bedrock inference (InvokeModel, "
        "InvokeModelWithResponseStream, hence Converse) without requiring a guardrail "
        "(a StringEquals, StringLike, ArnEquals or ArnLike condition on "
        "bedrock:GuardrailIdentifier)."
    ),
    explanation=(
        "Inference without a guardrail lets prompt injection, card data and PII reach a "
        "model and unfiltered responses reach customers (PCI DSS 3.3, 6.2.4; NIST SI-10). "
        "Pin the approved guardrail version (landing_zone.ai.BedrockGuardrail."
        "grant_guarded_inference) or at least a guardrail of the account; embedding models are "
        "exempt."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=bedrock_inference_guarded,
)
