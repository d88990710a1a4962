"""The tabletop pack: scenarios from config, automation read from the state machine definitions."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_CONFIG as CONFIG

from landing_zone.config import load_config
from landing_zone.config.model import PLAYBOOKS
from landing_zone.response import tabletop
from landing_zone.response.asl import sdk_call


def _definition(playbook: str) -> dict[str, Any]:
    """A small playbook-shaped definition: a choice, an SDK call (both branches), a page."""
    return {
        "StartAt": "Route",
        "States": {
            "Route": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.mode", "StringEquals": "dry_run", "Next": "Done"}],
                "Default": "Act",
            },
            **sdk_call(
                "Act",
                "ec2",
                "modifyInstanceAttribute",
                {"InstanceId.$": "$.plan.instance_id"},
                next_state="Page",
            ),
            "Page": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": "${PagingTopicArn}", "Message": playbook},
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
            "Failed.Record": {"Type": "Fail", "Error": "Failed"},
            "Orphan": {"Type": "Pass", "End": True},
        },
    }


@pytest.fixture(scope="module")
def definitions() -> dict[str, dict[str, Any]]:
    return {playbook: _definition(playbook) for playbook in PLAYBOOKS}


@pytest.fixture(scope="module")
def pack(definitions: dict[str, dict[str, Any]]) -> str:
    return tabletop.build_pack(load_config(CONFIG), definitions)


def _section(pack: str, playbook: str) -> str:
    start = pack.index(f"(`{playbook}`)")
    end = pack.find("\n## Scenario", start)
    return pack[start : end if end != -1 else None]


def test_every_playbook_has_a_scenario_with_its_flowchart(pack: str) -> None:
    headings = re.findall(r"^## Scenario (\d): .* \(`(\w+)`\)$", pack, flags=re.MULTILINE)
    assert headings == [(str(n), p) for n, p in enumerate(PLAYBOOKS, start=1)]
    assert pack.count("```mermaid\nflowchart TD\n") == len(PLAYBOOKS)
    for playbook in PLAYBOOKS:
        section = _section(pack, playbook)
        for heading in ("Injects", "What the automation will do", "Manual steps"):
            assert f"### {heading}" in section
        assert "### Gaps form" in section
        assert "send-task-success" in section
        assert '"rollback": true' in section
        assert f"/{playbook}/<account>/<execution name>.json" in section


def test_scenarios_come_from_config(pack: str) -> None:
    config = load_config(CONFIG)
    section = _section(pack, "root_use")
    assert "`Policy:IAMUser/RootCredentialUsage`" in section
    assert config.incident_response is not None
    # The example runs s3_exfiltration in dry run in Workloads/NonProd, approval in production.
    section = _section(pack, "s3_exfiltration")
    assert re.search(r"^- dry_run: payments-nonprod$", section, re.MULTILINE)
    assert re.search(r"^- approval: ml-prod, payments-prod$", section, re.MULTILINE)


def test_calls_are_listed_in_order_once_per_step() -> None:
    assert tabletop.calls(_definition("root_use")) == [
        ("Act", "ec2:ModifyInstanceAttribute"),
        ("Page", "sns:Publish"),
    ]


def test_flowchart_follows_the_definition(definitions: dict[str, dict[str, Any]]) -> None:
    chart = tabletop.mermaid(definitions["root_use"])
    assert 's0{"Route"}' in chart
    assert "s0 -->|mode StringEquals dry_run| " in chart
    assert 'Act.Sdk<br/>ec2:ModifyInstanceAttribute"]' in chart
    assert "s3 -.->|error: States.ALL| s7" in chart
    assert 's7(["Failed.Record"])' in chart
    # Unreachable states are left out.
    assert "Orphan" not in chart


def test_a_changed_definition_changes_its_diagram_only(
    definitions: dict[str, dict[str, Any]], pack: str
) -> None:
    changed = copy.deepcopy(definitions)
    states = changed["isolate_instance"]["States"]
    states["Page"]["Next"] = "Snapshot"
    states["Snapshot"] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:ec2:createSnapshot",
        "Parameters": {"VolumeId": "vol-1"},
        "Next": "Done",
    }
    again = tabletop.build_pack(load_config(CONFIG), changed)
    before, after = _section(pack, "isolate_instance"), _section(again, "isolate_instance")
    assert "ec2:CreateSnapshot" not in before
    assert 'Snapshot<br/>ec2:CreateSnapshot"]' in after
    assert "`ec2:CreateSnapshot` (Snapshot)" in after
    for playbook in PLAYBOOKS:
        if playbook != "isolate_instance":
            assert _section(pack, playbook) == _section(again, playbook)


def test_pack_is_deterministic(definitions: dict[str, dict[str, Any]], pack: str) -> None:
    assert tabletop.build_pack(load_config(CONFIG), copy.deepcopy(definitions)) == pack


def test_pack_refuses_a_missing_definition(definitions: dict[str, dict[str, Any]]) -> None:
    partial = {k: v for k, v in definitions.items() if k != "root_use"}
    with pytest.raises(ValueError, match="no state machine definition for root_use"):
        tabletop.build_pack(load_config(CONFIG), partial)


# --- the command --------------------------------------------------------------------------------


def _main(argv: list[str], definitions: dict[str, dict[str, Any]]) -> int:
    return tabletop.main(argv, definitions=lambda: definitions)


def test_command_writes_the_same_pack_twice(
    tmp_path: Path, definitions: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "packs"
    assert _main(["--config", str(CONFIG), "--out", str(out)], definitions) == 0
    written = out / "tabletop-acme-pay.md"
    first = written.read_bytes()
    assert _main(["--config", str(CONFIG), "--out", str(out)], definitions) == 0
    assert written.read_bytes() == first
    assert capsys.readouterr().out.strip().endswith("tabletop-acme-pay.md")


def test_command_reports_a_bad_config_path(
    tmp_path: Path, definitions: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.yaml"
    assert _main(["--config", str(missing), "--out", str(tmp_path / "o")], definitions) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: {missing}")
    assert "cannot read the config file" in error
    assert not (tmp_path / "o").exists()


def test_command_refuses_a_config_without_incident_response(
    tmp_path: Path, definitions: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    text = CONFIG.read_text(encoding="utf-8")
    start = text.index("\nincident_response:")
    rest = re.search(r"\n[a-z_]+:", text[start + 1 :])
    end = start + 1 + rest.start() if rest else len(text)
    config = tmp_path / "no-response.yaml"
    config.write_text(text[:start] + text[end:], encoding="utf-8")
    assert _main(["--config", str(config), "--out", str(tmp_path / "o")], definitions) == 1
    assert "incident_response: not configured" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_command_needs_an_output_directory(definitions: dict[str, dict[str, Any]]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _main(["--config", str(CONFIG)], definitions)
    assert exit_info.value.code == 2


def test_real_definitions_render(tmp_path: Path) -> None:
    """The shipped playbooks (those present in this checkout) render with their calls."""
    from landing_zone.response.playbooks import definition

    for playbook in PLAYBOOKS:
        try:
            built = definition(playbook)
        except ModuleNotFoundError:
            continue
        chart = tabletop.mermaid(built)
        assert chart.startswith("flowchart TD\n")
        assert tabletop.calls(built), playbook
