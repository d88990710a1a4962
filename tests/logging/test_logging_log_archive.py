"""LogArchive: key and buckets of the log-archive account, named from config."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.compliance import violations
from landing_zone.logging import LogArchive, LogLifecycle, names

LOG_ARCHIVE = "222222222222"
PROPS: dict[str, Any] = {
    "organization_id": "o-a1b2c3d4e5",
    "organization_name": "acme",
    "management_account_id": "111111111111",
    "security_tooling_account_id": "333333333333",
}


def _stack(env: Environment | None = None) -> Stack:
    return Stack(
        App(context=cdk_context()),
        "LogArchiveStack",
        env=env or Environment(account=LOG_ARCHIVE, region="eu-central-1"),
    )


def _archive(**props: Any) -> tuple[Stack, LogArchive]:
    stack = _stack()
    return stack, LogArchive(stack, "LogArchive", **{**PROPS, **props})


@pytest.fixture(scope="module")
def built() -> tuple[Stack, LogArchive]:
    return _archive()


def _buckets(stack: Stack) -> dict[str, Any]:
    return dict(Template.from_stack(stack).find_resources("AWS::S3::Bucket"))


def test_logical_ids_of_stateful_resources_are_pinned(built: tuple[Stack, LogArchive]) -> None:
    stack, _ = built
    template = Template.from_stack(stack)
    assert set(template.find_resources("AWS::KMS::Key")) == {"LogArchiveKey8A035694"}
    assert {
        logical_id: bucket["Properties"]["BucketName"]
        for logical_id, bucket in _buckets(stack).items()
    } == {
        "LogArchiveAccessLogBucket128BE20D": "acme-s3-access-logs-222222222222",
        "LogArchiveBucketE351D0BA": "acme-logs-222222222222",
        "LogArchiveConfigBucket23DED008": "acme-config-222222222222",
    }


def test_names_are_the_ones_other_stacks_derive(built: tuple[Stack, LogArchive]) -> None:
    stack, archive = built
    assert stack.resolve(archive.bucket.bucket_name) == {"Ref": "LogArchiveBucketE351D0BA"}
    names_in_template = {b["Properties"]["BucketName"] for b in _buckets(stack).values()}
    assert names_in_template == {
        names.log_bucket_name("acme", LOG_ARCHIVE),
        names.access_log_bucket_name("acme", LOG_ARCHIVE),
        names.config_bucket_name("acme", LOG_ARCHIVE),
    }
    Template.from_stack(stack).has_resource_properties(
        "AWS::KMS::Alias", {"AliasName": names.logs_key_alias("acme")}
    )


def test_attributes_are_the_created_resources(built: tuple[Stack, LogArchive]) -> None:
    _, archive = built
    assert archive.key.node.path == "LogArchiveStack/LogArchive/Key/Resource"
    assert archive.bucket.node.path == "LogArchiveStack/LogArchive/Bucket/Resource"
    assert archive.config_bucket.node.path == "LogArchiveStack/LogArchive/ConfigBucket/Resource"
    assert (
        archive.access_log_bucket.node.path == "LogArchiveStack/LogArchive/AccessLogBucket/Resource"
    )
    assert archive.key_construct.alias_name == "alias/acme/logs"


def test_buckets_encrypt_with_the_archive_key(built: tuple[Stack, LogArchive]) -> None:
    stack, _ = built
    for logical_id in ("LogArchiveBucketE351D0BA", "LogArchiveConfigBucket23DED008"):
        encryption = _buckets(stack)[logical_id]["Properties"]["BucketEncryption"]
        (rule,) = encryption["ServerSideEncryptionConfiguration"]
        default = rule["ServerSideEncryptionByDefault"]
        assert default["KMSMasterKeyID"] == {"Fn::GetAtt": ["LogArchiveKey8A035694", "Arn"]}


def test_object_lock_and_retention_props_reach_the_log_bucket() -> None:
    stack, _ = _archive(
        object_lock_mode=s3.ObjectLockMode.GOVERNANCE,
        retention_days=730,
        minimum_retention_days=730,
    )
    lock = _buckets(stack)["LogArchiveBucketE351D0BA"]["Properties"]["ObjectLockConfiguration"]
    assert lock["Rule"] == {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 730}}


def test_lifecycle_reaches_every_bucket() -> None:
    stack, _ = _archive(lifecycle=LogLifecycle(glacier_instant_retrieval_after_days=45))
    for bucket in _buckets(stack).values():
        (rule,) = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        assert rule["Transitions"][0] == {"StorageClass": "GLACIER_IR", "TransitionInDays": 45}


def test_minimum_retention_reaches_every_bucket() -> None:
    lifecycle = LogLifecycle(expiration_days=500)
    with pytest.raises(ValueError, match=r"AccessLogBucket: lifecycle\.expiration_days is 500"):
        _archive(minimum_retention_days=600, retention_days=600, lifecycle=lifecycle)


def test_additional_key_policy_statements_reach_the_key() -> None:
    statement = iam.PolicyStatement(
        sid="AuditorDescribes",
        principals=[iam.ArnPrincipal("arn:aws:iam::444444444444:role/Auditor")],
        actions=["kms:DescribeKey"],
        resources=["*"],
    )
    stack, _ = _archive(additional_key_policy_statements=[statement])
    (key,) = Template.from_stack(stack).find_resources("AWS::KMS::Key").values()
    assert "AuditorDescribes" in {s["Sid"] for s in key["Properties"]["KeyPolicy"]["Statement"]}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (Environment(region="eu-central-1"), "no explicit account"),
        (Environment(account=LOG_ARCHIVE), "no explicit region"),
    ],
)
def test_rejects_a_stack_without_explicit_env(env: Environment, message: str) -> None:
    stack = Stack(App(context=cdk_context()), "LogArchiveStack", env=env)
    with pytest.raises(ValueError, match=message):
        LogArchive(stack, "LogArchive", **PROPS)


def test_rejects_retention_below_the_floor() -> None:
    with pytest.raises(ValueError, match="retention_days: got 200, below minimum_retention_days"):
        _archive(retention_days=200)


def test_log_archive_passes_the_compliance_packs(built: tuple[Stack, LogArchive]) -> None:
    stack, _ = built
    assert violations(stack) == {}


def _statements(template: dict[str, Any], resource_type: str, key: str) -> dict[str, Any]:
    return {
        statement.get("Sid"): statement
        for resource in template["Resources"].values()
        if resource["Type"] == resource_type
        for statement in resource["Properties"][key]["Statement"]
    }


@pytest.mark.parametrize(
    ("logs", "sid", "write_sid", "role", "own_keys"),
    [
        (
            "waf",
            "WafLogReplication",
            "WafLogReplicationWritesWafLogs",
            "lz-waf-log-replication-*",
            "/AWSLogs/${aws:PrincipalAccount}/WAFLogs/*",
        ),
        (
            "bedrock",
            "BedrockLogReplication",
            "BedrockLogReplicationWritesBedrockLogs",
            "lz-bedrock-log-replication-*",
            "/bedrock/AWSLogs/${aws:PrincipalAccount}/*",
        ),
    ],
)
def test_log_replication_roles_of_the_organization_may_write_their_own_logs_only(
    logs: str, sid: str, write_sid: str, role: str, own_keys: str
) -> None:
    stack, _ = _archive(log_replication_role_prefix="lz-", replicated_logs=[logs])
    template = Template.from_stack(stack).to_json()
    bucket = _statements(template, "AWS::S3::BucketPolicy", "PolicyDocument")
    roles = {
        "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
        "ArnLike": {
            "aws:PrincipalArn": {
                "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::*:role/{role}"]]
            }
        },
    }
    write = bucket[write_sid]
    assert write["Action"] == ["s3:ReplicateObject", "s3:ReplicateTags"]
    assert write["Condition"] == roles
    # Each account's role writes under its own account's prefix only.
    assert own_keys in str(write["Resource"])
    assert bucket[f"{sid}ChecksBucket"]["Condition"] == roles
    # The other service's replication roles get nothing.
    other = "Bedrock" if logs == "waf" else "Waf"
    assert not [s for s in bucket if str(s).startswith(f"{other}LogReplication")]
    key = _statements(template, "AWS::KMS::Key", "KeyPolicy")
    encrypt = key[f"{sid}EncryptsReplicas"]
    assert encrypt["Action"] == ["kms:Encrypt", "kms:GenerateDataKey"]
    assert {k: v for k, v in encrypt["Condition"].items() if k != "StringLike"} == roles
    like = encrypt["Condition"]["StringLike"]
    assert like["kms:ViaService"] == "s3.*.amazonaws.com"
    assert "acme-logs-" in str(like["kms:EncryptionContext:aws:s3:arn"])
    assert violations(stack) == {}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"replicated_logs": ["cloudtrail"], "log_replication_role_prefix": "lz-"},
            "replicated_logs: got ['cloudtrail']; allowed: bedrock, waf",
        ),
        (
            {"replicated_logs": ["waf"]},
            "log_replication_role_prefix: required when replicated_logs are given",
        ),
    ],
)
def test_replicated_logs_must_be_known_and_named(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _archive(**props)


def test_without_web_acls_nobody_replicates_into_the_archive(
    built: tuple[Stack, LogArchive],
) -> None:
    stack, _ = built
    template = Template.from_stack(stack).to_json()
    assert "WafLogReplication" not in str(template)
    assert "BedrockLogReplication" not in str(template)
