"""The reference job functions, read back from the synthesized permission sets: above all what
each one must NOT be allowed to do."""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterator
from fnmatch import fnmatchcase
from functools import cache
from importlib.resources import files
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack, Stage
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of, template_text

from landing_zone.common.bedrock import account_guardrail_versions
from landing_zone.compliance import violations
from landing_zone.config.model import JobFunction
from landing_zone.identity.job_functions import (
    AUDITOR_DENIED_VERBS,
    BREAK_GLASS_PERMISSION_SET_NAME,
    JOB_FUNCTIONS,
    STUDIO_USER_TAG,
    break_glass,
    build_job_function,
    data_scientist,
    developer,
    incident_responder,
    ml_engineer,
    platform_admin,
    reserved_role_name_pattern,
    security_auditor,
)
from landing_zone.identity.permission_set import (
    LONG_LIVED_CREDENTIAL_ACTIONS,
    MAX_INLINE_POLICY_CHARACTERS,
    MFA_DENY_SID,
    SENSITIVE_ACTIONS,
    CustomerManagedPolicy,
    PermissionSet,
    _longest,
)

INSTANCE_ARN = "arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6"
CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0"
TITAN = "amazon.titan-embed-text-v2:0"
TRAINING = "acme-pay-ml-training-data"
ARTIFACTS = "acme-pay-ml-artifacts"
FUNCTIONS = {
    "developer": developer,
    "security_auditor": security_auditor,
    "platform_admin": platform_admin,
    "incident_responder": incident_responder,
    "break_glass": break_glass,
    "data_scientist": data_scientist,
    "ml_engineer": ml_engineer,
}
AI_PROPS: dict[str, Any] = {
    "models": [CLAUDE, TITAN],
    "training_data_buckets": [TRAINING],
    "artifact_buckets": [ARTIFACTS],
}


def _stack() -> Stack:
    return Stack(
        App(context=cdk_context()),
        "Identity",
        env=Environment(account="111111111111", region="eu-west-1"),
    )


@pytest.fixture(scope="module")
def stack() -> Stack:
    """The seven job functions with their defaults, side by side."""
    stack = _stack()
    developer(stack, "Developer", instance_arn=INSTANCE_ARN)
    security_auditor(stack, "SecurityAuditor", instance_arn=INSTANCE_ARN)
    platform_admin(stack, "PlatformAdmin", instance_arn=INSTANCE_ARN)
    incident_responder(stack, "IncidentResponder", instance_arn=INSTANCE_ARN)
    break_glass(stack, "BreakGlass", instance_arn=INSTANCE_ARN)
    data_scientist(stack, "DataScientist", instance_arn=INSTANCE_ARN, **AI_PROPS)
    ml_engineer(
        stack,
        "MLEngineer",
        instance_arn=INSTANCE_ARN,
        execution_role_names=["sagemaker-model-execution"],
        **AI_PROPS,
    )
    return stack


@pytest.fixture(scope="module")
def permission_sets(stack) -> dict[str, dict[str, Any]]:
    """Permission set name -> its synthesized properties."""
    resources = Template.from_stack(stack).find_resources("AWS::SSO::PermissionSet")
    return {
        resource["Properties"]["Name"]: resource["Properties"] for resource in resources.values()
    }


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(properties: dict[str, Any]) -> list[dict[str, Any]]:
    return list(properties.get("InlinePolicy", {}).get("Statement", []))


