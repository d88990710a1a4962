"""The review report of the reference landing zone: tree, inheritance, limits, determinism."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ReferenceApp
from review_report_helpers import FILES, Written, mermaid_tree, run_report

from landing_zone.compliance import pci_dss
from landing_zone.config import ROOT, LandingZoneConfig
from landing_zone.report.limits import Usage
from landing_zone.report.organization import MANAGEMENT_ACCOUNT_NAME

SCP = "SERVICE_CONTROL_POLICY"


@pytest.fixture(scope="module")
def written(reference_app: ReferenceApp, tmp_path_factory: pytest.TempPathFactory) -> Written:
    out = tmp_path_factory.mktemp("report")
    status, _, _ = run_report(None, str(reference_app.assembly_dir), "--out", str(out))
    assert status == 0
    return Written(out, "")


def _templates(assembly_dir: Path) -> dict[str, dict[str, Any]]:
    return {
        path.name: json.loads(path.read_text())
        for path in sorted(assembly_dir.glob("*.template.json"))
    }


def _policies(assembly_dir: Path, policy_type: str) -> list[dict[str, Any]]:
    return [
        resource["Properties"]
        for template in _templates(assembly_dir).values()
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Organizations::Policy"
        and resource["Properties"]["Type"] == policy_type
    ]


def test_the_tree_holds_every_ou_and_account_of_the_config(
    written: Written, example_config: LandingZoneConfig
) -> None:
    tree = mermaid_tree(written.markdown)
    ou_paths = {tree.path(node) for node in tree.labels if node not in tree.accounts} - {""}
    accounts = {
        tree.labels[node].split(" (")[0]: (tree.path(tree.parents[node]) or ROOT, tree.labels[node])
        for node in tree.accounts
    }

    # The management account is adopted, never created: the templates give its id (the
    # organization stack's account), not its name.
    management = example_config.core_accounts.management
    expected = {
        MANAGEMENT_ACCOUNT_NAME if name == management else name: account
        for name, account in example_config.accounts.items()
    }

    assert ou_paths == set(example_config.organizational_units)
    assert set(accounts) == set(expected)
    assert accounts[MANAGEMENT_ACCOUNT_NAME][1] == (
        f"{MANAGEMENT_ACCOUNT_NAME} ({example_config.accounts[management].id})"
    )
    for name, account in expected.items():
        parent, label = accounts[name]
        assert parent == account.ou, name
        # An id shown is the config's (the templates pair ids with emails in Macie's members).
        if "(" in label:
            assert label == f"{name} ({account.id})"
    assert f'root["Root ({example_config.organization.root_id})"]' in written.markdown


def test_a_nested_ou_inherits_the_guardrails_of_root_and_its_parent(
    written: Written, example_config: LandingZoneConfig
) -> None:
    configured = example_config.guardrails.service_control_policies
    nested = sorted(path for path in example_config.organizational_units if "/" in path)
    assert nested, "the example organization has no nested OU"
    units = {unit["path"]: unit for unit in written.json["organization"]["organizational_units"]}
    for path in nested:
        levels = [ROOT, *("/".join(path.split("/")[: i + 1]) for i in range(path.count("/") + 1))]
        expected = {name for level in levels for name in configured.get(level, [])}
        effective = units[path]["effective_policies"][SCP]

        assert {name for entry in effective for name in entry["guardrails"]} == expected, path
        assert {
            name for e in effective if e["attached_to"] == ROOT for name in e["guardrails"]
        } == (set(configured[ROOT]))
        # Root's first, the OU's own last: the order in which they narrow what is allowed.
        order = [levels.index(entry["attached_to"]) for entry in effective]
        assert order == sorted(order)


def test_resources_and_template_sizes_are_those_of_the_files(
    written: Written, reference_app: ReferenceApp
) -> None:
    limits = written.json["limits"]
    templates = _templates(reference_app.assembly_dir)

    # Every template of the folder, StackSet templates included, and nothing else.
    assert {row["subject"]: row["used"] for row in limits["resources_per_template"]} == {
        name: len(body["Resources"]) for name, body in templates.items()
    }
    assert any(name.endswith(".stackset.template.json") for name in templates)
    assert {row["subject"]: row["used"] for row in limits["template_bytes"]} == {
        name: (reference_app.assembly_dir / name).stat().st_size for name in templates
    }
    assert {row["limit"] for row in limits["resources_per_template"]} == {500}
    assert {row["limit"] for row in limits["template_bytes"]} == {1_000_000}


def test_policy_sizes_are_their_minified_content(
    written: Written, reference_app: ReferenceApp
) -> None:
    expected = {
        properties["Name"]: len(json.dumps(properties["Content"], separators=(",", ":")))
        for policy_type in (SCP, "RESOURCE_CONTROL_POLICY")
        for properties in _policies(reference_app.assembly_dir, policy_type)
    }
    rows = written.json["limits"]["policy_characters"]

    assert {row["subject"]: row["used"] for row in rows} == expected
    assert {row["limit"] for row in rows} == {5120}


def test_policies_per_target_count_the_managed_full_access_policy(
    written: Written, reference_app: ReferenceApp, example_config: LandingZoneConfig
) -> None:
    scps = _policies(reference_app.assembly_dir, SCP)
    rows = {
        row["subject"]: row["used"]
        for row in written.json["limits"]["policies_per_target"]
        if row["measure"] == "SCPs attached"
    }
    root_id = example_config.organization.root_id

    assert rows[ROOT] == 1 + sum(root_id in scp["TargetIds"] for scp in scps)
    for name, account in example_config.accounts.items():
        attached = sum(account.id in scp["TargetIds"] for scp in scps)
        if attached:
            assert rows[f"account {name} ({account.id})"] == 1 + attached
    ou_rows = {row for row in rows if row != ROOT and not row.startswith("account ")}
    assert ou_rows == set(example_config.organizational_units)


def test_what_is_above_90_percent_is_flagged_and_needs_attention(written: Written) -> None:
    limits = written.json["limits"]
    rows = [row for key, value in limits.items() if isinstance(value, list) for row in value]
    attention = written.markdown.split("## Needs attention", 1)[1].split("\n## ", 1)[0]

    for row in rows:
        assert row["flagged"] == (row["used"] / row["limit"] > 0.9), row
        if row["flagged"]:
            assert f"{row['subject']} (" in attention, row
    assert Usage("t", "resources", 451, 500).flagged
    assert not Usage("t", "resources", 450, 500).flagged


def test_the_pci_dss_section_is_the_coverage_of_the_assembly(
    written: Written, reference_app: ReferenceApp
) -> None:
    coverage = pci_dss.coverage(reference_app.assembly_dir)

    assert written.json["pci_dss"] == json.loads(json.dumps(coverage.to_json()))
    assert coverage.to_markdown().strip() in written.markdown


def test_two_runs_write_the_same_bytes(
    written: Written, reference_app: ReferenceApp, tmp_path: Path
) -> None:
    status, _, _ = run_report(None, str(reference_app.assembly_dir), "--out", str(tmp_path))

    assert status == 0
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (written.folder / name).read_bytes(), name
