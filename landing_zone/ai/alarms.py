"""Alarms on how an account uses Bedrock: a guardrail that intervenes too often (someone probing
it with prompt attacks or fishing for personal data) and a principal that invokes models far
more than anyone else (a model extraction attempt, or a leaked credential)."""

from __future__ import annotations

import json
import re

from aws_cdk import Duration, Fn
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from landing_zone.common.tokens import is_unresolved

GUARDRAIL_METRICS_NAMESPACE = "AWS/Bedrock/Guardrails"
"""Where Bedrock publishes its guardrails' runtime metrics (Bedrock user guide, "Monitor Amazon
Bedrock Guardrails using CloudWatch metrics")."""

INVOKING_PRINCIPAL = "$.identity.arn"
"""The field of a model invocation log record that names who invoked the model."""

_RULE_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}")

PERIOD = Duration.minutes(5)
"""Both alarms look at five-minute periods."""


class BedrockUsageAlarms(Construct):
    """Two alarms on Bedrock use in this account and region, each notifying ``topic``:

    - ``intervention_rate``: the share of requests in which the guardrail version
      ``guardrail_arn``:``guardrail_version`` intervened (``InvocationsIntervened`` over
      ``Invocations``, namespace ``AWS/Bedrock/Guardrails``) reaches ``intervention_rate_percent``
      in two consecutive periods, counted only in periods with at least
      ``minimum_invocations`` requests, so one blocked prompt at night does not page anyone.
    - ``invocations_per_principal``: a Contributor Insights rule (``principal_rule``) counts the
      records of the model invocation log group ``invocation_log_group`` per invoking principal
      (``identity.arn``); the alarm fires when the busiest one exceeds
      ``invocations_per_principal`` in one period. Extraction needs volume; a person does not
      send hundreds of prompts in five minutes.

    *Unverified* (no AWS account): that the guardrail metrics are published with exactly the
    ``GuardrailArn`` and ``GuardrailVersion`` dimensions (the user guide lists them per metric
    but not their combinations); a wrong guess leaves the rate alarm without data, which it
    treats as not breaching.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic: sns.ITopic,
        guardrail_arn: str,
        guardrail_version: str,
        invocation_log_group: logs.ILogGroup,
        intervention_rate_percent: int = 10,
        minimum_invocations: int = 20,
        invocations_per_principal: int = 500,
        rule_name: str = "landing-zone-bedrock-invocations-per-principal",
        alarm_name_prefix: str | None = None,
    ) -> None:
        """
        :param topic: Receives the alarms (and their return to OK).
        :param guardrail_arn: ARN of the guardrail callers must use.
        :param guardrail_version: Its published version callers must use.
        :param invocation_log_group: The model invocation log group
            (``ModelInvocationLogging.log_group``).
        :param intervention_rate_percent: Alarm at this share of requests intervened, 1-100.
            Default: 10.
        :param minimum_invocations: Requests a period needs before its rate counts, at least 1.
            Default: 20.
        :param invocations_per_principal: Alarm when one principal makes more model invocations
            than this in five minutes, at least 1. Default: 500.
        :param rule_name: Name of the Contributor Insights rule, unique in the account and
            region: 1-128 letters, digits, ``.``, ``_`` or ``-``.
        :param alarm_name_prefix: The guardrails' protected prefix: the alarms are then
            ``<prefix>bedrock-guardrail-interventions`` and
            ``<prefix>bedrock-invocations-per-principal``, which nobody but the landing zone may
            disable or delete. Default: names CloudFormation generates.
        """
        super().__init__(scope, construct_id)
        _between("intervention_rate_percent", intervention_rate_percent, 1, 100)
        _between("minimum_invocations", minimum_invocations, 1, None)
        _between("invocations_per_principal", invocations_per_principal, 1, None)
        if not _RULE_NAME.fullmatch(rule_name):
            raise ValueError(
                f"rule_name: got {rule_name!r}; allowed: 1-128 letters, digits, '.', '_' or '-'"
            )
        action = cloudwatch_actions.SnsAction(topic)
        dimensions = {"GuardrailArn": guardrail_arn, "GuardrailVersion": guardrail_version}

        def guardrail_metric(name: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=GUARDRAIL_METRICS_NAMESPACE,
                metric_name=name,
                dimensions_map=dimensions,
                statistic="SampleCount",
                period=PERIOD,
            )

        rate = cloudwatch.MathExpression(
            expression=(
                f"IF(invocations >= {minimum_invocations}, 100 * intervened / invocations, 0)"
            ),
            using_metrics={
                "invocations": guardrail_metric("Invocations"),
                "intervened": guardrail_metric("InvocationsIntervened"),
            },
            label="Guardrail interventions (% of requests)",
            period=PERIOD,
        )
        self.intervention_rate = rate.create_alarm(
            self,
            "InterventionRate",
            alarm_name=None
            if alarm_name_prefix is None
            else f"{alarm_name_prefix}bedrock-guardrail-interventions",
            alarm_description=(
                f"The guardrail intervened in at least {intervention_rate_percent}% of Bedrock "
                "requests for 10 minutes: prompt attacks, attempts to extract personal or card "
                "data, or a broken application. Read the model invocation log group "
                "(guardrail trace) to see who and what."
            ),
            threshold=intervention_rate_percent,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        """The alarm on the share of requests the guardrail intervened on."""
        self.principal_rule = cloudwatch.CfnInsightRule(
            self,
            "InvocationsPerPrincipalRule",
            rule_name=rule_name,
            rule_state="ENABLED",
            rule_body=Fn.sub(
                json.dumps(
                    {
                        "Schema": {"Name": "CloudWatchLogRule", "Version": 1},
                        "LogGroupNames": ["${LogGroup}"],
                        "LogFormat": "JSON",
                        "Contribution": {"Keys": [INVOKING_PRINCIPAL]},
                        "AggregateOn": "Count",
                    }
                ),
                {"LogGroup": invocation_log_group.log_group_name},
            ),
        )
        """The Contributor Insights rule that counts model invocations per principal."""
        busiest = cloudwatch.MathExpression(
            expression=(f'INSIGHT_RULE_METRIC("{rule_name}", "MaxContributorValue")'),
            using_metrics={},
            label="Model invocations of the busiest principal",
            period=PERIOD,
        )
        self.invocations_per_principal = busiest.create_alarm(
            self,
            "InvocationsPerPrincipal",
            alarm_name=None
            if alarm_name_prefix is None
            else f"{alarm_name_prefix}bedrock-invocations-per-principal",
            alarm_description=(
                f"One principal invoked Bedrock models more than {invocations_per_principal} "
                "times in 5 minutes: possible model extraction or a leaked credential. Contributor "
                "Insights rule names the principal."
            ),
            threshold=invocations_per_principal,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        """The alarm on the busiest principal's invocations."""
        self.invocations_per_principal.node.add_dependency(self.principal_rule)
        for alarm in (self.intervention_rate, self.invocations_per_principal):
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)


def _between(name: str, value: int, low: int, high: int | None) -> None:
    if is_unresolved(value):
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        allowed = f"{low}-{high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name}: got {value!r}; allowed: an integer, {allowed}")
