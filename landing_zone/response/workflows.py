"""Incident response in the security-tooling account's home region: the triage function, one
Step Functions workflow per playbook, the rules that start them and their schedules.

``ResponseWorkflows`` deploys, for the state machine definitions it is given
(``landing_zone.response.playbooks``):

- ``<prefix>response-triage`` (Lambda): GuardDuty findings of every member account and governed
  region and root console sign-ins reach it through two EventBridge rules of the default bus; it
  decides playbook, tier and mode from its bundled ``settings.json`` and opens an OpsItem,
  publishes a ticket event, notifies or starts a workflow;
- ``<prefix>response-<playbook>`` (Step Functions STANDARD, its execution history is evidence),
  each with its own execution role of that name: the only principals the ``<prefix>response``
  role of the member accounts trusts;
- ``<prefix>response-regional-call`` (Lambda): the workflows' calls in a region other than this
  one, which the ``aws-sdk`` integrations cannot reach;
- ``<prefix>response-drill-timing`` (Lambda, with a drill workflow): reads the histories of the
  playbooks' drill executions and times their plans and pages, which the drill's JSONPath
  cannot;
- EventBridge Scheduler schedules: the daily clean-up of expired IP blocks, the quarterly
  tabletop reminder and, with a drill workflow, the monthly fire drill.

What a workflow may call in this account is read from its definition: each kind of task it runs
without ``Credentials`` maps to one named grant, and a task of another kind is an error at
synth, so a new call is a reviewed change here rather than a silent wildcard. Calls with
``Credentials`` run as the member account's response role; the execution role may only assume
``<prefix>response`` of an account of the organization (``aws:ResourceOrgID``).

Not verified here (no AWS account): that S3 accepts the log key's alias ARN as
``SSEKMSKeyId`` of a cross-account ``PutObject`` (KMS accepts an alias ARN of another account as
``KeyId``), and the trust conditions EventBridge Scheduler sends (``aws:SourceAccount``, as its
user guide's execution role example shows).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import (
    Acknowledgment,
    ArnFormat,
    Duration,
    RemovalPolicy,
    Stack,
    Token,
    Validations,
)
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.key_policy import administered_key, logs_service_statement
from landing_zone.common.nag import granular_resource
from landing_zone.common.protected_names import check_prefix, checked_name
from landing_zone.common.protection import DEFAULT_LANDING_ZONE_PRINCIPALS
from landing_zone.common.step_functions import LOG_DELIVERY_ACTIONS, TRACING_ACTIONS
from landing_zone.detection.alerting import FindingForwarder, _dead_letter_alarm, _DeadLetterQueue
from landing_zone.detection.management_events import CONSOLE_SIGN_IN
from landing_zone.logging import names
from landing_zone.response.playbooks.drill import TIMING_PLACEHOLDER
from landing_zone.response.response_role import execution_role_name, response_role_name

RUNTIME_DIRECTORY = Path(__file__).parent / "runtime"
"""The Lambda code of the triage and regional-call functions (stdlib and boto3 only)."""

SETTINGS_FILE = "settings.json"
"""Name of the compiled settings in the functions' asset, beside the runtime modules."""

RUNTIME = lambda_.Runtime.PYTHON_3_14
"""The newest Python runtime aws-cdk-lib knows (AwsSolutions-L1)."""

PLAYBOOK_WORKFLOWS = (
    "isolate_instance",
    "contain_credentials",
    "block_network_actor",
    "s3_exfiltration",
    "root_use",
)
"""Workflows the triage function starts (``config.model.PLAYBOOKS``)."""

IP_EXPIRY = "ip_expiry"
"""The daily clean-up of expired IP blocks."""

DRILL = "drill"
"""The monthly fire drill: generates the sample findings; the fire-drill schedule starts it."""

TABLETOP_MESSAGE = (
    "An incident-response tabletop exercise is due this quarter. Write the pack from the "
    "landing zone's config and playbooks (README, 'Incident response: tabletop packs'), run the "
    "scenarios with the responders and file the filled-in gaps form as evidence (PCI DSS 12.10.2)."
)

ROOT_SIGN_IN_PATTERN: Mapping[str, Any] = {
    "source": ["aws.signin"],
    "detail-type": [CONSOLE_SIGN_IN],
    "detail": {"userIdentity": {"type": ["Root"]}},
}
"""Console sign-ins of a root user (the root_use playbook). The events of the global sign-in
endpoint arrive in us-east-1 (EventBridge user guide, "Events from AWS services"), so the other
governed regions forward them (``ResponseForwarding``)."""

GUARDDUTY_FINDINGS_PATTERN: Mapping[str, Any] = {
    "source": ["aws.guardduty"],
    "detail-type": ["GuardDuty Finding"],
}
"""Every GuardDuty finding, of every severity: the triage decides by tier."""

_STATES = "arn:aws:states:::"
_SDK = f"{_STATES}aws-sdk:"
_SDK_SERVICE_PREFIXES = {"sfn": "states"}
"""``aws-sdk:<service>`` names whose IAM prefix differs from the service name."""


def resource_name(name_prefix: str, workflow: str) -> str:
    """``<prefix>response-<workflow with hyphens>``: the state machine, its execution role, its
    policy and its log group share it."""
    return execution_role_name(name_prefix, workflow)


def execution_role_arns(account_id: str, name_prefix: str, workflows: Sequence[str]) -> list[str]:
    """The execution role ARNs of ``workflows`` in the security-tooling account ``account_id``:
    what the log archive admits as evidence writers and the response role trusts."""
    return [
        f"arn:{pseudo.PARTITION}:iam::{account_id}:role/{resource_name(name_prefix, workflow)}"
        for workflow in workflows
    ]


@dataclass(frozen=True)
class _Task:
    """A Task state of a definition, as far as its permissions are concerned."""

    resource: str
    credentials: bool
    parameters: Mapping[str, Any]


def _tasks(states: Mapping[str, Any]) -> Iterator[_Task]:
    for state in states.values():
        kind = state.get("Type")
        if kind == "Task":
            yield _Task(
                resource=str(state.get("Resource", "")),
                credentials="Credentials" in state,
                parameters=state.get("Parameters") or state.get("Arguments") or {},
            )
        elif kind == "Parallel":
            for branch in state.get("Branches", []):
                yield from _tasks(branch.get("States", {}))
        elif kind == "Map":
            processor = state.get("ItemProcessor") or state.get("Iterator") or {}
            yield from _tasks(processor.get("States", {}))


