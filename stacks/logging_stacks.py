"""Central logging: the WORM log archive (log-archive account) and the organization trail with
its CIS alarms (management account)."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from landing_zone.config import LandingZoneConfig
from landing_zone.config.guardrails import scp_parameters
from landing_zone.detection import EncryptedTopic
from landing_zone.identity.break_glass_alarm import BreakGlassAlarm
from landing_zone.logging import LogArchive, LogLifecycle, OrganizationTrail, TrailAlarms

from .alerting import administrator_arns, break_glass_names, subscriptions
from .namespace import mark_landing_zone
from .security_tooling_stack import response_evidence

# The config speaks in days (as CloudWatch Logs does); aws-cdk-lib in enum names.
_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def retention(days: int) -> logs.RetentionDays:
    """The aws-cdk-lib retention of ``days``, one of ``CLOUDWATCH_RETENTION_DAYS``."""
    return _RETENTION[days]


class LogArchiveStack(Stack):
    """The log key and the log buckets every account delivers to."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: LandingZoneConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        bucket = config.logging.log_bucket
        self.log_archive = LogArchive(
            self,
            "LogArchive",
            organization_id=config.organization.id,
            organization_name=config.organization.name,
            management_account_id=config.core_account_id("management"),
            security_tooling_account_id=config.core_account_id("security_tooling"),
            object_lock_mode=s3.ObjectLockMode[bucket.object_lock_mode],
            retention_days=bucket.retention_days,
            minimum_retention_days=bucket.minimum_retention_days,
            lifecycle=LogLifecycle(
                glacier_instant_retrieval_after_days=bucket.glacier_instant_retrieval_after_days,
                deep_archive_after_days=bucket.deep_archive_after_days,
                expiration_days=bucket.expire_after_days,
            ),
            # Accounts with web ACLs copy their WAF logs here (WafLogBucket replication), AI
            # accounts their model invocation logs (ModelInvocationLogging).
            log_replication_role_prefix=config.guardrails.parameters.landing_zone_role_prefix,
            # Only the principals the SCPs exempt (the log archive's deployer among them) may
            # change the buckets' configuration or the log key.
            landing_zone_principals=scp_parameters(config).landing_zone_role_arns,
            replicated_logs=[
                logs
                for logs, present in (
                    ("waf", config.edge.web_acls),
                    ("bedrock", config.ai.workloads),
                )
                if present
            ],
            # With incident_response: the workflows write evidence, the auditors read it.
            response_evidence=response_evidence(config),
        )


class OrganizationTrailStack(Stack):
    """The organization trail, its CloudWatch Logs copy and the CIS alarms on it.

    All of it lives in the management account, where no SCP applies: its alarms, topics and
    roles are named under the protected prefix, the topics' policies deny changes to all but
    the landing-zone principals, and ``ManagementEventAlarmsStack`` (security-tooling account)
    pages on break-glass use and on every change of these alarms, topics or the trail there.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, config: LandingZoneConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        mark_landing_zone(self, config)
        trail = config.logging.trail
        prefix = config.guardrails.parameters.landing_zone_role_prefix
        administrators = administrator_arns(config)
        self.trail = OrganizationTrail(
            self,
            "OrganizationTrail",
            organization_id=config.organization.id,
            organization_name=config.organization.name,
            log_archive_account_id=config.core_account_id("log_archive"),
            s3_data_events=trail.s3_data_events,
            lambda_data_events=trail.lambda_data_events,
            log_retention=retention(trail.cloudwatch_logs_retention_days),
            minimum_log_retention_days=config.logging.log_bucket.minimum_retention_days,
            name_prefix=prefix,
        )
        Validations.of(self.trail.log_group).acknowledge(
            Acknowledgment(
                id="Fintech-ProtectedNamespace[GeneratedName]",
                reason=(
                    "The trail's log group lives in the management account, where no SCP applies "
                    "and a name under the prefix protects nothing; it is retained, so renaming it "
                    "would replace it and leave the old one orphaned. Only break-glass and the "
                    "deployer reach this account, and ManagementEventAlarms pages from the "
                    "security-tooling account on any change of its metric filters, retention "
                    "or subscriptions."
                ),
            )
        )
        alerting = config.detection.alerting
        # CloudWatch alarms publish to a topic of their own account; the CIS controls want it so.
        # The alert endpoints only: organization-wide, AccessDenied and failed sign-ins happen
        # every day, which is a queue for the security team, not a page for the on-call.
        self.alarm_topic = EncryptedTopic(
            self,
            "AlarmTopic",
            display_name=f"{config.organization.name} CloudTrail security alarms",
            subscriptions=subscriptions(alerting.alert_subscriptions),
            topic_name=f"{prefix}cloudtrail-alarms",
            administrator_arns=administrators,
        )
        # Break-glass use and the trail's integrity are a page, not a queue item: both the alert
        # and paging endpoints.
        self.paging_topic = EncryptedTopic(
            self,
            "PagingTopic",
            display_name=f"{config.organization.name} break-glass use and trail integrity",
            subscriptions=subscriptions(
                # An endpoint on both lists is subscribed once.
                list(dict.fromkeys([*alerting.alert_subscriptions, *alerting.paging_subscriptions]))
            ),
            topic_name=f"{prefix}cloudtrail-paging",
            administrator_arns=administrators,
        )
        self.alarms = TrailAlarms(
            self,
            "TrailAlarms",
            log_group=self.trail.log_group,
            alarm_topic=self.alarm_topic.topic,
            paging_topic=self.paging_topic.topic,
            name_prefix=prefix,
        )
        break_glass, roles = break_glass_names(config)
        self.break_glass_alarm = (
            BreakGlassAlarm(
                self,
                "BreakGlassAlarm",
                log_group=self.trail.log_group,
                alarm_topic=self.paging_topic.topic,
                permission_set_names=break_glass,
                role_names=roles,
                name_prefix=prefix,
            )
            if break_glass or roles
            else None
        )
