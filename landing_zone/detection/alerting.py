"""Security findings delivered at once: GuardDuty and Security Hub findings to encrypted topics.

``FindingAlerts`` runs in the home region of the security-tooling account, the administrator of
GuardDuty and Security Hub, which receives the findings of every member account as EventBridge
events. Security Hub aggregates the findings of the linked regions into the home region;
GuardDuty does not, so ``FindingForwarder`` sends the GuardDuty findings of every other governed
region to the home region's default event bus, where ``FindingAlerts`` picks them up.

Not verified here (no AWS account): the event shapes below follow the GuardDuty and Security Hub
(ASFF) documentation; EventBridge and CloudWatch are assumed to send ``aws:SourceAccount`` when
they publish to an encrypted topic, as the topic and key policies require it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Literal

import jsii
from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces.aws_events import IRuleRef
from constructs import Construct

from landing_zone.common.key_policy import (
    administered_key,
    use_through_services_statement,
)
from landing_zone.common.patterns import EMAIL_ADDRESS, REGION, is_https_url
from landing_zone.common.protected_names import checked_name, protected_name
from landing_zone.common.protection import unless
from landing_zone.common.tokens import is_unresolved


class Severity(Enum):
    """Finding severity, from GuardDuty's numeric scale and Security Hub's labels alike.

    GuardDuty's levels are value ranges: Low 1.0-3.9, Medium 4.0-6.9, High 7.0-8.9 and, since
    its attack sequence findings, Critical 9.0-10.0. Security Hub labels a finding LOW, MEDIUM,
    HIGH or CRITICAL (or INFORMATIONAL, which never alerts).
    """

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def guardduty_minimum(self) -> float:
        """The lowest GuardDuty severity value of this level."""
        return _GUARDDUTY_MINIMUM[self]

    @property
    def rank(self) -> int:
        """0 for LOW up to 3 for CRITICAL."""
        return list(Severity).index(self)

    def security_hub_labels(self) -> list[str]:
        """The Security Hub labels of this level and every level above it."""
        return [severity.value for severity in Severity if severity.rank >= self.rank]


_GUARDDUTY_MINIMUM = {
    Severity.LOW: 1.0,
    Severity.MEDIUM: 4.0,
    Severity.HIGH: 7.0,
    Severity.CRITICAL: 9.0,
}

DEFAULT_PUBLISHERS = ("cloudwatch.amazonaws.com", "events.amazonaws.com")
"""Services an ``EncryptedTopic`` accepts messages from by default: EventBridge rules (findings)
and CloudWatch alarms (such as the CloudTrail alarms of the management account)."""

PROTECTED_TOPIC_ACTIONS = (
    "sns:AddPermission",
    "sns:DeleteTopic",
    "sns:PutDataProtectionPolicy",
    "sns:RemovePermission",
    "sns:SetTopicAttributes",
    "sns:Subscribe",
)
"""What an ``EncryptedTopic`` with ``administrator_arns`` denies everyone else: the topic policy
actions (SNS developer guide, "Amazon SNS API permissions: Actions and resources reference")
that delete the topic, change its policy, key or delivery settings, or add an endpoint that
would read the alerts. ``sns:Unsubscribe`` is not a topic policy action: the guardrails (SCP)
must deny it."""

_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com")
_DISPLAY_NAME_MAX_LENGTH = 100


@dataclass(frozen=True)
class Subscription:
    """An endpoint that receives every message of a topic: an email address or an HTTPS URL."""

    protocol: Literal["email", "https"]
    endpoint: str

    def __post_init__(self) -> None:
        if self.protocol not in ("email", "https"):
            raise ValueError(
                f"subscription protocol: got {self.protocol!r}; allowed: 'email', 'https'"
            )
        if is_unresolved(self.endpoint):
            raise ValueError(
                "subscription endpoint: got an unresolved token; give the address itself, "
                "which names the subscription's construct id"
            )
        if self.protocol == "email" and not EMAIL_ADDRESS.fullmatch(self.endpoint):
            raise ValueError(f"subscription endpoint: {self.endpoint!r} is not an email address")
        if self.protocol == "https" and not is_https_url(self.endpoint):
            raise ValueError(
                f"subscription endpoint: {self.endpoint!r} is not an https:// URL with a host"
            )

    @property
    def construct_id(self) -> str:
        """Stable per endpoint: a digest, because addresses hold characters ids cannot."""
        digest = hashlib.sha256(self.endpoint.encode("utf-8")).hexdigest()[:12].upper()
        return f"{self.protocol.capitalize()}{digest}"


class EncryptedTopic(Construct):
    """An SNS topic encrypted with its own customer managed key, published to over TLS only.

    The key rotates yearly and is retained with the stack's deletion: messages still in flight
    or in a subscriber's retry can only be read with it. The services in ``publishers`` may use
    the key and publish to the topic, from this account only (``aws:SourceAccount``). The topic
    (``Resource``) is not retained: it holds no message once delivered.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        display_name: str,
        subscriptions: Sequence[Subscription] = (),
        publishers: Sequence[str] = DEFAULT_PUBLISHERS,
        topic_name: str | None = None,
        administrator_arns: Sequence[str] = (),
    ) -> None:
        """
        :param display_name: The topic's display name, the sender name of its emails (at most
            100 characters).
        :param subscriptions: Endpoints that receive every message. Default: none; an email
            subscription receives messages once its owner confirms it.
        :param publishers: Service principals of this account that may publish. Default:
            EventBridge and CloudWatch. Principals of the account itself publish with their own
            IAM permissions and a grant on the key.
        :param topic_name: The topic's name; give one under the guardrails' protected prefix
            (``lz-...``) so that they cover it. Default: a name CloudFormation generates.
        :param administrator_arns: ARN patterns (``arn:aws:iam::*:role/lz-*``) of the only
            principals that may change the topic: the topic policy denies
            ``PROTECTED_TOPIC_ACTIONS`` to every other principal, which holds where no SCP
            reaches (the management account) and whatever IAM grants. Include the role that
            deploys the stack, or its next update fails. Default: none, no such statement.
        """
        super().__init__(scope, construct_id)
        if not is_unresolved(display_name) and not (
            0 < len(display_name) <= _DISPLAY_NAME_MAX_LENGTH
        ):
            raise ValueError(
                f"display_name: {display_name!r}; allowed: 1 to {_DISPLAY_NAME_MAX_LENGTH} "
                "characters"
            )
        services = _publishers(publishers)
        administrators = _arn_patterns("administrator_arns", administrator_arns)
        endpoints = [(s.protocol, s.endpoint) for s in subscriptions]
        duplicates = sorted({e for e in endpoints if endpoints.count(e) > 1})
        if duplicates:
            raise ValueError(f"subscriptions: {duplicates} appear more than once; list each once")
        account = Stack.of(self).account

        # No kms:*: principals of the account publish through SNS only; the publishing
        # services get their own statement below.
        self.key = administered_key(
            self,
            "Key",
            description="Encrypts the messages of a landing zone alert topic",
            statements=[
                use_through_services_statement(
                    "PublishThroughSnsInThisAccount",
                    ["sns"],
                    ["kms:Decrypt", "kms:GenerateDataKey*"],
                )
            ],
        )
        self.topic = sns.Topic(
            self,
            "Resource",
            topic_name=None if topic_name is None else checked_name("topic", topic_name),
            display_name=display_name,
            master_key=self.key,
            enforce_ssl=True,
        )
        if administrators:
            # An explicit deny in the resource policy: it binds the account's own principals
            # too, including in the management account, where no SCP applies.
            self.topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="DenyChangesButByLandingZone",
                    effect=iam.Effect.DENY,
                    principals=[iam.AnyPrincipal()],
                    actions=list(PROTECTED_TOPIC_ACTIONS),
                    resources=[self.topic.topic_arn],
                    conditions=unless(administrators),
                )
            )
        if services:
            principals = [iam.ServicePrincipal(service) for service in services]
            only_this_account = {"StringEquals": {"aws:SourceAccount": account}}
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AllowPublishingServicesOfThisAccount",
                    principals=principals,
                    actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                    resources=["*"],
                    conditions=only_this_account,
                )
            )
            self.topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AllowPublishingServicesOfThisAccount",
                    principals=principals,
                    actions=["sns:Publish"],
                    resources=[self.topic.topic_arn],
                    conditions=only_this_account,
                )
            )
        for subscription in subscriptions:
            sns.Subscription(
                self,
                subscription.construct_id,
                topic=self.topic,
                protocol=sns.SubscriptionProtocol(subscription.protocol.upper()),
                endpoint=subscription.endpoint,
            )
        self.topic_arn = self.topic.topic_arn


