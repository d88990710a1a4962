"""The triage's decision logic over realistic GuardDuty events (tests/response/findings, in the
shape of https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-format.html) and the
reference config's compiled settings."""

from __future__ import annotations

import ast
import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from landing_zone.config import LandingZoneConfig
from landing_zone.response import finding_types
from landing_zone.response.runtime import decisions
from landing_zone.response.runtime.decisions import decide, execution_name, workflow_input
from landing_zone.response.settings import compile_settings

FINDINGS = Path(__file__).parent / "findings"
NOW = datetime(2026, 12, 1, 10, 0, 30, tzinfo=UTC)
PROD, NONPROD, ML_PROD, SANDBOX = "666666666666", "777777777777", "888888888888", "101010101010"


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FINDINGS / f"{name}.json").read_text())
    return loaded


@pytest.fixture(scope="module")
def settings(example_config: LandingZoneConfig) -> dict[str, Any]:
    return compile_settings(example_config)


def test_every_finding_file_is_a_documented_event() -> None:
    for path in sorted(FINDINGS.glob("*.json")):
        doc = json.loads(path.read_text())
        assert doc["detail-type"] in (decisions.GUARDDUTY_FINDING, decisions.CONSOLE_SIGN_IN)
        detail = doc["detail"]
        if doc["detail-type"] == decisions.GUARDDUTY_FINDING:
            assert doc["source"] == "aws.guardduty"
            for key in ("schemaVersion", "accountId", "region", "id", "arn", "type", "resource"):
                assert key in detail, (path.name, key)
            assert detail["type"] in finding_types.FINDING_TYPES, path.name


@pytest.mark.parametrize(
    ("name", "playbook", "tier", "action", "mode", "plan"),
    [
        (
            "ec2-cc-activity",
            "isolate_instance",
            "HIGH",
            "contain",
            "approval",  # payments-prod: production default
            {"instance_id": "i-0a1b2c3d4e5f60718", "vpc_id": "vpc-0f1e2d3c4b5a69788"},
        ),
        (
            "ec2-cryptocurrency",
            "isolate_instance",
            "HIGH",
            "contain",
            "automatic",  # ml-prod's own entry beats its production OU
            {"instance_id": "i-0123456789abcdef1", "vpc_id": "vpc-0a9b8c7d6e5f40312"},
        ),
        (
            "ec2-trojan",
            "isolate_instance",
            "HIGH",
            "contain",
            "automatic",
            {"instance_id": "i-0fedcba98765432a1", "vpc_id": "vpc-0c0c0c0c0c0c0c0c1"},
        ),
        (
            "ec2-tor-client",
            "isolate_instance",
            "HIGH",
            "contain",
            "approval",
            {"instance_id": "i-0b1b2b3b4b5b6b7b8", "vpc_id": "vpc-0f1e2d3c4b5a69788"},
        ),
        (
            "iam-instance-credential-exfiltration",
            "contain_credentials",
            "HIGH",
            "contain",
            "automatic",
            {
                "principal_type": "Role",
                "role_name": "payments-api-role",
                "revoke_before": "2026-12-01T10:00:30Z",
            },
        ),
        (
            "iam-malicious-ip-caller",
            "contain_credentials",
            "MEDIUM",
            "notify",
            "automatic",
            {
                "principal_type": "IAMUser",
                "user_name": "ci-deployer",
                "access_key_id": "AKIAEXAMPLEKEYCI0001",
                "revoke_before": "2026-12-01T10:00:30Z",
            },
        ),
        (
            "iam-anomalous-behavior",
            "contain_credentials",
            "LOW",
            "ticket",
            "automatic",
            {
                "principal_type": "IAMUser",
                "user_name": "reporting-exporter",
                "access_key_id": "AKIAEXAMPLEKEYREP001",
                "revoke_before": "2026-12-01T10:00:30Z",
            },
        ),
        (
            "iam-identity-center-role",
            "contain_credentials",
            "HIGH",
            "contain",
            "automatic",
            {
                "principal_type": "IdentityCenterRole",
                "role_name": "AWSReservedSSO_PlatformAdmin_0a1b2c3d4e5f6a7b",
                "revoke_before": "2026-12-01T10:00:30Z",
            },
        ),
        (
            "ec2-ssh-brute-force",
            "block_network_actor",
            "LOW",
            "ticket",
            "automatic",
            {
                "ip": "198.51.100.99",
                "cidr": "198.51.100.99/32",
                "version": "IPV4",
                "expires_at": "2026-12-31T10:00:30Z",
                "cap": 4000,
            },
        ),
        (
            # The first prober is AWS-owned (AS16509) and skipped; the second is blocked.
            "ec2-port-probe",
            "block_network_actor",
            "MEDIUM",
            "notify",
            "automatic",
            {
                "ip": "192.0.2.200",
                "cidr": "192.0.2.200/32",
                "version": "IPV4",
                "expires_at": "2026-12-31T10:00:30Z",
                "cap": 4000,
            },
        ),
        (
            "s3-exfiltration",
            "s3_exfiltration",
            "HIGH",
            "contain",
            "approval",
            {
                "bucket": "acme-pay-statements-prod",
                "principal_arn": "arn:aws:iam::666666666666:role/reporting-batch",
            },
        ),
        (
            "s3-impact",
            "s3_exfiltration",
            "HIGH",
            "contain",
            "dry_run",  # Workloads/NonProd's entry
            {
                "bucket": "acme-pay-ledger-nonprod",
                "principal_arn": "arn:aws:iam::777777777777:user/data-loader",
            },
        ),
        (
            # At 09:58 on 2026-12-01: no window; root use is CRITICAL.
            "root-credential-usage",
            "root_use",
            "CRITICAL",
            "contain",
            "automatic",
            {"in_window": False, "window": None},
        ),
        (
            "root-console-sign-in",
            "root_use",
            "CRITICAL",
            "contain",
            "automatic",
            {"in_window": False, "window": None},
        ),
    ],
)
def test_each_family_gets_its_playbook_tier_mode_and_plan(
    settings: dict[str, Any],
    name: str,
    playbook: str,
    tier: str,
    action: str,
    mode: str,
    plan: dict[str, Any],
) -> None:
    decision = decide(event(name), settings, NOW)
    assert (decision.playbook, decision.tier, decision.action, decision.mode) == (
        playbook,
        tier,
        action,
        mode,
    ), decision.reason
    assert decision.plan == plan
    assert decision.drill is False
    assert decision.starts_workflow


