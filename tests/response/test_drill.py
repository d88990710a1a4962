"""The fire drill's state machine, executed in moto against fake playbook state machines.

What moto 5.2.1 cannot run, and how these tests deal with it (seen here):
- GuardDuty ``CreateSampleFindings`` is not implemented: the generating half is tested up to that
  call (the detector lookup, the call reached through the response role's branch, and the
  drill's own failure path, which alerts); the checking half runs from the shipped states with
  the drill's start wired straight to ``Settle`` (``_checker_only``).
- moto's aws-sdk integration passes parameters to boto3 as written and returns boto3's response
  as is. AWS documents PascalCase for both, even where the service's own API is camelCase as
  Step Functions' is (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html),
  and returns timestamps as ISO 8601 strings (not documented on that page; seen in public
  reports such as https://github.com/sam-goodwin/functionless/issues/489). ``_aws_sdk_like_aws``
  makes moto's ``aws-sdk:sfn:*`` tasks behave that way, for the ``sfn`` service only.
- Starting a second execution deep-copies the state machine together with its backend, which
  holds the first execution's locks; ``_aws_sdk_like_aws`` copies the state machine without its
  backend.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from moto.stepfunctions.models import StateMachine
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (  # noqa: E501
    StateTaskServiceAwsSdk,
)

from landing_zone.config.model import IncidentResponseConfig, PlaybookConfig
from landing_zone.response.asl import DECIDE, PLACEHOLDERS
from landing_zone.response.playbooks import drill
from tests.response.emulated import (
    ACCOUNT,
    EXECUTION_ROLE,
    REGION,
    Emulated,
    emulated,
    workflow_input,
)

OTHER_ACCOUNT = "210987654321"
SETTLE_SECONDS = 4


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if isinstance(value, dict):
        return {key: _iso(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_iso(item) for item in value]
    return value


@pytest.fixture
def like_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's aws-sdk:sfn tasks with AWS's casing and timestamps; state machines copied without
    their backend (see the module docstring)."""
    model = botocore.session.get_session().get_service_model("stepfunctions")

    def operation(task: Any) -> Any:
        action = task.resource.api_action
        return model.operation_model(action[0].upper() + action[1:])

    def parameters(task: Any, params: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        if task.resource.api_name == "sfn":
            task._to_boto_request(params, operation(task).input_shape)

    def response(task: Any, result: Any, *args: Any, **kwargs: Any) -> None:
        if task.resource.api_name == "sfn" and isinstance(result, dict):
            task._from_boto_response(result, operation(task).output_shape)
            result.update(_iso(result))

    def copy_without_backend(machine: Any, memo: dict[int, Any]) -> Any:
        clone = machine.__class__.__new__(machine.__class__)
        memo[id(machine)] = clone
        for key, value in machine.__dict__.items():
            setattr(clone, key, value if key == "backend" else copy.deepcopy(value, memo))
        return clone

    monkeypatch.setattr(StateTaskServiceAwsSdk, "_normalise_parameters", parameters, raising=False)
    monkeypatch.setattr(StateTaskServiceAwsSdk, "_normalise_response", response, raising=False)
    monkeypatch.setattr(StateMachine, "__deepcopy__", copy_without_backend, raising=False)


@pytest.fixture
def aws(like_aws: None) -> Iterator[Emulated]:
    with emulated() as env:
        yield env


# A stand-in for a playbook: the frame's start page, then Decide, then success or failure.
def _fake_playbook(*, fails: bool) -> dict[str, Any]:
    end: dict[str, Any] = (
        {"Type": "Fail", "Error": "Iam.AccessDeniedException", "Cause": "denied"}
        if fails
        else {"Type": "Succeed"}
    )
    return {
        "StartAt": drill.PAGE_STATE,
        "States": {
            drill.PAGE_STATE: {"Type": "Pass", "Next": DECIDE},
            DECIDE: {"Type": "Pass", "Next": "End"},
            "End": end,
        },
    }


def _playbook_machine(aws: Emulated, playbook: str, *, fails: bool = False) -> str:
    response = aws.client("stepfunctions").create_state_machine(
        name=f"lz-response-{playbook.replace('_', '-')}",
        definition=json.dumps(_fake_playbook(fails=fails)),
        roleArn=EXECUTION_ROLE,
    )
    return str(response["stateMachineArn"])


def _drill_execution(
    aws: Emulated,
    machine: str,
    playbook: str,
    finding_type: str,
    *,
    drill_run: bool = True,
    account: str = ACCOUNT,
) -> str:
    workflow = workflow_input(
        playbook, plan={}, account=account, mode="dry_run", finding_type=finding_type
    )
    workflow["drill"] = drill_run
    workflow["finding"]["sample"] = drill_run
    return aws.run(machine, workflow).arn


def _checker_only(definition: dict[str, Any]) -> dict[str, Any]:
    """The shipped definition with the generating half skipped (moto lacks CreateSampleFindings)."""
    checker = copy.deepcopy(definition)
    checker["States"]["Start.Log"]["Next"] = "Settle"
    return checker


def _drill_machine(aws: Emulated, definition: dict[str, Any]) -> str:
    response = aws.client("stepfunctions").create_state_machine(
        name=drill.NAME, definition=aws.substitute(definition), roleArn=EXECUTION_ROLE
    )
    return str(response["stateMachineArn"])


def _input(aws: Emulated, machines: dict[str, str], types: dict[str, list[str]]) -> dict[str, Any]:
    return drill.drill_input(
        account=aws.account,
        region=aws.region,
        home_region=REGION,
        finding_types=types,  # type: ignore[arg-type]
        state_machines=machines,  # type: ignore[arg-type]
        wait_seconds=0,
    )


def _report(aws: Emulated, execution_arn: str) -> dict[str, Any]:
    name = execution_arn.rsplit(":", 1)[1]
    body = aws.client("s3").get_object(
        Bucket=aws.substitutions["EvidenceBucket"], Key=f"incident-response/drills/{name}.json"
    )["Body"]
    return dict(json.loads(body.read()))


# --- the check ------------------------------------------------------------------------------


def _run_drill(
    aws: Emulated,
    definition: dict[str, Any],
    machines: dict[str, str],
    types: dict[str, list[str]],
    playbook_runs: list[tuple[str, str, dict[str, Any]]],
) -> tuple[Any, list[str]]:
    """Starts the drill, runs the playbook executions while it waits (they start after the drill,
    as the findings' do in AWS), then waits for the drill's end."""
    drill_machine = _drill_machine(aws, definition)
    run_input = _input(aws, machines, types)
    run_input["wait_seconds"] = SETTLE_SECONDS
    drill_arn = aws.start(drill_machine, run_input)
    executions = [
        _drill_execution(aws, machines[playbook], playbook, finding_type, **options)
        for playbook, finding_type, options in playbook_runs
    ]
    return aws.wait(drill_arn, timeout_seconds=120), executions


def test_check_passes_playbooks_whose_drill_executions_succeeded(aws: Emulated) -> None:
    machines = {
        "isolate_instance": _playbook_machine(aws, "isolate_instance"),
        "root_use": _playbook_machine(aws, "root_use"),
    }
    run, executions = _run_drill(
        aws,
        _checker_only(drill.definition()),
        machines,
        {
            "isolate_instance": ["Trojan:EC2/DropPoint"],
            "root_use": ["Policy:IAMUser/RootCredentialUsage"],
        },
        [
            ("isolate_instance", "Trojan:EC2/DropPoint", {}),
            ("root_use", "Policy:IAMUser/RootCredentialUsage", {}),
        ],
    )
    report = _report(aws, run.arn)
    assert run.status == "SUCCEEDED", json.dumps(report, indent=1)
    assert run.output == report
    assert report["passed_playbooks"] == ["isolate_instance", "root_use"]
    assert report["failed_playbooks"] == []
    isolate = next(p for p in report["playbooks"] if p["playbook"] == "isolate_instance")
    assert isolate["passed"] is True
    assert (isolate["expected"], isolate["found"]) == (1, 1)
    (execution,) = isolate["executions"]
    assert execution["execution"] == executions[0]
    assert execution["status"] == "SUCCEEDED"
    assert execution["finding_type"] == "Trojan:EC2/DropPoint"
    assert len(execution["planned_at"]) == 1
    assert execution["planned_at"][0].endswith("Z")
    assert len(execution["paged_at"]) == 1
    assert execution["paged_at"][0] <= execution["planned_at"][0]
    assert report["started_at"] <= execution["execution_started_at"]
    assert [call["step"] for call in report["calls"]] == ["Start", "Check"]
    assert aws.messages("alert") == []


def test_check_alerts_on_missing_and_failed_executions(aws: Emulated) -> None:
    machines = {
        "isolate_instance": _playbook_machine(aws, "isolate_instance"),
        "contain_credentials": _playbook_machine(aws, "contain_credentials"),
        "s3_exfiltration": _playbook_machine(aws, "s3_exfiltration", fails=True),
    }
    run, executions = _run_drill(
        aws,
        _checker_only(drill.definition()),
        machines,
        {
            # Two types generated, one execution: one is missing.
            "isolate_instance": ["Trojan:EC2/DropPoint", "CryptoCurrency:EC2/BitcoinTool.B"],
            "contain_credentials": ["CredentialAccess:IAMUser/AnomalousBehavior"],
            "s3_exfiltration": ["Exfiltration:S3/AnomalousBehavior"],
        },
        [
            ("isolate_instance", "Trojan:EC2/DropPoint", {}),
            # Neither is the drill's: a real finding, and a drill of another account.
            (
                "contain_credentials",
                "CredentialAccess:IAMUser/AnomalousBehavior",
                {"drill_run": False},
            ),
            (
                "contain_credentials",
                "CredentialAccess:IAMUser/AnomalousBehavior",
                {"account": OTHER_ACCOUNT},
            ),
            ("s3_exfiltration", "Exfiltration:S3/AnomalousBehavior", {}),
        ],
    )
    assert run.status == "FAILED"
    assert run.error == "Drill.PlaybooksFailed"
    report = _report(aws, run.arn)
    assert report["passed_playbooks"] == []
    assert report["failed_playbooks"] == [
        "contain_credentials",
        "isolate_instance",
        "s3_exfiltration",
    ]
    results = {result["playbook"]: result for result in report["playbooks"]}
    assert (results["isolate_instance"]["expected"], results["isolate_instance"]["found"]) == (2, 1)
    assert results["contain_credentials"]["found"] == 0
    assert results["contain_credentials"]["executions"] == []
    assert results["s3_exfiltration"]["statuses"] == ["FAILED"]
    assert results["s3_exfiltration"]["executions"][0]["execution"] == executions[3]
    alerts = {message["playbook"]: message for message in aws.messages("alert")}
    assert sorted(alerts) == ["contain_credentials", "isolate_instance", "s3_exfiltration"]
    assert alerts["isolate_instance"]["summary"] == (
        'DRILL FAILED isolate_instance: 1 of 2 expected executions found, statuses ["SUCCEEDED"]'
    )
    assert alerts["s3_exfiltration"]["executions"] == [executions[3]]
    assert alerts["contain_credentials"]["drill"] == run.arn


# --- generating the sample findings -------------------------------------------------------------


def _full_run(aws: Emulated) -> Any:
    machines = {"root_use": _playbook_machine(aws, "root_use")}
    drill_machine = _drill_machine(aws, drill.definition())
    run_input = _input(aws, machines, {"root_use": ["Policy:IAMUser/RootCredentialUsage"]})
    return aws.run(drill_machine, run_input)


def test_without_a_detector_the_drill_alerts_and_fails(aws: Emulated) -> None:
    run = _full_run(aws)
    assert run.status == "FAILED"
    assert run.error == "Drill.Error"
    assert run.cause == f"no GuardDuty detector in account {aws.account} region {aws.region}"
    (alert,) = aws.messages("alert")
    assert alert["summary"] == f"DRILL ERROR in {aws.account}/{aws.region}: Drill.NoDetector"
    assert "Check" not in run.entered()


def test_samples_are_requested_from_the_drill_accounts_detector(aws: Emulated) -> None:
    detector = aws.client("guardduty").create_detector(Enable=True)["DetectorId"]
    run = _full_run(aws)
    entered = run.entered()
    # Both calls go through the response role's branch (Task Credentials in the home region).
    assert entered[:3] == ["Start", "Start.Log", "Detector"]
    assert "Detector.Sdk" in entered
    assert "CreateSampleFindings.Sdk" in entered
    scheduled = [
        json.loads(event["taskScheduledEventDetails"]["parameters"])
        for event in run.history
        if "taskScheduledEventDetails" in event
        and event["taskScheduledEventDetails"]["resource"] == "createSampleFindings"
    ]
    assert scheduled == [
        {"DetectorId": detector, "FindingTypes": ["Policy:IAMUser/RootCredentialUsage"]}
    ]
    # moto 5.2.1 has no CreateSampleFindings: the call fails there, which exercises the drill's
    # own failure path (it alerts and fails; it never reports a drill it did not run).
    assert run.status == "FAILED"
    assert run.error == "Drill.Error"
    (alert,) = aws.messages("alert")
    assert alert["summary"].startswith(f"DRILL ERROR in {aws.account}/{aws.region}: ")
    assert "Settle" not in entered


# --- the input ----------------------------------------------------------------------------------


def test_input_batches_sample_types_by_fifty_and_names_the_response_role() -> None:
    types = {
        "isolate_instance": [f"Trojan:EC2/Type{index:02}" for index in range(40)],
        "root_use": [f"Policy:IAMUser/Type{index:02}" for index in range(20)],
    }
    machines = {playbook: f"arn:{playbook}" for playbook in types}
    built = drill.drill_input(
        account=OTHER_ACCOUNT,
        region="eu-central-1",
        home_region=REGION,
        finding_types=types,  # type: ignore[arg-type]
        state_machines=machines,  # type: ignore[arg-type]
    )
    assert [len(batch) for batch in built["finding_types"]] == [50, 10]
    assert built["target"] == {
        "account": OTHER_ACCOUNT,
        "region": "eu-central-1",
        "home": False,
        "role_arn": f"arn:aws:iam::{OTHER_ACCOUNT}:role/lz-response",
    }
    assert built["wait_seconds"] == drill.DRILL_WAIT_SECONDS
    assert [p["playbook"] for p in built["playbooks"]] == ["isolate_instance", "root_use"]


def test_input_rejects_a_playbook_without_its_state_machine() -> None:
    with pytest.raises(ValueError, match="every drilled playbook needs both"):
        drill.drill_input(
            account=ACCOUNT,
            region=REGION,
            home_region=REGION,
            finding_types={"root_use": ["Policy:IAMUser/RootCredentialUsage"]},
            state_machines={},
        )


def test_mapped_types_follow_config_and_skip_disabled_playbooks() -> None:
    config = IncidentResponseConfig(
        playbooks={
            "root_use": PlaybookConfig(finding_types=["Policy:IAMUser/RootCredentialUsage"]),
            "s3_exfiltration": PlaybookConfig(finding_types=["Exfiltration:S3/*"], enabled=False),
        }
    )
    mapped = drill.mapped_finding_types(config)
    assert "s3_exfiltration" not in mapped
    assert mapped["root_use"] == ["Policy:IAMUser/RootCredentialUsage"]
    assert "Trojan:EC2/DropPoint" in mapped["isolate_instance"]
    every = [t for types in mapped.values() for t in types]
    assert len(every) == len(set(every))


def test_definition_uses_only_known_placeholders() -> None:
    text = json.dumps(drill.definition())
    assert set(re.findall(r"\$\{([A-Za-z]+)\}", text)) <= PLACEHOLDERS