def _allows(properties: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each allowed action with its statement."""
    for statement in _statements(properties):
        assert "NotAction" not in statement
        if statement["Effect"] == "Allow":
            for action in _as_list(statement["Action"]):
                yield action, statement


def _allowed_actions(properties: dict[str, Any]) -> list[str]:
    return [action for action, _ in _allows(properties)]


def _matches(pattern: str, action: str) -> bool:
    """Whether the IAM action pattern covers ``action`` (IAM compares case-insensitively)."""
    return fnmatchcase(action.lower(), pattern.lower())


def _denied_outright(properties: dict[str, Any], action: str) -> bool:
    """Whether a Deny without conditions covers ``action`` on every resource."""
    return any(
        statement["Effect"] == "Deny"
        and "Condition" not in statement
        and statement["Resource"] == "*"
        and any(_matches(pattern, action) for pattern in _as_list(statement["Action"]))
        for statement in _statements(properties)
    )


def _managed_policies(properties: dict[str, Any]) -> list[str]:
    return [template_text(arn) for arn in properties.get("ManagedPolicies", [])]


def _aws_managed(name: str) -> str:
    return f"arn:${{AWS::Partition}}:iam::aws:policy/{name}"


def _seconds(duration: str) -> int:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?", duration)
    assert match is not None, duration
    hours, minutes = match.groups()
    return int(hours or 0) * 3600 + int(minutes or 0) * 60


@cache
def _iam_actions() -> dict[str, frozenset[str]]:
    """Service prefix -> its action names in lowercase, from the IAM data cfn-lint ships."""
    data = json.loads(
        (files("cfnlint.data.AdditionalSpecs") / "Policies.json").read_text(encoding="utf-8")
    )
    return {service: frozenset(spec["Actions"]) for service, spec in data.items()}


def _real_actions(pattern: str) -> list[str]:
    service, _, name = pattern.partition(":")
    return [
        f"{service}:{action}"
        for action in _iam_actions().get(service, ())
        if fnmatchcase(action, name.lower())
    ]


# --- every job function ----------------------------------------------------------------------


def test_there_is_a_job_function_for_each_the_config_names() -> None:
    assert list(JOB_FUNCTIONS) == list(typing.get_args(JobFunction))


def test_every_session_lasts_at_most_twelve_hours_and_defaults_to_one(permission_sets) -> None:
    assert len(permission_sets) == 7
    for properties in permission_sets.values():
        assert _seconds(properties["SessionDuration"]) <= 12 * 3600
        assert properties["SessionDuration"] == "PT1H"


def test_every_job_function_denies_sensitive_actions_without_mfa(permission_sets) -> None:
    for name, properties in permission_sets.items():
        if name == BREAK_GLASS_PERMISSION_SET_NAME:
            # Break glass repairs what the deny guards; it pages on every use instead.
            assert "InlinePolicy" not in properties
            continue
        [mfa] = [s for s in _statements(properties) if s.get("Sid") == MFA_DENY_SID]
        assert mfa["Effect"] == "Deny", name
        assert mfa["Resource"] == "*"
        assert mfa["Condition"] == {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
        # What is denied outright anyway is not repeated.
        assert sorted(mfa["Action"]) == sorted(
            a for a in SENSITIVE_ACTIONS if a not in LONG_LIVED_CREDENTIAL_ACTIONS
        )
        assert all(_denied_outright(properties, a) for a in LONG_LIVED_CREDENTIAL_ACTIONS)


def test_no_job_function_allows_a_wildcard_action_or_administrator_access(
    permission_sets,
) -> None:
    for name, properties in permission_sets.items():
        for action in _allowed_actions(properties):
            assert "*" not in action, (name, action)
        if name != BREAK_GLASS_PERMISSION_SET_NAME:
            assert _aws_managed("AdministratorAccess") not in _managed_policies(properties)


def test_every_action_named_exists_in_iam() -> None:
    """Each allowed action, each denied pattern and each sensitive action names at least one
    real IAM action (cfn-lint's copy of the Service Authorization Reference)."""
    stack = _stack()
    for job_function in JOB_FUNCTIONS:
        build_job_function(
            stack,
            job_function,
            job_function=job_function,
            instance_arn=INSTANCE_ARN,
            name=job_function.replace("_", "-"),
            **(AI_PROPS if job_function in ("data_scientist", "ml_engineer") else {}),
        )
    resources = Template.from_stack(stack).find_resources("AWS::SSO::PermissionSet")
    named = {
        action
        for resource in resources.values()
        for statement in _statements(resource["Properties"])
        for action in _as_list(statement["Action"])
    }
    assert set(SENSITIVE_ACTIONS) <= named
    assert [action for action in sorted(named) if not _real_actions(action)] == []


def test_sensitive_actions_are_named_one_by_one() -> None:
    assert len(set(SENSITIVE_ACTIONS)) == len(SENSITIVE_ACTIONS)
    assert not [action for action in SENSITIVE_ACTIONS if "*" in action or "?" in action]


def test_mfa_protection_can_be_turned_off() -> None:
    permission_set = developer(
        _stack(), "Developer", instance_arn=INSTANCE_ARN, require_mfa_for_sensitive_actions=False
    )
    statements = _statements(_properties(permission_set))
    assert [statement["Sid"] for statement in statements] == [
        "AssumeCdkBootstrapRoles",
        "ReadLogsMetricsAndStacks",
        "DenyIam",
        "DenyLongLivedCredentials",
        "DenyLandingZoneBootstrapRoles",
    ]


def test_inline_policies_fit_identity_center_with_room_to_spare(stack) -> None:
    # Synth runs the construct's size check; this shows the margin.
    Stage.of(stack).synth()
    for properties in Template.from_stack(stack).find_resources("AWS::SSO::PermissionSet").values():
        if "InlinePolicy" not in properties["Properties"]:
            continue  # break glass: AdministratorAccess only
        # Measured as Identity Center stores it (the longest partition name in place of each
        # Fn::Join); 60% of the limit leaves room for a few more models and buckets.
        stored = _longest(properties["Properties"]["InlinePolicy"])
        text = json.dumps(stored, separators=(",", ":"))
        assert len(text) < MAX_INLINE_POLICY_CHARACTERS * 0.6


def test_docstrings_end_with_the_summary() -> None:
    for job_function, doc in JOB_FUNCTIONS.items():
        function = FUNCTIONS[job_function]
        assert function.__doc__.endswith(f"ASSIGNED  {doc.assigned_to}")
        assert f"ALLOWED   {doc.allowed}" in function.__doc__
        assert f"DENIED    {doc.denied}" in function.__doc__


def _properties(permission_set: PermissionSet) -> dict[str, Any]:
    resources = Template.from_stack(Stack.of(permission_set)).to_json()["Resources"]
    return dict(resources[logical_id_of(permission_set)]["Properties"])


# --- developer -------------------------------------------------------------------------------


def test_developer_is_allowed_no_iam_action_and_denied_all_of_them(permission_sets) -> None:
    developer_set = permission_sets["Developer"]
    assert not [a for a in _allowed_actions(developer_set) if a.lower().startswith("iam:")]
    for action in ("iam:CreateUser", "iam:PassRole", "iam:AttachRolePolicy", "iam:CreateRole"):
        assert _denied_outright(developer_set, action), action


def test_developer_views_metadata_but_reads_no_data(permission_sets) -> None:
    developer_set = permission_sets["Developer"]
    assert _managed_policies(developer_set) == [_aws_managed("job-function/ViewOnlyAccess")]
    allowed = _allowed_actions(developer_set)
    for data_read in ("s3:GetObject", "dynamodb:GetItem", "secretsmanager:GetSecretValue"):
        assert not [a for a in allowed if _matches(a, data_read)]
    assert {"logs:GetLogEvents", "logs:StartQuery", "cloudwatch:GetMetricData"} <= set(allowed)


def test_developer_assumes_only_the_cdk_bootstrap_roles(permission_sets) -> None:
    [(action, statement)] = [
        (a, s) for a, s in _allows(permission_sets["Developer"]) if a.startswith("sts:")
    ]
    assert action == "sts:AssumeRole"
    assert sorted(template_text(arn) for arn in statement["Resource"]) == [
        f"arn:${{AWS::Partition}}:iam::*:role/cdk-hnb659fds-{kind}-role-*"
        for kind in ("deploy", "file-publishing", "image-publishing")
    ]
    # Not the lookup role: its ReadOnlyAccess reads S3 objects and table items.
    assert statement["Condition"] == {
        "StringEquals": {
            "iam:ResourceTag/aws-cdk:bootstrap-role": [
                "deploy",
                "file-publishing",
                "image-publishing",
            ]
        }
    }


def test_developer_bootstrap_qualifier_can_be_changed() -> None:
    permission_set = developer(
        _stack(), "Developer", instance_arn=INSTANCE_ARN, cdk_bootstrap_qualifier="payments"
    )
    [statement] = [
        s for s in _statements(_properties(permission_set)) if s["Sid"] == "AssumeCdkBootstrapRoles"
    ]
    assert all("cdk-payments-" in template_text(arn) for arn in statement["Resource"])


# --- security auditor ------------------------------------------------------------------------

_READ_VERBS = ("Describe", "Filter", "Get", "List", "Lookup", "Select")
_READ_ONLY_LOG_SESSIONS = (
    "logs:StartLiveTail",
    "logs:StartQuery",
    "logs:StopLiveTail",
    "logs:StopQuery",
)
"""Logs Insights queries and live tails read events; they change nothing."""


def test_security_auditor_is_allowed_only_reads(permission_sets) -> None:
    auditor = permission_sets["SecurityAuditor"]
    assert _managed_policies(auditor) == [
        _aws_managed("SecurityAudit"),
        _aws_managed("job-function/ViewOnlyAccess"),
    ]
    for action in _allowed_actions(auditor):
        name = action.partition(":")[2]
        assert name.startswith(_READ_VERBS) or action in _READ_ONLY_LOG_SESSIONS, action
        assert not _denied_outright(auditor, action), f"{action} is both allowed and denied"


def test_incident_responder_reads_and_answers_only_the_response_workflows(permission_sets):
    responder = permission_sets["IncidentResponder"]
    workflows = "arn:${AWS::Partition}:states:*:*:stateMachine:lz-response-*"
    by_sid = {statement.get("Sid"): statement for statement in _statements(responder)}
    start = by_sid["StartResponseWorkflows"]
    assert start["Action"] == "states:StartExecution"
    assert template_text(start["Resource"]) == workflows
    answer = by_sid["AnswerApprovals"]
    assert sorted(_as_list(answer["Action"])) == [
        "states:SendTaskFailure",
        "states:SendTaskHeartbeat",
        "states:SendTaskSuccess",
    ]
    # Identity Center sessions carry no MFA key: a condition on it would never match.
    for statement in (start, answer):
        assert "Condition" not in statement
    writes = [
        action
        for action in _allowed_actions(responder)
        if not action.partition(":")[2].startswith(_READ_VERBS)
        and action not in _READ_ONLY_LOG_SESSIONS
    ]
    assert sorted(writes) == sorted(["states:StartExecution", *_as_list(answer["Action"])])
    assert _denied_outright(responder, "guardduty:ArchiveFindings")
    assert _denied_outright(responder, "s3:PutBucketPolicy")


@pytest.mark.parametrize(
    "action",
    [
        "cloudtrail:StopLogging",
        "cloudtrail:DeleteTrail",
        "cloudtrail:UpdateTrail",
        "cloudtrail:PutEventSelectors",
        "config:DeleteConfigRule",
        "config:PutConfigRule",
        "config:StopConfigurationRecorder",
        "config:StartRemediationExecution",
        "securityhub:DisableSecurityHub",
        "securityhub:BatchUpdateFindings",
        "securityhub:BatchImportFindings",
        "securityhub:UpdateFindings",
        "guardduty:ArchiveFindings",
        "guardduty:DeleteDetector",
        "guardduty:UpdateDetector",
        "logs:DeleteLogGroup",
        "logs:PutRetentionPolicy",
        "logs:CreateExportTask",
        "logs:Unmask",
        "s3:DeleteObject",
        "s3:PutObject",
        "s3:PutBucketPolicy",
        "macie2:DisableMacie",
        "inspector2:Disable",
        "access-analyzer:DeleteAnalyzer",
    ],
)
def test_security_auditor_is_denied_changes_to_security_evidence(permission_sets, action) -> None:
    assert _denied_outright(permission_sets["SecurityAuditor"], action)


@pytest.mark.parametrize("service", sorted(AUDITOR_DENIED_VERBS))
def test_security_auditor_deny_covers_every_destructive_action_of_the_service(
    permission_sets, service
) -> None:
    """Every create, delete, put, update and disable action IAM knows for the service."""
    destructive = [
        action
        for verb in ("Create", "Delete", "Disable", "Put", "Update")
        for action in _real_actions(f"{service}:{verb}*")
    ]
    assert destructive
    auditor = permission_sets["SecurityAuditor"]
    assert [action for action in destructive if not _denied_outright(auditor, action)] == []


# --- platform admin --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        "s3:GetObject",
        "s3:GetObjectVersion",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:PartiQLSelect",
        "kms:Decrypt",
        "kms:ReEncryptFrom",
        "secretsmanager:GetSecretValue",
        "rds-data:ExecuteStatement",
        "aws-portal:ModifyBilling",
        "aws-portal:ModifyPaymentMethods",
        "billing:PutContractInformation",
        "billing:UpdateBillingPreferences",
        "payments:CreatePaymentInstrument",
        "payments:UpdatePaymentPreferences",
        "account:CloseAccount",
        "account:PutAlternateContact",
        "tax:PutTaxRegistration",
        "savingsplans:CreateSavingsPlan",
    ],
)
def test_platform_admin_is_denied_data_and_billing_changes(permission_sets, action) -> None:
    assert _denied_outright(permission_sets["PlatformAdmin"], action)


