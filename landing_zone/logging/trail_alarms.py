"""CIS metric filters and alarms on the organization trail's CloudWatch Logs log group.

The filter patterns are the ones the Security Hub user guide prescribes for controls
CloudWatch.1 to CloudWatch.14 (CIS AWS Foundations Benchmark 1.2/1.4, section Monitoring),
character for character: Security Hub fails a control whose filter adds or changes a term.
Security Hub evaluates them only in the account and home region of the trail.

``TRAIL_INTEGRITY_ALARMS`` add what the CIS set misses about the landing zone's own controls:
changes of the trail's event selectors and of the organization's policies. These alarms live
in the management account, where no SCP protects them; ``ManagementEventAlarms`` (security
tooling account) evaluates the same management-account events where SCPs do. These remain
because the trail's log group also sees every region and every member account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from landing_zone.common.protected_names import check_prefix


@dataclass(frozen=True, kw_only=True)
class TrailAlarmControl:
    """One monitored kind of event: a metric filter on the trail's logs and its alarm."""

    name: str
    """PascalCase name: the construct id of the pair and the metric name. Never changes."""

    security_hub_control: str | None
    """The Security Hub control that checks for this filter, e.g. ``CloudWatch.1``; None for
    the landing zone's own controls."""

    description: str
    """What an alarm means, for whoever receives it."""

    filter_pattern: str
    """The CloudWatch Logs filter pattern, exactly as Security Hub prescribes it."""


CIS_TRAIL_ALARMS: tuple[TrailAlarmControl, ...] = (
    TrailAlarmControl(
        name="RootUserUsage",
        security_hub_control="CloudWatch.1",
        description="The root user of an account made an API call or signed in.",
        filter_pattern=(
            '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS '
            '&& $.eventType !="AwsServiceEvent"}'
        ),
    ),
    TrailAlarmControl(
        name="UnauthorizedApiCalls",
        security_hub_control="CloudWatch.2",
        description="An API call was denied for lack of permission.",
        filter_pattern='{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}',
    ),
    TrailAlarmControl(
        name="ConsoleSignInWithoutMfa",
        security_hub_control="CloudWatch.3",
        description="An IAM user signed in to the console without MFA.",
        filter_pattern=(
            '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") '
            '&& ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = '
            '"Success") }'
        ),
    ),
    TrailAlarmControl(
        name="IamPolicyChanges",
        security_hub_control="CloudWatch.4",
        description="An IAM policy was created, changed, attached, detached or deleted.",
        filter_pattern=(
            "{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || "
            "($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || "
            "($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || "
            "($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || "
            "($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || "
            "($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || "
            "($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || "
            "($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}"
        ),
    ),
    TrailAlarmControl(
        name="CloudTrailChanges",
        security_hub_control="CloudWatch.5",
        description="A trail was created, updated, deleted, started or stopped.",
        filter_pattern=(
            "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || "
            "($.eventName=DeleteTrail) || ($.eventName=StartLogging) || "
            "($.eventName=StopLogging)}"
        ),
    ),
    TrailAlarmControl(
        name="ConsoleAuthenticationFailures",
        security_hub_control="CloudWatch.6",
        description="A console sign-in failed authentication.",
        filter_pattern=('{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}'),
    ),
    TrailAlarmControl(
        name="KmsKeyDisabledOrScheduledForDeletion",
        security_hub_control="CloudWatch.7",
        description="A customer managed KMS key was disabled or scheduled for deletion.",
        filter_pattern=(
            "{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || "
            "($.eventName=ScheduleKeyDeletion))}"
        ),
    ),
    TrailAlarmControl(
        name="S3BucketPolicyChanges",
        security_hub_control="CloudWatch.8",
        description="An S3 bucket's ACL, policy, CORS, lifecycle or replication changed.",
        filter_pattern=(
            "{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || "
            "($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || "
            "($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || "
            "($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || "
            "($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}"
        ),
    ),
    TrailAlarmControl(
        name="ConfigChanges",
        security_hub_control="CloudWatch.9",
        description="An AWS Config recorder was stopped or a recorder or delivery channel changed.",
        filter_pattern=(
            "{($.eventSource=config.amazonaws.com) && "
            "(($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) "
            "|| ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}"
        ),
    ),
    TrailAlarmControl(
        name="SecurityGroupChanges",
        security_hub_control="CloudWatch.10",
        description="A security group or one of its rules was created, changed or deleted.",
        filter_pattern=(
            "{($.eventName=AuthorizeSecurityGroupIngress) || "
            "($.eventName=AuthorizeSecurityGroupEgress) || "
            "($.eventName=RevokeSecurityGroupIngress) || "
            "($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || "
            "($.eventName=DeleteSecurityGroup)}"
        ),
    ),
    TrailAlarmControl(
        name="NetworkAclChanges",
        security_hub_control="CloudWatch.11",
        description="A network ACL, one of its entries or an association changed.",
        filter_pattern=(
            "{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || "
            "($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || "
            "($.eventName=ReplaceNetworkAclEntry) || "
            "($.eventName=ReplaceNetworkAclAssociation)}"
        ),
    ),
    TrailAlarmControl(
        name="NetworkGatewayChanges",
        security_hub_control="CloudWatch.12",
        description="A customer or internet gateway was created, attached, detached or deleted.",
        filter_pattern=(
            "{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || "
            "($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || "
            "($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}"
        ),
    ),
    TrailAlarmControl(
        name="RouteTableChanges",
        security_hub_control="CloudWatch.13",
        description="A route table, a route or a route table association changed.",
        filter_pattern=(
            "{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || "
            "($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || "
            "($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || "
            "($.eventName=DisassociateRouteTable)}"
        ),
    ),
    TrailAlarmControl(
        name="VpcChanges",
        security_hub_control="CloudWatch.14",
        description="A VPC, one of its attributes or a peering connection changed.",
        filter_pattern=(
            "{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || "
            "($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || "
            "($.eventName=CreateVpcPeeringConnection) || "
            "($.eventName=DeleteVpcPeeringConnection) || "
            "($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || "
            "($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || "
            "($.eventName=EnableVpcClassicLink)}"
        ),
    ),
)
"""Security Hub controls CloudWatch.1-14, in their order."""

