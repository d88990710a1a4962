"""The log archive's buckets: the WORM log bucket, the Config bucket and the access-log bucket.

All three are versioned, TLS 1.2+ only, never public (Block Public Access, ACLs disabled),
retained when their stack is deleted, and their policies deny deleting objects, object versions
and the bucket itself to everyone, and changing the bucket's configuration (policy, lifecycle,
Object Lock, replication, versioning, encryption...) to everyone but the landing zone's own
principals (``protection``). Lifecycle rules move logs to colder storage; S3 runs them itself,
outside the bucket policy, and never removes a version that Object Lock still retains, which is
why nobody else may change them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.protection import (
    DEFAULT_LANDING_ZONE_PRINCIPALS,
    check_principals,
    deny_bucket_configuration,
)
from landing_zone.common.tokens import is_unresolved
from landing_zone.logging import _validation, names


@dataclass(frozen=True, kw_only=True)
class LogLifecycle:
    """When log objects move to colder storage, and whether they ever expire.

    Noncurrent versions (an overwritten log's original) follow the same transitions. Expiring
    anything before the bucket's retention is rejected by the bucket that uses the lifecycle.
    """

    glacier_instant_retrieval_after_days: int | None = 90
    """Days after creation to move objects to S3 Glacier Instant Retrieval, still readable in
    milliseconds for investigations. Default: 90. None: never."""

    deep_archive_after_days: int | None = 365
    """Days after creation to move objects to S3 Glacier Deep Archive (restores take hours).
    Default: 365, once the first year that PCI DSS 10.5.1 wants at hand has passed. None: never.
    Must be later than the Glacier Instant Retrieval transition."""

    expiration_days: int | None = None
    """Days after creation to expire (delete) objects. Default: never, logs are kept."""

    noncurrent_version_expiration_days: int | None = None
    """Days after an object version becomes noncurrent to delete it. Default: never, so the
    original of an overwritten log stays as evidence."""

    def __post_init__(self) -> None:
        transitions = {
            "glacier_instant_retrieval_after_days": self.glacier_instant_retrieval_after_days,
            "deep_archive_after_days": self.deep_archive_after_days,
        }
        for prop, value in {
            **transitions,
            "expiration_days": self.expiration_days,
            "noncurrent_version_expiration_days": self.noncurrent_version_expiration_days,
        }.items():
            if value is not None:
                _validation.days(prop, value)
        instant, deep = self.glacier_instant_retrieval_after_days, self.deep_archive_after_days
        if instant is not None and deep is not None and deep <= instant:
            raise ValueError(
                f"deep_archive_after_days: got {deep}; allowed: more than "
                f"glacier_instant_retrieval_after_days ({instant}), or None"
            )
        if self.expiration_days is not None:
            for prop, value in transitions.items():
                if value is not None and self.expiration_days <= value:
                    raise ValueError(
                        f"expiration_days: got {self.expiration_days}; allowed: more than "
                        f"{prop} ({value}), or None"
                    )

    def check_retention(self, owner: str, retention_days: int) -> None:
        """Reject expirations that would delete logs before ``retention_days``."""
        for prop, value in (
            ("expiration_days", self.expiration_days),
            ("noncurrent_version_expiration_days", self.noncurrent_version_expiration_days),
        ):
            if value is not None and value < retention_days:
                raise ValueError(
                    f"{owner}: lifecycle.{prop} is {value} days, below the retention of "
                    f"{retention_days} days; allowed: at least {retention_days}, or None"
                )

    def rules(self) -> list[s3.LifecycleRule]:
        transitions = self._transitions()
        return [
            s3.LifecycleRule(
                id="ColderStorage",
                transitions=[
                    s3.Transition(storage_class=storage, transition_after=Duration.days(days))
                    for storage, days in transitions
                ],
                noncurrent_version_transitions=[
                    s3.NoncurrentVersionTransition(
                        storage_class=storage, transition_after=Duration.days(days)
                    )
                    for storage, days in transitions
                ],
                expiration=_days(self.expiration_days),
                noncurrent_version_expiration=_days(self.noncurrent_version_expiration_days),
                # Parts of an upload that never completed are no log; they only cost money.
                abort_incomplete_multipart_upload_after=Duration.days(7),
            )
        ]

    def _transitions(self) -> list[tuple[s3.StorageClass, int]]:
        return [
            (storage, days)
            for storage, days in (
                (
                    s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                    self.glacier_instant_retrieval_after_days,
                ),
                (s3.StorageClass.DEEP_ARCHIVE, self.deep_archive_after_days),
            )
            if days is not None
        ]


@dataclass(frozen=True, kw_only=True)
class ResponseEvidence:
    """Who writes and who reads incident-response evidence in the log bucket.

    Writers are the response workflows' execution roles of the security-tooling account (exact
    ARNs, ``aws:PrincipalArn``), each record under ``<prefix>/``; readers are principals of the
    log-archive account (ARN patterns, such as the auditors' Identity Center role), which read
    that prefix without any IAM permission of their own. Records stay under the bucket's Object
    Lock retention and its deny of every delete like any log.
    """

    writer_role_arns: Sequence[str]
    """Execution role ARNs (``landing_zone.response.execution_role_arns``)."""
    reader_role_arns: Sequence[str] = ()
    """Role ARN patterns of the log-archive account that may read the records. Default: none
    (principals whose IAM policies allow it read them like any log)."""
    prefix: str = names.RESPONSE_PREFIX
    """Key prefix of the records. Default: ``incident-response``."""

    def __post_init__(self) -> None:
        if isinstance(self.writer_role_arns, str) or isinstance(self.reader_role_arns, str):
            raise TypeError("writer_role_arns and reader_role_arns: expected lists of role ARNs")
        if not self.writer_role_arns:
            raise ValueError("writer_role_arns: got none; allowed: the execution role ARNs")
        for value in [*self.writer_role_arns, *self.reader_role_arns]:
            if not is_unresolved(value) and not value.startswith("arn:"):
                raise ValueError(f"ResponseEvidence: {value!r} is not a role ARN (pattern)")
        if not is_unresolved(self.prefix) and not _PREFIX.fullmatch(self.prefix):
            raise ValueError(
                f"prefix: got {self.prefix!r}; allowed: letters, digits, '-', '_' or '/' "
                "without a leading or trailing '/'"
            )


_PREFIX = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")


DEFAULT_LOG_LIFECYCLE = LogLifecycle()
"""Glacier Instant Retrieval after 90 days, Deep Archive after 365, never expire."""


def _days(days: int | None) -> Duration | None:
    return None if days is None else Duration.days(days)


_NOT_REPLICATED = (
    "A log bucket of the landing zone is the system of record of its logs in its region; "
    "integrity and retention come from versioning, a bucket policy that denies every delete "
    "and (except for access log destinations, which S3 forbids) S3 Object Lock. A cross-region "
    "copy needs a destination bucket in a stack of another region, which this stack cannot "
    "create; add replication where the disaster recovery plan asks for a regional copy."
)
REPLICATION_ACKNOWLEDGMENTS = (
    Acknowledgment(id="NIST.800.53.R5-S3BucketReplicationEnabled", reason=_NOT_REPLICATED),
    Acknowledgment(id="PCI.DSS.321-S3BucketReplicationEnabled", reason=_NOT_REPLICATED),
)


class AccessLogBucket(Construct):
    """The destination of the S3 server access logs of the log archive's buckets.

    S3 requires of a server access log destination what the other log buckets must not do:
    its default encryption can only be SSE-S3 (SSE-KMS is not supported), and a bucket with
    Object Lock cannot be a destination. So this bucket uses SSE-S3 and has no Object Lock;
    its policy denies every delete instead, and access logs are versioned, TLS-only, private
    and retained like the rest of the archive.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket_name: str,
        minimum_retention_days: int = 365,
        lifecycle: LogLifecycle = DEFAULT_LOG_LIFECYCLE,
        landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
    ) -> None:
        """
        :param bucket_name: Name of the bucket; see ``names.access_log_bucket_name``.
        :param minimum_retention_days: Floor for the lifecycle's expirations. Default: 365,
            PCI DSS 10.5.1 keeps audit logs for twelve months.
        :param lifecycle: Colder storage and expiration. Default: Glacier Instant Retrieval
            after 90 days, Deep Archive after 365, never expire.
        :param landing_zone_principals: Role ARN patterns (``aws:PrincipalArn``) that may still
            change the bucket's configuration; CloudFormation's execution role must match one.
            Default: ``DEFAULT_LANDING_ZONE_PRINCIPALS``; pass
            ``GuardrailParameters.landing_zone_role_arns`` of the config.
        """
        super().__init__(scope, construct_id)
        _validation.bucket_name("bucket_name", bucket_name)
        _validation.days("minimum_retention_days", minimum_retention_days)
        lifecycle.check_retention("AccessLogBucket", minimum_retention_days)
        self.bucket = log_bucket(
            self,
            bucket_name=bucket_name,
            lifecycle=lifecycle,
            landing_zone_principals=landing_zone_principals,
        )
        Validations.of(self.bucket).acknowledge(*_ACCESS_LOG_ACKNOWLEDGMENTS)


