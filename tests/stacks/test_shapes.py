"""One StackSet per workload shape and region: the template count does not grow with the
accounts, shared templates name no account, every StackSet is retained, adding an account
changes nobody else's template and moves nothing between stacks, and the StackSets aim as the
planner says."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_cdk import App
from conftest import EXAMPLE_CONFIG, cdk_context

from landing_zone.compliance import violations
from landing_zone.config import LandingZoneConfig, parse_config
from landing_zone.config.shapes import workload_plan
from scripts.generate_org import generate_config, render
from scripts.lint_templates import lint
from stacks import build_landing_zone
from stacks.defense_stacks import WorkloadShapesStack

SMALL, LARGE = 40, 80
SHAPES_STACK = "acme-pay-workload-shapes"
STACK_SET = "AWS::CloudFormation::StackSet"


@dataclass
class Synthesized:
    config: LandingZoneConfig
    app: App
    stacks: dict[str, Any]
    directory: Path

    def templates(self, pattern: str = "*.template.json") -> dict[str, dict[str, Any]]:
        return {path.name: json.loads(path.read_text()) for path in self.directory.glob(pattern)}

    def stack_set_templates(self) -> dict[str, dict[str, Any]]:
        return self.templates("*.stackset.template.json")

    def stack_sets(self) -> dict[str, dict[str, Any]]:
        """StackSet name -> its resource, over every stack."""
        return {
            resource["Properties"]["StackSetName"]: resource
            for name, template in self.templates().items()
            if not name.endswith(".stackset.template.json")
            for resource in template.get("Resources", {}).values()
            if resource["Type"] == STACK_SET
        }


def _synth(raw: dict[str, Any], outdir: Path) -> Synthesized:
    return _synth_config(parse_config(render(raw), "<generated>"), outdir)


def _synth_config(config: LandingZoneConfig, outdir: Path) -> Synthesized:
    app = App(outdir=str(outdir), context=cdk_context(), builtin_cloud_formation_validation=False)
    stacks = build_landing_zone(app, config)
    assembly = app.synth()
    return Synthesized(config, app, {s.stack_name: s for s in stacks}, Path(assembly.directory))


def _with_one_more_account(raw: dict[str, Any]) -> dict[str, Any]:
    """The same organization and one more production application account."""
    grown = json.loads(json.dumps(raw))
    grown["accounts"]["payments-app999-prod"] = {
        "email": "aws-payments-app999-prod@acme-pay.example",
        "ou": "Workloads/Payments/Prod",
        "id": "100000009999",
    }
    return grown


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return _synth(generate_config(SMALL), tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return _synth(generate_config(LARGE), tmp_path_factory.mktemp("large"))


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return _synth(_with_one_more_account(generate_config(SMALL)), tmp_path_factory.mktemp("grown"))


def test_stack_set_template_count_does_not_grow_with_accounts(
    small: Synthesized, large: Synthesized
) -> None:
    assert len(large.config.accounts) == 2 * len(small.config.accounts)
    assert sorted(small.stack_set_templates()) == sorted(large.stack_set_templates())
    # The baseline, 8 shapes (4 with their key replicas), 5 pinned (edge, agents).
    assert len(small.stack_set_templates()) == 14
    assert sorted(small.stack_sets()) == sorted(large.stack_sets())


def test_shape_templates_name_no_account(large: Synthesized) -> None:
    config = large.config
    core = set(config.core_accounts.model_dump().values())
    members = {name: a.id for name, a in config.accounts.items() if name not in core}
    shapes = {n: t for n, t in large.stack_set_templates().items() if "Shape" in n}
    assert len(shapes) == 8
    for name, template in shapes.items():
        text = json.dumps(template)
        ids = sorted(set(re.findall(r"(?<![0-9])[0-9]{12}(?![0-9])", text)) & set(members.values()))
        names = sorted(n for n in members if n in text)
        assert (ids, names) == ([], []), name


def test_shape_templates_read_account_and_range_at_deploy_time(large: Synthesized) -> None:
    template = large.stack_set_templates()[
        next(n for n in large.stack_set_templates() if "ShapeVpcProdEuWest1" in n)
    ]
    (vpc,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::EC2::VPC"]
    assert "CidrBlock" not in vpc["Properties"]
    assert vpc["Properties"]["Ipv4NetmaskLength"] == 20
    assert "Fn::GetAtt" in vpc["Properties"]["Ipv4IpamPoolId"]
    subnets = [r for r in template["Resources"].values() if r["Type"] == "AWS::EC2::Subnet"]
    assert subnets
    assert all("Fn::Select" in s["Properties"]["CidrBlock"] for s in subnets)
    assert "workload shape vpc-prod in eu-west-1" in template["Description"]


def test_every_stack_set_is_retained(large: Synthesized) -> None:
    stack_sets = large.stack_sets()
    assert len(stack_sets) == 14
    for name, resource in stack_sets.items():
        assert resource.get("DeletionPolicy") == "Retain", name
        assert resource.get("UpdateReplacePolicy") == "Retain", name


def test_shapes_aim_at_whole_ous_or_listed_accounts(large: Synthesized) -> None:
    stack_sets = large.stack_sets()
    plan = workload_plan(large.config)
    for shape in plan.shapes.values():
        resource = stack_sets[shape.stack_set_name("acme-pay")]
        properties = resource["Properties"]
        (group,) = properties["StackInstancesGroup"]
        targets = group["DeploymentTargets"]
        assert group["Regions"] == [shape.region]
        assert len(targets["OrganizationalUnitIds"]) == len(shape.organizational_units)
        if shape.ou_wide:
            assert targets["AccountFilterType"] == "NONE"
            assert "Accounts" not in targets
            assert properties["AutoDeployment"]["Enabled"] is True
            # An account that leaves the OUs keeps its stack (its flow logs and network ACLs).
            assert properties["AutoDeployment"]["RetainStacksOnAccountRemoval"] is True
        else:
            assert targets["AccountFilterType"] == "INTERSECTION"
            ids = [large.config.accounts[a].id for a in shape.accounts]
            assert sorted(targets["Accounts"]) == sorted(ids)
            assert properties["AutoDeployment"]["Enabled"] is False
    # The edge account is pinned in a production business unit, so that shape lists accounts;
    # the AI OUs hold nothing else.
    assert not plan.shapes[("vpc-prod", "eu-west-1")].ou_wide
    assert plan.shapes[("ai-ml-nonprod", "eu-west-1")].ou_wide


def test_replica_shapes_wait_for_their_primary_keys(large: Synthesized) -> None:
    template = large.templates()[f"{SHAPES_STACK}.template.json"]
    by_name = {
        r["Properties"]["StackSetName"]: (lid, r)
        for lid, r in template["Resources"].items()
        if r["Type"] == STACK_SET
    }
    primary_id, _ = by_name["acme-pay-shape-ai-ml-nonprod-eu-west-1"]
    _, replica = by_name["acme-pay-shape-ai-ml-nonprod-eu-central-1"]
    assert primary_id in replica["DependsOn"]
    (arn,) = replica["Properties"]["AutoDeployment"]["DependsOn"]
    assert arn["Fn::Sub"][1] == {"Id": {"Ref": primary_id}}
    assert ":stackset/${Id}" in arn["Fn::Sub"][0]


def test_adding_an_account_changes_no_template_and_moves_nothing(
    small: Synthesized, grown: Synthesized
) -> None:
    before, after = small.stack_set_templates(), grown.stack_set_templates()
    assert sorted(before) == sorted(after)
    for name, template in before.items():
        assert after[name] == template, name
    ids_before = {n: set(t.get("Resources", {})) for n, t in small.templates().items()}
    ids_after = {n: set(t.get("Resources", {})) for n, t in grown.templates().items()}
    assert sorted(ids_before) == sorted(ids_after)
    # Nothing leaves a stack (that would be a move, or a deletion).
    left = {n: sorted(ids_before[n] - ids_after[n]) for n in ids_before}
    assert {n: gone for n, gone in left.items() if gone} == {}
    # The new account joined its shape's list; no other StackSet changed.
    changed = {
        name
        for name, resource in grown.stack_sets().items()
        if small.stack_sets()[name] != resource
    }
    assert changed == {"acme-pay-shape-vpc-prod-eu-west-1", "acme-pay-shape-vpc-prod-eu-central-1"}


def test_shapes_stack_and_a_shape_template_pass_the_checks(small: Synthesized) -> None:
    stack = small.stacks[SHAPES_STACK]
    assert isinstance(stack, WorkloadShapesStack)
    assert violations(stack) == {}
    template = stack.templates[("ai-ml-prod-vpc-prod", "eu-west-1")]
    assert violations(template) == {}


def test_network_account_holds_the_ipam_shared_per_environment(small: Synthesized) -> None:
    template = small.templates()["acme-pay-network-eu-west-1.template.json"]
    types = [r["Type"] for r in template["Resources"].values()]
    assert types.count("AWS::EC2::IPAM") == 1
    assert types.count("AWS::RAM::ResourceShare") == 2
    shares = [r for r in template["Resources"].values() if r["Type"] == "AWS::RAM::ResourceShare"]
    # Created OUs' ids are not known in the network account: the organization's ARN.
    assert all(
        s["Properties"]["Principals"]
        == ["arn:aws:organizations::111111111111:organization/o-a1b2c3d4e5"]
        for s in shares
    )
    organization = json.dumps(small.templates()["acme-pay-organization.template.json"])
    assert "enableIpamOrganizationAdminAccount" in organization


def test_each_shape_reaches_exactly_its_accounts_in_the_attack_world(small: Synthesized) -> None:
    # The attack suite's world expands every StackSet by its OUs and account filter, as
    # CloudFormation would, over the config's OU tree: each shape's instances must be its
    # accounts, whole OUs or filtered, and no account may get two templates in a region.
    sys.path.insert(0, str(Path(__file__).parents[1] / "attack"))
    from world import build_world

    world = build_world(small.config, small.directory)
    reached: dict[str, set[str]] = {}
    for instance in world.instances:
        reached.setdefault(instance.label, set()).add(instance.account)
    plan = workload_plan(small.config)
    for shape in plan.shapes.values():
        expected = {str(small.config.accounts[a].id) for a in shape.accounts}
        assert reached[shape.stack_set_name("acme-pay")] == expected, shape.name
    placed = [
        (instance.account, instance.region)
        for instance in world.instances
        if instance.label.startswith(("acme-pay-shape-", "acme-pay-defenses-"))
    ]
    assert len(placed) == len(set(placed))


def test_cfn_lint_accepts_the_shapes_the_ipam_and_a_pinned_template(
    small: Synthesized, tmp_path: Path
) -> None:
    # CDK's built-in validation is off: cfn-lint is what would catch a property CloudFormation
    # rejects (AutoDeployment.DependsOn, the IPAM pools and shares, a VPC without CidrBlock).
    wanted = [
        f"{SHAPES_STACK}.template.json",
        "acme-pay-network-eu-west-1.template.json",
        *(n for n in small.stack_set_templates() if "Shape" in n or "PaymentsApp001" in n),
    ]
    for name in wanted:
        (tmp_path / name).write_text((small.directory / name).read_text())
    result = lint(tmp_path)
    assert len(result.templates) == 2 + 8 + 3
    assert result.problems == []


def test_a_listed_shape_waits_for_the_ids_of_accounts_yet_to_be_created() -> None:
    # A second production application, just added (no id yet), beside the pinned payments-prod:
    # the shape lists its accounts, and an account without an id cannot be listed. A StackSet
    # without its list would take the whole OU, payments-prod included.
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    data["network"]["vpcs"]["prod"] = {"organizational_units": ["Workloads/Prod"], "netmask": 20}
    data["network"]["ipam"] = {"pools": {"eu-west-1": {"production": "10.128.0.0/12"}}}
    data["accounts"]["payments-two"] = {"email": "p2@acme-pay.example", "ou": "Workloads/Prod"}
    config = parse_config(yaml.safe_dump(data, sort_keys=False), "new-account.yaml")
    plan = workload_plan(config)
    shape = plan.shapes[("vpc-prod", "eu-west-1")]
    assert (shape.accounts, shape.ou_wide) == (("payments-two",), False)
    stack = WorkloadShapesStack(
        App(context=cdk_context()), "Shapes", config=config, shapes=plan.shapes
    )
    assert stack.stack_sets == {}
    data["accounts"]["payments-two"]["id"] = "121212121212"
    config = parse_config(yaml.safe_dump(data, sort_keys=False), "created.yaml")
    plan = workload_plan(config)
    stack = WorkloadShapesStack(
        App(context=cdk_context()), "Shapes", config=config, shapes=plan.shapes
    )
    assert sorted(stack.stack_sets) == [("vpc-prod", "eu-central-1"), ("vpc-prod", "eu-west-1")]


def test_the_ipam_gets_a_network_stack_even_without_network_layers(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    del data["network"]["vpcs"]["shared"]
    data["network"]["vpcs"]["sandbox"] = {"organizational_units": ["Sandbox"], "netmask": 22}
    data["network"]["ipam"] = {"pools": {"eu-west-1": {"non-production": "10.96.0.0/16"}}}
    synthesized = _synth_config(parse_config(yaml.safe_dump(data, sort_keys=False), "x"), tmp_path)
    template = synthesized.templates()["acme-pay-network-eu-west-1.template.json"]
    assert [r["Type"] for r in template["Resources"].values()].count("AWS::EC2::IPAM") == 1
    # The shapes wait for the pools.
    manifest = json.loads((synthesized.directory / "manifest.json").read_text())
    dependencies = manifest["artifacts"][SHAPES_STACK]["dependencies"]
    assert "acme-pay-network-eu-west-1" in dependencies
