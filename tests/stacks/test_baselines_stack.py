"""The baselines stacks: one asset bucket stack per baseline region, and the StackSet that
carries the account baseline to the baseline OUs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from aws_cdk import App, Stack
from aws_cdk.assertions import Template
from conftest import EXAMPLE_CONFIG, ReferenceApp, cdk_context

from landing_zone.common import ProtectedNamespace
from landing_zone.config import LandingZoneConfig, parse_config
from landing_zone.config.model import CDK_QUALIFIER
from stacks import build_landing_zone
from stacks.baselines_stack import BaselineAssetsStack, BaselinesStack

ROOT_ID = "r-a1b2"
LEGACY_OU_ID = "ou-a1b2-9z8y7x6w"
MANAGEMENT_ID = "111111111111"
OU_PARAMETER = "/acme-pay/landing-zone/organizational-units/{}/id"
GOVERNED = ["eu-west-1", "eu-central-1", "us-east-1"]


def variant(edit: Callable[[dict[str, Any]], None]) -> LandingZoneConfig:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    edit(data)
    return parse_config(yaml.safe_dump(data), "t.yaml")


def _stack_set(template: dict[str, Any]) -> dict[str, Any]:
    (stack_set,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::CloudFormation::StackSet"
    ]
    return dict(stack_set["Properties"])


def _targets(template: dict[str, Any]) -> list[str]:
    """The StackSet's target ids: literal ids, or ``ssm:<name>`` for an SSM-read OU id."""
    (group,) = _stack_set(template)["StackInstancesGroup"]
    targets = []
    for target in group["DeploymentTargets"]["OrganizationalUnitIds"]:
        if isinstance(target, str):
            targets.append(target)
        else:
            parameter = template["Parameters"][target["Ref"]]
            assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
            targets.append(f"ssm:{parameter['Default']}")
    return targets


def _asset_stacks(stacks: dict[str, Stack]) -> dict[str, Stack]:
    return {n: s for n, s in stacks.items() if n.startswith("acme-pay-baseline-assets-")}


# --- the reference landing zone ----------------------------------------------------------


@pytest.fixture(scope="module")
def baselines(reference_app: ReferenceApp) -> dict[str, Any]:
    return reference_app.template("acme-pay-baselines")


def test_one_asset_stack_per_governed_region(reference_app: ReferenceApp) -> None:
    assets = _asset_stacks(reference_app.stacks)
    assert sorted(assets) == sorted(f"acme-pay-baseline-assets-{r}" for r in GOVERNED)
    for name, stack in assets.items():
        assert isinstance(stack, BaselineAssetsStack)
        # The bucket name ends with the region, so the region must be explicit.
        assert (stack.account, stack.region) == (MANAGEMENT_ID, name.rsplit("assets-", 1)[1])


def test_each_asset_stack_holds_the_bucket_of_its_region(reference_app: ReferenceApp) -> None:
    for name, stack in _asset_stacks(reference_app.stacks).items():
        buckets = reference_app.template(name)["Resources"]
        names = [
            r["Properties"]["BucketName"]
            for r in buckets.values()
            if r["Type"] == "AWS::S3::Bucket"
        ]
        assert names == [f"lz-baseline-{MANAGEMENT_ID}-{stack.region}"], name


def test_baselines_stack_waits_for_the_organization_the_log_archive_and_every_asset_stack(
    reference_app: ReferenceApp,
) -> None:
    baselines = reference_app.stacks["acme-pay-baselines"]
    assert isinstance(baselines, BaselinesStack)
    assert sorted(s.stack_name for s in baselines.dependencies) == sorted(
        ["acme-pay-organization", "acme-pay-log-archive", *_asset_stacks(reference_app.stacks)]
    )
    assert (baselines.account, baselines.region) == (MANAGEMENT_ID, "eu-west-1")


def test_stack_set_targets_the_baseline_ous_through_ssm(baselines, example_config) -> None:
    assert _targets(baselines) == [
        f"ssm:{OU_PARAMETER.format(ou)}" for ou in example_config.baselines.organizational_units
    ]


def test_stack_set_deploys_to_the_governed_regions_by_default(baselines) -> None:
    (group,) = _stack_set(baselines)["StackInstancesGroup"]
    assert group["Regions"] == GOVERNED


def test_stack_set_has_a_fixed_name_and_service_managed_permissions(baselines) -> None:
    properties = _stack_set(baselines)
    assert properties["StackSetName"] == "acme-pay-account-baseline"
    assert properties["PermissionModel"] == "SERVICE_MANAGED"
    assert properties["AutoDeployment"]["Enabled"] is True


def test_baseline_code_is_copied_into_every_regions_bucket(baselines) -> None:
    destinations = sorted(
        r["Properties"]["DestinationBucketName"]
        for r in baselines["Resources"].values()
        if r["Type"] == "Custom::CDKBucketDeployment"
    )
    assert destinations == sorted(f"lz-baseline-{MANAGEMENT_ID}-{r}" for r in GOVERNED)


def test_stack_set_template_comes_from_the_landing_zones_bootstrap_bucket(baselines) -> None:
    url = _stack_set(baselines)["TemplateURL"]["Fn::Sub"]
    assert f"/cdk-{CDK_QUALIFIER}-assets-{MANAGEMENT_ID}-eu-west-1/" in url


# --- baseline regions and targets overridden ---------------------------------------------


