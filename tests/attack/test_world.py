"""The policy world the attack suite evaluates: extracted from the synthesized templates, with
intrinsics resolved and nothing silently guessed."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ReferenceApp
from world import Instance, UnresolvableError, World, build_world, generated_name, resource_tags


@pytest.fixture(scope="module")
def world(reference_app: ReferenceApp) -> World:
    return build_world(reference_app.config, reference_app.assembly_dir)


def test_accounts_sit_under_their_ous(world: World) -> None:
    payments_prod = world.accounts["payments-prod"]
    assert world.chain(payments_prod) == [
        world.root_id,
        world.ou_ids["Workloads"],
        world.ou_ids["Workloads/Prod"],
        payments_prod,
    ]


def test_management_account_gets_no_scp_nor_rcp(world: World) -> None:
    assert world.org_policies(world.management, "scp") == []
    assert world.org_policies(world.management, "rcp") == []
    levels = world.org_policies(world.accounts["sandbox"], "scp")
    assert [level["orgIdentifier"] for level in levels] == world.chain(world.accounts["sandbox"])
    assert all(level["policies"][0]["name"] == "FullAWSAccess" for level in levels)


def test_baseline_stackset_reaches_every_account_of_its_ous_in_every_region(world: World) -> None:
    baseline = {
        (i.account, i.region) for i in world.instances if i.label.endswith("account-baseline")
    }
    config = world.config
    expected = {
        (str(a.id), region)
        for a in config.accounts.values()
        if a.ou.split("/")[0] in config.baselines.organizational_units
        for region in config.organization.governed_regions
    }
    assert baseline == expected


def test_permission_sets_reach_the_accounts_they_are_assigned_to(world: World) -> None:
    assert world.assignments["DataScientist"] == {world.accounts["ml-nonprod"]}
    assert world.accounts["management"] in world.assignments["BreakGlass"]


def test_policies_are_concrete(world: World) -> None:
    def walk(value: Any) -> None:
        if isinstance(value, dict):
            assert not any(k == "Ref" or k.startswith("Fn::") for k in value), value
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for role in world.roles.values():
        walk([role.trust, role.policies, role.boundary])
    walk(list(world.resource_policies.values()))
    walk(list(world.endpoint_policies.values()))
    walk(list(world.permission_sets.values()))


def test_resources_without_a_name_get_the_one_cloudformation_generates(world: World) -> None:
    name = generated_name("StackSet-acme-pay-account-baseline-1234", "HandlerFunction0A1B2C3D")
    assert name.startswith("StackSet-acme-pay-account-baseline-1234-HandlerFunc")
    assert len(name) == 64
    unnamed = [
        (arn, instance)
        for arn, (kind, instance, logical_id) in world.inventory.items()
        if kind == "AWS::Lambda::Function"
        and "FunctionName" not in instance.resources[logical_id].get("Properties", {})
    ]
    assert unnamed, "the reference app has a function without a name (the CDK's own providers)"
    for arn, instance in unnamed:
        assert arn.split(":function:")[1].startswith(instance.stack_name[:20])


def test_cloudformation_tags_are_known(world: World) -> None:
    (arn,) = [a for a, (kind, _, _) in world.inventory.items() if kind == "AWS::EC2::NetworkAcl"][
        :1
    ]
    tags = resource_tags(world, arn)
    assert tags["aws:cloudformation:stack-name"].startswith("StackSet-") or tags[
        "aws:cloudformation:stack-name"
    ].startswith(world.config.organization.name)
    assert resource_tags(world, "arn:aws:s3:::not-in-the-templates") == {}


@pytest.mark.parametrize(
    "value",
    [
        {"Fn::ImportValue": "x"},
        {"Ref": "NoSuchResource"},
        {"Fn::GetAtt": ["NoSuchResource", "Arn"]},
    ],
)
def test_what_cannot_be_resolved_fails_loudly(world: World, value: Any) -> None:
    instance = Instance("probe", {"Resources": {}}, "111111111111", "eu-west-1", "probe", world)
    with pytest.raises(UnresolvableError):
        instance.resolve(value)