def test_finding_keeps_the_member_account_not_the_administrator_that_delivered_it(
    settings: dict[str, Any],
) -> None:
    cc = event("ec2-cc-activity")
    assert cc["account"] == "333333333333"  # the GuardDuty administrator's bus
    decision = decide(cc, settings, NOW)
    assert decision.finding == {
        "id": cc["detail"]["id"],
        "type": "Backdoor:EC2/C&CActivity.B",
        "severity": 8.0,
        "title": cc["detail"]["title"],
        "account": PROD,
        "region": "eu-west-1",
        "updated_at": "2026-12-01T10:00:00.000Z",
        "sample": False,
        "arn": cc["detail"]["arn"],
        "event_time": cc["time"],
    }
    assert decision.target == {
        "account": PROD,
        "region": "eu-west-1",
        "home": True,
        "role_arn": "arn:aws:iam::666666666666:role/lz-response",
    }


def test_forwarded_finding_acts_in_its_own_region(settings: dict[str, Any]) -> None:
    decision = decide(event("forwarded-eu-central-1"), settings, NOW)
    assert decision.playbook == "isolate_instance"
    assert decision.target == {
        "account": PROD,
        "region": "eu-central-1",
        "home": False,
        "role_arn": "arn:aws:iam::666666666666:role/lz-response",
    }
    assert decision.finding["region"] == "eu-central-1"


def test_workflow_input_is_exactly_the_contract(settings: dict[str, Any]) -> None:
    decision = decide(event("ec2-cc-activity"), settings, NOW)
    document = workflow_input(decision, "oi-0123456789ab")
    assert list(document) == [
        "finding",
        "playbook",
        "tier",
        "action",
        "mode",
        "drill",
        "rollback",
        "target",
        "approval",
        "plan",
        "ticket",
    ]
    assert document["rollback"] is False
    assert document["approval"] == {"timeout_seconds": 1800, "timeout_action": "contain"}
    assert document["ticket"] == {"ops_item_id": "oi-0123456789ab"}
    assert workflow_input(decision)["ticket"] is None
    assert json.loads(json.dumps(document)) == document


