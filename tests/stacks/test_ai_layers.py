"""The AI workload accounts of the reference app, read back from their StackSet templates: the
guardrail, invocation logging, alarms, training data, agents, and what their roles may reach."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import ReferenceApp, template_text

from landing_zone.ai.training_data import MACIE_KEY_SID

ML_PROD = "acmepayworkloaddefensesDefensesMlProdEuWest14EAE0EB1.stackset"
ML_NONPROD = "acmepayworkloaddefensesDefensesMlNonprodEuWest1BC436485.stackset"
BUCKETS = {
    ML_PROD: {
        "acme-pay-ml-training-data-888888888888",
        "acme-pay-ml-artifacts-888888888888",
    },
    ML_NONPROD: {
        "acme-pay-ml-training-data-999999999999",
        "acme-pay-ml-artifacts-999999999999",
    },
}
IDENTITY_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role")


def _of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == resource_type}


def _one(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    (resource,) = _of_type(template, resource_type).values()
    return dict(resource["Properties"])


def _allowed(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every Allow statement of every identity policy: (logical id, statement)."""
    found = []
    for lid, resource in template["Resources"].items():
        if resource["Type"] not in IDENTITY_POLICY_TYPES:
            continue
        properties = resource["Properties"]
        documents = (
            [p["PolicyDocument"] for p in properties.get("Policies", [])]
            if resource["Type"] == "AWS::IAM::Role"
            else [properties["PolicyDocument"]]
        )
        for document in documents:
            found += [(lid, s) for s in document["Statement"] if s["Effect"] == "Allow"]
    return found


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    return [actions] if isinstance(actions, str) else list(actions)


@pytest.mark.parametrize("template_name", [ML_PROD, ML_NONPROD])
def test_roles_reach_only_the_configured_buckets_and_their_own_logs(
    reference_app: ReferenceApp, template_name: str
) -> None:
    template = reference_app.template(template_name)
    buckets = _of_type(template, "AWS::S3::Bucket")
    named = {
        lid: r["Properties"]["BucketName"]
        for lid, r in buckets.items()
        if isinstance(r["Properties"].get("BucketName"), str)
    }
    allowed_names = BUCKETS[template_name]
    s3_statements = [
        (lid, s) for lid, s in _allowed(template) if any(a.startswith("s3") for a in _actions(s))
    ]
    assert s3_statements
    for lid, statement in s3_statements:
        assert not [a for a in _actions(statement) if a in ("s3:*", "*")], lid
        assert "NotResource" not in statement, lid
        resources = statement["Resource"]
        for resource in resources if isinstance(resources, list) else [resources]:
            text = json.dumps(resource)
            assert text != '"*"', (lid, statement.get("Sid"))
            reaches = {name for name in allowed_names if name in text} | {
                named[ref] for ref in named if ref in text and named[ref] in allowed_names
            }
            # The only other buckets: the account's own invocation logs and, for their
            # replication, the bedrock/ keys of the log archive.
            own_logs = "bedrock-logs-acme-pay-" in text
            archive = "acme-pay-logs-222222222222/bedrock/AWSLogs/" in text
            assert reaches or own_logs or archive, (lid, statement.get("Sid"), text)


@pytest.mark.parametrize("template_name", [ML_PROD, ML_NONPROD])
def test_training_reads_only_objects_scanned_clean(
    reference_app: ReferenceApp, template_name: str
) -> None:
    template = reference_app.template(template_name)
    (read,) = [s for _, s in _allowed(template) if s.get("Sid") == "ReadScannedTrainingData"]
    assert _actions(read) == ["s3:GetObject"]
    assert read["Condition"] == {
        "StringEquals": {"s3:ExistingObjectTag/GuardDutyMalwareScanStatus": "NO_THREATS_FOUND"}
    }
    (role,) = [
        r["Properties"]
        for r in _of_type(template, "AWS::IAM::Role").values()
        if r["Properties"].get("RoleName") == "sagemaker-training-eu-west-1"
    ]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "sagemaker.amazonaws.com"}


def test_guardrail_has_finance_defaults_plus_config(reference_app: ReferenceApp) -> None:
    template = reference_app.template(ML_PROD)
    guardrail = _one(template, "AWS::Bedrock::Guardrail")
    assert guardrail["Name"] == "landing-zone"
    assert guardrail["KmsKeyArn"] == {
        "Fn::GetAtt": ["LayersDataClassKeysAiArtifactsB57AC929", "Arn"]
    }
    pii = guardrail["SensitiveInformationPolicyConfig"]
    card = {e["Type"]: e["Action"] for e in pii["PiiEntitiesConfig"]}
    assert card["CREDIT_DEBIT_CARD_NUMBER"] == "BLOCK"
    assert [r["Name"] for r in pii["RegexesConfig"]] == ["Internal customer id"]
    assert pii["RegexesConfig"][0]["Action"] == "ANONYMIZE"
    words = [w["Text"] for w in guardrail["WordPolicyConfig"]["WordsConfig"]]
    assert words == ["chargeback hack", "card cracking"]
    topics = [t["Name"] for t in guardrail["TopicPolicyConfig"]["TopicsConfig"]]
    assert topics == ["Personalized investment advice", "Evading KYC and AML checks"]
    enforced = _one(template, "AWS::Bedrock::EnforcedGuardrailConfiguration")
    # Embedding models cannot take a guardrail: they are the configured exemption.
    assert enforced["ModelEnforcement"] == {
        "IncludedModels": ["ALL"],
        "ExcludedModels": ["amazon.titan-embed-text-v2:0"],
    }