class FindingAlerts(Construct):
    """GuardDuty and Security Hub findings to an alert topic and a paging topic, as they arrive.

    Findings at ``minimum_severity`` or above go to ``alert_topic``; those at
    ``paging_severity`` or above also go to ``paging_topic``, meant for an on-call pager, so
    the alert topic keeps the whole record. Five EventBridge rules do it:

    - GuardDuty (alert, paging): ``GuardDuty Finding`` events whose numeric severity reaches
      the threshold.
    - Security Hub (alert, paging): ``Security Hub Findings - Imported`` events of new
      (workflow ``NEW``), active findings with a label at or above the threshold, except
      GuardDuty's, which Security Hub re-imports: one threat alerts once. Security Hub sends an
      event again each time a finding is updated, so a finding left ``NEW`` can alert more
      than once.
    - Security Hub suppressions (alert): active findings at ``minimum_severity`` or above whose
      workflow status someone set to ``SUPPRESSED`` or ``NOTIFIED`` (a user, an automation rule
      or an integration; GuardDuty's included). Such a finding never was ``NEW`` in an event
      when an automation rule changed it on import, so the rules above never saw it: silencing
      a finding is itself an alert. It alerts again whenever its provider updates it.

    Each message is a JSON object naming the source, account, region, severity, finding type,
    title and id (GuardDuty: a console link too; suppressions: the workflow status and who
    last wrote the note); for Security Hub the first finding of the event. Undelivered messages
    go to an encrypted dead-letter queue, and a message there raises the ``DeadLetterAlarm`` on
    both topics.

    Rules, topics, queue and alarm are named ``<name_prefix>...``, so that the guardrails that
    protect the landing zone's names keep account principals from disabling or deleting them.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        minimum_severity: Severity | str = Severity.MEDIUM,
        paging_severity: Severity | str = Severity.HIGH,
        alert_subscriptions: Sequence[Subscription] = (),
        paging_subscriptions: Sequence[Subscription] = (),
        name_prefix: str = "lz-",
        administrator_arns: Sequence[str] = (),
    ) -> None:
        """
        :param minimum_severity: Lowest severity that alerts. Default: MEDIUM; LOW findings
            are context for an investigation rather than incidents of their own.
        :param paging_severity: Lowest severity that also pages. Default: HIGH. It cannot be
            below ``minimum_severity``.
        :param alert_subscriptions: Endpoints of the alert topic. Default: none.
        :param paging_subscriptions: Endpoints of the paging topic. Default: none.
        :param name_prefix: Prefix of every name: the guardrails' ``landing_zone_role_prefix``.
            Default: ``lz-``. Names are unique per account and region: one ``FindingAlerts``
            per account and region.
        :param administrator_arns: The only principals that may change the topics (see
            ``EncryptedTopic``). Default: none.
        """
        super().__init__(scope, construct_id)
        minimum = _severity("minimum_severity", minimum_severity)
        paging = _severity("paging_severity", paging_severity)
        if paging.rank < minimum.rank:
            raise ValueError(
                f"paging_severity: got {paging.value}, below minimum_severity "
                f"{minimum.value}; allowed: {', '.join(minimum.security_hub_labels())}"
            )
        self.minimum_severity = minimum
        self.paging_severity = paging
        self.alert_topic = EncryptedTopic(
            self,
            "AlertTopic",
            display_name="Security findings",
            subscriptions=alert_subscriptions,
            topic_name=protected_name("topic", name_prefix, "security-findings-alerts"),
            administrator_arns=administrator_arns,
        )
        self.paging_topic = EncryptedTopic(
            self,
            "PagingTopic",
            display_name="Security findings - page",
            subscriptions=paging_subscriptions,
            topic_name=protected_name("topic", name_prefix, "security-findings-paging"),
            administrator_arns=administrator_arns,
        )
        dead_letters = _DeadLetterQueue(
            self,
            "DeadLetterQueue",
            queue_name=protected_name("queue", name_prefix, "security-findings-dead-letters"),
        )
        self.dead_letter_queue = dead_letters.queue
        self.dead_letter_key = dead_letters.key

        def rule(
            rule_id: str,
            name: str,
            description: str,
            pattern: events.EventPattern,
            topic: EncryptedTopic,
            message: events.RuleTargetInput,
        ) -> events.Rule:
            return events.Rule(
                self,
                rule_id,
                rule_name=protected_name("rule", name_prefix, name),
                description=description,
                event_pattern=pattern,
                targets=[
                    _Target(
                        topic.topic_arn,
                        dead_letter_queue=self.dead_letter_queue,
                        message=message,
                    )
                ],
            )

        rules: list[events.Rule] = []
        for label, topic, severity in (
            ("Alert", self.alert_topic, minimum),
            ("Paging", self.paging_topic, paging),
        ):
            rules.append(
                rule(
                    f"GuardDuty{label}Rule",
                    f"guardduty-findings-{label.lower()}",
                    f"GuardDuty findings of severity {severity.value} or above",
                    guardduty_finding_pattern(severity),
                    topic,
                    _guardduty_message(),
                )
            )
            rules.append(
                rule(
                    f"SecurityHub{label}Rule",
                    f"securityhub-findings-{label.lower()}",
                    (
                        f"New Security Hub findings of severity {severity.value} or above, "
                        "except GuardDuty's"
                    ),
                    security_hub_finding_pattern(severity),
                    topic,
                    _security_hub_message(),
                )
            )
        rules.append(
            rule(
                "SecurityHubSuppressedRule",
                "securityhub-suppressed-findings",
                (
                    f"Security Hub findings of severity {minimum.value} or above set to "
                    "SUPPRESSED or NOTIFIED"
                ),
                security_hub_suppression_pattern(minimum),
                self.alert_topic,
                _security_hub_message(workflow=True),
            )
        )
        self.rules = tuple(rules)
        dead_letters.admit(self.rules)
        self.dead_letter_alarm = _dead_letter_alarm(
            self,
            self.dead_letter_queue,
            "Security finding alerts could not be delivered to their topic",
            alarm_name=protected_name("alarm", name_prefix, "security-findings-dead-letters"),
        )
        # Both topics: the undelivered message may have been a page, and the topic that failed
        # may be either.
        for topic in (self.alert_topic, self.paging_topic):
            self.dead_letter_alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic.topic))


class FindingForwarder(Construct):
    """Forwards the GuardDuty findings of this region to the home region's default event bus.

    For every governed region but the home region, in the security-tooling account: one rule
    (``Resource``) sends GuardDuty findings at ``minimum_severity`` or above, unchanged, to the
    default bus of the same account in ``home_region``, where ``FindingAlerts`` handles them like
    its own. EventBridge sends them with a role (``Role``) allowed ``events:PutEvents`` on that
    bus only; undelivered events go to an encrypted dead-letter queue in this region, whose
    alarm (``DeadLetterAlarm``) notifies an encrypted topic of this region (``DeadLetterTopic``):
    an alarm can only notify a topic of its own region, so the home topics are out of reach.
    Everything is named ``<name_prefix>guardduty-findings-forwarder...`` (the role and its
    policy with the region, as IAM names are global).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        home_region: str,
        minimum_severity: Severity | str = Severity.MEDIUM,
        alarm_subscriptions: Sequence[Subscription] = (),
        name_prefix: str = "lz-",
        administrator_arns: Sequence[str] = (),
    ) -> None:
        """
        :param home_region: Region of ``FindingAlerts``; not the stack's own region.
        :param minimum_severity: Lowest severity forwarded; the ``minimum_severity`` of
            ``FindingAlerts``. Default: MEDIUM.
        :param alarm_subscriptions: Endpoints told when findings could not be forwarded: those
            of the alert topic. Default: none, the alarm shows in CloudWatch only.
        :param name_prefix: Prefix of every name: the guardrails' ``landing_zone_role_prefix``.
            Default: ``lz-``.
        :param administrator_arns: The only principals that may change the dead-letter topic
            (see ``EncryptedTopic``). Default: none.
        """
        super().__init__(scope, construct_id)
        if not is_unresolved(home_region) and not REGION.fullmatch(home_region):
            raise ValueError(
                f"home_region: {home_region!r} is not a region name such as 'eu-west-1'"
            )
        stack = Stack.of(self)
        if not is_unresolved(stack.region) and stack.region == home_region:
            raise ValueError(
                f"home_region: {home_region!r} is this stack's region; FindingAlerts handles "
                "the home region's findings itself, forward from the other regions only"
            )
        minimum = _severity("minimum_severity", minimum_severity)
        self.home_event_bus_arn = stack.format_arn(
            service="events",
            region=home_region,
            resource="event-bus",
            resource_name="default",
        )
        forwarding = EventForwarding(
            self,
            name_prefix=name_prefix,
            name="guardduty-findings-forwarder",
            what="GuardDuty findings",
            destination="the home region",
            event_bus_arn=self.home_event_bus_arn,
            description=(
                f"GuardDuty findings of severity {minimum.value} or above, to the home region"
            ),
            event_pattern=guardduty_finding_pattern(minimum),
            alarm_subscriptions=alarm_subscriptions,
            administrator_arns=administrator_arns,
        )
        self.role = forwarding.role
        self.policy = forwarding.policy
        self.rule = forwarding.rule
        self.dead_letter_queue = forwarding.dead_letter_queue
        self.dead_letter_key = forwarding.dead_letter_key
        self.dead_letter_topic = forwarding.dead_letter_topic
        self.dead_letter_alarm = forwarding.dead_letter_alarm