def test_platform_admin_has_power_user_not_administrator_access(permission_sets) -> None:
    admin = permission_sets["PlatformAdmin"]
    assert _managed_policies(admin) == [_aws_managed("PowerUserAccess")]
    for action in _allowed_actions(admin):
        assert not _denied_outright(admin, action), f"{action} is both allowed and denied"


def test_platform_admin_writes_only_service_and_resource_control_policies(
    permission_sets,
) -> None:
    writes = [
        (action, statement)
        for action, statement in _allows(permission_sets["PlatformAdmin"])
        if action.startswith("organizations:")
        and not action.startswith(("organizations:Describe", "organizations:List"))
    ]
    assert sorted(action for action, _ in writes) == [
        "organizations:AttachPolicy",
        "organizations:CreatePolicy",
        "organizations:DetachPolicy",
        "organizations:UpdatePolicy",
    ]
    for _, statement in writes:
        assert statement["Condition"] == {
            "StringEquals": {
                "organizations:PolicyType": ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]
            }
        }
    iam_allowed = [a for a in _allowed_actions(permission_sets["PlatformAdmin"]) if "iam:" in a]
    assert all(a.startswith(("iam:Get", "iam:List")) for a in iam_allowed)


# --- break glass -----------------------------------------------------------------------------


def test_break_glass_is_administrator_access_for_at_most_an_hour(permission_sets) -> None:
    glass = permission_sets[BREAK_GLASS_PERMISSION_SET_NAME]
    assert _managed_policies(glass) == [_aws_managed("AdministratorAccess")]
    assert _seconds(glass["SessionDuration"]) <= 3600
    assert "high-severity alert" in glass["Description"]
    assert "InlinePolicy" not in glass


