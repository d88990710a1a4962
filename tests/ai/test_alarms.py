"""BedrockUsageAlarms: the guardrail-intervention rate and invocations per principal."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.ai.alarms import GUARDRAIL_METRICS_NAMESPACE, BedrockUsageAlarms
from landing_zone.compliance import violations

ENV = Environment(account="888888888888", region="eu-west-1")
TOPIC = "arn:aws:sns:eu-west-1:888888888888:ai-alarms"
GUARDRAIL = "arn:aws:bedrock:eu-west-1:888888888888:guardrail/abc123"


def _alarms(**props: Any) -> Stack:
    stack = Stack(App(context=cdk_context()), "Ai", env=ENV)
    BedrockUsageAlarms(
        stack,
        "Alarms",
        topic=sns.Topic.from_topic_arn(stack, "Topic", TOPIC),
        guardrail_arn=GUARDRAIL,
        guardrail_version="3",
        invocation_log_group=logs.LogGroup.from_log_group_name(stack, "Logs", "invocations"),
        **props,
    )
    return stack


@pytest.fixture(scope="module")
def stack() -> Stack:
    return _alarms(intervention_rate_percent=15, invocations_per_principal=300)


@pytest.fixture(scope="module")
def template(stack: Stack) -> dict[str, Any]:
    return Template.from_stack(stack).to_json()


def _alarm(template: dict[str, Any], name: str) -> dict[str, Any]:
    (alarm,) = [
        r["Properties"]
        for lid, r in template["Resources"].items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        and lid.startswith(f"Alarms{name}")
        and "Rule" not in lid
    ]
    return alarm


def test_intervention_rate_alarm_divides_interventions_of_the_approved_version(
    template: dict[str, Any],
) -> None:
    alarm = _alarm(template, "InterventionRate")
    assert alarm["Threshold"] == 15
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (2, 2)
    assert alarm["AlarmActions"] == [TOPIC]
    assert alarm["OKActions"] == [TOPIC]
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    (expression,) = [m for m in metrics.values() if "Expression" in m]
    # Quiet periods (fewer than 20 requests) never count as a high rate.
    assert expression["Expression"] == ("IF(invocations >= 20, 100 * intervened / invocations, 0)")
    for metric_id, name in (
        ("invocations", "Invocations"),
        ("intervened", "InvocationsIntervened"),
    ):
        stat = metrics[metric_id]["MetricStat"]
        assert stat["Metric"]["Namespace"] == GUARDRAIL_METRICS_NAMESPACE
        assert stat["Metric"]["MetricName"] == name
        assert stat["Metric"]["Dimensions"] == [
            {"Name": "GuardrailArn", "Value": GUARDRAIL},
            {"Name": "GuardrailVersion", "Value": "3"},
        ]
        assert (stat["Stat"], stat["Period"]) == ("SampleCount", 300)


def test_busiest_principal_is_counted_from_the_invocation_log(template: dict[str, Any]) -> None:
    (rule,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::InsightRule"
    ]
    body_template, variables = rule["RuleBody"]["Fn::Sub"]
    body = json.loads(body_template)
    assert body["LogGroupNames"] == ["${LogGroup}"]
    assert variables == {"LogGroup": "invocations"}
    assert body["Contribution"] == {"Keys": ["$.identity.arn"]}
    assert body["AggregateOn"] == "Count"
    assert rule["RuleState"] == "ENABLED"
    alarm = _alarm(template, "InvocationsPerPrincipal")
    (metric,) = alarm["Metrics"]
    assert metric["Expression"] == (
        f'INSIGHT_RULE_METRIC("{rule["RuleName"]}", "MaxContributorValue")'
    )
    assert metric["Period"] == 300
    assert alarm["Threshold"] == 300
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [TOPIC]


def test_no_findings(stack: Stack) -> None:
    assert violations(stack) == {}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"intervention_rate_percent": 0},
            "intervention_rate_percent: got 0; allowed: an integer, 1-100",
        ),
        ({"intervention_rate_percent": 101}, "intervention_rate_percent: got 101"),
        ({"minimum_invocations": 0}, "minimum_invocations: got 0; allowed: an integer, at least 1"),
        ({"invocations_per_principal": -5}, "invocations_per_principal: got -5"),
        ({"rule_name": "has spaces"}, "rule_name: got 'has spaces'"),
    ],
)
def test_bad_thresholds_are_refused(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _alarms(**props)