@pytest.mark.parametrize(("template_name", "days"), [(ML_PROD, 400), (ML_NONPROD, 90)])
def test_invocation_logging_keeps_config_retention_and_replicates_to_the_archive(
    reference_app: ReferenceApp, template_name: str, days: int
) -> None:
    template = reference_app.template(template_name)
    groups = _of_type(template, "AWS::Logs::LogGroup")
    assert (
        groups["LayersAiInvocationLoggingLogGroupB116A8BC"]["Properties"]["RetentionInDays"] == days
    )
    roles = {
        template_text(r["Properties"].get("RoleName", "<generated>"))
        for r in _of_type(template, "AWS::IAM::Role").values()
    }
    # The archive's bucket and key policies trust this role name pattern.
    assert "lz-bedrock-log-replication-eu-west-1" in roles
    # The guardrails deny the logging configuration to every role but the landing zone's.
    assert "lz-sdk-ai-eu-west-1" in roles
    # A gap in the archive's copy is an incident: failed replication alarms.
    (failed,) = [
        r["Properties"]
        for r in _of_type(template, "AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("MetricName") == "OperationsFailedReplication"
    ]
    assert {"Name": "DestinationBucket", "Value": "acme-pay-logs-222222222222"} in failed[
        "Dimensions"
    ]


@pytest.mark.parametrize(
    ("template_name", "schedule"),
    [(ML_PROD, {"dailySchedule": {}}), (ML_NONPROD, {"weeklySchedule": {"dayOfWeek": "MONDAY"}})],
)
def test_macie_scans_the_training_data_on_the_configured_schedule(
    reference_app: ReferenceApp, template_name: str, schedule: dict[str, Any]
) -> None:
    template = reference_app.template(template_name)
    job = _of_type(template, "Custom::AWS")["LayersAiTrainingDataClassificationJob0847ECB3"]
    create = job["Properties"]["Create"]
    text = create if isinstance(create, str) else json.dumps(create)
    assert json.dumps(schedule).replace(" ", "") in text.replace(" ", "").replace("\\", "")
    assert "SCHEDULED" in text
    key = _of_type(template, "AWS::KMS::Key")["LayersDataClassKeysAiArtifactsB57AC929"]
    sids = {s.get("Sid") for s in key["Properties"]["KeyPolicy"]["Statement"]}
    assert MACIE_KEY_SID in sids


@pytest.mark.parametrize(
    ("template_name", "rate", "per_principal"), [(ML_PROD, 10, 500), (ML_NONPROD, 10, 500)]
)
def test_alarms_follow_config_and_notify_the_alert_endpoints(
    reference_app: ReferenceApp, template_name: str, rate: int, per_principal: int
) -> None:
    template = reference_app.template(template_name)
    thresholds = sorted(
        r["Properties"]["Threshold"]
        for lid, r in _of_type(template, "AWS::CloudWatch::Alarm").items()
        if lid.startswith("LayersAiUsageAlarms")
    )
    assert thresholds == sorted([rate, per_principal])
    subscriptions = [
        r["Properties"]["Endpoint"] for r in _of_type(template, "AWS::SNS::Subscription").values()
    ]
    assert subscriptions == ["secops@acme-pay.example"]


def test_only_the_configured_workload_gets_agent_identity(reference_app: ReferenceApp) -> None:
    prod = reference_app.template(ML_PROD)
    clients = sorted(
        r["Properties"]["ClientName"]
        for r in _of_type(prod, "AWS::Cognito::UserPoolClient").values()
    )
    assert len(clients) == 2
    assert _one(prod, "AWS::VerifiedPermissions::PolicyStore")["ValidationSettings"] == {
        "Mode": "STRICT"
    }
    nonprod = reference_app.template(ML_NONPROD)
    assert not _of_type(nonprod, "AWS::Cognito::UserPool")


def test_inference_role_invokes_only_with_the_approved_version_and_is_denied_otherwise(
    reference_app: ReferenceApp,
) -> None:
    template = reference_app.template(ML_PROD)
    (role_id,) = [
        lid
        for lid, r in _of_type(template, "AWS::IAM::Role").items()
        if r["Properties"].get("RoleName") == "bedrock-support-assistant-eu-west-1"
    ]
    (policy,) = [
        r["Properties"]
        for r in _of_type(template, "AWS::IAM::ManagedPolicy").values()
        if {"Ref": role_id} in r["Properties"].get("Roles", [])
    ]
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    version = {
        "Fn::Join": [
            "",
            [
                {"Fn::GetAtt": ["LayersAiGuardrailB7F4F1C6", "GuardrailArn"]},
                ":",
                {"Fn::GetAtt": ["LayersAiGuardrailVersion9EDDCED5", "Version"]},
            ],
        ]
    }
    allow = statements["InvokeApprovedModelsThroughTheGuardrail"]
    assert allow["Condition"] == {"StringEquals": {"bedrock:GuardrailIdentifier": version}}
    assert "anthropic.claude-3-5-sonnet-20240620-v1:0" in json.dumps(allow["Resource"])
    # Any other guardrail, or none (StringNotEquals holds when the key is missing), is denied
    # on every model, whatever another policy allows.
    deny = statements["DenyInferenceWithoutTheApprovedGuardrail"]
    assert deny["Effect"] == "Deny"
    assert deny["Resource"] == "*"
    assert deny["Condition"] == {"StringNotEquals": {"bedrock:GuardrailIdentifier": version}}
    decrypt = statements["DecryptTheGuardrailThroughBedrock"]
    assert decrypt["Resource"] == {"Fn::GetAtt": ["LayersDataClassKeysAiArtifactsB57AC929", "Arn"]}
    assert set(statements) == {
        "InvokeApprovedModelsThroughTheGuardrail",
        "DenyInferenceWithoutTheApprovedGuardrail",
        "ApplyTheApprovedGuardrail",
        "DecryptTheGuardrailThroughBedrock",
    }


@pytest.mark.parametrize("template_name", [ML_PROD, ML_NONPROD])
def test_what_records_alerts_or_scans_is_named_under_the_prefix(
    reference_app: ReferenceApp, template_name: str
) -> None:
    template = reference_app.template(template_name)
    names = {
        (r["Type"], template_text(name))
        for r in template["Resources"].values()
        for key, name in r.get("Properties", {}).items()
        if key in {"LogGroupName", "TopicName", "AlarmName", "StateMachineName", "RuleName"}
    }
    assert {
        ("AWS::Logs::LogGroup", "lz-bedrock-model-invocations"),
        ("AWS::Logs::LogGroup", "lz-training-data-scan"),
        ("AWS::StepFunctions::StateMachine", "lz-training-data-scan"),
        ("AWS::SNS::Topic", "lz-ai-alarms"),
        ("AWS::CloudWatch::Alarm", "lz-bedrock-guardrail-interventions"),
        ("AWS::CloudWatch::Alarm", "lz-bedrock-invocations-per-principal"),
        ("AWS::CloudWatch::InsightRule", "lz-bedrock-invocations-per-principal"),
    } <= names
    policies = {
        template_text(r["Properties"].get("ManagedPolicyName", "<generated>"))
        for r in _of_type(template, "AWS::IAM::ManagedPolicy").values()
    }
    assert "<generated>" not in policies
    assert {
        "lz-bedrock-invocation-logs-${AWS::Region}",
        "lz-sagemaker-training-${AWS::Region}",
        "lz-training-data-scan-${AWS::Region}",
    } <= policies
    assert {f"lz-s3-scan-{bucket}" for bucket in BUCKETS[template_name]} <= policies


@pytest.mark.parametrize("template_name", [ML_PROD, ML_NONPROD])
def test_guardrail_pin_denies_inference_with_any_other_version_of_the_region(
    reference_app: ReferenceApp, template_name: str
) -> None:
    """The policy the AI permission sets reference by name (escape 12 of issue 14): one per
    account and region, under the protected prefix, pinned to this template's version."""
    template = reference_app.template(template_name)
    (policy,) = [
        r["Properties"]
        for r in _of_type(template, "AWS::IAM::ManagedPolicy").values()
        if r["Properties"].get("ManagedPolicyName") == "lz-guardrail-pin-eu-west-1"
    ]
    assert not {"Roles", "Users", "Groups"} & set(policy)
    (deny,) = policy["PolicyDocument"]["Statement"]
    version = {
        "Fn::Join": [
            "",
            [
                {"Fn::GetAtt": ["LayersAiGuardrailB7F4F1C6", "GuardrailArn"]},
                ":",
                {"Fn::GetAtt": ["LayersAiGuardrailVersion9EDDCED5", "Version"]},
            ],
        ]
    }
    assert deny["Effect"] == "Deny"
    assert deny["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    # Exactly the published version: another version (older ones stay published), the DRAFT
    # or none (StringNotEquals and ...IfExists hold when the key is missing); a guardrail of
    # another region is that region's pin's business (cross-Region inference profiles).
    assert deny["Condition"] == {
        "StringNotEquals": {"bedrock:GuardrailIdentifier": version},
        "StringLikeIfExists": {
            "bedrock:GuardrailIdentifier": {
                "Fn::Join": [
                    "",
                    ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:eu-west-1:*:guardrail/*"],
                ]
            }
        },
    }
    # The embedding model the config exempts takes no guardrail; nothing else is left out.
    assert "Resource" not in deny
    assert "amazon.titan-embed-text-v2:0" in json.dumps(deny["NotResource"])
    assert "anthropic" not in json.dumps(deny["NotResource"])