# --- drills ------------------------------------------------------------------------------------


def test_sample_finding_is_a_dry_run_drill_even_with_placeholder_values(
    settings: dict[str, Any],
) -> None:
    decision = decide(event("sample-cc-activity"), settings, NOW)
    assert (decision.playbook, decision.mode, decision.drill) == (
        "isolate_instance",
        "dry_run",
        True,
    )
    assert decision.finding["sample"] is True
    assert decision.plan == {"instance_id": "i-99999999", "vpc_id": "GeneratedFindingVPCId"}


def test_sample_flag_in_the_api_shape_is_read_too(settings: dict[str, Any]) -> None:
    sample = event("ec2-cc-activity")
    sample["detail"]["service"]["additionalInfo"] = {"value": '{"sample":true}', "type": "default"}
    decision = decide(sample, settings, NOW)
    assert (decision.mode, decision.drill) == ("dry_run", True)


def test_findings_of_the_drill_account_are_dry_run_drills(settings: dict[str, Any]) -> None:
    assert settings["drill_account"] == SANDBOX
    drill = event("ec2-trojan")
    drill["detail"]["accountId"] = SANDBOX
    decision = decide(drill, settings, NOW)
    assert (decision.mode, decision.drill) == ("dry_run", True)
    assert decision.target["role_arn"] == f"arn:aws:iam::{SANDBOX}:role/lz-response"


# --- modes -------------------------------------------------------------------------------------


def test_unknown_account_gets_the_production_default(settings: dict[str, Any]) -> None:
    stranger = event("ec2-trojan")
    stranger["detail"]["accountId"] = "123456789012"
    assert decide(stranger, settings, NOW).mode == "approval"
    keys = event("iam-malicious-ip-caller")
    keys["detail"]["accountId"] = "123456789012"
    assert decide(keys, settings, NOW).mode == "automatic"


def test_mode_comes_from_the_accounts_resolved_entry(settings: dict[str, Any]) -> None:
    custom = copy.deepcopy(settings)
    custom["modes"]["accounts"][NONPROD]["isolate_instance"] = "dry_run"
    assert decide(event("ec2-trojan"), custom, NOW).mode == "dry_run"
    assert decide(event("ec2-trojan"), settings, NOW).mode == "automatic"


# --- tiers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "tier"),
    [
        (0.5, "LOW"),
        (1.0, "LOW"),
        (3.9, "LOW"),
        (3.95, "LOW"),
        (4.0, "MEDIUM"),
        (6.9, "MEDIUM"),
        (7.0, "HIGH"),
        (8.9, "HIGH"),
        (9.0, "CRITICAL"),
        (10.0, "CRITICAL"),
    ],
)
def test_tiers_follow_guardduty_severity_ranges(severity: float, tier: str) -> None:
    assert decisions.tier_of(severity) == tier


def test_tier_actions_come_from_settings(settings: dict[str, Any]) -> None:
    custom = copy.deepcopy(settings)
    custom["tiers"]["HIGH"] = "notify"
    assert decide(event("ec2-cc-activity"), custom, NOW).action == "notify"


# --- no playbook -------------------------------------------------------------------------------


def test_unmapped_type_tickets_by_tier_without_a_playbook(settings: dict[str, Any]) -> None:
    decision = decide(event("unmapped-policy"), settings, NOW)
    assert (decision.playbook, decision.plan, decision.tier, decision.action) == (
        None,
        None,
        "LOW",
        "ticket",
    )
    assert decision.reason == "no playbook maps Policy:S3/BucketBlockPublicAccessDisabled"
    assert not decision.starts_workflow


def test_disabled_playbook_maps_nothing(settings: dict[str, Any]) -> None:
    custom = copy.deepcopy(settings)
    custom["playbooks"]["isolate_instance"] = []
    decision = decide(event("ec2-cc-activity"), custom, NOW)
    assert decision.playbook is None
    assert decision.action == "contain"


