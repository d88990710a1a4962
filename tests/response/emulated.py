"""Emulated AWS for the playbook tests: moto's ``mock_aws`` with Step Functions execution.

Usage (every playbook test module)::

    from tests.response.emulated import Emulated, emulated, workflow_input

    @pytest.fixture
    def aws():
        with emulated() as env:
            yield env

    def test_x(aws):
        machine = aws.create_state_machine("isolate_instance", definition("isolate_instance"))
        run = aws.run(machine, workflow_input("isolate_instance", plan={...}, account=aws.account))
        assert run.status == "SUCCEEDED", run.error
        assert run.output["outcome"] == "contained"
        assert aws.messages("paging")[0]["summary"].startswith("STARTED")

``emulated()`` creates what the definition placeholders name: the paging and alert topics (each
with a raw-delivery SQS queue so tests read what was published), the evidence bucket and its
KMS key, the default event bus (with a rule copying ``lz.response`` events to a queue) and a
fake regional-call Lambda ARN (the non-home branch is checked structurally, moto does not run
it). It substitutes ``${Name}`` placeholders exactly as ``DefinitionSubstitutions`` does.

Facts of moto 5.2.1 that tests depend on (seen here):
- aws-sdk tasks ignore the ``Credentials`` field and call moto with the default account
  (123456789012): the target account of every emulated finding is ``aws.account``;
- a task result holding timestamps breaks ``describe_execution``: definitions trim results;
- ``sns:publish.waitForTaskToken`` waits for ``send_task_success``/``send_task_failure``.
"""

from __future__ import annotations

import datetime
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import patch

import boto3
import botocore.session
from moto import mock_aws
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (  # noqa: E501
    StateTaskServiceAwsSdk,
)
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

REGION = "eu-west-1"
ACCOUNT = "123456789012"
EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/lz-response-execution"
RESPONSE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/lz-response"
EVIDENCE_PREFIX = "incident-response"
TOPICS = ("paging", "alert")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+)\}")


@dataclass
class Run:
    """One finished (or still waiting) execution."""

    arn: str
    status: str
    output: dict[str, Any] | None
    error: str | None
    cause: str | None
    history: list[dict[str, Any]]

    def entered(self) -> list[str]:
        """Names of the states the execution entered, in order."""
        return [
            event["stateEnteredEventDetails"]["name"]
            for event in self.history
            if "stateEnteredEventDetails" in event
        ]