def own_account_actions(definition: Mapping[str, Any]) -> frozenset[str]:
    """The IAM actions a definition's tasks without ``Credentials`` need: those run as the
    execution role in this account. ``lambda:invoke`` is ``lambda:InvokeFunction``, service
    integrations their IAM action (``sns:publish`` is ``sns:Publish``; ``.waitForTaskToken``
    needs no more), ``aws-sdk:<service>:<action>`` the action of that service."""
    actions = set()
    for task in _tasks(definition.get("States", {})):
        if task.credentials or not task.resource.startswith(_STATES):
            continue
        integration = task.resource.removeprefix(_STATES).split(".")[0]
        if integration.startswith("aws-sdk:"):
            _, service, action = integration.split(":", 2)
            prefix = _SDK_SERVICE_PREFIXES.get(service, service)
        else:
            prefix, action = integration.split(":", 1)
            if prefix == "lambda" and action == "invoke":
                action = "invokeFunction"
            prefix = _SDK_SERVICE_PREFIXES.get(prefix, prefix)
        actions.add(f"{prefix}:{action[0].upper()}{action[1:]}")
    return frozenset(actions)


def assumes_response_role(definition: Mapping[str, Any]) -> bool:
    """Whether any task of the definition runs with ``Credentials`` (the response role)."""
    return any(task.credentials for task in _tasks(definition.get("States", {})))


def placeholders(definition: Mapping[str, Any]) -> frozenset[str]:
    """Every ``${Name}`` of the definition."""
    text = json.dumps(definition)
    found = set()
    start = text.find("${")
    while start != -1:
        end = text.find("}", start)
        found.add(text[start + 2 : end])
        start = text.find("${", end)
    return frozenset(found)


def stage_code(settings: Mapping[str, Any], runtime_directory: Path = RUNTIME_DIRECTORY) -> Path:
    """A directory holding the runtime modules and ``settings.json``, named by a digest of its
    content under the system's temporary directory: the same settings and code give the same
    directory, hence the same asset hash, and nothing is written into the repository."""
    modules = sorted(path for path in runtime_directory.glob("*.py"))
    if not any(path.name == "triage.py" for path in modules):
        raise FileNotFoundError(f"{runtime_directory} holds no triage.py")
    settings_text = json.dumps(settings, sort_keys=True, indent=2) + "\n"
    digest = hashlib.sha256(settings_text.encode())
    for module in modules:
        digest.update(module.name.encode())
        digest.update(module.read_bytes())
    target = Path(tempfile.gettempdir()) / "lz-response-assets" / digest.hexdigest()[:32]
    if not target.is_dir():
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=target.parent.parent))
        for module in modules:
            shutil.copyfile(module, staging / module.name)
        (staging / SETTINGS_FILE).write_text(settings_text)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(staging, target)
        except OSError:
            # Another synth staged the same content first.
            shutil.rmtree(staging, ignore_errors=True)
    return target


@dataclass(frozen=True, kw_only=True)
class ResponseTopic:
    """An encrypted topic the response publishes to, with the key publishers must use."""

    topic: sns.ITopic
    key: kms.IKey


_NO_VPC = (
    "The function only calls AWS APIs (Step Functions, Systems Manager, EventBridge, SNS, STS "
    "and the allow-listed calls of the response role) and reaches no workload; the security-"
    "tooling account has no VPC, and one here would need NAT or an interface endpoint per "
    "service for no network it protects."
)
_NO_RESERVED_CONCURRENCY = (
    "Reserved concurrency would fail the deployment in a new security-tooling account, whose "
    "default concurrency quota leaves nothing to reserve above the unreserved minimum. A "
    "throttled call is retried: by EventBridge for the triage (retry policy, then the "
    "dead-letter queue, which alarms), by the workflow's retry and catch for the regional call."
)
_LOG_DELIVERY_AND_TRACING = (
    "The CloudWatch Logs delivery actions Step Functions needs for execution logging "
    "(https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html) and the X-Ray write "
    "actions have no resource type in the Service Authorization Reference, so IAM only accepts "
    "'*'."
)

WILDCARD_REASONS = {
    "DeliverExecutionLogs": _LOG_DELIVERY_AND_TRACING,
    "WriteExecutionTraces": _LOG_DELIVERY_AND_TRACING,
    "AssumeResponseRoleInOrganization": (
        "The finding's account is only known at run time: the statement names the one response "
        "role every account has, and aws:ResourceOrgID keeps it to accounts of this "
        "organization."
    ),
    "ReadPlaybookExecutions": (
        "The drill reads the executions its sample findings started, of the playbook workflows "
        "only; execution names are derived from the findings at run time."
    ),
    "ReadPlaybookExecutionHistories": (
        "The drill-timing function times the executions the drill's sample findings started "
        "(plan, page) from their histories, of the playbook workflows only; execution names "
        "are derived from the findings at run time."
    ),
    "ReadOwnExecutionsForRollback": (
        "A rollback reads the record of an earlier execution of this workflow only; execution "
        "names are derived from findings at run time."
    ),
    "WriteEvidenceRecords": (
        "Each execution writes one record named after its playbook, account and execution, "
        "under the evidence prefix of the log archive bucket only."
    ),
    "EncryptEvidenceWithLogKey": (
        "The log key's id is generated in the log archive account; the statement only lets S3 "
        "use it on the role's behalf for the evidence bucket (kms:ViaService, "
        "kms:EncryptionContext:aws:s3:arn)."
    ),
    "OpenOpsItems": (
        "CreateOpsItem authorizes on the OpsItem it creates, whose id Systems Manager "
        "generates: OpsItems of this account and region only."
    ),
}
"""Why a statement (by sid) has a wildcard in its resources; one without stays a finding."""


