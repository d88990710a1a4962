"""How the report reads an organization from templates: adopted OUs, inheritance through them,
references it cannot resolve (listed, never dropped). A hand-written assembly, no synth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.cloud_assembly_schema import Manifest
from review_report_helpers import mermaid_tree

from landing_zone.report import organization as organization_module
from landing_zone.report.assembly import load_assembly
from landing_zone.report.organization import ROOT, read_organization
from landing_zone.report.report import build_report

ADOPTED = "ou-ab12-cd34ef56"
MANAGEMENT = "111111111111"


def _policy(target: Any, guardrails: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Organizations::Policy",
        "Properties": {
            "Name": f"scp-{guardrails.replace(', ', '-')}",
            "Type": "SERVICE_CONTROL_POLICY",
            "Description": f"Guardrails: {guardrails}",
            "TargetIds": [target],
            "Content": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "x:Y"}],
            },
        },
    }


@pytest.fixture
def assembly_dir(tmp_path: Path) -> Path:
    resources = {
        "Prod": {
            "Type": "AWS::Organizations::OrganizationalUnit",
            "Properties": {"Name": "Prod", "ParentId": ADOPTED},
        },
        "WorkloadsId": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {
                "Name": "/acme/landing-zone/organizational-units/Workloads/id",
                "Type": "String",
                "Value": ADOPTED,
            },
        },
        "RootScp": _policy("r-ab12", "a, b"),
        "AdoptedScp": _policy(ADOPTED, "d"),
        "ProdScp": _policy({"Fn::GetAtt": ["Prod", "Id"]}, "c"),
        "Lost": {
            "Type": "AWS::Organizations::Account",
            "Properties": {
                "AccountName": "lost",
                "Email": "lost@example.com",
                "ParentIds": [{"Fn::ImportValue": "somewhere"}],
            },
        },
        "InRoot": {
            "Type": "AWS::Organizations::Account",
            "Properties": {"AccountName": "in-root", "Email": "in-root@example.com"},
        },
    }
    (tmp_path / "org.template.json").write_text(json.dumps({"Resources": resources}, indent=1))
    manifest = {
        "version": Manifest.version(),
        "artifacts": {
            "org": {
                "type": "aws:cloudformation:stack",
                "environment": f"aws://{MANAGEMENT}/eu-west-1",
                "properties": {"templateFile": "org.template.json"},
            }
        },
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path


def test_an_adopted_ou_is_named_from_its_parameter_and_passes_its_policies_down(
    assembly_dir: Path,
) -> None:
    organization = read_organization(load_assembly(assembly_dir))
    (prod,) = (unit for unit in organization.units.values() if unit.name == "Prod")

    assert organization.path(prod.key) == f"Workloads ({ADOPTED}, adopted)/Prod"
    assert organization.root_id == "r-ab12"
    effective = organization.effective(prod.key)["SERVICE_CONTROL_POLICY"]
    adopted = f"Workloads ({ADOPTED}, adopted)"
    assert [(where, policy.guardrails) for where, policy in effective] == [
        (ROOT, ("a", "b")),
        (adopted, ("d",)),
        (f"{adopted}/Prod", ("c",)),
    ]


def test_a_parent_it_cannot_resolve_is_listed_not_dropped(assembly_dir: Path) -> None:
    report = build_report(assembly_dir)
    tree = mermaid_tree(report.to_markdown())
    parents = {tree.labels[node]: tree.labels[tree.parents[node]] for node in tree.accounts}

    assert report.organization.unresolved == [
        'org.template.json: Resources.Lost.Properties.ParentIds: {"Fn::ImportValue": "somewhere"}'
    ]
    assert parents == {
        "lost": "parent not resolved",
        "in-root": "Root (r-ab12)",
        f"management ({MANAGEMENT})": "Root (r-ab12)",
    }
    attention = report.to_json()["attention"]
    assert [item["rule_id"] for item in attention if item["kind"] == "organization"] == [
        "unresolved-reference"
    ]


def test_a_tree_too_large_for_mermaid_counts_accounts_in_their_ou(
    assembly_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    organization = read_organization(load_assembly(assembly_dir))
    monkeypatch.setattr(organization_module, "MERMAID_MAX_EDGES", len(organization.units))

    text = organization_module.mermaid(organization)

    assert "acct" not in text
    assert text.count(" --> ") == len(organization.units)
    assert 'root["Root (r-ab12)<br>2 accounts"]' in text
