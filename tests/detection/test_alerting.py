"""Severity, EncryptedTopic, FindingAlerts and FindingForwarder."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import App, CfnElement, Environment, Stack, Token
from aws_cdk.assertions import Template
from conftest import cdk_context
from eventbridge_patterns import matches

from landing_zone.compliance import violations
from landing_zone.detection.alerting import (
    PROTECTED_TOPIC_ACTIONS,
    EncryptedTopic,
    FindingAlerts,
    FindingForwarder,
    Severity,
    Subscription,
)

ACCOUNT = "333333333333"
HOME = Environment(account=ACCOUNT, region="eu-west-1")
OTHER = Environment(account=ACCOUNT, region="eu-central-1")
EMAIL = Subscription("email", "security@example.com")
PAGER = Subscription("https", "https://events.pagerduty.example/integration/abc")


def _stack(env: Environment = HOME) -> Stack:
    return Stack(App(context=cdk_context()), "SecurityTooling", env=env)


def _of_type(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    return {key: dict(value) for key, value in template.find_resources(resource_type).items()}


def _only(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    found = _of_type(template, resource_type)
    assert len(found) == 1, f"{len(found)} {resource_type}"
    return next(iter(found.items()))


def _logical_id(stack: Stack, construct: Any) -> str:
    """Logical id of ``construct``'s resource, following default children down to it."""
    while not isinstance(construct, CfnElement):
        construct = construct.node.default_child
    return str(stack.resolve(construct.logical_id))


def _statement(statements: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    found = [statement for statement in statements if statement.get("Sid") == sid]
    assert len(found) == 1, f"{len(found)} statements {sid!r}"
    return found[0]


# --- Severity ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "minimum", "labels"),
    [
        (Severity.LOW, 1.0, ["LOW", "MEDIUM", "HIGH", "CRITICAL"]),
        (Severity.MEDIUM, 4.0, ["MEDIUM", "HIGH", "CRITICAL"]),
        (Severity.HIGH, 7.0, ["HIGH", "CRITICAL"]),
        (Severity.CRITICAL, 9.0, ["CRITICAL"]),
    ],
)
def test_severity_bounds_and_labels(severity: Severity, minimum: float, labels: list[str]) -> None:
    assert severity.guardduty_minimum == minimum
    assert severity.security_hub_labels() == labels


def test_severities_are_ranked_low_to_critical() -> None:
    assert [severity.rank for severity in Severity] == [0, 1, 2, 3]
    assert Severity("HIGH") is Severity.HIGH


# --- Subscription ------------------------------------------------------------------------


def test_subscription_ids_are_stable_per_endpoint() -> None:
    assert EMAIL.construct_id == Subscription("email", "security@example.com").construct_id
    assert EMAIL.construct_id != Subscription("email", "soc@example.com").construct_id
    assert re.fullmatch(r"Email[0-9A-F]{12}", EMAIL.construct_id)
    assert re.fullmatch(r"Https[0-9A-F]{12}", PAGER.construct_id)


