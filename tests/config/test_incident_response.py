"""The incident_response section: defaults, the mode each account gets, and every bad config
stopped with the file, the field path, the value and what is allowed."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from landing_zone.config import ConfigError, LandingZoneConfig, parse_config
from landing_zone.config.model import (
    IP_BLOCK_CAP_LIMIT,
    WAF_IP_SET_ADDRESS_LIMIT,
    IncidentResponseConfig,
)
from landing_zone.config.response import finding_types, mode_for
from landing_zone.response.finding_types import DEFAULT_PLAYBOOK_FINDING_TYPES

REPO = Path(__file__).parents[2]
EXAMPLE = REPO / "tests" / "fixtures" / "landing-zone.yaml"
BASE: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())

Mutation = Callable[[dict[str, Any]], None]


def _parse(config: dict[str, Any]) -> LandingZoneConfig:
    return parse_config(yaml.safe_dump(config, sort_keys=False), "bad.yaml")


def _response(**fields: Any) -> Mutation:
    """Sets fields of incident_response (a field set to None is removed)."""

    def mutate(config: dict[str, Any]) -> None:
        section = config["incident_response"]
        for name, value in fields.items():
            if value is None:
                section.pop(name, None)
            else:
                section[name] = value

    return mutate


def _problems(mutation: Mutation) -> list[str]:
    config = copy.deepcopy(BASE)
    mutation(config)
    with pytest.raises(ConfigError) as caught:
        _parse(config)
    message = str(caught.value)
    assert message.startswith("bad.yaml: invalid landing zone config")
    return message.splitlines()[1:]


def _at(lines: list[str], path: str) -> list[str]:
    return [line for line in lines if line.startswith((f"  - {path} ", f"  - {path}:"))]


def _window(start: str, end: str, accounts: list[str] | None = None) -> dict[str, Any]:
    return {"start": start, "end": end, **({"accounts": accounts} if accounts else {})}


def _drill_in_nested_production_ou(config: dict[str, Any]) -> None:
    # Workloads/Prod/Cards has no environment of its own: it inherits production.
    config["organizational_units"]["Workloads/Prod/Cards"] = {}
    config["accounts"]["payments-prod"]["ou"] = "Workloads/Prod/Cards"
    config["incident_response"]["fire_drill"] = {"account": "payments-prod"}


def _drill_in_suspended_account(config: dict[str, Any]) -> None:
    config["accounts"]["closing"] = {
        "email": "closing@acme-pay.example",
        "ou": "Suspended",
        "id": "121212121212",
    }
    config["incident_response"]["fire_drill"] = {"account": "closing"}


# --- the example and the defaults --------------------------------------------------------------


def test_example_config_deploys_incident_response() -> None:
    config = parse_config(EXAMPLE.read_text(), str(EXAMPLE))
    response = config.incident_response
    assert response is not None
    assert response.approval.timeout_action == "contain"
    assert response.fire_drill is not None
    assert response.fire_drill.account == "sandbox"
    assert response.ip_block.never_block == ["203.0.113.0/24", "2001:db8:4100::/48"]
    assert list(response.maintenance_windows) == ["root-mfa-rotation"]


def test_defaults_contain_high_and_critical_and_keep_every_default_playbook() -> None:
    response = IncidentResponseConfig()
    assert response.tiers == {
        "LOW": "ticket",
        "MEDIUM": "notify",
        "HIGH": "contain",
        "CRITICAL": "contain",
    }
    assert response.approval.timeout_minutes == 30
    assert response.approval.timeout_action is None
    assert response.ip_block.expiry_days == 30
    assert response.ip_block.cap == IP_BLOCK_CAP_LIMIT == 4_000 < WAF_IP_SET_ADDRESS_LIMIT
    assert response.fire_drill is None
    assert finding_types(response) == DEFAULT_PLAYBOOK_FINDING_TYPES


def test_configured_finding_types_replace_the_defaults_and_disabled_playbooks_get_none() -> None:
    response = IncidentResponseConfig.model_validate(
        {
            "playbooks": {
                "root_use": {"finding_types": ["Policy:IAMUser/RootCredentialUsage"]},
                "isolate_instance": {"finding_types": ["Trojan:EC2/*"]},
                "s3_exfiltration": {"finding_types": ["Exfiltration:S3/*"], "enabled": False},
            }
        }
    )
    mapping = finding_types(response)
    assert mapping["isolate_instance"] == ("Trojan:EC2/*",)
    assert mapping["s3_exfiltration"] == ()
    assert mapping["contain_credentials"] == DEFAULT_PLAYBOOK_FINDING_TYPES["contain_credentials"]


def test_modes_resolve_account_then_nearest_ou_then_production_default() -> None:
    config = parse_config(EXAMPLE.read_text(), str(EXAMPLE))
    # Production OU default: approval for isolation and S3, automatic for the rest.
    assert mode_for(config, "payments-prod", "isolate_instance") == "approval"
    assert mode_for(config, "payments-prod", "s3_exfiltration") == "approval"
    assert mode_for(config, "payments-prod", "contain_credentials") == "automatic"
    assert mode_for(config, "payments-prod", "block_network_actor") == "automatic"
    # The account's own entry beats its production OU's default.
    assert mode_for(config, "ml-prod", "isolate_instance") == "automatic"
    assert mode_for(config, "ml-prod", "s3_exfiltration") == "approval"
    # The OU's entry applies to its accounts, for that playbook only.
    assert mode_for(config, "payments-nonprod", "s3_exfiltration") == "dry_run"
    assert mode_for(config, "payments-nonprod", "isolate_instance") == "automatic"
    # Elsewhere: automatic.
    assert mode_for(config, "sandbox", "isolate_instance") == "automatic"


def test_an_account_entry_beats_an_ou_entry_which_beats_a_parent_ou_entry() -> None:
    config = copy.deepcopy(BASE)
    config["incident_response"]["modes"] = {
        "Root": {"contain_credentials": "dry_run"},
        "Workloads": {"contain_credentials": "approval"},
        "payments-nonprod": {"contain_credentials": "automatic"},
    }
    parsed = _parse(config)
    assert mode_for(parsed, "payments-nonprod", "contain_credentials") == "automatic"
    assert mode_for(parsed, "payments-prod", "contain_credentials") == "approval"
    assert mode_for(parsed, "sandbox", "contain_credentials") == "dry_run"


def test_no_incident_response_section_is_valid() -> None:
    config = copy.deepcopy(BASE)
    del config["incident_response"]
    assert _parse(config).incident_response is None


# --- rejections, through the real loader -------------------------------------------------------

CATALOG: list[tuple[str, Mutation, str, str]] = [
    (
        "unknown-finding-type",
        _response(playbooks={"isolate_instance": {"finding_types": ["Backdoor:EC2/C&CActivty.B"]}}),
        "incident_response.playbooks.isolate_instance.finding_types[0]",
        "did you mean Backdoor:EC2/C&CActivity.B",
    ),
    (
        "pattern-matching-nothing",
        _response(playbooks={"s3_exfiltration": {"finding_types": ["Exfiltration:S3*Bucket"]}}),
        "incident_response.playbooks.s3_exfiltration.finding_types[0]",
        "matches no finding type GuardDuty documents",
    ),
    (
        "finding-type-twice",
        _response(playbooks={"root_use": {"finding_types": ["Policy:IAMUser/*"] * 2}}),
        "incident_response.playbooks.root_use.finding_types[1]",
        "appears more than once",
    ),
    (
        "drill-in-production",
        _response(fire_drill={"account": "payments-prod"}),
        "incident_response.fire_drill.account",
        "is in a production OU (Workloads/Prod)",
    ),
    (
        "drill-in-production-through-parent-ou",
        _drill_in_nested_production_ou,
        "incident_response.fire_drill.account",
        "allowed: an account of a non-production OU",
    ),
    (
        "drill-unknown-account",
        _response(fire_drill={"account": "playground"}),
        "incident_response.fire_drill.account",
        "is not an account name; allowed: one of management, log-archive",
    ),
    (
        "drill-in-management-account",
        _response(fire_drill={"account": "management"}),
        "incident_response.fire_drill.account",
        "is the management account, which is no GuardDuty member",
    ),
    (
        "drill-outside-the-baseline",
        _drill_in_suspended_account,
        "incident_response.fire_drill.account",
        "which the account baseline (and with it the response role) does not reach",
    ),
    (
        "approval-by-default-without-timeout-action",
        _response(approval={"timeout_minutes": 30}),
        "incident_response.approval.timeout_action",
        "the default in production OUs",
    ),
    (
        "explicit-approval-without-timeout-action",
        _response(
            approval={},
            modes={
                "Workloads/Prod": {"isolate_instance": "automatic", "s3_exfiltration": "automatic"},
                "AI/Prod": {"isolate_instance": "automatic", "s3_exfiltration": "automatic"},
                "sandbox": {"block_network_actor": "approval"},
            },
        ),
        "incident_response.approval.timeout_action",
        "block_network_actor runs in approval mode for account 'sandbox' (set in "
        "incident_response.modes)",
    ),
    (
        "cap-above-state-limit",
        _response(ip_block={"cap": IP_BLOCK_CAP_LIMIT + 1}),
        "incident_response.ip_block.cap",
        "allowed: 1 to 4,000",
    ),
    (
        "drill-page-limit-zero",
        _response(fire_drill={"account": "sandbox", "page_within_seconds": 0}),
        "incident_response.fire_drill.page_within_seconds",
        "greater than or equal to 1",
    ),
    (
        "never-block-host-bits-set",
        _response(ip_block={"never_block": ["203.0.113.7/24"]}),
        "incident_response.ip_block.never_block[0]",
        "has host bits set",
    ),
    (
        "never-block-not-an-address",
        _response(ip_block={"never_block": ["203.0.113.0/24", "999.0.0.0/8"]}),
        "incident_response.ip_block.never_block[1]",
        "is not a valid IPv4 or IPv6 range",
    ),
    (
        "never-block-not-cidr-at-all",
        _response(ip_block={"never_block": ["egress"]}),
        "incident_response.ip_block.never_block[0]",
        "CIDR notation",
    ),
    (
        "never-block-twice",
        _response(ip_block={"never_block": ["203.0.113.0/24", "203.0.113.0/24"]}),
        "incident_response.ip_block.never_block[1]",
        "appears more than once",
    ),
    (
        "overlapping-windows",
        _response(
            maintenance_windows={
                "first": _window("2027-01-15T22:00Z", "2027-01-16T02:00Z", ["payments-prod"]),
                "second": _window("2027-01-16T01:00Z", "2027-01-16T03:00Z", ["payments-prod"]),
            }
        ),
        "incident_response.maintenance_windows.second",
        "overlaps maintenance window 'first' (2027-01-15T22:00Z to 2027-01-16T02:00Z) for "
        "account(s) payments-prod",
    ),
    (
        "window-for-every-account-overlaps-any",
        _response(
            maintenance_windows={
                "first": _window("2027-01-15T22:00Z", "2027-01-16T02:00Z", ["ml-prod"]),
                "everyone": _window("2027-01-15T23:00Z", "2027-01-15T23:30Z"),
            }
        ),
        "incident_response.maintenance_windows.everyone",
        "for account(s) ml-prod",
    ),
    (
        "window-end-before-start",
        _response(
            maintenance_windows={"backwards": _window("2027-01-16T02:00Z", "2027-01-15T22:00Z")}
        ),
        "incident_response.maintenance_windows.backwards.end",
        "is not after start (2027-01-16T02:00Z)",
    ),
    (
        "window-of-no-time",
        _response(maintenance_windows={"empty": _window("2027-01-16T02:00Z", "2027-01-16T02:00Z")}),
        "incident_response.maintenance_windows.empty.end",
        "allowed: a time later than start",
    ),
    (
        "window-impossible-date",
        _response(maintenance_windows={"leap": _window("2027-02-29T22:00Z", "2027-03-01T02:00Z")}),
        "incident_response.maintenance_windows.leap.start",
        "is not a real date and time",
    ),
    (
        "window-unknown-account",
        _response(
            maintenance_windows={
                "patching": _window("2027-01-15T22:00Z", "2027-01-16T02:00Z", ["payments-prd"])
            }
        ),
        "incident_response.maintenance_windows.patching.accounts[0]",
        "is not an account name",
    ),
    (
        "modes-unknown-target",
        _response(modes={"Workloads/Production": {"isolate_instance": "automatic"}}),
        "incident_response.modes.Workloads/Production",
        "is neither an OU path nor an account name; allowed: 'Root', an OU path",
    ),
    (
        "tier-missing-severity",
        _response(tiers={"LOW": "ticket", "MEDIUM": "notify", "HIGH": "contain"}),
        "incident_response.tiers",
        "has no action for CRITICAL",
    ),
    (
        "unknown-playbook",
        _response(playbooks={"quarantine_account": {"finding_types": ["Trojan:EC2/*"]}}),
        "incident_response.playbooks.quarantine_account",
        "isolate_instance",
    ),
    (
        "unknown-mode",
        _response(modes={"sandbox": {"isolate_instance": "manual"}}),
        "incident_response.modes.sandbox.isolate_instance",
        "'automatic', 'approval' or 'dry_run'",
    ),
]


@pytest.mark.parametrize(
    ("mutation", "path", "allowed"),
    [pytest.param(m, p, a, id=case) for case, m, p, a in CATALOG],
)
def test_bad_incident_response_is_rejected_with_field_path(
    mutation: Mutation, path: str, allowed: str
) -> None:
    lines = _at(_problems(mutation), path)
    assert lines, f"no problem reported at {path!r}"
    assert any(allowed in line for line in lines), f"{allowed!r} not said at {path!r}:\n{lines}"


def test_rejections_name_the_line_and_the_value() -> None:
    config = copy.deepcopy(BASE)
    config["incident_response"]["fire_drill"] = {"account": "payments-prod"}
    text = yaml.safe_dump(config, sort_keys=False)
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "drill.yaml")
    # The section comes last, so its drill account is the file's last such line.
    line = max(
        number
        for number, content in enumerate(text.splitlines(), start=1)
        if content.strip() == "account: payments-prod"
    )
    assert f"  - incident_response.fire_drill.account (line {line}): is in a production OU" in str(
        caught.value
    )
    assert 'received "payments-prod"' in str(caught.value)


def test_approval_needs_no_timeout_action_when_nothing_contains() -> None:
    config = copy.deepcopy(BASE)
    section = config["incident_response"]
    section["approval"] = {}
    section["tiers"] = {"LOW": "ticket", "MEDIUM": "notify", "HIGH": "notify", "CRITICAL": "notify"}
    assert _parse(config).incident_response is not None


def test_approval_needs_no_timeout_action_when_its_playbooks_are_disabled() -> None:
    config = copy.deepcopy(BASE)
    section = config["incident_response"]
    section["approval"] = {}
    section["playbooks"] = {
        "isolate_instance": {"finding_types": ["Trojan:EC2/*"], "enabled": False},
        "s3_exfiltration": {"finding_types": ["Exfiltration:S3/*"], "enabled": False},
    }
    assert _parse(config).incident_response is not None


def test_windows_of_different_accounts_or_times_may_coexist() -> None:
    config = copy.deepcopy(BASE)
    config["incident_response"]["maintenance_windows"] = {
        "prod": _window("2027-01-15T22:00Z", "2027-01-16T02:00Z", ["payments-prod"]),
        "ml": _window("2027-01-15T22:00Z", "2027-01-16T02:00Z", ["ml-prod"]),
        # Back to back: the first ends as the second starts.
        "later": _window("2027-01-16T02:00Z", "2027-01-16T04:00Z"),
    }
    assert len(_parse(config).incident_response.maintenance_windows) == 3  # type: ignore[union-attr]


def test_every_problem_of_the_section_is_reported_together() -> None:
    lines = _problems(
        _response(
            fire_drill={"account": "payments-prod"},
            ip_block={"cap": 20_000},
            modes={"Nowhere": {"root_use": "automatic"}},
        )
    )
    assert _at(lines, "incident_response.fire_drill.account")
    assert _at(lines, "incident_response.ip_block.cap")
    assert _at(lines, "incident_response.modes.Nowhere")


# --- the real CDK CLI --------------------------------------------------------------------------

CDK = REPO / "node_modules" / ".bin" / "cdk"


def test_cli_stops_on_a_drill_account_in_production_before_any_template(tmp_path: Path) -> None:
    assert CDK.exists(), f"{CDK} not found: run scripts/bootstrap.sh"
    target = tmp_path / "landing-zone.yaml"
    shutil.copy(EXAMPLE, target)
    text = target.read_text()
    assert text.count("    account: sandbox\n") == 1
    target.write_text(text.replace("    account: sandbox\n", "    account: payments-prod\n"))
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), str(CDK.parent), env["PATH"]])
    out = tmp_path / "out"
    result = subprocess.run(
        [str(CDK), "synth", "--quiet", "-c", f"config={target}", "-o", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode != 0
    assert f"{target}: invalid landing zone config (1 problem)" in result.stderr
    assert "incident_response.fire_drill.account (line" in result.stderr
    assert 'received "payments-prod"' in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(out.glob("*.template.json"))


def test_a_drill_account_in_an_undefined_ou_is_reported_once_at_the_account() -> None:
    lines = _problems(lambda config: config["accounts"]["sandbox"].__setitem__("ou", "Playground"))
    assert _at(lines, "accounts.sandbox.ou")
    assert not _at(lines, "incident_response.fire_drill.account")
