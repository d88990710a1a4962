"""Root sign-ins of member accounts to the response triage: the baseline rule and the bus."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from landing_zone.response.sign_in_forwarding import SignInBus, SignInForwarding
from landing_zone.response.workflows import ROOT_SIGN_IN_PATTERN

TOOLING = "333333333333"
ORG = "o-a1b2c3d4e5"


def _forwarding(**kwargs: Any) -> dict[str, Any]:
    stack = Stack(App(), "Baseline")
    SignInForwarding(
        stack,
        "Forwarding",
        security_tooling_account_id=TOOLING,
        home_region="eu-west-1",
        **kwargs,
    )
    return dict(Template.from_stack(stack).to_json())


def _bus() -> dict[str, Any]:
    stack = Stack(App(), "Tooling", env={"account": TOOLING, "region": "eu-west-1"})
    triage = lambda_.Function.from_function_arn(
        stack, "Triage", f"arn:aws:lambda:eu-west-1:{TOOLING}:function:lz-response-triage"
    )
    SignInBus(
        stack,
        "SignIns",
        triage=triage,
        dead_letter_queue=sqs.Queue(stack, "Dlq", enforce_ssl=True),
        organization_id=ORG,
    )
    return dict(Template.from_stack(stack).to_json())


def _of(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def test_every_forwarding_resource_skips_the_security_tooling_account() -> None:
    template = _forwarding()
    (condition,) = template["Conditions"].values()
    assert condition == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AWS::AccountId"}, TOOLING]}]}
    (name,) = template["Conditions"]
    resources = template["Resources"].values()
    assert len(resources) == 3
    assert all(resource.get("Condition") == name for resource in resources)


def test_the_rule_sends_root_sign_ins_to_the_tooling_bus_as_its_own_role() -> None:
    template = _forwarding()
    (rule,) = _of(template, "AWS::Events::Rule")
    props = rule["Properties"]
    assert props["Name"] == "lz-response-sign-in-forward"
    assert props["EventPattern"] == ROOT_SIGN_IN_PATTERN
    (target,) = props["Targets"]
    bus = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                f":events:eu-west-1:{TOOLING}:event-bus/lz-response-sign-ins",
            ],
        ]
    }
    assert target["Arn"] == bus
    (role,) = _of(template, "AWS::IAM::Role")
    assert target["RoleArn"]["Fn::GetAtt"][1] == "Arn"
    assert role["Properties"]["RoleName"] == {
        "Fn::Join": ["", ["lz-response-sign-in-forward-", {"Ref": "AWS::Region"}]]
    }
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    (policy,) = _of(template, "AWS::IAM::ManagedPolicy")
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "events:PutEvents", "Resource": bus}
    ]
    assert "Policies" not in role["Properties"]


def test_a_prefix_renames_rule_role_and_bus() -> None:
    template = _forwarding(name_prefix="acme-")
    (rule,) = _of(template, "AWS::Events::Rule")
    assert rule["Properties"]["Name"] == "acme-response-sign-in-forward"
    assert "event-bus/acme-response-sign-ins" in str(rule["Properties"]["Targets"])


def test_the_bus_admits_only_console_sign_ins_from_the_organization() -> None:
    template = _bus()
    (bus,) = _of(template, "AWS::Events::EventBus")
    assert bus["Properties"]["Name"] == "lz-response-sign-ins"
    (policy,) = _of(template, "AWS::Events::EventBusPolicy")
    statement = policy["Properties"]["Statement"]
    assert statement["Action"] == "events:PutEvents"
    assert statement["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": ORG},
        "ForAllValues:StringEquals": {
            "events:source": ["aws.signin"],
            "events:detail-type": ["AWS Console Sign In via CloudTrail"],
        },
        "Null": {"events:source": "false", "events:detail-type": "false"},
    }


def test_the_bus_rule_starts_the_triage_with_a_dead_letter_queue() -> None:
    template = _bus()
    (rule,) = _of(template, "AWS::Events::Rule")
    props = rule["Properties"]
    assert props["Name"] == "lz-response-triage-member-sign-in"
    assert props["EventPattern"] == ROOT_SIGN_IN_PATTERN
    assert props["EventBusName"] == {"Ref": next(iter(_ids(template, "AWS::Events::EventBus")))}
    (target,) = props["Targets"]
    assert target["Arn"] == f"arn:aws:lambda:eu-west-1:{TOOLING}:function:lz-response-triage"
    assert "DeadLetterConfig" in target
    (permission,) = _of(template, "AWS::Lambda::Permission")
    assert permission["Properties"]["Principal"] == "events.amazonaws.com"
    (queue_policy,) = _of(template, "AWS::SQS::QueuePolicy")
    sids = [s.get("Sid") for s in queue_policy["Properties"]["PolicyDocument"]["Statement"]]
    assert "AllowDeadLettersOfTheMemberSignIns" in sids


def _ids(template: dict[str, Any], kind: str) -> list[str]:
    return [key for key, r in template["Resources"].items() if r["Type"] == kind]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"security_tooling_account_id": "3333"}, "security_tooling_account_id: got '3333'"),
    ],
)
def test_bad_account_is_refused(kwargs: dict[str, Any], message: str) -> None:
    stack = Stack(App(), "Baseline")
    with pytest.raises(ValueError, match=message):
        SignInForwarding(stack, "Forwarding", home_region="eu-west-1", **kwargs)


def test_bad_organization_is_refused() -> None:
    stack = Stack(App(), "Tooling")
    triage = lambda_.Function.from_function_arn(
        stack, "Triage", "arn:aws:lambda:eu-west-1:333333333333:function:lz-response-triage"
    )
    with pytest.raises(ValueError, match="organization_id: got 'org-1'"):
        SignInBus(
            stack,
            "SignIns",
            triage=triage,
            dead_letter_queue=sqs.Queue(stack, "Dlq"),
            organization_id="org-1",
        )
