"""A page on every use of break-glass access, from the organization trail's log group."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from landing_zone.common.patterns import IAM_ROLE_NAME, PERMISSION_SET_NAME
from landing_zone.common.protected_names import protected_name

RESERVED_SSO_ROLE_PREFIX = "AWSReservedSSO_"
"""IAM Identity Center names the role of permission set ``P`` in each account
``AWSReservedSSO_P_<random suffix>``."""

MAX_FILTER_PATTERN = 1024
"""CloudWatch Logs metric filter patterns hold at most 1,024 characters."""


def break_glass_filter_pattern(
    permission_set_names: Sequence[str], role_names: Sequence[str]
) -> str:
    """The metric filter pattern matching any API call made in a session of the break-glass
    permission sets' roles (any account) or of the named IAM roles."""
    if isinstance(permission_set_names, str) or isinstance(role_names, str):
        raise TypeError("permission_set_names and role_names are lists of names")
    for name in permission_set_names:
        if not PERMISSION_SET_NAME.fullmatch(name):
            raise ValueError(
                f"permission_set_names: {name!r} is not a permission set name (1-32 letters, "
                "digits or '+=,.@_-')"
            )
    for name in role_names:
        if not IAM_ROLE_NAME.fullmatch(name):
            raise ValueError(
                f"role_names: {name!r} is not an IAM role name (1-64 letters, digits or "
                "'+=,.@_-'; no wildcards)"
            )
    issuers = [f"{RESERVED_SSO_ROLE_PREFIX}{name}_*" for name in permission_set_names]
    issuers += list(role_names)
    if not issuers:
        raise ValueError("name at least one break-glass permission set or role, got none")
    terms = " || ".join(
        f'($.userIdentity.sessionContext.sessionIssuer.userName = "{issuer}")' for issuer in issuers
    )
    pattern = "{ " + terms + " }"
    if len(pattern) > MAX_FILTER_PATTERN:
        raise ValueError(
            f"the filter pattern for {len(issuers)} break-glass names has {len(pattern)} "
            f"characters; CloudWatch Logs allows {MAX_FILTER_PATTERN}: name fewer"
        )
    return pattern


class BreakGlassAlarm(Construct):
    """An alarm on the organization trail's log group that fires on the first API call made
    with break-glass access in any account, within the five-minute period it happens in.

    The trail records the session issuer of every assumed-role call: the role of an Identity
    Center permission set is ``AWSReservedSSO_<name>_<suffix>`` in every account it is assigned
    to, so one pattern covers all accounts. Console and CLI calls alike count, sign-in itself
    does not (it is logged by the account's own sign-in events), so the alarm fires as soon as
    the session does anything. Periods without calls are not breaching.

    Filter and alarm are named ``<name_prefix>break-glass-usage``. In the management account no
    SCP protects them from the break-glass session they watch: ``ManagementEventAlarms`` pages
    on break-glass use there, and on changes of this alarm, from the security-tooling account.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        log_group: logs.ILogGroup,
        alarm_topic: sns.ITopic,
        permission_set_names: Sequence[str] = ("BreakGlass",),
        role_names: Sequence[str] = (),
        metric_namespace: str = "LandingZone/CloudTrail",
        name_prefix: str = "lz-",
    ) -> None:
        """
        :param log_group: The organization trail's CloudWatch Logs log group.
        :param alarm_topic: The topic that pages the on-call.
        :param permission_set_names: Names of the break-glass permission sets. Default:
            ``BreakGlass``.
        :param role_names: Exact names of break-glass IAM roles outside Identity Center (the
            guardrails' ``break_glass_role_names``). Default: none.
        :param metric_namespace: Namespace of the metric. Default: ``LandingZone/CloudTrail``.
        :param name_prefix: Prefix of the filter and alarm names. Default: ``lz-``.
        """
        super().__init__(scope, construct_id)
        pattern = break_glass_filter_pattern(permission_set_names, role_names)
        name = protected_name("alarm", name_prefix, "break-glass-usage")
        self.metric_filter = logs.MetricFilter(
            self,
            "Filter",
            filter_name=name,
            log_group=log_group,
            filter_pattern=logs.FilterPattern.literal(pattern),
            metric_namespace=metric_namespace,
            metric_name="BreakGlassUsage",
            metric_value="1",
        )
        """The metric filter that counts break-glass sign-ins in the trail's log group."""
        self.alarm = cloudwatch.Alarm(
            self,
            "Alarm",
            alarm_name=name,
            alarm_description=(
                "HIGH: break-glass access was used. Confirm the incident it was opened for; "
                "otherwise treat the session as compromised."
            ),
            metric=self.metric_filter.metric(statistic="Sum", period=Duration.minutes(5)),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        """The alarm on that metric; it notifies the alert topic on the first sign-in."""
        self.alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))
