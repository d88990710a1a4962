"""scripts/check_config.py, the check of the team's own config, and the day-2 changes it guards:
the library tests run on the fixture, so a team's edits to config/landing-zone.yaml keep them
green, and the team's config is checked by this command instead."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLE_CONFIG, ReferenceApp

from landing_zone.config import LandingZoneConfig
from landing_zone.stateful_guard import read_templates, stateful_changes
from scripts.check_config import (
    AttackResult,
    accepted_changes,
    main,
    run_attack_suite,
    scenarios_for,
    synth,
)

NEW_REGION = "eu-west-2"


def day2_changes(raw: dict[str, Any]) -> dict[str, Any]:
    """The five ordinary day-2 changes of issue 17: one OU, one account, one governed region,
    one assignment, one guardrail."""
    changed = copy.deepcopy(raw)
    changed["organizational_units"]["Workloads/Data"] = {
        "description": "Payment data services.",
        "environment": "production",
    }
    changed["accounts"]["payments-data"] = {
        "email": "aws-payments-data@acme-pay.example",
        "ou": "Workloads/Data",
    }
    changed["organization"]["governed_regions"] = [
        *changed["organization"]["governed_regions"],
        NEW_REGION,
    ]
    changed["identity"]["assignments"] = [
        *changed["identity"]["assignments"],
        {
            "group": "incident-responders",
            "permission_set": "SecurityAuditor",
            "targets": ["Workloads"],
        },
    ]
    changed["guardrails"]["service_control_policies"]["Workloads/Prod"] = [
        "deny-sagemaker-root-and-internet"
    ]
    return changed


def test_the_five_day2_changes_synthesize_and_replace_no_stateful_resource(
    reference_app: ReferenceApp, tmp_path: Path
) -> None:
    """What a team does after forking: the config still synthesizes with every check pack (the
    CLI runs app.py), and against the example organization's templates (what is deployed) only
    resources are added, a new OU included."""
    config = tmp_path / "landing-zone.yaml"
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    config.write_text(yaml.safe_dump(day2_changes(raw), sort_keys=False), encoding="utf-8")
    out = tmp_path / "cdk.out"
    assert synth(config, out) == 0
    before, after = read_templates(reference_app.assembly_dir), read_templates(out)
    assert stateful_changes(before, after) == []
    # Each change reached the templates, so the guard had something to tolerate.
    added = {
        (name, logical_id, resource["Type"])
        for name, template in after.items()
        for logical_id, resource in template["Resources"].items()
        if logical_id not in before.get(name, {}).get("Resources", {})
    }
    kinds = {kind for _, _, kind in added}
    assert {"AWS::Organizations::OrganizationalUnit", "AWS::Organizations::Account"} <= kinds
    assert any(lid.startswith("OrganizationalUnitsWorkloadsData") for _, lid, _ in added)
    assert any(lid.startswith("paymentsdata") for _, lid, _ in added)
    assert f"acme-pay-security-tooling-{NEW_REGION}" in after
    assert "AWS::SSO::Assignment" in kinds
    assert "AWS::Organizations::Policy" in kinds


def test_scenarios_follow_the_config_organization_name() -> None:
    text = "stack: acme-pay-log-archive\nname: acme-pay-ml-{account}\nother: acme-payments\n"
    assert scenarios_for("beta-pay", text) == (
        "stack: beta-pay-log-archive\nname: beta-pay-ml-{account}\nother: acme-payments\n"
    )


def _scenario(identifier: str, **fields: Any) -> dict[str, Any]:
    scenarios = yaml.safe_load(
        (Path(__file__).parents[1] / "attack" / "scenarios.yaml").read_text()
    )
    found: dict[str, Any] = next(s for s in scenarios["scenarios"] if s["id"] == identifier)
    return {**found, **fields}


def test_attack_suite_classifies_outcomes(reference_app: ReferenceApp) -> None:
    """Escapes fail, a legitimate access denied is only reported, an open scenario is known, and
    a scenario naming an account the config does not have does not apply."""
    legitimate = "ok-ma-creates-bucket-in-governed-region"
    attack = "e1-ma-updates-baseline-sdk-function-code"
    scenarios = [
        _scenario(attack),
        _scenario(legitimate),
        _scenario(legitimate, id="escape", expect="denied"),
        _scenario(legitimate, id="open", expect="denied", open="reviewed"),
        _scenario(attack, id="lost-access", expect="allowed"),
        _scenario(legitimate, id="elsewhere", account="no-such-account"),
    ]
    result = run_attack_suite(
        reference_app.config,
        reference_app.assembly_dir,
        yaml.safe_dump({"scenarios": scenarios}),
    )
    assert result.applied == 5
    assert [line.split(":")[0] for line in result.escapes] == ["escape"]
    assert [line.split(":")[0] for line in result.legitimate_denied] == ["lost-access"]
    assert [line.split(":")[0] for line in result.known_open] == ["open"]
    assert [line.split(":")[0] for line in result.not_applicable] == ["elsewhere"]
    assert result.errors == []
    assert result.failed


def test_attack_suite_fails_when_no_scenario_applies() -> None:
    """A config whose accounts no scenario names checked nothing: that is no pass."""
    assert AttackResult(not_applicable=["x: unknown account"]).failed
    assert not AttackResult(applied=1, not_applicable=["x: unknown account"]).failed
    assert AttackResult(applied=1, escapes=["x"]).failed


def test_attack_suite_reports_an_assembly_it_cannot_model(
    example_config: LandingZoneConfig, tmp_path: Path
) -> None:
    result = run_attack_suite(example_config, tmp_path)
    assert result.failed
    assert result.errors[0].startswith(f"the policies of {tmp_path} cannot be modelled")


def test_a_bad_config_is_a_clear_error_before_any_synth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "landing-zone.yaml"
    config.write_text(EXAMPLE_CONFIG.read_text().replace("ou: Sandbox", "ou: Playground"))
    out = tmp_path / "out"
    assert main([str(config), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "accounts.sandbox.ou" in captured.err
    assert "Traceback" not in captured.err
    assert "check_config: FAIL (config)" in captured.out
    assert not out.exists()


def test_previous_must_be_an_assembly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(EXAMPLE_CONFIG), "--previous", str(tmp_path / "nope")]) == 2
    assert "not a folder (a cdk.out), and as a git ref: cannot synthesize" in (
        capsys.readouterr().err
    )


def test_out_must_be_new_or_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "gone-stack.template.json").write_text("{}")
    assert main([str(EXAMPLE_CONFIG), "--out", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err


def test_accept_file_entries_need_a_reason(tmp_path: Path) -> None:
    accepted = tmp_path / "accepted.txt"
    accepted.write_text(
        "# stateful changes made on purpose\n\n"
        "acme-pay-accounts:OldAccount1234ABCD  # closed in CHG-1234, retained by Organizations\n"
    )
    assert accepted_changes(accepted) == ["acme-pay-accounts:OldAccount1234ABCD"]
    accepted.write_text("acme-pay-accounts:OldAccount1234ABCD\n")
    with pytest.raises(ValueError, match=r"line 1: .*allowed: 'TEMPLATE:LOGICAL_ID  # reason'"):
        accepted_changes(accepted)
    with pytest.raises(ValueError, match="cannot be read"):
        accepted_changes(tmp_path / "missing.txt")


def test_a_bad_accept_file_stops_before_any_synth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    accepted = tmp_path / "accepted.txt"
    accepted.write_text("no-colon  # reason\n")
    assert main([str(EXAMPLE_CONFIG), "--accept-file", str(accepted)]) == 2
    assert "--accept-file" in capsys.readouterr().err
