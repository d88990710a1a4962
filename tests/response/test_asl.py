"""The ASL frame and the playbook definitions, checked structurally (no emulator)."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from typing import Any

import pytest

from landing_zone.response import asl
from landing_zone.response.playbooks import NAMES, definition
from landing_zone.response.response_role import execution_role_name

MINE = ("isolate_instance", "contain_credentials")
"""Playbooks of this change; the others are checked once their modules exist."""

AVAILABLE = [
    name
    for name in NAMES
    if importlib.util.find_spec(f"landing_zone.response.playbooks.{name}") is not None
]


def _all_states(states: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, state in states.items():
        found[name] = state
        if state.get("Type") == "Map":
            found.update(_all_states(state["ItemProcessor"]["States"]))
    return found


def test_my_playbooks_are_available() -> None:
    assert set(MINE) <= set(AVAILABLE)


def test_state_machine_names() -> None:
    assert execution_role_name("lz-", "isolate_instance") == "lz-response-isolate-instance"
    assert execution_role_name("lz-", "ip_expiry") == "lz-response-ip-expiry"
    assert execution_role_name("acme-", "regional-call") == "acme-response-regional-call"


@pytest.mark.parametrize("playbook", AVAILABLE)
def test_definition_is_json_with_documented_placeholders_only(playbook: str) -> None:
    text = json.dumps(definition(playbook))

    assert json.loads(text) == definition(playbook)
    assert set(re.findall(r"\$\{([A-Za-z0-9]+)\}", text)) <= asl.PLACEHOLDERS
    assert len(text.encode()) < 1_048_576  # Step Functions definition size quota


@pytest.mark.parametrize("playbook", [p for p in AVAILABLE if p in MINE])
def test_every_call_has_the_regional_lambda_branch(playbook: str) -> None:
    states = _all_states(definition(playbook)["States"])
    sdk_tasks = {
        name[: -len(".Sdk")]: state
        for name, state in states.items()
        if name.endswith(".Sdk") and state["Resource"].startswith("arn:aws:states:::aws-sdk:")
    }
    assert sdk_tasks
    for call, sdk in sdk_tasks.items():
        choice, regional = states[call], states[f"{call}.Lambda"]
        assert choice["Choices"] == [
            {"Variable": "$.target.home", "BooleanEquals": True, "Next": f"{call}.Sdk"}
        ]
        assert choice["Default"] == f"{call}.Lambda"
        assert sdk["Credentials"] == {"RoleArn.$": "$.target.role_arn"}
        service, action = sdk["Resource"].removeprefix("arn:aws:states:::aws-sdk:").split(":")
        assert regional["Resource"] == "arn:aws:states:::lambda:invoke"
        assert regional["Parameters"] == {
            "FunctionName": "${RegionalCallFunctionArn}",
            "Payload": {
                "role_arn.$": "$.target.role_arn",
                "execution_name.$": "$$.Execution.Name",
                "region.$": "$.target.region",
                "service": service,
                "action": action,
                "parameters": sdk["Parameters"],
            },
        }
        for key in ("ResultPath", "Next", "Catch", "Retry"):
            assert regional.get(key) == sdk.get(key), (call, key)
        assert regional["ResultSelector"] == asl._on_payload(sdk["ResultSelector"])


@pytest.mark.parametrize("playbook", [p for p in AVAILABLE if p in MINE])
def test_every_task_fails_loudly(playbook: str) -> None:
    """Every task catches States.ALL, but the failure path's own page (it ends in Fail anyway)."""
    states = definition(playbook)["States"]
    for name, state in states.items():
        if state["Type"] not in ("Task", "Map") or name.startswith("Failed."):
            continue
        catchers = state.get("Catch", [])
        assert catchers, name
        assert catchers[-1]["ErrorEquals"] == ["States.ALL"], name


def test_result_selector_rewritten_onto_payload() -> None:
    states = asl.sdk_call(
        "Probe",
        "ec2",
        "describeVolumes",
        {},
        next_state="Next",
        result_selector={
            "count.$": "States.ArrayLength($.Volumes)",
            "ids.$": "$.Volumes[*].VolumeId",
            "when.$": "$$.State.EnteredTime",
            "fixed": {"nested.$": "$.Marker"},
        },
    )
    assert states["Probe.Lambda"]["ResultSelector"] == {
        "count.$": "States.ArrayLength($.Payload.Volumes)",
        "ids.$": "$.Payload.Volumes[*].VolumeId",
        "when.$": "$$.State.EnteredTime",
        "fixed": {"nested.$": "$.Payload.Marker"},
    }
    default = asl.sdk_call("Probe", "ec2", "describeVolumes", {}, next_state="Next")
    assert default["Probe.Sdk"]["ResultSelector"] == {"response.$": "$"}
    assert default["Probe.Lambda"]["ResultSelector"] == {"response.$": "$.Payload"}