def test_first_playbook_in_config_order_wins_like_finding_types() -> None:
    assert decisions.PRECEDENCE == finding_types.PRECEDENCE
    # settings.json is written with sorted keys: the order of the mapping must not matter.
    playbooks = {"block_network_actor": ["*"], "isolate_instance": ["Backdoor:EC2/*"]}
    assert decisions.playbook_for("Backdoor:EC2/Spambot", playbooks) == "isolate_instance"
    assert decisions.playbook_for("Recon:EC2/PortProbeUnprotectedPort", playbooks) == (
        "block_network_actor"
    )
    assert finding_types.playbook_for("Backdoor:EC2/Spambot", playbooks) == "isolate_instance"


@pytest.mark.parametrize(
    ("pattern", "finding_type"),
    [
        ("Backdoor:EC2/C&CActivity.*", "Backdoor:EC2/C&CActivity.B!DNS"),
        ("Backdoor:EC2/C&CActivity.*", "Backdoor:EC2/C&CActivity"),
        ("*:IAMUser/AnomalousBehavior", "Discovery:IAMUser/AnomalousBehavior"),
        ("*:IAMUser/AnomalousBehavior", "Discovery:IAMUser/AnomalousBehavior2"),
        ("Recon:EC2/PortProbe*", "Recon:EC2/PortProbeEMRUnprotectedPort"),
        ("recon:EC2/PortProbe*", "Recon:EC2/PortProbeEMRUnprotectedPort"),
        ("Trojan:EC2/*", "Trojan:EC2/DGADomainRequest.C!DNS"),
        ("Trojan:EC2/DNS.DataExfiltration", "Trojan:EC2/DNSxDataExfiltration"),
        ("*", ""),
    ],
)
def test_matching_is_the_same_as_finding_types(pattern: str, finding_type: str) -> None:
    assert decisions.matches(pattern, finding_type) == finding_types.matches(pattern, finding_type)


def test_finding_that_names_no_instance_plans_nothing(settings: dict[str, Any]) -> None:
    broken = event("ec2-cc-activity")
    del broken["detail"]["resource"]["instanceDetails"]["instanceId"]
    decision = decide(broken, settings, NOW)
    assert (decision.playbook, decision.plan) == ("isolate_instance", None)
    assert decision.reason == "the finding names no EC2 instance"
    assert not decision.starts_workflow


# --- never block -------------------------------------------------------------------------------


def test_private_remote_ip_is_never_blocked(settings: dict[str, Any]) -> None:
    decision = decide(event("ec2-rdp-brute-force-private-ip"), settings, NOW)
    assert (decision.playbook, decision.plan, decision.action) == (
        "block_network_actor",
        None,
        "contain",
    )
    assert decision.reason == (
        "not blocked: 10.40.7.19 is a private or special-purpose address (10.0.0.0/8)"
    )


def test_aws_owned_remote_ip_is_never_blocked(settings: dict[str, Any]) -> None:
    decision = decide(event("recon-iam-malicious-ip-caller-aws-owned"), settings, NOW)
    assert decision.plan is None
    assert decision.reason == (
        "not blocked: 3.248.12.7 belongs to AWS (asn 16509, asnOrg AMAZON-02, org Amazon.com)"
    )


