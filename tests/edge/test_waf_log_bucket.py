"""WafLogBucket: the WORM destination of an account's WAF logs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.compliance import violations
from landing_zone.edge import WebAcl
from landing_zone.edge.waf_log_bucket import WafLogArchive, WafLogBucket

ENV = Environment(account="666666666666", region="eu-west-1")
NAME = "aws-waf-logs-acme-666666666666-eu-west-1"


def _stack() -> Stack:
    return Stack(App(context=cdk_context()), "WafLogs", env=ENV)


@pytest.fixture(scope="module")
def stack() -> Stack:
    stack = _stack()
    logs = WafLogBucket(stack, "WafLogs", organization_name="acme", retention_days=400)
    WebAcl(stack, "WebAcl", log_destination_arn=logs.bucket_arn)
    return stack


@pytest.fixture(scope="module")
def template(stack: Stack) -> Template:
    return Template.from_stack(stack)


def _buckets(template: Template) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["BucketName"]: r
        for r in template.find_resources("AWS::S3::Bucket").values()
    }


def test_bucket_is_named_for_waf_and_locked_for_the_retention(template: Template) -> None:
    bucket = _buckets(template)[NAME]
    properties = bucket["Properties"]
    assert properties["ObjectLockEnabled"] is True
    assert properties["ObjectLockConfiguration"]["Rule"]["DefaultRetention"] == {
        "Mode": "COMPLIANCE",
        "Days": 400,
    }
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["DeletionPolicy"] == "Retain"
    (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert properties["LoggingConfiguration"]["DestinationBucketName"] == {
        "Ref": next(
            lid
            for lid, r in template.find_resources("AWS::S3::Bucket").items()
            if r["Properties"]["BucketName"] == "waf-access-acme-666666666666-eu-west-1"
        )
    }


def test_only_log_delivery_of_this_account_writes_and_only_over_tls(template: Template) -> None:
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in template.find_resources("AWS::S3::BucketPolicy").values()
        if any(
            s.get("Sid") == "LogDeliveryDeliversWafLogs"
            for s in p["Properties"]["PolicyDocument"]["Statement"]
        )
    ]
    by_sid = {s.get("Sid"): s for s in policy}
    deliver = by_sid["LogDeliveryDeliversWafLogs"]
    assert deliver["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert deliver["Action"] == "s3:PutObject"
    assert deliver["Condition"]["StringEquals"] == {
        "aws:SourceAccount": "666666666666",
        "s3:x-amz-acl": "bucket-owner-full-control",
    }
    assert deliver["Condition"]["ArnLike"]["aws:SourceArn"] == (
        "arn:aws:logs:eu-west-1:666666666666:*"
    )
    denies = [s for s in policy if s["Effect"] == "Deny"]
    conditions = [s.get("Condition", {}) for s in denies]
    assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
    assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in conditions
    assert any(set(s["Action"]) >= {"s3:DeleteObject", "s3:DeleteObjectVersion"} for s in denies)


def test_key_is_usable_by_log_delivery_of_this_account_only(template: Template) -> None:
    keys = template.find_resources("AWS::KMS::Key")
    (key,) = keys.values()
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    (delivery,) = [s for s in statements if s.get("Sid") == "LogDeliveryEncryptsWafLogs"]
    assert delivery["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert delivery["Condition"]["StringEquals"] == {"aws:SourceAccount": "666666666666"}
    assert not any("kms:*" in str(s["Action"]) for s in statements)
    assert key["Properties"]["EnableKeyRotation"] is True


def test_web_acl_logs_to_the_bucket(template: Template, stack: Stack) -> None:
    (logging,) = template.find_resources("AWS::WAFv2::LoggingConfiguration").values()
    (destination,) = logging["Properties"]["LogDestinationConfigs"]
    assert "GetAtt" in str(destination) or "Fn::GetAtt" in destination


def test_no_compliance_findings(stack: Stack) -> None:
    assert violations(stack) == {}


def test_governance_mode_is_passed_through() -> None:
    stack = _stack()
    WafLogBucket(
        stack, "WafLogs", organization_name="acme", object_lock_mode=s3.ObjectLockMode.GOVERNANCE
    )
    rule = _buckets(Template.from_stack(stack))[NAME]["Properties"]["ObjectLockConfiguration"]
    assert rule["Rule"]["DefaultRetention"]["Mode"] == "GOVERNANCE"


def test_retention_below_a_year_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least 365"):
        WafLogBucket(_stack(), "WafLogs", organization_name="acme", retention_days=90)


# --- copies in the log archive ---------------------------------------------------------------

ARCHIVE = WafLogArchive(
    bucket_name="acme-logs-222222222222",
    account_id="222222222222",
    region="eu-west-1",
    key_alias="alias/acme/logs",
    replication_role_name="lz-waf-log-replication-eu-west-1",
)


@pytest.fixture(scope="module")
def archived() -> Stack:
    stack = _stack()
    WafLogBucket(stack, "WafLogs", organization_name="acme", archive=ARCHIVE)
    return stack


def test_every_log_is_replicated_to_the_log_archive_with_its_key(archived: Stack) -> None:
    bucket = _buckets(Template.from_stack(archived))[NAME]["Properties"]
    replication = bucket["ReplicationConfiguration"]
    (rule,) = replication["Rules"]
    assert rule["Status"] == "Enabled"
    # This account's WAF logs only: the archive accepts nothing else from this role.
    assert rule["Filter"] == {"Prefix": "AWSLogs/666666666666/WAFLogs/"}
    assert rule["DeleteMarkerReplication"] == {"Status": "Disabled"}
    assert rule["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    destination = rule["Destination"]
    assert destination["Account"] == "222222222222"
    assert destination["Metrics"] == {"Status": "Enabled"}
    assert destination["Bucket"] == "arn:aws:s3:::acme-logs-222222222222"
    assert "alias/acme/logs" in json.dumps(destination["EncryptionConfiguration"])


def test_replication_role_is_named_for_the_archive_policies_and_scoped(archived: Stack) -> None:
    template = Template.from_stack(archived)
    (role,) = template.find_resources("AWS::IAM::Role").values()
    assert role["Properties"]["RoleName"] == "lz-waf-log-replication-eu-west-1"
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "s3.amazonaws.com"
    }
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert "AWSLogs/*/WAFLogs/*" in json.dumps(statements["ReplicateToLogArchive"]["Resource"])
    assert statements["ReplicateToLogArchive"]["Action"] == [
        "s3:ReplicateObject",
        "s3:ReplicateTags",
    ]
    encrypt = statements["EncryptReplicasWithTheArchiveKey"]
    # The archive key's id is unknown here: S3's encryption context names the archive bucket.
    assert encrypt["Condition"]["StringEquals"] == {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    assert "acme-logs-222222222222" in json.dumps(
        encrypt["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"]
    )
    assert not any(
        action.endswith(":*") or action == "*"
        for statement in statements.values()
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    )


def test_only_the_replication_role_may_decrypt_and_only_through_s3(archived: Stack) -> None:
    (key,) = Template.from_stack(archived).find_resources("AWS::KMS::Key").values()
    statements = {s.get("Sid"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    decrypt = statements["ReplicationDecryptsLogs"]
    assert decrypt["Action"] == "kms:Decrypt"
    assert "ReplicationRole" in json.dumps(decrypt["Principal"])
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    }


def test_replicated_bucket_passes_the_packs(archived: Stack) -> None:
    # Replication enabled: no replication acknowledgment is needed or written.
    assert violations(archived) == {}
    bucket = _buckets(Template.from_stack(archived))[NAME]
    assert "S3BucketReplicationEnabled" not in json.dumps(bucket.get("Metadata", {}))


def test_replication_policy_is_named_like_its_role(archived: Stack) -> None:
    (policy,) = Template.from_stack(archived).find_resources("AWS::IAM::ManagedPolicy").values()
    assert policy["Properties"]["ManagedPolicyName"] == "lz-waf-log-replication-eu-west-1"


def test_account_admins_cannot_stop_replication_or_shorten_retention(archived: Stack) -> None:
    # Escape 6: PutReplicationConfiguration dropped the copy to the archive without tripping the
    # replication alarm; lifecycle and Object Lock changes shortened what the account keeps.
    template = Template.from_stack(archived)
    policies = template.find_resources("AWS::S3::BucketPolicy").values()
    assert len(policies) == 2  # the log bucket and its access-log bucket
    for policy in policies:
        statements = {s.get("Sid"): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
        deny = statements["DenyBucketConfigurationChanges"]
        assert deny["Effect"] == "Deny"
        assert {
            "s3:PutReplicationConfiguration",
            "s3:PutLifecycleConfiguration",
            "s3:PutBucketObjectLockConfiguration",
            "s3:PutBucketPolicy",
        } <= set(deny["Action"])
        # The StackSets execution role deploys this bucket and must keep updating it.
        assert (
            "arn:aws:iam::*:role/stacksets-exec-*"
            in (deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"])
        )
    (key,) = template.find_resources("AWS::KMS::Key").values()
    sids = {s.get("Sid") for s in key["Properties"]["KeyPolicy"]["Statement"]}
    assert "DenyKeyChangesOutsideTheLandingZone" in sids


def test_landing_zone_principals_reach_the_waf_buckets_and_key() -> None:
    principals = ["arn:aws:iam::*:role/acme-*"]
    stack = _stack()
    WafLogBucket(stack, "WafLogs", organization_name="acme", landing_zone_principals=principals)
    text = json.dumps(Template.from_stack(stack).to_json())
    # Key: changes and grants; log bucket: configuration and retention; access logs: configuration.
    assert text.count('"aws:PrincipalArn": ["arn:aws:iam::*:role/acme-*"]') == 5
    assert "role/lz-*" not in text


def test_replication_alarm_is_named_under_the_prefix() -> None:
    stack = _stack()
    logs = WafLogBucket(stack, "WafLogs", organization_name="acme", archive=ARCHIVE)
    topic = sns.Topic.from_topic_arn(stack, "Topic", "arn:aws:sns:eu-west-1:666666666666:alerts")
    logs.alarm_on_replication_failures("ReplicationFailures", topic=topic)
    (alarm,) = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()
    assert alarm["Properties"]["AlarmName"] == "lz-waf-log-replication-eu-west-1-failures"
