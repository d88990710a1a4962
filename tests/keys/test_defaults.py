"""The default encryption helpers: each L2 construct built with a helper's props encrypts with the
customer managed key, never an AWS owned or AWS managed one."""

from __future__ import annotations

from aws_cdk import App, Environment, RemovalPolicy, Size, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template
from conftest import cdk_context

from landing_zone.compliance import violations
from landing_zone.keys import DataClassKey, defaults

KEY_ARN = {"Fn::GetAtt": ["KeyE447D366", "Arn"]}


def _stack_with_key(services: list[str]) -> tuple[Stack, DataClassKey]:
    stack = Stack(
        App(context=cdk_context()),
        "Encrypted",
        env=Environment(account="222222222222", region="eu-west-1"),
    )
    return stack, DataClassKey(
        stack, "Key", data_class="data", alias_prefix="acme", services=services
    )


def test_bucket_uses_the_key_with_a_bucket_key_and_requires_tls_1_2() -> None:
    stack, key = _stack_with_key(["s3"])
    s3.Bucket(stack, "Bucket", **defaults.bucket_encryption(key.key))
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "BucketKeyEnabled": True,
                        "ServerSideEncryptionByDefault": {
                            "KMSMasterKeyID": KEY_ARN,
                            "SSEAlgorithm": "aws:kms",
                        },
                    }
                ]
            }
        },
    )
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ),
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}},
                            }
                        ),
                    ]
                )
            }
        },
    )


def test_log_group_uses_the_key_and_passes_the_compliance_packs() -> None:
    stack, key = _stack_with_key(["logs"])
    logs.LogGroup(
        stack,
        "Logs",
        retention=logs.RetentionDays.ONE_YEAR,
        removal_policy=RemovalPolicy.RETAIN,
        **defaults.log_group_encryption(key.key),
    )
    Template.from_stack(stack).has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": KEY_ARN})
    assert violations(stack) == {}


def test_topic_uses_the_key_requires_tls_and_passes_the_compliance_packs() -> None:
    stack, key = _stack_with_key(["sns"])
    sns.Topic(stack, "Topic", **defaults.topic_encryption(key.key))
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": KEY_ARN})
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )
    assert violations(stack) == {}


def test_queue_uses_the_key_and_requires_tls() -> None:
    stack, key = _stack_with_key(["sqs"])
    sqs.Queue(stack, "Queue", **defaults.queue_encryption(key.key))
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::SQS::Queue", {"KmsMasterKeyId": KEY_ARN})
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Effect": "Deny",
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    )
                ]
            }
        },
    )


def test_table_uses_the_customer_managed_key() -> None:
    stack, key = _stack_with_key(["dynamodb"])
    dynamodb.Table(
        stack,
        "Table",
        partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        **defaults.table_encryption(key.key),
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::DynamoDB::Table",
        {"SSESpecification": {"KMSMasterKeyId": KEY_ARN, "SSEEnabled": True, "SSEType": "KMS"}},
    )


def test_volume_is_encrypted_with_the_key() -> None:
    stack, key = _stack_with_key(["ec2"])
    ec2.Volume(
        stack,
        "Volume",
        availability_zone="eu-west-1a",
        size=Size.gibibytes(10),
        **defaults.volume_encryption(key.key),
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::EC2::Volume", {"Encrypted": True, "KmsKeyId": KEY_ARN}
    )


def test_database_storage_is_encrypted_with_the_key() -> None:
    stack, key = _stack_with_key(["rds"])
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
    rds.DatabaseInstance(
        stack,
        "Database",
        engine=rds.DatabaseInstanceEngine.POSTGRES,
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        **defaults.rds_encryption(key.key),
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::RDS::DBInstance", {"StorageEncrypted": True, "KmsKeyId": KEY_ARN}
    )


def test_secret_is_encrypted_with_the_key() -> None:
    stack, key = _stack_with_key(["secretsmanager"])
    secretsmanager.Secret(stack, "Secret", **defaults.secret_encryption(key.key))
    Template.from_stack(stack).has_resource_properties(
        "AWS::SecretsManager::Secret", {"KmsKeyId": KEY_ARN}
    )


def test_sagemaker_notebook_volume_is_encrypted_with_the_key() -> None:
    stack, key = _stack_with_key(["sagemaker"])
    sagemaker.CfnNotebookInstance(
        stack,
        "Notebook",
        instance_type="ml.t3.medium",
        role_arn="arn:aws:iam::222222222222:role/Notebook",
        kms_key_id=defaults.sagemaker_kms_key_id(key.key),
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::NotebookInstance", {"KmsKeyId": KEY_ARN}
    )