class EventForwarding:
    """The children of a construct that forwards events of its region to another event bus.

    In ``scope``: the rule (``Resource``), a role EventBridge sends with (``Role``, allowed
    ``events:PutEvents`` on the target bus only, through ``Policy``), an encrypted dead-letter
    queue (``DeadLetterQueue``) and, as an alarm can only notify a topic of its own region, an
    encrypted topic of this region (``DeadLetterTopic``) that ``DeadLetterAlarm`` notifies.
    All are named ``<name_prefix><name>...``; the role and the policy add the region, since
    IAM names are global.
    """

    def __init__(
        self,
        scope: Construct,
        *,
        name_prefix: str,
        name: str,
        what: str,
        destination: str,
        event_bus_arn: str,
        description: str,
        event_pattern: events.EventPattern,
        alarm_subscriptions: Sequence[Subscription],
        administrator_arns: Sequence[str],
    ) -> None:
        region = Stack.of(scope).region
        dead_letters = _DeadLetterQueue(
            scope,
            "DeadLetterQueue",
            queue_name=protected_name("queue", name_prefix, f"{name}-dead-letters"),
        )
        self.dead_letter_queue = dead_letters.queue
        self.dead_letter_key = dead_letters.key
        iam_name = f"{name}-{region}"
        # A rule can only use a role passed to it by a principal of this account
        # (iam:PassRole), so trusting the service principal is enough.
        self.role = iam.Role(
            scope,
            "Role",
            role_name=protected_name("role", name_prefix, iam_name),
            assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
            description=f"Forwards {what} to {destination}",
        )
        self.policy = iam.ManagedPolicy(
            scope,
            "Policy",
            managed_policy_name=protected_name("managed policy", name_prefix, iam_name),
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="PutEventsOnTargetBus",
                    actions=["events:PutEvents"],
                    resources=[event_bus_arn],
                )
            ],
        )
        self.rule = events.Rule(
            scope,
            "Resource",
            rule_name=protected_name("rule", name_prefix, name),
            description=description,
            event_pattern=event_pattern,
            targets=[
                _Target(
                    event_bus_arn,
                    dead_letter_queue=self.dead_letter_queue,
                    role=self.role,
                )
            ],
        )
        self.rule.node.add_dependency(self.policy)
        dead_letters.admit([self.rule])
        self.dead_letter_topic = EncryptedTopic(
            scope,
            "DeadLetterTopic",
            display_name=f"{what} not forwarded to {destination}"[:_DISPLAY_NAME_MAX_LENGTH],
            subscriptions=alarm_subscriptions,
            publishers=("cloudwatch.amazonaws.com",),
            topic_name=protected_name("topic", name_prefix, f"{name}-dead-letters"),
            administrator_arns=administrator_arns,
        )
        self.dead_letter_alarm = _dead_letter_alarm(
            scope,
            self.dead_letter_queue,
            f"{what} could not be forwarded to {destination}",
            alarm_name=protected_name("alarm", name_prefix, f"{name}-dead-letters"),
        )
        self.dead_letter_alarm.add_alarm_action(
            cloudwatch_actions.SnsAction(self.dead_letter_topic.topic)
        )