def test_break_glass_may_be_shorter_but_not_longer() -> None:
    shorter = break_glass(
        _stack(), "BreakGlass", instance_arn=INSTANCE_ARN, session_duration=Duration.hours(1)
    )
    assert _properties(shorter)["SessionDuration"] == "PT1H"
    with pytest.raises(ValueError, match=r"^session_duration: got 2 hours; allowed: at most 1"):
        break_glass(
            _stack(), "BreakGlass", instance_arn=INSTANCE_ARN, session_duration=Duration.hours(2)
        )


def test_reserved_role_name_pattern_is_what_identity_center_names_the_role() -> None:
    assert reserved_role_name_pattern("BreakGlass") == "AWSReservedSSO_BreakGlass_*"
    with pytest.raises(ValueError, match=r"^name: got 'Break\*'"):
        reserved_role_name_pattern("Break*")


# --- AI job functions ------------------------------------------------------------------------


def _bucket_arns(*buckets: str) -> list[str]:
    return sorted(
        arn
        for bucket in buckets
        for arn in (
            f"arn:${{AWS::Partition}}:s3:::{bucket}",
            f"arn:${{AWS::Partition}}:s3:::{bucket}/*",
        )
    )


@pytest.mark.parametrize("name", ["DataScientist", "MLEngineer"])
def test_ai_roles_use_named_buckets_only(permission_sets, name) -> None:
    properties = permission_sets[name]
    s3 = [
        (action, statement) for action, statement in _allows(properties) if action.startswith("s3:")
    ]
    assert s3
    for action, statement in s3:
        assert "*" not in action
        resources = [template_text(resource) for resource in _as_list(statement["Resource"])]
        assert "*" not in resources
        assert set(resources) <= set(_bucket_arns(TRAINING, ARTIFACTS)), (action, resources)
    kms = [
        s
        for s in _statements(properties)
        if s["Effect"] == "Allow" and any(a.startswith("kms:") for a in _as_list(s["Action"]))
    ]
    through_s3 = {"DecryptThroughS3ForNamedBuckets"} | (
        {"EncryptThroughS3ForArtifacts"} if name == "MLEngineer" else set()
    )
    assert {s["Sid"] for s in kms} == through_s3 | {"DecryptGuardrailsThroughBedrock"}
    for statement in kms:
        condition = statement["Condition"]["StringLike"]
        if statement["Sid"] == "DecryptGuardrailsThroughBedrock":
            # Guardrails are encrypted with the AI key; only Bedrock may use it for the session,
            # and only keys of the session's own account.
            assert _as_list(statement["Action"]) == ["kms:Decrypt"]
            assert template_text(condition["kms:ViaService"]) == "bedrock.*.${AWS::URLSuffix}"
            assert statement["Condition"]["StringEquals"] == {
                "aws:ResourceAccount": "${aws:PrincipalAccount}"
            }
            continue
        assert template_text(condition["kms:ViaService"]) == "s3.*.${AWS::URLSuffix}"
        contexts = [template_text(arn) for arn in condition["kms:EncryptionContext:aws:s3:arn"]]
        assert set(contexts) <= set(_bucket_arns(TRAINING, ARTIFACTS))


