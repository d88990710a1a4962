"""The accounts stacks: which accounts are created, in which OU, in which shard and in what
order."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from aws_cdk import App, Stack
from aws_cdk.assertions import Template
from conftest import EXAMPLE_CONFIG, cdk_context

from landing_zone.config import ConfigError, LandingZoneConfig, parse_config
from landing_zone.config.sharding import account_shard
from stacks import build_landing_zone
from stacks.accounts_stack import AccountsStack

ROOT_ID = "r-a1b2"
LEGACY_OU_ID = "ou-a1b2-9z8y7x6w"
MANAGEMENT_ID = "111111111111"
OU_PARAMETER = "/acme-pay/landing-zone/organizational-units/{}/id"
SSM_STRING = "AWS::SSM::Parameter::Value<String>"

Resources = dict[str, dict[str, Any]]


def variant(edit: Callable[[dict[str, Any]], None]) -> LandingZoneConfig:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    edit(data)
    return parse_config(yaml.safe_dump(data), "t.yaml")


def _by_name(stacks: list[Stack]) -> dict[str, Stack]:
    return {stack.stack_name: stack for stack in stacks}


def _accounts(template: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Account name -> (logical id, resource)."""
    return {
        r["Properties"]["AccountName"]: (lid, r)
        for lid, r in template["Resources"].items()
        if r["Type"] == "AWS::Organizations::Account"
    }


def _parent(template: dict[str, Any], account: dict[str, Any]) -> str:
    """The account's parent: a literal id, or the SSM parameter name its parameter reads."""
    (parent,) = account["Properties"]["ParentIds"]
    if isinstance(parent, str):
        return parent
    parameter = template["Parameters"][parent["Ref"]]
    assert parameter["Type"] == SSM_STRING
    return f"ssm:{parameter['Default']}"


def _generated(count: int, *, start: int = 1) -> dict[str, dict[str, str]]:
    # Not the AI OUs: an account there needs an AI workload for the AI permission sets' pins.
    ous = ["Sandbox", "Workloads/NonProd", "Workloads/Prod"]
    return {
        f"team-{n:02d}": {"email": f"aws-team-{n:02d}@acme-pay.example", "ou": ous[n % 3]}
        for n in range(start, start + count)
    }


# --- where accounts go (one accounts stack) ----------------------------------------------


def _placements(data: dict[str, Any]) -> None:
    data["organizational_units"]["Legacy"] = {"id": LEGACY_OU_ID}
    data["baselines"]["organizational_units"].append("Legacy")  # every OU gets the baseline
    accounts = data["accounts"]
    accounts["sandbox"]["existing"] = True
    accounts["legacy-app"] = {"email": "aws-legacy-app@acme-pay.example", "ou": "Legacy"}
    accounts["root-tools"] = {"email": "aws-root-tools@acme-pay.example", "ou": "Root"}


@pytest.fixture(scope="module")
def placed_config() -> LandingZoneConfig:
    return variant(_placements)


@pytest.fixture(scope="module")
def placed(placed_config: LandingZoneConfig) -> dict[str, Stack]:
    return _by_name(build_landing_zone(App(context=cdk_context()), placed_config))


@pytest.fixture(scope="module")
def placed_template(placed: dict[str, Stack]) -> dict[str, Any]:
    return dict(Template.from_stack(placed["acme-pay-accounts"]).to_json())


def test_only_accounts_that_do_not_exist_are_created(placed_template, placed_config) -> None:
    created = [name for name, a in placed_config.accounts.items() if not a.existing]
    assert "management" not in created
    assert "sandbox" not in created
    assert sorted(_accounts(placed_template)) == sorted(created)


def test_account_properties_come_from_the_config(placed_template, placed_config) -> None:
    for name, (logical_id, account) in _accounts(placed_template).items():
        spec = placed_config.accounts[name]
        assert account["Properties"]["AccountName"] == name, logical_id
        assert account["Properties"]["Email"] == spec.email, logical_id
        assert account["DeletionPolicy"] == account["UpdateReplacePolicy"] == "Retain", name


def test_accounts_in_created_ous_read_the_ou_id_from_ssm(placed_template) -> None:
    accounts = _accounts(placed_template)
    expected = {
        "log-archive": "Security",
        "security-tooling": "Security",
        "network": "Infrastructure",
        "payments-prod": "Workloads/Prod",
        "ml-nonprod": "AI/NonProd",
    }
    for name, ou in expected.items():
        assert _parent(placed_template, accounts[name][1]) == f"ssm:{OU_PARAMETER.format(ou)}"


def test_one_ssm_parameter_per_ou_whatever_its_number_of_accounts(
    placed_template, placed_config
) -> None:
    read = sorted(
        p["Default"]
        for name, p in placed_template["Parameters"].items()
        if name != "BootstrapVersion"
    )
    created_ous = {
        a.ou
        for a in placed_config.accounts.values()
        if not a.existing and a.ou not in ("Root", "Legacy")
    }
    assert read == sorted(OU_PARAMETER.format(ou) for ou in created_ous)


def test_account_in_an_adopted_ou_uses_its_literal_id(placed_template) -> None:
    account = _accounts(placed_template)["legacy-app"][1]
    assert account["Properties"]["ParentIds"] == [LEGACY_OU_ID]


def test_account_at_the_root_uses_the_root_id(placed_template) -> None:
    account = _accounts(placed_template)["root-tools"][1]
    assert account["Properties"]["ParentIds"] == [ROOT_ID]


def test_accounts_are_created_one_after_another_in_config_order(
    placed_template, placed_config
) -> None:
    accounts = _accounts(placed_template)
    order = [name for name, a in placed_config.accounts.items() if not a.existing]
    assert "DependsOn" not in accounts[order[0]][1]
    for previous, name in itertools.pairwise(order):
        assert accounts[name][1]["DependsOn"] == [accounts[previous][0]], name