@pytest.mark.parametrize(
    ("protocol", "endpoint", "message"),
    [
        ("sms", "+15550100", "subscription protocol: got 'sms'; allowed: 'email', 'https'"),
        ("email", "security", "'security' is not an email address"),
        ("email", "a b@example.com", "'a b@example.com' is not an email address"),
        ("https", "http://alerts.example", "'http://alerts.example' is not an https:// URL"),
        ("https", "https://", "'https://' is not an https:// URL"),
        ("https", "https://alerts.example/a b", "is not an https:// URL"),
        ("email", Token.as_string({"Ref": "Email"}), "got an unresolved token"),
    ],
)
def test_rejects_impossible_subscriptions(protocol: Any, endpoint: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Subscription(protocol, endpoint)


# --- EncryptedTopic ----------------------------------------------------------------------


def _topic_template(**props: Any) -> tuple[Stack, EncryptedTopic, Template]:
    stack = _stack()
    topic = EncryptedTopic(stack, "Topic", **{"display_name": "Security findings", **props})
    return stack, topic, Template.from_stack(stack)


@pytest.fixture(scope="module")
def topic_template() -> tuple[Stack, EncryptedTopic, Template]:
    return _topic_template()


def test_topic_is_encrypted_with_its_own_key(
    topic_template: tuple[Stack, EncryptedTopic, Template],
) -> None:
    _, _, template = topic_template
    key_id, key = _only(template, "AWS::KMS::Key")
    _, topic = _only(template, "AWS::SNS::Topic")
    assert topic["Properties"] == {
        "DisplayName": "Security findings",
        "KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
    }
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["Properties"]["PendingWindowInDays"] == 30
    assert key["DeletionPolicy"] == "Retain"
    assert key["UpdateReplacePolicy"] == "Retain"


def test_topic_key_serves_only_publishing_services_of_this_account(
    topic_template: tuple[Stack, EncryptedTopic, Template],
) -> None:
    _, _, template = topic_template
    _, key = _only(template, "AWS::KMS::Key")
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    assert _statement(statements, "AllowPublishingServicesOfThisAccount") == {
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
        "Resource": "*",
        "Sid": "AllowPublishingServicesOfThisAccount",
    }


def test_topic_takes_messages_over_tls_from_this_account_only(
    topic_template: tuple[Stack, EncryptedTopic, Template],
) -> None:
    _, _, template = topic_template
    topic_id, _ = _only(template, "AWS::SNS::Topic")
    _, policy = _only(template, "AWS::SNS::TopicPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert len(statements) == 2
    deny = next(statement for statement in statements if statement["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Action"] == "sns:Publish"
    assert _statement(statements, "AllowPublishingServicesOfThisAccount") == {
        "Action": "sns:Publish",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
        "Resource": {"Ref": topic_id},
        "Sid": "AllowPublishingServicesOfThisAccount",
    }


def test_topic_has_no_subscription_by_default(
    topic_template: tuple[Stack, EncryptedTopic, Template],
) -> None:
    stack, topic, template = topic_template
    template.resource_count_is("AWS::SNS::Subscription", 0)
    assert stack.resolve(topic.topic_arn) == {"Ref": _logical_id(stack, topic)}


def test_topic_subscriptions_reach_the_template() -> None:
    _, topic, template = _topic_template(subscriptions=[EMAIL, PAGER])
    topic_id, _ = _only(template, "AWS::SNS::Topic")
    subscriptions = sorted(
        (
            resource["Properties"]
            for resource in _of_type(template, "AWS::SNS::Subscription").values()
        ),
        key=lambda properties: properties["Protocol"],
    )
    assert subscriptions == [
        {"Endpoint": EMAIL.endpoint, "Protocol": "email", "TopicArn": {"Ref": topic_id}},
        {"Endpoint": PAGER.endpoint, "Protocol": "https", "TopicArn": {"Ref": topic_id}},
    ]
    assert topic.node.try_find_child(EMAIL.construct_id) is not None


def test_topic_publishers_override() -> None:
    _, _, template = _topic_template(publishers=["events.amazonaws.com"])
    _, policy = _only(template, "AWS::SNS::TopicPolicy")
    allow = _statement(
        policy["Properties"]["PolicyDocument"]["Statement"], "AllowPublishingServicesOfThisAccount"
    )
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}


def test_topic_without_publishers_grants_no_service() -> None:
    _, _, template = _topic_template(publishers=[])
    _, policy = _only(template, "AWS::SNS::TopicPolicy")
    assert [s["Effect"] for s in policy["Properties"]["PolicyDocument"]["Statement"]] == ["Deny"]
    _, key = _only(template, "AWS::KMS::Key")
    assert all(
        "Service" not in statement["Principal"]
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
    )


ADMINISTRATORS = ["arn:aws:iam::*:role/lz-*", "arn:aws:iam::*:role/cdk-lzone-cfn-exec-role-*"]


def test_topic_name_and_administrators_deny_changes_to_everyone_else() -> None:
    """Even a principal that IAM allows everything (no SCP in the management account) cannot
    delete, re-key, re-point or add an endpoint to the topic."""
    _, _, template = _topic_template(topic_name="lz-alerts", administrator_arns=ADMINISTRATORS)
    topic_id, topic = _only(template, "AWS::SNS::Topic")
    assert topic["Properties"]["TopicName"] == "lz-alerts"
    _, policy = _only(template, "AWS::SNS::TopicPolicy")
    deny = _statement(
        policy["Properties"]["PolicyDocument"]["Statement"], "DenyChangesButByLandingZone"
    )
    assert deny == {
        "Action": list(PROTECTED_TOPIC_ACTIONS),
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": ADMINISTRATORS}},
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Resource": {"Ref": topic_id},
        "Sid": "DenyChangesButByLandingZone",
    }
    for action in ("sns:SetTopicAttributes", "sns:DeleteTopic", "sns:RemovePermission"):
        assert action in deny["Action"]
    assert "sns:Publish" not in deny["Action"]


def test_findings_topics_deny_changes_when_given_administrators() -> None:
    _, _, template = _alerts(administrator_arns=ADMINISTRATORS)
    policies = _of_type(template, "AWS::SNS::TopicPolicy").values()
    assert len(policies) == 2
    for policy in policies:
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        _statement(statements, "DenyChangesButByLandingZone")


@pytest.mark.parametrize(
    ("props", "error", "message"),
    [
        ({"display_name": ""}, ValueError, "display_name: ''; allowed: 1 to 100 characters"),
        ({"display_name": "d" * 101}, ValueError, "allowed: 1 to 100 characters"),
        ({"publishers": ["events"]}, ValueError, "publishers: 'events' is not a service"),
        (
            {"publishers": ["events.amazonaws.com"] * 2},
            ValueError,
            "publishers: ['events.amazonaws.com'] appear more than once",
        ),
        ({"publishers": "events.amazonaws.com"}, TypeError, "publishers: expected a list"),
        ({"topic_name": "lz alerts"}, ValueError, "topic name 'lz alerts'"),
        ({"topic_name": "t" * 257}, ValueError, "at most 256 characters"),
        (
            {"administrator_arns": ["lz-*"]},
            ValueError,
            "administrator_arns: 'lz-*' is not an IAM role ARN pattern",
        ),
        (
            {"administrator_arns": "arn:aws:iam::*:role/lz-*"},
            TypeError,
            "administrator_arns: expected a list",
        ),
        (
            {"subscriptions": [EMAIL, Subscription("email", EMAIL.endpoint)]},
            ValueError,
            "subscriptions: [('email', 'security@example.com')] appear more than once",
        ),
    ],
)
def test_rejects_impossible_topics(
    props: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        EncryptedTopic(_stack(), "Topic", **{"display_name": "Security findings", **props})


# --- FindingAlerts -----------------------------------------------------------------------


def _alerts(**props: Any) -> tuple[Stack, FindingAlerts, Template]:
    stack = _stack()
    alerts = FindingAlerts(stack, "FindingAlerts", **props)
    return stack, alerts, Template.from_stack(stack)


@pytest.fixture(scope="module")
def alerts() -> tuple[Stack, FindingAlerts, Template]:
    return _alerts(alert_subscriptions=[EMAIL], paging_subscriptions=[PAGER])


def _rule(stack: Stack, alerts: FindingAlerts, template: Template, name: str) -> dict[str, Any]:
    rule = alerts.node.find_child(name)
    return dict(_of_type(template, "AWS::Events::Rule")[_logical_id(stack, rule)]["Properties"])


def _topic_id(stack: Stack, topic: EncryptedTopic) -> str:
    return _logical_id(stack, topic)


def test_five_rules_two_topics(alerts: tuple[Stack, FindingAlerts, Template]) -> None:
    _, construct, template = alerts
    template.resource_count_is("AWS::Events::Rule", 5)
    template.resource_count_is("AWS::SNS::Topic", 2)
    assert [rule.node.id for rule in construct.rules] == [
        "GuardDutyAlertRule",
        "SecurityHubAlertRule",
        "GuardDutyPagingRule",
        "SecurityHubPagingRule",
        "SecurityHubSuppressedRule",
    ]


def test_rules_topics_queue_and_alarm_are_named_under_the_prefix(
    alerts: tuple[Stack, FindingAlerts, Template],
) -> None:
    """Generated names would escape the guardrails that protect ``lz-*`` from account admins
    (events:DisableRule, sns:SetTopicAttributes, ...)."""
    _, _, template = alerts
    names = {
        resource_type: sorted(
            resource["Properties"][key] for resource in _of_type(template, resource_type).values()
        )
        for resource_type, key in (
            ("AWS::Events::Rule", "Name"),
            ("AWS::SNS::Topic", "TopicName"),
            ("AWS::SQS::Queue", "QueueName"),
            ("AWS::CloudWatch::Alarm", "AlarmName"),
        )
    }
    assert names == {
        "AWS::Events::Rule": [
            "lz-guardduty-findings-alert",
            "lz-guardduty-findings-paging",
            "lz-securityhub-findings-alert",
            "lz-securityhub-findings-paging",
            "lz-securityhub-suppressed-findings",
        ],
        "AWS::SNS::Topic": ["lz-security-findings-alerts", "lz-security-findings-paging"],
        "AWS::SQS::Queue": ["lz-security-findings-dead-letters"],
        "AWS::CloudWatch::Alarm": ["lz-security-findings-dead-letters"],
    }


def test_name_prefix_override_and_rejection() -> None:
    _, _, template = _alerts(name_prefix="acme-")
    names = [r["Properties"]["Name"] for r in _of_type(template, "AWS::Events::Rule").values()]
    assert all(name.startswith("acme-") for name in names)
    with pytest.raises(ValueError, match=re.escape("name_prefix: got 'lz/'")):
        FindingAlerts(_stack(), "FindingAlerts", name_prefix="lz/")


def _security_hub_event(status: str, label: str = "MEDIUM", product: str = "Config") -> Any:
    return {
        "source": "aws.securityhub",
        "detail-type": "Security Hub Findings - Imported",
        "detail": {
            "findings": [
                {
                    "ProductName": product,
                    "Severity": {"Label": label},
                    "Workflow": {"Status": status},
                    "RecordState": "ACTIVE",
                }
            ]
        },
    }


def _alerting_rules(
    alerts: tuple[Stack, FindingAlerts, Template], event: dict[str, Any]
) -> set[str]:
    """Ids of the rules whose pattern matches ``event``."""
    return {
        rule.node.id
        for rule in alerts[1].rules
        if matches(_rule(*alerts, rule.node.id)["EventPattern"], event)
    }


@pytest.mark.parametrize("status", ["SUPPRESSED", "NOTIFIED"])
@pytest.mark.parametrize("product", ["Config", "GuardDuty", "Inspector"])
def test_a_suppressed_or_notified_medium_finding_reaches_the_alert_topic(
    alerts: tuple[Stack, FindingAlerts, Template], status: str, product: str
) -> None:
    """An automation rule that sets SUPPRESSED on import never lets the finding be NEW in an
    event: without this rule the suppression silences the finding unseen."""
    stack, construct, _ = alerts
    matched = _alerting_rules(alerts, _security_hub_event(status, product=product))
    assert matched == {"SecurityHubSuppressedRule"}
    (target,) = _rule(*alerts, "SecurityHubSuppressedRule")["Targets"]
    assert target["Arn"] == {"Ref": _topic_id(stack, construct.alert_topic)}
    assert '"workflowStatus":<' in target["InputTransformer"]["InputTemplate"]
    paths = target["InputTransformer"]["InputPathsMap"].values()
    assert "$.detail.findings[0].Note.UpdatedBy" in paths


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (_security_hub_event("SUPPRESSED", label="LOW"), set()),
        (_security_hub_event("RESOLVED"), set()),
        (_security_hub_event("NEW"), {"SecurityHubAlertRule"}),
        (
            _security_hub_event("NEW", label="HIGH"),
            {"SecurityHubAlertRule", "SecurityHubPagingRule"},
        ),
        (_security_hub_event("NEW", product="GuardDuty"), set()),
    ],
)
def test_other_findings_alert_as_before(
    alerts: tuple[Stack, FindingAlerts, Template], event: dict[str, Any], expected: set[str]
) -> None:
    assert _alerting_rules(alerts, event) == expected


@pytest.mark.parametrize(
    ("rule", "threshold"), [("GuardDutyAlertRule", 4), ("GuardDutyPagingRule", 7)]
)
def test_guardduty_rules_match_numeric_severity(
    alerts: tuple[Stack, FindingAlerts, Template], rule: str, threshold: int
) -> None:
    assert _rule(*alerts, rule)["EventPattern"] == {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        "detail": {"severity": [{"numeric": [">=", threshold]}]},
    }


@pytest.mark.parametrize(
    ("rule", "labels"),
    [
        ("SecurityHubAlertRule", ["MEDIUM", "HIGH", "CRITICAL"]),
        ("SecurityHubPagingRule", ["HIGH", "CRITICAL"]),
    ],
)
def test_security_hub_rules_match_new_active_findings_but_guardduty(
    alerts: tuple[Stack, FindingAlerts, Template], rule: str, labels: list[str]
) -> None:
    assert _rule(*alerts, rule)["EventPattern"] == {
        "source": ["aws.securityhub"],
        "detail-type": ["Security Hub Findings - Imported"],
        "detail": {
            "findings": {
                "Severity": {"Label": labels},
                "Workflow": {"Status": ["NEW"]},
                "RecordState": ["ACTIVE"],
                "ProductName": [{"anything-but": "GuardDuty"}],
            }
        },
    }


@pytest.mark.parametrize(
    ("rule", "topic"),
    [
        ("GuardDutyAlertRule", "alert_topic"),
        ("SecurityHubAlertRule", "alert_topic"),
        ("GuardDutyPagingRule", "paging_topic"),
        ("SecurityHubPagingRule", "paging_topic"),
    ],
)
def test_rules_publish_to_their_topic_with_a_dead_letter_queue(
    alerts: tuple[Stack, FindingAlerts, Template], rule: str, topic: str
) -> None:
    stack, construct, _ = alerts
    (target,) = _rule(*alerts, rule)["Targets"]
    assert target["Arn"] == {"Ref": _topic_id(stack, getattr(construct, topic))}
    assert target["DeadLetterConfig"] == {
        "Arn": stack.resolve(construct.dead_letter_queue.queue_arn)
    }
    # The topic policy admits EventBridge; the rule needs no role of its own.
    assert "RoleArn" not in target


def test_guardduty_message_names_account_type_and_severity(
    alerts: tuple[Stack, FindingAlerts, Template],
) -> None:
    (target,) = _rule(*alerts, "GuardDutyAlertRule")["Targets"]
    transformer = target["InputTransformer"]
    assert transformer["InputPathsMap"] == {
        "detail-accountId": "$.detail.accountId",
        "detail-region": "$.detail.region",
        "detail-severity": "$.detail.severity",
        "detail-type": "$.detail.type",
        "detail-title": "$.detail.title",
        "detail-id": "$.detail.id",
    }
    assert transformer["InputTemplate"] == (
        '{"source":"GuardDuty","account":<detail-accountId>,"region":<detail-region>,'
        '"severity":<detail-severity>,"type":<detail-type>,"title":<detail-title>,'
        '"findingId":<detail-id>,"console":"https://console.aws.amazon.com/guardduty/home?'
        'region=<detail-region>#/findings?macros=current&fId=<detail-id>"}'
    )


def test_security_hub_message_names_account_type_and_severity(
    alerts: tuple[Stack, FindingAlerts, Template],
) -> None:
    (target,) = _rule(*alerts, "SecurityHubPagingRule")["Targets"]
    transformer = target["InputTransformer"]
    paths = transformer["InputPathsMap"]
    assert sorted(paths.values()) == sorted(
        f"$.detail.findings[0].{field}"
        for field in (
            "ProductName",
            "AwsAccountId",
            "Region",
            "Severity.Label",
            "Types[0]",
            "Title",
            "Id",
        )
    )
    names = {path: name for name, path in paths.items()}
    template = transformer["InputTemplate"]
    for key, path in [
        ("account", "AwsAccountId"),
        ("severity", "Severity.Label"),
        ("type", "Types[0]"),
        ("findingId", "Id"),
    ]:
        assert f'"{key}":<{names["$.detail.findings[0]." + path]}>' in template
    assert template.startswith('{"source":"Security Hub"')


def test_subscriptions_reach_their_topics(alerts: tuple[Stack, FindingAlerts, Template]) -> None:
    stack, construct, template = alerts
    subscriptions = {
        resource["Properties"]["Endpoint"]: resource["Properties"]["TopicArn"]
        for resource in _of_type(template, "AWS::SNS::Subscription").values()
    }
    assert subscriptions == {
        EMAIL.endpoint: {"Ref": _topic_id(stack, construct.alert_topic)},
        PAGER.endpoint: {"Ref": _topic_id(stack, construct.paging_topic)},
    }


def test_dead_letter_queue_is_encrypted_kept_14_days_and_tls_only(
    alerts: tuple[Stack, FindingAlerts, Template],
) -> None:
    stack, construct, template = alerts
    queue_id, queue = _only(template, "AWS::SQS::Queue")
    key_id = _logical_id(stack, construct.dead_letter_key)
    assert queue["Properties"] == {
        "KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
        "MessageRetentionPeriod": 1209600,
        "QueueName": "lz-security-findings-dead-letters",
    }
    key = _of_type(template, "AWS::KMS::Key")[key_id]
    assert key["DeletionPolicy"] == "Retain"
    assert key["Properties"]["EnableKeyRotation"] is True
    assert _statement(
        key["Properties"]["KeyPolicy"]["Statement"], "AllowEventBridgeOfThisAccount"
    ) == {
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Resource": "*",
        "Sid": "AllowEventBridgeOfThisAccount",
    }
    _, policy = _only(template, "AWS::SQS::QueuePolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    deny = next(statement for statement in statements if statement["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert _statement(statements, "AllowDeadLettersOfTheRules") == {
        "Action": "sqs:SendMessage",
        "Condition": {
            "ArnEquals": {
                "aws:SourceArn": [stack.resolve(rule.rule_arn) for rule in construct.rules]
            }
        },
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
        "Sid": "AllowDeadLettersOfTheRules",
    }


def test_undelivered_alerts_raise_an_alarm_on_both_topics(
    alerts: tuple[Stack, FindingAlerts, Template],
) -> None:
    stack, construct, template = alerts
    queue_id, _ = _only(template, "AWS::SQS::Queue")
    _, alarm = _only(template, "AWS::CloudWatch::Alarm")
    properties = alarm["Properties"]
    assert properties["AlarmActions"] == [
        {"Ref": _topic_id(stack, construct.alert_topic)},
        {"Ref": _topic_id(stack, construct.paging_topic)},
    ]
    assert properties["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert properties["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}
    ]
    assert properties["Threshold"] == 1
    assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_no_publish_grant_without_conditions(alerts: tuple[Stack, FindingAlerts, Template]) -> None:
    """aws-cdk-lib's SNS target would admit EventBridge rules of any account; ours does not."""
    _, _, template = alerts
    for policy in _of_type(template, "AWS::SNS::TopicPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert "Condition" in statement
    template.resource_count_is("AWS::IAM::Role", 0)
    template.resource_count_is("AWS::IAM::Policy", 0)


def test_keys_keep_their_logical_ids(alerts: tuple[Stack, FindingAlerts, Template]) -> None:
    """A changed logical id would replace a key and lose what it encrypted."""
    _, _, template = alerts
    assert sorted(_of_type(template, "AWS::KMS::Key")) == [
        "FindingAlertsAlertTopicKey7829AECE",
        "FindingAlertsDeadLetterQueueKey55A48D7C",
        "FindingAlertsPagingTopicKey84AF9DA8",
    ]


def test_severity_overrides_reach_the_rules() -> None:
    stack, construct, template = _alerts(minimum_severity=Severity.LOW, paging_severity="CRITICAL")
    assert construct.minimum_severity is Severity.LOW
    assert construct.paging_severity is Severity.CRITICAL
    alert = _rule(stack, construct, template, "GuardDutyAlertRule")["EventPattern"]
    paging = _rule(stack, construct, template, "SecurityHubPagingRule")["EventPattern"]
    assert alert["detail"] == {"severity": [{"numeric": [">=", 1]}]}
    assert paging["detail"]["findings"]["Severity"] == {"Label": ["CRITICAL"]}


def test_paging_may_equal_the_minimum() -> None:
    stack, construct, template = _alerts(minimum_severity="HIGH", paging_severity="HIGH")
    alert = _rule(stack, construct, template, "GuardDutyAlertRule")["EventPattern"]
    paging = _rule(stack, construct, template, "GuardDutyPagingRule")["EventPattern"]
    assert alert == paging


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"minimum_severity": Severity.HIGH, "paging_severity": Severity.MEDIUM},
            "paging_severity: got MEDIUM, below minimum_severity HIGH; allowed: HIGH, CRITICAL",
        ),
        ({"minimum_severity": "medium"}, "minimum_severity: got 'medium'; allowed: LOW, MEDIUM"),
        ({"paging_severity": "INFORMATIONAL"}, "paging_severity: got 'INFORMATIONAL'"),
    ],
)
def test_rejects_impossible_alerts(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        FindingAlerts(_stack(), "FindingAlerts", **props)


# --- FindingForwarder --------------------------------------------------------------------


def _forwarder(env: Environment = OTHER, **props: Any) -> tuple[Stack, FindingForwarder, Template]:
    stack = _stack(env)
    forwarder = FindingForwarder(stack, "FindingForwarder", **{"home_region": "eu-west-1", **props})
    return stack, forwarder, Template.from_stack(stack)


@pytest.fixture(scope="module")
def forwarder() -> tuple[Stack, FindingForwarder, Template]:
    return _forwarder()


HOME_BUS = f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/default"


def test_forwarder_sends_guardduty_findings_to_the_home_default_bus(
    forwarder: tuple[Stack, FindingForwarder, Template],
) -> None:
    stack, construct, template = forwarder
    _, rule = _only(template, "AWS::Events::Rule")
    role_id, _ = _only(template, "AWS::IAM::Role")
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        "detail": {"severity": [{"numeric": [">=", 4]}]},
    }
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == HOME_BUS
    assert target["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert target["DeadLetterConfig"] == {
        "Arn": stack.resolve(construct.dead_letter_queue.queue_arn)
    }
    # Forwarded unchanged, so the home region's rules match them like their own.
    assert "InputTransformer" not in target
    assert "Input" not in target


