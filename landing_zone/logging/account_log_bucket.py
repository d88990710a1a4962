"""A write-once log bucket of one account and region for a service that can only deliver to
its own account (WAF, Bedrock model invocation logging), copied to the organization's log
archive by S3 replication."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from landing_zone.common.key_policy import administered_key
from landing_zone.common.nag import granular_resource
from landing_zone.common.protection import DEFAULT_LANDING_ZONE_PRINCIPALS
from landing_zone.logging import _validation
from landing_zone.logging.log_buckets import (
    DEFAULT_LOG_LIFECYCLE,
    AccessLogBucket,
    LogLifecycle,
    log_bucket,
    object_lock_retention,
    owner_full_control,
)


@dataclass(frozen=True, kw_only=True)
class LogArchiveCopy:
    """Where an ``AccountLogBucket`` copies its logs: the organization's log archive bucket, in
    ``region`` of ``account_id``, encrypted there with the key of ``key_alias``."""

    bucket_name: str
    account_id: str
    region: str
    key_alias: str
    replication_role_name: str
    """Name of the replication role; the log archive's bucket and key policies trust it by
    name (``names.log_replication_role_arns``)."""


@dataclass(frozen=True, kw_only=True)
class LogWriter:
    """The AWS service that delivers the logs, and where they go."""

    what: str
    """The logs, for descriptions and reasons (``WAF logs``)."""
    service: str
    """Its service principal (``delivery.logs.amazonaws.com``)."""
    source_arn: str
    """``aws:SourceArn`` pattern of its deliveries for this account and region."""
    object_keys: str
    """Keys it may write (``AWSLogs/<account>/*``)."""
    replicated_prefix: str
    """Key prefix that replication copies to the archive."""
    archive_keys: str
    """Keys of these logs in the archive that the replication role may write."""
    key_sid: str
    deliver_sid: str
    check_bucket_sid: str | None = None
    """With a sid, the service may also read the bucket's ACL and list it (log delivery does,
    to avoid AccessDenied noise). Default: no."""
    sends_owner_acl: bool = False
    """Whether deliveries carry the ``bucket-owner-full-control`` ACL (log delivery does)."""


REPLICATION_RULE_ID = "ToLogArchive"
"""Id of the replication rule, a dimension of its CloudWatch metrics."""

_NOT_REPLICATED = (
    "The service delivers only to a bucket of its own account, and this one was built without "
    "a log archive to copy to (archive=None): it is write-once (Object Lock, deletes denied) "
    "for the PCI DSS retention, and its owner chose to keep the logs in the account."
)
_REPLICATION_ACKNOWLEDGMENTS = (
    Acknowledgment(id="NIST.800.53.R5-S3BucketReplicationEnabled", reason=_NOT_REPLICATED),
    Acknowledgment(id="PCI.DSS.321-S3BucketReplicationEnabled", reason=_NOT_REPLICATED),
)


class AccountLogBucket(Construct):
    """A log bucket (``bucket``) that only ``writer`` writes to, kept like the log archive:
    versioned, S3 Object Lock with a default retention, a policy that denies deleting objects
    and versions and allows TLS 1.2 or later only, SSE-KMS with its own key (``key``, rotated,
    retained), server access logs to a second bucket, Glacier transitions, retained when the
    stack goes.

    The writer delivers for this account (``aws:SourceAccount``) and its ``source_arn`` only,
    under ``object_keys``; the key policy lets it encrypt on the same conditions.

    Nobody but ``landing_zone_principals`` may change the buckets' configuration (replication
    to the archive, lifecycle, Object Lock, policy, versioning, encryption...), the log
    objects' retention or the key (``protection``): an administrator of the account could
    otherwise stop the copy to the archive without tripping the replication alarm, or expire
    the logs. The account's deployer (the StackSets execution role) must match one of them.

    With ``archive``, S3 replication copies ``replicated_prefix`` to the organization's log
    archive (same keys, encrypted with the archive's key, delete markers not replicated, with
    replication metrics); the archive's bucket and key policies must trust the replication role
    (``LogArchive``). *Unverified* (no AWS account): service deliveries into Object Lock
    buckets, replication between Object Lock buckets of two accounts with SSE-KMS and an alias
    ARN as the replica key, and whether the destination also needs ``s3:PutBucketVersioning``
    (AWS's example grants it; it is left out here).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket_name: str,
        access_log_bucket_name: str,
        writer: LogWriter,
        object_lock_mode: s3.ObjectLockMode = s3.ObjectLockMode.COMPLIANCE,
        retention_days: int = 365,
        lifecycle: LogLifecycle = DEFAULT_LOG_LIFECYCLE,
        archive: LogArchiveCopy | None = None,
        landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
    ) -> None:
        """
        :param bucket_name: Name of the log bucket.
        :param access_log_bucket_name: Name of the bucket of its server access logs.
        :param writer: The delivering service and its keys.
        :param object_lock_mode: Default retention mode of new log objects. Default:
            COMPLIANCE.
        :param retention_days: Default retention of new log objects, at least 365 (PCI DSS
            10.5.1). Default: 365.
        :param lifecycle: Colder storage and expiration of the logs and their access logs.
        :param archive: Copy the logs to the central log archive. Default: the logs stay in this
            bucket only.
        :param landing_zone_principals: Role ARN patterns (``aws:PrincipalArn``) that may still
            change the buckets and the key. Default: ``DEFAULT_LANDING_ZONE_PRINCIPALS``; pass
            ``GuardrailParameters.landing_zone_role_arns`` of the config.
        """
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        _validation.days("retention_days", retention_days)
        if retention_days < 365:
            raise ValueError(
                f"retention_days: got {retention_days}; allowed: at least 365 (PCI DSS 10.5.1)"
            )
        lifecycle.check_retention(type(self).__name__, retention_days)
        this_delivery = {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {"aws:SourceArn": writer.source_arn},
        }
        delivery = iam.ServicePrincipal(writer.service)
        self.key = administered_key(
            self,
            "Key",
            description=f"Encrypts the {writer.what} of bucket {bucket_name}",
            statements=[
                iam.PolicyStatement(
                    sid=writer.key_sid,
                    principals=[delivery],
                    actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                    resources=["*"],
                    conditions=this_delivery,
                )
            ],
            landing_zone_principals=landing_zone_principals,
        )
        self.access_log_bucket = AccessLogBucket(
            self,
            "AccessLogs",
            bucket_name=access_log_bucket_name,
            minimum_retention_days=retention_days,
            lifecycle=lifecycle,
            landing_zone_principals=landing_zone_principals,
        )
        self.bucket = log_bucket(
            self,
            bucket_name=bucket_name,
            lifecycle=lifecycle,
            encryption_key=self.key,
            access_log_bucket=self.access_log_bucket.bucket,
            object_lock_default_retention=object_lock_retention(object_lock_mode, retention_days),
            landing_zone_principals=landing_zone_principals,
        )
        if writer.check_bucket_sid is not None:
            self.bucket.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=writer.check_bucket_sid,
                    principals=[delivery],
                    actions=["s3:GetBucketAcl", "s3:ListBucket"],
                    resources=[self.bucket.bucket_arn],
                    conditions=this_delivery,
                )
            )
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid=writer.deliver_sid,
                principals=[delivery],
                actions=["s3:PutObject"],
                resources=[self.bucket.arn_for_objects(writer.object_keys)],
                conditions=(
                    owner_full_control(this_delivery) if writer.sends_owner_acl else this_delivery
                ),
            )
        )
        self.bucket_name = bucket_name
        self.bucket_arn = self.bucket.bucket_arn
        self.archive = archive
        self.writer_what = writer.what
        self.replication_role: iam.Role | None = None
        if archive is None:
            Validations.of(self.bucket).acknowledge(*_REPLICATION_ACKNOWLEDGMENTS)
        else:
            self.replication_role = self._replicate_to(archive, writer)

    def alarm_on_replication_failures(
        self, construct_id: str, *, topic: sns.ITopic
    ) -> cloudwatch.Alarm:
        """An alarm, to ``topic``, when any log object fails to replicate to the log archive
        in five minutes (S3's ``OperationsFailedReplication`` replication metric): the
        archive's copy is the one account admins cannot touch, so a gap in it is an incident.
        Named after the replication role (``<role name>-failures``: under the protected prefix,
        and the role name holds the region). Needs ``archive``."""
        if self.archive is None:
            raise ValueError(
                f"{self.node.path}: built without an archive, so nothing replicates; allowed: "
                "an AccountLogBucket with archive"
            )
        metric = cloudwatch.Metric(
            namespace="AWS/S3",
            metric_name="OperationsFailedReplication",
            dimensions_map={
                "SourceBucket": self.bucket.bucket_name,
                "DestinationBucket": self.archive.bucket_name,
                "RuleId": REPLICATION_RULE_ID,
            },
            statistic="Sum",
            period=Duration.minutes(5),
        )
        alarm = metric.create_alarm(
            self,
            construct_id,
            alarm_name=f"{self.archive.replication_role_name}-failures",
            alarm_description=(
                f"{self.writer_what} failed to replicate to the log archive: the write-once "
                "copy account admins cannot reach has a gap. Check the replication role, the "
                "archive's bucket and key policies, and S3 Batch Replication for the objects."
            ),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        action = cloudwatch_actions.SnsAction(topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        return alarm

    def _replicate_to(self, archive: LogArchiveCopy, writer: LogWriter) -> iam.Role:
        """The replication role and rule that copy every new log object to ``archive``."""
        stack = Stack.of(self)
        destination = f"arn:{stack.partition}:s3:::{archive.bucket_name}"
        # By name, not by reference: the bucket waits for this policy (below).
        source = f"arn:{stack.partition}:s3:::{self.bucket_name}"
        role = iam.Role(
            self,
            "ReplicationRole",
            role_name=archive.replication_role_name,
            assumed_by=iam.ServicePrincipal("s3.amazonaws.com"),
            description=f"Copies this account's {writer.what} to the organization's log archive",
        )
        # S3 replication's documented permissions, on this bucket and the archive's keys of
        # these logs.
        policy = iam.ManagedPolicy(
            self,
            "ReplicationPolicy",
            # Under the protected prefix like its role: a generated name would escape the
            # guardrails that keep account admins from adding versions to the role's policies.
            managed_policy_name=archive.replication_role_name,
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    sid="ReadReplicationConfiguration",
                    actions=["s3:GetReplicationConfiguration", "s3:ListBucket"],
                    resources=[source],
                ),
                iam.PolicyStatement(
                    sid="ReadLogVersions",
                    actions=[
                        "s3:GetObjectLegalHold",
                        "s3:GetObjectRetention",
                        "s3:GetObjectVersionAcl",
                        "s3:GetObjectVersionForReplication",
                        "s3:GetObjectVersionTagging",
                    ],
                    resources=[f"{source}/*"],
                ),
                iam.PolicyStatement(
                    sid="ReplicateToLogArchive",
                    actions=["s3:ReplicateObject", "s3:ReplicateTags"],
                    resources=[f"{destination}/{writer.archive_keys}"],
                ),
                iam.PolicyStatement(
                    sid="DecryptLogsThroughS3",
                    actions=["kms:Decrypt"],
                    resources=[self.key.key_arn],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}
                    },
                ),
                iam.PolicyStatement(
                    sid="EncryptReplicasWithTheArchiveKey",
                    actions=["kms:Encrypt", "kms:GenerateDataKey"],
                    resources=[
                        f"arn:{stack.partition}:kms:{archive.region}:{archive.account_id}:key/*"
                    ],
                    # The key's id is not known here: S3 names the archive bucket in the
                    # encryption context (bucket keys: the bucket's ARN).
                    conditions={
                        "StringEquals": {"kms:ViaService": f"s3.{archive.region}.amazonaws.com"},
                        "StringLike": {
                            "kms:EncryptionContext:aws:s3:arn": [destination, f"{destination}/*"]
                        },
                    },
                ),
            ],
        )
        # The key gives use to no one by default (administration only): the role decrypts
        # the logs it copies, through S3 only.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="ReplicationDecryptsLogs",
                principals=[iam.ArnPrincipal(role.role_arn)],
                actions=["kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
            )
        )
        wildcards = {
            f"{source}/*": "every version of this log bucket is replicated",
            f"{destination}/{writer.archive_keys}": (
                f"only the keys of the {writer.what} in the archive"
            ),
            f"arn:{stack.partition}:kms:{archive.region}:{archive.account_id}:key/*": (
                "a key of the archive account, whose id is not known here, only through S3 "
                "and only for objects of the archive bucket (encryption context)"
            ),
        }
        Validations.of(policy).acknowledge(
            *(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::{granular_resource(self, resource)}]",
                    reason=f"S3 replication of the {writer.what}: {why}.",
                )
                for resource, why in wildcards.items()
            )
        )
        bucket = self.bucket.node.default_child
        assert isinstance(bucket, s3.CfnBucket)
        bucket.replication_configuration = s3.CfnBucket.ReplicationConfigurationProperty(
            role=role.role_arn,
            rules=[
                s3.CfnBucket.ReplicationRuleProperty(
                    id=REPLICATION_RULE_ID,
                    status="Enabled",
                    priority=1,
                    filter=s3.CfnBucket.ReplicationRuleFilterProperty(
                        prefix=writer.replicated_prefix
                    ),
                    delete_marker_replication=s3.CfnBucket.DeleteMarkerReplicationProperty(
                        status="Disabled"
                    ),
                    source_selection_criteria=s3.CfnBucket.SourceSelectionCriteriaProperty(
                        sse_kms_encrypted_objects=s3.CfnBucket.SseKmsEncryptedObjectsProperty(
                            status="Enabled"
                        )
                    ),
                    destination=s3.CfnBucket.ReplicationDestinationProperty(
                        bucket=destination,
                        account=archive.account_id,
                        # CloudWatch metrics of pending and failed replication.
                        metrics=s3.CfnBucket.MetricsProperty(status="Enabled"),
                        encryption_configuration=s3.CfnBucket.EncryptionConfigurationProperty(
                            replica_kms_key_id=(
                                f"arn:{stack.partition}:kms:{archive.region}:"
                                f"{archive.account_id}:{archive.key_alias}"
                            )
                        ),
                    ),
                )
            ],
        )
        # The role's permissions must be in place before S3 checks the configuration.
        bucket.node.add_dependency(policy)
        return role