@pytest.mark.parametrize("name", ["DataScientist", "MLEngineer"])
def test_ai_roles_invoke_only_the_named_models(permission_sets, name) -> None:
    bedrock = [
        (action, statement)
        for action, statement in _allows(permission_sets[name])
        if action.startswith("bedrock:")
    ]
    assert {action for action, _ in bedrock} == {
        "bedrock:ApplyGuardrail",
        "bedrock:GetFoundationModel",
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
        "bedrock:ListFoundationModels",
    }

    def models(statement: dict[str, Any]) -> list[str]:
        # The model of each ARN; an inference profile ARN ends in "*.<model>".
        return sorted(
            template_text(arn).rsplit("/", 1)[1].removeprefix("*.")
            for arn in _as_list(statement["Resource"])
        )

    def profiles(statement: dict[str, Any]) -> list[str]:
        return sorted(
            template_text(arn)
            for arn in _as_list(statement["Resource"])
            if ":inference-profile/" in template_text(arn)
        )

    for action, statement in bedrock:
        if action == "bedrock:ListFoundationModels":
            continue
        if action == "bedrock:ApplyGuardrail":
            # Any guardrail of the session's account: Bedrock requires it of guardrail users.
            assert template_text(statement["Resource"]) == (
                "arn:${AWS::Partition}:bedrock:*:*:guardrail/*"
            )
            assert statement["Condition"] == {
                "StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}
            }
            continue
        if action == "bedrock:GetFoundationModel":
            assert models(statement) == sorted((CLAUDE, TITAN))
        elif statement["Sid"] == "InvokeNamedModelsThroughAGuardrail":
            # Text models (directly or through cross-Region inference profiles) only with a
            # published guardrail version of the session's account.
            assert models(statement) == [CLAUDE, CLAUDE]
            assert profiles(statement) == [
                "arn:${AWS::Partition}:bedrock:*:*:inference-profile/*." + CLAUDE
            ]
            [(operator, values)] = statement["Condition"].items()
            assert operator == "StringLike"
            patterns = [template_text(v) for v in values["bedrock:GuardrailIdentifier"]]
            assert patterns == account_guardrail_versions("${AWS::Partition}")
            version = "arn:${AWS::Partition}:bedrock:eu-west-1:${aws:PrincipalAccount}:guardrail/g1"
            # A numbered version of the session's account passes; its draft does not, in
            # either form Bedrock may send.
            assert any(fnmatchcase(f"{version}:12", pattern) for pattern in patterns)
            assert not any(
                fnmatchcase(draft, pattern)
                for draft in (version, f"{version}:DRAFT")
                for pattern in patterns
            )
        else:
            # Embedding models return vectors; guardrails do not apply to them.
            assert statement["Sid"] == "InvokeNamedEmbeddingModels"
            assert models(statement) == [TITAN, TITAN]
            assert "Condition" not in statement


def test_data_scientist_only_reads_objects(permission_sets) -> None:
    s3 = {a for a in _allowed_actions(permission_sets["DataScientist"]) if a.startswith("s3:")}
    assert s3 == {"s3:GetObject", "s3:ListBucket"}
    kms = {a for a in _allowed_actions(permission_sets["DataScientist"]) if a.startswith("kms:")}
    assert kms == {"kms:Decrypt"}


