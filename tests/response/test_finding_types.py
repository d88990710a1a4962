"""The GuardDuty finding-type catalog, the wildcard matching and the default playbook mapping."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from landing_zone.config.model import PLAYBOOKS, IncidentResponseConfig, PlaybookName
from landing_zone.response import finding_types
from landing_zone.response.finding_types import (
    DEFAULT_PLAYBOOK_FINDING_TYPES,
    FINDING_TYPES,
    PRECEDENCE,
    expand,
    matches,
    playbook_for,
)

# ThreatPurpose:ResourceTypeAffected/ThreatFamilyName.DetectionMechanism!Artifact
# (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-format.html)
FORMAT = re.compile(r"[A-Za-z]+:[A-Za-z0-9]+/[A-Za-z0-9&]+(\.[A-Za-z0-9&]+)*(![A-Za-z0-9]+)?")


def test_catalog_types_follow_the_documented_format_and_are_unique() -> None:
    assert len(FINDING_TYPES) == len(set(FINDING_TYPES)) > 150
    assert list(FINDING_TYPES) == sorted(FINDING_TYPES)
    for finding_type in FINDING_TYPES:
        assert FORMAT.fullmatch(finding_type), finding_type


def test_catalog_holds_the_types_the_issue_names_and_no_retired_ones() -> None:
    for finding_type in (
        "Backdoor:EC2/C&CActivity.B",
        "Backdoor:EC2/C&CActivity.B!DNS",
        "UnauthorizedAccess:EC2/TorClient",
        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
        "CredentialAccess:IAMUser/AnomalousBehavior",
        "Policy:IAMUser/RootCredentialUsage",
        "Exfiltration:S3/AnomalousBehavior",
        "Impact:S3/AnomalousBehavior.Delete",
    ):
        assert finding_type in FINDING_TYPES
    # Retired (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-retired.html)
    for retired in (
        "Exfiltration:S3/ObjectRead.Unusual",
        "PrivilegeEscalation:Kubernetes/PrivilegedContainer",
        "Persistence:IAMUser/UserPermissions",
    ):
        assert retired not in FINDING_TYPES


def test_finding_types_module_is_standard_library_only() -> None:
    # The triage Lambda bundles these semantics: no aws_cdk, pydantic or config model at runtime.
    tree = ast.parse(Path(finding_types.__file__).read_text())
    imported = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.col_offset == 0
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import) and node.col_offset == 0
        for alias in node.names
    }
    assert imported <= {"__future__", "re", "collections", "functools", "typing"}, imported


@pytest.mark.parametrize(
    ("pattern", "finding_type", "expected"),
    [
        ("Trojan:EC2/*", "Trojan:EC2/DropPoint!DNS", True),
        ("Trojan:EC2/*", "Trojan:Runtime/DropPoint", False),
        ("Backdoor:EC2/C&CActivity.*", "Backdoor:EC2/C&CActivity.B!DNS", True),
        ("Backdoor:EC2/C&CActivity.*", "Backdoor:EC2/C&CActivityXB", False),  # '.' is literal
        ("*", "anything", True),
        ("*:IAMUser/AnomalousBehavior", "Impact:IAMUser/AnomalousBehavior", True),
        (
            "UnauthorizedAccess:IAMUser/MaliciousIPCaller*",
            "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
            True,
        ),  # '*' matches nothing too
        ("Policy:IAMUser/RootCredentialUsage", "Policy:IAMUser/RootCredentialUsage", True),
        ("Policy:IAMUser/RootCredentialUsage", "Policy:IAMUser/RootCredentialUsageX", False),
        ("policy:iamuser/rootcredentialusage", "Policy:IAMUser/RootCredentialUsage", False),
        ("Recon:EC2/Port*", "XRecon:EC2/Portscan", False),  # anchored at both ends
        ("Recon:EC2/[P]ortscan", "Recon:EC2/Portscan", False),  # no regex classes
        ("Recon:EC2/Port?can", "Recon:EC2/Portscan", False),  # '?' is literal, as in EventBridge
        ("*Tor*", "UnauthorizedAccess:EC2/TorRelay", True),
    ],
)
def test_matches_is_eventbridge_wildcard_matching(
    pattern: str, finding_type: str, expected: bool
) -> None:
    assert matches(pattern, finding_type) is expected


def test_expand_lists_matching_catalog_types_sorted() -> None:
    assert expand("Discovery:RDS/*IPCaller") == [
        "Discovery:RDS/MaliciousIPCaller",
        "Discovery:RDS/TorIPCaller",
    ]
    assert expand("Nope:EC2/*") == []
    assert expand("Trojan:EC2/*", catalog=["Trojan:EC2/X", "Other:EC2/Y"]) == ["Trojan:EC2/X"]


def test_default_mapping_covers_every_playbook_in_config_order() -> None:
    assert tuple(DEFAULT_PLAYBOOK_FINDING_TYPES) == PLAYBOOKS == PRECEDENCE


@pytest.mark.parametrize(
    ("playbook", "pattern"),
    [
        (p, pattern)
        for p, patterns in DEFAULT_PLAYBOOK_FINDING_TYPES.items()
        for pattern in patterns
    ],
)
def test_every_default_pattern_expands_to_catalog_types(playbook: str, pattern: str) -> None:
    assert expand(pattern), f"{playbook}: {pattern} matches no catalog type"


def test_defaults_pass_the_config_model() -> None:
    # The model's own pattern check accepts every default (they become config values).
    IncidentResponseConfig.model_validate(
        {
            "playbooks": {
                playbook: {"finding_types": list(patterns)}
                for playbook, patterns in DEFAULT_PLAYBOOK_FINDING_TYPES.items()
            }
        }
    )


def test_no_finding_type_maps_to_two_default_playbooks() -> None:
    for finding_type in FINDING_TYPES:
        claimed = [
            playbook
            for playbook, patterns in DEFAULT_PLAYBOOK_FINDING_TYPES.items()
            if any(matches(pattern, finding_type) for pattern in patterns)
        ]
        assert len(claimed) <= 1, (finding_type, claimed)


@pytest.mark.parametrize(
    ("finding_type", "playbook"),
    [
        ("Backdoor:EC2/C&CActivity.B!DNS", "isolate_instance"),
        ("CryptoCurrency:EC2/BitcoinTool.B", "isolate_instance"),
        ("Trojan:EC2/DNSDataExfiltration", "isolate_instance"),
        ("UnauthorizedAccess:EC2/TorClient", "isolate_instance"),
        (
            "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
            "contain_credentials",
        ),
        ("CredentialAccess:IAMUser/AnomalousBehavior", "contain_credentials"),
        ("UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom", "contain_credentials"),
        ("Persistence:IAMUser/AnomalousBehavior", "contain_credentials"),
        ("UnauthorizedAccess:EC2/SSHBruteForce", "block_network_actor"),
        ("Recon:EC2/PortProbeUnprotectedPort", "block_network_actor"),
        ("Exfiltration:S3/AnomalousBehavior", "s3_exfiltration"),
        ("Impact:S3/AnomalousBehavior.Permission", "s3_exfiltration"),
        ("Policy:IAMUser/RootCredentialUsage", "root_use"),
        ("Stealth:IAMUser/CloudTrailLoggingDisabled", None),
        ("Recon:EC2/Portscan", None),
    ],
)
def test_default_playbook_of_finding_types(finding_type: str, playbook: str | None) -> None:
    assert playbook_for(finding_type, DEFAULT_PLAYBOOK_FINDING_TYPES) == playbook


def test_overlapping_config_goes_to_the_first_playbook_in_precedence_order() -> None:
    # The mapping's own order does not matter: root_use is listed first, isolate_instance wins.
    mapping: dict[PlaybookName, tuple[str, ...]] = {
        "root_use": ("*",),
        "isolate_instance": ("Trojan:EC2/*",),
    }
    assert playbook_for("Trojan:EC2/DropPoint", mapping) == "isolate_instance"
    assert playbook_for("Policy:IAMUser/RootCredentialUsage", mapping) == "root_use"
    assert playbook_for("Policy:IAMUser/RootCredentialUsage", {}) is None