@dataclass
class Emulated:
    """Emulated resources and helpers; create with ``emulated()``."""

    region: str
    account: str
    substitutions: dict[str, str]
    queues: dict[str, str] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=self.region)

    def substitute(self, definition: dict[str, Any]) -> str:
        """The definition as JSON with every ``${Name}`` replaced; unknown names raise."""
        text = json.dumps(definition)
        unknown = set(_PLACEHOLDER.findall(text)) - set(self.substitutions)
        if unknown:
            raise KeyError(f"placeholders without a substitution: {sorted(unknown)}")
        return _PLACEHOLDER.sub(lambda match: self.substitutions[match.group(1)], text)

    def create_state_machine(self, playbook: str, definition: dict[str, Any]) -> str:
        """Creates ``lz-response-<playbook>`` (STANDARD) and returns its ARN."""
        response = self.client("stepfunctions").create_state_machine(
            name=f"lz-response-{playbook.replace('_', '-')}",
            definition=self.substitute(definition),
            roleArn=EXECUTION_ROLE,
            type="STANDARD",
        )
        return str(response["stateMachineArn"])

    def start(self, machine_arn: str, workflow: dict[str, Any], name: str | None = None) -> str:
        """Starts an execution (moto names every unnamed execution 'None': always name it)."""
        response = self.client("stepfunctions").start_execution(
            stateMachineArn=machine_arn,
            name=name or f"run-{uuid.uuid4().hex[:12]}",
            input=json.dumps(workflow),
        )
        return str(response["executionArn"])

    def wait(
        self,
        execution_arn: str,
        *,
        timeout_seconds: float = 60,
        until: Callable[[Run], bool] | None = None,
    ) -> Run:
        """Polls until the execution ends (or ``until(run)`` holds) and returns it."""
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout_seconds
        while True:
            described = sfn.describe_execution(executionArn=execution_arn)
            history = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)
            output = described.get("output")
            run = Run(
                arn=execution_arn,
                status=described["status"],
                output=json.loads(output) if output else None,
                error=described.get("error"),
                cause=described.get("cause"),
                history=history["events"],
            )
            if run.status != "RUNNING" or (until is not None and until(run)):
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} still running after {timeout_seconds} s")
            time.sleep(0.1)

    def run(self, machine_arn: str, workflow: dict[str, Any], name: str | None = None) -> Run:
        """Starts an execution with ``workflow`` as input and waits for its end."""
        return self.wait(self.start(machine_arn, workflow, name))

    def messages(self, topic: str) -> list[dict[str, Any]]:
        """Messages published to ``paging`` or ``alert`` since the last call (JSON-decoded)."""
        return [json.loads(body) for body in self._drain(self.queues[topic])]

    def ticket_events(self) -> list[dict[str, Any]]:
        """``lz.response`` events put on the default bus since the last call."""
        return [json.loads(body) for body in self._drain(self.queues["tickets"])]

    def _drain(self, queue_url: str) -> list[str]:
        sqs = self.client("sqs")
        bodies: list[str] = []
        while True:
            received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
            messages = received.get("Messages", [])
            if not messages:
                return bodies
            for message in messages:
                bodies.append(message["Body"])
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    def evidence(self, playbook: str, execution_arn: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The evidence record an execution wrote, and the object's metadata (head_object)."""
        name = execution_arn.rsplit(":", 1)[1]
        key = f"{EVIDENCE_PREFIX}/{playbook}/{self.account}/{name}.json"
        s3 = self.client("s3")
        bucket = self.substitutions["EvidenceBucket"]
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return json.loads(body), s3.head_object(Bucket=bucket, Key=key)

    def task_token(self, run_arn: str, *, timeout_seconds: float = 30) -> str:
        """Waits for the approval page of an execution and returns the task token in it (read
        from the ``approve`` command the page carries, as a responder would)."""
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            for message in self.messages("paging"):
                if message.get("execution") == run_arn and "approve" in message:
                    return str(message["approve"].split("--task-token ")[1].split(" ")[0])
            time.sleep(0.1)
        raise TimeoutError(f"no approval page for {run_arn}")


def _setup(region: str) -> Emulated:
    iam = boto3.client("iam", region_name=region)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="lz-response-execution", AssumeRolePolicyDocument=json.dumps(trust))
    iam.create_role(RoleName="lz-response", AssumeRolePolicyDocument=json.dumps(trust))
    sns = boto3.client("sns", region_name=region)
    sqs = boto3.client("sqs", region_name=region)
    queues: dict[str, str] = {}
    topics: dict[str, str] = {}
    for topic in TOPICS:
        topics[topic] = sns.create_topic(Name=f"lz-{topic}")["TopicArn"]
        queues[topic] = sqs.create_queue(QueueName=f"{topic}-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queues[topic], AttributeNames=["QueueArn"])
        sns.subscribe(
            TopicArn=topics[topic],
            Protocol="sqs",
            Endpoint=queue_arn["Attributes"]["QueueArn"],
            Attributes={"RawMessageDelivery": "true"},
        )
    queues["tickets"] = sqs.create_queue(QueueName="ticket-inbox")["QueueUrl"]
    ticket_queue_arn = sqs.get_queue_attributes(
        QueueUrl=queues["tickets"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    events = boto3.client("events", region_name=region)
    events.put_rule(Name="tickets", EventPattern=json.dumps({"source": ["lz.response"]}))
    events.put_targets(Rule="tickets", Targets=[{"Id": "inbox", "Arn": ticket_queue_arn}])
    key_arn = boto3.client("kms", region_name=region).create_key()["KeyMetadata"]["Arn"]
    bucket = "lz-log-archive-evidence"
    boto3.client("s3", region_name=region).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region}
    )
    substitutions = {
        "EvidenceBucket": bucket,
        "EvidencePrefix": EVIDENCE_PREFIX,
        "EvidenceKeyArn": key_arn,
        "AlertTopicArn": topics["alert"],
        "PagingTopicArn": topics["paging"],
        "TicketBusArn": f"arn:aws:events:{region}:{ACCOUNT}:event-bus/default",
        "RegionalCallFunctionArn": (
            f"arn:aws:lambda:{region}:{ACCOUNT}:function:lz-response-regional-call"
        ),
        "HomeRegion": region,
    }
    return Emulated(region=region, account=ACCOUNT, substitutions=substitutions, queues=queues)


def _start_execution(
    self: StepFunctionsParserBackend,
    state_machine_arn: str,
    name: str | None = None,
    execution_input: str | None = None,
    trace_header: str | None = None,
) -> Any:
    """moto 5.2.1 deep-copies the state machine with its executions on every start, and a
    finished execution holds locks: a second start on one machine raises "cannot pickle
    '_thread.RLock'". Hide the earlier executions during the copy (name idempotency is checked
    first, as moto does)."""
    machine = self.describe_state_machine(state_machine_arn)
    existing = machine._handle_name_input_idempotency(name, execution_input)
    if existing is not None:
        return existing
    kept, machine.executions = machine.executions, []
    try:
        return _ORIGINAL_START(self, state_machine_arn, name, execution_input, trace_header)
    finally:
        machine.executions = kept + machine.executions


def _environment(self: ExecutionWorker) -> Any:
    """moto 5.2.1 puts a datetime in ``$$.Execution.StartTime`` (Step Functions: an ISO 8601
    string), which no intrinsic can serialize; give it the string AWS gives."""
    env = _ORIGINAL_ENVIRONMENT(self)
    execution = env.states.context_object.context_object_data["Execution"]
    if isinstance(execution["StartTime"], datetime.datetime):
        execution["StartTime"] = execution["StartTime"].isoformat()
    return env


def _sfn_parameters(self: StateTaskServiceAwsSdk, parameters: dict[str, Any], *_: Any) -> None:
    """Step Functions takes PascalCase parameters and returns PascalCase fields for every
    aws-sdk service; moto 5.2.1 passes them through unchanged, which only works for services
    whose API is PascalCase (EC2, IAM, S3…). Normalise the camelCase API used here (sfn)."""
    if self._get_boto_service_name() == "stepfunctions":
        self._to_boto_request(parameters, _sfn_operation(self).input_shape)


def _sfn_response(self: StateTaskServiceAwsSdk, response: Any, *_: Any) -> None:
    if self._get_boto_service_name() == "stepfunctions":
        self._from_boto_response(response, _sfn_operation(self).output_shape)
        if isinstance(response, dict):
            # Step Functions hands task results on as JSON: timestamps are ISO 8601 strings.
            response.update(_iso(response))


def _iso(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if isinstance(value, dict):
        return {key: _iso(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_iso(item) for item in value]
    return value


def _sfn_operation(task: StateTaskServiceAwsSdk) -> Any:
    model = botocore.session.get_session().get_service_model("stepfunctions")
    action = task.resource.api_action
    return model.operation_model(action[0].upper() + action[1:])


_ORIGINAL_START = StepFunctionsParserBackend.start_execution
_ORIGINAL_ENVIRONMENT = ExecutionWorker._get_evaluation_environment


@contextmanager
def emulated(region: str = REGION) -> Iterator[Emulated]:
    """moto with Step Functions executing state machines, and the placeholders' resources."""
    with (
        mock_aws(config={"stepfunctions": {"execute_state_machine": True}}),
        patch.object(StepFunctionsParserBackend, "start_execution", _start_execution),
        patch.object(ExecutionWorker, "_get_evaluation_environment", _environment),
        patch.object(StateTaskServiceAwsSdk, "_normalise_parameters", _sfn_parameters),
        patch.object(StateTaskServiceAwsSdk, "_normalise_response", _sfn_response),
    ):
        yield _setup(region)


def workflow_input(
    playbook: str,
    *,
    plan: dict[str, Any],
    account: str = ACCOUNT,
    region: str = REGION,
    tier: str = "HIGH",
    action: str = "contain",
    mode: str = "automatic",
    finding_type: str = "Backdoor:EC2/C&CActivity.B",
    timeout_seconds: int = 1800,
    timeout_action: str = "dry_run",
    finding_id: str = "7ac5e5d1c4b3a2f1e0d9c8b7a6f5e4d3",
) -> dict[str, Any]:
    """A WORKFLOW INPUT as ``decisions.workflow_input`` produces it (RESPONSE.md contract)."""
    return {
        "finding": {
            "id": finding_id,
            "type": finding_type,
            "severity": 8.0,
            "title": f"{finding_type} finding",
            "account": account,
            "region": region,
            "updated_at": "2026-12-01T10:00:00.000Z",
            "sample": False,
            "arn": f"arn:aws:guardduty:{region}:{account}:detector/d1/finding/{finding_id}",
        },
        "playbook": playbook,
        "tier": tier,
        "action": action,
        "mode": mode,
        "drill": False,
        "rollback": False,
        "target": {
            "account": account,
            "region": region,
            "home": region == REGION,
            "role_arn": f"arn:aws:iam::{account}:role/lz-response",
        },
        "approval": {"timeout_seconds": timeout_seconds, "timeout_action": timeout_action},
        "plan": plan,
        "ticket": None,
    }


def rollback_input(execution_arn: str) -> dict[str, Any]:
    """What a responder starts to roll an execution back."""
    return {"rollback": True, "execution_id": execution_arn}