def test_forwarder_role_may_only_put_events_on_the_home_bus(
    forwarder: tuple[Stack, FindingForwarder, Template],
) -> None:
    _, _, template = forwarder
    role_id, role = _only(template, "AWS::IAM::Role")
    policy_id, policy = _only(template, "AWS::IAM::ManagedPolicy")
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
        }
    ]
    assert "Policies" not in role["Properties"]
    assert "ManagedPolicyArns" not in role["Properties"]
    template.resource_count_is("AWS::IAM::Policy", 0)
    assert policy["Properties"]["Roles"] == [{"Ref": role_id}]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": "events:PutEvents",
            "Effect": "Allow",
            "Resource": HOME_BUS,
            "Sid": "PutEventsOnTargetBus",
        }
    ]
    _, rule = _only(template, "AWS::Events::Rule")
    assert rule["DependsOn"] == [policy_id]


def test_forwarder_resources_are_named_under_the_prefix_iam_with_the_region(
    forwarder: tuple[Stack, FindingForwarder, Template],
) -> None:
    _, _, template = forwarder
    name = "lz-guardduty-findings-forwarder"
    for resource_type, key, expected in (
        ("AWS::Events::Rule", "Name", name),
        ("AWS::IAM::Role", "RoleName", f"{name}-eu-central-1"),
        ("AWS::IAM::ManagedPolicy", "ManagedPolicyName", f"{name}-eu-central-1"),
        ("AWS::SQS::Queue", "QueueName", f"{name}-dead-letters"),
        ("AWS::SNS::Topic", "TopicName", f"{name}-dead-letters"),
        ("AWS::CloudWatch::Alarm", "AlarmName", f"{name}-dead-letters"),
    ):
        _, resource = _only(template, resource_type)
        assert resource["Properties"][key] == expected, resource_type