_IS_ACCESS_LOG_DESTINATION = (
    "This bucket is a server access log destination of log buckets; logging it into "
    "itself would write a log record for each log record, and into another bucket would only "
    "move the question. Writes to it come from the S3 logging service alone, and CloudTrail "
    "management events record every change to it."
)
_SSE_S3_REQUIRED = (
    "S3 server access log delivery supports only SSE-S3 default encryption on the destination "
    "bucket, not SSE-KMS. The logs hold request metadata of log buckets, no customer data; "
    "access is limited by the bucket policy (TLS-only, deletes denied) and Block Public Access."
)
_ACCESS_LOG_ACKNOWLEDGMENTS = (
    Acknowledgment(id="AwsSolutions-S1", reason=_IS_ACCESS_LOG_DESTINATION),
    Acknowledgment(id="NIST.800.53.R5-S3BucketLoggingEnabled", reason=_IS_ACCESS_LOG_DESTINATION),
    Acknowledgment(id="PCI.DSS.321-S3BucketLoggingEnabled", reason=_IS_ACCESS_LOG_DESTINATION),
    Acknowledgment(id="NIST.800.53.R5-S3DefaultEncryptionKMS", reason=_SSE_S3_REQUIRED),
    Acknowledgment(id="PCI.DSS.321-S3DefaultEncryptionKMS", reason=_SSE_S3_REQUIRED),
    Acknowledgment(id="Fintech-S3BucketKMSEncryption", reason=_SSE_S3_REQUIRED),
    *REPLICATION_ACKNOWLEDGMENTS,
)


