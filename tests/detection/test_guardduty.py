"""GuardDutyOrganization, S3MalwareProtection and BackupMalwareScanningRole."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Aws, Environment, Stack, Token
from aws_cdk import aws_backup as backup
from aws_cdk.assertions import Match, Template
from conftest import cdk_context, logical_id_of, sdk_call, template_text
from constructs import Construct

from landing_zone.common import AwsSdkCallHandler
from landing_zone.compliance import violations
from landing_zone.detection.guardduty import (
    PROTECTION_PLANS,
    BackupMalwareScanningRole,
    GuardDutyOrganization,
    S3MalwareProtection,
)

BUCKET_ARN = "arn:aws:s3:::lz-log-archive-eu-west-1"
KEY_ARN = "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LOCAL_KEY_ARN = "arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DETECTOR_ID = "${GuardDutyDetector5BF867B1.DetectorIds.0}"


def _stack() -> Stack:
    return Stack(
        App(context=cdk_context()),
        "SecurityTooling",
        env=Environment(account="333333333333", region="eu-west-1"),
    )


def _guardduty(stack: Stack, **overrides: Any) -> GuardDutyOrganization:
    props: dict[str, Any] = {"export_bucket_arn": BUCKET_ARN, "export_kms_key_arn": KEY_ARN}
    return GuardDutyOrganization(stack, "GuardDuty", **{**props, **overrides})


def _resources(stack: Stack) -> dict[str, dict[str, Any]]:
    return dict(Template.from_stack(stack).to_json()["Resources"])


def _managed_policy_statements(resources: dict[str, dict[str, Any]], policy: Construct) -> list:
    return list(resources[logical_id_of(policy)]["Properties"]["PolicyDocument"]["Statement"])


@pytest.fixture(scope="module")
def exporting() -> GuardDutyOrganization:
    return _guardduty(_stack(), export_prefix="guardduty")


@pytest.fixture(scope="module")
def exporting_resources(exporting) -> dict[str, dict[str, Any]]:
    return _resources(Stack.of(exporting))


# --- GuardDutyOrganization -----------------------------------------------------------------


def test_looks_up_the_detector_the_designation_created(exporting, exporting_resources) -> None:
    assert sdk_call(exporting_resources, exporting.detector) == {
        "service": "GuardDuty",
        "action": "listDetectors",
        "parameters": {},
        "outputPaths": ["DetectorIds.0"],
        "physicalResourceId": {"id": "${AWS::AccountId}-${AWS::Region}-guardduty-detector"},
    }
    assert Stack.of(exporting).resolve(exporting.detector_id) == {
        "Fn::GetAtt": [logical_id_of(exporting.detector), "DetectorIds.0"]
    }


def test_enables_every_protection_plan_on_the_detector(exporting, exporting_resources) -> None:
    call = sdk_call(exporting_resources, exporting.detector_features)
    assert call["action"] == "updateDetector"
    assert call["parameters"] == {
        "DetectorId": DETECTOR_ID,
        "Enable": True,
        "FindingPublishingFrequency": "FIFTEEN_MINUTES",
        "Features": [
            {"Name": "S3_DATA_EVENTS", "Status": "ENABLED"},
            {"Name": "EKS_AUDIT_LOGS", "Status": "ENABLED"},
            {"Name": "EBS_MALWARE_PROTECTION", "Status": "ENABLED"},
            {"Name": "RDS_LOGIN_EVENTS", "Status": "ENABLED"},
            {"Name": "LAMBDA_NETWORK_LOGS", "Status": "ENABLED"},
            {
                "Name": "RUNTIME_MONITORING",
                "Status": "ENABLED",
                "AdditionalConfiguration": [
                    {"Name": "EKS_ADDON_MANAGEMENT", "Status": "ENABLED"},
                    {"Name": "ECS_FARGATE_AGENT_MANAGEMENT", "Status": "ENABLED"},
                    {"Name": "EC2_AGENT_MANAGEMENT", "Status": "ENABLED"},
                ],
            },
        ],
    }


def test_auto_enables_every_plan_for_all_members(exporting, exporting_resources) -> None:
    call = sdk_call(exporting_resources, exporting.organization_configuration)
    assert call["action"] == "updateOrganizationConfiguration"
    parameters = call["parameters"]
    assert parameters["DetectorId"] == DETECTOR_ID
    assert parameters["AutoEnableOrganizationMembers"] == "ALL"
    assert [f["Name"] for f in parameters["Features"]] == list(PROTECTION_PLANS)
    assert {f["AutoEnable"] for f in parameters["Features"]} == {"ALL"}
    (runtime,) = [f for f in parameters["Features"] if "AdditionalConfiguration" in f]
    assert runtime["AdditionalConfiguration"] == [
        {"Name": "EKS_ADDON_MANAGEMENT", "AutoEnable": "ALL"},
        {"Name": "ECS_FARGATE_AGENT_MANAGEMENT", "AutoEnable": "ALL"},
        {"Name": "EC2_AGENT_MANAGEMENT", "AutoEnable": "ALL"},
    ]
    # The deprecated switches must not be sent alongside (the API rejects AutoEnable with it).
    assert "AutoEnable" not in parameters
    assert "DataSources" not in parameters


def test_runtime_monitoring_replaces_eks_runtime_monitoring() -> None:
    assert "RUNTIME_MONITORING" in PROTECTION_PLANS
    assert "EKS_RUNTIME_MONITORING" not in PROTECTION_PLANS


def test_members_are_configured_after_the_administrator(exporting, exporting_resources) -> None:
    depends_on = exporting_resources[logical_id_of(exporting.organization_configuration)][
        "DependsOn"
    ]
    assert logical_id_of(exporting.detector_features) in depends_on


def test_exports_findings_to_the_bucket_prefix(exporting, exporting_resources) -> None:
    assert exporting.export_destination is not None
    assert exporting_resources[logical_id_of(exporting.export_destination)] == {
        "Type": "AWS::GuardDuty::PublishingDestination",
        "Properties": {
            "DetectorId": {"Fn::GetAtt": [logical_id_of(exporting.detector), "DetectorIds.0"]},
            "DestinationType": "S3",
            "DestinationProperties": {
                "DestinationArn": f"{BUCKET_ARN}/guardduty/",
                "KmsKeyArn": KEY_ARN,
            },
        },
    }


def test_exports_to_the_bucket_root_without_a_prefix() -> None:
    stack = _stack()
    _guardduty(stack)
    Template.from_stack(stack).has_resource_properties(
        "AWS::GuardDuty::PublishingDestination",
        {"DestinationProperties": {"DestinationArn": BUCKET_ARN, "KmsKeyArn": KEY_ARN}},
    )


def test_a_trailing_slash_of_the_prefix_is_not_doubled() -> None:
    stack = _stack()
    _guardduty(stack, export_prefix="findings/guardduty/")
    Template.from_stack(stack).has_resource_properties(
        "AWS::GuardDuty::PublishingDestination",
        {"DestinationProperties": {"DestinationArn": f"{BUCKET_ARN}/findings/guardduty/"}},
    )


def test_accepts_an_alias_arn_for_the_export_key() -> None:
    stack = _stack()
    alias = "arn:aws:kms:eu-west-1:222222222222:alias/lz/log-archive"
    _guardduty(stack, export_kms_key_arn=alias)
    Template.from_stack(stack).has_resource_properties(
        "AWS::GuardDuty::PublishingDestination", {"DestinationProperties": {"KmsKeyArn": alias}}
    )


def test_exports_nothing_when_told_explicitly() -> None:
    stack = _stack()
    guardduty = _guardduty(stack, export_bucket_arn=None, export_kms_key_arn=None)
    assert guardduty.export_destination is None
    Template.from_stack(stack).resource_count_is("AWS::GuardDuty::PublishingDestination", 0)


def test_finding_publishing_frequency_override() -> None:
    stack = _stack()
    guardduty = _guardduty(stack, finding_publishing_frequency="ONE_HOUR")
    call = sdk_call(_resources(stack), guardduty.detector_features)
    assert call["parameters"]["FindingPublishingFrequency"] == "ONE_HOUR"


def test_detector_permissions_are_scoped_to_this_account_and_region(exporting) -> None:
    stack = Stack.of(exporting)
    policy = AwsSdkCallHandler.of(stack).policy
    statements = {s["Sid"]: s for s in _managed_policy_statements(_resources(stack), policy)}
    assert statements["ListGuardDutyDetectors"] == {
        "Sid": "ListGuardDutyDetectors",
        "Effect": "Allow",
        "Action": "guardduty:ListDetectors",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": {"Ref": "AWS::Region"}}},
    }
    configure = statements["ConfigureGuardDutyDetector"]
    assert configure["Action"] == [
        "guardduty:UpdateDetector",
        "guardduty:UpdateOrganizationConfiguration",
    ]
    assert template_text(configure["Resource"]) == (
        "arn:${AWS::Partition}:guardduty:${AWS::Region}:${AWS::AccountId}:detector/*"
    )
    assert set(statements) == {
        "WriteOwnLogGroup",
        "ListGuardDutyDetectors",
        "ConfigureGuardDutyDetector",
    }


def test_guardduty_compliance_zero_findings(exporting) -> None:
    assert violations(Stack.of(exporting)) == {}


def test_rejects_an_unknown_finding_publishing_frequency() -> None:
    with pytest.raises(ValueError, match=r"finding_publishing_frequency must be one of .*'HOURLY'"):
        _guardduty(_stack(), finding_publishing_frequency="HOURLY")


@pytest.mark.parametrize(
    ("bucket", "key"), [(BUCKET_ARN, None), (None, KEY_ARN)], ids=["no-key", "no-bucket"]
)
def test_rejects_a_bucket_without_a_key_or_a_key_without_a_bucket(bucket, key) -> None:
    with pytest.raises(ValueError, match=r"export_bucket_arn and export_kms_key_arn go together"):
        _guardduty(_stack(), export_bucket_arn=bucket, export_kms_key_arn=key)


def test_rejects_a_prefix_without_a_bucket() -> None:
    with pytest.raises(ValueError, match=r"export_prefix needs export_bucket_arn"):
        _guardduty(_stack(), export_bucket_arn=None, export_kms_key_arn=None, export_prefix="gd")


@pytest.mark.parametrize(
    "bucket_arn",
    ["lz-log-archive", f"{BUCKET_ARN}/guardduty", "arn:aws:s3:::Upper"],
)
def test_rejects_an_export_bucket_that_is_not_a_bucket_arn(bucket_arn) -> None:
    with pytest.raises(ValueError, match=r"export_bucket_arn must be a bucket ARN"):
        _guardduty(_stack(), export_bucket_arn=bucket_arn)


@pytest.mark.parametrize("key_arn", ["1234abcd", "arn:aws:s3:::bucket", "alias/logs"])
def test_rejects_an_export_key_that_is_not_a_key_or_alias_arn(key_arn) -> None:
    with pytest.raises(ValueError, match=r"export_kms_key_arn must be a KMS key ARN"):
        _guardduty(_stack(), export_kms_key_arn=key_arn)


@pytest.mark.parametrize("prefix", ["/guardduty", "a//b", ""])
def test_rejects_a_malformed_export_prefix(prefix) -> None:
    with pytest.raises(ValueError, match=r"export_prefix must be a folder"):
        _guardduty(_stack(), export_prefix=prefix)


# --- S3MalwareProtection -------------------------------------------------------------------

BUCKET = "lz-uploads-333333333333"


def _s3(stack: Stack, **overrides: Any) -> S3MalwareProtection:
    return S3MalwareProtection(stack, "UploadsMalwareProtection", bucket_name=BUCKET, **overrides)


def _arn(resource: Any) -> str:
    return template_text(resource).replace("${AWS::Partition}", "aws")


def _statements_by_sid(protection: S3MalwareProtection) -> dict[str, dict[str, Any]]:
    resources = _resources(Stack.of(protection))
    return {s["Sid"]: s for s in _managed_policy_statements(resources, protection.policy)}


@pytest.fixture(scope="module")
def protection() -> S3MalwareProtection:
    return _s3(_stack())


def test_protects_the_bucket_with_tagging(protection) -> None:
    resources = _resources(Stack.of(protection))
    plan = resources[logical_id_of(protection.resource)]
    assert plan == {
        "Type": "AWS::GuardDuty::MalwareProtectionPlan",
        "Properties": {
            "ProtectedResource": {"S3Bucket": {"BucketName": BUCKET}},
            "Role": {"Fn::GetAtt": [logical_id_of(protection.role), "Arn"]},
            "Actions": {"Tagging": {"Status": "ENABLED"}},
        },
        # GuardDuty validates the role's permissions when it creates the plan.
        "DependsOn": [logical_id_of(protection.policy)],
    }
    assert protection.resource.node.id == "Resource"


def test_role_and_policy_names_are_generated_unless_given(protection) -> None:
    resources = _resources(Stack.of(protection))
    assert "RoleName" not in resources[logical_id_of(protection.role)]["Properties"]
    named = _s3(_stack(), name="lz-s3-scan-uploads")
    resources = _resources(Stack.of(named))
    # Under the protected prefix nobody but the landing zone may change what the scanner does.
    assert resources[logical_id_of(named.role)]["Properties"]["RoleName"] == "lz-s3-scan-uploads"
    policy = resources[logical_id_of(named.policy)]["Properties"]
    assert policy["ManagedPolicyName"] == "lz-s3-scan-uploads"


def test_role_is_assumed_by_the_malware_protection_plan_service(protection) -> None:
    role = _resources(Stack.of(protection))[logical_id_of(protection.role)]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "malware-protection-plan.guardduty.amazonaws.com"},
        }
    ]
    assert "ManagedPolicyArns" not in role
    assert "Policies" not in role


def test_role_has_exactly_the_documented_permissions_on_this_bucket(protection) -> None:
    statements = _statements_by_sid(protection)
    bucket = f"arn:aws:s3:::{BUCKET}"
    rules = (
        "arn:aws:events:${AWS::Region}:${AWS::AccountId}:rule/"
        "DO-NOT-DELETE-AmazonGuardDutyMalwareProtectionS3*"
    )
    granted = {
        sid: (
            s["Action"],
            [
                _arn(r)
                for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
            ],
        )
        for sid, s in statements.items()
    }
    assert granted == {
        "AllowManagedRuleToSendS3EventsToGuardDuty": (
            ["events:DeleteRule", "events:PutRule", "events:PutTargets", "events:RemoveTargets"],
            [rules],
        ),
        "AllowGuardDutyToMonitorEventBridgeManagedRule": (
            ["events:DescribeRule", "events:ListTargetsByRule"],
            [rules],
        ),
        "AllowPostScanTag": (
            [
                "s3:GetObjectTagging",
                "s3:GetObjectVersionTagging",
                "s3:PutObjectTagging",
                "s3:PutObjectVersionTagging",
            ],
            [f"{bucket}/*"],
        ),
        "AllowEnableS3EventBridgeEvents": (
            ["s3:GetBucketNotification", "s3:PutBucketNotification"],
            [bucket],
        ),
        "AllowPutValidationObject": (
            "s3:PutObject",
            [f"{bucket}/malware-protection-resource-validation-object"],
        ),
        "AllowCheckBucketOwnership": ("s3:ListBucket", [bucket]),
        "AllowMalwareScan": (["s3:GetObject", "s3:GetObjectVersion"], [f"{bucket}/*"]),
    }
    assert statements["AllowManagedRuleToSendS3EventsToGuardDuty"]["Condition"] == {
        "StringLike": {"events:ManagedBy": "malware-protection-plan.guardduty.amazonaws.com"}
    }


def test_key_permission_only_through_s3_with_a_key() -> None:
    protection = _s3(_stack(), kms_key_arn=LOCAL_KEY_ARN)
    statement = _statements_by_sid(protection)["AllowDecryptForMalwareScan"]
    assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert statement["Resource"] == LOCAL_KEY_ARN
    assert statement["Condition"] == {
        "StringLike": {
            "kms:ViaService": {"Fn::Join": ["", ["s3.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
        }
    }


def test_no_key_permission_without_a_key(protection) -> None:
    assert "AllowDecryptForMalwareScan" not in _statements_by_sid(protection)


def test_prefixes_limit_the_scan_and_the_object_permissions() -> None:
    protection = _s3(_stack(), prefixes=["incoming/", "raw/"])
    Template.from_stack(Stack.of(protection)).has_resource_properties(
        "AWS::GuardDuty::MalwareProtectionPlan",
        {
            "ProtectedResource": {
                "S3Bucket": {"BucketName": BUCKET, "ObjectPrefixes": ["incoming/", "raw/"]}
            }
        },
    )
    statements = _statements_by_sid(protection)
    objects = [f"arn:aws:s3:::{BUCKET}/incoming/*", f"arn:aws:s3:::{BUCKET}/raw/*"]
    for sid in ("AllowPostScanTag", "AllowMalwareScan"):
        assert [_arn(r) for r in statements[sid]["Resource"]] == objects


def test_s3_malware_protection_compliance_zero_findings() -> None:
    stack = _stack()
    _s3(stack, kms_key_arn=LOCAL_KEY_ARN, prefixes=["incoming/"])
    assert violations(stack) == {}


@pytest.mark.parametrize(
    "bucket_name",
    ["Uploads", "a", "bucket_name", f"Uploads-{Aws.ACCOUNT_ID}", "a" * 52 + Aws.ACCOUNT_ID],
)
def test_rejects_a_malformed_bucket_name(bucket_name) -> None:
    with pytest.raises(ValueError, match=r"bucket_name must be an S3 bucket name"):
        S3MalwareProtection(_stack(), "Protection", bucket_name=bucket_name)


def test_rejects_a_bucket_name_token() -> None:
    with pytest.raises(ValueError, match=r"bucket_name must be an S3 bucket name"):
        S3MalwareProtection(_stack(), "Protection", bucket_name=Token.as_string({"Ref": "Bucket"}))


def test_protects_the_bucket_of_a_template_shared_by_many_accounts() -> None:
    """A StackSet template deployed to many accounts names each account's own bucket with the
    AWS::AccountId and AWS::Region pseudo parameters; the acknowledged findings follow."""
    stack = _stack()
    protection = S3MalwareProtection(
        stack, "Protection", bucket_name=f"lz-uploads-{Aws.REGION}-{Aws.ACCOUNT_ID}"
    )
    resources = Template.from_stack(stack).to_json()["Resources"]
    plan = resources[logical_id_of(protection.resource)]["Properties"]
    bucket = "lz-uploads-${AWS::Region}-${AWS::AccountId}"
    assert template_text(plan["ProtectedResource"]["S3Bucket"]["BucketName"]) == bucket
    statements = {
        s["Sid"]: s
        for s in resources[logical_id_of(protection.policy)]["Properties"]["PolicyDocument"][
            "Statement"
        ]
    }
    assert template_text(statements["AllowMalwareScan"]["Resource"]) == (
        f"arn:${{AWS::Partition}}:s3:::{bucket}/*"
    )
    assert violations(stack) == {}


def test_rejects_an_alias_arn_for_the_bucket_key() -> None:
    with pytest.raises(ValueError, match=r"kms_key_arn must be a KMS key ARN"):
        _s3(_stack(), kms_key_arn="arn:aws:kms:eu-west-1:333333333333:alias/uploads")


def test_rejects_more_than_five_prefixes() -> None:
    with pytest.raises(ValueError, match=r"prefixes takes at most 5 object prefixes, got 6"):
        _s3(_stack(), prefixes=[f"p{i}/" for i in range(6)])


@pytest.mark.parametrize("prefix", ["", "/incoming/"])
def test_rejects_an_empty_or_absolute_prefix(prefix) -> None:
    with pytest.raises(ValueError, match=r"prefixes must be literal, non-empty"):
        _s3(_stack(), prefixes=[prefix])


def test_rejects_a_repeated_prefix() -> None:
    with pytest.raises(ValueError, match=r"prefixes must not repeat a prefix"):
        _s3(_stack(), prefixes=["incoming/", "incoming/"])


# --- BackupMalwareScanningRole -------------------------------------------------------------


@pytest.fixture(scope="module")
def scanner() -> BackupMalwareScanningRole:
    return BackupMalwareScanningRole(_stack(), "BackupMalwareScanning")


def test_scanner_role_is_assumed_by_guardduty_malware_protection(scanner) -> None:
    role = _resources(Stack.of(scanner))[logical_id_of(scanner.role)]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "malware-protection.guardduty.amazonaws.com"},
        }
    ]
    assert role["ManagedPolicyArns"] == [
        {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":iam::aws:policy/AWSBackupGuardDutyRolePolicyForScans",
                ],
            ]
        }
    ]
    assert "RoleName" not in role
    assert scanner.role.node.id == "Resource"


def test_scanner_role_name_override() -> None:
    stack = _stack()
    BackupMalwareScanningRole(stack, "Scanner", role_name="lz-backup-malware-scanner")
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Role", {"RoleName": "lz-backup-malware-scanner"}
    )


def test_scan_setting_names_guardduty_and_the_role(scanner) -> None:
    setting = Stack.of(scanner).resolve(scanner.scan_setting(["EBS", "S3"]))
    assert setting == {
        "malwareScanner": "GUARDDUTY",
        "resourceTypes": ["EBS", "S3"],
        "scannerRoleArn": {"Fn::GetAtt": [logical_id_of(scanner.role), "Arn"]},
    }


def test_scan_action_is_a_full_guardduty_scan_by_default() -> None:
    action = BackupMalwareScanningRole.scan_action()
    assert (action.malware_scanner, action.scan_mode) == ("GUARDDUTY", "FULL_SCAN")
    assert BackupMalwareScanningRole.scan_action("INCREMENTAL_SCAN").scan_mode == "INCREMENTAL_SCAN"


def test_scan_settings_fit_a_backup_plan() -> None:
    """The entries are what ``AWS::Backup::BackupPlan`` takes in ScanSettings and ScanActions."""
    stack = _stack()
    scanner = BackupMalwareScanningRole(stack, "BackupMalwareScanning")
    backup.CfnBackupPlan(
        stack,
        "Plan",
        backup_plan=backup.CfnBackupPlan.BackupPlanResourceTypeProperty(
            backup_plan_name="daily",
            backup_plan_rule=[
                backup.CfnBackupPlan.BackupRuleResourceTypeProperty(
                    rule_name="daily",
                    target_backup_vault="vault",
                    scan_actions=[scanner.scan_action()],
                )
            ],
            scan_settings=[scanner.scan_setting(["EBS"])],
        ),
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::Backup::BackupPlan",
        {
            "BackupPlan": {
                "BackupPlanRule": [
                    Match.object_like(
                        {"ScanActions": [{"MalwareScanner": "GUARDDUTY", "ScanMode": "FULL_SCAN"}]}
                    )
                ],
                "ScanSettings": [
                    {
                        "MalwareScanner": "GUARDDUTY",
                        "ResourceTypes": ["EBS"],
                        "ScannerRoleArn": {"Fn::GetAtt": [logical_id_of(scanner.role), "Arn"]},
                    }
                ],
            }
        },
    )


def test_scanner_compliance_zero_findings() -> None:
    stack = _stack()
    BackupMalwareScanningRole(stack, "BackupMalwareScanning")
    assert violations(stack) == {}


def test_rejects_an_unknown_scan_mode() -> None:
    with pytest.raises(
        ValueError, match=r"scan_mode must be FULL_SCAN or INCREMENTAL_SCAN, got 'QUICK'"
    ):
        BackupMalwareScanningRole.scan_action("QUICK")


def test_rejects_a_scan_setting_without_resource_types(scanner) -> None:
    with pytest.raises(ValueError, match=r"resource_types must name at least one resource type"):
        scanner.scan_setting([])