@pytest.mark.parametrize(
    ("ip", "organization", "refused"),
    [
        ("172.31.5.5", {}, True),
        ("192.168.1.10", {}, True),
        ("100.64.12.1", {}, True),  # carrier-grade NAT
        ("127.0.0.1", {}, True),
        ("169.254.169.254", {}, True),
        ("fd12:3456:789a::1", {}, True),  # unique local
        ("fe80::1", {}, True),
        ("::ffff:10.1.2.3", {}, True),  # IPv4-mapped private
        ("203.0.113.77", {}, True),  # the reference config's never_block 203.0.113.0/24
        ("2001:db8:4100::5", {}, True),  # its never_block 2001:db8:4100::/48
        ("198.51.100.7", {"asn": 14618}, True),  # AMAZON-AES, as a number
        ("198.51.100.7", {"asnOrg": "AMAZON-02"}, True),
        ("198.51.100.7", {"org": "Amazon Technologies Inc."}, True),
        ("198.51.100.7", {"asn": "64496", "org": "Amazonas Telecom"}, False),
        ("198.51.100.7", {}, False),  # documentation ranges are blocked (sample findings)
        ("2001:db8:ffff::12", {}, False),
        ("8.8.8.8", {"asn": "15169", "asnOrg": "GOOGLE"}, False),
    ],
)
def test_never_block_rule(
    settings: dict[str, Any], ip: str, organization: dict[str, Any], refused: bool
) -> None:
    probe = event("ec2-ssh-brute-force")
    remote = probe["detail"]["service"]["action"]["networkConnectionAction"]["remoteIpDetails"]
    remote.pop("ipAddressV4")
    remote["ipAddressV6" if ":" in ip else "ipAddressV4"] = ip
    remote["organization"] = organization
    decision = decide(probe, settings, NOW)
    assert (decision.plan is None) == refused, decision.reason
    if not refused:
        assert decision.plan is not None
        assert decision.plan["version"] == ("IPV6" if ":" in ip else "IPV4")
        assert decision.plan["cidr"].endswith("/128" if ":" in ip else "/32")


def test_finding_without_remote_ip_blocks_nothing(settings: dict[str, Any]) -> None:
    quiet = event("ec2-ssh-brute-force")
    quiet["detail"]["service"]["action"] = {"actionType": "DNS_REQUEST", "dnsRequestAction": {}}
    decision = decide(quiet, settings, NOW)
    assert (decision.plan, decision.reason) == (None, "the finding names no remote IP address")


# --- credentials -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_type", "user_name", "expected"),
    [
        (
            "AssumedRole",
            "arn:aws:sts::666666666666:assumed-role/payments-api-role/i-0a1b2c3d4e5f60718",
            {"principal_type": "Role", "role_name": "payments-api-role"},
        ),
        (
            "AssumedRole",
            "arn:aws:iam::666666666666:role/aws-reserved/sso.amazonaws.com/eu-west-1/"
            "AWSReservedSSO_ReadOnly_0123456789abcdef",
            {
                "principal_type": "IdentityCenterRole",
                "role_name": "AWSReservedSSO_ReadOnly_0123456789abcdef",
            },
        ),
        ("Root", "Root", {"principal_type": "Root"}),
    ],
)
def test_principals_are_named_as_the_playbook_needs(
    settings: dict[str, Any], user_type: str, user_name: str, expected: dict[str, Any]
) -> None:
    finding = event("iam-instance-credential-exfiltration")
    finding["detail"]["resource"]["accessKeyDetails"].update(userType=user_type, userName=user_name)
    decision = decide(finding, settings, NOW)
    assert decision.plan == {**expected, "revoke_before": "2026-12-01T10:00:30Z"}


def test_temporary_keys_of_a_user_are_not_planned_for_deactivation(
    settings: dict[str, Any],
) -> None:
    finding = event("iam-malicious-ip-caller")
    finding["detail"]["resource"]["accessKeyDetails"]["accessKeyId"] = "ASIAEXAMPLETEMPKEY01"
    decision = decide(finding, settings, NOW)
    assert decision.plan == {
        "principal_type": "IAMUser",
        "user_name": "ci-deployer",
        "revoke_before": "2026-12-01T10:00:30Z",
    }


def test_federated_user_is_not_contained(settings: dict[str, Any]) -> None:
    finding = event("iam-malicious-ip-caller")
    finding["detail"]["resource"]["accessKeyDetails"]["userType"] = "FederatedUser"
    decision = decide(finding, settings, NOW)
    assert decision.plan is None
    assert decision.reason == "a FederatedUser principal cannot be contained by the playbook"


def test_s3_principal_of_another_account_is_named_in_its_account(
    settings: dict[str, Any],
) -> None:
    finding = event("s3-exfiltration")
    action = finding["detail"]["service"]["action"]["awsApiCallAction"]
    action["remoteAccountDetails"] = {"accountId": "444455556666", "affiliated": False}
    decision = decide(finding, settings, NOW)
    assert decision.plan == {
        "bucket": "acme-pay-statements-prod",
        "principal_arn": "arn:aws:iam::444455556666:role/reporting-batch",
    }