class LogArchiveBucket(Construct):
    """The organization's WORM log bucket: S3 Object Lock with a default retention, SSE-KMS with
    the log key and S3 Bucket Keys, server access logs to ``access_log_bucket``.

    Writers, each to its own prefix (see ``names``):

    - CloudTrail, for the organization trail only (``aws:SourceArn``), under
      ``cloudtrail/AWSLogs/<organization id>/`` and ``cloudtrail/AWSLogs/<management account>/``;
    - VPC flow logs (``delivery.logs.amazonaws.com``) under ``flow-logs/AWSLogs/<account>/``,
      and Bedrock model invocation logging under ``bedrock/AWSLogs/<account>/``, both only for
      this organization (``aws:SourceOrgID``, *unverified*: the services document
      ``aws:SourceAccount``) and each account under its own prefix only (the policy variable
      ``${aws:SourceAccount}`` in the resource: the account the service delivers for, so one
      account cannot write logs that look like another's). The
      Bedrock user guide supports only destinations in the invoking account and region, so
      workload accounts cannot deliver here directly (*unverified* whether a cross-account
      bucket is rejected);
    - GuardDuty findings export of the security tooling account under ``guardduty/``.

    AWS Config cannot deliver to a bucket with Object Lock (AWS::Config::DeliveryChannel
    documentation): it writes to the ``ConfigDeliveryBucket``. Whether VPC flow logs,
    Bedrock and GuardDuty deliver to an Object Lock bucket is *unverified*; CloudTrail does.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket_name: str,
        encryption_key: kms.IKey,
        access_log_bucket: s3.IBucket,
        organization_id: str,
        organization_name: str,
        management_account_id: str,
        security_tooling_account_id: str,
        trail_region: str | None = None,
        object_lock_mode: s3.ObjectLockMode = s3.ObjectLockMode.COMPLIANCE,
        retention_days: int = 365,
        minimum_retention_days: int = 365,
        lifecycle: LogLifecycle = DEFAULT_LOG_LIFECYCLE,
        log_replication_role_prefix: str | None = None,
        replicated_logs: Collection[str] = (),
        landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
        response_evidence: ResponseEvidence | None = None,
    ) -> None:
        """
        :param bucket_name: Name of the bucket; see ``names.log_bucket_name``.
        :param encryption_key: The ``LogArchiveKey``; its policy must let the writers use it.
        :param access_log_bucket: Destination of this bucket's server access logs.
        :param organization_id: AWS Organizations id (``o-...``) whose services may write.
        :param organization_name: The config's organization name, which names the trail.
        :param management_account_id: Account of the organization trail.
        :param security_tooling_account_id: GuardDuty delegated administrator.
        :param trail_region: Home region of the organization trail. Default: this stack's.
        :param object_lock_mode: Default retention mode of new objects. Default: COMPLIANCE,
            under which nobody, the root user included, can delete or shorten the retention of
            a log before it ends. GOVERNANCE lets principals with
            ``s3:BypassGovernanceRetention`` do so (the bucket policy still denies deletes).
        :param retention_days: Default retention of new objects. Default: 365.
        :param minimum_retention_days: Floor for ``retention_days`` and for the lifecycle's
            expirations. Default: 365 (PCI DSS 10.5.1: twelve months of audit logs).
        :param lifecycle: Colder storage and expiration. Default: Glacier Instant Retrieval
            after 90 days, Deep Archive after 365, never expire.
        :param log_replication_role_prefix: The landing zone's role prefix, which names the
            replication roles of ``replicated_logs``.
        :param replicated_logs: Logs (keys of ``names.REPLICATED_LOGS``) whose replication
            roles in the organization's accounts may each write their own account's logs.
            Default: none.
        :param landing_zone_principals: Role ARN patterns that may still change the bucket's
            configuration and its objects' retention. Default:
            ``DEFAULT_LANDING_ZONE_PRINCIPALS``.
        :param response_evidence: Incident-response evidence: the security-tooling account's
            execution roles write under its prefix, its readers read there. Default: none.
        """
        super().__init__(scope, construct_id)
        _validation.bucket_name("bucket_name", bucket_name)
        _validation.organization_id("organization_id", organization_id)
        role_prefix = names.check_replicated_logs(replicated_logs, log_replication_role_prefix)
        _validation.account_id("management_account_id", management_account_id)
        _validation.account_id("security_tooling_account_id", security_tooling_account_id)
        region = _validation.region("trail_region", trail_region or Stack.of(self).region)
        _validation.days("minimum_retention_days", minimum_retention_days)
        _validation.days("retention_days", retention_days)
        if retention_days < minimum_retention_days:
            raise ValueError(
                f"retention_days: got {retention_days}, below minimum_retention_days "
                f"({minimum_retention_days}); allowed: at least {minimum_retention_days}"
            )
        if not isinstance(object_lock_mode, s3.ObjectLockMode):
            raise ValueError(
                f"object_lock_mode: got {object_lock_mode!r}; allowed: "
                "s3.ObjectLockMode.COMPLIANCE or s3.ObjectLockMode.GOVERNANCE"
            )
        lifecycle.check_retention("LogArchiveBucket", retention_days)
        retention = object_lock_retention(object_lock_mode, retention_days)
        self.bucket = log_bucket(
            self,
            bucket_name=bucket_name,
            lifecycle=lifecycle,
            encryption_key=encryption_key,
            access_log_bucket=access_log_bucket,
            object_lock_default_retention=retention,
            landing_zone_principals=landing_zone_principals,
        )
        trail_arn = names.organization_trail_arn(organization_name, management_account_id, region)
        for statement in (
            *_cloudtrail_statements(self.bucket, trail_arn, organization_id, management_account_id),
            *_organization_writer_statements(self.bucket, organization_id),
            *_guardduty_statements(self.bucket, security_tooling_account_id),
            *(
                _response_evidence_statements(
                    self.bucket, security_tooling_account_id, response_evidence
                )
                if response_evidence is not None
                else []
            ),
            *(
                statement
                for logs in sorted(replicated_logs)
                for statement in _replication_statements(
                    self.bucket, organization_id, role_prefix, logs
                )
            ),
        ):
            self.bucket.add_to_resource_policy(statement)
        Validations.of(self.bucket).acknowledge(*REPLICATION_ACKNOWLEDGMENTS)


class ConfigDeliveryBucket(Construct):
    """The bucket of the organization's AWS Config delivery channels: SSE-KMS with the log key
    and S3 Bucket Keys, server access logs to ``access_log_bucket``, writable by
    ``config.amazonaws.com`` for this organization only, each account under
    ``config/AWSLogs/<account>/`` only (``${aws:SourceAccount}``).

    AWS Config does not support delivery to a bucket with Object Lock enabled (documented for
    AWS::Config::DeliveryChannel), so this bucket has none; versioning and a bucket policy that
    denies every delete keep the history instead. The ``aws:SourceOrgID`` condition is
    *unverified* for Config, whose guide documents ``aws:SourceAccount``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket_name: str,
        encryption_key: kms.IKey,
        access_log_bucket: s3.IBucket,
        organization_id: str,
        minimum_retention_days: int = 365,
        lifecycle: LogLifecycle = DEFAULT_LOG_LIFECYCLE,
        landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
    ) -> None:
        """
        :param bucket_name: Name of the bucket; see ``names.config_bucket_name``.
        :param encryption_key: The ``LogArchiveKey``; its policy must let Config use it.
        :param access_log_bucket: Destination of this bucket's server access logs.
        :param organization_id: AWS Organizations id (``o-...``) whose Config may write.
        :param minimum_retention_days: Floor for the lifecycle's expirations. Default: 365.
        :param lifecycle: Colder storage and expiration. Default: Glacier Instant Retrieval
            after 90 days, Deep Archive after 365, never expire.
        :param landing_zone_principals: Role ARN patterns that may still change the bucket's
            configuration. Default: ``DEFAULT_LANDING_ZONE_PRINCIPALS``.
        """
        super().__init__(scope, construct_id)
        _validation.bucket_name("bucket_name", bucket_name)
        _validation.organization_id("organization_id", organization_id)
        _validation.days("minimum_retention_days", minimum_retention_days)
        lifecycle.check_retention("ConfigDeliveryBucket", minimum_retention_days)
        self.bucket = log_bucket(
            self,
            bucket_name=bucket_name,
            lifecycle=lifecycle,
            encryption_key=encryption_key,
            access_log_bucket=access_log_bucket,
            landing_zone_principals=landing_zone_principals,
        )
        config = iam.ServicePrincipal("config.amazonaws.com")
        this_organization = {"StringEquals": {"aws:SourceOrgID": organization_id}}
        for statement in (
            iam.PolicyStatement(
                sid="ConfigChecksBucketAcl",
                principals=[config],
                actions=["s3:GetBucketAcl"],
                resources=[self.bucket.bucket_arn],
                conditions=this_organization,
            ),
            iam.PolicyStatement(
                sid="ConfigChecksBucketExists",
                principals=[config],
                actions=["s3:ListBucket"],
                resources=[self.bucket.bucket_arn],
                conditions=this_organization,
            ),
            iam.PolicyStatement(
                sid="ConfigDelivers",
                principals=[config],
                actions=["s3:PutObject"],
                resources=[
                    self.bucket.arn_for_objects(names.own_account_keys(names.CONFIG_PREFIX))
                ],
                conditions=owner_full_control(this_organization),
            ),
        ):
            self.bucket.add_to_resource_policy(statement)
        Validations.of(self.bucket).acknowledge(
            Acknowledgment(id="Fintech-LogBucketWorm", reason=_CONFIG_CANNOT_USE_OBJECT_LOCK),
            *REPLICATION_ACKNOWLEDGMENTS,
        )