def _dead_letter_alarm(
    scope: Construct, queue: sqs.IQueue, description: str, *, alarm_name: str
) -> cloudwatch.Alarm:
    """Alarms as soon as one undelivered event waits in ``queue``."""
    return cloudwatch.Alarm(
        scope,
        "DeadLetterAlarm",
        alarm_name=alarm_name,
        alarm_description=description,
        metric=queue.metric_approximate_number_of_messages_visible(
            period=Duration.minutes(5), statistic="Maximum"
        ),
        threshold=1,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )


def guardduty_finding_pattern(minimum: Severity) -> events.EventPattern:
    """GuardDuty findings whose severity value is at least ``minimum``'s lower bound."""
    return events.EventPattern(
        source=["aws.guardduty"],
        detail_type=["GuardDuty Finding"],
        detail={"severity": [{"numeric": [">=", minimum.guardduty_minimum]}]},
    )


def security_hub_finding_pattern(minimum: Severity) -> events.EventPattern:
    """New, active Security Hub findings labelled ``minimum`` or above, except GuardDuty's."""
    return events.EventPattern(
        source=["aws.securityhub"],
        detail_type=["Security Hub Findings - Imported"],
        detail={
            "findings": {
                "Severity": {"Label": minimum.security_hub_labels()},
                "Workflow": {"Status": ["NEW"]},
                "RecordState": ["ACTIVE"],
                "ProductName": [{"anything-but": "GuardDuty"}],
            }
        },
    )


