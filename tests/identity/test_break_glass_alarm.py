"""BreakGlassAlarm: any call in a break-glass session, in any account, pages at once."""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.identity.break_glass_alarm import (
    MAX_FILTER_PATTERN,
    BreakGlassAlarm,
    break_glass_filter_pattern,
)


def _stack() -> Stack:
    return Stack(
        App(context=cdk_context()),
        "Trail",
        env=Environment(account="111111111111", region="eu-west-1"),
    )


def test_pattern_matches_the_permission_set_roles_in_every_account_and_named_roles() -> None:
    pattern = break_glass_filter_pattern(["BreakGlass"], ["lz-break-glass"])
    assert pattern == (
        '{ ($.userIdentity.sessionContext.sessionIssuer.userName = "AWSReservedSSO_BreakGlass_*")'
        ' || ($.userIdentity.sessionContext.sessionIssuer.userName = "lz-break-glass") }'
    )


def test_alarm_fires_on_the_first_call_and_notifies_the_topic() -> None:
    stack = _stack()
    group = logs.LogGroup.from_log_group_name(stack, "Trail", "org-trail")
    topic = sns.Topic.from_topic_arn(stack, "Paging", "arn:aws:sns:eu-west-1:111111111111:paging")
    BreakGlassAlarm(stack, "BreakGlass", log_group=group, alarm_topic=topic)
    template = Template.from_stack(stack)
    (metric_filter,) = template.find_resources("AWS::Logs::MetricFilter").values()
    assert "AWSReservedSSO_BreakGlass_*" in metric_filter["Properties"]["FilterPattern"]
    (alarm,) = template.find_resources("AWS::CloudWatch::Alarm").values()
    properties = alarm["Properties"]
    assert properties["Threshold"] == 1
    assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert properties["EvaluationPeriods"] == 1
    assert properties["Period"] == 300
    assert properties["TreatMissingData"] == "notBreaching"
    # Named under the protected prefix: the guardrails and the management-event rules know it.
    assert properties["AlarmName"] == "lz-break-glass-usage"
    assert metric_filter["Properties"]["FilterName"] == "lz-break-glass-usage"
    assert json.dumps(properties["AlarmActions"]) == json.dumps(
        ["arn:aws:sns:eu-west-1:111111111111:paging"]
    )


@pytest.mark.parametrize(
    ("permission_sets", "roles", "message"),
    [
        ([], [], "at least one"),
        (["Break Glass"], [], "not a permission set name"),
        ([], ["lz-*"], "not an IAM role name"),
        ([f"P{n:031d}" for n in range(20)], [], f"allows {MAX_FILTER_PATTERN}"),
    ],
)
def test_rejects(permission_sets: list[str], roles: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        break_glass_filter_pattern(permission_sets, roles)