_CONFIG_CANNOT_USE_OBJECT_LOCK = (
    "AWS Config does not support delivery channels to an S3 bucket with Object Lock enabled "
    "(AWS::Config::DeliveryChannel documentation), so Config history cannot live in the WORM "
    "log bucket. This bucket is versioned, and its policy denies deleting objects, object "
    "versions and the bucket to everyone, so an overwritten snapshot keeps its original."
)


def log_bucket(
    scope: Construct,
    *,
    bucket_name: str,
    lifecycle: LogLifecycle,
    encryption_key: kms.IKey | None = None,
    access_log_bucket: s3.IBucket | None = None,
    object_lock_default_retention: s3.ObjectLockRetention | None = None,
    landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
) -> s3.Bucket:
    """A log bucket with what no prop turns off; SSE-KMS and access logs when given a key.
    Its configuration (and with Object Lock, its objects' retention) can be changed by
    ``landing_zone_principals`` only."""
    principals = check_principals("landing_zone_principals", landing_zone_principals)
    kms_encrypted = encryption_key is not None
    bucket = s3.Bucket(
        scope,
        "Resource",
        bucket_name=bucket_name,
        versioned=True,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        # ACLs off: the bucket owner owns every delivered object. S3 still accepts the
        # bucket-owner-full-control ACL that log deliveries send.
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=RemovalPolicy.RETAIN,
        lifecycle_rules=lifecycle.rules(),
        encryption=s3.BucketEncryption.KMS if kms_encrypted else s3.BucketEncryption.S3_MANAGED,
        encryption_key=encryption_key,
        # One data key per bucket rather than per object: far fewer KMS calls at log volumes.
        bucket_key_enabled=True if kms_encrypted else None,
        server_access_logs_bucket=access_log_bucket,
        server_access_logs_prefix=f"{bucket_name}/" if access_log_bucket else None,
        target_object_key_format=(
            s3.TargetObjectKeyFormat.partitioned_prefix(s3.PartitionDateSource.EVENT_TIME)
            if access_log_bucket
            else None
        ),
        object_lock_enabled=True if object_lock_default_retention else None,
        object_lock_default_retention=object_lock_default_retention,
    )
    bucket.add_to_resource_policy(
        iam.PolicyStatement(
            sid="DenyDeletingLogs",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["s3:DeleteBucket", "s3:DeleteObject", "s3:DeleteObjectVersion"],
            resources=[bucket.bucket_arn, bucket.arn_for_objects("*")],
        )
    )
    for statement in deny_bucket_configuration(
        bucket.bucket_arn, principals, object_lock=object_lock_default_retention is not None
    ):
        bucket.add_to_resource_policy(statement)
    return bucket