# --- root use ----------------------------------------------------------------------------------


def test_root_use_inside_a_declared_window_is_a_ticket(settings: dict[str, Any]) -> None:
    usage = event("root-credential-usage")
    usage["detail"]["service"]["eventLastSeen"] = "2027-01-15T23:10:00.000Z"
    decision = decide(usage, settings, NOW)
    assert (decision.playbook, decision.tier, decision.action) == ("root_use", "LOW", "ticket")
    assert decision.plan == {"in_window": True, "window": "root-mfa-rotation"}


def test_window_covers_only_its_accounts(settings: dict[str, Any]) -> None:
    usage = event("root-credential-usage")
    usage["detail"]["service"]["eventLastSeen"] = "2027-01-15T23:10:00.000Z"
    usage["detail"]["accountId"] = NONPROD  # not in root-mfa-rotation's accounts
    decision = decide(usage, settings, NOW)
    assert (decision.tier, decision.plan) == ("CRITICAL", {"in_window": False, "window": None})


def test_window_end_is_exclusive(settings: dict[str, Any]) -> None:
    sign_in = event("root-console-sign-in")
    sign_in["detail"]["eventTime"] = "2027-01-16T02:00:00Z"
    assert decide(sign_in, settings, NOW).plan == {"in_window": False, "window": None}
    sign_in["detail"]["eventTime"] = "2027-01-15T22:00:00Z"
    assert decide(sign_in, settings, NOW).plan == {
        "in_window": True,
        "window": "root-mfa-rotation",
    }


def test_window_without_accounts_covers_every_account(settings: dict[str, Any]) -> None:
    custom = copy.deepcopy(settings)
    custom["maintenance_windows"]["root-mfa-rotation"]["accounts"] = None
    usage = event("root-credential-usage")
    usage["detail"]["accountId"] = NONPROD
    usage["detail"]["service"]["eventLastSeen"] = "2027-01-15T23:10:00.000Z"
    assert decide(usage, custom, NOW).action == "ticket"


def test_root_console_sign_in_is_summarised(settings: dict[str, Any]) -> None:
    decision = decide(event("root-console-sign-in"), settings, NOW)
    assert decision.finding == {
        "id": "3c5b1f62-5a0e-4c77-9f0e-0b7f6e1c2d3a",
        "type": decisions.CONSOLE_SIGN_IN,
        "severity": None,
        "title": "Root user console sign-in (Success) from 198.51.100.33",
        "account": PROD,
        "region": "us-east-1",
        "updated_at": "2026-12-01T03:17:09Z",
        "sample": False,
        "arn": None,
        "event_time": "2026-12-01T03:17:09Z",
    }


# --- weird input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda e: e.pop("detail"), "the event has no detail object"),
        (lambda e: e.update({"detail": "text"}), "the event has no detail object"),
        (lambda e: e.update({"detail-type": "EC2 Spot Instance Interruption Warning"}), None),
        (lambda e: e["detail"].pop("type"), "the finding has no type"),
        (lambda e: e["detail"].update(severity="high"), "unreadable severity 'high'"),
        (lambda e: e["detail"].update(severity=True), "unreadable severity True"),
        (lambda e: e["detail"].update(severity=42), "unreadable severity 42"),
        (
            lambda e: (e["detail"].update(accountId="not-an-id"), e.update(account="x")),
            "the finding names no valid account or region",
        ),
        (lambda e: e["detail"].update(resource=["not", "a", "dict"]), None),
        (lambda e: e["detail"]["service"].update(action="garbage"), None),
        (lambda e: e["detail"].update(service=None), None),
    ],
)
def test_weird_events_never_raise(
    settings: dict[str, Any], mutate: Any, reason: str | None
) -> None:
    weird = event("ec2-cc-activity")
    mutate(weird)
    decision = decide(weird, settings, NOW)
    assert decision.action in ("ticket", "notify", "contain")
    if reason is not None:
        assert (decision.playbook, decision.plan, decision.reason) == (None, None, reason)
        assert not decision.starts_workflow


