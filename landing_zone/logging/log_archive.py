"""The log archive of the organization, in the log-archive account's home region."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from landing_zone.common.protection import DEFAULT_LANDING_ZONE_PRINCIPALS
from landing_zone.logging import _validation, names
from landing_zone.logging.log_archive_key import LogArchiveKey
from landing_zone.logging.log_buckets import (
    DEFAULT_LOG_LIFECYCLE,
    AccessLogBucket,
    ConfigDeliveryBucket,
    LogArchiveBucket,
    LogLifecycle,
    ResponseEvidence,
)


class LogArchive(Construct):
    """The log key, the WORM log bucket, the Config bucket and the access-log bucket, named
    with ``names`` from the organization's name and this stack's account, so that every other
    stack derives the same names from config.

    The stack must have an explicit account and region (``env``): both are part of the names,
    and the organization trail is expected in the same (home) region of the management account.
    Deploy it before the organization trail, Config delivery channels, flow logs and GuardDuty
    exports that write to it: each service checks its bucket when it is configured.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        organization_id: str,
        organization_name: str,
        management_account_id: str,
        security_tooling_account_id: str,
        object_lock_mode: s3.ObjectLockMode = s3.ObjectLockMode.COMPLIANCE,
        retention_days: int = 365,
        minimum_retention_days: int = 365,
        lifecycle: LogLifecycle = DEFAULT_LOG_LIFECYCLE,
        log_replication_role_prefix: str | None = None,
        replicated_logs: Collection[str] = (),
        additional_key_policy_statements: Sequence[iam.PolicyStatement] = (),
        landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
        response_evidence: ResponseEvidence | None = None,
    ) -> None:
        """
        :param organization_id: AWS Organizations id (``o-...``) whose services may write.
        :param organization_name: The config's organization name (2-32 character slug).
        :param management_account_id: Account of the organization trail.
        :param security_tooling_account_id: GuardDuty delegated administrator.
        :param object_lock_mode: Object Lock mode of the log bucket. Default: COMPLIANCE.
        :param retention_days: Object Lock default retention of the log bucket. Default: 365.
        :param minimum_retention_days: Floor for the retention and every expiration. Default:
            365 (PCI DSS 10.5.1).
        :param lifecycle: Colder storage and expiration of all three buckets. Default: Glacier
            Instant Retrieval after 90 days, Deep Archive after 365, never expire.
        :param log_replication_role_prefix: The landing zone's role prefix, which names the
            replication roles of ``replicated_logs``.
        :param replicated_logs: Logs (keys of ``names.REPLICATED_LOGS``: ``waf``, ``bedrock``)
            that the replication roles of the organization's accounts may replicate into the log
            bucket, each its own account's, and encrypt with the log key. Default: none.
        :param additional_key_policy_statements: Further statements for the log key's policy.
            Default: none. See ``LogArchiveKey``.
        :param landing_zone_principals: Role ARN patterns (``aws:PrincipalArn``) that may still
            change the key and the buckets' configuration: everyone else is denied, so that
            a member-account administrator cannot shorten, expire, re-encrypt or re-route the
            logs. The log archive stack's deployer (CloudFormation's execution role) must match
            one. Default: ``DEFAULT_LANDING_ZONE_PRINCIPALS``; pass
            ``GuardrailParameters.landing_zone_role_arns`` of the config.
        :param response_evidence: Incident-response evidence writers and readers of the log
            bucket and key (``ResponseEvidence``). Default: none.
        """
        super().__init__(scope, construct_id)
        account = _validation.stack_account(self)
        region = _validation.stack_region(self)
        self.key_construct = LogArchiveKey(
            self,
            "Key",
            organization_id=organization_id,
            organization_name=organization_name,
            management_account_id=management_account_id,
            security_tooling_account_id=security_tooling_account_id,
            trail_region=region,
            log_replication_role_prefix=log_replication_role_prefix,
            replicated_logs=replicated_logs,
            additional_key_policy_statements=additional_key_policy_statements,
            landing_zone_principals=landing_zone_principals,
            response_evidence=response_evidence,
        )
        self.key = self.key_construct.key
        self.access_log_bucket = AccessLogBucket(
            self,
            "AccessLogBucket",
            bucket_name=names.access_log_bucket_name(organization_name, account),
            minimum_retention_days=minimum_retention_days,
            lifecycle=lifecycle,
            landing_zone_principals=landing_zone_principals,
        ).bucket
        self.bucket = LogArchiveBucket(
            self,
            "Bucket",
            bucket_name=names.log_bucket_name(organization_name, account),
            encryption_key=self.key,
            access_log_bucket=self.access_log_bucket,
            organization_id=organization_id,
            organization_name=organization_name,
            management_account_id=management_account_id,
            security_tooling_account_id=security_tooling_account_id,
            trail_region=region,
            object_lock_mode=object_lock_mode,
            retention_days=retention_days,
            minimum_retention_days=minimum_retention_days,
            lifecycle=lifecycle,
            log_replication_role_prefix=log_replication_role_prefix,
            replicated_logs=replicated_logs,
            landing_zone_principals=landing_zone_principals,
            response_evidence=response_evidence,
        ).bucket
        self.config_bucket = ConfigDeliveryBucket(
            self,
            "ConfigBucket",
            bucket_name=names.config_bucket_name(organization_name, account),
            encryption_key=self.key,
            access_log_bucket=self.access_log_bucket,
            organization_id=organization_id,
            minimum_retention_days=minimum_retention_days,
            lifecycle=lifecycle,
            landing_zone_principals=landing_zone_principals,
        ).bucket
