"""The bucket that receives the WAF logs of one account and region: WAF writes only to a bucket
of the web ACL's own account (WAF developer guide), so each account with web ACLs keeps a WORM
copy of its own, replicated to the log archive."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct

from landing_zone.common.protection import DEFAULT_LANDING_ZONE_PRINCIPALS
from landing_zone.edge.web_acl import LOG_NAME_PREFIX, waf_log_bucket_name
from landing_zone.logging import names
from landing_zone.logging.account_log_bucket import AccountLogBucket, LogArchiveCopy, LogWriter
from landing_zone.logging.log_buckets import DEFAULT_LOG_LIFECYCLE, LogLifecycle

WafLogArchive = LogArchiveCopy
"""Where a ``WafLogBucket`` copies its logs (the log archive)."""

ACCESS_LOG_PREFIX = "waf-access-"
"""Replaces ``aws-waf-logs-`` in the name of the bucket of the WAF bucket's access logs."""


class WafLogBucket(AccountLogBucket):
    """An ``aws-waf-logs-<organization>-<account>-<region>`` bucket (``bucket``) for the web
    ACLs of this stack's account and region: an ``AccountLogBucket`` that only the log delivery
    service (``delivery.logs.amazonaws.com``, which WAF uses for S3 destinations) writes to,
    under ``AWSLogs/<account>/``, and that copies ``AWSLogs/<account>/WAFLogs/`` to the log
    archive. Access logs go to ``waf-access-<organization>-<account>-<region>``.
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
        landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
    ) -> None:
        """
        :param organization_name: The config's organization name, first part of the name.
        :param object_lock_mode: Default retention mode of new log objects. Default:
            COMPLIANCE.
        :param retention_days: Default retention of new log objects, at least 365 (PCI DSS
            10.5.1). Default: 365.
        :param lifecycle: Colder storage and expiration of the logs and their access logs.
        :param archive: Copy every log object to the central log archive with S3 replication
            (same keys, ``AWSLogs/<account>/WAFLogs/...``). Default: the logs stay here only.
        :param landing_zone_principals: Role ARN patterns that may still change the buckets'
            configuration (replication included) and the key; see ``AccountLogBucket``.
            Default: ``DEFAULT_LANDING_ZONE_PRINCIPALS``.
        """
        stack = Stack.of(scope)
        bucket_name = waf_log_bucket_name(organization_name, stack.account, stack.region)
        super().__init__(
            scope,
            construct_id,
            bucket_name=bucket_name,
            access_log_bucket_name=ACCESS_LOG_PREFIX + bucket_name.removeprefix(LOG_NAME_PREFIX),
            writer=LogWriter(
                what="WAF logs",
                service="delivery.logs.amazonaws.com",
                source_arn=f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:*",
                object_keys=f"AWSLogs/{stack.account}/*",
                replicated_prefix=f"AWSLogs/{stack.account}/WAFLogs/",
                archive_keys=names.WAF_LOGS_KEYS,
                key_sid="LogDeliveryEncryptsWafLogs",
                deliver_sid="LogDeliveryDeliversWafLogs",
                check_bucket_sid="LogDeliveryChecksBucket",
                sends_owner_acl=True,
            ),
            object_lock_mode=object_lock_mode,
            retention_days=retention_days,
            lifecycle=lifecycle,
            archive=archive,
            landing_zone_principals=landing_zone_principals,
        )
