"""The organization stack: OUs parents-first and serialized, their ids in SSM, policies where
the config attaches them, and no CloudFormation exports anywhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_cdk import App, Stack
from aws_cdk.assertions import Template
from conftest import EXAMPLE_CONFIG, ReferenceApp, cdk_context, logical_id_of

from landing_zone.config import ROOT, ConfigError, LandingZoneConfig, parse_config
from landing_zone.config.guardrails import scp_parameters
from landing_zone.organization import (
    GUARDRAILS,
    PolicyType,
    ai_services_opt_out_policy,
    data_classification_tag_policy,
    pack_guardrails,
)
from stacks import build_landing_zone
from stacks.naming import sdk_call_role_name
from stacks.organization_stack import OrganizationStack

ROOT_ID = "r-a1b2"
ADOPTED_WORKLOADS = "ou-a1b2-c3d4e5f6"
PAYMENTS_PROD_ID = "666666666666"
OU = "AWS::Organizations::OrganizationalUnit"
POLICY = "AWS::Organizations::Policy"

Resources = dict[str, dict[str, Any]]


def example_dict() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    return data


def variant(edit: Callable[[dict[str, Any]], None]) -> LandingZoneConfig:
    data = example_dict()
    edit(data)
    return parse_config(yaml.safe_dump(data), "t.yaml")


def _of_type(resources: Resources, kind: str) -> Resources:
    return {lid: r for lid, r in resources.items() if r["Type"] == kind}


def _ou_paths(resources: Resources) -> dict[str, str]:
    """OU path -> logical id, rebuilt from Name and ParentId of the created OUs."""
    pending = _of_type(resources, OU)
    paths: dict[str, str] = {}
    path_of_parent = {ROOT_ID: ""}
    while pending:
        placed = False
        for logical_id, ou in list(pending.items()):
            parent = ou["Properties"]["ParentId"]
            key = parent["Fn::GetAtt"][0] if isinstance(parent, dict) else parent
            if key in path_of_parent:
                name = ou["Properties"]["Name"]
                path = f"{path_of_parent[key]}/{name}" if path_of_parent[key] else name
                paths[path] = logical_id
                path_of_parent[logical_id] = path
                del pending[logical_id]
                placed = True
        assert placed, f"OUs under no known parent: {sorted(pending)}"
    return paths


def _creation_order(resources: Resources) -> list[str]:
    """The created OUs along their DependsOn chain; fails unless they form one chain."""
    ous = _of_type(resources, OU)
    waits_for = {lid: [d for d in ou.get("DependsOn", []) if d in ous] for lid, ou in ous.items()}
    first = [lid for lid, deps in waits_for.items() if not deps]
    assert len(first) == 1, first
    assert all(len(deps) == 1 for lid, deps in waits_for.items() if lid != first[0])
    next_of = {deps[0]: lid for lid, deps in waits_for.items() if deps}
    assert len(next_of) == len(ous) - 1, "two OUs wait for the same one"
    order = [first[0]]
    while order[-1] in next_of:
        order.append(next_of[order[-1]])
    assert sorted(order) == sorted(ous)
    return order


def _policies(resources: Resources) -> dict[str, dict[str, Any]]:
    """Policy name -> properties and DependsOn."""
    return {
        r["Properties"]["Name"]: {**r["Properties"], "DependsOn": r.get("DependsOn", [])}
        for r in _of_type(resources, POLICY).values()
    }


def _enabling(stack: OrganizationStack, policy_type: PolicyType) -> str:
    return logical_id_of(stack.policy_types.of(policy_type))


def _get_att(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Id"]}


# --- the reference organization ------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_stack(reference_app: ReferenceApp) -> OrganizationStack:
    stack = reference_app.stacks["acme-pay-organization"]
    assert isinstance(stack, OrganizationStack)
    return stack


@pytest.fixture(scope="module")
def reference(reference_app: ReferenceApp) -> Resources:
    return dict(reference_app.template("acme-pay-organization")["Resources"])


def test_every_ou_of_the_config_is_created_under_its_parent(reference, example_config) -> None:
    paths = _ou_paths(reference)
    assert sorted(paths) == sorted(example_config.organizational_units)
    for path, logical_id in paths.items():
        properties = reference[logical_id]["Properties"]
        parent = path.rsplit("/", 1)[0] if "/" in path else None
        assert properties["Name"] == path.rsplit("/", 1)[-1]
        # A child references its parent's resource, so CloudFormation creates the parent first.
        assert properties["ParentId"] == (_get_att(paths[parent]) if parent else ROOT_ID), path


def test_ous_are_created_one_at_a_time_parents_first(reference) -> None:
    order = _creation_order(reference)
    for position, logical_id in enumerate(order):
        parent = reference[logical_id]["Properties"]["ParentId"]
        if isinstance(parent, dict):
            assert order.index(parent["Fn::GetAtt"][0]) < position, logical_id


def test_ous_are_retained(reference) -> None:
    for logical_id, ou in _of_type(reference, OU).items():
        assert ou["DeletionPolicy"] == ou["UpdateReplacePolicy"] == "Retain", logical_id


def test_every_created_ou_publishes_its_id_in_ssm(reference) -> None:
    parameters = {
        r["Properties"]["Name"]: r["Properties"]["Value"]
        for r in _of_type(reference, "AWS::SSM::Parameter").values()
    }
    expected = {
        f"/acme-pay/landing-zone/organizational-units/{path}/id": _get_att(logical_id)
        for path, logical_id in _ou_paths(reference).items()
    }
    assert parameters == expected


def test_stack_exposes_the_id_of_every_ou(reference_stack, reference) -> None:
    paths = _ou_paths(reference)
    resolved = {
        path: reference_stack.resolve(ou_id)
        for path, ou_id in reference_stack.organizational_unit_ids.items()
    }
    assert resolved == {path: _get_att(logical_id) for path, logical_id in paths.items()}


def test_every_policy_type_is_enabled_on_the_root(reference_stack, reference) -> None:
    for policy_type in PolicyType:
        call = json.loads(
            reference[_enabling(reference_stack, policy_type)]["Properties"]["Create"]
        )
        assert call["parameters"] == {"RootId": ROOT_ID, "PolicyType": policy_type.value}


def test_stacksets_trusted_access_is_activated(reference_stack, reference) -> None:
    resource = reference[logical_id_of(reference_stack.stack_sets_trusted_access.resource)]
    assert json.loads(resource["Properties"]["Create"])["action"] == "activateOrganizationsAccess"


def test_scps_attach_where_the_config_says(reference_stack, reference, example_config) -> None:
    paths = _ou_paths(reference)
    policies = _policies(reference)
    attachments = example_config.guardrails.service_control_policies
    scps = {name: p for name, p in policies.items() if p["Type"] == "SERVICE_CONTROL_POLICY"}
    expected_names = set()
    for target, names in attachments.items():
        parts = pack_guardrails(names, scp_parameters(example_config), catalog=GUARDRAILS)
        if target == ROOT:
            slug, target_id = "root", ROOT_ID
        elif target in example_config.accounts:
            slug, target_id = f"account-{target}", example_config.accounts[target].id
        else:
            slug, target_id = f"ou-{target}", _get_att(paths[target])
        for slot in range(1, len(parts) + 1):
            name = f"acme-pay-scp-{slug}-{slot}"
            expected_names.add(name)
            assert scps[name]["TargetIds"] == [target_id], name
    assert set(scps) == expected_names
    assert {"acme-pay-scp-root-1", "acme-pay-scp-root-2"} <= expected_names


def test_rcps_attach_to_the_root(reference) -> None:
    rcps = {
        name: p
        for name, p in _policies(reference).items()
        if p["Type"] == "RESOURCE_CONTROL_POLICY"
    }
    assert {name: p["TargetIds"] for name, p in rcps.items()} == {"acme-pay-rcp-root-1": [ROOT_ID]}


def test_every_policy_waits_for_its_policy_type(reference_stack, reference) -> None:
    policies = _policies(reference)
    assert len(policies) >= 4
    for name, policy in policies.items():
        enabling = _enabling(reference_stack, PolicyType(policy["Type"]))
        assert enabling in policy["DependsOn"], name


def test_ai_opt_out_and_tag_policy_target_the_root(reference, example_config) -> None:
    policies = _policies(reference)
    opt_out = policies["acme-pay-ai-services-opt-out"]
    assert opt_out["Type"] == "AISERVICES_OPT_OUT_POLICY"
    assert opt_out["TargetIds"] == [ROOT_ID]
    assert opt_out["Content"] == ai_services_opt_out_policy()
    tags = policies["acme-pay-data-classification-tags"]
    assert tags["Type"] == "TAG_POLICY"
    assert tags["TargetIds"] == [ROOT_ID]
    values = example_config.guardrails.tag_policy.data_classification_values
    assert tags["Content"] == data_classification_tag_policy(allowed_values=values)


def test_no_template_exports_or_imports_values(reference_app: ReferenceApp) -> None:
    templates = sorted(Path(reference_app.assembly_dir).glob("*.template.json"))
    assert len(templates) >= len(reference_app.stacks)
    for template in templates:
        text = template.read_text()
        assert "Fn::ImportValue" not in text, template.name
        outputs = json.loads(text).get("Outputs", {})
        assert not [o for o in outputs.values() if "Export" in o], template.name


# --- adopted OUs, account targets, management policies switched off -------------------------


def _adopt_and_attach(data: dict[str, Any]) -> None:
    ous = data["organizational_units"]
    ous["Workloads"] = {"id": ADOPTED_WORKLOADS}
    ous["Workloads/Prod/Cards"] = {}
    guardrails = data["guardrails"]
    guardrails["service_control_policies"]["Workloads"] = ["require-imdsv2"]
    guardrails["service_control_policies"]["payments-prod"] = [
        "deny-disable-ebs-default-encryption"
    ]
    guardrails["service_control_policies"]["Workloads/Prod/Cards"] = [
        "protect-s3-block-public-access"
    ]
    guardrails["resource_control_policies"]["Workloads/Prod"] = ["enforce-tls"]
    guardrails["ai_services_opt_out"] = {"enabled": False}
    guardrails["tag_policy"]["targets"] = ["Workloads/Prod", "Workloads"]


@pytest.fixture(scope="module")
def adopted_app() -> list[Stack]:
    return build_landing_zone(App(context=cdk_context()), variant(_adopt_and_attach))


@pytest.fixture(scope="module")
def adopted_stack(adopted_app: list[Stack]) -> OrganizationStack:
    stack = adopted_app[0]
    assert isinstance(stack, OrganizationStack)
    return stack


@pytest.fixture(scope="module")
def adopted(adopted_stack: OrganizationStack) -> Resources:
    return dict(Template.from_stack(adopted_stack).to_json()["Resources"])


def test_adopted_ou_is_not_created(adopted) -> None:
    names = [ou["Properties"]["Name"] for ou in _of_type(adopted, OU).values()]
    assert "Workloads" not in names
    created = ["Security", "Infrastructure", "Prod", "NonProd", "Cards", "AI", "Prod", "NonProd"]
    assert sorted(names) == sorted([*created, "Sandbox", "Suspended"])
    parameters = [
        r["Properties"]["Name"] for r in _of_type(adopted, "AWS::SSM::Parameter").values()
    ]
    assert "/acme-pay/landing-zone/organizational-units/Workloads/id" not in parameters
    assert "/acme-pay/landing-zone/organizational-units/Workloads/Prod/Cards/id" in parameters
    assert len(parameters) == len(names)


def test_children_of_an_adopted_ou_use_its_id(adopted_stack, adopted) -> None:
    ids = adopted_stack.organizational_unit_ids
    assert ids["Workloads"] == ADOPTED_WORKLOADS
    for child in ("Workloads/Prod", "Workloads/NonProd"):
        assert adopted[_logical_id_of_ou(adopted_stack, child)]["Properties"]["ParentId"] == (
            ADOPTED_WORKLOADS
        )
    cards = adopted[_logical_id_of_ou(adopted_stack, "Workloads/Prod/Cards")]["Properties"]
    assert cards["ParentId"] == _get_att(_logical_id_of_ou(adopted_stack, "Workloads/Prod"))


def _logical_id_of_ou(stack: OrganizationStack, path: str) -> str:
    resolved = stack.resolve(stack.organizational_unit_ids[path])
    assert isinstance(resolved, dict), path
    return str(resolved["Fn::GetAtt"][0])


def test_creation_chain_skips_adopted_ous(adopted) -> None:
    order = _creation_order(adopted)
    assert len(order) == 10


def test_policies_attach_to_adopted_ous_created_ous_and_accounts(adopted_stack, adopted) -> None:
    policies = _policies(adopted)
    prod = _get_att(_logical_id_of_ou(adopted_stack, "Workloads/Prod"))
    cards = _get_att(_logical_id_of_ou(adopted_stack, "Workloads/Prod/Cards"))
    assert policies["acme-pay-scp-ou-Workloads-1"]["TargetIds"] == [ADOPTED_WORKLOADS]
    assert policies["acme-pay-scp-account-payments-prod-1"]["TargetIds"] == [PAYMENTS_PROD_ID]
    assert policies["acme-pay-scp-ou-Workloads/Prod/Cards-1"]["TargetIds"] == [cards]
    assert policies["acme-pay-rcp-ou-Workloads/Prod-1"]["Type"] == "RESOURCE_CONTROL_POLICY"
    assert policies["acme-pay-rcp-ou-Workloads/Prod-1"]["TargetIds"] == [prod]
    for name, policy in policies.items():
        enabling = _enabling(adopted_stack, PolicyType(policy["Type"]))
        assert enabling in policy["DependsOn"], name


def test_disabled_ai_opt_out_creates_no_policy(adopted) -> None:
    types = [p["Type"] for p in _policies(adopted).values()]
    assert "AISERVICES_OPT_OUT_POLICY" not in types


def test_tag_policy_targets_override(adopted_stack, adopted) -> None:
    tags = _policies(adopted)["acme-pay-data-classification-tags"]
    prod = _get_att(_logical_id_of_ou(adopted_stack, "Workloads/Prod"))
    assert tags["TargetIds"] == [prod, ADOPTED_WORKLOADS]


def test_no_exports_with_adopted_ous(adopted_app: list[Stack]) -> None:
    for stack in adopted_app:
        text = json.dumps(Template.from_stack(stack).to_json())
        assert "Fn::ImportValue" not in text, stack.stack_name
        assert '"Export"' not in text, stack.stack_name


def test_disabled_tag_policy_creates_no_policy() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["guardrails"]["tag_policy"] = {"enabled": False}
        data["guardrails"]["ai_services_opt_out"] = {"targets": ["Sandbox"]}

    stack = OrganizationStack(App(context=cdk_context()), "Organization", config=variant(edit))
    resources = Template.from_stack(stack).to_json()["Resources"]
    policies = _policies(resources)
    assert "TAG_POLICY" not in [p["Type"] for p in policies.values()]
    sandbox = _get_att(_logical_id_of_ou(stack, "Sandbox"))
    assert policies["acme-pay-ai-services-opt-out"]["TargetIds"] == [sandbox]


# --- bugs -----------------------------------------------------------------------------------


def _policy_names_or_rejection(edit: Callable[[dict[str, Any]], None]) -> list[str] | None:
    """Policy names of the organization stack, or None when the config is rejected."""
    try:
        config = variant(edit)
    except ConfigError:
        return None
    stack = OrganizationStack(App(context=cdk_context()), "Organization", config=config)
    resources = Template.from_stack(stack).to_json()["Resources"]
    return [str(p["Properties"]["Name"]) for p in _of_type(resources, POLICY).values()]


def _ou_and_account_of_one_slug(data: dict[str, Any]) -> None:
    # The OU Workloads/Prod and the account workloads-prod both give "workloads-prod".
    data["accounts"]["workloads-prod"] = {
        "email": "aws-workloads-prod@acme-pay.example",
        "ou": "Workloads/Prod",
        "id": "121212121212",
    }
    data["guardrails"]["service_control_policies"]["Workloads/Prod"] = ["require-imdsv2"]
    data["guardrails"]["service_control_policies"]["workloads-prod"] = ["require-imdsv2"]


def _ou_named_like_the_root(data: dict[str, Any]) -> None:
    # 'root' is a valid OU path ('Root' alone is reserved) and gives the root's slug.
    data["organizational_units"]["root"] = {}
    data["baselines"]["organizational_units"].append("root")  # every OU gets the baseline
    data["guardrails"]["service_control_policies"]["root"] = ["require-imdsv2"]


@pytest.mark.parametrize("edit", [_ou_and_account_of_one_slug, _ou_named_like_the_root])
def test_policy_names_are_unique_or_the_config_is_rejected(
    edit: Callable[[dict[str, Any]], None],
) -> None:
    names = _policy_names_or_rejection(edit)
    if names is not None:
        assert len(names) == len(set(names)), sorted(names)


def test_policy_names_fit_the_128_character_limit_or_the_config_is_rejected() -> None:
    def edit(data: dict[str, Any]) -> None:
        long_path = f"{'Payments' * 8}/{'Cards' * 12}"
        data["organizational_units"]["Payments" * 8] = {}
        data["baselines"]["organizational_units"].append("Payments" * 8)  # and its child
        data["organizational_units"][long_path] = {}
        data["guardrails"]["service_control_policies"][long_path] = ["require-imdsv2"]

    names = _policy_names_or_rejection(edit)
    if names is not None:
        assert all(len(name) <= 128 for name in names), [n for n in names if len(n) > 128]


def test_sdk_call_role_carries_the_guardrail_prefix(reference_app: ReferenceApp) -> None:
    template = reference_app.template("acme-pay-organization")
    names = [
        r["Properties"].get("RoleName")
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Role"
    ]
    assert "lz-sdk-organization" in names


def test_sdk_call_role_name_is_limited_to_iam_length() -> None:
    assert sdk_call_role_name("lz-", "security-tooling-eu-west-1") == (
        "lz-sdk-security-tooling-eu-west-1"
    )
    with pytest.raises(ValueError, match="longer than 64"):
        sdk_call_role_name("p" * 32, "x" * 30)
