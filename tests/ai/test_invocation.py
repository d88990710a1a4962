"""The guardrail pin statement (landing_zone.ai.invocation): what the AI permission sets are
denied in an account and region unless they name its published guardrail version."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack

from landing_zone.ai.invocation import (
    guardrail_pin_policy_name,
    guardrail_pin_statement,
)

VERSION = "arn:aws:bedrock:eu-west-1:111111111111:guardrail/abcdefgh1234:3"
TITAN = "amazon.titan-embed-text-v2:0"


def _json(**kwargs: Any) -> dict[str, Any]:
    document: dict[str, Any] = Stack().resolve(guardrail_pin_statement(**kwargs).to_json())
    return document


def test_pin_denies_inference_unless_the_exact_version_of_the_region_is_named() -> None:
    statement = _json(guardrail_version_arn=VERSION, region="eu-west-1")
    assert statement["Effect"] == "Deny"
    assert statement["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    assert statement["Resource"] == "*"
    assert statement["Condition"]["StringNotEquals"] == {"bedrock:GuardrailIdentifier": VERSION}
    assert "eu-west-1:*:guardrail/*" in str(
        statement["Condition"]["StringLikeIfExists"]["bedrock:GuardrailIdentifier"]
    )


def test_pin_leaves_the_exempt_models_out_in_every_region() -> None:
    statement = _json(guardrail_version_arn=VERSION, region="eu-west-1", exempt_model_ids=[TITAN])
    assert "Resource" not in statement
    exempt = [str(arn) for arn in statement["NotResource"]]
    assert len(exempt) == 2
    assert all(TITAN in arn for arn in exempt)
    assert any(":bedrock:*::foundation-model/" in arn for arn in exempt)


def test_pin_rejects_what_is_not_a_model_id() -> None:
    with pytest.raises(ValueError, match=r"^model_id: got 'titan\*'"):
        guardrail_pin_statement(
            guardrail_version_arn=VERSION, region="eu-west-1", exempt_model_ids=["titan*"]
        )
    with pytest.raises(ValueError, match=r"^exempt_model_ids: got the string"):
        guardrail_pin_statement(
            guardrail_version_arn=VERSION, region="eu-west-1", exempt_model_ids=TITAN
        )


def test_pin_policy_is_named_under_the_prefix_per_region() -> None:
    assert guardrail_pin_policy_name("lz-", "eu-west-1") == "lz-guardrail-pin-eu-west-1"
