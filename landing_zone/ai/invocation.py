"""IAM for model inference that only works through the approved guardrail version."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam

from landing_zone.common import pseudo
from landing_zone.common.bedrock import (
    GUARDRAIL_CONDITION_KEY,
    INFERENCE_ACTIONS,
    account_guardrail_versions,
    is_embedding_model,
    model_arns,
)
from landing_zone.common.patterns import BEDROCK_MODEL_ID

__all__ = [
    "ACCOUNT_GUARDRAIL_ARN",
    "GUARDRAIL_CONDITION_KEY",
    "INFERENCE_ACTIONS",
    "foundation_model_arn",
    "guarded_inference_statements",
    "guardrail_pin_policy_name",
    "guardrail_pin_statement",
    "inference_profile_arns",
    "is_embedding_model",
]

ACCOUNT_GUARDRAIL_ARN = account_guardrail_versions(pseudo.PARTITION)
"""Any published guardrail version of the caller's own account (``account_guardrail_versions``).
Only landing-zone roles manage guardrails (``protect-bedrock-controls``)."""


ALLOW_SID = "InvokeApprovedModelsThroughTheGuardrail"
DENY_SID = "DenyInferenceWithoutTheApprovedGuardrail"
APPLY_SID = "ApplyTheApprovedGuardrail"
DECRYPT_SID = "DecryptTheGuardrailThroughBedrock"
PIN_SID = "DenyInferenceWithAnotherGuardrailOfThisRegion"


def guardrail_pin_policy_name(prefix: str, region: str) -> str:
    """The customer managed policy that pins the AI permission sets to the published guardrail
    version of one AI workload (account and region): IAM names are per account, and an account
    may have AI workloads in several regions. Under the protected ``prefix``, so
    ``protect-landing-zone-roles`` keeps account admins from changing it."""
    return f"{prefix}guardrail-pin-{region}"


def _other_version(guardrail_version_arn: str) -> dict[str, dict[str, str]]:
    # StringNotEquals is true when the key is missing: no guardrail is "another" one too.
    return {"StringNotEquals": {GUARDRAIL_CONDITION_KEY: guardrail_version_arn}}


def inference_profile_arns(model_id: str) -> str:
    """The cross-Region inference profiles of ``model_id`` (``eu.<model>``, ``us.<model>``) in
    any region of this account: inference through one is authorized on the profile and on the
    foundation model in each region it routes to."""
    foundation_model_arn(model_id)  # the same check of the id
    return model_arns(model_id, partition=pseudo.PARTITION, account=pseudo.ACCOUNT_ID)[1]


def foundation_model_arn(model_id: str, region: str = pseudo.REGION) -> str:
    """The ARN of the foundation model ``model_id`` in ``region`` (default: the stack's)."""
    if not BEDROCK_MODEL_ID.fullmatch(model_id):
        raise ValueError(
            f"model_id: got {model_id!r}; allowed: a Bedrock model id such as "
            "anthropic.claude-3-haiku-20240307-v1:0"
        )
    return model_arns(model_id, partition=pseudo.PARTITION, region=region)[0]


def guarded_inference_statements(
    *,
    guardrail_arn: str,
    guardrail_version_arn: str,
    model_ids: Sequence[str],
    guardrail_key_arn: str | None = None,
) -> list[iam.PolicyStatement]:
    """Identity policy statements that let a principal run inference on ``model_ids`` only with
    the guardrail version ``guardrail_version_arn`` (``arn:...:guardrail/<id>:<version>``):

    - ``InvokeApprovedModelsThroughTheGuardrail``: inference on those models when the request
      names that version (``StringEquals`` on ``bedrock:GuardrailIdentifier``);
    - ``DenyInferenceWithoutTheApprovedGuardrail``: inference on any model is denied when the
      request names another guardrail or none: ``StringNotEquals`` is true when the key is
      missing, so a request without a guardrail is denied too, whatever another policy allows;
    - ``ApplyTheApprovedGuardrail``: ``bedrock:ApplyGuardrail`` on that guardrail, which Bedrock
      requires of callers that use it in inference, and to check text outside inference;
    - ``DecryptTheGuardrailThroughBedrock`` (with ``guardrail_key_arn``): ``kms:Decrypt`` on
      the guardrail's customer managed key, through Bedrock only: a caller that uses an
      encrypted guardrail needs it (Bedrock user guide, guardrails and KMS).
    """
    if isinstance(model_ids, str) or not model_ids:
        raise ValueError("model_ids: got none; allowed: one or more Bedrock model ids")
    repeated = sorted({m for m in model_ids if list(model_ids).count(m) > 1})
    if repeated:
        raise ValueError(f"model_ids: {repeated} given more than once")
    approved = {GUARDRAIL_CONDITION_KEY: guardrail_version_arn}
    return [
        iam.PolicyStatement(
            sid=ALLOW_SID,
            actions=list(INFERENCE_ACTIONS),
            resources=[
                arn
                for model_id in model_ids
                for arn in (foundation_model_arn(model_id), inference_profile_arns(model_id))
            ],
            conditions={"StringEquals": approved},
        ),
        iam.PolicyStatement(
            sid=DENY_SID,
            effect=iam.Effect.DENY,
            actions=list(INFERENCE_ACTIONS),
            resources=["*"],
            conditions=_other_version(guardrail_version_arn),
        ),
        iam.PolicyStatement(
            sid=APPLY_SID, actions=["bedrock:ApplyGuardrail"], resources=[guardrail_arn]
        ),
        *(
            [
                iam.PolicyStatement(
                    sid=DECRYPT_SID,
                    actions=["kms:Decrypt"],
                    resources=[guardrail_key_arn],
                    conditions={"StringLike": {"kms:ViaService": f"bedrock.*.{pseudo.URL_SUFFIX}"}},
                )
            ]
            if guardrail_key_arn is not None
            else []
        ),
    ]


def guardrail_pin_statement(
    *, guardrail_version_arn: str, region: str, exempt_model_ids: Sequence[str] = ()
) -> iam.PolicyStatement:
    """A Deny that pins whoever holds it to ``guardrail_version_arn``, the published version of
    the guardrail of this account in ``region``, the way ``guarded_inference_statements`` pins
    the inference roles, but fit for a policy an Identity Center permission set references in
    every account it is assigned to (which may have AI workloads, so pins, in several regions):

    - inference is denied when the request's ``bedrock:GuardrailIdentifier`` is not exactly that
      version (``StringNotEquals``: another version, the DRAFT, another guardrail, or none) and
      names a guardrail of ``region`` or none (``StringLikeIfExists``, true when the key is
      missing: IAM user guide, condition operators, "...IfExists"). A request made in another
      region carries that region's guardrail (a guardrail belongs to one region; that Bedrock
      refuses another region's is unverified), so this pin leaves it to that region's pin, also
      when a cross-Region inference profile routes it to a foundation model of ``region``:
      Bedrock authorizes those calls on the foundation model of each destination region with
      the caller's request (Bedrock user guide, "Geographic cross-Region inference", IAM policy
      requirements). A resource scope (this region's models) could not do that, nor leave the
      exempt models out in the same statement (IAM takes Resource or NotResource);
    - ``exempt_model_ids`` (``guardrails.parameters.guardrail_exempt_bedrock_models``: embedding
      models, which a guardrail does not apply to) are left out (``NotResource``), in every
      region, as the SCP ``deny-bedrock-without-guardrail`` leaves them out.
    """
    if isinstance(exempt_model_ids, str):
        raise ValueError(
            f"exempt_model_ids: got the string {exempt_model_ids!r}; allowed: a list of model ids"
        )
    for model_id in exempt_model_ids:
        foundation_model_arn(model_id)  # the same check of the id
    this_region = f"arn:{pseudo.PARTITION}:bedrock:{region}:*:guardrail/*"
    conditions: dict[str, dict[str, str]] = {
        **_other_version(guardrail_version_arn),
        "StringLikeIfExists": {GUARDRAIL_CONDITION_KEY: this_region},
    }
    exempt = [
        arn
        for model_id in exempt_model_ids
        for arn in model_arns(model_id, partition=pseudo.PARTITION)
    ]
    return iam.PolicyStatement(
        sid=PIN_SID,
        effect=iam.Effect.DENY,
        actions=list(INFERENCE_ACTIONS),
        not_resources=exempt or None,
        resources=None if exempt else ["*"],
        conditions=conditions,
    )