class ResponseWorkflows(Construct):
    """Triage, playbook workflows, regional calls and schedules of incident response.

    Children: ``Triage`` (function ``<prefix>response-triage``), ``RegionalCall`` (function
    ``<prefix>response-regional-call``), ``DrillTiming`` (function
    ``<prefix>response-drill-timing``, when a definition names ``${DrillTimingFunctionArn}``),
    one ``Workflow<Name>`` per definition (state machine,
    execution role, policy and log group, all named ``<prefix>response-<name>``), the rules
    ``<prefix>response-triage`` and ``<prefix>response-triage-root-sign-in``, the triage's
    dead-letter queue and alarm, and the schedules ``<prefix>response-ip-expiry``,
    ``<prefix>response-tabletop-reminder`` and ``<prefix>response-fire-drill``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        definitions: Mapping[str, Mapping[str, Any]],
        settings: Mapping[str, Any],
        alert_topic: ResponseTopic,
        paging_topic: ResponseTopic,
        organization_id: str,
        evidence_bucket_name: str,
        evidence_key_arn: str,
        evidence_prefix: str = names.RESPONSE_PREFIX,
        log_archive_account_id: str | None = None,
        name_prefix: str = "lz-",
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        tabletop_schedule: str = "cron(0 9 1 1,4,7,10 ? *)",
        ip_expiry_schedule: str = "cron(0 2 * * ? *)",
        fire_drill_schedule: str | None = None,
        fire_drill_input: Mapping[str, Any] | None = None,
        ip_expiry_input: Mapping[str, Any] | None = None,
        tracing: bool = True,
        runtime_directory: Path = RUNTIME_DIRECTORY,
        administrator_arns: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
    ) -> None:
        """
        :param definitions: Workflow name (``isolate_instance``, ..., ``ip_expiry``,
            ``drill_check``) -> its Amazon States Language document with the ``${...}``
            placeholders of ``landing_zone.response.asl.PLACEHOLDERS``. The playbooks among them
            are the ones the triage may start.
        :param settings: The triage's compiled settings
            (``landing_zone.response.settings.compile_settings``), bundled as ``settings.json``.
        :param alert_topic: The alert topic (MEDIUM) and its key.
        :param paging_topic: The paging topic (HIGH, CRITICAL) and its key.
        :param organization_id: Organization (``o-...``) of the accounts whose response role
            the workflows may assume.
        :param evidence_bucket_name: The log archive's Object Lock bucket.
        :param evidence_key_arn: The log key (its alias ARN will do) that encrypts evidence.
        :param evidence_prefix: Key prefix of evidence records. Default: ``incident-response``.
        :param log_archive_account_id: Account of the evidence bucket and key, which the key
            grants name. Default: the account in ``evidence_key_arn``.
        :param name_prefix: The guardrails' protected prefix. Default: ``lz-``.
        :param log_retention: Retention of the functions' and workflows' log groups. Default:
            one year (PCI DSS 10.5.1).
        :param tabletop_schedule: Scheduler cron of the tabletop reminder. Default: quarterly.
        :param ip_expiry_schedule: Scheduler cron of the IP block clean-up. Default: daily,
            02:00 UTC.
        :param fire_drill_schedule: Scheduler cron of the fire drill. Default: none, no drill;
            requires a ``drill`` definition and ``fire_drill_input``.
        :param fire_drill_input: The drill workflow's input
            (``landing_zone.response.playbooks.drill.drill_input``).
        :param ip_expiry_input: The clean-up workflow's input. Default: ``{}``.
        :param tracing: X-Ray tracing of the workflows. Default: on (AwsSolutions-SF2).
        :param runtime_directory: The Lambda modules. Default: ``landing_zone/response/runtime``.
        :param administrator_arns: The only principals that may change the log key. Default:
            the guardrails' default landing-zone principals.
        """
        super().__init__(scope, construct_id)
        check_prefix(name_prefix)
        unknown = sorted(set(definitions) - set(_ORDER))
        if unknown:
            raise ValueError(
                f"definitions: unknown workflows {unknown}; allowed: {', '.join(_ORDER)}"
            )
        if (fire_drill_schedule is None) != (fire_drill_input is None):
            raise ValueError(
                "fire_drill_schedule and fire_drill_input: give both (a drill) or neither"
            )
        if fire_drill_schedule is not None and DRILL not in definitions:
            raise ValueError(
                f"fire_drill_schedule: got {fire_drill_schedule!r} but definitions hold no "
                f"{DRILL!r} workflow to start"
            )
        stack = Stack.of(self)
        self._prefix = name_prefix
        self._stack = stack
        self.alert_topic = alert_topic
        self.paging_topic = paging_topic
        self.default_bus_arn = stack.format_arn(
            service="events", resource="event-bus", resource_name="default"
        )
        key_account = log_archive_account_id or (
            evidence_key_arn.split(":")[4] if not Token.is_unresolved(evidence_key_arn) else None
        )
        if key_account is None:
            raise ValueError("log_archive_account_id: required when evidence_key_arn is a token")
        self._substitutions = {
            "EvidenceBucket": evidence_bucket_name,
            "EvidencePrefix": evidence_prefix,
            "EvidenceKeyArn": evidence_key_arn,
            "AlertTopicArn": alert_topic.topic.topic_arn,
            "PagingTopicArn": paging_topic.topic.topic_arn,
            "TicketBusArn": self.default_bus_arn,
            "HomeRegion": stack.region,
        }
        self._evidence = (evidence_bucket_name, evidence_prefix, key_account)
        self._organization_id = organization_id
        self._retention = log_retention
        self._tracing = tracing

        self.log_key = administered_key(
            self,
            "LogKey",
            description="Encrypts the logs of the landing zone's incident response",
            statements=[logs_service_statement()],
            landing_zone_principals=administrator_arns,
        )
        code = lambda_.Code.from_asset(str(stage_code(settings, runtime_directory)))

        # The regional calls first: the workflows' definitions name the function.
        self.regional_call = self._function(
            "RegionalCall",
            "regional-call",
            code=code,
            handler="regional_call.handler",
            description="Runs a response workflow's call in the finding's region",
            timeout=Duration.minutes(1),
            statements=[self._assume_response_role_statement()],
        )
        Validations.of(self.regional_call.function).acknowledge(
            Acknowledgment(
                id="NIST.800.53.R5-LambdaDLQ",
                reason=(
                    "Step Functions invokes the function synchronously and handles its errors "
                    "(retry, catch, page, record): no event is left to hold."
                ),
            ),
        )
        self._substitutions["RegionalCallFunctionArn"] = self.regional_call.function.function_arn

        self.drill_timing = (
            self._drill_timing(code)
            if any(TIMING_PLACEHOLDER in placeholders(d) for d in definitions.values())
            else None
        )
        if self.drill_timing is not None:
            self._substitutions[TIMING_PLACEHOLDER] = self.drill_timing.function.function_arn

        self.ip_block_table = (
            self._ip_block_table(administrator_arns)
            if any(IP_BLOCK_TABLE in placeholders(d) for d in definitions.values())
            else None
        )
        if self.ip_block_table is not None:
            self._substitutions[IP_BLOCK_TABLE] = self.ip_block_table.ref

        self.workflows: dict[str, _Workflow] = {}
        for workflow in sorted(definitions, key=_ORDER.index):
            self.workflows[workflow] = self._workflow(workflow, definitions[workflow])

        dead_letters = _DeadLetterQueue(
            self,
            "TriageDeadLetterQueue",
            queue_name=checked_name("queue", resource_name(name_prefix, "triage-dead-letters")),
        )
        self.dead_letter_queue = dead_letters.queue
        playbooks = [self.workflows[p] for p in PLAYBOOK_WORKFLOWS if p in self.workflows]
        self.triage = self._function(
            "Triage",
            "triage",
            code=code,
            handler="triage.handler",
            description="Decides playbook, tier and mode of a finding and starts the response",
            timeout=Duration.minutes(1),
            dead_letter_queue=dead_letters.queue,
            statements=[
                *(
                    [
                        iam.PolicyStatement(
                            sid="StartPlaybookWorkflows",
                            actions=["states:StartExecution"],
                            resources=[w.state_machine.attr_arn for w in playbooks],
                        )
                    ]
                    if playbooks
                    else []
                ),
                iam.PolicyStatement(
                    sid="OpenOpsItems",
                    actions=["ssm:CreateOpsItem"],
                    resources=[
                        stack.format_arn(service="ssm", resource="opsitem", resource_name="*")
                    ],
                ),
                iam.PolicyStatement(
                    sid="PublishTicketEvents",
                    actions=["events:PutEvents"],
                    resources=[self.default_bus_arn],
                ),
                # The notify tier; pages come from the workflows.
                *self._publish_statements([self.alert_topic]),
                iam.PolicyStatement(
                    sid="SendUndeliveredFindings",
                    actions=["sqs:SendMessage"],
                    resources=[dead_letters.queue.queue_arn],
                ),
                iam.PolicyStatement(
                    sid="EncryptUndeliveredFindings",
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=[dead_letters.key.key_arn],
                ),
            ],
        )
        self.rules = self._triage_rules(dead_letters.queue)
        self.dead_letter_alarm = _dead_letter_alarm(
            self,
            dead_letters.queue,
            "Findings or root sign-ins could not be triaged for incident response",
            alarm_name=resource_name(name_prefix, "triage-dead-letters"),
        )
        for topic in (alert_topic, paging_topic):
            self.dead_letter_alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic.topic))
        self.failed_executions_rule = self._failed_executions_rule()

        self.schedules: dict[str, scheduler.CfnSchedule] = {}
        if IP_EXPIRY in self.workflows:
            self.schedules[IP_EXPIRY] = self._start_schedule(
                "IpExpirySchedule",
                "ip-expiry",
                ip_expiry_schedule,
                self.workflows[IP_EXPIRY],
                "Removes expired addresses from the WAF block IP sets",
                ip_expiry_input or {},
            )
        if fire_drill_schedule is not None:
            self.schedules[DRILL] = self._start_schedule(
                "FireDrillSchedule",
                "fire-drill",
                fire_drill_schedule,
                self.workflows[DRILL],
                "Monthly incident-response fire drill with GuardDuty sample findings",
                fire_drill_input or {},
            )
        self.schedules["tabletop"] = self._tabletop_schedule(tabletop_schedule)

    def _failed_executions_rule(self) -> events.CfnRule:
        """Pages every execution of a workflow that ends failed, timed out or aborted. A
        workflow catches what it can and pages itself; this covers what no Catch reaches
        (``States.Runtime``, ``States.DataLimitExceeded``: Step Functions developer guide,
        "Handling errors in Step Functions workflows"), a stopped execution, and a failure of the
        failure path. Its own caught failures page twice, once with the record's details."""
        machines = [workflow.state_machine.attr_arn for workflow in self.workflows.values()]
        rule = events.CfnRule(
            self,
            "FailedExecutionsRule",
            name=checked_name("rule", resource_name(self._prefix, "failed-executions")),
            description="Response workflow executions that failed, timed out or were aborted",
            event_pattern={
                "source": ["aws.states"],
                "detail-type": ["Step Functions Execution Status Change"],
                "detail": {
                    "status": ["FAILED", "TIMED_OUT", "ABORTED"],
                    "stateMachineArn": machines,
                },
            },
            state="ENABLED",
            targets=[
                events.CfnRule.TargetProperty(
                    id="Paging",
                    arn=self.paging_topic.topic.topic_arn,
                    input_transformer=events.CfnRule.InputTransformerProperty(
                        input_paths_map={
                            "execution": "$.detail.executionArn",
                            "status": "$.detail.status",
                            "error": "$.detail.error",
                        },
                        input_template=(
                            '"lz-response workflow execution <execution> ended <status> '
                            "(<error>): read its history and its evidence record, and finish "
                            'the containment by hand if it did not."'
                        ),
                    ),
                    dead_letter_config=events.CfnRule.DeadLetterConfigProperty(
                        arn=self.dead_letter_queue.queue_arn
                    ),
                    retry_policy=events.CfnRule.RetryPolicyProperty(
                        maximum_event_age_in_seconds=3600, maximum_retry_attempts=20
                    ),
                )
            ],
        )
        self.dead_letter_queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowDeadLettersOfTheFailedExecutionsRule",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[self.dead_letter_queue.queue_arn],
                conditions={"ArnEquals": {"aws:SourceArn": rule.attr_arn}},
            )
        )
        return rule

    # --- functions --------------------------------------------------------------------------

    def _function(
        self,
        construct_id: str,
        name: str,
        *,
        code: lambda_.Code,
        handler: str,
        description: str,
        timeout: Duration,
        statements: Sequence[iam.PolicyStatement],
        dead_letter_queue: sqs.IQueue | None = None,
    ) -> _Function:
        full_name = resource_name(self._prefix, name.replace("-", "_"))
        log_group = logs.LogGroup(
            self,
            f"{construct_id}Logs",
            log_group_name=f"/aws/lambda/{full_name}",
            encryption_key=self.log_key,
            retention=self._retention,
            removal_policy=RemovalPolicy.RETAIN,
        )
        role = iam.Role(
            self,
            f"{construct_id}Role",
            role_name=checked_name("role", full_name),
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=description,
        )
        policy = iam.ManagedPolicy(
            self,
            f"{construct_id}Policy",
            managed_policy_name=full_name,
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    sid="WriteOwnLogGroup",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[log_group.log_group_arn],
                ),
                *statements,
            ],
        )
        function = lambda_.Function(
            self,
            construct_id,
            function_name=full_name,
            description=description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            code=code,
            handler=handler,
            timeout=timeout,
            memory_size=256,
            # The managed policy grants everything: no inline policy on the role.
            role=role.without_policy_updates(),
            log_group=log_group,
            dead_letter_queue=dead_letter_queue,
        )
        function.node.add_dependency(policy)
        self._acknowledge_wildcard_resources(policy, [*statements])
        Validations.of(function).acknowledge(
            Acknowledgment(id="NIST.800.53.R5-LambdaInsideVPC", reason=_NO_VPC),
            Acknowledgment(id="PCI.DSS.321-LambdaInsideVPC", reason=_NO_VPC),
            Acknowledgment(id="NIST.800.53.R5-LambdaConcurrency", reason=_NO_RESERVED_CONCURRENCY),
        )
        return _Function(function=function, role=role, policy=policy, log_group=log_group)

    def _drill_timing(self, code: lambda_.Code) -> _Function:
        """The drill's timing: reads the playbooks' execution histories, calls nothing else."""
        function = self._function(
            "DrillTiming",
            "drill-timing",
            code=code,
            handler="drill_timing.handler",
            description="Times the fire drill's playbook executions: finding event to plan, page",
            # Up to 100 executions a playbook, one or two history pages each.
            timeout=Duration.minutes(2),
            statements=[
                iam.PolicyStatement(
                    sid="ReadPlaybookExecutionHistories",
                    actions=["states:GetExecutionHistory"],
                    resources=[
                        self._executions_arn(resource_name(self._prefix, p))
                        for p in PLAYBOOK_WORKFLOWS
                    ],
                )
            ],
        )
        Validations.of(function.function).acknowledge(
            Acknowledgment(
                id="NIST.800.53.R5-LambdaDLQ",
                reason=(
                    "The drill invokes the function synchronously and handles its errors (retry, "
                    "then the drill's failure path alerts): no event is left to hold."
                ),
            ),
        )
        return function

    def _assume_response_role_statement(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            sid="AssumeResponseRoleInOrganization",
            actions=["sts:AssumeRole"],
            resources=[f"arn:{pseudo.PARTITION}:iam::*:role/{response_role_name(self._prefix)}"],
            conditions={"StringEquals": {"aws:ResourceOrgID": self._organization_id}},
        )

    def _publish_statements(
        self, topics: Sequence[ResponseTopic] = ()
    ) -> list[iam.PolicyStatement]:
        chosen = list(topics) or [self.alert_topic, self.paging_topic]
        return [
            iam.PolicyStatement(
                sid="PublishToResponseTopics",
                actions=["sns:Publish"],
                resources=[t.topic.topic_arn for t in chosen],
            ),
            # SNS encrypts with the topic's key on the publisher's behalf.
            iam.PolicyStatement(
                sid="EncryptResponseMessages",
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[t.key.key_arn for t in chosen],
            ),
        ]

    # --- workflows --------------------------------------------------------------------------

    def _workflow(self, workflow: str, definition: Mapping[str, Any]) -> _Workflow:
        stack = self._stack
        name = resource_name(self._prefix, workflow)
        construct_id = "Workflow" + "".join(p.capitalize() for p in workflow.split("_"))
        missing = sorted(placeholders(definition) - set(self._substitutions))
        if missing:
            raise ValueError(
                f"definitions[{workflow!r}]: placeholders {missing} have no value; allowed: "
                f"{', '.join(sorted(self._substitutions))}"
            )
        state_machine_arn = stack.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=name,
            arn_format=_COLON,
        )
        role = iam.Role(
            self,
            f"{construct_id}Role",
            role_name=checked_name("role", name),
            assumed_by=iam.ServicePrincipal(
                "states.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": state_machine_arn},
                },
            ),
            description=f"Runs the incident-response workflow {name}",
        )
        statements = self._workflow_statements(workflow, name, definition)
        policy = iam.ManagedPolicy(
            self,
            f"{construct_id}Policy",
            managed_policy_name=name,
            roles=[role],
            statements=statements,
        )
        self._acknowledge_wildcard_resources(policy, statements)
        log_group = logs.LogGroup(
            self,
            f"{construct_id}Logs",
            log_group_name=name,
            encryption_key=self.log_key,
            retention=self._retention,
            removal_policy=RemovalPolicy.RETAIN,
        )
        used = placeholders(definition)
        state_machine = sfn.CfnStateMachine(
            self,
            construct_id,
            state_machine_name=name,
            state_machine_type="STANDARD",
            role_arn=role.role_arn,
            definition_string=json.dumps(definition, sort_keys=True),
            definition_substitutions={
                key: value for key, value in sorted(self._substitutions.items()) if key in used
            },
            logging_configuration=sfn.CfnStateMachine.LoggingConfigurationProperty(
                level="ALL",
                include_execution_data=True,
                destinations=[
                    sfn.CfnStateMachine.LogDestinationProperty(
                        cloud_watch_logs_log_group=sfn.CfnStateMachine.CloudWatchLogsLogGroupProperty(
                            log_group_arn=log_group.log_group_arn
                        )
                    )
                ],
            ),
            tracing_configuration=sfn.CfnStateMachine.TracingConfigurationProperty(
                enabled=self._tracing
            ),
        )
        state_machine.node.add_dependency(policy)
        return _Workflow(state_machine=state_machine, role=role, policy=policy, log_group=log_group)

    def _workflow_statements(
        self, workflow: str, name: str, definition: Mapping[str, Any]
    ) -> list[iam.PolicyStatement]:
        stack = self._stack
        actions = own_account_actions(definition)
        statements: list[iam.PolicyStatement] = []
        if assumes_response_role(definition):
            statements.append(self._assume_response_role_statement())
        text = json.dumps(definition)
        table_actions = sorted(a for a in actions if a.startswith("dynamodb:"))
        if table_actions:
            if self.ip_block_table is None:
                raise ValueError(
                    f"definitions[{workflow!r}]: calls {table_actions} without the "
                    f"${{{IP_BLOCK_TABLE}}} table"
                )
            statements.append(
                iam.PolicyStatement(
                    sid="UseIpBlockTable",
                    actions=table_actions,
                    resources=[self.ip_block_table.attr_arn],
                )
            )
        for action in sorted(set(actions) - set(table_actions)):
            if action == "lambda:InvokeFunction":
                statements += self._invoke_statements(workflow, text)
            elif action == "sns:Publish":
                topics = [
                    topic
                    for placeholder, topic in (
                        ("${AlertTopicArn}", self.alert_topic),
                        ("${PagingTopicArn}", self.paging_topic),
                    )
                    if placeholder in text
                ]
                statements += self._publish_statements(topics)
            elif action == "events:PutEvents":
                statements.append(
                    iam.PolicyStatement(
                        sid="PublishTicketEvents",
                        actions=[action],
                        resources=[self.default_bus_arn],
                    )
                )
            elif action == "s3:PutObject":
                statements += self._evidence_statements()
            elif action == "states:DescribeExecution" and workflow != DRILL:
                statements.append(
                    iam.PolicyStatement(
                        sid="ReadOwnExecutionsForRollback",
                        actions=[action],
                        resources=[self._executions_arn(name)],
                    )
                )
            elif workflow == DRILL and action in _DRILL_CHECKS:
                drilled = [resource_name(self._prefix, p) for p in PLAYBOOK_WORKFLOWS]
                execution_action = action != "states:ListExecutions"
                statements.append(
                    iam.PolicyStatement(
                        sid=_DRILL_CHECKS[action],
                        actions=[action],
                        resources=[
                            self._executions_arn(n)
                            if execution_action
                            else stack.format_arn(
                                service="states",
                                resource="stateMachine",
                                resource_name=n,
                                arn_format=_COLON,
                            )
                            for n in drilled
                        ],
                    )
                )
            else:
                raise ValueError(
                    f"definitions[{workflow!r}]: a task calls {action} in this account; "
                    "ResponseWorkflows grants only lambda:InvokeFunction (regional calls, drill "
                    "timing), "
                    "sns:Publish, events:PutEvents, s3:PutObject (evidence), "
                    "states:DescribeExecution (rollback) and, to the drill, the states reads "
                    "of the playbooks' executions: run it with Credentials in the "
                    "finding's account, or add its grant here"
                )
        statements.append(
            iam.PolicyStatement(
                sid="DeliverExecutionLogs",
                actions=list(LOG_DELIVERY_ACTIONS),
                resources=["*"],
            )
        )
        if self._tracing:
            statements.append(
                iam.PolicyStatement(
                    sid="WriteExecutionTraces",
                    actions=list(TRACING_ACTIONS),
                    resources=["*"],
                )
            )
        return statements

    def _invoke_statements(self, workflow: str, text: str) -> list[iam.PolicyStatement]:
        """One grant per function the definition names: the regional call, the drill timing."""
        functions = [
            (sid, function)
            for sid, placeholder, function in (
                ("InvokeRegionalCall", "RegionalCallFunctionArn", self.regional_call),
                ("InvokeDrillTiming", TIMING_PLACEHOLDER, self.drill_timing),
            )
            if function is not None and f"${{{placeholder}}}" in text
        ]
        if not functions:
            raise ValueError(
                f"definitions[{workflow!r}]: a task invokes a Lambda function that is neither "
                "${RegionalCallFunctionArn} nor ${DrillTimingFunctionArn}"
            )
        return [
            iam.PolicyStatement(
                sid=sid, actions=["lambda:InvokeFunction"], resources=[f.function.function_arn]
            )
            for sid, f in functions
        ]

    def _executions_arn(self, state_machine_name: str) -> str:
        return self._stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{state_machine_name}:*",
            arn_format=_COLON,
        )

    def _evidence_statements(self) -> list[iam.PolicyStatement]:
        bucket, prefix, key_account = self._evidence
        bucket_arn = f"arn:{pseudo.PARTITION}:s3:::{bucket}"
        return [
            iam.PolicyStatement(
                sid="WriteEvidenceRecords",
                actions=["s3:PutObject"],
                resources=[f"{bucket_arn}/{prefix}/*"],
            ),
            iam.PolicyStatement(
                sid="EncryptEvidenceWithLogKey",
                actions=["kms:Encrypt", "kms:GenerateDataKey"],
                resources=[f"arn:{pseudo.PARTITION}:kms:{self._stack.region}:{key_account}:key/*"],
                conditions={
                    "StringEquals": {"kms:ViaService": f"s3.{self._stack.region}.amazonaws.com"},
                    # With S3 Bucket Keys the context is the bucket's ARN, else the object's.
                    "StringLike": {
                        "kms:EncryptionContext:aws:s3:arn": [bucket_arn, f"{bucket_arn}/{prefix}/*"]
                    },
                },
            ),
        ]

    def _acknowledge_wildcard_resources(
        self, policy: iam.ManagedPolicy, statements: Sequence[iam.PolicyStatement]
    ) -> None:
        """Acknowledges AwsSolutions-IAM5 for each wildcard resource of ``statements``, with the
        reason ``WILDCARD_REASONS`` gives for the statement's sid: a wildcard without a reason
        stays a finding."""
        acknowledgments: dict[str, Acknowledgment] = {}
        for statement in statements:
            reason = WILDCARD_REASONS.get(statement.sid or "")
            for resource in statement.resources:
                text = granular_resource(self, resource)
                if "*" in text and reason is not None:
                    finding = f"AwsSolutions-IAM5[Resource::{text}]"
                    acknowledgments[finding] = Acknowledgment(id=finding, reason=reason)
        if acknowledgments:
            Validations.of(policy).acknowledge(*acknowledgments.values())

    def _ip_block_table(self, administrator_arns: Sequence[str]) -> dynamodb.CfnTable:
        """The expiry of every blocked address (``block_network_actor`` writes, ``ip_expiry``
        sweeps): no evidence (the records in the log archive are), but what keeps a block from
        lasting forever or ending early, so only landing-zone principals may change it."""
        name = resource_name(self._prefix, "ip-blocks")
        table_arn = self._stack.format_arn(service="dynamodb", resource="table", resource_name=name)
        table = dynamodb.CfnTable(
            self,
            "IpBlockTable",
            table_name=name,
            billing_mode="PAY_PER_REQUEST",
            key_schema=[
                dynamodb.CfnTable.KeySchemaProperty(attribute_name="target", key_type="HASH"),
                dynamodb.CfnTable.KeySchemaProperty(attribute_name="cidr", key_type="RANGE"),
            ],
            attribute_definitions=[
                dynamodb.CfnTable.AttributeDefinitionProperty(
                    attribute_name="target", attribute_type="S"
                ),
                dynamodb.CfnTable.AttributeDefinitionProperty(
                    attribute_name="cidr", attribute_type="S"
                ),
            ],
            # KMS (the AWS managed key of DynamoDB): the entries are addresses and dates.
            sse_specification=dynamodb.CfnTable.SSESpecificationProperty(sse_enabled=True),
            point_in_time_recovery_specification=(
                dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty(
                    point_in_time_recovery_enabled=True
                )
            ),
            deletion_protection_enabled=True,
            resource_policy=dynamodb.CfnTable.ResourcePolicyProperty(
                policy_document={
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            # Early removal unblocks an attacker, a removed entry never expires.
                            "Sid": "DenyChangesButByLandingZone",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": list(_TABLE_PROTECTED_ACTIONS),
                            "Resource": table_arn,
                            "Condition": {
                                "ArnNotLike": {"aws:PrincipalArn": list(administrator_arns)}
                            },
                        }
                    ],
                }
            ),
        )
        table.apply_removal_policy(RemovalPolicy.RETAIN)
        # Only NIST's pack has the rule: cdk-nag's PCI DSS 3.2.1 pack has no DynamoDBInBackupPlan.
        Validations.of(table).acknowledge(
            Acknowledgment(id="NIST.800.53.R5-DynamoDBInBackupPlan", reason=_TABLE_NOT_BACKED_UP)
        )
        return table

    # --- rules ------------------------------------------------------------------------------

    def _triage_rules(self, dead_letter_queue: sqs.Queue) -> tuple[events.CfnRule, ...]:
        function = self.triage.function
        rules = []
        for construct_id, name, description, pattern in (
            (
                "TriageRule",
                "triage",
                "GuardDuty findings of every severity, account and region to the response triage",
                GUARDDUTY_FINDINGS_PATTERN,
            ),
            (
                "RootSignInRule",
                "triage-root-sign-in",
                "Root user console sign-ins to the response triage (root_use playbook)",
                ROOT_SIGN_IN_PATTERN,
            ),
        ):
            rule = triage_rule(
                self,
                construct_id,
                name=checked_name("rule", resource_name(self._prefix, name)),
                description=description,
                pattern=pattern,
                function=function,
                dead_letter_queue=dead_letter_queue,
            )
            rules.append(rule)
        # Only these rules may send their undelivered events to the queue.
        dead_letter_queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowDeadLettersOfTheTriageRules",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[dead_letter_queue.queue_arn],
                conditions={"ArnEquals": {"aws:SourceArn": [rule.attr_arn for rule in rules]}},
            )
        )
        return tuple(rules)

    # --- schedules --------------------------------------------------------------------------

    def _schedule_role(
        self, construct_id: str, name: str, statements: Sequence[iam.PolicyStatement]
    ) -> tuple[iam.Role, iam.ManagedPolicy]:
        full_name = resource_name(self._prefix, f"{name}-schedule")
        role = iam.Role(
            self,
            f"{construct_id}Role",
            role_name=checked_name("role", full_name),
            # EventBridge Scheduler user guide, "Set up the execution role".
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": self._stack.account}},
            ),
            description=f"Runs the schedule {resource_name(self._prefix, name)}",
        )
        policy = iam.ManagedPolicy(
            self,
            f"{construct_id}Policy",
            managed_policy_name=full_name,
            roles=[role],
            statements=list(statements),
        )
        return role, policy

    def _start_schedule(
        self,
        construct_id: str,
        name: str,
        expression: str,
        workflow: _Workflow,
        description: str,
        workflow_input: Mapping[str, Any],
    ) -> scheduler.CfnSchedule:
        role, policy = self._schedule_role(
            construct_id,
            name,
            [
                iam.PolicyStatement(
                    sid="StartScheduledWorkflow",
                    actions=["states:StartExecution"],
                    resources=[workflow.state_machine.attr_arn],
                )
            ],
        )
        schedule = self._schedule(
            construct_id,
            name,
            expression,
            description,
            scheduler.CfnSchedule.TargetProperty(
                arn=workflow.state_machine.attr_arn,
                role_arn=role.role_arn,
                input=json.dumps(workflow_input, sort_keys=True),
                retry_policy=_SCHEDULE_RETRIES,
            ),
        )
        schedule.node.add_dependency(policy)
        return schedule

    def _tabletop_schedule(self, expression: str) -> scheduler.CfnSchedule:
        role, policy = self._schedule_role(
            "TabletopSchedule", "tabletop-reminder", self._publish_statements([self.alert_topic])
        )
        schedule = self._schedule(
            "TabletopSchedule",
            "tabletop-reminder",
            expression,
            "Reminds the alert topic that an incident-response tabletop is due",
            scheduler.CfnSchedule.TargetProperty(
                arn=self.alert_topic.topic.topic_arn,
                role_arn=role.role_arn,
                input=TABLETOP_MESSAGE,
                retry_policy=_SCHEDULE_RETRIES,
            ),
        )
        schedule.node.add_dependency(policy)
        return schedule

    def _schedule(
        self,
        construct_id: str,
        name: str,
        expression: str,
        description: str,
        target: scheduler.CfnSchedule.TargetProperty,
    ) -> scheduler.CfnSchedule:
        if not expression.startswith(("cron(", "rate(")) or not expression.endswith(")"):
            raise ValueError(
                f"{construct_id}: got {expression!r}; allowed: a Scheduler cron(...) or "
                "rate(...) expression"
            )
        return scheduler.CfnSchedule(
            self,
            construct_id,
            name=resource_name(self._prefix, name),
            description=description,
            schedule_expression=expression,
            schedule_expression_timezone="UTC",
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            state="ENABLED",
            target=target,
        )


