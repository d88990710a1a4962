"""ResponseWorkflows and its wiring: the triage and regional-call functions, one state machine per
workflow with its own execution role, the triage rules, the schedules, the forwarding of other
regions, and the evidence statements of the log archive."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from conftest import cdk_context

from landing_zone.compliance import violations
from landing_zone.config import LandingZoneConfig
from landing_zone.detection import FindingAlerts
from landing_zone.response import ResponseTopic, ResponseWorkflows
from landing_zone.response.asl import PLACEHOLDERS
from landing_zone.response.playbooks.drill import TIMING_PLACEHOLDER
from landing_zone.response.settings import compile_settings
from landing_zone.response.workflows import own_account_actions, placeholders, stage_code
from stacks.logging_stacks import LogArchiveStack
from stacks.namespace import mark_landing_zone
from stacks.security_tooling_stack import (
    SecurityToolingStack,
    fire_drill_input,
    response_definitions,
)

TOOLING = "333333333333"
LOG_ARCHIVE = "222222222222"
HOME = "eu-west-1"
OTHER = "eu-central-1"
LOG_BUCKET = f"acme-pay-logs-{LOG_ARCHIVE}"
KEY_ALIAS = f"arn:aws:kms:{HOME}:{LOG_ARCHIVE}:alias/acme-pay/logs"
RESPONSE_ROLE = "arn:aws:iam::*:role/lz-response"
LOG_DELIVERY = {
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
}
TRACING = {
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
}

# The IAM action of each kind of task a workflow runs in its own account (written out here,
# not derived: the test must notice when the construct's mapping goes wrong).
TASK_ACTIONS = {
    "arn:aws:states:::lambda:invoke": "lambda:InvokeFunction",
    "arn:aws:states:::sns:publish": "sns:Publish",
    "arn:aws:states:::sns:publish.waitForTaskToken": "sns:Publish",
    "arn:aws:states:::events:putEvents": "events:PutEvents",
    "arn:aws:states:::aws-sdk:s3:putObject": "s3:PutObject",
    "arn:aws:states:::aws-sdk:sfn:describeExecution": "states:DescribeExecution",
    "arn:aws:states:::aws-sdk:sfn:listExecutions": "states:ListExecutions",
    "arn:aws:states:::aws-sdk:sfn:getExecutionHistory": "states:GetExecutionHistory",
    "arn:aws:states:::aws-sdk:dynamodb:putItem": "dynamodb:PutItem",
    "arn:aws:states:::aws-sdk:dynamodb:deleteItem": "dynamodb:DeleteItem",
    "arn:aws:states:::aws-sdk:dynamodb:query": "dynamodb:Query",
    "arn:aws:states:::aws-sdk:dynamodb:scan": "dynamodb:Scan",
}


# --- fixtures ---------------------------------------------------------------------------------


class Built:
    def __init__(self, config: LandingZoneConfig, outdir: Path) -> None:
        app = App(outdir=str(outdir), context=cdk_context())
        props: dict[str, Any] = {"config": config}
        self.home = SecurityToolingStack(
            app, "Home", env=Environment(account=TOOLING, region=HOME), **props
        )
        self.other = SecurityToolingStack(
            app, "Other", env=Environment(account=TOOLING, region=OTHER), **props
        )
        self.log_archive = LogArchiveStack(
            app, "LogArchive", env=Environment(account=LOG_ARCHIVE, region=HOME), **props
        )
        for stack in (self.home, self.other, self.log_archive):
            mark_landing_zone(stack, config)
        self.assembly = Path(app.synth().directory)
        self.config = config

    def template(self, name: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.assembly / f"{name}.template.json").read_text())
        return loaded


@pytest.fixture(scope="module")
def built(example_config: LandingZoneConfig, tmp_path_factory: pytest.TempPathFactory) -> Built:
    assert example_config.incident_response is not None, "the example config responds"
    return Built(example_config, tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="module")
def home(built: Built) -> dict[str, Any]:
    return built.template("Home")


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def _named(template: dict[str, Any], kind: str, prop: str, name: str) -> tuple[str, dict[str, Any]]:
    found = [
        (k, r) for k, r in _resources(template, kind).items() if r["Properties"].get(prop) == name
    ]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


def _text(value: Any) -> str:
    """An ARN of the template as text: Ref -> ${Name}, GetAtt -> ${Name.Attribute}, the
    partition -> aws."""
    if isinstance(value, str):
        return value
    if value == {"Ref": "AWS::Partition"}:
        # The partition of the stack's region, whether CDK resolved it or not.
        return "aws"
    if "Ref" in value:
        return f"${{{value['Ref']}}}"
    if "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_text(part) for part in parts)
    raise AssertionError(f"cannot render {value}")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(template: dict[str, Any], policy_name: str) -> list[dict[str, Any]]:
    _, policy = _named(template, "AWS::IAM::ManagedPolicy", "ManagedPolicyName", policy_name)
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements for a in _as_list(s["Action"])}


def _tasks(states: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for state in states.values():
        if state["Type"] == "Task":
            yield state
        for branch in state.get("Branches", []):
            yield from _tasks(branch["States"])
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from _tasks(processor["States"])


def _workflow_name(workflow: str) -> str:
    return f"lz-response-{workflow.replace('_', '-')}"


@pytest.fixture(scope="module")
def definitions() -> dict[str, dict[str, Any]]:
    return response_definitions()


# --- state machines ---------------------------------------------------------------------------


def test_every_playbook_definition_is_deployed(
    home: dict[str, Any], definitions: dict[str, dict[str, Any]]
) -> None:
    machines = {
        r["Properties"]["StateMachineName"]
        for r in _resources(home, "AWS::StepFunctions::StateMachine").values()
    }
    assert machines == {_workflow_name(w) for w in definitions}
    assert "lz-response-isolate-instance" in machines


def test_state_machines_are_standard_logged_and_traced(
    home: dict[str, Any], definitions: dict[str, dict[str, Any]]
) -> None:
    groups = _resources(home, "AWS::Logs::LogGroup")
    for workflow in definitions:
        name = _workflow_name(workflow)
        _, machine = _named(home, "AWS::StepFunctions::StateMachine", "StateMachineName", name)
        properties = machine["Properties"]
        assert properties["StateMachineType"] == "STANDARD"
        logging = properties["LoggingConfiguration"]
        assert logging["Level"] == "ALL"
        assert logging["IncludeExecutionData"] is True
        (destination,) = logging["Destinations"]
        group_id = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
        group = groups[group_id]
        assert group["Properties"]["LogGroupName"] == name
        assert group["Properties"]["RetentionInDays"] == 365
        assert "KmsKeyId" in group["Properties"]
        assert group["DeletionPolicy"] == "Retain"
        assert properties["TracingConfiguration"] == {"Enabled": True}
        role_id = properties["RoleArn"]["Fn::GetAtt"][0]
        assert home["Resources"][role_id]["Properties"]["RoleName"] == name


def test_definition_strings_parse_and_substitutions_cover_every_placeholder(
    home: dict[str, Any], definitions: dict[str, dict[str, Any]]
) -> None:
    for workflow, definition in definitions.items():
        name = _workflow_name(workflow)
        _, machine = _named(home, "AWS::StepFunctions::StateMachine", "StateMachineName", name)
        text = machine["Properties"]["DefinitionString"]
        assert isinstance(text, str)
        assert json.loads(text) == definition
        used = set(re.findall(r"\$\{([A-Za-z0-9]+)\}", text))
        substitutions = machine["Properties"].get("DefinitionSubstitutions", {})
        assert used == set(substitutions), workflow
        assert used <= PLACEHOLDERS
        assert TIMING_PLACEHOLDER in PLACEHOLDERS


def test_substitutions_name_the_real_resources(home: dict[str, Any]) -> None:
    _, machine = _named(
        home, "AWS::StepFunctions::StateMachine", "StateMachineName", "lz-response-isolate-instance"
    )
    values = {k: _text(v) for k, v in machine["Properties"]["DefinitionSubstitutions"].items()}
    topics = {_text({"Ref": k}): r for k, r in _resources(home, "AWS::SNS::Topic").items()}
    assert (
        topics[values["AlertTopicArn"]]["Properties"]["TopicName"] == "lz-security-findings-alerts"
    )
    assert (
        topics[values["PagingTopicArn"]]["Properties"]["TopicName"] == "lz-security-findings-paging"
    )
    assert values["EvidenceBucket"] == LOG_BUCKET
    assert values["EvidencePrefix"] == "incident-response"
    assert values["EvidenceKeyArn"] == KEY_ALIAS
    assert values["TicketBusArn"] == f"arn:aws:events:{HOME}:{TOOLING}:event-bus/default"
    function_id = machine["Properties"]["DefinitionSubstitutions"]["RegionalCallFunctionArn"][
        "Fn::GetAtt"
    ][0]
    function = home["Resources"][function_id]["Properties"]
    assert function["FunctionName"] == "lz-response-regional-call"
    assert "DrillTimingFunctionArn" not in values


def test_the_drill_invokes_the_drill_timing_function(
    home: dict[str, Any], definitions: dict[str, dict[str, Any]]
) -> None:
    if "drill" not in definitions:
        pytest.skip("no drill workflow")
    _, machine = _named(
        home, "AWS::StepFunctions::StateMachine", "StateMachineName", "lz-response-drill"
    )
    substituted = machine["Properties"]["DefinitionSubstitutions"][TIMING_PLACEHOLDER]
    function_id = substituted["Fn::GetAtt"][0]
    assert home["Resources"][function_id]["Properties"]["FunctionName"] == (
        "lz-response-drill-timing"
    )
    invokes = {
        s["Sid"]: s["Resource"]
        for s in _statements(home, "lz-response-drill")
        if s["Action"] == "lambda:InvokeFunction"
    }
    # The timing function, and the regional call of its own calls in another region.
    assert invokes["InvokeDrillTiming"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert set(invokes) == {"InvokeDrillTiming", "InvokeRegionalCall"}


def test_only_the_drill_may_invoke_the_drill_timing_function(
    home: dict[str, Any], definitions: dict[str, dict[str, Any]]
) -> None:
    function_id, _ = _named(
        home, "AWS::Lambda::Function", "FunctionName", "lz-response-drill-timing"
    )
    invoking = {
        policy["Properties"]["ManagedPolicyName"]
        for policy in _resources(home, "AWS::IAM::ManagedPolicy").values()
        if function_id in json.dumps(policy["Properties"]["PolicyDocument"])
    }
    assert invoking == {"lz-response-drill"}
    for workflow in set(definitions) - {"drill"}:
        sids = {s.get("Sid") for s in _statements(home, _workflow_name(workflow))}
        assert "InvokeDrillTiming" not in sids, workflow


# --- execution roles --------------------------------------------------------------------------


def test_execution_roles_trust_step_functions_for_their_own_state_machine_only(
    home: dict[str, Any], definitions: dict[str, dict[str, Any]]
) -> None:
    for workflow in definitions:
        name = _workflow_name(workflow)
        _, role = _named(home, "AWS::IAM::Role", "RoleName", name)
        (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "states.amazonaws.com"}
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": TOOLING}
        assert _text(statement["Condition"]["ArnLike"]["aws:SourceArn"]) == (
            f"arn:aws:states:{HOME}:{TOOLING}:stateMachine:{name}"
        )
        assert "Policies" not in role["Properties"]


def test_execution_roles_may_make_exactly_their_workflows_own_account_calls(
    home: dict[str, Any], definitions: dict[str, dict[str, Any]]
) -> None:
    for workflow, definition in definitions.items():
        statements = _statements(home, _workflow_name(workflow))
        expected = {
            TASK_ACTIONS[task["Resource"]]
            for task in _tasks(definition["States"])
            if "Credentials" not in task
        }
        assumes = any("Credentials" in task for task in _tasks(definition["States"]))
        if assumes:
            expected.add("sts:AssumeRole")
        if "sns:Publish" in expected:
            expected |= {"kms:Decrypt", "kms:GenerateDataKey"}
        if "s3:PutObject" in expected:
            expected |= {"kms:Encrypt", "kms:GenerateDataKey"}
        assert _actions(statements) == expected | LOG_DELIVERY | TRACING, workflow
        for action in _actions(statements):
            assert "*" not in action, (workflow, action)
        wildcard = [s for s in statements if "*" in _as_list(s["Resource"])]
        assert _actions(wildcard) == LOG_DELIVERY | TRACING, workflow


def test_execution_roles_assume_only_the_response_role_of_the_organization(
    home: dict[str, Any], built: Built, definitions: dict[str, dict[str, Any]]
) -> None:
    acting = [
        w for w, d in definitions.items() if any("Credentials" in t for t in _tasks(d["States"]))
    ]
    assert "isolate_instance" in acting
    for workflow in acting:
        (assume,) = [
            s
            for s in _statements(home, _workflow_name(workflow))
            if s["Action"] == "sts:AssumeRole"
        ]
        assert _text(assume["Resource"]) == RESPONSE_ROLE
        assert assume["Condition"] == {
            "StringEquals": {"aws:ResourceOrgID": built.config.organization.id}
        }


def test_evidence_goes_to_the_log_archive_prefix_only(home: dict[str, Any]) -> None:
    statements = _statements(home, "lz-response-isolate-instance")
    (put,) = [s for s in statements if s["Action"] == "s3:PutObject"]
    assert _text(put["Resource"]) == f"arn:aws:s3:::{LOG_BUCKET}/incident-response/*"
    (key,) = [s for s in statements if s.get("Sid") == "EncryptEvidenceWithLogKey"]
    assert _text(key["Resource"]) == f"arn:aws:kms:{HOME}:{LOG_ARCHIVE}:key/*"
    assert key["Condition"]["StringEquals"] == {"kms:ViaService": f"s3.{HOME}.amazonaws.com"}
    contexts = [
        _text(v) for v in key["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"]
    ]
    assert contexts == [
        f"arn:aws:s3:::{LOG_BUCKET}",
        f"arn:aws:s3:::{LOG_BUCKET}/incident-response/*",
    ]


def test_rollback_reads_its_own_executions_only(home: dict[str, Any]) -> None:
    statements = _statements(home, "lz-response-isolate-instance")
    (describe,) = [s for s in statements if s["Action"] == "states:DescribeExecution"]
    assert _text(describe["Resource"]) == (
        f"arn:aws:states:{HOME}:{TOOLING}:execution:lz-response-isolate-instance:*"
    )


def test_the_drill_reads_the_playbooks_executions(
    home: dict[str, Any], definitions: dict[str, dict[str, Any]]
) -> None:
    if "drill" not in definitions:
        pytest.skip("no drill workflow")
    statements = {s["Sid"]: s for s in _statements(home, "lz-response-drill")}
    listed = {_text(r) for r in _as_list(statements["ListPlaybookExecutions"]["Resource"])}
    assert f"arn:aws:states:{HOME}:{TOOLING}:stateMachine:lz-response-root-use" in listed
    assert len(listed) == 5
    # The histories are the drill-timing function's to read.
    histories = {s["Sid"]: s for s in _statements(home, "lz-response-drill-timing")}[
        "ReadPlaybookExecutionHistories"
    ]
    assert "ReadPlaybookExecutionHistories" not in statements
    for statement in (statements["ReadPlaybookExecutions"], histories):
        resources = [_text(r) for r in _as_list(statement["Resource"])]
        assert len(resources) == 5
        for resource in resources:
            assert re.fullmatch(
                rf"arn:aws:states:{HOME}:{TOOLING}:execution:lz-response-[a-z0-9-]+:\*",
                resource,
            )


def test_drill_timing_may_only_read_the_playbooks_histories(home: dict[str, Any]) -> None:
    statements = _statements(home, "lz-response-drill-timing")
    assert _actions(statements) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "states:GetExecutionHistory",
    }


# --- functions --------------------------------------------------------------------------------


def test_triage_may_start_playbooks_ticket_and_notify_only(
    home: dict[str, Any], definitions: dict[str, dict[str, Any]]
) -> None:
    statements = {s["Sid"]: s for s in _statements(home, "lz-response-triage")}
    assert {sid: s["Action"] for sid, s in statements.items()} == {
        "WriteOwnLogGroup": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "StartPlaybookWorkflows": "states:StartExecution",
        "OpenOpsItems": "ssm:CreateOpsItem",
        "PublishTicketEvents": "events:PutEvents",
        "PublishToResponseTopics": "sns:Publish",
        "EncryptResponseMessages": ["kms:Decrypt", "kms:GenerateDataKey"],
        "SendUndeliveredFindings": "sqs:SendMessage",
        "EncryptUndeliveredFindings": ["kms:Decrypt", "kms:GenerateDataKey"],
    }
    machines = {
        k: r["Properties"]["StateMachineName"]
        for k, r in _resources(home, "AWS::StepFunctions::StateMachine").items()
    }
    started = {
        machines[r["Fn::GetAtt"][0]]
        for r in _as_list(statements["StartPlaybookWorkflows"]["Resource"])
    }
    assert started == {
        _workflow_name(w)
        for w in definitions
        if w
        in {
            "isolate_instance",
            "contain_credentials",
            "block_network_actor",
            "s3_exfiltration",
            "root_use",
        }
    }
    # The notify tier only: pages come from the workflows.
    (topic,) = _as_list(statements["PublishToResponseTopics"]["Resource"])
    assert (
        home["Resources"][topic["Ref"]]["Properties"]["TopicName"] == "lz-security-findings-alerts"
    )
    assert _text(statements["OpenOpsItems"]["Resource"]) == (
        f"arn:aws:ssm:{HOME}:{TOOLING}:opsitem/*"
    )
    assert _text(statements["PublishTicketEvents"]["Resource"]) == (
        f"arn:aws:events:{HOME}:{TOOLING}:event-bus/default"
    )


def test_regional_call_may_only_assume_the_response_role(
    home: dict[str, Any], built: Built
) -> None:
    statements = _statements(home, "lz-response-regional-call")
    assert _actions(statements) == {"logs:CreateLogStream", "logs:PutLogEvents", "sts:AssumeRole"}
    (assume,) = [s for s in statements if s["Action"] == "sts:AssumeRole"]
    assert _text(assume["Resource"]) == RESPONSE_ROLE
    assert assume["Condition"] == {
        "StringEquals": {"aws:ResourceOrgID": built.config.organization.id}
    }


def test_functions_are_named_logged_and_run_their_handlers(home: dict[str, Any]) -> None:
    for name, handler in (
        ("lz-response-triage", "triage.handler"),
        ("lz-response-regional-call", "regional_call.handler"),
        ("lz-response-drill-timing", "drill_timing.handler"),
    ):
        _, function = _named(home, "AWS::Lambda::Function", "FunctionName", name)
        properties = function["Properties"]
        assert properties["Handler"] == handler
        assert properties["Runtime"].startswith("python3.")
        assert (
            home["Resources"][properties["Role"]["Fn::GetAtt"][0]]["Properties"]["RoleName"] == name
        )
        _, group = _named(home, "AWS::Logs::LogGroup", "LogGroupName", f"/aws/lambda/{name}")
        assert (
            properties["LoggingConfig"]["LogGroup"]["Ref"]
            == _named(home, "AWS::Logs::LogGroup", "LogGroupName", f"/aws/lambda/{name}")[0]
        )
        assert "KmsKeyId" in group["Properties"]
    # No inline policies: every grant is in a named managed policy.
    assert _resources(home, "AWS::IAM::Policy") == {}


def test_asset_holds_the_runtime_and_the_compiled_settings(
    home: dict[str, Any], built: Built
) -> None:
    _, function = _named(home, "AWS::Lambda::Function", "FunctionName", "lz-response-triage")
    key = function["Properties"]["Code"]["S3Key"]
    asset = built.assembly / f"asset.{key.removesuffix('.zip')}"
    assert json.loads((asset / "settings.json").read_text()) == json.loads(
        json.dumps(compile_settings(built.config))
    )
    assert {"triage.py", "regional_call.py", "decisions.py", "drill_timing.py"} <= {
        p.name for p in asset.iterdir()
    }
    # One asset serves every response function.
    _, timing = _named(home, "AWS::Lambda::Function", "FunctionName", "lz-response-drill-timing")
    assert timing["Properties"]["Code"] == function["Properties"]["Code"]


def test_staging_is_deterministic_and_outside_the_repository(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    (runtime / "triage.py").write_text("def handler(event, context):\n    return None\n")
    first = stage_code({"b": 1, "a": [1, 2]}, runtime)
    assert first == stage_code({"a": [1, 2], "b": 1}, runtime)
    assert stage_code({"a": 1}, runtime) != first
    assert not first.is_relative_to(Path(__file__).parents[2])
    assert sorted(p.name for p in first.iterdir()) == ["settings.json", "triage.py"]


# --- rules, forwarding ------------------------------------------------------------------------


def test_every_failed_execution_of_every_workflow_pages(home: dict[str, Any]) -> None:
    _, rule = _named(home, "AWS::Events::Rule", "Name", "lz-response-failed-executions")
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.states"]
    assert pattern["detail"]["status"] == ["FAILED", "TIMED_OUT", "ABORTED"]
    machines = _resources(home, "AWS::StepFunctions::StateMachine")
    assert len(machines) >= 7
    assert sorted(json.dumps(m) for m in pattern["detail"]["stateMachineArn"]) == sorted(
        json.dumps({"Fn::GetAtt": [logical_id, "Arn"]}) for logical_id in machines
    )
    (target,) = rule["Properties"]["Targets"]
    assert "PagingTopic" in json.dumps(target["Arn"])
    assert "<execution>" in target["InputTransformer"]["InputTemplate"]
    assert "DeadLetterConfig" in target


def test_triage_rules_take_every_guardduty_finding_and_root_sign_ins(home: dict[str, Any]) -> None:
    _, triage = _named(home, "AWS::Lambda::Function", "FunctionName", "lz-response-triage")
    triage_id = _named(home, "AWS::Lambda::Function", "FunctionName", "lz-response-triage")[0]
    _, findings = _named(home, "AWS::Events::Rule", "Name", "lz-response-triage")
    assert findings["Properties"]["EventPattern"] == {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
    }
    _, sign_ins = _named(home, "AWS::Events::Rule", "Name", "lz-response-triage-root-sign-in")
    assert sign_ins["Properties"]["EventPattern"] == {
        "source": ["aws.signin"],
        "detail-type": ["AWS Console Sign In via CloudTrail"],
        "detail": {"userIdentity": {"type": ["Root"]}},
    }
    queue_id, _ = _named(home, "AWS::SQS::Queue", "QueueName", "lz-response-triage-dead-letters")
    permissions = _resources(home, "AWS::Lambda::Permission").values()
    for rule_id, rule in (
        (_named(home, "AWS::Events::Rule", "Name", "lz-response-triage")[0], findings),
        (_named(home, "AWS::Events::Rule", "Name", "lz-response-triage-root-sign-in")[0], sign_ins),
    ):
        (target,) = rule["Properties"]["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [triage_id, "Arn"]}
        assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
        assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 3600
        assert [
            p
            for p in permissions
            if p["Properties"]["SourceArn"] == {"Fn::GetAtt": [rule_id, "Arn"]}
            and p["Properties"]["Principal"] == "events.amazonaws.com"
        ]
    assert triage["Properties"]["DeadLetterConfig"]["TargetArn"] == {
        "Fn::GetAtt": [queue_id, "Arn"]
    }
    _, alarm = _named(
        home, "AWS::CloudWatch::Alarm", "AlarmName", "lz-response-triage-dead-letters"
    )
    assert len(alarm["Properties"]["AlarmActions"]) == 2


def test_other_regions_forward_every_finding_and_root_sign_ins(built: Built) -> None:
    other = built.template("Other")
    _, forwarder = _named(other, "AWS::Events::Rule", "Name", "lz-guardduty-findings-forwarder")
    # LOW tickets: the forwarder reaches down to the lowest tier.
    assert forwarder["Properties"]["EventPattern"]["detail"] == {
        "severity": [{"numeric": [">=", 1]}]
    }
    _, forward = _named(other, "AWS::Events::Rule", "Name", "lz-response-forward")
    assert forward["Properties"]["EventPattern"]["source"] == ["aws.signin"]
    (target,) = forward["Properties"]["Targets"]
    (forwarder_target,) = forwarder["Properties"]["Targets"]
    assert target["Arn"] == forwarder_target["Arn"]
    assert target["RoleArn"] == forwarder_target["RoleArn"]
    assert target["DeadLetterConfig"] == forwarder_target["DeadLetterConfig"]
    (policy,) = _resources(other, "AWS::SQS::QueuePolicy").values()
    sources = [
        s["Condition"]["ArnEquals"]["aws:SourceArn"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow"
    ]
    forward_id = _named(other, "AWS::Events::Rule", "Name", "lz-response-forward")[0]
    assert {"Fn::GetAtt": [forward_id, "Arn"]} in sources
    assert _resources(other, "AWS::StepFunctions::StateMachine") == {}


# --- schedules --------------------------------------------------------------------------------


def test_schedules_run_with_their_own_roles(home: dict[str, Any], built: Built) -> None:
    response = built.config.incident_response
    assert response is not None
    assert response.fire_drill is not None
    schedules = {
        r["Properties"]["Name"]: r["Properties"]
        for r in _resources(home, "AWS::Scheduler::Schedule").values()
    }
    assert (
        schedules["lz-response-tabletop-reminder"]["ScheduleExpression"]
        == response.tabletop_schedule
    )
    assert _text(schedules["lz-response-tabletop-reminder"]["Target"]["Arn"]).startswith(
        "${FindingAlertsAlertTopic"
    )
    drill = schedules["lz-response-fire-drill"]
    assert drill["ScheduleExpression"] == response.fire_drill.schedule
    assert json.loads(drill["Target"]["Input"]) == fire_drill_input(built.config)
    machines = {
        k: r["Properties"]["StateMachineName"]
        for k, r in _resources(home, "AWS::StepFunctions::StateMachine").items()
    }
    assert machines[drill["Target"]["Arn"]["Fn::GetAtt"][0]] == "lz-response-drill"
    for name, schedule in schedules.items():
        assert schedule["ScheduleExpressionTimezone"] == "UTC"
        role = home["Resources"][schedule["Target"]["RoleArn"]["Fn::GetAtt"][0]]["Properties"]
        assert role["RoleName"] == f"{name}-schedule"
        (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": TOOLING}}
        statements = _statements(home, f"{name}-schedule")
        assert _actions(statements) <= {
            "states:StartExecution",
            "sns:Publish",
            "kms:Decrypt",
            "kms:GenerateDataKey",
        }
        assert all("*" not in _text(r) for s in statements for r in _as_list(s["Resource"]))
    if "ip_expiry" in response_definitions():
        assert schedules["lz-response-ip-expiry"]["ScheduleExpression"].startswith("cron(")


# --- log archive ------------------------------------------------------------------------------


def test_log_archive_admits_the_execution_roles_and_the_auditors(
    built: Built, definitions: dict[str, dict[str, Any]]
) -> None:
    template = built.template("LogArchive")
    bucket_id, bucket = _named(template, "AWS::S3::Bucket", "BucketName", LOG_BUCKET)
    (bucket_policy,) = [
        p
        for p in _resources(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    statements = {
        s.get("Sid"): s for s in bucket_policy["Properties"]["PolicyDocument"]["Statement"]
    }
    write = statements["ResponseWorkflowsWriteEvidence"]
    assert write["Principal"] == {"AWS": f"arn:aws:iam::{TOOLING}:root"}
    assert write["Action"] == "s3:PutObject"
    assert _text(write["Resource"]).endswith("/incident-response/*")
    writers = {_text(a) for a in write["Condition"]["ArnEquals"]["aws:PrincipalArn"]}
    assert writers == {f"arn:aws:iam::{TOOLING}:role/{_workflow_name(w)}" for w in definitions}
    read = statements["AuditorsReadEvidence"]
    assert read["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]
    assert read["Condition"]["ArnLike"]["aws:PrincipalArn"] == [
        f"arn:aws:iam::{LOG_ARCHIVE}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_SecurityAuditor_*"
    ]
    # The deletes stay denied to everyone, evidence included.
    assert statements["DenyDeletingLogs"]["Effect"] == "Deny"
    (key,) = _resources(template, "AWS::KMS::Key").values()
    key_statements = {s.get("Sid"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    encrypt = key_statements["ResponseWorkflowsEncryptEvidence"]
    assert encrypt["Action"] == ["kms:Encrypt", "kms:GenerateDataKey"]
    assert {_text(a) for a in encrypt["Condition"]["ArnEquals"]["aws:PrincipalArn"]} == writers
    assert key_statements["AuditorsDecryptEvidence"]["Action"] == "kms:Decrypt"
    assert bucket["Properties"]["ObjectLockEnabled"] is True


# --- compliance, limits -----------------------------------------------------------------------


def test_no_compliance_findings(built: Built) -> None:
    for stack in (built.home, built.other, built.log_archive):
        assert violations(stack) == {}, stack.stack_name


def test_home_stack_stays_well_under_the_resource_limit(home: dict[str, Any]) -> None:
    assert len(home["Resources"]) < 400


# --- rejections -------------------------------------------------------------------------------


def _bare_stack() -> tuple[Stack, FindingAlerts]:
    stack = Stack(App(context=cdk_context()), "S", env=Environment(account=TOOLING, region=HOME))
    return stack, FindingAlerts(stack, "FindingAlerts")


def _construct(definitions: dict[str, Any], runtime: Path, **overrides: Any) -> ResponseWorkflows:
    stack, alerts = _bare_stack()
    props: dict[str, Any] = {
        "definitions": definitions,
        "settings": {},
        "alert_topic": ResponseTopic(topic=alerts.alert_topic.topic, key=alerts.alert_topic.key),
        "paging_topic": ResponseTopic(topic=alerts.paging_topic.topic, key=alerts.paging_topic.key),
        "organization_id": "o-abcdef1234",
        "evidence_bucket_name": LOG_BUCKET,
        "evidence_key_arn": KEY_ALIAS,
        "runtime_directory": runtime,
        **overrides,
    }
    return ResponseWorkflows(stack, "Response", **props)


@pytest.fixture
def runtime(tmp_path: Path) -> Path:
    (tmp_path / "triage.py").write_text("def handler(event, context):\n    return None\n")
    (tmp_path / "regional_call.py").write_text("def handler(event, context):\n    return None\n")
    return tmp_path


def _definition(state: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": "Call", "States": {"Call": {**state, "End": True}}}


def test_rejects_an_own_account_call_it_does_not_know(runtime: Path) -> None:
    escalation = _definition(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:iam:attachRolePolicy",
            "Parameters": {},
        }
    )
    with pytest.raises(
        ValueError, match=r"definitions\['root_use'\]: a task calls iam:AttachRolePolicy"
    ):
        _construct({"root_use": escalation}, runtime)


def test_the_same_call_with_credentials_assumes_the_response_role(runtime: Path) -> None:
    acting = _definition(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:iam:attachRolePolicy",
            "Credentials": {"RoleArn.$": "$.target.role_arn"},
            "Parameters": {},
        }
    )
    assert own_account_actions(acting) == frozenset()
    workflows = _construct({"root_use": acting}, runtime)
    statements = Stack.of(workflows).resolve(
        workflows.workflows["root_use"].policy.document.to_json()
    )["Statement"]
    assert {s["Sid"] for s in statements} == {
        "AssumeResponseRoleInOrganization",
        "DeliverExecutionLogs",
        "WriteExecutionTraces",
    }


def test_rejects_invoking_a_function_other_than_its_own(runtime: Path) -> None:
    elsewhere = _definition(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": f"arn:aws:lambda:{HOME}:{TOOLING}:function:other"},
        }
    )
    with pytest.raises(ValueError, match=r"definitions\['root_use'\]: a task invokes a Lambda"):
        _construct({"root_use": elsewhere}, runtime)


def test_the_drill_timing_function_comes_with_the_drill_only(runtime: Path) -> None:
    assert _construct({"root_use": _definition({"Type": "Pass"})}, runtime).drill_timing is None
    timed = _definition(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": f"${{{TIMING_PLACEHOLDER}}}"},
        }
    )
    workflows = _construct({"drill": timed}, runtime)
    assert workflows.drill_timing is not None
    statements = Stack.of(workflows).resolve(
        workflows.workflows["drill"].policy.document.to_json()
    )["Statement"]
    (invoke,) = [s for s in statements if s["Action"] == "lambda:InvokeFunction"]
    assert invoke["Sid"] == "InvokeDrillTiming"


def test_rejects_a_placeholder_without_a_value(runtime: Path) -> None:
    definition = _definition(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {"TopicArn": "${Elsewhere}"},
        }
    )
    assert placeholders(definition) == {"Elsewhere"}
    with pytest.raises(ValueError, match=r"placeholders \['Elsewhere'\] have no value"):
        _construct({"root_use": definition}, runtime)


def test_rejects_unknown_workflows_and_a_drill_without_its_workflow(runtime: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown workflows \['exfiltrate'\]"):
        _construct({"exfiltrate": _definition({"Type": "Pass"})}, runtime)
    with pytest.raises(ValueError, match="hold no 'drill' workflow"):
        _construct(
            {"root_use": _definition({"Type": "Pass"})},
            runtime,
            fire_drill_schedule="cron(0 10 1 * ? *)",
            fire_drill_input={},
        )
    with pytest.raises(ValueError, match="give both"):
        _construct(
            {"root_use": _definition({"Type": "Pass"})},
            runtime,
            fire_drill_schedule="cron(0 10 1 * ? *)",
        )


def test_without_incident_response_nothing_is_deployed(
    example_config: LandingZoneConfig,
) -> None:
    config = example_config.model_copy(update={"incident_response": None})
    app = App(context=cdk_context())
    stack = SecurityToolingStack(
        app, "Home", config=config, env=Environment(account=TOOLING, region=HOME)
    )
    template = app.synth().get_stack_by_name("Home").template
    assert not hasattr(stack, "response")
    assert _resources(template, "AWS::StepFunctions::StateMachine") == {}
    assert not [r for r in template["Resources"].values() if "lz-response" in json.dumps(r)]
