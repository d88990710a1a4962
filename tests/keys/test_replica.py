"""DataClassKeyReplica: a multi-Region key's replica with the primary's alias and policy."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.compliance import violations
from landing_zone.keys import DataClassKey, DataClassKeyReplica

ACCOUNT = "666666666666"


def _stack(region: str = "eu-central-1") -> Stack:
    return Stack(
        App(context=cdk_context()), "Replicas", env=Environment(account=ACCOUNT, region=region)
    )


@pytest.fixture(scope="module")
def stack() -> Stack:
    stack = _stack()
    DataClassKeyReplica(
        stack,
        "Data",
        data_class="data",
        alias_prefix="acme",
        primary_region="eu-west-1",
        services=["s3", "ec2"],
        pending_window_days=14,
    )
    return stack


@pytest.fixture(scope="module")
def template(stack: Stack) -> dict[str, Any]:
    return Template.from_stack(stack).to_json()


def _of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == resource_type}


def test_replica_reads_its_primary_by_alias_in_the_primary_region(template: dict[str, Any]) -> None:
    ((lookup_id, lookup),) = _of_type(template, "Custom::AWS").items()
    (replica,) = _of_type(template, "AWS::KMS::ReplicaKey").values()
    assert replica["Properties"]["PrimaryKeyArn"] == {"Fn::GetAtt": [lookup_id, "KeyMetadata.Arn"]}
    call = lookup["Properties"]["Create"]
    assert '"action":"describeKey"' in call
    assert '"KeyId":"alias/acme/data"' in call
    assert '"region":"eu-west-1"' in call
    assert replica["DeletionPolicy"] == "Retain"
    assert replica["Properties"]["PendingWindowInDays"] == 14


def test_lookup_may_describe_only_the_aliased_key_of_the_primary_region(
    template: dict[str, Any],
) -> None:
    statements = [
        s
        for policy in _of_type(template, "AWS::IAM::ManagedPolicy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    (describe,) = [s for s in statements if s.get("Sid") == "DescribePrimaryKeyData"]
    assert describe["Action"] == "kms:DescribeKey"
    assert describe["Resource"] == f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*"
    assert describe["Condition"] == {"StringEquals": {"kms:RequestAlias": "alias/acme/data"}}


def test_replica_has_the_primary_alias_and_policy(template: dict[str, Any]) -> None:
    (alias,) = _of_type(template, "AWS::KMS::Alias").values()
    assert alias["Properties"]["AliasName"] == "alias/acme/data"
    (replica,) = _of_type(template, "AWS::KMS::ReplicaKey").values()
    replica_policy = replica["Properties"]["KeyPolicy"]

    primary_stack = _stack("eu-west-1")
    DataClassKey(
        primary_stack,
        "Data",
        data_class="data",
        alias_prefix="acme",
        services=["s3", "ec2"],
        multi_region=True,
    )
    (primary,) = Template.from_stack(primary_stack).find_resources("AWS::KMS::Key").values()
    assert replica_policy == primary["Properties"]["KeyPolicy"]
    assert "kms:*" not in str(replica_policy)


def test_no_compliance_findings(stack: Stack) -> None:
    assert violations(stack) == {}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"primary_region": "eu-central-1"}, "the stack's own region"),
        ({"primary_region": "Ireland"}, "a region name"),
        ({"data_class": "Data"}, "data_class: got 'Data'"),
        ({"services": ["dynamo"]}, "services: got \\['dynamo'\\]"),
        ({"pending_window_days": 3}, "pending_window_days: got 3"),
    ],
)
def test_rejects_impossible_replicas(props: dict[str, Any], message: str) -> None:
    defaults: dict[str, Any] = {
        "data_class": "data",
        "alias_prefix": "acme",
        "primary_region": "eu-west-1",
    }
    with pytest.raises(ValueError, match=message):
        DataClassKeyReplica(_stack(), "Bad", **{**defaults, **props})


def test_replica_key_policy_denies_changes_to_all_but_the_landing_zone(
    template: dict[str, Any],
) -> None:
    # A replica is a key of its own: without the deny, an account admin could rewrite its policy
    # in the replica region even though the primary's holds.
    (replica,) = _of_type(template, "AWS::KMS::ReplicaKey").values()
    statements = {s["Sid"]: s for s in replica["Properties"]["KeyPolicy"]["Statement"]}
    deny = statements["DenyKeyChangesOutsideTheLandingZone"]
    assert deny["Effect"] == "Deny"
    assert {"kms:PutKeyPolicy", "kms:UpdateAlias", "kms:ScheduleKeyDeletion"} <= set(deny["Action"])
    assert deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"][0] == "arn:aws:iam::*:role/lz-*"
