"""Adopting workload shapes never moves what is deployed: adding OU-wide entries to a config
leaves every pinned template, its StackSet and the stacks that hold them byte-identical; the
shapes' stateful resources are retained, and keys and key replicas keep the logical ids they
have in a pinned template, so an account's stack can later be imported into its shape's
StackSet (README, upgrade) without replacing a key."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_cdk import App
from conftest import EXAMPLE_CONFIG, ReferenceApp, cdk_context

from landing_zone.config import parse_config
from stacks import build_landing_zone

STATEFUL = ("AWS::KMS::Key", "AWS::KMS::ReplicaKey", "AWS::S3::Bucket", "AWS::Logs::LogGroup")
UNCHANGED_STACKS = ("acme-pay-workload-defenses", "acme-pay-accounts", "acme-pay-baselines")


def _with_ou_wide_sandbox(data: dict[str, Any]) -> dict[str, Any]:
    """The reference config, and an OU-wide VPC and AI workload for the Sandbox OU, which holds
    no pinned account."""
    data = copy.deepcopy(data)
    data["network"]["vpcs"]["sandbox"] = {"organizational_units": ["Sandbox"], "netmask": 22}
    data["network"]["ipam"] = {"pools": {"eu-west-1": {"non-production": "10.96.0.0/16"}}}
    data["ai"]["workloads"]["sandbox"] = {
        "organizational_units": ["Sandbox"],
        "training_data_buckets": ["acme-pay-sbx-training-{account_id}"],
    }
    return data


@pytest.fixture(scope="module")
def with_shapes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = _with_ou_wide_sandbox(yaml.safe_load(EXAMPLE_CONFIG.read_text()))
    # In file order: the order of some mappings (agents) is the order of their resources.
    config = parse_config(yaml.safe_dump(data, sort_keys=False), "with-shapes.yaml")
    outdir = tmp_path_factory.mktemp("with-shapes")
    app = App(outdir=str(outdir), context=cdk_context(), builtin_cloud_formation_validation=False)
    build_landing_zone(app, config)
    return Path(app.synth().directory)


def _read(directory: Path, name: str) -> dict[str, Any]:
    return json.loads((directory / name).read_text())


def _stack_set_templates(directory: Path) -> dict[str, dict[str, Any]]:
    return {p.name: _read(directory, p.name) for p in directory.glob("*.stackset.template.json")}


def test_pinned_templates_and_their_stacks_are_unchanged(
    reference_app: ReferenceApp, with_shapes: Path
) -> None:
    before = _stack_set_templates(reference_app.assembly_dir)
    after = _stack_set_templates(with_shapes)
    assert set(before) < set(after)
    for name, template in before.items():
        assert after[name] == template, name
    for stack in UNCHANGED_STACKS:
        assert _read(with_shapes, f"{stack}.template.json") == reference_app.template(stack), stack
    added = sorted(set(after) - set(before))
    # Construct path (stack id and Shape<Name><Region>) and an 8-digit hash.
    assert [name.split("Shape")[1].split(".")[0][:-8] for name in added] == [
        "AiSandboxVpcSandboxEuCentral1",
        "AiSandboxVpcSandboxEuWest1",
    ]


def test_shape_stateful_resources_are_retained(with_shapes: Path) -> None:
    shapes = {n: t for n, t in _stack_set_templates(with_shapes).items() if "Shape" in n}
    assert shapes
    kinds: set[str] = set()
    for name, template in shapes.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] in STATEFUL:
                kinds.add(resource["Type"])
                assert resource.get("DeletionPolicy") == "Retain", (name, logical_id)
                assert resource.get("UpdateReplacePolicy") == "Retain", (name, logical_id)
    assert kinds == set(STATEFUL)


def _ids(template: dict[str, Any], kind: str) -> set[str]:
    return {lid for lid, r in template["Resources"].items() if r["Type"] == kind}


def test_keys_and_replicas_keep_their_pinned_logical_ids(
    reference_app: ReferenceApp, with_shapes: Path
) -> None:
    templates = _stack_set_templates(with_shapes)

    def one(fragment: str) -> dict[str, Any]:
        (found,) = [t for n, t in templates.items() if fragment in n]
        return found

    pinned_home = one("DefensesPaymentsNonprodEuWest1")
    pinned_replicas = one("DefensesPaymentsNonprodEuCentral1")
    shape_home = one("ShapeAiSandboxVpcSandboxEuWest1")
    shape_replicas = one("ShapeAiSandboxVpcSandboxEuCentral1")
    keys = _ids(pinned_home, "AWS::KMS::Key")
    assert keys
    assert keys <= _ids(shape_home, "AWS::KMS::Key")
    assert _ids(pinned_home, "AWS::KMS::Alias") <= _ids(shape_home, "AWS::KMS::Alias")
    replicas = _ids(pinned_replicas, "AWS::KMS::ReplicaKey")
    assert replicas
    assert replicas == _ids(shape_replicas, "AWS::KMS::ReplicaKey")
    # Only the description tells a replica shape from a pinned account's replicas.
    assert {k: v for k, v in pinned_replicas.items() if k != "Description"} == {
        k: v for k, v in shape_replicas.items() if k != "Description"
    }
