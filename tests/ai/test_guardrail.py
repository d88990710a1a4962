"""BedrockGuardrail: finance defaults for all six policies, a published version that follows
every change, and inference that only works through that version."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.ai import (
    CONTENT_FILTERS,
    FINANCE_PII,
    BedrockGuardrail,
    DeniedTopic,
    RegexFilter,
    guarded_inference_statements,
)
from landing_zone.compliance import FintechChecks, violations
from landing_zone.keys import DataClassKey

ENV = Environment(account="888888888888", region="eu-west-1")
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def _stack() -> Stack:
    return Stack(App(context=cdk_context()), "Ai", env=ENV)


def _key(stack: Stack) -> kms.IKey:
    return DataClassKey(
        stack, "AiKey", data_class="ai-artifacts", alias_prefix="acme", services=["bedrock"]
    ).key


def _guardrail(stack: Stack | None = None, **props: Any) -> BedrockGuardrail:
    stack = stack or _stack()
    return BedrockGuardrail(stack, "Guardrail", kms_key=_key(stack), **props)


def _properties(guardrail: BedrockGuardrail) -> dict[str, Any]:
    template = Template.from_stack(Stack.of(guardrail))
    (resource,) = template.find_resources("AWS::Bedrock::Guardrail").values()
    return dict(resource["Properties"])


@pytest.fixture(scope="module")
def default() -> BedrockGuardrail:
    return _guardrail()


@pytest.fixture(scope="module")
def properties(default: BedrockGuardrail) -> dict[str, Any]:
    return _properties(default)


def test_content_filters_are_high_and_prompt_attacks_are_filtered_on_input(
    properties: dict[str, Any],
) -> None:
    filters = {f["Type"]: f for f in properties["ContentPolicyConfig"]["FiltersConfig"]}
    for category in CONTENT_FILTERS:
        assert filters[category]["InputStrength"] == filters[category]["OutputStrength"] == "HIGH"
    assert filters["PROMPT_ATTACK"] == {
        "Type": "PROMPT_ATTACK",
        "InputStrength": "HIGH",
        "OutputStrength": "NONE",
    }


def test_investment_advice_and_kyc_evasion_are_denied_topics(properties: dict[str, Any]) -> None:
    topics = {t["Name"]: t for t in properties["TopicPolicyConfig"]["TopicsConfig"]}
    assert sorted(topics) == ["Evading KYC and AML checks", "Personalized investment advice"]
    assert all(t["Type"] == "DENY" and t["Examples"] for t in topics.values())


def test_card_and_bank_data_are_blocked(properties: dict[str, Any]) -> None:
    entities = {
        e["Type"]: e["Action"]
        for e in properties["SensitiveInformationPolicyConfig"]["PiiEntitiesConfig"]
    }
    assert entities == dict(FINANCE_PII)
    for blocked in (
        "CREDIT_DEBIT_CARD_NUMBER",
        "CREDIT_DEBIT_CARD_CVV",
        "CREDIT_DEBIT_CARD_EXPIRY",
        "US_BANK_ACCOUNT_NUMBER",
        "US_BANK_ROUTING_NUMBER",
        "US_SOCIAL_SECURITY_NUMBER",
    ):
        assert entities[blocked] == "BLOCK"


def test_profanity_grounding_and_encryption(properties: dict[str, Any]) -> None:
    assert properties["WordPolicyConfig"] == {"ManagedWordListsConfig": [{"Type": "PROFANITY"}]}
    grounding = properties["ContextualGroundingPolicyConfig"]["FiltersConfig"]
    assert {(f["Type"], f["Threshold"]) for f in grounding} == {
        ("GROUNDING", 0.75),
        ("RELEVANCE", 0.75),
    }
    assert "Fn::GetAtt" in properties["KmsKeyArn"]
    assert "AutomatedReasoningPolicyConfig" not in properties


def test_options_reach_the_template() -> None:
    arn = "arn:aws:bedrock:eu-west-1:888888888888:automated-reasoning-policy/abcdef123456:1"
    properties = _properties(
        _guardrail(
            denied_topics=[DeniedTopic(name="Crypto", definition="Crypto asset trading.")],
            regexes=[RegexFilter(name="Internal account", pattern=r"ACME-\d{8}")],
            blocked_words=["wire me"],
            grounding_threshold=0.9,
            automated_reasoning_policies=[arn],
            blocked_input_message="No.",
        )
    )
    assert properties["BlockedInputMessaging"] == "No."
    assert properties["TopicPolicyConfig"]["TopicsConfig"] == [
        {"Name": "Crypto", "Definition": "Crypto asset trading.", "Type": "DENY"}
    ]
    assert properties["SensitiveInformationPolicyConfig"]["RegexesConfig"] == [
        {"Name": "Internal account", "Pattern": r"ACME-\d{8}", "Action": "BLOCK"}
    ]
    assert properties["WordPolicyConfig"]["WordsConfig"] == [{"Text": "wire me"}]
    assert properties["AutomatedReasoningPolicyConfig"] == {"Policies": [arn]}


def _version_description(guardrail: BedrockGuardrail) -> str:
    template = Template.from_stack(Stack.of(guardrail))
    (version,) = template.find_resources("AWS::Bedrock::GuardrailVersion").values()
    return str(version["Properties"]["Description"])


def test_every_change_publishes_a_new_version(default: BedrockGuardrail) -> None:
    # CloudFormation replaces a version whose description changes.
    assert _version_description(default) == _version_description(_guardrail())
    assert _version_description(default) != _version_description(
        _guardrail(blocked_words=["guaranteed returns"])
    )


def test_callers_are_pinned_to_the_published_version(default: BedrockGuardrail) -> None:
    stack = Stack.of(default)
    resolved = stack.resolve(default.version_arn)
    assert json.dumps(resolved).count("GuardrailArn") == 1
    assert "Version" in json.dumps(resolved)


def test_no_compliance_findings(default: BedrockGuardrail) -> None:
    assert violations(Stack.of(default)) == {}


def test_enforced_configuration_applies_the_version_to_the_account() -> None:
    guardrail = _guardrail()
    guardrail.enforce_in_account(excluded_models=["amazon.titan-embed-text-v2:0"])
    template = Template.from_stack(Stack.of(guardrail)).to_json()
    (enforced,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Bedrock::EnforcedGuardrailConfiguration"
    ]
    properties = enforced["Properties"]
    assert properties["ModelEnforcement"] == {
        "IncludedModels": ["ALL"],
        "ExcludedModels": ["amazon.titan-embed-text-v2:0"],
    }
    # The whole of every message and system prompt: guard-content tags cannot narrow it.
    assert properties["SelectiveContentGuarding"] == {
        "Messages": "COMPREHENSIVE",
        "System": "COMPREHENSIVE",
    }
    assert "Fn::GetAtt" in properties["GuardrailVersion"]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"name": "landing zone"}, "name: got 'landing zone'"),
        ({"content_strength": "NONE"}, "cannot be turned off"),
        ({"prompt_attack_strength": "NONE"}, "cannot be turned off"),
        (
            {"pii_entities": {"CREDIT_DEBIT_CARD_NUMBER": "ANONYMIZE"}},
            "must be BLOCK",
        ),
        ({"pii_entities": {**FINANCE_PII, "CARD": "BLOCK"}}, "unknown types \\['CARD'\\]"),
        ({"regexes": [RegexFilter(name="Bad", pattern="(")]}, "not a regular expression"),
        ({"denied_topics": [DeniedTopic(name="x", definition="d" * 201)]}, "definition of 201"),
        ({"grounding_threshold": 1.0}, "allowed: 0 to 0.99"),
        ({"blocked_words": ["w" * 101]}, "1-100 characters"),
        ({"blocked_output_message": ""}, "allowed: 1-500"),
        ({"automated_reasoning_policies": ["arn:aws:bedrock:::policy/x"]}, "Automated Reasoning"),
    ],
)
def test_rejects_what_bedrock_or_the_landing_zone_refuses(
    props: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _guardrail(**props)


# --- inference only through the guardrail ------------------------------------------------


def _role_statements(role: iam.Role) -> list[dict[str, Any]]:
    template = Template.from_stack(Stack.of(role)).to_json()
    return [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy"
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_granted_role_may_invoke_only_through_the_version() -> None:
    guardrail = _guardrail()
    stack = Stack.of(guardrail)
    role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    guardrail.grant_guarded_inference(role, model_ids=[MODEL])
    statements = {s["Sid"]: s for s in _role_statements(role)}
    version_arn = stack.resolve(guardrail.version_arn)

    allow = statements["InvokeApprovedModelsThroughTheGuardrail"]
    assert allow["Effect"] == "Allow"
    assert allow["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    assert allow["Condition"] == {"StringEquals": {"bedrock:GuardrailIdentifier": version_arn}}
    assert MODEL in json.dumps(allow["Resource"])

    deny = statements["DenyInferenceWithoutTheApprovedGuardrail"]
    assert deny["Effect"] == "Deny"
    assert deny["Resource"] == "*"
    # StringNotEquals (not ...IfExists): a request without the key is denied as well.
    assert deny["Condition"] == {"StringNotEquals": {"bedrock:GuardrailIdentifier": version_arn}}

    apply = statements["ApplyTheApprovedGuardrail"]
    assert apply["Action"] == "bedrock:ApplyGuardrail"
    assert apply["Resource"] == stack.resolve(guardrail.guardrail_arn)

    # The project's own check reads the version back from the template (a GetAtt of the
    # guardrail) as a guardrail of this account.
    assert violations(stack, packs=[FintechChecks()]) == {}

    # The guardrail is encrypted with a customer managed key: its users decrypt through Bedrock.
    decrypt = statements["DecryptTheGuardrailThroughBedrock"]
    assert decrypt["Action"] == "kms:Decrypt"
    assert decrypt["Resource"] == stack.resolve(guardrail.kms_key.key_arn)
    assert decrypt["Condition"] == {
        "StringLike": {
            "kms:ViaService": {"Fn::Join": ["", ["bedrock.*.", {"Ref": "AWS::URLSuffix"}]]}
        }
    }


@pytest.mark.parametrize(
    ("model_ids", "message"),
    [([], "got none"), (["gpt-4"], "a Bedrock model id"), ([MODEL, MODEL], "more than once")],
)
def test_guarded_inference_rejects_bad_model_lists(model_ids: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        guarded_inference_statements(
            guardrail_arn="arn:aws:bedrock:eu-west-1:888888888888:guardrail/abc",
            guardrail_version_arn="arn:aws:bedrock:eu-west-1:888888888888:guardrail/abc:1",
            model_ids=model_ids,
        )


def test_kms_key_takes_the_data_class_key_itself() -> None:
    stack = _stack()
    key = DataClassKey(
        stack, "AiKey", data_class="ai-artifacts", alias_prefix="acme", services=["bedrock"]
    )
    guardrail = BedrockGuardrail(stack, "Guardrail", kms_key=key)
    assert guardrail.kms_key is key.key
    assert _properties(guardrail)["KmsKeyArn"] == {
        "Fn::GetAtt": [stack.get_logical_id(key.key.node.default_child), "Arn"]  # type: ignore[arg-type]
    }


def test_rejects_a_kms_key_that_is_no_key_at_the_call_site() -> None:
    with pytest.raises(TypeError, match=r"^kms_key: got the string 'alias/acme/ai' .*; allowed"):
        BedrockGuardrail(_stack(), "Guardrail", kms_key="alias/acme/ai")  # type: ignore[arg-type]