def security_hub_suppression_pattern(minimum: Severity) -> events.EventPattern:
    """Active Security Hub findings labelled ``minimum`` or above whose workflow status is
    ``SUPPRESSED`` or ``NOTIFIED``: taken out of the ``NEW`` queue by someone, or by an
    automation rule on import. GuardDuty's included: suppressing them in Security Hub silences
    them there just the same."""
    return events.EventPattern(
        source=["aws.securityhub"],
        detail_type=["Security Hub Findings - Imported"],
        detail={
            "findings": {
                "Severity": {"Label": minimum.security_hub_labels()},
                "Workflow": {"Status": ["SUPPRESSED", "NOTIFIED"]},
                "RecordState": ["ACTIVE"],
            }
        },
    )


def _guardduty_message() -> events.RuleTargetInput:
    region = events.EventField.from_path("$.detail.region")
    finding_id = events.EventField.from_path("$.detail.id")
    return events.RuleTargetInput.from_object(
        {
            "source": "GuardDuty",
            "account": events.EventField.from_path("$.detail.accountId"),
            "region": region,
            "severity": events.EventField.from_path("$.detail.severity"),
            "type": events.EventField.from_path("$.detail.type"),
            "title": events.EventField.from_path("$.detail.title"),
            "findingId": finding_id,
            "console": (
                f"https://console.aws.amazon.com/guardduty/home?region={region}"
                f"#/findings?macros=current&fId={finding_id}"
            ),
        }
    )


