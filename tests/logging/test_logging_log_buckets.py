"""The log archive's buckets: WORM log bucket, Config bucket, access-log bucket, lifecycle."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.compliance import violations
from landing_zone.logging import (
    AccessLogBucket,
    ConfigDeliveryBucket,
    LogArchive,
    LogArchiveBucket,
    LogArchiveKey,
    LogLifecycle,
)

ORGANIZATION_ID = "o-a1b2c3d4e5"
MANAGEMENT = "111111111111"
LOG_ARCHIVE = "222222222222"
SECURITY_TOOLING = "333333333333"
LOG_BUCKET = "acme-logs-222222222222"
ACCESS_LOG_BUCKET = "acme-s3-access-logs-222222222222"
CONFIG_BUCKET = "acme-config-222222222222"


class Archive:
    """The three buckets and the key in one stack, each built on its own."""

    def __init__(self, **log_bucket_props: Any) -> None:
        self.stack = Stack(
            App(context=cdk_context()),
            "LogArchive",
            env=Environment(account=LOG_ARCHIVE, region="eu-central-1"),
        )
        self.key = LogArchiveKey(
            self.stack,
            "Key",
            organization_id=ORGANIZATION_ID,
            organization_name="acme",
            management_account_id=MANAGEMENT,
            security_tooling_account_id=SECURITY_TOOLING,
        ).key
        self.access_logs = AccessLogBucket(
            self.stack, "AccessLogs", bucket_name=ACCESS_LOG_BUCKET
        ).bucket
        self.logs = LogArchiveBucket(
            self.stack,
            "Logs",
            **{
                "bucket_name": LOG_BUCKET,
                "encryption_key": self.key,
                "access_log_bucket": self.access_logs,
                "organization_id": ORGANIZATION_ID,
                "organization_name": "acme",
                "management_account_id": MANAGEMENT,
                "security_tooling_account_id": SECURITY_TOOLING,
                **log_bucket_props,
            },
        ).bucket
        self.config = ConfigDeliveryBucket(
            self.stack,
            "Config",
            bucket_name=CONFIG_BUCKET,
            encryption_key=self.key,
            access_log_bucket=self.access_logs,
            organization_id=ORGANIZATION_ID,
        ).bucket
        self.template = Template.from_stack(self.stack)

    def bucket(self, name: str) -> Any:
        (bucket,) = [
            resource
            for resource in self.template.find_resources("AWS::S3::Bucket").values()
            if resource["Properties"]["BucketName"] == name
        ]
        return bucket

    def statements(self, bucket: s3.Bucket) -> dict[str, dict[str, Any]]:
        logical_id = self.stack.resolve(bucket.node.default_child.logical_id)  # type: ignore[union-attr]
        (policy,) = [
            resource
            for resource in self.template.find_resources("AWS::S3::BucketPolicy").values()
            if resource["Properties"]["Bucket"] == {"Ref": logical_id}
        ]
        return {
            statement.get("Sid") or json.dumps(statement["Condition"], sort_keys=True): statement
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        }


@pytest.fixture(scope="module")
def archive() -> Archive:
    return Archive()


def _objects(bucket_logical_id: str, suffix: str) -> dict[str, Any]:
    return {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_logical_id, "Arn"]}, suffix]]}


def _logical_id(archive: Archive, bucket: s3.Bucket) -> str:
    return str(archive.stack.resolve(bucket.node.default_child.logical_id))  # type: ignore[union-attr]


# --- lifecycle ---------------------------------------------------------------------------------


def _days(duration: Duration | None) -> float | None:
    return None if duration is None else duration.to_days()


def test_default_lifecycle_moves_to_colder_storage_and_never_expires() -> None:
    (rule,) = LogLifecycle().rules()
    transitions = rule.transitions or []
    assert [(t.storage_class.value, _days(t.transition_after)) for t in transitions] == [
        ("GLACIER_IR", 90),
        ("DEEP_ARCHIVE", 365),
    ]
    assert rule.expiration is None
    assert rule.noncurrent_version_expiration is None
    assert _days(rule.abort_incomplete_multipart_upload_after) == 7


def test_lifecycle_rule_in_the_template(archive: Archive) -> None:
    assert archive.bucket(LOG_BUCKET)["Properties"]["LifecycleConfiguration"] == {
        "Rules": [
            {
                "Id": "ColderStorage",
                "Status": "Enabled",
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                "Transitions": [
                    {"StorageClass": "GLACIER_IR", "TransitionInDays": 90},
                    {"StorageClass": "DEEP_ARCHIVE", "TransitionInDays": 365},
                ],
                "NoncurrentVersionTransitions": [
                    {"StorageClass": "GLACIER_IR", "TransitionInDays": 90},
                    {"StorageClass": "DEEP_ARCHIVE", "TransitionInDays": 365},
                ],
            }
        ]
    }


def test_lifecycle_overrides_reach_the_template() -> None:
    archive = Archive(
        lifecycle=LogLifecycle(
            glacier_instant_retrieval_after_days=30,
            deep_archive_after_days=None,
            expiration_days=2555,
            noncurrent_version_expiration_days=400,
        )
    )
    (rule,) = archive.bucket(LOG_BUCKET)["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Transitions"] == [{"StorageClass": "GLACIER_IR", "TransitionInDays": 30}]
    assert rule["ExpirationInDays"] == 2555
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 400}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"glacier_instant_retrieval_after_days": 0},
            "glacier_instant_retrieval_after_days: got 0",
        ),
        ({"deep_archive_after_days": -1}, "deep_archive_after_days: got -1"),
        ({"expiration_days": True}, "expiration_days: got True"),
        (
            {"noncurrent_version_expiration_days": 1.5},
            "noncurrent_version_expiration_days: got 1.5",
        ),
        ({"deep_archive_after_days": 90}, "deep_archive_after_days: got 90; allowed: more than"),
        ({"expiration_days": 365}, "expiration_days: got 365; allowed: more than"),
        (
            {"deep_archive_after_days": None, "expiration_days": 60},
            "expiration_days: got 60; allowed: more than glacier_instant_retrieval_after_days",
        ),
    ],
)
def test_rejects_impossible_lifecycles(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LogLifecycle(**props)


# --- access-log bucket --------------------------------------------------------------------------


def test_access_log_bucket_uses_sse_s3_and_no_object_lock(archive: Archive) -> None:
    properties = archive.bucket(ACCESS_LOG_BUCKET)["Properties"]
    assert properties["BucketEncryption"] == {
        "ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        ]
    }
    assert "ObjectLockEnabled" not in properties
    assert "ObjectLockConfiguration" not in properties
    assert "LoggingConfiguration" not in properties


@pytest.mark.parametrize("name", [LOG_BUCKET, CONFIG_BUCKET, ACCESS_LOG_BUCKET])
def test_every_bucket_is_versioned_private_ownerless_and_retained(
    archive: Archive, name: str
) -> None:
    bucket = archive.bucket(name)
    assert bucket["DeletionPolicy"] == "Retain"
    assert bucket["UpdateReplacePolicy"] == "Retain"
    properties = bucket["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert properties["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
    }


@pytest.mark.parametrize("attribute", ["logs", "config", "access_logs"])
def test_every_bucket_denies_deletes_and_requests_without_tls_1_2(
    archive: Archive, attribute: str
) -> None:
    bucket = getattr(archive, attribute)
    statements = archive.statements(bucket)
    logical_id = _logical_id(archive, bucket)
    everything = [{"Fn::GetAtt": [logical_id, "Arn"]}, _objects(logical_id, "/*")]
    deny = statements["DenyDeletingLogs"]
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == {"AWS": "*"}
    assert deny["Action"] == ["s3:DeleteBucket", "s3:DeleteObject", "s3:DeleteObjectVersion"]
    assert deny["Resource"] == everything
    assert "Condition" not in deny
    for condition in (
        '{"Bool": {"aws:SecureTransport": "false"}}',
        '{"NumericLessThan": {"s3:TlsVersion": 1.2}}',
    ):
        tls = statements[condition]
        assert (tls["Effect"], tls["Action"], tls["Resource"]) == ("Deny", "s3:*", everything)


BUCKET_CONFIGURATION = [
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutBucketLogging",
    "s3:PutBucketNotification",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketTagging",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutInventoryConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:PutReplicationConfiguration",
]
DEFAULT_LANDING_ZONE_PRINCIPALS = [
    "arn:aws:iam::*:role/lz-*",
    "arn:aws:iam::*:role/stacksets-exec-*",
    "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole",
    "arn:aws:iam::*:role/cdk-lzone-cfn-exec-role-*",
]


@pytest.mark.parametrize("attribute", ["logs", "config", "access_logs"])
def test_every_bucket_denies_configuration_changes_to_all_but_the_landing_zone(
    archive: Archive, attribute: str
) -> None:
    # Escape 6: a shorter Object Lock default, an expiry (no DeleteObject), another policy...
    bucket = getattr(archive, attribute)
    deny = archive.statements(bucket)["DenyBucketConfigurationChanges"]
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == {"AWS": "*"}
    assert deny["Action"] == BUCKET_CONFIGURATION
    assert deny["Resource"] == {"Fn::GetAtt": [_logical_id(archive, bucket), "Arn"]}
    # CloudFormation's execution role (cdk-lzone-...) and the StackSets roles keep updating it.
    assert deny["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": DEFAULT_LANDING_ZONE_PRINCIPALS}
    }


def test_only_the_object_lock_bucket_denies_changing_object_retention(archive: Archive) -> None:
    logical_id = _logical_id(archive, archive.logs)
    deny = archive.statements(archive.logs)["DenyObjectRetentionChanges"]
    assert deny["Effect"] == "Deny"
    assert deny["Action"] == [
        "s3:BypassGovernanceRetention",
        "s3:PutObjectLegalHold",
        "s3:PutObjectRetention",
    ]
    assert deny["Resource"] == _objects(logical_id, "/*")
    assert deny["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": DEFAULT_LANDING_ZONE_PRINCIPALS}
    }
    for bucket in (archive.config, archive.access_logs):
        assert "DenyObjectRetentionChanges" not in archive.statements(bucket)


def test_landing_zone_principals_of_the_config_reach_every_bucket() -> None:
    principals = ["arn:aws:iam::*:role/acme-*", "arn:aws:iam::*:role/cdk-acme-cfn-exec-role-*"]
    stack = Stack(
        App(context=cdk_context()),
        "Archive",
        env=Environment(account=LOG_ARCHIVE, region="eu-central-1"),
    )
    LogArchive(
        stack,
        "LogArchive",
        organization_id=ORGANIZATION_ID,
        organization_name="acme",
        management_account_id=MANAGEMENT,
        security_tooling_account_id=SECURITY_TOOLING,
        landing_zone_principals=principals,
    )
    template = Template.from_stack(stack)
    policies = template.find_resources("AWS::S3::BucketPolicy").values()
    assert len(policies) == 3
    for policy in policies:
        (deny,) = [
            s
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if s.get("Sid") == "DenyBucketConfigurationChanges"
        ]
        assert deny["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": principals}}


@pytest.mark.parametrize(
    ("principals", "message"),
    [
        ([], r"landing_zone_principals: got none"),
        (["lz-*"], r"'lz-\*' is not a role ARN pattern"),
        (["arn:aws:iam::*:user/lz-admin"], r"is not a role ARN pattern"),
    ],
)
def test_rejects_landing_zone_principals_that_are_no_role_patterns(
    principals: list[str], message: str
) -> None:
    stack = Stack(App(context=cdk_context()), "S")
    with pytest.raises(ValueError, match=message):
        AccessLogBucket(
            stack,
            "AccessLogs",
            bucket_name=ACCESS_LOG_BUCKET,
            landing_zone_principals=principals,
        )


def test_access_log_bucket_admits_only_s3_logging_of_the_archive_buckets(archive: Archive) -> None:
    allows = [s for s in archive.statements(archive.access_logs).values() if s["Effect"] == "Allow"]
    assert {json.dumps(s["Principal"]) for s in allows} == {
        '{"Service": "logging.s3.amazonaws.com"}'
    }
    assert sorted(s["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::GetAtt"][0] for s in allows) == (
        sorted([_logical_id(archive, archive.logs), _logical_id(archive, archive.config)])
    )


def test_rejects_access_log_expiry_below_the_retention_floor() -> None:
    stack = Stack(App(context=cdk_context()), "S")
    with pytest.raises(ValueError, match=r"lifecycle\.expiration_days is 400 days, below .* 730"):
        AccessLogBucket(
            stack,
            "AccessLogs",
            bucket_name=ACCESS_LOG_BUCKET,
            minimum_retention_days=730,
            lifecycle=LogLifecycle(expiration_days=400),
        )


@pytest.mark.parametrize("name", ["Logs", "ab", "logs_bucket", "-logs", "a..b"])
def test_rejects_malformed_bucket_names(name: str) -> None:
    stack = Stack(App(context=cdk_context()), "S")
    with pytest.raises(ValueError, match=f"bucket_name: {name!r} is not an S3 bucket name"):
        AccessLogBucket(stack, "AccessLogs", bucket_name=name)


# --- WORM log bucket ----------------------------------------------------------------------------


def test_log_bucket_locks_objects_in_compliance_mode_for_a_year(archive: Archive) -> None:
    properties = archive.bucket(LOG_BUCKET)["Properties"]
    assert properties["ObjectLockEnabled"] is True
    assert properties["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 365}},
    }


def test_log_bucket_encrypts_with_the_log_key_and_bucket_keys(archive: Archive) -> None:
    key_id = str(archive.stack.resolve(archive.key.node.default_child.logical_id))  # type: ignore[union-attr]
    assert archive.bucket(LOG_BUCKET)["Properties"]["BucketEncryption"] == {
        "ServerSideEncryptionConfiguration": [
            {
                "BucketKeyEnabled": True,
                "ServerSideEncryptionByDefault": {
                    "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
                    "SSEAlgorithm": "aws:kms",
                },
            }
        ]
    }


def test_log_bucket_sends_access_logs_to_the_access_log_bucket(archive: Archive) -> None:
    assert archive.bucket(LOG_BUCKET)["Properties"]["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": _logical_id(archive, archive.access_logs)},
        "LogFilePrefix": f"{LOG_BUCKET}/",
        "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}},
    }


def test_cloudtrail_writes_only_for_the_organization_trail(archive: Archive) -> None:
    statements = archive.statements(archive.logs)
    logical_id = _logical_id(archive, archive.logs)
    trail = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                f":cloudtrail:eu-central-1:{MANAGEMENT}:trail/acme-organization-trail",
            ],
        ]
    }
    acl = statements["CloudTrailChecksBucketAcl"]
    assert (acl["Principal"], acl["Action"]) == (
        {"Service": "cloudtrail.amazonaws.com"},
        "s3:GetBucketAcl",
    )
    assert acl["Condition"] == {"StringEquals": {"aws:SourceArn": trail}}
    write = statements["CloudTrailDeliversOrganizationTrail"]
    assert write["Action"] == "s3:PutObject"
    assert write["Resource"] == [
        _objects(logical_id, f"/cloudtrail/AWSLogs/{MANAGEMENT}/*"),
        _objects(logical_id, f"/cloudtrail/AWSLogs/{ORGANIZATION_ID}/*"),
    ]
    assert write["Condition"] == {
        "StringEquals": {"aws:SourceArn": trail, "s3:x-amz-acl": "bucket-owner-full-control"}
    }


def test_flow_logs_and_bedrock_write_for_this_organization_each_account_its_own_keys(
    archive: Archive,
) -> None:
    statements = archive.statements(archive.logs)
    logical_id = _logical_id(archive, archive.logs)
    organization = {"aws:SourceOrgID": ORGANIZATION_ID}
    check = statements["LogDeliveryChecksBucket"]
    assert check["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert check["Action"] == ["s3:GetBucketAcl", "s3:ListBucket"]
    assert check["Condition"] == {"StringEquals": organization}
    flow_logs = statements["LogDeliveryDeliversFlowLogs"]
    # ${aws:SourceAccount}: an account's delivery cannot write under another account's prefix.
    assert flow_logs["Resource"] == _objects(
        logical_id, "/flow-logs/AWSLogs/${aws:SourceAccount}/*"
    )
    assert flow_logs["Condition"] == {
        "StringEquals": {**organization, "s3:x-amz-acl": "bucket-owner-full-control"}
    }
    bedrock = statements["BedrockDeliversInvocationLogs"]
    assert bedrock["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert bedrock["Action"] == "s3:PutObject"
    assert bedrock["Resource"] == _objects(logical_id, "/bedrock/AWSLogs/${aws:SourceAccount}/*")
    assert bedrock["Condition"] == {"StringEquals": organization}


def test_guardduty_exports_from_the_security_tooling_account_only(archive: Archive) -> None:
    statements = archive.statements(archive.logs)
    logical_id = _logical_id(archive, archive.logs)
    detectors = {
        "StringEquals": {"aws:SourceAccount": SECURITY_TOOLING},
        "ArnLike": {
            "aws:SourceArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        f":guardduty:*:{SECURITY_TOOLING}:detector/*",
                    ],
                ]
            }
        },
    }
    location = statements["GuardDutyLocatesBucket"]
    assert (location["Action"], location["Condition"]) == ("s3:GetBucketLocation", detectors)
    export = statements["GuardDutyExportsFindings"]
    assert export["Action"] == "s3:PutObject"
    assert export["Resource"] == _objects(logical_id, "/guardduty/*")
    assert export["Condition"] == detectors


def test_log_bucket_admits_no_other_writer(archive: Archive) -> None:
    services = {
        json.dumps(s["Principal"])
        for s in archive.statements(archive.logs).values()
        if s["Effect"] == "Allow"
    }
    assert services == {
        '{"Service": "cloudtrail.amazonaws.com"}',
        '{"Service": "delivery.logs.amazonaws.com"}',
        '{"Service": "bedrock.amazonaws.com"}',
        '{"Service": "guardduty.amazonaws.com"}',
    }


def test_governance_mode_and_longer_retention() -> None:
    archive = Archive(object_lock_mode=s3.ObjectLockMode.GOVERNANCE, retention_days=2555)
    assert archive.bucket(LOG_BUCKET)["Properties"]["ObjectLockConfiguration"]["Rule"] == {
        "DefaultRetention": {"Mode": "GOVERNANCE", "Days": 2555}
    }


def test_a_lower_floor_allows_a_shorter_retention() -> None:
    archive = Archive(retention_days=90, minimum_retention_days=90)
    rule = archive.bucket(LOG_BUCKET)["Properties"]["ObjectLockConfiguration"]["Rule"]
    assert rule["DefaultRetention"]["Days"] == 90


def test_trail_region_override_names_the_trail_of_that_region() -> None:
    archive = Archive(trail_region="eu-west-1")
    condition = archive.statements(archive.logs)["CloudTrailChecksBucketAcl"]["Condition"]
    assert ":cloudtrail:eu-west-1:" in json.dumps(condition)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"retention_days": 180},
            "retention_days: got 180, below minimum_retention_days \\(365\\)",
        ),
        (
            {"retention_days": 730, "minimum_retention_days": 1000},
            "retention_days: got 730, below minimum_retention_days \\(1000\\)",
        ),
        ({"retention_days": 0, "minimum_retention_days": 1}, "retention_days: got 0"),
        ({"minimum_retention_days": 0}, "minimum_retention_days: got 0"),
        (
            {"lifecycle": LogLifecycle(expiration_days=366), "retention_days": 400},
            "lifecycle.expiration_days is 366 days, below the retention of 400 days",
        ),
        (
            {"lifecycle": LogLifecycle(noncurrent_version_expiration_days=30)},
            "lifecycle.noncurrent_version_expiration_days is 30 days",
        ),
        ({"object_lock_mode": "COMPLIANCE"}, "object_lock_mode: got 'COMPLIANCE'"),
        ({"organization_id": "o-abc"}, "organization_id: 'o-abc'"),
        ({"management_account_id": "12"}, "management_account_id: '12'"),
        ({"security_tooling_account_id": "12"}, "security_tooling_account_id: '12'"),
        ({"trail_region": "moon-1"}, "trail_region: 'moon-1'"),
    ],
)
def test_rejects_impossible_log_buckets(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Archive(**props)


# --- Config bucket ------------------------------------------------------------------------------


def test_config_bucket_has_no_object_lock_but_the_log_key(archive: Archive) -> None:
    properties = archive.bucket(CONFIG_BUCKET)["Properties"]
    assert "ObjectLockEnabled" not in properties
    encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["BucketKeyEnabled"] is True
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert properties["LoggingConfiguration"]["LogFilePrefix"] == f"{CONFIG_BUCKET}/"


def test_config_writes_for_this_organization_each_account_its_own_keys(archive: Archive) -> None:
    statements = archive.statements(archive.config)
    logical_id = _logical_id(archive, archive.config)
    organization = {"aws:SourceOrgID": ORGANIZATION_ID}
    for sid, action in (
        ("ConfigChecksBucketAcl", "s3:GetBucketAcl"),
        ("ConfigChecksBucketExists", "s3:ListBucket"),
    ):
        statement = statements[sid]
        assert statement["Principal"] == {"Service": "config.amazonaws.com"}
        assert statement["Action"] == action
        assert statement["Resource"] == {"Fn::GetAtt": [logical_id, "Arn"]}
        assert statement["Condition"] == {"StringEquals": organization}
    delivery = statements["ConfigDelivers"]
    assert delivery["Resource"] == _objects(logical_id, "/config/AWSLogs/${aws:SourceAccount}/*")
    assert delivery["Condition"] == {
        "StringEquals": {**organization, "s3:x-amz-acl": "bucket-owner-full-control"}
    }
    writers = {json.dumps(s["Principal"]) for s in statements.values() if s["Effect"] == "Allow"}
    assert writers == {'{"Service": "config.amazonaws.com"}'}


def test_rejects_a_config_bucket_expiring_below_the_floor() -> None:
    archive = Archive()
    message = r"ConfigDeliveryBucket: lifecycle\.expiration_days is 200"
    with pytest.raises(ValueError, match=message):
        ConfigDeliveryBucket(
            archive.stack,
            "Config2",
            bucket_name="acme-config-2",
            encryption_key=archive.key,
            access_log_bucket=archive.access_logs,
            organization_id=ORGANIZATION_ID,
            lifecycle=LogLifecycle(deep_archive_after_days=None, expiration_days=200),
        )


# --- compliance ---------------------------------------------------------------------------------


def test_buckets_pass_the_compliance_packs(archive: Archive) -> None:
    assert violations(archive.stack) == {}