TRAIL_INTEGRITY_ALARMS: tuple[TrailAlarmControl, ...] = (
    TrailAlarmControl(
        name="CloudTrailSelectorChanges",
        security_hub_control=None,
        description=(
            "A trail's event or insight selectors changed, or an event data store was changed "
            "or stopped: events may no longer be recorded."
        ),
        filter_pattern=(
            "{($.eventSource=cloudtrail.amazonaws.com) && (($.eventName=PutEventSelectors) || "
            "($.eventName=PutInsightSelectors) || ($.eventName=UpdateEventDataStore) || "
            "($.eventName=StopEventDataStoreIngestion) || "
            "($.eventName=DeleteEventDataStore))}"
        ),
    ),
    TrailAlarmControl(
        name="OrganizationsPolicyChanges",
        security_hub_control=None,
        description=(
            "An organization policy, policy type, delegated administrator or trusted access "
            "changed."
        ),
        filter_pattern=(
            "{($.eventSource=organizations.amazonaws.com) && (($.eventName=CreatePolicy) || "
            "($.eventName=UpdatePolicy) || ($.eventName=AttachPolicy) || "
            "($.eventName=DetachPolicy) || ($.eventName=DeletePolicy) || "
            "($.eventName=EnablePolicyType) || ($.eventName=DisablePolicyType) || "
            "($.eventName=RegisterDelegatedAdministrator) || "
            "($.eventName=DeregisterDelegatedAdministrator) || "
            "($.eventName=EnableAWSServiceAccess) || ($.eventName=DisableAWSServiceAccess))}"
        ),
    ),
)
"""The landing zone's own alarms on the trail, beside the CIS ones; they page."""


def kebab_case(name: str) -> str:
    """``RootUserUsage`` as ``root-user-usage``: a control name inside a resource name."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


class TrailAlarms(Construct):
    """A metric filter and an alarm per ``CIS_TRAIL_ALARMS`` and ``TRAIL_INTEGRITY_ALARMS``
    control on the trail's log group.

    Each alarm fires on the first matching event in a five-minute period and notifies
    ``alarm_topic`` (the integrity alarms: ``paging_topic``); periods without events are not
    breaching, so a quiet organization stays OK. Children are ``<control name>/Filter`` and
    ``<control name>/Alarm``, named ``<name_prefix>cis-<control>`` (integrity alarms
    ``<name_prefix>trail-<control>``) so that guardrails and reviews recognize them.

    An encrypted topic must let CloudWatch (``cloudwatch.amazonaws.com``) use its key, or the
    notifications are dropped.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        log_group: logs.ILogGroup,
        alarm_topic: sns.ITopic,
        paging_topic: sns.ITopic | None = None,
        metric_namespace: str = "LandingZone/CloudTrail",
        name_prefix: str = "lz-",
    ) -> None:
        """
        :param log_group: The organization trail's CloudWatch Logs log group.
        :param alarm_topic: Where every CIS alarm sends its notification.
        :param paging_topic: Where the integrity alarms send theirs. Default: ``alarm_topic``.
        :param name_prefix: Prefix of the alarm and filter names. Default: ``lz-``.
        :param metric_namespace: Namespace of the filters' metrics. Default:
            ``LandingZone/CloudTrail``. Namespaces starting with ``AWS/`` are AWS's own.
        """
        super().__init__(scope, construct_id)
        if not metric_namespace or metric_namespace.startswith("AWS/"):
            raise ValueError(
                f"metric_namespace: got {metric_namespace!r}; allowed: a non-empty namespace "
                "not starting with 'AWS/', which CloudWatch reserves for AWS services"
            )
        prefix = check_prefix(name_prefix)
        self.metric_filters: dict[str, logs.MetricFilter] = {}
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for controls, kind, topic in (
            (CIS_TRAIL_ALARMS, "cis", alarm_topic),
            (TRAIL_INTEGRITY_ALARMS, "trail", paging_topic or alarm_topic),
        ):
            for control in controls:
                name = f"{prefix}{kind}-{kebab_case(control.name)}"
                self._add(control, name, log_group, metric_namespace, topic)

    def _add(
        self,
        control: TrailAlarmControl,
        name: str,
        log_group: logs.ILogGroup,
        metric_namespace: str,
        topic: sns.ITopic,
    ) -> None:
        pair = Construct(self, control.name)
        metric_filter = logs.MetricFilter(
            pair,
            "Filter",
            filter_name=name,
            log_group=log_group,
            filter_pattern=logs.FilterPattern.literal(control.filter_pattern),
            metric_namespace=metric_namespace,
            metric_name=control.name,
            metric_value="1",
        )
        label = control.security_hub_control or "Landing zone"
        alarm = cloudwatch.Alarm(
            pair,
            "Alarm",
            alarm_name=name,
            alarm_description=f"{label}: {control.description}",
            metric=metric_filter.metric(statistic="Sum", period=Duration.minutes(5)),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
        self.metric_filters[control.name] = metric_filter
        self.alarms[control.name] = alarm
