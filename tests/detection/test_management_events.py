"""ManagementEventForwarder and ManagementEventAlarms: the management account's sensitive events
page from the security-tooling account, where the guardrails protect the rules and topic."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of
from eventbridge_patterns import matches

from landing_zone.compliance import violations
from landing_zone.detection import ManagementEventAlarms, ManagementEventForwarder
from landing_zone.detection.management_events import MANAGEMENT_EVENT_RULES, break_glass_detail

MANAGEMENT = "111111111111"
SECURITY_TOOLING = "333333333333"
ADMINISTRATORS = ["arn:aws:iam::*:role/lz-*", "arn:aws:iam::*:role/cdk-lzone-cfn-exec-role-*"]
BUS_ARN = f"arn:aws:events:eu-west-1:{SECURITY_TOOLING}:event-bus/lz-management-events"


def _of_type(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    return {key: dict(value) for key, value in template.find_resources(resource_type).items()}


def _alarms(**props: Any) -> tuple[Stack, ManagementEventAlarms, Template]:
    stack = Stack(
        App(context=cdk_context()),
        "ManagementEvents",
        env=Environment(account=SECURITY_TOOLING, region="eu-west-1"),
    )
    construct = ManagementEventAlarms(
        stack,
        "ManagementEventAlarms",
        **{
            "management_account_id": MANAGEMENT,
            "break_glass_role_names": ["lz-break-glass"],
            "administrator_arns": ADMINISTRATORS,
            **props,
        },
    )
    return stack, construct, Template.from_stack(stack)


@pytest.fixture(scope="module")
def alarms() -> tuple[Stack, ManagementEventAlarms, Template]:
    return _alarms()


def _api_call(source: str, name: str, **detail: Any) -> dict[str, Any]:
    return {
        "account": MANAGEMENT,
        "source": f"aws.{source.split('.')[0]}",
        "detail-type": "AWS API Call via CloudTrail",
        "detail": {
            "eventSource": source,
            "eventName": name,
            "userIdentity": {
                "type": "AssumedRole",
                "arn": f"arn:aws:sts::{MANAGEMENT}:assumed-role/cdk-lzone-cfn-exec-role-x/s",
            },
            **detail,
        },
    }


def _matching_rules(alarms: tuple[Stack, ManagementEventAlarms, Template], event: Any) -> set[str]:
    _, construct, template = alarms
    rules = _of_type(template, "AWS::Events::Rule")
    return {
        construct_id
        for construct_id, rule in construct.rules.items()
        if matches(
            rules[logical_id_of(rule)]["Properties"]["EventPattern"],
            event,
        )
    }


BREAK_GLASS_SESSION = {
    "type": "AssumedRole",
    "arn": f"arn:aws:sts::{MANAGEMENT}:assumed-role/AWSReservedSSO_BreakGlass_0123abcd/alice",
}


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        # Escape 3: organization policy changes, delegated administrators, trusted access.
        *[
            (_api_call("organizations.amazonaws.com", name), {"OrganizationsPolicyChanges"})
            for name in (
                "CreatePolicy",
                "UpdatePolicy",
                "AttachPolicy",
                "DetachPolicy",
                "DeletePolicy",
                "EnablePolicyType",
                "DisablePolicyType",
                "RegisterDelegatedAdministrator",
                "DeregisterDelegatedAdministrator",
                "DisableAWSServiceAccess",
            )
        ],
        # Escape 5: the trail narrowed or stopped, including by event selectors.
        *[
            (_api_call("cloudtrail.amazonaws.com", name), {"CloudTrailChanges"})
            for name in ("UpdateTrail", "PutEventSelectors", "DeleteTrail", "StopLogging")
        ],
        # Escape 5: the management account's own alarms silenced.
        *[
            (_api_call(source, name), {"AlertPathChanges"})
            for source, name in (
                ("monitoring.amazonaws.com", "DisableAlarmActions"),
                ("monitoring.amazonaws.com", "DeleteAlarms"),
                ("logs.amazonaws.com", "DeleteMetricFilter"),
                ("sns.amazonaws.com", "Unsubscribe"),
                ("sns.amazonaws.com", "SetTopicAttributes"),
                ("events.amazonaws.com", "DisableRule"),
                ("events.amazonaws.com", "RemoveTargets"),
            )
        ],
        (
            _api_call(
                "iam.amazonaws.com",
                "PutRolePolicy",
                requestParameters={"roleName": "lz-management-events-forwarder-eu-west-1"},
            ),
            {"LandingZoneIamChanges"},
        ),
        (
            _api_call(
                "iam.amazonaws.com",
                "CreatePolicyVersion",
                requestParameters={"policyArn": f"arn:aws:iam::{MANAGEMENT}:policy/lz-x"},
            ),
            {"LandingZoneIamChanges"},
        ),
        # Break-glass: any call or sign-in of its session, whatever it does.
        (
            {
                **_api_call("s3.amazonaws.com", "PutObject"),
                "detail": {
                    **_api_call("s3.amazonaws.com", "PutObject")["detail"],
                    "userIdentity": BREAK_GLASS_SESSION,
                },
            },
            {"BreakGlassUse"},
        ),
        (
            {
                "account": MANAGEMENT,
                "detail-type": "AWS Console Sign In via CloudTrail",
                "detail": {
                    "eventName": "ConsoleLogin",
                    "userIdentity": {
                        "type": "AssumedRole",
                        "arn": f"arn:aws:sts::{MANAGEMENT}:assumed-role/lz-break-glass/bob",
                    },
                },
            },
            {"BreakGlassUse"},
        ),
        (
            {
                "account": MANAGEMENT,
                "detail-type": "AWS Console Sign In via CloudTrail",
                "detail": {"eventName": "ConsoleLogin", "userIdentity": {"type": "Root"}},
            },
            {"RootUse"},
        ),
        # Ordinary work pages nobody.
        (_api_call("ec2.amazonaws.com", "RunInstances"), set()),
        (
            _api_call(
                "iam.amazonaws.com", "PutRolePolicy", requestParameters={"roleName": "team-role"}
            ),
            set(),
        ),
        (_api_call("organizations.amazonaws.com", "CreateAccount"), set()),
    ],
)
def test_sensitive_management_events_page(
    alarms: tuple[Stack, ManagementEventAlarms, Template],
    event: dict[str, Any],
    expected: set[str],
) -> None:
    assert _matching_rules(alarms, event) == expected


def test_every_rule_pages_through_the_protected_topic(
    alarms: tuple[Stack, ManagementEventAlarms, Template],
) -> None:
    _, construct, template = alarms
    bus_id = logical_id_of(construct.event_bus)
    topic_id = logical_id_of(construct.paging_topic.topic)
    rules = _of_type(template, "AWS::Events::Rule")
    assert len(rules) == len(MANAGEMENT_EVENT_RULES) + 1
    for rule in rules.values():
        properties = rule["Properties"]
        assert properties["EventBusName"] == {"Ref": bus_id}
        assert properties["Name"].startswith("lz-management-")
        (target,) = properties["Targets"]
        assert target["Arn"] == {"Ref": topic_id}
        assert "DeadLetterConfig" in target
    (topic,) = _of_type(template, "AWS::SNS::Topic").values()
    assert topic["Properties"]["TopicName"] == "lz-management-events-paging"
    (policy,) = _of_type(template, "AWS::SNS::TopicPolicy").values()
    deny = next(
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "DenyChangesButByLandingZone"
    )
    assert deny["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": ADMINISTRATORS}}


def test_break_glass_and_root_rules_see_read_only_calls_the_others_writes(
    alarms: tuple[Stack, ManagementEventAlarms, Template],
) -> None:
    _, construct, template = alarms
    rules = _of_type(template, "AWS::Events::Rule")
    states = {
        construct_id: rules[logical_id_of(rule)]["Properties"]["State"]
        for construct_id, rule in construct.rules.items()
    }
    read_only = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    assert {k for k, state in states.items() if state == read_only} == {"BreakGlassUse", "RootUse"}
    assert {state for state in states.values() if state != read_only} == {"ENABLED"}


def test_names_of_the_bus_queue_and_alarm(
    alarms: tuple[Stack, ManagementEventAlarms, Template],
) -> None:
    _, _, template = alarms
    ((bus),) = _of_type(template, "AWS::Events::EventBus").values()
    assert bus["Properties"]["Name"] == "lz-management-events"
    (queue,) = _of_type(template, "AWS::SQS::Queue").values()
    assert queue["Properties"]["QueueName"] == "lz-management-events-dead-letters"
    (alarm,) = _of_type(template, "AWS::CloudWatch::Alarm").values()
    assert alarm["Properties"]["AlarmName"] == "lz-management-events-dead-letters"


def test_only_the_management_accounts_forwarder_roles_may_put_events(
    alarms: tuple[Stack, ManagementEventAlarms, Template],
) -> None:
    stack, _, template = alarms
    (policy,) = _of_type(template, "AWS::Events::EventBusPolicy").values()
    statement = policy["Properties"]["Statement"]
    assert statement["Action"] == "events:PutEvents"
    assert stack.resolve(statement["Principal"]) == {
        "AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{MANAGEMENT}:root"]]}
    }
    assert stack.resolve(statement["Condition"]) == {
        "ArnLike": {
            "aws:PrincipalArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        f":iam::{MANAGEMENT}:role/lz-management-events-forwarder-*",
                    ],
                ]
            }
        }
    }


def test_derived_bus_arn_is_the_bus_of_the_alarms() -> None:
    arn = ManagementEventAlarms.event_bus_arn_for(SECURITY_TOOLING, "eu-west-1")
    assert Stack().resolve(arn) == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                f":events:eu-west-1:{SECURITY_TOOLING}:event-bus/lz-management-events",
            ],
        ]
    }


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"management_account_id": SECURITY_TOOLING},
            "the alarms must live where SCPs protect them",
        ),
        ({"management_account_id": "1111"}, "management_account_id"),
        ({"break_glass_permission_sets": [], "break_glass_role_names": []}, "at least one"),
        ({"break_glass_role_names": ["lz break glass"]}, "is not an IAM role name"),
        ({"name_prefix": "lz:"}, "name_prefix: got 'lz:'"),
    ],
)
def test_rejects_impossible_alarms(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _alarms(**props)


def test_break_glass_detail_matches_permission_set_roles_in_any_account() -> None:
    detail = break_glass_detail(["BreakGlass"], [])
    session = {"userIdentity": BREAK_GLASS_SESSION}
    assert matches(detail, session)
    assert not matches(
        detail,
        {"userIdentity": {"arn": "arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin_1/x"}},
    )


def test_alarms_pass_the_compliance_packs(
    alarms: tuple[Stack, ManagementEventAlarms, Template],
) -> None:
    assert violations(alarms[0]) == {}


# --- ManagementEventForwarder -------------------------------------------------------------


@pytest.fixture(scope="module")
def forwarder() -> tuple[Stack, Template]:
    stack = Stack(
        App(context=cdk_context()),
        "Forwarder",
        env=Environment(account=MANAGEMENT, region="us-east-1"),
    )
    ManagementEventForwarder(
        stack,
        "ManagementEventForwarder",
        event_bus_arn=BUS_ARN,
        administrator_arns=ADMINISTRATORS,
    )
    return stack, Template.from_stack(stack)


def test_forwarder_sends_every_call_and_sign_in_unchanged(
    forwarder: tuple[Stack, Template],
) -> None:
    _, template = forwarder
    (rule,) = _of_type(template, "AWS::Events::Rule").values()
    properties = rule["Properties"]
    assert properties["Name"] == "lz-management-events-forwarder"
    assert properties["EventPattern"] == {
        "detail-type": ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"]
    }
    # Read-only calls too: a break-glass session that only reads must page.
    assert properties["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    (target,) = properties["Targets"]
    assert target["Arn"] == BUS_ARN
    assert "InputTransformer" not in target
    assert "Input" not in target
    for event in (_api_call("organizations.amazonaws.com", "UpdatePolicy"),):
        assert matches(properties["EventPattern"], event)


def test_forwarder_role_is_named_with_its_region_and_puts_on_the_bus_only(
    forwarder: tuple[Stack, Template],
) -> None:
    _, template = forwarder
    (role,) = _of_type(template, "AWS::IAM::Role").values()
    assert role["Properties"]["RoleName"] == "lz-management-events-forwarder-us-east-1"
    (policy,) = _of_type(template, "AWS::IAM::ManagedPolicy").values()
    assert policy["Properties"]["ManagedPolicyName"] == "lz-management-events-forwarder-us-east-1"
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": "events:PutEvents",
            "Effect": "Allow",
            "Resource": BUS_ARN,
            "Sid": "PutEventsOnTargetBus",
        }
    ]
    # The role the bus policy admits by name pattern.
    assert re.fullmatch(r"lz-management-events-forwarder-.*", role["Properties"]["RoleName"])


def test_forwarder_passes_the_compliance_packs(forwarder: tuple[Stack, Template]) -> None:
    assert violations(forwarder[0]) == {}