def object_lock_retention(mode: s3.ObjectLockMode, days: int) -> s3.ObjectLockRetention:
    """The default retention of ``days`` in ``mode`` (COMPLIANCE or GOVERNANCE)."""
    if mode == s3.ObjectLockMode.COMPLIANCE:
        return s3.ObjectLockRetention.compliance(Duration.days(days))
    return s3.ObjectLockRetention.governance(Duration.days(days))


def owner_full_control(conditions: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """``conditions`` plus the canned ACL that log deliveries send."""
    equals = {**conditions.get("StringEquals", {}), "s3:x-amz-acl": "bucket-owner-full-control"}
    return {**conditions, "StringEquals": equals}


def _cloudtrail_statements(
    bucket: s3.Bucket, trail_arn: str, organization_id: str, management_account_id: str
) -> list[iam.PolicyStatement]:
    trail = iam.ServicePrincipal("cloudtrail.amazonaws.com")
    this_trail = {"StringEquals": {"aws:SourceArn": trail_arn}}
    return [
        iam.PolicyStatement(
            sid="CloudTrailChecksBucketAcl",
            principals=[trail],
            actions=["s3:GetBucketAcl"],
            resources=[bucket.bucket_arn],
            conditions=this_trail,
        ),
        iam.PolicyStatement(
            sid="CloudTrailDeliversOrganizationTrail",
            principals=[trail],
            actions=["s3:PutObject"],
            resources=[
                bucket.arn_for_objects(f"{names.CLOUDTRAIL_PREFIX}/AWSLogs/{organization_id}/*"),
                bucket.arn_for_objects(
                    f"{names.CLOUDTRAIL_PREFIX}/AWSLogs/{management_account_id}/*"
                ),
            ],
            conditions=owner_full_control(this_trail),
        ),
    ]


def _organization_writer_statements(
    bucket: s3.Bucket, organization_id: str
) -> list[iam.PolicyStatement]:
    this_organization = {"StringEquals": {"aws:SourceOrgID": organization_id}}
    log_delivery = iam.ServicePrincipal("delivery.logs.amazonaws.com")
    return [
        iam.PolicyStatement(
            sid="LogDeliveryChecksBucket",
            principals=[log_delivery],
            # The CloudWatch Logs guide adds ListBucket to avoid AccessDenied noise.
            actions=["s3:GetBucketAcl", "s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions=this_organization,
        ),
        iam.PolicyStatement(
            sid="LogDeliveryDeliversFlowLogs",
            principals=[log_delivery],
            actions=["s3:PutObject"],
            resources=[bucket.arn_for_objects(names.own_account_keys(names.FLOW_LOGS_PREFIX))],
            conditions=owner_full_control(this_organization),
        ),
        iam.PolicyStatement(
            sid="BedrockDeliversInvocationLogs",
            principals=[iam.ServicePrincipal("bedrock.amazonaws.com")],
            actions=["s3:PutObject"],
            resources=[bucket.arn_for_objects(names.own_account_keys(names.BEDROCK_PREFIX))],
            conditions=this_organization,
        ),
    ]


def _replication_statements(
    bucket: s3.Bucket, organization_id: str, role_prefix: str, logs: str
) -> list[iam.PolicyStatement]:
    replicated = names.REPLICATED_LOGS[logs]
    replication_roles = {
        "StringEquals": {"aws:PrincipalOrgID": organization_id},
        "ArnLike": {"aws:PrincipalArn": names.log_replication_role_arns(role_prefix, logs)},
    }
    return [
        iam.PolicyStatement(
            sid=f"{replicated.sid}ChecksBucket",
            principals=[iam.AnyPrincipal()],
            actions=["s3:GetBucketVersioning", "s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions=replication_roles,
        ),
        iam.PolicyStatement(
            sid=f"{replicated.sid}Writes{replicated.sid.removesuffix('Replication')}s",
            principals=[iam.AnyPrincipal()],
            actions=["s3:ReplicateObject", "s3:ReplicateTags"],
            # Each account's role writes under its own account's prefix only.
            resources=[bucket.arn_for_objects(replicated.own_keys)],
            conditions=replication_roles,
        ),
    ]


def _guardduty_statements(
    bucket: s3.Bucket, security_tooling_account_id: str
) -> list[iam.PolicyStatement]:
    guardduty = iam.ServicePrincipal("guardduty.amazonaws.com")
    detectors = {
        "StringEquals": {"aws:SourceAccount": security_tooling_account_id},
        "ArnLike": {
            "aws:SourceArn": (
                f"arn:{pseudo.PARTITION}:guardduty:*:{security_tooling_account_id}:detector/*"
            )
        },
    }
    return [
        iam.PolicyStatement(
            sid="GuardDutyLocatesBucket",
            principals=[guardduty],
            actions=["s3:GetBucketLocation"],
            resources=[bucket.bucket_arn],
            conditions=detectors,
        ),
        iam.PolicyStatement(
            sid="GuardDutyExportsFindings",
            principals=[guardduty],
            actions=["s3:PutObject"],
            resources=[bucket.arn_for_objects(f"{names.GUARDDUTY_PREFIX}/*")],
            conditions=detectors,
        ),
    ]


def _response_evidence_statements(
    bucket: s3.Bucket, security_tooling_account_id: str, evidence: ResponseEvidence
) -> list[iam.PolicyStatement]:
    records = bucket.arn_for_objects(f"{evidence.prefix}/*")
    statements = [
        # Cross-account: the execution roles' own policies must allow it too.
        iam.PolicyStatement(
            sid="ResponseWorkflowsWriteEvidence",
            principals=[iam.AccountPrincipal(security_tooling_account_id)],
            actions=["s3:PutObject"],
            resources=[records],
            conditions={"ArnEquals": {"aws:PrincipalArn": list(evidence.writer_role_arns)}},
        )
    ]
    if evidence.reader_role_arns:
        # A wildcard principal narrowed to roles of this account: an allow for the account
        # itself would still need each reader's IAM policy (S3 user guide, bucket policies).
        readers = {
            "StringEquals": {"aws:PrincipalAccount": pseudo.ACCOUNT_ID},
            "ArnLike": {"aws:PrincipalArn": list(evidence.reader_role_arns)},
        }
        statements += [
            iam.PolicyStatement(
                sid="AuditorsListEvidence",
                principals=[iam.AnyPrincipal()],
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={**readers, "StringLike": {"s3:prefix": f"{evidence.prefix}/*"}},
            ),
            iam.PolicyStatement(
                sid="AuditorsReadEvidence",
                principals=[iam.AnyPrincipal()],
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=[records],
                conditions=readers,
            ),
        ]
    return statements
