"""CIS metric filters and alarms on the organization trail's CloudWatch Logs log group.

The filter patterns are the ones the Security Hub user guide prescribes for controls
CloudWatch.1 to CloudWatch.14 (CIS AWS Foundations Benchmark 1.2/1.4, section Monitoring),
character for character: Security Hub fails a control whose filter adds or changes a term.
Security Hub evaluates them only in the account and home region of the trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class TrailAlarmControl:
    """One monitored kind of event: a metric filter on the trail's logs and its alarm."""

    name: str
    """PascalCase name: the construct id of the pair and the metric name. Never changes."""

    security_hub_control: str
    """The Security Hub control that checks for this filter, e.g. ``CloudWatch.1``."""

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


class TrailAlarms(Construct):
    """A metric filter and an alarm per ``CIS_TRAIL_ALARMS`` control on the trail's log group.

    Each alarm fires on the first matching event in a five-minute period and notifies
    ``alarm_topic``; periods without events are not breaching, so a quiet organization stays
    OK. Children are ``<control name>/Filter`` and ``<control name>/Alarm``.

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
        metric_namespace: str = "LandingZone/CloudTrail",
    ) -> None:
        """
        :param log_group: The organization trail's CloudWatch Logs log group.
        :param alarm_topic: Where every alarm sends its notification.
        :param metric_namespace: Namespace of the filters' metrics. Default:
            ``LandingZone/CloudTrail``. Namespaces starting with ``AWS/`` are AWS's own.
        """
        super().__init__(scope, construct_id)
        if not metric_namespace or metric_namespace.startswith("AWS/"):
            raise ValueError(
                f"metric_namespace: got {metric_namespace!r}; allowed: a non-empty namespace "
                "not starting with 'AWS/', which CloudWatch reserves for AWS services"
            )
        action = cloudwatch_actions.SnsAction(alarm_topic)
        self.metric_filters: dict[str, logs.MetricFilter] = {}
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for control in CIS_TRAIL_ALARMS:
            pair = Construct(self, control.name)
            metric_filter = logs.MetricFilter(
                pair,
                "Filter",
                log_group=log_group,
                filter_pattern=logs.FilterPattern.literal(control.filter_pattern),
                metric_namespace=metric_namespace,
                metric_name=control.name,
                metric_value="1",
            )
            alarm = cloudwatch.Alarm(
                pair,
                "Alarm",
                alarm_description=f"{control.security_hub_control}: {control.description}",
                metric=metric_filter.metric(statistic="Sum", period=Duration.minutes(5)),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(action)
            self.metric_filters[control.name] = metric_filter
            self.alarms[control.name] = alarm
