"""The management account's sensitive events, evaluated in the security-tooling account.

No SCP applies in the management account, so an alarm that lives there can be switched off by
the very principals it watches (break-glass, the deployer) before their own events reach it.
``ManagementEventForwarder`` sends every API call (read-only ones included) and console sign-in
of the management account, unchanged, to an event bus of the security-tooling account; there
``ManagementEventAlarms`` decides what pages, with rules, topic and queue named under the
protected prefix, which the guardrails (SCPs) keep every principal of that account but the
landing zone's own roles from disabling, deleting or unsubscribing.

EventBridge receives a CloudTrail event in the account and region of the call only; the events
of global services (AWS Organizations, IAM, console sign-in) arrive in ``us-east-1``. Deploy a
forwarder in every region the management account is used in, and in ``us-east-1``.

Not verified here (no AWS account): the CloudTrail event shapes below follow the CloudTrail
and EventBridge user guides (``AWS API Call via CloudTrail`` carries the CloudTrail record in
``detail``; the ``wildcard`` operator of event patterns).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.event_bus_policy import event_bus_policy
from landing_zone.common.patterns import ACCOUNT_ID, IAM_ROLE_NAME, PERMISSION_SET_NAME
from landing_zone.common.protected_names import check_prefix, protected_name
from landing_zone.common.tokens import is_unresolved
from landing_zone.logging._validation import account_id as _check_account_id

from .alerting import (
    EncryptedTopic,
    EventForwarding,
    Subscription,
    _dead_letter_alarm,
    _DeadLetterQueue,
    _Target,
)

API_CALL = "AWS API Call via CloudTrail"
CONSOLE_SIGN_IN = "AWS Console Sign In via CloudTrail"

FORWARDER_NAME = "management-events-forwarder"
"""Name (after the prefix) of the forwarding rule in each region, and with the region, of its
role: the event bus admits that role of the management account only."""

RESERVED_SSO_ROLE_PREFIX = "AWSReservedSSO_"

ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
"""Rule state that also matches read-only management events (``Get*``, ``List*``,
``Describe*``), which an ``ENABLED`` rule never sees (EventBridge user guide, "Receiving
read-only management events from AWS services"): a break-glass session that only reads, such
as ``secretsmanager:GetSecretValue``, must page too."""


def _receive_read_only_events(rule: events.Rule) -> None:
    cfn = rule.node.default_child
    if not isinstance(cfn, events.CfnRule):
        raise TypeError(f"{rule.node.path} has no CfnRule as its default child")
    cfn.state = ALL_MANAGEMENT_EVENTS


@dataclass(frozen=True, kw_only=True)
class ManagementEventRule:
    """One kind of management-account event that pages."""

    construct_id: str
    """PascalCase id of the rule; never changes."""

    name: str
    """Rule name after the prefix."""

    description: str
    """What a page means, for whoever receives it."""

    detail: Callable[[str], Mapping[str, Any]]
    """The ``detail`` of the event pattern, given the prefix."""

    detail_types: tuple[str, ...] = (API_CALL,)

    read_only_events: bool = False
    """Whether the rule also matches read-only calls (``ALL_MANAGEMENT_EVENTS``)."""


def _calls(sources: Sequence[str], names: Sequence[str]) -> Mapping[str, Any]:
    return {"eventSource": list(sources), "eventName": list(names)}


ORGANIZATIONS_POLICY_CHANGES = (
    "AttachPolicy",
    "CreatePolicy",
    "DeletePolicy",
    "DeleteResourcePolicy",
    "DeregisterDelegatedAdministrator",
    "DetachPolicy",
    "DisableAWSServiceAccess",
    "DisablePolicyType",
    "EnableAWSServiceAccess",
    "EnablePolicyType",
    "PutResourcePolicy",
    "RegisterDelegatedAdministrator",
    "UpdatePolicy",
)
"""AWS Organizations calls that change what the SCPs, RCPs and management policies enforce,
who administers a security service, or which services have trusted access."""

CLOUDTRAIL_CHANGES = (
    "CreateTrail",
    "DeleteEventDataStore",
    "DeleteTrail",
    "DeregisterOrganizationDelegatedAdmin",
    "PutEventSelectors",
    "PutInsightSelectors",
    "RegisterOrganizationDelegatedAdmin",
    "StartLogging",
    "StopEventDataStoreIngestion",
    "StopLogging",
    "UpdateEventDataStore",
    "UpdateTrail",
)
"""CloudTrail calls that stop, narrow or redirect the organization trail (``PutEventSelectors``
drops data or management events without stopping the trail)."""

ALERT_PATH_SOURCES = (
    "events.amazonaws.com",
    "logs.amazonaws.com",
    "monitoring.amazonaws.com",
    "sns.amazonaws.com",
)
ALERT_PATH_CHANGES = (
    # CloudWatch alarms
    "DeleteAlarms",
    "DisableAlarmActions",
    "PutCompositeAlarm",
    "PutMetricAlarm",
    "SetAlarmState",
    # CloudWatch Logs: the trail's log group and its metric filters
    "DeleteLogGroup",
    "DeleteMetricFilter",
    "DeleteRetentionPolicy",
    "DeleteSubscriptionFilter",
    "DisassociateKmsKey",
    "PutMetricFilter",
    "PutRetentionPolicy",
    # SNS: the alarm topics
    "AddPermission",
    "DeleteTopic",
    "RemovePermission",
    "SetSubscriptionAttributes",
    "SetTopicAttributes",
    "Subscribe",
    "Unsubscribe",
    # EventBridge: this forwarder
    "DeleteEventBus",
    "DeleteRule",
    "DisableRule",
    "PutPermission",
    "PutRule",
    "PutTargets",
    "RemoveTargets",
)
"""Calls that silence the management account's own alarms (CIS, break-glass) or its
forwarder; a deployment that changes them pages too, by design."""


def _landing_zone_iam(prefix: str) -> Mapping[str, Any]:
    return {
        "eventSource": ["iam.amazonaws.com"],
        "$or": [
            {"requestParameters": {"roleName": [{"prefix": prefix}]}},
            {"requestParameters": {"policyArn": [{"wildcard": f"arn:*:iam::*:policy/{prefix}*"}]}},
        ],
    }


MANAGEMENT_EVENT_RULES: tuple[ManagementEventRule, ...] = (
    ManagementEventRule(
        construct_id="OrganizationsPolicyChanges",
        name="management-organizations-policies",
        description=(
            "HIGH: an organization policy, policy type, delegated administrator or trusted "
            "access changed in the management account"
        ),
        detail=lambda _: _calls(["organizations.amazonaws.com"], ORGANIZATIONS_POLICY_CHANGES),
    ),
    ManagementEventRule(
        construct_id="CloudTrailChanges",
        name="management-cloudtrail-changes",
        description="HIGH: a trail or event data store changed in the management account",
        detail=lambda _: _calls(["cloudtrail.amazonaws.com"], CLOUDTRAIL_CHANGES),
    ),
    ManagementEventRule(
        construct_id="AlertPathChanges",
        name="management-alert-path-changes",
        description=(
            "HIGH: an alarm, metric filter, log group, topic or event rule changed in the "
            "management account"
        ),
        detail=lambda _: _calls(ALERT_PATH_SOURCES, ALERT_PATH_CHANGES),
    ),
    ManagementEventRule(
        construct_id="LandingZoneIamChanges",
        name="management-landing-zone-iam",
        description=(
            "HIGH: a landing-zone role or managed policy changed in the management account"
        ),
        detail=_landing_zone_iam,
    ),
    ManagementEventRule(
        construct_id="RootUse",
        name="management-root-use",
        description="HIGH: the management account's root user signed in or made a call",
        detail=lambda _: {"userIdentity": {"type": ["Root"]}},
        detail_types=(API_CALL, CONSOLE_SIGN_IN),
        read_only_events=True,
    ),
)
"""What pages from the management account, besides break-glass use."""


def break_glass_detail(
    permission_set_names: Sequence[str], role_names: Sequence[str]
) -> Mapping[str, Any]:
    """Events of a session of a break-glass permission set's role or of a break-glass role."""
    if isinstance(permission_set_names, str) or isinstance(role_names, str):
        raise TypeError("permission_set_names and role_names are lists of names")
    for name in permission_set_names:
        if not PERMISSION_SET_NAME.fullmatch(name):
            raise ValueError(f"permission_set_names: {name!r} is not a permission set name")
    for name in role_names:
        if not IAM_ROLE_NAME.fullmatch(name):
            raise ValueError(f"role_names: {name!r} is not an IAM role name")
    roles = [f"{RESERVED_SSO_ROLE_PREFIX}{name}_*" for name in permission_set_names]
    roles += list(role_names)
    if not roles:
        raise ValueError("name at least one break-glass permission set or role, got none")
    # The session's ARN names the role for API calls and console sign-ins alike.
    return {
        "userIdentity": {
            "arn": [{"wildcard": f"arn:*:sts::*:assumed-role/{role}/*"} for role in roles]
        }
    }


class ManagementEventForwarder(Construct):
    """In the management account, one region: its API calls (read-only ones included) and
    console sign-ins to the event bus of ``ManagementEventAlarms``.

    Children as ``FindingForwarder``'s (``Resource``, ``Role``, ``Policy``,
    ``DeadLetterQueue``, ``DeadLetterTopic``, ``DeadLetterAlarm``), named
    ``<name_prefix>management-events-forwarder...``.

    Why this may live where no SCP applies: it holds no decision, it forwards everything, so
    disabling it is the only attack, and the call that disables it is a management-account
    event of a principal that reaches that account (only break-glass and the deployer do): the
    break-glass session's sign-in and first calls have been forwarded (and paged) before it can
    disable the rule, and the deployer's changes go through review. The organization trail's
    copy in the WORM archive records the call regardless.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        event_bus_arn: str,
        name_prefix: str = "lz-",
        alarm_subscriptions: Sequence[Subscription] = (),
        administrator_arns: Sequence[str] = (),
    ) -> None:
        """
        :param event_bus_arn: The event bus of ``ManagementEventAlarms``
            (``ManagementEventAlarms.event_bus_arn_for``).
        :param name_prefix: Prefix of every name. Default: ``lz-``.
        :param alarm_subscriptions: Endpoints told when events could not be forwarded.
            Default: none.
        :param administrator_arns: The only principals that may change the dead-letter topic
            (see ``EncryptedTopic``). Default: none.
        """
        super().__init__(scope, construct_id)
        forwarding = EventForwarding(
            self,
            name_prefix=name_prefix,
            name=FORWARDER_NAME,
            what="Management account events",
            destination="the security-tooling account",
            event_bus_arn=event_bus_arn,
            description="API calls and console sign-ins, to the security-tooling account",
            event_pattern=events.EventPattern(detail_type=[API_CALL, CONSOLE_SIGN_IN]),
            alarm_subscriptions=alarm_subscriptions,
            administrator_arns=administrator_arns,
        )
        _receive_read_only_events(forwarding.rule)
        self.rule = forwarding.rule
        self.role = forwarding.role
        self.policy = forwarding.policy
        self.dead_letter_queue = forwarding.dead_letter_queue
        self.dead_letter_topic = forwarding.dead_letter_topic
        self.dead_letter_alarm = forwarding.dead_letter_alarm


class ManagementEventAlarms(Construct):
    """In the security-tooling account's home region: the management account's events, paged.

    An event bus (``EventBus``, ``<prefix>management-events``) that admits
    ``events:PutEvents`` from the management account's forwarder roles only; on it, one rule
    per ``MANAGEMENT_EVENT_RULES`` entry and one for break-glass use (``BreakGlassUse``), each
    named ``<prefix>management-...`` and sending a short JSON message to the paging topic
    (``PagingTopic``, ``<prefix>management-events-paging``). Undelivered messages go to an
    encrypted dead-letter queue whose alarm pages too.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        management_account_id: str,
        break_glass_permission_sets: Sequence[str] = ("BreakGlass",),
        break_glass_role_names: Sequence[str] = (),
        paging_subscriptions: Sequence[Subscription] = (),
        name_prefix: str = "lz-",
        administrator_arns: Sequence[str] = (),
    ) -> None:
        """
        :param management_account_id: The account whose forwarders may send events.
        :param break_glass_permission_sets: Break-glass permission set names. Default:
            ``BreakGlass``.
        :param break_glass_role_names: Exact names of break-glass IAM roles. Default: none,
            unlike ``GuardrailParameters.break_glass_role_names`` and the config
            (``lz-break-glass``): pass the break-glass roles your guardrails name, or their use
            raises no alarm.
        :param paging_subscriptions: Endpoints of the paging topic. Default: none.
        :param name_prefix: Prefix of every name. Default: ``lz-``.
        :param administrator_arns: The only principals that may change the paging topic
            (see ``EncryptedTopic``). Default: none.
        """
        super().__init__(scope, construct_id)
        _check_account_id("management_account_id", management_account_id)
        prefix = check_prefix(name_prefix)
        stack = Stack.of(self)
        if not is_unresolved(stack.account) and stack.account == management_account_id:
            raise ValueError(
                f"management_account_id: {management_account_id!r} is this stack's account; "
                "the alarms must live where SCPs protect them, outside the management account"
            )
        self.event_bus = events.EventBus(
            self,
            "EventBus",
            event_bus_name=protected_name("event bus", prefix, "management-events"),
        )
        # The roles need not exist yet: a name pattern, not principals that IAM resolves.
        self.event_bus_policy = event_bus_policy(
            self,
            "EventBusPolicy",
            event_bus_name=self.event_bus.event_bus_name,
            statement={
                "Sid": "ManagementAccountForwarders",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{pseudo.PARTITION}:iam::{management_account_id}:root"},
                "Action": "events:PutEvents",
                "Resource": self.event_bus.event_bus_arn,
                "Condition": {
                    "ArnLike": {
                        "aws:PrincipalArn": (
                            f"arn:{pseudo.PARTITION}:iam::{management_account_id}:role/"
                            f"{prefix}{FORWARDER_NAME}-*"
                        )
                    }
                },
            },
        )
        self.paging_topic = EncryptedTopic(
            self,
            "PagingTopic",
            display_name="Management account - page",
            subscriptions=paging_subscriptions,
            topic_name=protected_name("topic", prefix, "management-events-paging"),
            administrator_arns=administrator_arns,
        )
        dead_letters = _DeadLetterQueue(
            self,
            "DeadLetterQueue",
            queue_name=protected_name("queue", prefix, "management-events-dead-letters"),
        )
        self.dead_letter_queue = dead_letters.queue
        specs = [
            ManagementEventRule(
                construct_id="BreakGlassUse",
                name="management-break-glass",
                description="HIGH: break-glass access was used in the management account",
                detail=lambda _: break_glass_detail(
                    break_glass_permission_sets, break_glass_role_names
                ),
                detail_types=(API_CALL, CONSOLE_SIGN_IN),
                read_only_events=True,
            ),
            *MANAGEMENT_EVENT_RULES,
        ]
        self.rules: dict[str, events.Rule] = {}
        for spec in specs:
            self.rules[spec.construct_id] = events.Rule(
                self,
                spec.construct_id,
                event_bus=self.event_bus,
                rule_name=protected_name("rule", prefix, spec.name),
                description=spec.description,
                event_pattern=events.EventPattern(
                    detail_type=list(spec.detail_types), detail=dict(spec.detail(prefix))
                ),
                targets=[
                    _Target(
                        self.paging_topic.topic_arn,
                        dead_letter_queue=self.dead_letter_queue,
                        message=_message(spec.description),
                    )
                ],
            )
            if spec.read_only_events:
                _receive_read_only_events(self.rules[spec.construct_id])
        dead_letters.admit(list(self.rules.values()))
        self.dead_letter_alarm = _dead_letter_alarm(
            self,
            self.dead_letter_queue,
            "Management account pages could not be delivered to their topic",
            alarm_name=protected_name("alarm", prefix, "management-events-dead-letters"),
        )
        self.dead_letter_alarm.add_alarm_action(
            cloudwatch_actions.SnsAction(self.paging_topic.topic)
        )

    @staticmethod
    def event_bus_arn_for(account_id: str, region: str, name_prefix: str = "lz-") -> str:
        """The ARN of the event bus of a ``ManagementEventAlarms`` deployed in ``account_id``
        and ``region``: derived, so the forwarders need no cross-stack reference."""
        if not ACCOUNT_ID.fullmatch(account_id):
            raise ValueError(f"account_id: {account_id!r} is not a 12-digit account id")
        name = protected_name("event bus", name_prefix, "management-events")
        return f"arn:{pseudo.PARTITION}:events:{region}:{account_id}:event-bus/{name}"


def _message(description: str) -> events.RuleTargetInput:
    def field(path: str) -> str:
        return events.EventField.from_path(path)

    return events.RuleTargetInput.from_object(
        {
            "alarm": description,
            "account": field("$.account"),
            "region": field("$.detail.awsRegion"),
            "time": field("$.time"),
            "eventSource": field("$.detail.eventSource"),
            "eventName": field("$.detail.eventName"),
            "principal": field("$.detail.userIdentity.arn"),
            "sourceIp": field("$.detail.sourceIPAddress"),
        }
    )