def test_ml_engineer_writes_artifacts_only_and_passes_only_named_roles(permission_sets) -> None:
    engineer = permission_sets["MLEngineer"]
    [put] = [s for a, s in _allows(engineer) if a == "s3:PutObject"]
    assert template_text(put["Resource"]) == f"arn:${{AWS::Partition}}:s3:::{ARTIFACTS}/*"
    assert not [a for a in _allowed_actions(engineer) if a.startswith("s3:Delete")]
    [(action, passing)] = [(a, s) for a, s in _allows(engineer) if a.startswith("iam:")]
    assert action == "iam:PassRole"
    assert template_text(passing["Resource"]) == (
        "arn:${AWS::Partition}:iam::*:role/sagemaker-model-execution"
    )
    assert passing["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }
    assert {"sagemaker:CreateModel", "sagemaker:CreateEndpoint"} <= set(_allowed_actions(engineer))


def test_ml_engineer_without_execution_roles_passes_none() -> None:
    permission_set = ml_engineer(_stack(), "MLEngineer", instance_arn=INSTANCE_ARN, models=[CLAUDE])
    assert not [
        a for a in _allowed_actions(_properties(permission_set)) if a.startswith(("iam:", "s3:"))
    ]


@pytest.mark.parametrize("function", [data_scientist, ml_engineer])
@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"models": []}, "^models: got none; allowed: at least one"),
        ({"models": ["anthropic.*"]}, r"^models\[0\]: got 'anthropic\.\*'"),
        ({"models": [CLAUDE, CLAUDE]}, "^models: .* appear more than once"),
        ({"models": CLAUDE}, "^models: got the string"),
        ({"training_data_buckets": ["acme-*"]}, r"^training_data_buckets\[0\]: got 'acme-\*'"),
        ({"artifact_buckets": ["arn:aws:s3:::acme"]}, r"^artifact_buckets\[0\]: got"),
    ],
)
def test_ai_roles_reject_unscoped_names(function, props, message) -> None:
    with pytest.raises(ValueError, match=message):
        function(_stack(), "Ai", instance_arn=INSTANCE_ARN, **{**AI_PROPS, **props})


PATTERN_TRAINING = "acme-pay-ml-training-{account_id}"
PATTERN_ARTIFACTS = "acme-pay-ml-artifacts-{region}-{account_id}"


@pytest.mark.parametrize("function", [data_scientist, ml_engineer])
def test_ai_roles_reach_the_pattern_buckets_of_the_sessions_own_account(function) -> None:
    """One permission set for every account: a pattern becomes the bucket of the account (and
    region) of the request, through IAM policy variables, never a wildcard."""
    stack = _stack()
    permission_set = function(
        stack,
        "Ai",
        instance_arn=INSTANCE_ARN,
        models=[CLAUDE],
        training_data_buckets=[PATTERN_TRAINING],
        artifact_buckets=[PATTERN_ARTIFACTS],
    )
    properties = _properties(permission_set)
    in_session = [
        "acme-pay-ml-training-${aws:PrincipalAccount}",
        "acme-pay-ml-artifacts-${aws:RequestedRegion}-${aws:PrincipalAccount}",
    ]
    s3 = [(a, s) for a, s in _allows(properties) if a.startswith("s3:")]
    assert s3
    arns = set()
    for _, statement in s3:
        arns |= {template_text(resource) for resource in _as_list(statement["Resource"])}
    contexts = {
        template_text(arn)
        for statement in _statements(properties)
        if statement.get("Sid", "").endswith("ThroughS3ForNamedBuckets")
        for arn in statement["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"]
    }
    assert arns <= set(_bucket_arns(*in_session))
    assert contexts == set(_bucket_arns(*in_session))
    policy = json.dumps(properties["InlinePolicy"])
    assert "{account_id}" not in policy
    assert "{region}" not in policy
    assert not re.search(r"[0-9]{12}", policy)
    # What IAM evaluates in account 123456789012, region eu-west-1: that account's buckets,
    # no other account's.
    evaluated = {
        arn.replace("${aws:PrincipalAccount}", "123456789012").replace(
            "${aws:RequestedRegion}", "eu-west-1"
        )
        for arn in arns
    }
    own = "arn:${AWS::Partition}:s3:::acme-pay-ml-training-123456789012"
    assert own in evaluated
    assert not [arn for arn in evaluated if fnmatchcase(own.replace("1234", "9999"), arn)]
    # A pattern name is computable for any account: a bucket of that name created first in
    # another account (a squatter's) is not the session's to read or write.
    for _, statement in s3:
        assert statement["Condition"] == {
            "StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}
        }
        assert statement["Sid"].endswith("InOwnAccount")
    assert violations(stack) == {}


def test_literal_and_pattern_buckets_get_statements_of_their_own() -> None:
    stack = _stack()
    permission_set = data_scientist(
        stack,
        "Ai",
        instance_arn=INSTANCE_ARN,
        models=[CLAUDE],
        training_data_buckets=["acme-pay-shared-training-data", PATTERN_TRAINING],
    )
    by_sid = {s["Sid"]: s for s in _statements(_properties(permission_set))}
    assert "Condition" not in by_sid["ReadNamedBuckets"]
    assert [template_text(r) for r in _as_list(by_sid["ReadNamedBuckets"]["Resource"])] == [
        "arn:${AWS::Partition}:s3:::acme-pay-shared-training-data/*"
    ]
    assert by_sid["ReadNamedBucketsInOwnAccount"]["Condition"] == {
        "StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}
    }