def test_unreadable_severity_notifies(settings: dict[str, Any]) -> None:
    weird = event("ec2-cc-activity")
    weird["detail"]["severity"] = None
    decision = decide(weird, settings, NOW)
    assert (decision.tier, decision.action) == ("MEDIUM", "notify")


@pytest.mark.parametrize(
    "mutate",
    [
        # Another account's sign-in, forwarded by an account of the organization.
        lambda e: e.update(account=NONPROD),
        # An account the landing zone does not know (forwarded into one that it does).
        lambda e: (
            e.update(account="210987654321"),
            e["detail"].update(recipientAccountId="210987654321"),
        ),
    ],
)
def test_sign_in_of_an_unknown_or_other_account_is_not_acted_on(
    settings: dict[str, Any], mutate: Any
) -> None:
    sign_in = event("root-console-sign-in")
    mutate(sign_in)
    decision = decide(sign_in, settings, NOW)
    assert decision.playbook is None
    assert not decision.starts_workflow
    assert decision.reason is not None
    assert "the landing zone does not know" in decision.reason
    assert decision.action in ("notify", "contain")


def test_failed_root_sign_in_notifies_and_does_not_page(settings: dict[str, Any]) -> None:
    # Anyone who knows a root address can fail a sign-in: paging each would page at will.
    failed = event("root-console-sign-in")
    failed["detail"]["responseElements"]["ConsoleLogin"] = "Failure"
    decision = decide(failed, settings, NOW)
    assert decision.playbook is None
    assert not decision.starts_workflow
    assert (decision.tier, decision.action) == ("MEDIUM", "notify")
    assert decision.reason == "a root console sign-in that did not succeed (Failure)"
    succeeded = decide(event("root-console-sign-in"), settings, NOW)
    assert succeeded.playbook == "root_use"


def test_non_root_sign_in_is_not_root_use(settings: dict[str, Any]) -> None:
    sign_in = event("root-console-sign-in")
    sign_in["detail"]["userIdentity"]["type"] = "IAMUser"
    decision = decide(sign_in, settings, NOW)
    assert decision.playbook is None
    assert decision.reason == "a console sign-in that is not the root user's"


# --- execution names ---------------------------------------------------------------------------


def test_execution_name_is_the_finding_id_and_update_time() -> None:
    cc = event("ec2-cc-activity")
    assert execution_name(cc) == f"{cc['detail']['id']}-20261201T100000000Z"
    updated = copy.deepcopy(cc)
    updated["detail"]["updatedAt"] = "2026-12-01T16:00:00.000Z"
    assert execution_name(updated) != execution_name(cc)
    redelivered = copy.deepcopy(cc)
    redelivered["id"] = "another-event-id"
    assert execution_name(redelivered) == execution_name(cc)
    assert execution_name(event("root-console-sign-in")) == (
        "3c5b1f62-5a0e-4c77-9f0e-0b7f6e1c2d3a-20261201T031709Z"
    )


@pytest.mark.parametrize(
    "finding_id", ["x" * 200, "id with spaces/and:colons", "", None, "ünïcode"]
)
def test_execution_name_is_always_valid_and_deterministic(finding_id: Any) -> None:
    odd = event("ec2-cc-activity")
    odd["detail"]["id"] = finding_id
    name = execution_name(odd)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,80}", name), name
    assert execution_name(copy.deepcopy(odd)) == name


def test_names_that_sanitize_alike_stay_apart() -> None:
    one, other = event("ec2-cc-activity"), event("ec2-cc-activity")
    one["detail"]["id"], other["detail"]["id"] = "a/b", "a:b"
    assert execution_name(one) != execution_name(other)


def test_runtime_is_standard_library_and_boto3_only() -> None:
    allowed = {
        "__future__",
        "base64",
        "collections",
        "dataclasses",
        "datetime",
        "functools",
        "hashlib",
        "ipaddress",
        "json",
        "logging",
        "os",
        "pathlib",
        "re",
        "typing",
        "boto3",
        "botocore",
        "decisions",  # triage's import inside the asset
    }
    runtime = Path(decisions.__file__).parent
    for path in runtime.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            assert {name.split(".")[0] for name in names} <= allowed, (path.name, names)