def test_single_accounts_stack_follows_the_organization_stack(placed) -> None:
    accounts = placed["acme-pay-accounts"]
    assert isinstance(accounts, AccountsStack)
    assert [s.stack_name for s in accounts.dependencies] == ["acme-pay-organization"]
    assert (accounts.account, accounts.region) == (MANAGEMENT_ID, "eu-west-1")
    assert accounts.termination_protection
    assert not [name for name in placed if name.startswith("acme-pay-accounts-")]


# --- sharding ----------------------------------------------------------------------------


def _sharded(extra: int) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["organization"]["account_stacks"] = 3
        data["accounts"].update(_generated(extra))

    return edit


@pytest.fixture(scope="module")
def sharded_config() -> LandingZoneConfig:
    return variant(_sharded(30))


@pytest.fixture(scope="module")
def sharded(sharded_config: LandingZoneConfig) -> dict[str, Stack]:
    return _by_name(build_landing_zone(App(context=cdk_context()), sharded_config))


def _shard_names(stacks: dict[str, Stack]) -> list[str]:
    return sorted(name for name in stacks if name.startswith("acme-pay-accounts"))


def _placement(stacks: dict[str, Stack]) -> dict[str, str]:
    """Account name -> the stack that creates it, from each stack's template."""
    placement: dict[str, str] = {}
    for name in _shard_names(stacks):
        for account in _accounts(Template.from_stack(stacks[name]).to_json()):
            assert account not in placement, f"{account} is in two stacks"
            placement[account] = name
    return placement


def test_sharded_accounts_stacks_are_numbered(sharded) -> None:
    assert _shard_names(sharded) == [
        "acme-pay-accounts-01",
        "acme-pay-accounts-02",
        "acme-pay-accounts-03",
    ]


def test_every_created_account_is_in_exactly_one_stack(sharded, sharded_config) -> None:
    created = {name for name, a in sharded_config.accounts.items() if not a.existing}
    assert len(created) == 39
    placement = _placement(sharded)
    assert set(placement) == created
    # Spread over the shards, not piled into one.
    assert all(list(placement.values()).count(s) >= 5 for s in _shard_names(sharded))


def test_sharded_stacks_deploy_one_after_another(sharded) -> None:
    names = _shard_names(sharded)
    previous = ["acme-pay-organization", *names[:-1]]
    for name, before in zip(names, previous, strict=True):
        assert [s.stack_name for s in sharded[name].dependencies] == [before], name


def test_sharded_stack_descriptions_count_their_accounts(sharded) -> None:
    for name in _shard_names(sharded):
        stack = sharded[name]
        assert isinstance(stack, AccountsStack)
        assert stack.template_options.description == (
            f"acme-pay landing zone: member accounts ({len(stack.accounts)})"
        )


def test_adding_an_account_moves_no_other_account(sharded) -> None:
    before = {
        account: name for name in _shard_names(sharded) for account in _accounts_of(sharded[name])
    }
    grown = _by_name(build_landing_zone(App(context=cdk_context()), variant(_sharded(31))))
    after = {account: name for name in _shard_names(grown) for account in _accounts_of(grown[name])}
    assert set(after) == set(before) | {"team-31"}
    assert {account: after[account] for account in before} == before


def _accounts_of(stack: Stack) -> list[str]:
    assert isinstance(stack, AccountsStack)
    return list(stack.accounts)


def test_empty_shards_get_no_stack() -> None:
    generated = {name: spec for name, spec in _generated(40).items() if account_shard(name, 3) != 1}

    def edit(data: dict[str, Any]) -> None:
        data["organization"]["account_stacks"] = 3
        for account in data["accounts"].values():
            account["existing"] = True
        data["accounts"].update(generated)

    stacks = _by_name(build_landing_zone(App(context=cdk_context()), variant(edit)))
    assert _shard_names(stacks) == ["acme-pay-accounts-01", "acme-pay-accounts-03"]
    assert [s.stack_name for s in stacks["acme-pay-accounts-03"].dependencies] == [
        "acme-pay-accounts-01"
    ]
    created = {a for name in _shard_names(stacks) for a in _accounts_of(stacks[name])}
    assert created == set(generated)


def test_no_accounts_to_create_means_no_accounts_stack() -> None:
    def edit(data: dict[str, Any]) -> None:
        for account in data["accounts"].values():
            account["existing"] = True

    stacks = _by_name(build_landing_zone(App(context=cdk_context()), variant(edit)))
    assert _shard_names(stacks) == []


# --- bugs ------------------------------------------------------------------------------


def test_ous_differing_only_in_separators_get_their_own_parameter() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["organizational_units"]["Workloads-Prod"] = {}
        data["baselines"]["organizational_units"].append("Workloads-Prod")
        data["accounts"]["legacy-payments"] = {
            "email": "aws-legacy-payments@acme-pay.example",
            "ou": "Workloads-Prod",
        }

    try:
        config = variant(edit)
    except ConfigError:
        return  # rejecting the config is a fix too
    stacks = _by_name(build_landing_zone(App(context=cdk_context()), config))
    template = Template.from_stack(stacks["acme-pay-accounts"]).to_json()
    accounts = _accounts(template)
    assert _parent(template, accounts["payments-prod"][1]) == (
        f"ssm:{OU_PARAMETER.format('Workloads/Prod')}"
    )
    assert _parent(template, accounts["legacy-payments"][1]) == (
        f"ssm:{OU_PARAMETER.format('Workloads-Prod')}"
    )
