"""BaselineAssetBucket: the per-region bucket member accounts read StackSet code assets from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks

from landing_zone.baseline import BaselineAssetBucket, asset_bucket_name
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
