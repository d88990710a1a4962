"""The reference landing zone, stack by stack: snapshot, compliance, lint, size, pinned ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ReferenceApp, cdk_context, normalized
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from landing_zone.compliance import violations
from landing_zone.stateful_guard import STATEFUL_TYPES, stateful_changes
from landing_zone.summary import MAX_RESOURCES_PER_STACK
from scripts.lint_templates import ACCEPTED_WARNINGS, lint

ASSET_STACKS = [f"acme-pay-baseline-assets-{r}" for r in ("eu-west-1", "eu-central-1", "us-east-1")]
GOVERNED = ("eu-west-1", "eu-central-1", "us-east-1")
MANAGEMENT_BASELINES = [f"acme-pay-management-baseline-{r}" for r in GOVERNED]
SECURITY_TOOLING = [f"acme-pay-security-tooling-{r}" for r in GOVERNED]
# The management account's forwarders: every governed region (us-east-1 among them here).
MANAGEMENT_EVENT_FORWARDERS = [f"acme-pay-management-events-forwarder-{r}" for r in GOVERNED]
STACKS = [
    "acme-pay-organization",
    "acme-pay-accounts",
    *ASSET_STACKS,
    "acme-pay-baselines",
    "acme-pay-log-archive",
    "acme-pay-organization-trail",
    *MANAGEMENT_BASELINES,
    *SECURITY_TOOLING,
    "acme-pay-management-events",
    *MANAGEMENT_EVENT_FORWARDERS,
    "acme-pay-malware-protection-payments-prod-eu-west-1",
    "acme-pay-network-eu-west-1",
    "acme-pay-network-eu-central-1",
    "acme-pay-workload-defenses",
    "acme-pay-identity",
    "acme-pay-identity-assignments-01",
    "acme-pay-pipelines-shared-services",
]
# Where each stack goes: (account, region).
PLACEMENT = {
    **{name: ("111111111111", "eu-west-1") for name in STACKS},
    **{f"acme-pay-baseline-assets-{r}": ("111111111111", r) for r in GOVERNED},
    **{f"acme-pay-management-baseline-{r}": ("111111111111", r) for r in GOVERNED},
    **{f"acme-pay-security-tooling-{r}": ("333333333333", r) for r in GOVERNED},
    **{f"acme-pay-management-events-forwarder-{r}": ("111111111111", r) for r in GOVERNED},
    "acme-pay-management-events": ("333333333333", "eu-west-1"),
    "acme-pay-log-archive": ("222222222222", "eu-west-1"),
    "acme-pay-malware-protection-payments-prod-eu-west-1": ("666666666666", "eu-west-1"),
    "acme-pay-pipelines-shared-services": ("555555555555", "eu-west-1"),
    "acme-pay-network-eu-west-1": ("444444444444", "eu-west-1"),
    "acme-pay-network-eu-central-1": ("444444444444", "eu-central-1"),
}
BASELINE_TEMPLATE = "acmepaybaselinesAccountBaselineC4804E87.stackset"
# The StackSet templates of the workload accounts' keys, VPCs and edge, by account and region.
DEFENSE_TEMPLATES = {
    ("ml-prod", "eu-west-1"): "acmepayworkloaddefensesDefensesMlProdEuWest14EAE0EB1.stackset",
    ("ml-nonprod", "eu-west-1"): (
        "acmepayworkloaddefensesDefensesMlNonprodEuWest1BC436485.stackset"
    ),
    ("payments-nonprod", "eu-west-1"): (
        "acmepayworkloaddefensesDefensesPaymentsNonprodEuWest1B40B923F.stackset"
    ),
    ("payments-prod", "eu-west-1"): (
        "acmepayworkloaddefensesDefensesPaymentsProdEuWest128192C71.stackset"
    ),
    ("payments-prod", "us-east-1"): (
        "acmepayworkloaddefensesDefensesPaymentsProdUsEast14F33D05D.stackset"
    ),
    # Replicas of the multi-Region keys (keys.replica_regions).
    ("ml-prod", "eu-central-1"): "acmepayworkloaddefensesDefensesMlProdEuCentral16D3C63EB.stackset",
    ("ml-nonprod", "eu-central-1"): (
        "acmepayworkloaddefensesDefensesMlNonprodEuCentral1E0A47AEF.stackset"
    ),
    ("payments-nonprod", "eu-central-1"): (
        "acmepayworkloaddefensesDefensesPaymentsNonprodEuCentral15B161E26.stackset"
    ),
    ("payments-prod", "eu-central-1"): (
        "acmepayworkloaddefensesDefensesPaymentsProdEuCentral1BE2292A2.stackset"
    ),
}
TEMPLATES = [*STACKS, BASELINE_TEMPLATE, *DEFENSE_TEMPLATES.values()]
DATA_CLASS_KEYS = {
    "LayersDataClassKeysLogs92F2F7C9",
    "LayersDataClassKeysData64625B24",
    "LayersDataClassKeysSecretsB01B8CA7",
    "LayersDataClassKeysAiArtifactsB57AC929",
}
AI_LAYERS = {
    "AWS::KMS::Key": {
        *DATA_CLASS_KEYS,
        "AwsSdkCallHandlerLogKeyB495C79B",
        "LayersAiAlarmTopicKey13DDC526",
        "LayersAiInvocationLoggingLogsKey0DD752C4",
    },
    "AWS::Logs::LogGroup": {
        "AwsSdkCallHandlerLogGroup8B2123A2",
        "LayersAiInvocationLoggingLogGroupB116A8BC",
        "LayersAiTrainingDataOnDemandScanLogsC604CB06",
    },
    "AWS::Bedrock::Guardrail": {"LayersAiGuardrailB7F4F1C6"},
    # A replaced job resource cancels its Macie job and creates another.
    "Custom::AWS": {
        "LayersAiInvocationLoggingConfiguration73F17416",
        "LayersAiTrainingDataClassificationJob0847ECB3",
        "LayersAiTrainingDataFindingsPublication9A170B4F",
    },
}


def _ai_buckets(account_id: str) -> set[str]:
    return {
        "LayersAiInvocationLoggingLogsAccessLogsB639C864",
        "LayersAiInvocationLoggingLogsCD655990",
        "LayersAiTrainingDataAccessLogs4140E980",
        *{
            "888888888888": {
                "LayersAiTrainingDataArtifactsAcmePayMlArtifacts8888888888880DC31FE5",
                "LayersAiTrainingDataTrainingDataAcmePayMlTrainingData8888888888886FF7DC63",
            },
            "999999999999": {
                "LayersAiTrainingDataArtifactsAcmePayMlArtifacts99999999999938CB0838",
                "LayersAiTrainingDataTrainingDataAcmePayMlTrainingData999999999999899AAB74",
            },
        }[account_id],
    }


WAF_LOGS = {
    "AWS::S3::Bucket": {"LayersWafLogsAccessLogs222485E6", "LayersWafLogs7F7338F0"},
}

# Stateful resources by logical id: a changed id replaces the resource in a real organization
# (a new OU, a new account creation that fails on its email). Update only on purpose.
PINNED_LOGICAL_IDS = {
    "acme-pay-organization": {
        "AWS::Organizations::OrganizationalUnit": {
            "OrganizationalUnitsSecurityE02EECFB",
            "OrganizationalUnitsInfrastructure3480AA76",
            "OrganizationalUnitsWorkloads4158C9D1",
            "OrganizationalUnitsWorkloadsProdFDAB5618",
            "OrganizationalUnitsWorkloadsNonProdDA6F06E8",
            "OrganizationalUnitsAIAF11E5A5",
            "OrganizationalUnitsAIProdDB5D9F0A",
            "OrganizationalUnitsAINonProdD39B8E9C",
            "OrganizationalUnitsSandboxAAC676B0",
            "OrganizationalUnitsSuspended6EA57010",
        },
    },
    "acme-pay-accounts": {
        "AWS::Organizations::Account": set(),  # checked below against the account names
    },
    **{name: {"AWS::S3::Bucket": {"AssetBucket3D2D6D75"}} for name in ASSET_STACKS},
    "acme-pay-log-archive": {
        "AWS::KMS::Key": {"LogArchiveKey8A035694"},
        "AWS::S3::Bucket": {
            "LogArchiveBucketE351D0BA",
            "LogArchiveConfigBucket23DED008",
            "LogArchiveAccessLogBucket128BE20D",
        },
    },
    "acme-pay-organization-trail": {
        "AWS::CloudTrail::Trail": {"OrganizationTrail7F291DBA"},
        "AWS::Logs::LogGroup": {"OrganizationTrailLogGroupB83451B1"},
        "AWS::KMS::Key": {
            "OrganizationTrailLogKeyEC1F41C9",
            "AlarmTopicKeyBA1A4AA7",
            "PagingTopicKey1E964B1B",
        },
    },
    "acme-pay-security-tooling-eu-west-1": {
        "AWS::KMS::Key": {
            "AwsSdkCallHandlerLogKeyB495C79B",
            "MacieMembersLogKey1061D8EE",
            "FindingAlertsAlertTopicKey7829AECE",
            "FindingAlertsPagingTopicKey84AF9DA8",
            "FindingAlertsDeadLetterQueueKey55A48D7C",
            "ResponseLogKeyF67AAC30",
            "ResponseTriageDeadLetterQueueKeyC0AC1700",
        },
        "AWS::DynamoDB::Table": {"ResponseIpBlockTable3F6A6A0A"},
    },
    # Replacing a permission set drops every assignment of it.
    "acme-pay-identity": {
        "AWS::SSO::PermissionSet": {
            "BreakGlass65847508",
            "DataScientist36CD7BDB",
            "Developer08C05065",
            "IncidentResponder1E06781E",
            "MLEngineer8E96F721",
            "PlatformAdmin27A2E845",
            "SecurityAuditorDB0F2A60",
        },
    },
    "acme-pay-network-eu-west-1": {
        "AWS::KMS::Key": DATA_CLASS_KEYS,
        "AWS::EC2::VPC": {"LayersVpcShared737F7DE4"},
        "AWS::Logs::LogGroup": {"LayersVpcSharedFlowLogGroupCA8DF03D"},
    },
    DEFENSE_TEMPLATES[("ml-prod", "eu-west-1")]: {
        **AI_LAYERS,
        "AWS::EC2::VPC": {"LayersVpcMlProdEA46FC95"},
        "AWS::Logs::LogGroup": {
            *AI_LAYERS["AWS::Logs::LogGroup"],
            "LayersVpcMlProdFlowLogGroupDA0528BB",
        },
        "AWS::S3::Bucket": _ai_buckets("888888888888"),
        "AWS::Cognito::UserPool": {"LayersAiAgentsUserPool87C47A8F"},
        "AWS::VerifiedPermissions::PolicyStore": {"LayersAiAgentsPolicyStore6C8FC3AD"},
    },
    DEFENSE_TEMPLATES[("ml-nonprod", "eu-west-1")]: {
        **AI_LAYERS,
        "AWS::EC2::VPC": {"LayersVpcMlNonprodE64C07DC"},
        "AWS::Logs::LogGroup": {
            *AI_LAYERS["AWS::Logs::LogGroup"],
            "LayersVpcMlNonprodFlowLogGroup3B06416B",
        },
        "AWS::S3::Bucket": _ai_buckets("999999999999"),
    },
    DEFENSE_TEMPLATES[("payments-nonprod", "eu-west-1")]: {
        "AWS::KMS::Key": DATA_CLASS_KEYS,
        "AWS::EC2::VPC": {"LayersVpcPaymentsNonprod8B821746"},
        "AWS::Logs::LogGroup": {"LayersVpcPaymentsNonprodFlowLogGroup5B64DCA5"},
    },
    DEFENSE_TEMPLATES[("payments-prod", "eu-west-1")]: {
        "AWS::KMS::Key": {*DATA_CLASS_KEYS, "LayersWafLogsKey7ACE80AD"},
        "AWS::EC2::VPC": {"LayersVpcPaymentsProd64A601AE"},
        "AWS::Logs::LogGroup": {"LayersVpcPaymentsProdFlowLogGroup1DD5CEC4"},
        **WAF_LOGS,
    },
    DEFENSE_TEMPLATES[("payments-prod", "us-east-1")]: {
        "AWS::KMS::Key": {*DATA_CLASS_KEYS, "LayersWafLogsKey7ACE80AD"},
        **WAF_LOGS,
    },
    "acme-pay-network-eu-central-1": {"AWS::KMS::ReplicaKey": {"LayersDataReplica24E76853"}},
    **{
        DEFENSE_TEMPLATES[(account, "eu-central-1")]: {
            "AWS::KMS::ReplicaKey": {"LayersDataReplica24E76853"}
        }
        for account in ("ml-prod", "ml-nonprod", "payments-nonprod", "payments-prod")
    },
    # Renaming a StackSet's construct replaces the StackSet and every stack in it.
    "acme-pay-workload-defenses": {
        "AWS::CloudFormation::StackSet": {
            "DefensesMlProdEuWest1StackSet1DF3F5F5",
            "DefensesMlNonprodEuWest1StackSet63925CEF",
            "DefensesMlNonprodEuCentral1StackSet7AF2B7AD",
            "DefensesPaymentsNonprodEuWest1StackSet0AF5A2AF",
            "DefensesPaymentsProdEuWest1StackSet30D55119",
            "DefensesPaymentsProdUsEast1StackSet5FC29143",
            "DefensesMlProdEuCentral1StackSet56C93D89",
            "DefensesPaymentsNonprodEuCentral1StackSet2356E115",
            "DefensesPaymentsProdEuCentral1StackSetB77712C7",
        },
    },
    BASELINE_TEMPLATE: {
        "AWS::KMS::Key": {"AwsSdkCallHandlerLogKeyB495C79B", "BackupKey570ED138"},
        "AWS::Logs::LogGroup": {"AwsSdkCallHandlerLogGroup8B2123A2"},
        "AWS::Backup::BackupVault": {"BackupVaultADF21B19"},
    },
}
PINNED_LOGICAL_IDS["acme-pay-organization"].update(
    {
        "AWS::KMS::Key": {"AwsSdkCallHandlerLogKeyB495C79B"},
        "AWS::Logs::LogGroup": {"AwsSdkCallHandlerLogGroup8B2123A2"},
    }
)


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_reference_app_has_the_expected_stacks(reference_app: ReferenceApp) -> None:
    assert sorted(reference_app.stacks) == sorted(STACKS)


@pytest.mark.parametrize("stack_name", TEMPLATES)
def test_snapshot(
    reference_app: ReferenceApp, stack_name: str, snapshot_json: SnapshotAssertion
) -> None:
    assert normalized(reference_app.template(stack_name)) == snapshot_json


@pytest.mark.parametrize("stack_name", STACKS)
def test_no_compliance_findings(reference_app: ReferenceApp, stack_name: str) -> None:
    assert violations(reference_app.stacks[stack_name]) == {}


@pytest.mark.parametrize("stack_name", TEMPLATES)
def test_stack_is_well_under_cloudformation_limits(
    reference_app: ReferenceApp, stack_name: str
) -> None:
    template_file = reference_app.assembly_dir / f"{stack_name}.template.json"
    resources = reference_app.template(stack_name)["Resources"]
    assert 0 < len(resources) <= MAX_RESOURCES_PER_STACK
    assert template_file.stat().st_size < 1_000_000


def test_core_stacks_are_protected_and_placed_explicitly(reference_app: ReferenceApp) -> None:
    for name, stack in reference_app.stacks.items():
        assert stack.termination_protection, name
        assert (stack.account, stack.region) == PLACEMENT[name], name


def test_every_stateful_resource_is_retained(reference_app: ReferenceApp) -> None:
    stateful = {
        "AWS::Organizations::Account",
        "AWS::Organizations::OrganizationalUnit",
        "AWS::S3::Bucket",
        "AWS::KMS::Key",
        "AWS::KMS::ReplicaKey",
        "AWS::Logs::LogGroup",
        "AWS::Backup::BackupVault",
        "AWS::CloudFormation::StackSet",
    }
    seen = 0
    for stack_name in TEMPLATES:
        for logical_id, resource in reference_app.template(stack_name)["Resources"].items():
            if resource["Type"] in stateful:
                seen += 1
                assert resource.get("DeletionPolicy") == "Retain", logical_id
                assert resource.get("UpdateReplacePolicy") == "Retain", logical_id
    # OUs and accounts, asset buckets, handler keys and log groups, StackSets
    assert seen >= 19 + 3 + 4 + 10


def _pinned_as_deployed(reference_app: ReferenceApp) -> dict[str, dict[str, Any]]:
    """The pins as the templates of a deployment: their ids and types (properties are the
    snapshots' business, so each pinned resource's are today's)."""
    deployed: dict[str, dict[str, Any]] = {}
    for stack_name, by_type in PINNED_LOGICAL_IDS.items():
        now = reference_app.template(stack_name)["Resources"]
        deployed[stack_name] = {
            "Resources": {
                lid: {"Type": kind, "Properties": now.get(lid, {}).get("Properties", {})}
                for kind, pinned in by_type.items()
                for lid in pinned
            }
        }
    return deployed


def test_stateful_logical_ids_are_pinned(reference_app: ReferenceApp) -> None:
    """The shipped stateful guard (scripts/check_config.sh runs it against the last deployment)
    finds no pinned resource replaced or removed, and each pinned type's pins are complete."""
    current = {name: reference_app.template(name) for name in TEMPLATES}
    guarded = {
        kind: STATEFUL_TYPES.get(kind, ()) for ids in PINNED_LOGICAL_IDS.values() for kind in ids
    }
    assert stateful_changes(_pinned_as_deployed(reference_app), current, types=guarded) == []
    for stack_name, by_type in PINNED_LOGICAL_IDS.items():
        resources = current[stack_name]["Resources"]
        for resource_type, pinned in by_type.items():
            actual = {lid for lid, r in resources.items() if r["Type"] == resource_type}
            if resource_type == "AWS::Organizations::Account":
                # One construct per account, named after the account: the id must follow it.
                accounts = reference_app.config.accounts.items()
                names = {name for name, account in accounts if not account.existing}
                assert len(actual) == len(names)
                for name in names:
                    stem = name.replace("-", "")
                    assert any(lid.startswith(stem) for lid in actual), name
            else:
                assert actual == pinned, f"{stack_name}: pin the new {resource_type}"


def test_the_stateful_guard_stops_a_renamed_ou(reference_app: ReferenceApp) -> None:
    before = {name: reference_app.template(name) for name in TEMPLATES}
    after = json.loads(json.dumps(before))
    resources = after["acme-pay-organization"]["Resources"]
    resources["OrganizationalUnitsSandboxRenamed"] = resources.pop(
        "OrganizationalUnitsSandboxAAC676B0"
    )
    assert [c.key for c in stateful_changes(before, after)] == [
        "acme-pay-organization:OrganizationalUnitsSandboxAAC676B0"
    ]


def test_accounts_are_created_one_after_another(reference_app: ReferenceApp) -> None:
    resources = reference_app.template("acme-pay-accounts")["Resources"]
    accounts = [lid for lid, r in resources.items() if r["Type"] == "AWS::Organizations::Account"]
    waiting = [lid for lid in accounts if resources[lid].get("DependsOn")]
    # A chain: every account but the first waits for exactly one other account.
    assert len(waiting) == len(accounts) - 1
    targets = [resources[lid]["DependsOn"] for lid in waiting]
    assert all(len(t) == 1 and t[0] in accounts for t in targets)
    assert len({t[0] for t in targets}) == len(targets)


def test_cfn_lint_has_no_errors_and_only_accepted_warnings(reference_app: ReferenceApp) -> None:
    # CDK's built-in validation is off (app.py): this is what catches a template CloudFormation
    # would reject, StackSet templates included.
    result = lint(reference_app.assembly_dir)
    assert len(result.templates) == len(TEMPLATES)
    assert any(path.name.endswith(".stackset.template.json") for path in result.templates)
    assert result.problems == []
    assert set(ACCEPTED_WARNINGS) == {"W3005", "W3010"}


def test_the_lint_check_fails_on_a_template_cloudformation_would_reject(tmp_path: Path) -> None:
    bad = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"Nope": 1}}}}
    (tmp_path / "bad.stackset.template.json").write_text(json.dumps(bad))
    result = lint(tmp_path)
    assert len(result.problems) == 1, result.problems
    assert ":E3002:" in result.problems[0]


def test_templates_are_deterministic(reference_app: ReferenceApp, tmp_path: Path) -> None:
    from aws_cdk import App

    from stacks import build_landing_zone

    again = App(
        outdir=str(tmp_path), context=cdk_context(), builtin_cloud_formation_validation=False
    )
    build_landing_zone(again, reference_app.config)
    assembly = Path(again.synth().directory)
    for stack_name in TEMPLATES:
        first = (reference_app.assembly_dir / f"{stack_name}.template.json").read_bytes()
        assert (assembly / f"{stack_name}.template.json").read_bytes() == first, stack_name
    assert json.loads((assembly / "manifest.json").read_text())["artifacts"]