def test_forwarder_dead_letter_queue_admits_its_rule_only(
    forwarder: tuple[Stack, FindingForwarder, Template],
) -> None:
    stack, construct, template = forwarder
    _, policy = _only(template, "AWS::SQS::QueuePolicy")
    allow = _statement(
        policy["Properties"]["PolicyDocument"]["Statement"], "AllowDeadLettersOfTheRules"
    )
    assert allow["Condition"] == {
        "ArnEquals": {"aws:SourceArn": [stack.resolve(construct.rule.rule_arn)]}
    }


def test_forwarder_key_keeps_its_logical_id(
    forwarder: tuple[Stack, FindingForwarder, Template],
) -> None:
    _, _, template = forwarder
    keys = template.find_resources("AWS::KMS::Key")
    assert set(keys) == {
        "FindingForwarderDeadLetterQueueKeyFC6DAB6A",
        "FindingForwarderDeadLetterTopicKey68C6DE8F",
    }
    assert all(key["DeletionPolicy"] == "Retain" for key in keys.values())


def test_forwarder_severity_override() -> None:
    _, _, template = _forwarder(minimum_severity=Severity.HIGH)
    _, rule = _only(template, "AWS::Events::Rule")
    assert rule["Properties"]["EventPattern"]["detail"] == {"severity": [{"numeric": [">=", 7]}]}


