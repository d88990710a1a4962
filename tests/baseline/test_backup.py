"""AccountBackup: locked vault with its own key, tag-selected plan, GuardDuty malware scans."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.baseline.backup import AccountBackup, BackupSettings
from landing_zone.compliance import violations

ENV = Environment(account="333333333333", region="eu-west-1")


def _stack() -> Stack:
    return Stack(App(context=cdk_context()), "Backup", env=ENV)


def _template(**props: Any) -> Template:
    stack = _stack()
    AccountBackup(stack, "Backup", **props)
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def template() -> Template:
    return _template()


def _only(template: Template, resource_type: str) -> dict[str, Any]:
    found = template.find_resources(resource_type)
    assert len(found) == 1, f"{len(found)} {resource_type}"
    return dict(next(iter(found.values())))


def _plan(template: Template) -> dict[str, Any]:
    return dict(_only(template, "AWS::Backup::BackupPlan")["Properties"]["BackupPlan"])


def test_vault_is_retained_locked_and_encrypted_with_its_own_key(template: Template) -> None:
    vault = _only(template, "AWS::Backup::BackupVault")
    assert vault["DeletionPolicy"] == "Retain"
    assert vault["UpdateReplacePolicy"] == "Retain"
    # Unique per stack: a retained vault of an earlier stack instance never blocks a new one.
    name = json.dumps(vault["Properties"]["BackupVaultName"])
    assert "landing-zone-" in name
    assert "AWS::StackId" in name
    assert vault["Properties"]["LockConfiguration"] == {"MinRetentionDays": 35}
    keys = template.find_resources("AWS::KMS::Key")
    assert vault["Properties"]["EncryptionKeyArn"] == {"Fn::GetAtt": [next(iter(keys)), "Arn"]}
    key = next(iter(keys.values()))
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


def test_key_policy_grants_no_kms_star_and_use_only_through_aws_backup(template: Template) -> None:
    key = _only(template, "AWS::KMS::Key")
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    actions = {
        action
        for statement in statements
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    }
    assert "kms:*" not in actions
    use = next(s for s in statements if s["Sid"] == "UseThroughAwsBackupInThisAccount")
    assert "kms:Decrypt" in use["Action"]
    via = json.dumps(use["Condition"]["StringEquals"]["kms:ViaService"])
    assert "backup." in via
    administration = next(s for s in statements if s["Sid"] == "KeyAdministrationByThisAccount")
    assert not {"kms:Decrypt", "kms:CreateGrant", "kms:DisableKeyRotation"} & set(
        administration["Action"]
    )


def test_plan_keeps_recovery_points_for_the_retention_and_scans_them(
    template: Template,
) -> None:
    plan = _plan(template)
    (rule,) = plan["BackupPlanRule"]
    assert rule["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert rule["Lifecycle"] == {"DeleteAfterDays": 35}
    assert rule["ScanActions"] == [{"MalwareScanner": "GUARDDUTY", "ScanMode": "INCREMENTAL_SCAN"}]
    (setting,) = plan["ScanSettings"]
    assert setting["MalwareScanner"] == "GUARDDUTY"
    assert setting["ResourceTypes"] == ["EBS", "EC2", "S3"]
    scanner_id = setting["ScannerRoleArn"]["Fn::GetAtt"][0]
    scanner = template.to_json()["Resources"][scanner_id]
    principal = scanner["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "malware-protection.guardduty.amazonaws.com"}


def test_selection_takes_only_tagged_resources_with_the_backup_role(template: Template) -> None:
    selection = _only(template, "AWS::Backup::BackupSelection")["Properties"]["BackupSelection"]
    assert selection["ListOfTags"] == [
        {"ConditionKey": "backup-plan", "ConditionType": "STRINGEQUALS", "ConditionValue": "daily"}
    ]
    assert "Resources" not in selection  # no wildcard selection of every resource
    role_id = selection["IamRoleArn"]["Fn::GetAtt"][0]
    role = template.to_json()["Resources"][role_id]
    policies = json.dumps(role["Properties"]["ManagedPolicyArns"])
    assert "AWSBackupServiceRolePolicyForScans" in policies  # it starts the scans
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "backup.amazonaws.com"
    }


def test_scanning_can_be_turned_off() -> None:
    template = _template(malware_scan_mode=None)
    plan = _plan(template)
    assert "ScanSettings" not in plan
    assert "ScanActions" not in plan["BackupPlanRule"][0]
    roles = template.find_resources("AWS::IAM::Role")
    assert len(roles) == 1  # the backup role only, no scanner


def test_settings_carry_every_parameter() -> None:
    stack = _stack()
    settings = BackupSettings(
        plan_name="pci-hourly",
        vault_name="pci-vault",
        schedule="rate(1 hour)",
        retention_days=90,
        selection_tag_key="data-protection",
        selection_tag_value="hourly",
        malware_scan_mode="FULL_SCAN",
        malware_scan_resource_types=("EBS",),
    )
    AccountBackup.from_settings(stack, "Backup", settings)
    template = Template.from_stack(stack)
    plan = _plan(template)
    assert plan["BackupPlanName"] == "pci-hourly"
    assert plan["BackupPlanRule"][0]["ScheduleExpression"] == "rate(1 hour)"
    assert plan["BackupPlanRule"][0]["ScanActions"][0]["ScanMode"] == "FULL_SCAN"
    assert plan["ScanSettings"][0]["ResourceTypes"] == ["EBS"]
    vault = _only(template, "AWS::Backup::BackupVault")["Properties"]
    assert vault["BackupVaultName"] == "pci-vault"
    assert vault["LockConfiguration"] == {"MinRetentionDays": 90}


def test_no_compliance_findings() -> None:
    stack = _stack()
    AccountBackup(stack, "Backup")
    assert violations(stack) == {}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"plan_name": "daily plan"}, "plan_name must be 1-50"),
        ({"vault_name": "v"}, "vault_name must be 2-50"),
        ({"schedule": "cron(0 3 * * *)"}, "schedule must be an AWS Backup cron()"),
        ({"schedule": "every day"}, "received 'every day'"),
        ({"retention_days": 0}, "retention_days must be 1-36500"),
        ({"selection_tag_key": "aws:backup"}, "not starting with 'aws:'"),
        ({"malware_scan_mode": "QUICK"}, "FULL_SCAN, INCREMENTAL_SCAN or None"),
        ({"malware_scan_resource_types": ["RDS"]}, "one or more of EBS, EC2, S3"),
        ({"malware_scan_resource_types": []}, "one or more of EBS, EC2, S3"),
        ({"malware_scan_resource_types": ["EBS", "EBS"]}, "more than once"),
    ],
)
def test_rejects_what_aws_backup_would_reject(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        AccountBackup(_stack(), "Backup", **props)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        BackupSettings(**props)


def test_roles_are_named_under_the_prefix_when_given(template: Template) -> None:
    roles = template.find_resources("AWS::IAM::Role")
    assert all("RoleName" not in role["Properties"] for role in roles.values())
    named = _template(role_name_prefix="lz-")
    names = sorted(
        json.dumps(role["Properties"]["RoleName"])
        for role in named.find_resources("AWS::IAM::Role").values()
    )
    # IAM names are per account and the baseline runs in several regions of each.
    assert names == [
        json.dumps({"Fn::Join": ["", ["lz-backup-", {"Ref": "AWS::Region"}]]}),
        json.dumps({"Fn::Join": ["", ["lz-backup-scan-", {"Ref": "AWS::Region"}]]}),
    ]
