from collections.abc import Callable
from typing import cast

import pytest
from aws_cdk import App, CfnParameter, CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from cdk_nag import NagRuleCompliance
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import s3_bucket_kms_encryption

RULE = "Fintech-S3BucketKMSEncryption"


@pytest.fixture
def stack() -> Stack:
    return Stack(App(builtin_cloud_formation_validation=False), "Test")


def _bucket(encryption: s3.BucketEncryption) -> Callable[[Stack], CfnResource]:
    def build(stack: Stack) -> CfnResource:
        bucket = s3.Bucket(
            stack,
            "Bucket",
            encryption=encryption,
            removal_policy=RemovalPolicy.RETAIN,
            enforce_ssl=True,
            minimum_tls_version=1.2,
        )
        return cast(CfnResource, bucket.node.default_child)

    return build


def _cfn_bucket(*algorithms: str | None) -> Callable[[Stack], CfnResource]:
    """A bucket with one default-encryption rule per algorithm (None: a rule without default)."""

    def build(stack: Stack) -> CfnResource:
        rules = [
            s3.CfnBucket.ServerSideEncryptionRuleProperty(
                bucket_key_enabled=True,
                server_side_encryption_by_default=None
                if algorithm is None
                else s3.CfnBucket.ServerSideEncryptionByDefaultProperty(sse_algorithm=algorithm),
            )
            for algorithm in algorithms
        ]
        return s3.CfnBucket(
            stack,
            "Bucket",
            bucket_encryption=s3.CfnBucket.BucketEncryptionProperty(
                server_side_encryption_configuration=rules
            ),
        )

    return build


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_bucket(s3.BucketEncryption.KMS), id="customer-managed-key"),
        pytest.param(_bucket(s3.BucketEncryption.KMS_MANAGED), id="aws-managed-key"),
        pytest.param(_bucket(s3.BucketEncryption.DSSE), id="dsse-kms"),
        pytest.param(_cfn_bucket("aws:kms", "aws:kms:dsse"), id="every-rule-kms"),
        pytest.param(
            lambda stack: CfnResource(
                stack,
                "Plain",
                type="AWS::S3::Bucket",
                properties={
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
                        ]
                    }
                },
            ),
            id="plain-cfn-resource",
        ),
    ],
)
def test_kms_encrypted_buckets_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert s3_bucket_kms_encryption(view(build(stack))) == NagRuleCompliance.COMPLIANT


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_bucket(s3.BucketEncryption.S3_MANAGED), id="sse-s3"),
        pytest.param(lambda stack: s3.CfnBucket(stack, "Bucket"), id="no-encryption"),
        pytest.param(_cfn_bucket(), id="no-rules"),
        pytest.param(_cfn_bucket("aws:kms", "AES256"), id="one-rule-sse-s3"),
        pytest.param(_cfn_bucket(None), id="rule-without-default"),
    ],
)
def test_buckets_without_kms_are_non_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert s3_bucket_kms_encryption(view(build(stack))) == NagRuleCompliance.NON_COMPLIANT


def test_rejects_an_algorithm_it_cannot_read(stack: Stack) -> None:
    algorithm = CfnParameter(stack, "Algorithm").value_as_string

    resource = view(_cfn_bucket(algorithm)(stack))
    with pytest.raises(TypeError, match="not a literal string"):
        s3_bucket_kms_encryption(resource)


def test_other_resources_are_not_applicable(stack: Stack) -> None:
    key = kms.Key(stack, "Key")

    assert (
        s3_bucket_kms_encryption(view(cast(CfnResource, key.node.default_child)))
        == NagRuleCompliance.NOT_APPLICABLE
    )


def test_pack_reports_the_sse_s3_bucket(stack: Stack) -> None:
    _bucket(s3.BucketEncryption.S3_MANAGED)(stack)

    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RULE}: Test/Bucket/Resource"]}


def test_pack_passes_the_kms_bucket(stack: Stack) -> None:
    # An imported key: a key created here would bring CDK's default key policy (root kms:*),
    # which Fintech-KmsKeyPolicyScoped reports.
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"
    )
    s3.Bucket(
        stack,
        "Bucket",
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        removal_policy=RemovalPolicy.RETAIN,
        enforce_ssl=True,
        minimum_tls_version=1.2,
    )

    assert violations(stack, [FintechChecks()]) == {}
