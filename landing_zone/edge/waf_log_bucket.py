"""The bucket that receives the WAF logs of one account and region: WAF writes only to a bucket
of the web ACL's own account, so each account with web ACLs keeps a WORM copy of its own."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from landing_zone.common.nag import granular_resource
from landing_zone.edge.web_acl import LOG_NAME_PREFIX, waf_log_bucket_name
from landing_zone.logging import _validation, names
from landing_zone.logging._key_policy import administered_key
from landing_zone.logging.log_buckets import (
    DEFAULT_LOG_LIFECYCLE,
    AccessLogBucket,
    LogLifecycle,
    log_bucket,
    object_lock_retention,
    owner_full_control,
)

_NOT_REPLICATED = (
    "WAF delivers only to a bucket of the web ACL's own account, and this one was built "
    "without a log archive to copy to (archive=None): it is write-once (Object Lock, deletes "
    "denied) for the PCI DSS retention, and its owner chose to keep the logs in the account."
)


@dataclass(frozen=True, kw_only=True)
class WafLogArchive:
    """Where a ``WafLogBucket`` copies its logs: the organization's log archive bucket, in
    ``region`` of ``account_id``, encrypted there with the key of ``key_alias``."""

    bucket_name: str
    account_id: str
    region: str
    key_alias: str
    replication_role_name: str
    """Name of the replication role; the log archive's bucket and key policies trust it by
    name (``names.waf_log_replication_role_name``)."""


_REPLICATION_ACKNOWLEDGMENTS = (
    Acknowledgment(id="NIST.800.53.R5-S3BucketReplicationEnabled", reason=_NOT_REPLICATED),
    Acknowledgment(id="PCI.DSS.321-S3BucketReplicationEnabled", reason=_NOT_REPLICATED),
)

ACCESS_LOG_PREFIX = "waf-access-"
"""Replaces ``aws-waf-logs-`` in the name of the bucket of the WAF bucket's access logs."""


class WafLogBucket(Construct):
    """An ``aws-waf-logs-<organization>-<account>-<region>`` bucket (``bucket``) for the web
    ACLs of this stack's account and region.

    Like the log archive: versioned, S3 Object Lock with a default retention, a policy that
    denies deleting objects and versions and allows TLS 1.2 or later only, SSE-KMS with its own
    key (``key``, rotated, retained), server access logs to a second bucket
    (``waf-access-...``), Glacier transitions, retained when the stack goes.

    Only the log delivery service writes (``delivery.logs.amazonaws.com``, which WAF uses for
    S3 destinations), for this account (``aws:SourceAccount``) and its log sources in this
    region (``aws:SourceArn``), under ``AWSLogs/<account>/``; its key policy lets that service
    encrypt with the key on the same conditions. Whether WAF's deliveries satisfy Object
    Lock's checksum requirement is *unverified* (CloudTrail's and VPC flow logs' do).

    With ``archive``, S3 replication copies every log object to the organization's log archive
    (the central record); the archive's bucket and key policies must trust the replication role
    (``LogArchive(waf_log_replication_role_prefix=...)``). *Unverified* (no AWS account):
    replication between Object Lock buckets of two accounts with SSE-KMS and an alias ARN as the
    replica key, and whether the destination also needs ``s3:PutBucketVersioning`` (AWS's
    example grants it; it is left out here).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        organization_name: str,
        object_lock_mode: s3.ObjectLockMode = s3.ObjectLockMode.COMPLIANCE,
        retention_days: int = 365,
        lifecycle: LogLifecycle = DEFAULT_LOG_LIFECYCLE,
        archive: WafLogArchive | None = None,
    ) -> None:
        """
        :param organization_name: The config's organization name, first part of the name.
        :param object_lock_mode: Default retention mode of new log objects. Default:
            COMPLIANCE.
        :param retention_days: Default retention of new log objects, at least 365 (PCI DSS
            10.5.1). Default: 365.
        :param lifecycle: Colder storage and expiration of the logs and their access logs.
        :param archive: Copy every log object to the central log archive with S3 replication
            (same keys, ``AWSLogs/<account>/WAFLogs/...``, encrypted with the archive's key,
            delete markers not replicated). Default: the logs stay in this bucket only.
        """
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        bucket_name = waf_log_bucket_name(organization_name, stack.account, stack.region)
        _validation.days("retention_days", retention_days)
        if retention_days < 365:
            raise ValueError(
                f"retention_days: got {retention_days}; allowed: at least 365 (PCI DSS 10.5.1)"
            )
        lifecycle.check_retention("WafLogBucket", retention_days)
        this_delivery = {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {
                "aws:SourceArn": f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:*"
            },
        }
        log_delivery = iam.ServicePrincipal("delivery.logs.amazonaws.com")
        self.key = administered_key(
            self,
            "Key",
            description=f"Encrypts the WAF logs of bucket {bucket_name}",
            statements=[
                iam.PolicyStatement(
                    sid="LogDeliveryEncryptsWafLogs",
                    principals=[log_delivery],
                    actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                    resources=["*"],
                    conditions=this_delivery,
                )
            ],
        )
        self.access_log_bucket = AccessLogBucket(
            self,
            "AccessLogs",
            bucket_name=ACCESS_LOG_PREFIX + bucket_name.removeprefix(LOG_NAME_PREFIX),
            minimum_retention_days=retention_days,
            lifecycle=lifecycle,
        )
        retention = object_lock_retention(object_lock_mode, retention_days)
        self.bucket = log_bucket(
            self,
            bucket_name=bucket_name,
            lifecycle=lifecycle,
            encryption_key=self.key,
            access_log_bucket=self.access_log_bucket.bucket,
            object_lock_default_retention=retention,
        )
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="LogDeliveryChecksBucket",
                principals=[log_delivery],
                actions=["s3:GetBucketAcl", "s3:ListBucket"],
                resources=[self.bucket.bucket_arn],
                conditions=this_delivery,
            )
        )
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="LogDeliveryDeliversWafLogs",
                principals=[log_delivery],
                actions=["s3:PutObject"],
                resources=[self.bucket.arn_for_objects(f"AWSLogs/{stack.account}/*")],
                conditions=owner_full_control(this_delivery),
            )
        )
        self.bucket_name = bucket_name
        self.bucket_arn = self.bucket.bucket_arn
        self.replication_role: iam.Role | None = None
        if archive is None:
            Validations.of(self.bucket).acknowledge(*_REPLICATION_ACKNOWLEDGMENTS)
        else:
            self.replication_role = self._replicate_to(archive)

    def _replicate_to(self, archive: WafLogArchive) -> iam.Role:
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
            description="Copies this account's WAF logs to the organization's log archive",
        )
        # S3 replication's documented permissions, on this bucket and the archive's WAF keys.
        policy = iam.ManagedPolicy(
            self,
            "ReplicationPolicy",
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
                    resources=[f"{destination}/{names.WAF_LOGS_KEYS}"],
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
            f"{destination}/{names.WAF_LOGS_KEYS}": "only the WAF log keys of the archive",
            f"arn:{stack.partition}:kms:{archive.region}:{archive.account_id}:key/*": (
                "a key of the archive account, whose id is not known here, only through S3 "
                "and only for objects of the archive bucket (encryption context)"
            ),
        }
        Validations.of(policy).acknowledge(
            *(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::{granular_resource(self, resource)}]",
                    reason=f"S3 replication of the WAF logs: {why}.",
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
                    id="ToLogArchive",
                    status="Enabled",
                    priority=1,
                    filter=s3.CfnBucket.ReplicationRuleFilterProperty(
                        prefix=f"AWSLogs/{stack.account}/WAFLogs/"
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