def test_caller_catch_comes_before_states_all() -> None:
    catch = [{"ErrorEquals": ["Iam.NoSuchEntityException"], "Next": "Gone"}]
    states = asl.sdk_call("Probe", "iam", "getRole", {}, next_state="Next", catch=catch)
    for branch in ("Probe.Sdk", "Probe.Lambda"):
        assert [c["ErrorEquals"] for c in states[branch]["Catch"]] == [
            ["Iam.NoSuchEntityException"],
            ["States.ALL"],
        ]
        assert states[branch]["Catch"][-1]["Next"] == asl.FAILURE


def test_rejects_bad_step_names_and_outcomes() -> None:
    with pytest.raises(ValueError, match="step name 'bad name'"):
        asl.sdk_call("bad name", "ec2", "x", {}, next_state="N")
    with pytest.raises(ValueError, match="outcome 'failed'"):
        asl.finish("failed")


def test_rejects_unknown_transitions_and_frame_names() -> None:
    steps = asl.Steps("A", {"A": {"Type": "Pass", "Next": "Nowhere"}})
    back = asl.Steps("B", {"B": {"Type": "Pass", "Next": asl.finish("rolled_back")}})
    with pytest.raises(ValueError, match="'A' goes to unknown 'Nowhere'"):
        asl.playbook_definition("x", contain=steps, rollback=back)
    clash = asl.Steps("Init", {"Init": {"Type": "Pass", "End": True}})
    with pytest.raises(ValueError, match="are the frame's"):
        asl.playbook_definition("x", contain=clash, rollback=clash)


def _unreached(machine: dict[str, Any]) -> list[str]:
    """States of ``machine`` (and of its Map processors) no transition leads to."""
    states = machine["States"]
    reached: set[str] = set()
    pending = [machine["StartAt"]]
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        state = states[name]
        pending += [state[key] for key in ("Next", "Default") if key in state]
        pending += [choice["Next"] for choice in state.get("Choices", [])]
        pending += [catcher["Next"] for catcher in state.get("Catch", [])]
    unreached = sorted(set(states) - reached)
    for name in sorted(reached):
        if states[name].get("Type") == "Map":
            unreached += _unreached(states[name]["ItemProcessor"])
    return unreached


@pytest.mark.parametrize("workflow", [*AVAILABLE, "drill"])
def test_every_state_is_reached(workflow: str) -> None:
    # Step Functions refuses a definition with a state nothing leads to
    # (MISSING_TRANSITION_TARGET: State "<name>" is not reachable).
    module = importlib.import_module(f"landing_zone.response.playbooks.{workflow}")
    assert _unreached(module.definition()) == []


def test_outcome_states_are_only_those_the_playbook_reaches() -> None:
    states = definition("root_use")["States"]
    assert "Outcome.manual_step_required" in states
    assert "Outcome.contained" not in states
    assert "Outcome.cap_reached" in definition("block_network_actor")["States"]


def test_rejects_states_no_transition_reaches() -> None:
    steps = asl.Steps(
        "A",
        {
            "A": {"Type": "Pass", "Next": asl.finish("contained")},
            "Orphan": {"Type": "Pass", "Next": asl.finish("contained")},
        },
    )
    back = asl.Steps("B", {"B": {"Type": "Pass", "Next": asl.finish("rolled_back")}})
    with pytest.raises(ValueError, match=r"no transition reaches \['Orphan'\]"):
        asl.playbook_definition("x", contain=steps, rollback=back)


def test_approval_waits_on_a_task_token_with_timeout_from_input() -> None:
    states = definition("isolate_instance")["States"]
    request = states["Approval.Request"]
    assert request["Resource"] == "arn:aws:states:::sns:publish.waitForTaskToken"
    assert request["TimeoutSecondsPath"] == "$.approval.timeout_seconds"
    assert request["Parameters"]["TopicArn"] == "${PagingTopicArn}"
    assert [c["ErrorEquals"] for c in request["Catch"]] == [
        ["States.Timeout"],
        ["Response.Denied"],
        ["States.ALL"],
    ]


def test_evidence_is_written_with_sse_kms() -> None:
    write = definition("contain_credentials")["States"]["Evidence.Write"]
    assert write["Resource"] == "arn:aws:states:::aws-sdk:s3:putObject"
    assert write["Parameters"]["Bucket"] == "${EvidenceBucket}"
    assert write["Parameters"]["ServerSideEncryption"] == "aws:kms"
    assert write["Parameters"]["SSEKMSKeyId"] == "${EvidenceKeyArn}"
