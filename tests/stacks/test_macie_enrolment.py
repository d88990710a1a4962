"""Macie membership in the security-tooling stacks: one list-driven enrolment per governed region,
whatever the number of accounts, and no Macie member stacks any more."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from aws_cdk import App, Environment
from conftest import ReferenceApp, cdk_context

from landing_zone.config import LandingZoneConfig, parse_config
from landing_zone.summary import MAX_RESOURCES_PER_STACK
from scripts.generate_org import generate_config, render
from stacks.security_tooling_stack import SecurityToolingStack

GOVERNED = ("eu-west-1", "eu-central-1", "us-east-1")
SIZES = (10, 1000)


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def _expected_members(config: LandingZoneConfig) -> dict[str, str]:
    admin = config.core_account_id("security_tooling")
    return {
        account.id: account.email
        for account in config.accounts.values()
        if account.id is not None and account.id != admin
    }


@cache
def _generated(size: int) -> tuple[LandingZoneConfig, dict[str, Any]]:
    """The security-tooling stack of a generated organization in a region other than home (the
    home region adds the same enrolment beside Security Hub and the response)."""
    config = parse_config(render(generate_config(size)), f"<generated {size}>")
    app = App(context=cdk_context())
    stack = SecurityToolingStack(
        app,
        "acme-pay-security-tooling-eu-central-1",
        config=config,
        env=Environment(account=config.core_account_id("security_tooling"), region="eu-central-1"),
    )
    return config, app.synth().get_stack_by_name(stack.stack_name).template


@pytest.mark.parametrize("size", SIZES)
def test_one_enrolment_lists_every_account_with_an_id(size: int) -> None:
    config, template = _generated(size)
    [enrolment] = _of_type(template, "Custom::MacieMembers").values()
    members = enrolment["Properties"]["Members"]
    assert members == _expected_members(config)
    assert len(members) >= size - 1
    assert not [
        r
        for r in _of_type(template, "Custom::AWS").values()
        if "createMember" in str(r["Properties"].get("Create", ""))
    ]


def test_macie_resources_are_the_same_at_every_size() -> None:
    macie = {
        size: sorted(
            (k, r["Type"])
            for k, r in _generated(size)[1]["Resources"].items()
            if k.startswith("MacieMembers")
        )
        for size in SIZES
    }
    assert macie[SIZES[0]] == macie[SIZES[-1]]
    assert len(macie[SIZES[0]]) == 6, "key, log group, role, policy, function, resource"
    totals = {size: len(_generated(size)[1]["Resources"]) for size in SIZES}
    assert max(totals.values()) < MAX_RESOURCES_PER_STACK, totals


def test_reference_app_has_no_macie_member_stacks(reference_app: ReferenceApp) -> None:
    assert not [name for name in reference_app.stacks if "macie-members" in name]


@pytest.mark.parametrize("region", GOVERNED)
def test_each_region_enrols_after_macie_is_configured(
    reference_app: ReferenceApp, region: str
) -> None:
    template = reference_app.template(f"acme-pay-security-tooling-{region}")
    [(logical_id, enrolment)] = _of_type(template, "Custom::MacieMembers").items()
    assert enrolment["Properties"]["Members"] == _expected_members(reference_app.config)
    # MacieOrganization (construct id "Macie"): the session, then auto-enable.
    organization = {
        k
        for k in _of_type(template, "Custom::AWS")
        if k.startswith(("MacieSession", "MacieOrganizationConfiguration"))
    }
    assert len(organization) == 2
    assert organization <= set(enrolment["DependsOn"]), logical_id
    name = f"lz-macie-members-{region}"
    [function] = [
        r
        for r in _of_type(template, "AWS::Lambda::Function").values()
        if r["Properties"].get("FunctionName") == name
    ]
    assert enrolment["Properties"]["ServiceToken"]["Fn::GetAtt"][1] == "Arn"
    assert function["Properties"]["Role"]["Fn::GetAtt"][1] == "Arn"
    roles = {r["Properties"].get("RoleName") for r in _of_type(template, "AWS::IAM::Role").values()}
    policies = {
        r["Properties"].get("ManagedPolicyName")
        for r in _of_type(template, "AWS::IAM::ManagedPolicy").values()
    }
    assert name in roles
    assert name in policies
