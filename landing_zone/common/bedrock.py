"""What IAM, SCPs and the check pack need to know about Bedrock inference, in one place. Pure
strings, no CDK: the SCP catalog builds JSON without it, and callers pass tokens (the
partition, the account) where they have them."""

from __future__ import annotations

INFERENCE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
"""Model inference that can carry a guardrail. The Converse API is authorized as
``bedrock:InvokeModel`` and ConverseStream as ``bedrock:InvokeModelWithResponseStream``: IAM has
no Converse actions, so these two cover all four APIs."""

UNGUARDABLE_INFERENCE_ACTIONS = (
    "bedrock:CreateModelInvocationJob",
    "bedrock-mantle:CreateInference",
)
"""Inference that cannot carry a guardrail: batch jobs (which need no InvokeModel permission)
and the OpenAI-compatible API (``bedrock-mantle``, no guardrail condition key)."""

GUARDRAIL_CONDITION_KEY = "bedrock:GuardrailIdentifier"
"""Holds the request's guardrail ARN, or ``<ARN>:<version>``."""


def model_arns(
    model_id: str, *, partition: str, region: str = "*", account: str = "*"
) -> list[str]:
    """The foundation model ``model_id`` in ``region``, and its cross-Region inference profiles
    (``us.<model>``, ``eu.<model>``) in ``account``: inference through a profile is authorized
    on the profile and on the foundation model in each Region it routes to."""
    return [
        f"arn:{partition}:bedrock:{region}::foundation-model/{model_id}",
        f"arn:{partition}:bedrock:*:{account}:inference-profile/*.{model_id}",
    ]


def account_guardrail_versions(partition: str) -> list[str]:
    """Any published version of a guardrail of the caller's own account, for
    ``StringLike``/``StringNotLike`` on ``GUARDRAIL_CONDITION_KEY``: what a policy that is the
    same in every account (an SCP) can require. Versions are numbers; ``?`` matches one
    character, so versions 1-999 match and ``<ARN>:DRAFT`` (five characters) or the bare ARN
    (the working draft) do not. IAM pins the approved version itself where it knows it."""
    guardrails = f"arn:{partition}:bedrock:*:${{aws:PrincipalAccount}}:guardrail/*"
    return [f"{guardrails}:{digits}" for digits in ("?", "??", "???")]


def is_embedding_model(model_id: str) -> bool:
    """Whether ``model_id`` is an embedding model (``amazon.titan-embed-text-v2:0``,
    ``cohere.embed-english-v3``): it returns vectors, and guardrails do not apply to it."""
    return "embed" in model_id