def _security_hub_message(*, workflow: bool = False) -> events.RuleTargetInput:
    def finding(path: str) -> str:
        return events.EventField.from_path(f"$.detail.findings[0].{path}")

    fields = {
        "source": "Security Hub",
        "product": finding("ProductName"),
        "account": finding("AwsAccountId"),
        "region": finding("Region"),
        "severity": finding("Severity.Label"),
        "type": finding("Types[0]"),
        "title": finding("Title"),
        "findingId": finding("Id"),
    }
    if workflow:
        # Who took the finding out of the queue, where Security Hub records it: the note's
        # author (BatchUpdateFindings) and the workflow status itself.
        fields["workflowStatus"] = finding("Workflow.Status")
        fields["noteUpdatedBy"] = finding("Note.UpdatedBy")
        fields["note"] = finding("Note.Text")
    return events.RuleTargetInput.from_object(fields)


@jsii.implements(events.IRuleTarget)
class _Target:
    """A rule target that grants nothing itself: the target's own policy (the topic's, or the
    role's for an event bus) already admits the rule, with conditions the aws-cdk-lib targets
    do not add."""

    def __init__(
        self,
        arn: str,
        *,
        dead_letter_queue: sqs.IQueue,
        message: events.RuleTargetInput | None = None,
        role: iam.IRole | None = None,
    ) -> None:
        self._arn = arn
        self._dead_letter_queue = dead_letter_queue
        self._message = message
        self._role = role

    def bind(self, rule: IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(
            arn=self._arn,
            input=self._message,
            role=self._role,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(
                arn=self._dead_letter_queue.queue_arn
            ),
        )


class _DeadLetterQueue(Construct):
    """An SQS queue, encrypted with its own key, for events EventBridge could not deliver."""

    def __init__(self, scope: Construct, construct_id: str, *, queue_name: str) -> None:
        super().__init__(scope, construct_id)
        # No kms:*: operators read and replay the events through SQS only.
        self.key = administered_key(
            self,
            "Key",
            description="Encrypts undelivered security finding events",
            statements=[
                use_through_services_statement(
                    "UseThroughSqsInThisAccount",
                    ["sqs"],
                    ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                )
            ],
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowEventBridgeOfThisAccount",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
        self.queue = sqs.Queue(
            self,
            "Resource",
            queue_name=queue_name,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            enforce_ssl=True,
            # The longest SQS allows: time to find out why delivery failed and replay.
            retention_period=Duration.days(14),
        )
        Validations.of(self.queue).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SQS3",
                reason=(
                    "This queue is itself the dead-letter queue of EventBridge rule targets; "
                    "the rule only recognizes queues named in another queue's redrive policy "
                    "or a Lambda function's dead-letter config."
                ),
            )
        )

    def admit(self, rules: Sequence[events.Rule]) -> None:
        """Let ``rules``, and no other, send their undelivered events here."""
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowDeadLettersOfTheRules",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[self.queue.queue_arn],
                conditions={"ArnEquals": {"aws:SourceArn": [rule.rule_arn for rule in rules]}},
            )
        )


