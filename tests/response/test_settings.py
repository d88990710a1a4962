"""compile_settings on the reference config: the JSON the triage reads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from landing_zone.config import LandingZoneConfig
from landing_zone.config.model import PLAYBOOKS
from landing_zone.response.finding_types import DEFAULT_PLAYBOOK_FINDING_TYPES
from landing_zone.response.settings import compile_settings


@pytest.fixture(scope="module")
def settings(example_config: LandingZoneConfig) -> dict[str, Any]:
    return compile_settings(example_config)


def with_response(config: LandingZoneConfig, **changes: Any) -> LandingZoneConfig:
    assert config.incident_response is not None
    response = config.incident_response.model_copy(update=changes)
    return config.model_copy(update={"incident_response": response})


def test_names_and_arns_of_the_security_tooling_home_region(settings: dict[str, Any]) -> None:
    assert {
        key: settings[key]
        for key in (
            "partition",
            "home_region",
            "organization_id",
            "security_tooling_account",
            "response_role_name",
            "alert_topic_arn",
            "paging_topic_arn",
        )
    } == {
        "partition": "aws",
        "home_region": "eu-west-1",
        "organization_id": "o-a1b2c3d4e5",
        "security_tooling_account": "333333333333",
        "response_role_name": "lz-response",
        "alert_topic_arn": "arn:aws:sns:eu-west-1:333333333333:lz-security-findings-alerts",
        "paging_topic_arn": "arn:aws:sns:eu-west-1:333333333333:lz-security-findings-paging",
    }
    assert settings["state_machines"] == {
        playbook: "arn:aws:states:eu-west-1:333333333333:stateMachine:lz-response-"
        + playbook.replace("_", "-")
        for playbook in PLAYBOOKS
    }


def test_names_follow_the_guardrail_prefix(example_config: LandingZoneConfig) -> None:
    parameters = example_config.guardrails.parameters.model_copy(
        update={"landing_zone_role_prefix": "acme-"}
    )
    guardrails = example_config.guardrails.model_copy(update={"parameters": parameters})
    settings = compile_settings(example_config.model_copy(update={"guardrails": guardrails}))
    assert settings["response_role_name"] == "acme-response"
    assert settings["state_machines"]["root_use"].endswith(":stateMachine:acme-response-root-use")
    assert settings["alert_topic_arn"].endswith(":acme-security-findings-alerts")


def test_playbooks_default_finding_types_in_config_order(settings: dict[str, Any]) -> None:
    assert list(settings["playbooks"]) == list(PLAYBOOKS)
    assert settings["playbooks"] == {
        playbook: list(patterns) for playbook, patterns in DEFAULT_PLAYBOOK_FINDING_TYPES.items()
    }


def test_configured_and_disabled_playbooks(example_config: LandingZoneConfig) -> None:
    from landing_zone.config.model import PlaybookConfig

    config = with_response(
        example_config,
        playbooks={
            "isolate_instance": PlaybookConfig(finding_types=["Trojan:EC2/*"]),
            "s3_exfiltration": PlaybookConfig(finding_types=["Exfiltration:S3/*"], enabled=False),
        },
    )
    playbooks = compile_settings(config)["playbooks"]
    assert playbooks["isolate_instance"] == ["Trojan:EC2/*"]
    assert playbooks["s3_exfiltration"] == []
    assert playbooks["root_use"] == ["Policy:IAMUser/RootCredentialUsage"]


def test_tiers_in_severity_order(settings: dict[str, Any]) -> None:
    assert list(settings["tiers"].items()) == [
        ("LOW", "ticket"),
        ("MEDIUM", "notify"),
        ("HIGH", "contain"),
        ("CRITICAL", "contain"),
    ]


def test_modes_resolved_per_account_id(settings: dict[str, Any]) -> None:
    accounts = settings["modes"]["accounts"]
    assert list(accounts) == sorted(accounts)
    # payments-prod: production OU defaults.
    assert accounts["666666666666"] == {
        "isolate_instance": "approval",
        "contain_credentials": "automatic",
        "block_network_actor": "automatic",
        "s3_exfiltration": "approval",
        "root_use": "automatic",
    }
    # ml-prod: its own entry for isolation, the production default for S3.
    assert accounts["888888888888"]["isolate_instance"] == "automatic"
    assert accounts["888888888888"]["s3_exfiltration"] == "approval"
    # payments-nonprod: Workloads/NonProd's entry.
    assert accounts["777777777777"]["s3_exfiltration"] == "dry_run"
    assert accounts["777777777777"]["isolate_instance"] == "automatic"
    # sandbox: non-production, nothing configured.
    assert set(accounts["101010101010"].values()) == {"automatic"}


def test_account_entry_beats_nearest_ou_which_beats_root(example_config: LandingZoneConfig) -> None:
    config = with_response(
        example_config,
        modes={
            "Root": {"block_network_actor": "dry_run", "contain_credentials": "approval"},
            "Workloads": {"block_network_actor": "approval"},
            "Workloads/Prod": {"contain_credentials": "dry_run"},
            "payments-prod": {"contain_credentials": "automatic"},
        },
    )
    settings = compile_settings(config)
    prod, nonprod = (
        settings["modes"]["accounts"]["666666666666"],
        settings["modes"]["accounts"]["777777777777"],
    )
    assert prod["contain_credentials"] == "automatic"  # account
    assert nonprod["contain_credentials"] == "approval"  # Root (Workloads says nothing)
    assert prod["block_network_actor"] == nonprod["block_network_actor"] == "approval"  # Workloads
    assert settings["modes"]["accounts"]["101010101010"]["block_network_actor"] == "dry_run"
    # An account the config does not know gets Root's entries, else the production default.
    assert settings["modes"]["default"] == {
        "isolate_instance": "approval",
        "contain_credentials": "approval",
        "block_network_actor": "dry_run",
        "s3_exfiltration": "approval",
        "root_use": "automatic",
    }


def test_unknown_accounts_get_the_production_default(settings: dict[str, Any]) -> None:
    assert settings["modes"]["default"] == {
        "isolate_instance": "approval",
        "contain_credentials": "automatic",
        "block_network_actor": "automatic",
        "s3_exfiltration": "approval",
        "root_use": "automatic",
    }


def test_accounts_and_ou_environments(settings: dict[str, Any]) -> None:
    assert settings["accounts"]["666666666666"] == {
        "name": "payments-prod",
        "ou": "Workloads/Prod",
        "environment": "production",
    }
    assert settings["accounts"]["111111111111"]["environment"] is None
    assert settings["ou_environments"]["AI/Prod"] == "production"
    assert settings["ou_environments"]["Sandbox"] == "non-production"
    assert settings["ou_environments"]["Workloads"] is None


def test_maintenance_windows_name_account_ids(settings: dict[str, Any]) -> None:
    assert settings["maintenance_windows"] == {
        "root-mfa-rotation": {
            "start": "2027-01-15T22:00:00Z",
            "end": "2027-01-16T02:00:00Z",
            "accounts": ["666666666666", "888888888888"],
            "description": "Yearly rotation of the root users' MFA devices (change CHG-2027-0042).",
        }
    }


def test_ip_block_approval_and_drill(settings: dict[str, Any]) -> None:
    assert settings["ip_block"] == {
        "expiry_days": 30,
        "cap": 4000,
        "never_block": ["203.0.113.0/24", "2001:db8:4100::/48"],
    }
    assert settings["approval"] == {"timeout_seconds": 1800, "timeout_action": "contain"}
    assert settings["drill_account"] == "101010101010"


def test_approval_without_timeout_action_falls_back_to_dry_run(
    example_config: LandingZoneConfig,
) -> None:
    assert example_config.incident_response is not None
    approval = example_config.incident_response.approval.model_copy(update={"timeout_action": None})
    settings = compile_settings(with_response(example_config, approval=approval))
    assert settings["approval"]["timeout_action"] == "dry_run"


def test_settings_are_plain_json_in_a_stable_order(example_config: LandingZoneConfig) -> None:
    first = json.dumps(compile_settings(example_config))
    assert first == json.dumps(compile_settings(example_config))
    assert json.loads(first) == compile_settings(example_config)


def test_config_without_incident_response_has_nothing_to_compile(
    example_config: LandingZoneConfig,
) -> None:
    with pytest.raises(ValueError, match="incident_response: not configured"):
        compile_settings(example_config.model_copy(update={"incident_response": None}))
