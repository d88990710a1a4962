"""Bedrock model invocation logging: every prompt and response of the account and region,
recorded with timestamps in a KMS-encrypted log group and a write-once bucket that replicates to
the organization's log archive."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common import AwsSdkCallHandler
from landing_zone.edge.web_acl import account_log_bucket_name
from landing_zone.keys.key_input import KeyInput, as_key
from landing_zone.logging import names
from landing_zone.logging._validation import finite_retention
from landing_zone.logging.account_log_bucket import AccountLogBucket, LogArchiveCopy, LogWriter
from landing_zone.logging.log_buckets import DEFAULT_LOG_LIFECYCLE, LogLifecycle

BUCKET_PREFIX = "bedrock-logs-"
ACCESS_LOG_PREFIX = "bedrock-access-"
KEY_PREFIX = names.BEDROCK_PREFIX
"""Bedrock writes under ``<key prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/``: the
same keys as the log archive's ``bedrock/`` folder, where replication copies them."""


class ModelInvocationLogging(Construct):
    """Turns on Bedrock model invocation logging for this stack's account and region
    (``PutModelInvocationLoggingConfiguration``, which CloudFormation lacks, through the stack's
    ``AwsSdkCallHandler``): text, image, embedding and video data of every request and response.

    - CloudWatch Logs: ``log_group`` (KMS with ``log_key``, ``retention``, retained), written by
      ``delivery_role``, which only Bedrock of this account and region may assume.
    - S3: ``bucket``, an ``AccountLogBucket`` ``bedrock-logs-<organization>-<account>-<region>``
      (Bedrock delivers only to a bucket of its own account and region) that only Bedrock of
      this account and region writes to, write-once, copied to the log archive with
      ``archive``.

    The configuration is set on create and update; deleting the stack leaves logging on (the
    account keeps its record). ``protect-bedrock-controls`` keeps others from changing it.
    *Unverified* (no AWS account): that the Lambda runtime's SDK has the Bedrock client
    (``install_latest_aws_sdk`` is off), and that Bedrock's delivery satisfies Object Lock's
    checksum requirement.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        organization_name: str,
        log_key: KeyInput,
        retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        object_lock_mode: s3.ObjectLockMode = s3.ObjectLockMode.COMPLIANCE,
        retention_days: int = 365,
        lifecycle: LogLifecycle = DEFAULT_LOG_LIFECYCLE,
        archive: LogArchiveCopy | None = None,
        name_prefix: str | None = None,
    ) -> None:
        """
        :param organization_name: The config's organization name, first part of the bucket's.
        :param log_key: Encrypts the log group; its policy must let CloudWatch Logs use it (the
            ``logs`` data class key does). A ``kms.IKey`` or the ``DataClassKey`` itself.
        :param retention: Retention of the log group; never ``INFINITE``. Default: one year.
        :param object_lock_mode: Object Lock mode of the bucket. Default: COMPLIANCE.
        :param retention_days: Object Lock retention of the bucket, at least 365. Default: 365.
        :param lifecycle: Colder storage of the bucket's logs.
        :param archive: Copy the bucket's logs to the log archive. Default: they stay here.
        :param name_prefix: The guardrails' protected prefix: the log group is then
            ``<prefix>bedrock-model-invocations`` and the delivery role and its policy
            ``<prefix>bedrock-invocation-logs-<region>`` (IAM names are per account), which
            nobody but the landing zone may change. Default: names CloudFormation generates.
            Naming a deployed log group creates a new one; the old one is retained.
        """
        super().__init__(scope, construct_id)
        log_key = as_key("log_key", log_key)
        finite_retention(
            "retention",
            retention,
            "prompts and responses may hold personal data, kept no longer than needed",
        )
        stack = Stack.of(self)
        this_bedrock = f"arn:{stack.partition}:bedrock:{stack.region}:{stack.account}:*"
        delivery_name = (
            None if name_prefix is None else f"{name_prefix}bedrock-invocation-logs-{stack.region}"
        )
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=None
            if name_prefix is None
            else f"{name_prefix}bedrock-model-invocations",
            encryption_key=log_key,
            retention=retention,
            removal_policy=RemovalPolicy.RETAIN,
        )
        """The log group Bedrock writes invocation logs to."""
        self.delivery_role = iam.Role(
            self,
            "DeliveryRole",
            assumed_by=iam.ServicePrincipal(
                "bedrock.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": this_bedrock},
                },
            ),
            description="Lets Bedrock write model invocation logs to their log group",
            role_name=delivery_name,
        )
        """The role Bedrock writes to ``log_group`` with."""
        self.delivery_policy = iam.ManagedPolicy(
            self,
            "DeliveryPolicy",
            managed_policy_name=delivery_name,
            roles=[self.delivery_role],
            statements=[
                iam.PolicyStatement(
                    sid="WriteInvocationLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_group.log_group_arn],
                )
            ],
        )
        """The delivery role's managed policy."""
        bucket_name = account_log_bucket_name(
            BUCKET_PREFIX, organization_name, stack.account, stack.region
        )
        self.bucket = AccountLogBucket(
            self,
            "Logs",
            bucket_name=bucket_name,
            access_log_bucket_name=ACCESS_LOG_PREFIX + bucket_name.removeprefix(BUCKET_PREFIX),
            writer=LogWriter(
                what="Bedrock model invocation logs",
                service="bedrock.amazonaws.com",
                source_arn=this_bedrock,
                object_keys=f"{KEY_PREFIX}/AWSLogs/{stack.account}/BedrockModelInvocationLogs/*",
                replicated_prefix=f"{KEY_PREFIX}/AWSLogs/{stack.account}/",
                archive_keys=f"{KEY_PREFIX}/AWSLogs/*",
                key_sid="BedrockEncryptsInvocationLogs",
                deliver_sid="BedrockDeliversInvocationLogs",
            ),
            object_lock_mode=object_lock_mode,
            retention_days=retention_days,
            lifecycle=lifecycle,
            archive=archive,
        )
        """The Object Lock ``AccountLogBucket`` of the invocation logs (large payloads included)."""
        handler = AwsSdkCallHandler.of(self)
        self.configuration = handler.sdk_call(
            self,
            "Configuration",
            on_update=cr.AwsSdkCall(
                service="Bedrock",
                action="putModelInvocationLoggingConfiguration",
                parameters={
                    "loggingConfig": {
                        "cloudWatchConfig": {
                            "logGroupName": self.log_group.log_group_name,
                            "roleArn": self.delivery_role.role_arn,
                        },
                        "s3Config": {"bucketName": bucket_name, "keyPrefix": KEY_PREFIX},
                        "textDataDeliveryEnabled": True,
                        "imageDataDeliveryEnabled": True,
                        "embeddingDataDeliveryEnabled": True,
                        "videoDataDeliveryEnabled": True,
                    }
                },
                physical_resource_id=cr.PhysicalResourceId.of("model-invocation-logging"),
            ),
            statements=[
                # The action has no resource type: IAM takes only "*".
                iam.PolicyStatement(
                    sid="PutModelInvocationLogging",
                    actions=["bedrock:PutModelInvocationLoggingConfiguration"],
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="PassInvocationLogDeliveryRole",
                    actions=["iam:PassRole"],
                    resources=[self.delivery_role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
                ),
            ],
            acknowledge_wildcard_resource=True,
        )
        """The custom resource that turns on model invocation logging
        (``PutModelInvocationLoggingConfiguration``)."""
        # Bedrock checks both destinations when the configuration is set: the delivery role
        # must already hold its policy (also when a rename replaces both on an update).
        policy = self.bucket.bucket.policy
        assert policy is not None
        for dependency in (self.log_group, self.delivery_role, self.delivery_policy, policy):
            self.configuration.node.add_dependency(dependency)