def test_forwarder_works_in_a_region_agnostic_stack() -> None:
    stack = Stack(App(context=cdk_context()), "SecurityTooling")
    FindingForwarder(stack, "FindingForwarder", home_region="eu-west-1")
    _, rule = _only(Template.from_stack(stack), "AWS::Events::Rule")
    (target,) = rule["Properties"]["Targets"]
    assert json.dumps(target["Arn"]).count("eu-west-1") == 1


@pytest.mark.parametrize(
    ("env", "props", "message"),
    [
        (HOME, {}, "home_region: 'eu-west-1' is this stack's region"),
        (OTHER, {"home_region": "Ireland"}, "home_region: 'Ireland' is not a region name"),
        (OTHER, {"minimum_severity": "SEVERE"}, "minimum_severity: got 'SEVERE'"),
    ],
)
def test_rejects_impossible_forwarders(
    env: Environment, props: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        FindingForwarder(_stack(env), "FindingForwarder", **{"home_region": "eu-west-1", **props})


# --- compliance --------------------------------------------------------------------------


def test_alerting_passes_the_compliance_packs(
    alerts: tuple[Stack, FindingAlerts, Template],
) -> None:
    stack, _, _ = alerts
    assert violations(stack) == {}


def test_topic_with_subscriptions_passes_the_compliance_packs() -> None:
    stack, _, _ = _topic_template(
        subscriptions=[EMAIL, PAGER], publishers=["cloudwatch.amazonaws.com"]
    )
    assert violations(stack) == {}


def test_forwarder_passes_the_compliance_packs(
    forwarder: tuple[Stack, FindingForwarder, Template],
) -> None:
    stack, _, _ = forwarder
    assert violations(stack) == {}


def test_forwarder_alarms_on_undelivered_findings_through_a_topic_of_its_region() -> None:
    subscription = Subscription(protocol="email", endpoint="secops@acme-pay.example")
    stack, construct, template = _forwarder(alarm_subscriptions=[subscription])
    _, alarm = _only(template, "AWS::CloudWatch::Alarm")
    topic_id, topic = _only(template, "AWS::SNS::Topic")
    assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
    assert alarm["Properties"]["Threshold"] == 1
    (dimension,) = alarm["Properties"]["Dimensions"]
    assert dimension["Value"] == stack.resolve(construct.dead_letter_queue.queue_name)
    assert "KmsMasterKeyId" in topic["Properties"]
    _, subscribed = _only(template, "AWS::SNS::Subscription")
    assert subscribed["Properties"]["Endpoint"] == "secops@acme-pay.example"


def test_forwarder_alarm_topic_has_no_subscribers_by_default(
    forwarder: tuple[Stack, FindingForwarder, Template],
) -> None:
    _, _, template = forwarder
    template.resource_count_is("AWS::CloudWatch::Alarm", 1)
    template.resource_count_is("AWS::SNS::Subscription", 0)
