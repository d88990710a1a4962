"""The SageMaker training role of ``TrainingData``: reads scanned training data, writes
artifacts, and nothing else of S3."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from landing_zone.ai.training_buckets import CLEAN_SCAN_STATUS
from landing_zone.common.nag import granular_resource


def training_role(
    scope: Construct,
    *,
    training_data_buckets: Mapping[str, s3.IBucket],
    artifact_buckets: Mapping[str, s3.IBucket],
    encryption_key: kms.IKey,
    role_name: str | None,
    policy_name: str | None,
) -> iam.Role:
    """The SageMaker training role ``TrainingData`` documents, with its managed policy
    ``policy_name`` and the acknowledgments of the policy's wildcards."""
    stack = Stack.of(scope)
    buckets = {**training_data_buckets, **artifact_buckets}
    training = list(training_data_buckets)
    artifacts = list(artifact_buckets)
    role = iam.Role(
        scope,
        "TrainingRole",
        role_name=role_name,
        assumed_by=iam.ServicePrincipal(
            "sagemaker.amazonaws.com",
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {
                    "aws:SourceArn": (
                        f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}:*"
                    )
                },
            },
        ),
        description="SageMaker training: reads the training data, writes the artifacts",
    )
    bucket_arns = [buckets[name].bucket_arn for name in (*training, *artifacts)]
    statements = [
        iam.PolicyStatement(
            sid="ListTrainingDataAndArtifacts",
            actions=["s3:ListBucket"],
            resources=bucket_arns,
        ),
        iam.PolicyStatement(
            sid="ReadScannedTrainingData",
            actions=["s3:GetObject"],
            resources=[buckets[name].arn_for_objects("*") for name in training],
            # Only what GuardDuty scanned and found clean; unscanned objects fail the job.
            conditions={
                "StringEquals": {
                    "s3:ExistingObjectTag/GuardDutyMalwareScanStatus": CLEAN_SCAN_STATUS
                }
            },
        ),
        *(
            [
                # A restored or uploaded checkpoint is read only once GuardDuty found it
                # clean, like training data; what training writes is scanned in turn.
                iam.PolicyStatement(
                    sid="ReadScannedArtifacts",
                    actions=["s3:GetObject"],
                    resources=[buckets[name].arn_for_objects("*") for name in artifacts],
                    conditions={
                        "StringEquals": {
                            "s3:ExistingObjectTag/GuardDutyMalwareScanStatus": (CLEAN_SCAN_STATUS)
                        }
                    },
                ),
                iam.PolicyStatement(
                    sid="WriteArtifacts",
                    actions=["s3:PutObject"],
                    resources=[buckets[name].arn_for_objects("*") for name in artifacts],
                ),
            ]
            if artifacts
            else []
        ),
        iam.PolicyStatement(
            sid="UseAiKeyThroughS3ForTheseBuckets",
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=[encryption_key.key_arn],
            conditions={
                "StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"},
                # With S3 Bucket Keys the context is the bucket's ARN, else the object's.
                "ArnLike": {
                    "kms:EncryptionContext:aws:s3:arn": [
                        arn for bucket in bucket_arns for arn in (bucket, f"{bucket}/*")
                    ]
                },
            },
        ),
        iam.PolicyStatement(
            sid="GetEcrAuthorizationToken",
            # GetAuthorizationToken has no resource type.
            actions=["ecr:GetAuthorizationToken"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="PullTrainingImagesOfThisAccount",
            actions=[
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
            resources=[_repositories(stack)],
        ),
        iam.PolicyStatement(
            sid="WriteSageMakerLogs",
            actions=[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:DescribeLogStreams",
                "logs:PutLogEvents",
            ],
            resources=[_sagemaker_logs(stack)],
        ),
        iam.PolicyStatement(
            sid="DescribeNetworkForVpcJobs",
            # The EC2 Describe actions have no resource type.
            actions=[
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
            ],
            resources=["*"],
            conditions={"StringEquals": {"aws:RequestedRegion": stack.region}},
        ),
        iam.PolicyStatement(
            sid="ManageNetworkInterfacesOfVpcJobs",
            actions=[
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
            ],
            resources=list(_network_resources(stack).values()),
        ),
    ]
    policy = iam.ManagedPolicy(
        scope,
        "TrainingPolicy",
        managed_policy_name=policy_name,
        roles=[role],
        statements=statements,
    )
    wildcards = {
        **{
            f"{buckets[name].bucket_arn}/*": (
                "SageMaker reads every object of the training-data bucket that GuardDuty "
                "found clean; object keys are chosen by the data owners"
            )
            for name in training
        },
        **{
            f"{buckets[name].bucket_arn}/*": (
                "training jobs write model artifacts and checkpoints under keys they choose"
            )
            for name in artifacts
        },
        _repositories(stack): (
            "training images come from this account's ECR repositories only; which ones "
            "is the workload's choice"
        ),
        _sagemaker_logs(stack): (
            "SageMaker names its log groups and streams after the job (/aws/sagemaker/"
            "TrainingJobs and others); only that prefix"
        ),
        **{
            arn: (
                f"SageMaker attaches network interfaces to the {kind}s a VPC-bound job names; "
                "this account and region only"
            )
            for kind, arn in _network_resources(stack).items()
        },
    }
    Validations.of(policy).acknowledge(
        *(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::{granular_resource(scope, resource)}]",
                reason=f"Training role: {why}.",
            )
            for resource, why in wildcards.items()
        ),
        Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason=(
                "ecr:GetAuthorizationToken and the EC2 Describe actions have no resource "
                "type in the Service Authorization Reference, so IAM only accepts '*'; the "
                "Describe actions are limited to this region."
            ),
        ),
    )
    return role


def _repositories(stack: Stack) -> str:
    return f"arn:{stack.partition}:ecr:{stack.region}:{stack.account}:repository/*"


def _sagemaker_logs(stack: Stack) -> str:
    return f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:/aws/sagemaker/*"


def _network_resources(stack: Stack) -> dict[str, str]:
    prefix = f"arn:{stack.partition}:ec2:{stack.region}:{stack.account}"
    return {
        kind: f"{prefix}:{kind}/*" for kind in ("network-interface", "security-group", "subnet")
    }
