"""ModelInvocationLogging: every prompt and response to a KMS log group and a WORM bucket."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.ai.invocation_logging import ModelInvocationLogging
from landing_zone.compliance import violations
from landing_zone.keys import DataClassKey
from landing_zone.logging.account_log_bucket import LogArchiveCopy

ENV = Environment(account="888888888888", region="eu-west-1")
BUCKET = "bedrock-logs-acme-888888888888-eu-west-1"
ARCHIVE = LogArchiveCopy(
    bucket_name="acme-logs-222222222222",
    account_id="222222222222",
    region="eu-west-1",
    key_alias="alias/acme/logs",
    replication_role_name="lz-bedrock-log-replication-eu-west-1",
)


def _stack() -> Stack:
    return Stack(App(context=cdk_context()), "Ai", env=ENV)


def _logging(stack: Stack, **props: Any) -> ModelInvocationLogging:
    key = DataClassKey(stack, "LogsKey", data_class="logs", alias_prefix="acme", services=["logs"])
    return ModelInvocationLogging(
        stack, "InvocationLogging", organization_name="acme", log_key=key.key, **props
    )


@pytest.fixture(scope="module")
def stack() -> Stack:
    stack = _stack()
    _logging(stack, archive=ARCHIVE)
    return stack


@pytest.fixture(scope="module")
def template(stack: Stack) -> dict[str, Any]:
    return Template.from_stack(stack).to_json()


def _of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == resource_type}


def _call(create: Any) -> dict[str, Any]:
    """The SDK call of a Custom::AWS ``Create``: JSON joined around references (``<ref>``)."""
    if isinstance(create, str):
        return dict(json.loads(create))
    _, parts = create["Fn::Join"]
    return dict(json.loads("".join(p if isinstance(p, str) else "<ref>" for p in parts)))


def test_logging_is_configured_for_both_destinations_and_every_modality(
    template: dict[str, Any],
) -> None:
    (resource,) = _of_type(template, "Custom::AWS").values()
    call = _call(resource["Properties"]["Create"])
    assert (call["service"], call["action"]) == (
        "Bedrock",
        "putModelInvocationLoggingConfiguration",
    )
    config = call["parameters"]["loggingConfig"]
    assert config["s3Config"] == {"bucketName": BUCKET, "keyPrefix": "bedrock"}
    assert set(config["cloudWatchConfig"]) == {"logGroupName", "roleArn"}
    for modality in ("text", "image", "embedding", "video"):
        assert config[f"{modality}DataDeliveryEnabled"] is True
    # Set only once the destinations accept deliveries.
    depends = set(resource.get("DependsOn", []))
    assert any(d.startswith("InvocationLoggingLogGroup") for d in depends)
    assert any("LogsPolicy" in d for d in depends)
    # Bedrock checks that the delivery role may write to the log group.
    assert any(d.startswith("InvocationLoggingDeliveryPolicy") for d in depends)


def test_log_group_is_encrypted_retained_and_kept_a_year(template: dict[str, Any]) -> None:
    (group,) = [
        g
        for lid, g in _of_type(template, "AWS::Logs::LogGroup").items()
        if lid.startswith("InvocationLoggingLogGroup")
    ]
    assert group["Properties"]["RetentionInDays"] == 365
    assert "KmsKeyId" in group["Properties"]
    assert group["DeletionPolicy"] == "Retain"


def test_only_bedrock_of_this_account_and_region_writes(template: dict[str, Any]) -> None:
    roles = _of_type(template, "AWS::IAM::Role")
    (delivery,) = [r for lid, r in roles.items() if lid.startswith("InvocationLoggingDeliveryRole")]
    (trust,) = delivery["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "888888888888"}
    assert "bedrock:eu-west-1:888888888888:*" in json.dumps(trust["Condition"]["ArnLike"])
    statements = [
        s
        for p in _of_type(template, "AWS::S3::BucketPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    (deliver,) = [s for s in statements if s.get("Sid") == "BedrockDeliversInvocationLogs"]
    assert deliver["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert "bedrock/AWSLogs/888888888888/BedrockModelInvocationLogs/*" in json.dumps(
        deliver["Resource"]
    )


def test_bucket_is_write_once_and_replicated_to_the_archive(template: dict[str, Any]) -> None:
    (bucket,) = [
        b
        for b in _of_type(template, "AWS::S3::Bucket").values()
        if b["Properties"]["BucketName"] == BUCKET
    ]
    properties = bucket["Properties"]
    assert properties["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    (rule,) = properties["ReplicationConfiguration"]["Rules"]
    assert rule["Filter"] == {"Prefix": "bedrock/AWSLogs/888888888888/"}


def test_no_compliance_findings(stack: Stack) -> None:
    assert violations(stack) == {}


def test_rejects_infinite_retention() -> None:
    with pytest.raises(ValueError, match="finite retention"):
        _logging(_stack(), retention=logs.RetentionDays.INFINITE)


def test_failed_replication_to_the_archive_alarms() -> None:
    stack = _stack()
    logging = _logging(stack, archive=ARCHIVE)
    topic = sns.Topic.from_topic_arn(stack, "Topic", "arn:aws:sns:eu-west-1:888888888888:alerts")
    logging.bucket.alarm_on_replication_failures("ReplicationFailures", topic=topic)
    template = Template.from_stack(stack).to_json()
    (alarm,) = _of_type(template, "AWS::CloudWatch::Alarm").values()
    properties = alarm["Properties"]
    assert properties["Namespace"] == "AWS/S3"
    assert properties["MetricName"] == "OperationsFailedReplication"
    dimensions = {d["Name"]: d["Value"] for d in properties["Dimensions"]}
    assert dimensions["DestinationBucket"] == ARCHIVE.bucket_name
    # The rule's id is a dimension of its metrics: it must be the bucket's rule.
    (bucket,) = [
        b
        for b in _of_type(template, "AWS::S3::Bucket").values()
        if "ReplicationConfiguration" in b["Properties"]
    ]
    (rule,) = bucket["Properties"]["ReplicationConfiguration"]["Rules"]
    assert dimensions["RuleId"] == rule["Id"]
    assert rule["Destination"]["Metrics"] == {"Status": "Enabled"}
    assert (properties["Statistic"], properties["Period"]) == ("Sum", 300)
    assert properties["Threshold"] == 0
    assert properties["ComparisonOperator"] == "GreaterThanThreshold"
    assert properties["AlarmActions"] == ["arn:aws:sns:eu-west-1:888888888888:alerts"]


def test_replication_alarm_needs_an_archive() -> None:
    stack = _stack()
    logging = _logging(stack)
    topic = sns.Topic.from_topic_arn(stack, "Topic", "arn:aws:sns:eu-west-1:888888888888:alerts")
    with pytest.raises(ValueError, match="built without an archive"):
        logging.bucket.alarm_on_replication_failures("ReplicationFailures", topic=topic)


def test_names_under_the_prefix_when_given(template: dict[str, Any]) -> None:
    (group,) = [
        g
        for lid, g in _of_type(template, "AWS::Logs::LogGroup").items()
        if lid.startswith("InvocationLoggingLogGroup")
    ]
    assert "LogGroupName" not in group["Properties"]
    stack = _stack()
    logging = _logging(stack, name_prefix="lz-")
    resources = Template.from_stack(stack).to_json()["Resources"]
    named = resources[stack.resolve(logging.log_group.node.default_child.logical_id)]
    assert named["Properties"]["LogGroupName"] == "lz-bedrock-model-invocations"
    role = resources[stack.resolve(logging.delivery_role.node.default_child.logical_id)]
    # IAM names are per account: the region (eu-west-1 here) is part of them.
    assert role["Properties"]["RoleName"] == "lz-bedrock-invocation-logs-eu-west-1"
    policy = resources[stack.resolve(logging.delivery_policy.node.default_child.logical_id)]
    assert policy["Properties"]["ManagedPolicyName"] == "lz-bedrock-invocation-logs-eu-west-1"