def _root_adopted_and_regions(data: dict[str, Any]) -> None:
    data["organizational_units"]["Legacy"] = {"id": LEGACY_OU_ID}
    data["baselines"] = {
        "organizational_units": ["Root", "Legacy", "Workloads/Prod"],
        "regions": ["eu-central-1", "eu-west-1"],
    }


@pytest.fixture(scope="module")
def overridden() -> dict[str, Stack]:
    config = variant(_root_adopted_and_regions)
    return {s.stack_name: s for s in build_landing_zone(App(context=cdk_context()), config)}


@pytest.fixture(scope="module")
def overridden_template(overridden: dict[str, Stack]) -> dict[str, Any]:
    return dict(Template.from_stack(overridden["acme-pay-baselines"]).to_json())


def test_asset_stacks_follow_the_baseline_regions(overridden) -> None:
    assets = _asset_stacks(overridden)
    assert sorted(assets) == [
        "acme-pay-baseline-assets-eu-central-1",
        "acme-pay-baseline-assets-eu-west-1",
    ]
    for name, stack in assets.items():
        assert stack.region == name.rsplit("assets-", 1)[1]
    assert sorted(s.stack_name for s in overridden["acme-pay-baselines"].dependencies) == sorted(
        ["acme-pay-organization", "acme-pay-log-archive", *assets]
    )


def test_stack_set_regions_override(overridden_template) -> None:
    (group,) = _stack_set(overridden_template)["StackInstancesGroup"]
    assert group["Regions"] == ["eu-central-1", "eu-west-1"]


def test_stack_set_targets_root_adopted_and_created_ous(overridden_template) -> None:
    assert _targets(overridden_template) == [
        ROOT_ID,
        LEGACY_OU_ID,
        f"ssm:{OU_PARAMETER.format('Workloads/Prod')}",
    ]


def test_every_region_the_config_accepts_gets_a_baseline() -> None:
    # eusc-de-east-1 (European Sovereign Cloud) passes config validation; the baseline
    # constructs once used a narrower region pattern and failed synth with a traceback.
    def edit(data: dict[str, Any]) -> None:
        data["organization"]["governed_regions"] = ["eu-west-1", "eusc-de-east-1"]
        del data["edge"]["web_acls"]["payments-cdn"]  # CloudFront's web ACLs live in us-east-1
        data["keys"]["replica_regions"] = []  # keys replicate within a partition only

    stacks = {
        s.stack_name: s for s in build_landing_zone(App(context=cdk_context()), variant(edit))
    }
    assert stacks["acme-pay-baseline-assets-eusc-de-east-1"].region == "eusc-de-east-1"
    (group,) = _stack_set(Template.from_stack(stacks["acme-pay-baselines"]).to_json())[
        "StackInstancesGroup"
    ]
    assert group["Regions"] == ["eu-west-1", "eusc-de-east-1"]


def test_baseline_handler_and_backup_are_named_under_the_prefix(
    reference_app: ReferenceApp,
) -> None:
    """Issue 14, escape 1: the function an exempt role runs, and the policy on that role, carry
    the protected prefix, so account administrators can neither rewrite nor invoke them."""
    template = reference_app.template("acmepaybaselinesAccountBaselineC4804E87.stackset")
    by_region = {"Fn::Join": ["", ["lz-baseline-sdk-", {"Ref": "AWS::Region"}]]}
    resources = template["Resources"]
    (function,) = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    assert function["Properties"]["FunctionName"] == by_region
    policy = resources["AwsSdkCallHandlerPolicy2EC89F26"]["Properties"]
    assert policy["ManagedPolicyName"] == by_region
    assert resources["AwsSdkCallHandlerLogGroup8B2123A2"]["Properties"]["LogGroupName"] == {
        "Fn::Join": ["", ["/aws/lambda/lz-baseline-sdk-", {"Ref": "AWS::Region"}]]
    }
    # Renamed after release: the calls moved to new logical ids (tests/upgrade).
    assert "S3AccountPublicAccessBlockEA2969B5Lz" in resources
    roles = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::IAM::Role"]
    assert all("RoleName" in role for role in roles)


def test_baseline_stacks_are_marked_as_the_landing_zone(reference_app: ReferenceApp) -> None:
    """Fintech-ProtectedNamespace then requires explicit names in them."""
    stack = reference_app.stacks["acme-pay-baselines"]
    assert isinstance(stack, BaselinesStack)
    mark = ProtectedNamespace.of(stack.baseline)
    assert mark is not None
    assert mark.prefix == "lz-"
    assert ProtectedNamespace.of(reference_app.stacks["acme-pay-management-baseline-eu-west-1"])
    resources = reference_app.template("acme-pay-management-baseline-eu-west-1")["Resources"]
    (function,) = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    assert function["Properties"]["FunctionName"] == "lz-sdk-management-baseline-eu-west-1"


def test_baseline_sdk_role_carries_the_guardrail_prefix_and_the_region(
    reference_app: ReferenceApp,
) -> None:
    # SCPs exempt landing-zone roles by name prefix; the template runs in several regions.
    template = reference_app.template("acmepaybaselinesAccountBaselineC4804E87.stackset")
    roles = [
        r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"
    ]
    names = [role.get("RoleName") for role in roles]
    assert {"Fn::Join": ["", ["lz-baseline-sdk-", {"Ref": "AWS::Region"}]]} in names
