"""The bucket that receives the WAF logs of one account and region: WAF writes only to a bucket
of the web ACL's own account, so each account with web ACLs keeps a WORM copy of its own."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from landing_zone.edge.web_acl import LOG_NAME_PREFIX, waf_log_bucket_name
from landing_zone.logging import _validation
from landing_zone.logging._key_policy import administered_key
from landing_zone.logging.log_buckets import (
    DEFAULT_LOG_LIFECYCLE,
    AccessLogBucket,
    LogLifecycle,
    log_bucket,
    owner_full_control,
)

_NOT_REPLICATED = (
    "WAF delivers only to a bucket of the web ACL's own account, so this bucket, not the "
    "central log archive, is where the account's WAF logs are first written. It is write-once "
    "(Object Lock, deletes denied) for the PCI DSS retention. Copying it to the log archive "
    "or another region (S3 replication) is not configured yet; see the README's open items."
)
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
    ) -> None:
        """
        :param organization_name: The config's organization name, first part of the name.
        :param object_lock_mode: Default retention mode of new log objects. Default:
            COMPLIANCE.
        :param retention_days: Default retention of new log objects, at least 365 (PCI DSS
            10.5.1). Default: 365.
        :param lifecycle: Colder storage and expiration of the logs and their access logs.
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
        retention = (
            s3.ObjectLockRetention.compliance(Duration.days(retention_days))
            if object_lock_mode == s3.ObjectLockMode.COMPLIANCE
            else s3.ObjectLockRetention.governance(Duration.days(retention_days))
        )
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
        Validations.of(self.bucket).acknowledge(*_REPLICATION_ACKNOWLEDGMENTS)
        self.bucket_name = bucket_name
        self.bucket_arn = self.bucket.bucket_arn
