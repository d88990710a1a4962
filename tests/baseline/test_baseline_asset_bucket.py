"""BaselineAssetBucket: the per-region bucket member accounts read StackSet code assets from."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks
from cdk_stacksets import StackSetStack

from landing_zone.baseline import BaselineAssetBucket, asset_bucket_name
from landing_zone.baseline.asset_bucket import import_asset_buckets
from landing_zone.baseline.asset_replication import (
    acknowledge_asset_replication,
    asset_publisher_name,
)
from landing_zone.compliance import FintechChecks

CDK_CONTEXT = json.loads((Path(__file__).parents[2] / "cdk.json").read_text())["context"]
PREFIX = "lz-baseline-assets-111111111111"
ORGANIZATION = "o-a1b2c3d4e5"


def _stack(region: str | None = "eu-central-1") -> Stack:
    env = Environment(account="111111111111", region=region) if region else None
    return Stack(App(context=CDK_CONTEXT), "BaselineAssets", env=env)


@pytest.fixture(scope="module")
def stack() -> Stack:
    stack = _stack()
    BaselineAssetBucket(
        stack, "AssetBucket", bucket_name_prefix=PREFIX, organization_id=ORGANIZATION
    )
    return stack


@pytest.fixture(scope="module")
def template(stack: Stack) -> Template:
    return Template.from_stack(stack)


def _statements(template: Template) -> list[dict[str, Any]]:
    policy = next(iter(template.find_resources("AWS::S3::BucketPolicy").values()))
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def test_bucket_is_named_for_the_region_cdk_stacksets_reads(template: Template) -> None:
    assert asset_bucket_name(PREFIX, "eu-central-1") == f"{PREFIX}-eu-central-1"
    template.has_resource_properties(
        "AWS::S3::Bucket", {"BucketName": asset_bucket_name(PREFIX, "eu-central-1")}
    )


def test_bucket_is_private_versioned_encrypted_and_retained(template: Template) -> None:
    template.has_resource(
        "AWS::S3::Bucket",
        {
            "Properties": {
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_only_the_organization_may_read_objects(template: Template) -> None:
    allows = [s for s in _statements(template) if s["Effect"] == "Allow"]
    assert len(allows) == 1
    allow = allows[0]
    assert allow["Action"] == "s3:GetObject"
    assert allow["Principal"] == {"AWS": "*"}
    assert allow["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION}}
    assert allow["Resource"]["Fn::Join"][1][1] == "/*"


def test_requests_without_tls_1_2_are_denied(template: Template) -> None:
    denials = {
        json.dumps(s["Condition"], sort_keys=True)
        for s in _statements(template)
        if s["Effect"] == "Deny" and s["Action"] == "s3:*"
    }
    assert denials == {
        '{"Bool": {"aws:SecureTransport": "false"}}',
        '{"NumericLessThan": {"s3:TlsVersion": 1.2}}',
    }


def _statement(template: Template, sid: str) -> dict[str, Any]:
    (statement,) = [s for s in _statements(template) if s.get("Sid") == sid]
    return statement


def test_only_the_publisher_may_write_or_delete_assets(template: Template) -> None:
    # Escape 7: PowerUserAccess in the management account (no SCP there) overwrote the code zip
    # that the next automatic deployment installed as an exempt role in every account.
    deny = _statement(template, "DenyAssetWritesButByThePublisher")
    assert (deny["Effect"], deny["Principal"]) == ("Deny", {"AWS": "*"})
    assert deny["Action"] == [
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:PutObject",
        "s3:PutObjectAcl",
        "s3:PutObjectVersionAcl",
        "s3:ReplicateDelete",
        "s3:ReplicateObject",
    ]
    assert deny["Resource"]["Fn::Join"][1][1] == "/*"
    assert deny["Condition"] == {
        "ArnNotLike": {
            "aws:PrincipalArn": [
                {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            {"Ref": "AWS::Partition"},
                            ":iam::111111111111:role/lz-asset-publisher-*",
                        ],
                    ]
                }
            ]
        }
    }


def test_only_the_landing_zone_may_change_the_bucket(template: Template) -> None:
    deny = _statement(template, "DenyBucketConfigurationChanges")
    assert deny["Effect"] == "Deny"
    assert {"s3:PutBucketPolicy", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration"} <= set(
        deny["Action"]
    )
    # CloudFormation's execution role of the landing zone's qualifier keeps updating it.
    assert (
        "arn:aws:iam::*:role/cdk-lzone-cfn-exec-role-*"
        in (deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"])
    )


def test_prefix_and_principals_of_the_config_reach_the_policy() -> None:
    stack = _stack()
    BaselineAssetBucket(
        stack,
        "AssetBucket",
        bucket_name_prefix=PREFIX,
        organization_id=ORGANIZATION,
        name_prefix="acme-",
        landing_zone_principals=["arn:aws:iam::*:role/acme-*"],
    )
    template = Template.from_stack(stack)
    writes = _statement(template, "DenyAssetWritesButByThePublisher")
    assert "role/acme-asset-publisher-*" in json.dumps(writes["Condition"])
    configuration = _statement(template, "DenyBucketConfigurationChanges")
    assert configuration["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/acme-*"]}
    }


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Template:
    code = tmp_path_factory.mktemp("code")
    (code / "index.py").write_text("def handler(event, context):\n    return None\n")
    stack = Stack(
        App(context=CDK_CONTEXT),
        "Baselines",
        stack_name="acme-baselines",
        env=Environment(account="111111111111", region="eu-central-1"),
    )
    buckets = import_asset_buckets(stack, "Baseline", PREFIX, ["eu-central-1", "eu-west-1"])
    baseline = StackSetStack(stack, "Baseline", asset_buckets=buckets, asset_bucket_prefix=PREFIX)
    lambda_.Function(
        baseline,
        "Function",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_asset(str(code)),
    )
    acknowledge_asset_replication(baseline, buckets)
    return Template.from_stack(stack)


def test_the_publisher_role_and_function_carry_the_protected_name(published: Template) -> None:
    name = "lz-asset-publisher-acme-baselines-eu-central-1"
    (role,) = published.find_resources("AWS::IAM::Role").values()
    assert role["Properties"]["RoleName"] == name
    (function,) = published.find_resources("AWS::Lambda::Function").values()
    assert function["Properties"]["FunctionName"] == name
    # The bucket policy's pattern admits it.
    assert fnmatchcase(name, "lz-asset-publisher-*")


def test_renamed_publisher_gets_new_custom_resource_logical_ids(published: Template) -> None:
    # A new function name is a new ServiceToken, which CloudFormation does not update in place.
    copies = published.find_resources("Custom::CDKBucketDeployment")
    assert len(copies) == 2
    assert all(logical_id.endswith("Lz") for logical_id in copies)
    # On delete the handler keeps the objects it copied (RetainOnDelete unset: retain).
    assert all("RetainOnDelete" not in copy["Properties"] for copy in copies.values())


def test_long_stack_names_are_hashed_into_the_name_limit() -> None:
    name = asset_publisher_name("lz-", "a" * 60, "ap-southeast-2")
    assert len(name) <= 64
    assert name.startswith("lz-asset-publisher-")
    assert name.endswith("-ap-southeast-2")


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"bucket_name_prefix": "Assets"}, "bucket_name_prefix: 'Assets'"),
        ({"bucket_name_prefix": "assets-"}, "bucket_name_prefix: 'assets-'"),
        ({"organization_id": "o-123"}, "organization_id: 'o-123' is not an AWS Organizations"),
        ({"organization_id": "111111111111"}, "organization_id: '111111111111'"),
    ],
)
def test_rejects_impossible_buckets(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BaselineAssetBucket(
            _stack(),
            "AssetBucket",
            **{"bucket_name_prefix": PREFIX, "organization_id": ORGANIZATION, **props},
        )


def test_rejects_a_stack_without_a_region() -> None:
    with pytest.raises(ValueError, match="no explicit region"):
        BaselineAssetBucket(
            _stack(region=None),
            "AssetBucket",
            bucket_name_prefix=PREFIX,
            organization_id=ORGANIZATION,
        )


@pytest.mark.parametrize(
    "pack_type", [AwsSolutionsChecks, PCIDSS321Checks, NIST80053R5Checks, FintechChecks]
)
def test_bucket_passes_the_compliance_packs(pack_type: type, stack: Stack) -> None:
    report = pack_type().validate_scope(stack)
    found = [
        f"{violation.rule_name}: {resource.construct_path}"
        for violation in report.violations
        for resource in violation.violating_resources
    ]
    assert found == []
