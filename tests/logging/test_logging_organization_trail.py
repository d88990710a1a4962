"""OrganizationTrail: one trail for the organization, into the log archive and CloudWatch Logs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.compliance import violations
from landing_zone.logging import OrganizationTrail

ORGANIZATION_ID = "o-a1b2c3d4e5"
MANAGEMENT = "111111111111"
LOG_ARCHIVE = "222222222222"
FUNCTION = f"arn:aws:lambda:eu-central-1:{LOG_ARCHIVE}:function:payments"
PROPS: dict[str, Any] = {
    "organization_id": ORGANIZATION_ID,
    "organization_name": "acme",
    "log_archive_account_id": LOG_ARCHIVE,
}


def _trail_stack(**props: Any) -> Stack:
    stack = Stack(
        App(context=cdk_context()),
        "Organization",
        env=Environment(account=MANAGEMENT, region="eu-central-1"),
    )
    OrganizationTrail(stack, "OrganizationTrail", **{**PROPS, **props})
    return stack


def _trail(stack: Stack) -> Any:
    (trail,) = Template.from_stack(stack).find_resources("AWS::CloudTrail::Trail").values()
    return trail


def _selectors(stack: Stack) -> dict[str, list[dict[str, Any]]]:
    return {
        selector["Name"]: selector["FieldSelectors"]
        for selector in _trail(stack)["Properties"]["AdvancedEventSelectors"]
    }


def _arn(suffix: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, suffix]]}


def _data(resource_type: str, resources: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": [resource_type]},
        *([resources] if resources else []),
    ]


@pytest.fixture(scope="module")
def stack() -> Stack:
    return _trail_stack()


def test_trail_covers_the_organization_in_every_region_with_validation(stack: Stack) -> None:
    trail = _trail(stack)
    assert trail["DeletionPolicy"] == "Retain"
    assert trail["UpdateReplacePolicy"] == "Retain"
    properties = trail["Properties"]
    expected = {
        "TrailName": "acme-organization-trail",
        "IsOrganizationTrail": True,
        "IsMultiRegionTrail": True,
        "IncludeGlobalServiceEvents": True,
        "EnableLogFileValidation": True,
        "IsLogging": True,
        "S3BucketName": "acme-logs-222222222222",
        "S3KeyPrefix": "cloudtrail",
        "KMSKeyId": _arn(f":kms:eu-central-1:{LOG_ARCHIVE}:alias/acme/logs"),
        "CloudWatchLogsLogGroupArn": {"Fn::GetAtt": ["OrganizationTrailLogGroupB83451B1", "Arn"]},
        "CloudWatchLogsRoleArn": {
            "Fn::GetAtt": ["OrganizationTrailCloudWatchLogsRoleADA71FBE", "Arn"]
        },
    }
    assert {name: properties[name] for name in expected} == expected


def test_logical_ids_of_stateful_resources_are_pinned(stack: Stack) -> None:
    template = Template.from_stack(stack)
    assert set(template.find_resources("AWS::CloudTrail::Trail")) == {"OrganizationTrail7F291DBA"}
    assert set(template.find_resources("AWS::Logs::LogGroup")) == {
        "OrganizationTrailLogGroupB83451B1"
    }
    assert set(template.find_resources("AWS::KMS::Key")) == {"OrganizationTrailLogKeyEC1F41C9"}


def test_trail_waits_for_the_permission_to_write_its_log_group(stack: Stack) -> None:
    assert _trail(stack)["DependsOn"] == ["OrganizationTrailCloudWatchLogsPolicyCE36DD5D"]


LOG_ARCHIVE_READS = [
    {"Field": "eventCategory", "Equals": ["Data"]},
    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
    {"Field": "readOnly", "Equals": ["true"]},
    {
        "Field": "resources.ARN",
        "StartsWith": [
            _arn(":s3:::acme-logs-222222222222/"),
            _arn(":s3:::acme-s3-access-logs-222222222222/"),
        ],
    },
]
"""Reads of the log buckets: recorded whatever the S3 scope (PCI DSS 10.2.1.3)."""


def test_default_selectors_record_management_and_all_s3_and_lambda_data_events(
    stack: Stack,
) -> None:
    assert _selectors(stack) == {
        "ManagementEvents": [{"Field": "eventCategory", "Equals": ["Management"]}],
        "S3DataEvents": _data(
            "AWS::S3::Object",
            {
                "Field": "resources.ARN",
                "NotStartsWith": [
                    _arn(":s3:::acme-logs-222222222222/"),
                    _arn(":s3:::acme-s3-access-logs-222222222222/"),
                ],
            },
        ),
        "LogArchiveReads": LOG_ARCHIVE_READS,
        "LambdaDataEvents": _data("AWS::Lambda::Function"),
    }


def test_listed_resources_narrow_the_data_events() -> None:
    selectors = _selectors(
        _trail_stack(
            s3_data_events=["cardholder-data", "training-data"], lambda_data_events=[FUNCTION]
        )
    )
    assert selectors["S3DataEvents"] == _data(
        "AWS::S3::Object",
        {
            "Field": "resources.ARN",
            "StartsWith": [_arn(":s3:::cardholder-data/"), _arn(":s3:::training-data/")],
        },
    )
    assert selectors["LambdaDataEvents"] == _data(
        "AWS::Lambda::Function", {"Field": "resources.ARN", "Equals": [FUNCTION]}
    )


def test_none_records_no_data_events_but_reads_of_the_logs() -> None:
    selectors = _selectors(_trail_stack(s3_data_events="none", lambda_data_events="none"))
    assert list(selectors) == ["ManagementEvents", "LogArchiveReads"]
    assert selectors["LogArchiveReads"] == LOG_ARCHIVE_READS


def test_log_group_keeps_a_year_encrypted_and_is_retained(stack: Stack) -> None:
    Template.from_stack(stack).has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {
                "RetentionInDays": 365,
                "KmsKeyId": {"Fn::GetAtt": ["OrganizationTrailLogKeyEC1F41C9", "Arn"]},
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_log_key_serves_only_cloudwatch_logs_of_this_account_and_region(stack: Stack) -> None:
    (key,) = Template.from_stack(stack).find_resources("AWS::KMS::Key").values()
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    # What the key serves: its Allow statements (deny statements only narrow them).
    statements = {
        s["Sid"]: s for s in key["Properties"]["KeyPolicy"]["Statement"] if s["Effect"] == "Allow"
    }
    assert set(statements) == {
        "KeyAdministrationByThisAccount",
        "CloudWatchLogsOfThisAccountAndRegion",
    }
    assert "kms:*" not in json.dumps(key)
    logs_service = statements["CloudWatchLogsOfThisAccountAndRegion"]
    assert logs_service["Principal"] == {
        "Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
    }
    assert logs_service["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":logs:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":log-group:*",
                    ],
                ]
            }
        }
    }


def test_only_this_trail_assumes_the_role(stack: Stack) -> None:
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Condition": {
                            "StringEquals": {
                                "aws:SourceArn": _arn(
                                    f":cloudtrail:eu-central-1:{MANAGEMENT}:"
                                    "trail/acme-organization-trail"
                                ),
                                "aws:SourceAccount": {"Ref": "AWS::AccountId"},
                            }
                        },
                    }
                ],
            }
        },
    )


def test_role_writes_only_the_trails_log_streams(stack: Stack) -> None:
    template = Template.from_stack(stack)
    assert template.find_resources("AWS::IAM::Policy") == {}
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    streams = [json.dumps(resource) for resource in statement["Resource"]]
    assert len(streams) == 2
    assert all('{"Ref": "OrganizationTrailLogGroupB83451B1"}, ":log-stream:' in s for s in streams)
    assert '"_CloudTrail_", {"Ref": "AWS::Region"}, "*"]' in streams[0]
    assert streams[1].endswith(f'":log-stream:{ORGANIZATION_ID}_*"]]}}')


@pytest.mark.parametrize(
    ("props", "name"),
    [
        ({}, "lz-organization-trail-logs-eu-central-1"),
        ({"name_prefix": "acme-"}, "acme-organization-trail-logs-eu-central-1"),
    ],
)
def test_role_and_policy_are_named_under_the_prefix(props: dict[str, Any], name: str) -> None:
    template = Template.from_stack(_trail_stack(**props))
    (role,) = template.find_resources("AWS::IAM::Role").values()
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    assert role["Properties"]["RoleName"] == name
    assert policy["Properties"]["ManagedPolicyName"] == name


def test_log_archive_region_override_names_that_regions_key() -> None:
    properties = _trail(_trail_stack(log_archive_region="eu-west-1"))["Properties"]
    assert properties["KMSKeyId"] == _arn(f":kms:eu-west-1:{LOG_ARCHIVE}:alias/acme/logs")


def test_log_retention_override() -> None:
    template = Template.from_stack(_trail_stack(log_retention=logs.RetentionDays.TWO_YEARS))
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 731})


def test_a_lower_floor_allows_a_shorter_log_retention() -> None:
    template = Template.from_stack(
        _trail_stack(log_retention=logs.RetentionDays.ONE_MONTH, minimum_log_retention_days=30)
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})


def test_rejects_log_retention_below_the_floor() -> None:
    with pytest.raises(
        ValueError, match="log_retention: got 180 days, below minimum_log_retention_days \\(365\\)"
    ):
        _trail_stack(log_retention=logs.RetentionDays.SIX_MONTHS)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"s3_data_events": "some"}, "s3_data_events: got 'some'; allowed: 'all', 'none' or"),
        ({"s3_data_events": []}, "s3_data_events: got an empty list"),
        ({"s3_data_events": ["Cardholder_Data"]}, "'Cardholder_Data' is not one of S3 bucket"),
        ({"s3_data_events": ["acme-logs-222222222222"]}, "is the log bucket"),
        ({"s3_data_events": ["data", "data"]}, "\\['data'\\] appear more than once"),
        ({"s3_data_events": [42]}, "42 is not one of S3 bucket names"),
        ({"lambda_data_events": "ALL"}, "lambda_data_events: got 'ALL'"),
        ({"lambda_data_events": []}, "lambda_data_events: got an empty list"),
        ({"lambda_data_events": ["payments"]}, "'payments' is not one of function ARNs"),
        ({"s3_data_events": [f"bucket-{i:03}" for i in range(493)]}, "hold 503 values"),
        ({"organization_id": "acme"}, "organization_id: 'acme'"),
        ({"log_archive_account_id": "2222"}, "log_archive_account_id: '2222'"),
        ({"log_archive_region": "EU"}, "log_archive_region: 'EU'"),
        ({"minimum_log_retention_days": 0}, "minimum_log_retention_days: got 0"),
    ],
)
def test_rejects_impossible_trails(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _trail_stack(**props)


def test_trail_passes_the_compliance_packs(stack: Stack) -> None:
    assert violations(stack) == {}