@pytest.mark.parametrize(
    ("buckets", "message"),
    [
        (["acme-{account}"], r"^training_data_buckets\[0\]: 'acme-\{account\}' holds"),
        (["acme-{account_id}-{account_id}"], r"holds \{account_id\} 2 times"),
        (["a" * 51 + "-{account_id}"], r"is not an S3 bucket name \(as 'a{51}-123456789012'"),
        (["acme-*-{account_id}"], r"^training_data_buckets\[0\]: 'acme-\*-\{account_id\}' is not"),
    ],
)
def test_ai_roles_reject_invalid_bucket_patterns(buckets, message) -> None:
    with pytest.raises(ValueError, match=message):
        data_scientist(
            _stack(),
            "Ai",
            instance_arn=INSTANCE_ARN,
            models=[CLAUDE],
            training_data_buckets=buckets,
        )


def test_ml_engineer_rejects_a_role_pattern() -> None:
    with pytest.raises(ValueError, match=r"^execution_role_names\[0\]: got 'sagemaker-\*'"):
        ml_engineer(
            _stack(),
            "MLEngineer",
            instance_arn=INSTANCE_ARN,
            execution_role_names=["sagemaker-*"],
            **AI_PROPS,
        )


# --- from the config -------------------------------------------------------------------------


@pytest.mark.parametrize("job_function", list(JOB_FUNCTIONS))
def test_build_job_function_builds_each_with_the_configs_settings(job_function) -> None:
    ai = job_function in ("data_scientist", "ml_engineer")
    permission_set = build_job_function(
        _stack(),
        "PermissionSet",
        job_function=job_function,
        instance_arn=INSTANCE_ARN,
        name="Custom",
        session_duration_hours=1 if job_function == "break_glass" else 8,
        description="Set in the config.",
        require_mfa_for_sensitive_actions=False,
        **(AI_PROPS if ai else {}),
    )
    properties = _properties(permission_set)
    assert properties["Name"] == "Custom"
    assert properties["Description"] == "Set in the config."
    assert properties["SessionDuration"] == ("PT1H" if job_function == "break_glass" else "PT8H")
    assert MFA_DENY_SID not in json.dumps(properties)


def test_build_job_function_rejects_what_does_not_fit() -> None:
    with pytest.raises(ValueError, match=r"^job_function: got 'admin'; allowed: one of developer"):
        build_job_function(_stack(), "X", job_function="admin", instance_arn=INSTANCE_ARN, name="X")
    with pytest.raises(ValueError, match=r"^models: given for job function 'developer'"):
        build_job_function(
            _stack(),
            "X",
            job_function="developer",
            instance_arn=INSTANCE_ARN,
            name="X",
            models=[CLAUDE],
        )
    with pytest.raises(
        ValueError,
        match=(
            r"^execution_role_names: given for job function 'data_scientist'; allowed: only for "
            "ml_engineer"
        ),
    ):
        build_job_function(
            _stack(),
            "X",
            job_function="data_scientist",
            instance_arn=INSTANCE_ARN,
            name="X",
            execution_role_names=["sagemaker-model-execution"],
            **AI_PROPS,
        )
    for hours in (0, 13):
        with pytest.raises(ValueError, match=r"^session_duration: got"):
            build_job_function(
                _stack(),
                "X",
                job_function="security_auditor",
                instance_arn=INSTANCE_ARN,
                name="X",
                session_duration_hours=hours,
            )


@pytest.mark.parametrize("job_function", ["data_scientist", "ml_engineer"])
def test_ai_job_functions_reference_their_guardrail_pins(job_function) -> None:
    """The inline policy is the same in every account and accepts any numbered version of the
    account's guardrail; the referenced pins (one per region) make it the published one."""
    pins = [CustomerManagedPolicy(f"lz-guardrail-pin-{r}") for r in ("eu-west-1", "us-east-1")]
    permission_set = build_job_function(
        _stack(),
        "PermissionSet",
        job_function=job_function,
        instance_arn=INSTANCE_ARN,
        name="Custom",
        guardrail_pins=pins,
        **AI_PROPS,
    )
    assert _properties(permission_set)["CustomerManagedPolicyReferences"] == [
        {"Name": "lz-guardrail-pin-eu-west-1", "Path": "/"},
        {"Name": "lz-guardrail-pin-us-east-1", "Path": "/"},
    ]
    with pytest.raises(ValueError, match=r"^guardrail_pins: given for job function 'developer'"):
        build_job_function(
            _stack(),
            "X",
            job_function="developer",
            instance_arn=INSTANCE_ARN,
            name="X",
            guardrail_pins=pins,
        )


def test_session_duration_can_be_set_up_to_twelve_hours() -> None:
    auditor = security_auditor(
        _stack(), "Auditor", instance_arn=INSTANCE_ARN, session_duration=Duration.hours(12)
    )
    assert _properties(auditor)["SessionDuration"] == "PT12H"