def triage_rule(
    scope: Construct,
    construct_id: str,
    *,
    name: str,
    description: str,
    pattern: Mapping[str, Any],
    function: lambda_.IFunction,
    dead_letter_queue: sqs.IQueue,
    event_bus_name: str | None = None,
) -> events.CfnRule:
    """A rule (on ``event_bus_name``, default the default bus) that starts the triage function,
    with the permission to invoke it (``<construct_id>Invokes``). Undelivered events go to
    ``dead_letter_queue``, whose policy the caller extends to admit the rule."""
    rule = events.CfnRule(
        scope,
        construct_id,
        name=name,
        description=description,
        event_bus_name=event_bus_name,
        event_pattern=pattern,
        state="ENABLED",
        targets=[
            events.CfnRule.TargetProperty(
                id="Triage",
                arn=function.function_arn,
                dead_letter_config=events.CfnRule.DeadLetterConfigProperty(
                    arn=dead_letter_queue.queue_arn
                ),
                # A page is due within two minutes: retry for an hour, then the dead-letter
                # queue alarms both topics.
                retry_policy=events.CfnRule.RetryPolicyProperty(
                    maximum_event_age_in_seconds=3600, maximum_retry_attempts=20
                ),
            )
        ],
    )
    lambda_.CfnPermission(
        scope,
        f"{construct_id}Invokes",
        action="lambda:InvokeFunction",
        function_name=function.function_arn,
        principal="events.amazonaws.com",
        source_arn=rule.attr_arn,
        source_account=Stack.of(scope).account,
    )
    return rule


