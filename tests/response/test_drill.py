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
- moto's Step Functions runs ``lambda:invoke`` tasks through moto's Lambda, which runs function
  code only in Docker (absent here). The drill-timing function is created in moto's Lambda from
  the real module and ``_in_process`` runs its handler in this process instead of a container:
  the definition's task, payload, ``ResultSelector`` and the report are the shipped ones, only the
  sandbox differs.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from moto.awslambda.models import LambdaFunction
from moto.stepfunctions.models import StateMachine
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (  # noqa: E501
    StateTaskServiceAwsSdk,
)

from landing_zone.config.model import IncidentResponseConfig, PlaybookConfig
from landing_zone.response.asl import DECIDE, PLACEHOLDERS
from landing_zone.response.playbooks import drill
from landing_zone.response.runtime import drill_timing
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


def _in_process(function: Any, event: Any = None) -> tuple[str, bool, str]:
    """moto's ``LambdaFunction._invoke_lambda`` without Docker: the handler of the function's
    module in ``landing_zone.response.runtime``; an exception is a function error, as in Lambda."""
    module_name, _, handler = function.handler.rpartition(".")
    module = importlib.import_module(f"landing_zone.response.runtime.{module_name}")
    try:
        result = getattr(module, handler)(event, None)
    except Exception as error:
        failure = {"errorType": type(error).__name__, "errorMessage": str(error)}
        return json.dumps(failure), True, ""
    return json.dumps(result), False, ""