# --- compliance ------------------------------------------------------------------------------


def test_the_six_job_functions_pass_the_compliance_packs(stack) -> None:
    assert violations(stack) == {}


def test_platform_admin_cannot_administer_identity_center_or_stacksets(permission_sets) -> None:
    """Assigned to the management account too, a platform admin must not be able to add itself
    to the break-glass group, rewrite permission sets or change the baseline StackSet."""
    [deny] = [
        s
        for s in _statements(permission_sets["PlatformAdmin"])
        if s.get("Sid") == "DenyIdentityAndStackSetAdministration"
    ]
    assert deny["Effect"] == "Deny"
    assert {"sso:*", "identitystore:*", "sso-directory:*", "cloudformation:UpdateStackSet"} <= set(
        deny["Action"]
    )


# --- guardrail integrity: what no job function but break glass may do ---------------------


def test_organizations_writes_that_weaken_guardrails_need_mfa() -> None:
    # Rewriting or attaching an SCP weakens it as surely as detaching it.
    for action in (
        "organizations:AttachPolicy",
        "organizations:CreatePolicy",
        "organizations:UpdatePolicy",
        "organizations:DetachPolicy",
        "organizations:DeletePolicy",
        "organizations:EnablePolicyType",
        "organizations:DisablePolicyType",
        "organizations:MoveAccount",
        "organizations:DeleteOrganizationalUnit",
        "organizations:UpdateOrganizationalUnit",
        "organizations:RegisterDelegatedAdministrator",
        "organizations:DeregisterDelegatedAdministrator",
    ):
        assert action in SENSITIVE_ACTIONS, action


def test_platform_admin_writes_organization_policies_only_with_mfa(permission_sets) -> None:
    admin = permission_sets["PlatformAdmin"]
    [mfa] = [s for s in _statements(admin) if s.get("Sid") == MFA_DENY_SID]
    writes = [
        action
        for action in _allowed_actions(admin)
        if action.startswith("organizations:")
        and not action.startswith(("organizations:Describe", "organizations:List"))
    ]
    assert writes
    assert [action for action in writes if action not in mfa["Action"]] == []


def test_every_job_function_but_break_glass_denies_long_lived_credentials(
    permission_sets,
) -> None:
    for action in (
        "iam:UploadSSHPublicKey",
        "iam:UploadSigningCertificate",
        "iam:UpdateLoginProfile",
        "iam:UpdateAccessKey",
        "iam:CreateOpenIDConnectProvider",
        "iam:CreateSAMLProvider",
        "iam:UpdateSAMLProvider",
    ):
        assert action in LONG_LIVED_CREDENTIAL_ACTIONS
    for name, properties in permission_sets.items():
        if name == BREAK_GLASS_PERMISSION_SET_NAME:
            continue
        for action in LONG_LIVED_CREDENTIAL_ACTIONS:
            # MFA or not: a deny without conditions.
            assert _denied_outright(properties, action), (name, action)


def test_no_job_function_but_break_glass_can_assume_the_landing_zone_bootstrap_roles(
    permission_sets,
) -> None:
    role = (
        "arn:${AWS::Partition}:iam::111111111111:role/cdk-lzone-deploy-role-111111111111-eu-west-1"
    )
    for name, properties in permission_sets.items():
        if name == BREAK_GLASS_PERMISSION_SET_NAME:
            continue
        [deny] = [
            s for s in _statements(properties) if s.get("Sid") == "DenyLandingZoneBootstrapRoles"
        ]
        assert deny["Effect"] == "Deny"
        assert "Condition" not in deny
        assert "sts:AssumeRole" in deny["Action"]
        assert any(fnmatchcase(role, template_text(arn)) for arn in _as_list(deny["Resource"]))
        # The allow of the workload bootstrap roles never names the landing zone's qualifier.
        for action, statement in _allows(properties):
            if action == "sts:AssumeRole":
                assert not any(
                    fnmatchcase(role, template_text(arn)) for arn in _as_list(statement["Resource"])
                ), name


@pytest.mark.parametrize("function", [developer, platform_admin])
def test_job_functions_refuse_the_landing_zone_qualifier(function) -> None:
    with pytest.raises(ValueError, match="cdk_bootstrap_qualifier: got 'lzone'"):
        function(_stack(), "Fn", instance_arn=INSTANCE_ARN, cdk_bootstrap_qualifier="lzone")


def test_data_scientist_opens_only_their_own_studio_profile(permission_sets) -> None:
    [statement] = [
        s
        for a, s in _allows(permission_sets["DataScientist"])
        if a == "sagemaker:CreatePresignedDomainUrl"
    ]
    assert statement["Condition"] == {
        "StringEquals": {
            f"sagemaker:ResourceTag/{STUDIO_USER_TAG}": f"${{aws:PrincipalTag/{STUDIO_USER_TAG}}}"
        }
    }
    assert not [
        a
        for a in _allowed_actions(permission_sets["MLEngineer"])
        if a == "sagemaker:CreatePresignedDomainUrl"
    ]