def _severity(prop: str, value: Severity | str) -> Severity:
    try:
        return value if isinstance(value, Severity) else Severity(value)
    except ValueError:
        allowed = ", ".join(severity.value for severity in Severity)
        raise ValueError(f"{prop}: got {value!r}; allowed: {allowed}") from None


_ROLE_ARN_PATTERN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}|\*):role/[A-Za-z0-9+=,.@_*-]{1,64}")


def _arn_patterns(prop: str, values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise TypeError(f"{prop}: expected a list, got the string {values!r}")
    for value in values:
        if not is_unresolved(value) and not _ROLE_ARN_PATTERN.fullmatch(value):
            raise ValueError(
                f"{prop}: {value!r} is not an IAM role ARN pattern such as "
                "'arn:aws:iam::*:role/lz-*'"
            )
    return tuple(values)


def _publishers(values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise TypeError(f"publishers: expected a list, got the string {values!r}")
    for value in values:
        if not _SERVICE_PRINCIPAL.fullmatch(value):
            raise ValueError(
                f"publishers: {value!r} is not a service principal such as 'events.amazonaws.com'"
            )
    duplicates = sorted({value for value in values if values.count(value) > 1})
    if duplicates:
        raise ValueError(f"publishers: {duplicates} appear more than once; list each once")
    return tuple(values)