class ResponseForwarding(Construct):
    """Root console sign-ins of a governed region other than the home region, to the home
    region's default bus where the triage picks them up.

    GuardDuty findings reach the home region through the ``FindingForwarder`` (stack wiring
    lowers its threshold to the lowest severity a response tier handles); this rule
    (``<prefix>response-forward``) sends with the forwarder's role (``events:PutEvents`` on the
    home bus only) and dead-letter queue, whose alarm already notifies this region's topic.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        forwarder: FindingForwarder,
        name_prefix: str = "lz-",
    ) -> None:
        """
        :param forwarder: The region's GuardDuty finding forwarder.
        :param name_prefix: The guardrails' protected prefix. Default: ``lz-``.
        """
        super().__init__(scope, construct_id)
        check_prefix(name_prefix)
        self.rule = events.CfnRule(
            self,
            "Resource",
            name=resource_name(name_prefix, "forward"),
            description="Root user console sign-ins, to the home region's response triage",
            event_pattern=ROOT_SIGN_IN_PATTERN,
            state="ENABLED",
            targets=[
                events.CfnRule.TargetProperty(
                    id="HomeRegion",
                    arn=forwarder.home_event_bus_arn,
                    role_arn=forwarder.role.role_arn,
                    dead_letter_config=events.CfnRule.DeadLetterConfigProperty(
                        arn=forwarder.dead_letter_queue.queue_arn
                    ),
                )
            ],
        )
        self.rule.node.add_dependency(forwarder.policy)
        forwarder.dead_letter_queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowDeadLettersOfTheResponseForwarding",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[forwarder.dead_letter_queue.queue_arn],
                conditions={"ArnEquals": {"aws:SourceArn": self.rule.attr_arn}},
            )
        )


IP_BLOCK_TABLE = "IpBlockTableName"
"""Placeholder of the IP block expiry table (``block_network_actor``, ``ip_expiry``)."""

_TABLE_PROTECTED_ACTIONS = (
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:DeleteResourcePolicy",
    "dynamodb:DeleteTable",
    "dynamodb:PutItem",
    "dynamodb:PutResourcePolicy",
    "dynamodb:RestoreTableToPointInTime",
    "dynamodb:UpdateContinuousBackups",
    "dynamodb:UpdateItem",
    "dynamodb:UpdateTable",
)
"""Writes and table changes the IP block table's resource policy denies to all but the
landing-zone principals (DynamoDB developer guide, resource-based policies)."""

_TABLE_NOT_BACKED_UP = (
    "The table only schedules the removal of blocked addresses; the evidence of every block "
    "(address, expiry, calls) is the workflow's record in the log archive's Object Lock bucket. "
    "Point-in-time recovery restores the table for 35 days."
)

_DRILL_CHECKS = {
    "states:ListExecutions": "ListPlaybookExecutions",
    "states:DescribeExecution": "ReadPlaybookExecutions",
}
"""What the drill reads of the playbooks' executions, by the sid of its grant (their histories
are the drill-timing function's)."""

_ORDER = (*PLAYBOOK_WORKFLOWS, IP_EXPIRY, DRILL)
_COLON = ArnFormat.COLON_RESOURCE_NAME
_SCHEDULE_RETRIES = scheduler.CfnSchedule.RetryPolicyProperty(
    maximum_event_age_in_seconds=3600, maximum_retry_attempts=10
)


@dataclass(frozen=True, kw_only=True)
class _Function:
    function: lambda_.Function
    role: iam.Role
    policy: iam.ManagedPolicy
    log_group: logs.LogGroup


@dataclass(frozen=True, kw_only=True)
class _Workflow:
    state_machine: sfn.CfnStateMachine
    role: iam.Role
    policy: iam.ManagedPolicy
    log_group: logs.LogGroup
