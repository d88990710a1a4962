"""The triage's settings: what ``landing_zone/response/runtime/decisions.py`` needs from the
config, resolved at synth time into plain JSON (``settings.json`` in the triage's asset).

Config names become account ids here (findings name accounts by id), and modes are resolved per
account, so the Lambda function walks no OU tree. Keys come out in a fixed order (config order
for playbooks and tiers, sorted otherwise), so the asset's hash changes only with the content.
"""

from __future__ import annotations

from typing import Any

from aws_cdk.region_info import RegionInfo

from landing_zone.config.identity import ou_environment
from landing_zone.config.model import PLAYBOOKS, ROOT, SEVERITIES, LandingZoneConfig
from landing_zone.config.response import (
    APPROVAL_IN_PRODUCTION,
    finding_types,
    mode_for,
    parse_time,
)
from landing_zone.response.response_role import execution_role_name, response_role_name

ALERT_TOPIC = "security-findings-alerts"
PAGING_TOPIC = "security-findings-paging"
"""The topics of ``landing_zone.detection.alerting.FindingAlerts`` (under the same prefix) in the
security-tooling account's home region."""
UNAPPROVED_TIMEOUT_ACTION = "dry_run"
"""The approval timeout action when config sets none (validation requires one whenever a known
account runs a playbook in approval mode): an unknown account's approval that nobody answers then
changes nothing."""


def compile_settings(config: LandingZoneConfig) -> dict[str, Any]:
    """The triage's settings for ``config``; a ValueError if it has no ``incident_response``."""
    response = config.incident_response
    if response is None:
        raise ValueError("incident_response: not configured, so there is nothing to compile")
    home = config.organization.home_region
    partition = str(RegionInfo.get(home).partition)
    tooling = config.core_account_id("security_tooling")
    prefix = config.guardrails.parameters.landing_zone_role_prefix
    known = {name: account for name, account in config.accounts.items() if account.id is not None}
    drill = response.fire_drill
    return {
        "partition": partition,
        "home_region": home,
        "organization_id": config.organization.id,
        "security_tooling_account": tooling,
        "response_role_name": response_role_name(prefix),
        "state_machines": {
            playbook: (
                f"arn:{partition}:states:{home}:{tooling}:stateMachine:"
                f"{execution_role_name(prefix, playbook)}"
            )
            for playbook in PLAYBOOKS
        },
        "alert_topic_arn": f"arn:{partition}:sns:{home}:{tooling}:{prefix}{ALERT_TOPIC}",
        "paging_topic_arn": f"arn:{partition}:sns:{home}:{tooling}:{prefix}{PAGING_TOPIC}",
        "playbooks": {
            playbook: list(patterns) for playbook, patterns in finding_types(response).items()
        },
        "tiers": {severity: response.tiers[severity] for severity in SEVERITIES},
        "modes": {
            "accounts": {
                account.id: {playbook: mode_for(config, name, playbook) for playbook in PLAYBOOKS}
                for name, account in sorted(known.items(), key=lambda item: str(item[1].id))
            },
            "default": _default_modes(config),
        },
        "accounts": {
            account.id: {
                "name": name,
                "ou": account.ou,
                "environment": ou_environment(config, account.ou),
            }
            for name, account in sorted(known.items(), key=lambda item: str(item[1].id))
        },
        "ou_environments": {
            ou: ou_environment(config, ou) for ou in sorted(config.organizational_units)
        },
        "maintenance_windows": {
            name: {
                "start": _utc(window.start),
                "end": _utc(window.end),
                # None: every account; a list of the covered accounts' ids otherwise (an account
                # without an id yet has no findings either).
                "accounts": (
                    None
                    if not window.accounts
                    else sorted(str(known[a].id) for a in window.accounts if a in known)
                ),
                "description": window.description,
            }
            for name, window in sorted(response.maintenance_windows.items())
        },
        "ip_block": {
            "expiry_days": response.ip_block.expiry_days,
            "cap": response.ip_block.cap,
            "never_block": list(response.ip_block.never_block),
        },
        "approval": {
            "timeout_seconds": response.approval.timeout_minutes * 60,
            "timeout_action": response.approval.timeout_action or UNAPPROVED_TIMEOUT_ACTION,
        },
        "drill_account": (
            None if drill is None or drill.account not in known else known[drill.account].id
        ),
    }


def _default_modes(config: LandingZoneConfig) -> dict[str, str]:
    """Modes of an account the config does not know by id (created since, or not filled in):
    what ``Root`` says, else the production default, the most careful."""
    response = config.incident_response
    root = response.modes.get(ROOT, {}) if response is not None else {}
    return {
        playbook: root.get(
            playbook, "approval" if playbook in APPROVAL_IN_PRODUCTION else "automatic"
        )
        for playbook in PLAYBOOKS
    }


def _utc(value: str) -> str:
    parsed = parse_time(value)
    if parsed is None:
        raise ValueError(f"maintenance window time {value!r} is not a real time; validate first")
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")
