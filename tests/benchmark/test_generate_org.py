"""The generated organizations the benchmark synthesizes are valid, realistic and reproducible."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import yaml
from conftest import EXAMPLE_CONFIG

from landing_zone.config import LandingZoneConfig, load_config, parse_config
from landing_zone.config.coverage import entry_accounts
from landing_zone.config.defense import MAX_PLACEMENTS_PER_STACK, workload_shards
from landing_zone.config.shapes import workload_plan
from landing_zone.config.sharding import account_shard, account_shards
from scripts.generate_org import (
    ACCOUNTS_PER_STACK,
    AGENTS_OU,
    generate_config,
    main,
    render,
)

REFERENCE = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
CORE = set(REFERENCE["core_accounts"].values())
SIZES = (10, 1000)


@pytest.fixture(scope="module", params=SIZES, ids=[f"{size}-accounts" for size in SIZES])
def generated(request: pytest.FixtureRequest) -> tuple[int, dict[str, Any], LandingZoneConfig]:
    size: int = request.param
    raw = generate_config(size)
    return size, raw, parse_config(render(raw), f"<generated {size}>")


def test_has_the_requested_number_of_accounts(generated):
    size, _, config = generated
    assert len(config.accounts) == size


def test_keeps_the_reference_organization_and_core_accounts(generated):
    _, raw, config = generated
    assert {k: v for k, v in raw["organization"].items() if k != "account_stacks"} == REFERENCE[
        "organization"
    ]
    assert raw["core_accounts"] == REFERENCE["core_accounts"]
    for name in CORE:
        assert raw["accounts"][name] == REFERENCE["accounts"][name]
    assert config.baselines.organizational_units == REFERENCE["baselines"]["organizational_units"]


def test_emails_and_ids_are_unique(generated):
    size, _, config = generated
    emails = [account.email.lower() for account in config.accounts.values()]
    ids = [account.id for account in config.accounts.values()]
    assert len(set(emails)) == size
    assert None not in ids
    assert len(set(ids)) == size


def test_account_stacks_hold_at_most_the_target_each(generated):
    _, _, config = generated
    shards = account_shards(config)
    assert max(len(names) for names in shards.values()) <= ACCOUNTS_PER_STACK
    assert sum(len(names) for names in shards.values()) == sum(
        not account.existing for account in config.accounts.values()
    )


def test_account_stacks_is_the_fewest_that_suffice(generated):
    _, _, config = generated
    count = config.organization.account_stacks
    created = [name for name, account in config.accounts.items() if not account.existing]
    if count == 1:
        assert len(created) <= ACCOUNTS_PER_STACK
    else:
        # One stack fewer overfills an accounts stack or a workload-defenses stack.
        fewer = Counter(account_shard(name, count - 1) for name in created)
        less = config.model_copy(
            update={
                "organization": config.organization.model_copy(update={"account_stacks": count - 1})
            }
        )
        placements = max(len(s) for s in workload_shards(less).values())
        assert max(fewer.values()) > ACCOUNTS_PER_STACK or placements > MAX_PLACEMENTS_PER_STACK


def test_accounts_spread_over_business_units_ai_and_sandbox(generated):
    size, _, config = generated
    homes = {account.ou for name, account in config.accounts.items() if name not in CORE}
    assert "Sandbox" in homes
    # The first production AI account is the agents' (a pinned singleton in an OU of its own).
    assert {AGENTS_OU, "AI/NonProd"} <= homes
    assert ("AI/Prod" in homes) == (size > 10)
    units = {ou.split("/")[1] for ou in homes if ou.startswith("Workloads/")}
    for unit in units:
        assert {f"Workloads/{unit}/Prod", f"Workloads/{unit}/NonProd"} <= homes
    assert len(units) == (1 if size == 10 else 20)


def test_attaches_guardrails_to_root_and_to_ous(generated):
    _, _, config = generated
    targets = set(config.guardrails.service_control_policies)
    assert "Root" in targets
    # Besides Root and OUs, only the core accounts the reference attaches to (the network
    # account, the IPAM's delegated administrator).
    assert targets - {"Root"} - set(config.organizational_units) == {"network"}
    assert len(targets & set(config.organizational_units)) > 1


def test_every_ai_account_is_an_ai_workload_under_the_ai_guardrails(generated):
    _, _, config = generated
    ai_accounts = {name for name, a in config.accounts.items() if a.ou.startswith("AI/")}
    assert ai_accounts
    reached = [a for w in config.ai.workloads.values() for a in entry_accounts(config, w)]
    assert sorted(reached) == sorted(ai_accounts)
    assert sum(w.agents is not None for w in config.ai.workloads.values()) == 1
    # One OU-wide workload per stage, with bucket names per account; the agents' is pinned.
    pinned = [w for w in config.ai.workloads.values() if w.account is not None]
    assert [w.agents is not None for w in pinned] == [True]
    for workload in config.ai.workloads.values():
        if workload.account is None:
            assert all("{account_id}" in b for b in workload.training_data_buckets)
    scps = config.guardrails.service_control_policies
    assert "require-imdsv2" in scps["AI"]
    assert "deny-bedrock-without-guardrail" in {*scps["Root"], *scps["AI"]}
    # The AI permission sets reach buckets that a generated workload creates.
    # The names the workloads create (a pattern: each reached account's bucket of that name).
    buckets = {b for w in config.ai.workloads.values() for b in w.training_data_buckets}
    assert config.identity is not None
    reaching = [p for p in config.identity.permission_sets.values() if p.training_data_buckets]
    assert reaching
    assert all(set(p.training_data_buckets) <= buckets for p in reaching)
    # The OU-wide workloads' buckets are reached in every account through their pattern.
    assert any("{account_id}" in b for p in reaching for b in p.training_data_buckets)


def test_vpcs_come_from_ipam_pools_but_the_network_accounts(generated):
    _, _, config = generated
    network = config.core_accounts.network
    ou_wide = {n: v for n, v in config.network.vpcs.items() if v.account is None}
    assert set(ou_wide) == {"prod", "nonprod"}
    assert all(v.netmask is not None and v.cidr is None for v in ou_wide.values())
    assert {v.account for v in config.network.vpcs.values() if v.account is not None} == {network}
    assert config.network.ipam is not None
    assert set(config.network.ipam.pools["eu-west-1"]) == {"production", "non-production"}


def test_pins_a_few_singletons_and_shares_the_rest(generated):
    size, _, config = generated
    plan = workload_plan(config)
    pinned_accounts = {a for a, _ in plan.pinned} - {config.core_accounts.network}
    # The edge account (web ACLs, certificate) and the agents account.
    assert len(pinned_accounts) == 2
    shared = {a for shape in plan.shapes.values() for a in shape.accounts}
    assert not shared & pinned_accounts
    if size >= 40:
        assert {name for name, _ in plan.shapes} == {
            "vpc-prod",
            "vpc-nonprod",
            "ai-ml-prod-vpc-prod",
            "ai-ml-nonprod",
        }


def test_is_deterministic():
    assert render(generate_config(1000)) == render(generate_config(1000))


def test_cli_writes_a_loadable_config(tmp_path):
    output = tmp_path / "org.yaml"
    assert main(["12", "-o", str(output)]) == 0
    assert len(load_config(output).accounts) == 12


def test_rejects_fewer_accounts_than_the_core_accounts():
    with pytest.raises(ValueError, match=r"accounts must be at least 5 .*; got 4"):
        generate_config(4)


def test_pinned_accounts_get_a_fixed_range_vpc_of_their_own():
    raw = generate_config(60, pinned=3)
    config = parse_config(render(raw), "<generated 60, 3 pinned>")
    pinned = {name: vpc for name, vpc in config.network.vpcs.items() if name.startswith("pinned-")}
    assert len(pinned) == 3
    accounts = [vpc.account for vpc in pinned.values()]
    assert len(set(accounts)) == 3
    assert all(config.accounts[a].ou.endswith("/Prod") for a in accounts if a is not None)
    assert all(vpc.cidr is not None and vpc.netmask is None for vpc in pinned.values())
    assert generate_config(60)["network"]["vpcs"].keys() < raw["network"]["vpcs"].keys()


def test_rejects_more_pinned_accounts_than_production_workloads():
    with pytest.raises(ValueError, match="pinned must be at most"):
        generate_config(20, pinned=100)