def _timing_function(aws: Emulated) -> str:
    """``lz-response-drill-timing`` in moto's Lambda, its code the shipped module."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(drill_timing.__file__, "drill_timing.py")
    response = aws.client("lambda").create_function(
        FunctionName="lz-response-drill-timing",
        Runtime="python3.12",
        Role=EXECUTION_ROLE,
        Handler="drill_timing.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    return str(response["FunctionArn"])


@pytest.fixture
def aws(like_aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulated]:
    monkeypatch.setattr(LambdaFunction, "_invoke_lambda", _in_process)
    # The handler keeps one client per region; none may outlive its emulated account.
    drill_timing._client.cache_clear()
    with emulated() as env:
        env.substitutions[drill.TIMING_PLACEHOLDER] = _timing_function(env)
        yield env
    drill_timing._client.cache_clear()


# A stand-in for a playbook: the frame's start page (unless it is broken and skips it), then
# Decide, then success or failure.
def _fake_playbook(*, fails: bool, pages: bool) -> dict[str, Any]:
    end: dict[str, Any] = (
        {"Type": "Fail", "Error": "Iam.AccessDeniedException", "Cause": "denied"}
        if fails
        else {"Type": "Succeed"}
    )
    return {
        "StartAt": drill.PAGE_STATE if pages else DECIDE,
        "States": {
            **({drill.PAGE_STATE: {"Type": "Pass", "Next": DECIDE}} if pages else {}),
            DECIDE: {"Type": "Pass", "Next": "End"},
            "End": end,
        },
    }


def _playbook_machine(
    aws: Emulated, playbook: str, *, fails: bool = False, pages: bool = True
) -> str:
    response = aws.client("stepfunctions").create_state_machine(
        name=f"lz-response-{playbook.replace('_', '-')}",
        definition=json.dumps(_fake_playbook(fails=fails, pages=pages)),
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
    finding_age_seconds: float = 5,
) -> str:
    """Runs a playbook execution for a finding updated ``finding_age_seconds`` before it starts
    (GuardDuty's delay, the triage's), in milliseconds and Z as GuardDuty writes ``updatedAt``."""
    workflow = workflow_input(
        playbook, plan={}, account=account, mode="dry_run", finding_type=finding_type
    )
    updated = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=finding_age_seconds)
    workflow["finding"]["updated_at"] = _iso(updated)
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
    assert (execution["tier"], execution["action"]) == ("HIGH", "contain")
    assert execution["planned_at"].endswith("Z")
    assert execution["paged_at"] <= execution["planned_at"]
    assert report["started_at"] <= execution["execution_started_at"]
    # Durations from the finding's updatedAt, 5 s before its execution started.
    assert execution["measured_from"] == "updated_at"
    assert execution["finding_event_time"] is None
    assert execution["page_expected"] is True
    assert 5 <= execution["seconds_to_page"] <= execution["seconds_to_plan"] < 60
    assert isolate["max_seconds_to_page"] == execution["seconds_to_page"]
    assert isolate["max_seconds_to_plan"] == execution["seconds_to_plan"]
    assert isolate["page_within_seconds"] == 120
    assert (isolate["late_pages"], isolate["missing_pages"], isolate["unmeasured"]) == ([], [], [])
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
    assert re.fullmatch(
        r"DRILL FAILED isolate_instance: 1 of 2 expected executions found, "
        r'statuses \["SUCCEEDED"\], '
        r"slowest page [0-9.]+ s \(limit 120 s\), 0 late, 0 never paged, 0 unmeasured",
        alerts["isolate_instance"]["summary"],
    )
    assert alerts["contain_credentials"]["summary"].endswith(
        "slowest page none (limit 120 s), 0 late, 0 never paged, 0 unmeasured"
    )
    assert alerts["s3_exfiltration"]["executions"] == [executions[3]]
    assert alerts["contain_credentials"]["drill"] == run.arn


def test_a_late_or_missing_page_fails_the_playbook_and_alerts(aws: Emulated) -> None:
    machines = {
        "isolate_instance": _playbook_machine(aws, "isolate_instance"),
        "root_use": _playbook_machine(aws, "root_use", pages=False),
        "s3_exfiltration": _playbook_machine(aws, "s3_exfiltration"),
    }
    run, executions = _run_drill(
        aws,
        _checker_only(drill.definition()),
        machines,
        {
            "isolate_instance": ["Trojan:EC2/DropPoint", "CryptoCurrency:EC2/BitcoinTool.B"],
            "root_use": ["Policy:IAMUser/RootCredentialUsage"],
            "s3_exfiltration": ["Exfiltration:S3/AnomalousBehavior"],
        },
        [
            # One page on time, one 200 s after its finding: over the two minutes.
            ("isolate_instance", "Trojan:EC2/DropPoint", {}),
            ("isolate_instance", "CryptoCurrency:EC2/BitcoinTool.B", {"finding_age_seconds": 200}),
            # A containing tier whose execution never paged.
            ("root_use", "Policy:IAMUser/RootCredentialUsage", {}),
            ("s3_exfiltration", "Exfiltration:S3/AnomalousBehavior", {}),
        ],
    )
    report = _report(aws, run.arn)
    assert run.status == "FAILED", json.dumps(report, indent=1)
    assert run.error == "Drill.PlaybooksFailed"
    assert report["failed_playbooks"] == ["isolate_instance", "root_use"]
    assert report["passed_playbooks"] == ["s3_exfiltration"]
    results = {result["playbook"]: result for result in report["playbooks"]}
    isolate = results["isolate_instance"]
    assert (isolate["found"], isolate["statuses"]) == (2, ["SUCCEEDED"])
    assert isolate["late_pages"] == [executions[1]]
    timed = {e["execution"]: e for e in isolate["executions"]}
    assert timed[executions[0]]["seconds_to_page"] < 120 < timed[executions[1]]["seconds_to_page"]
    assert isolate["max_seconds_to_page"] == timed[executions[1]]["seconds_to_page"]
    root = results["root_use"]
    assert root["missing_pages"] == [executions[2]]
    (unpaged,) = root["executions"]
    assert (unpaged["paged_at"], unpaged["seconds_to_page"]) == (None, None)
    assert unpaged["seconds_to_plan"] is not None
    assert root["max_seconds_to_page"] is None
    alerts = {message["playbook"]: message for message in aws.messages("alert")}
    assert sorted(alerts) == ["isolate_instance", "root_use"]
    assert "1 late, 0 never paged" in alerts["isolate_instance"]["summary"]
    assert alerts["isolate_instance"]["late_pages"] == [executions[1]]
    assert alerts["isolate_instance"]["max_seconds_to_page"] > 120
    assert alerts["root_use"]["summary"].endswith(
        "slowest page none (limit 120 s), 0 late, 1 never paged, 0 unmeasured"
    )
    assert alerts["root_use"]["missing_pages"] == [executions[2]]


def test_the_page_limit_comes_from_the_drill_input(aws: Emulated) -> None:
    machines = {"root_use": _playbook_machine(aws, "root_use")}
    drill_machine = _drill_machine(aws, _checker_only(drill.definition()))
    run_input = _input(aws, machines, {"root_use": ["Policy:IAMUser/RootCredentialUsage"]})
    run_input["wait_seconds"] = SETTLE_SECONDS
    run_input["page_within_seconds"] = 2
    drill_arn = aws.start(drill_machine, run_input)
    execution = _drill_execution(
        aws, machines["root_use"], "root_use", "Policy:IAMUser/RootCredentialUsage"
    )
    run = aws.wait(drill_arn, timeout_seconds=120)
    report = _report(aws, run.arn)
    assert run.status == "FAILED"
    (root,) = report["playbooks"]
    assert (root["page_within_seconds"], root["late_pages"]) == (2, [execution])


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


def test_input_sets_the_page_limit_and_rejects_one_out_of_range() -> None:
    arguments: dict[str, Any] = {
        "account": ACCOUNT,
        "region": REGION,
        "home_region": REGION,
        "finding_types": {"root_use": ["Policy:IAMUser/RootCredentialUsage"]},
        "state_machines": {"root_use": "arn:root_use"},
    }
    assert drill.drill_input(**arguments)["page_within_seconds"] == 120
    assert drill.drill_input(**arguments, page_within_seconds=300)["page_within_seconds"] == 300
    with pytest.raises(ValueError, match="page_within_seconds 0: expected 1 to 3600"):
        drill.drill_input(**arguments, page_within_seconds=0)


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
    used = set(re.findall(r"\$\{([A-Za-z]+)\}", text))
    assert drill.TIMING_PLACEHOLDER in used
    assert used <= PLACEHOLDERS


def test_the_timing_task_invokes_only_the_drill_timing_function() -> None:
    states = drill.definition()["States"]["Check"]["ItemProcessor"]["States"]
    timing = states["Timing"]
    assert timing["Resource"] == "arn:aws:states:::lambda:invoke"
    assert timing["Parameters"]["FunctionName"] == "${DrillTimingFunctionArn}"
    assert "Credentials" not in timing
    assert states["Executions"]["Next"] == "Timing"
    assert timing["Next"] == "Count"
