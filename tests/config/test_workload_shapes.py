"""OU-wide VPCs and AI workloads, VPC IPAM pools and the workload-shape planner: each bad input
stops with its field path, the value and what is allowed; the planner groups accounts by shape,
keeps pinned accounts and regions as they are and aims each shape's StackSet as specified."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from landing_zone.config import ConfigError, LandingZoneConfig, parse_config
from landing_zone.config.defense import placements
from landing_zone.config.shapes import MAX_ORGANIZATIONAL_UNITS_PER_OPERATION, workload_plan

EXAMPLE = Path(__file__).parents[1] / "fixtures" / "landing-zone.yaml"
BASE: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())

Mutation = Callable[[dict[str, Any]], None]

SANDBOX_VPC = {"organizational_units": ["Sandbox"], "netmask": 22, "data_ports": [5432]}
POOLS = {"eu-west-1": {"production": "10.128.0.0/12", "non-production": "10.96.0.0/16"}}


def _with(**entries: Any) -> Mutation:
    """OU-wide VPCs (``vpc_<name>``), AI workloads (``ai_<name>``), pools (``pools``) and
    accounts (``account_<name>``: an OU path, or (OU path, id))."""

    def mutate(config: dict[str, Any]) -> None:
        for key, value in entries.items():
            kind, _, name = key.partition("_")
            name = name.replace("_", "-")
            if kind == "vpc":
                config["network"]["vpcs"][name] = value
            elif kind == "ai":
                config["ai"]["workloads"][name] = value
            elif kind == "pools":
                config["network"]["ipam"] = {"pools": value}
            elif kind == "account":
                ou, account_id = value if isinstance(value, tuple) else (value, None)
                account = {"email": f"{name}@acme-pay.example", "ou": ou}
                if account_id is not None:
                    account["id"] = account_id
                config["accounts"][name] = account
            elif kind == "ou":
                config["organizational_units"][value] = {"environment": "production"}

    return mutate


def _parse(mutation: Mutation) -> LandingZoneConfig:
    config = copy.deepcopy(BASE)
    mutation(config)
    return parse_config(yaml.safe_dump(config, sort_keys=False), "shapes.yaml")


def _set(path: str, value: Any) -> Mutation:
    def mutate(config: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = config
        for key in parents:
            node = node[key]
        node[last] = value

    return mutate


def _both(*mutations: Mutation) -> Mutation:
    def mutate(config: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(config)

    return mutate


OU_WIDE_AI = {
    "organizational_units": ["Sandbox"],
    "training_data_buckets": ["acme-pay-sbx-training-{account_id}"],
    "artifact_buckets": ["acme-pay-sbx-artifacts-{account_id}"],
}
_AI_SCPS = _set(
    "guardrails.service_control_policies.Sandbox",
    ["deny-bedrock-without-guardrail", "protect-bedrock-controls"],
)


def _ai_guardrails_on_ai_only(config: dict[str, Any]) -> None:
    scps = config["guardrails"]["service_control_policies"]
    governing = ["deny-bedrock-without-guardrail", "protect-bedrock-controls"]
    scps["Root"] = [name for name in scps["Root"] if name not in governing]
    scps["AI"] = [*scps["AI"], *governing]


_AI_GUARDRAILS_ON_AI_ONLY = _ai_guardrails_on_ai_only

# (case id, mutation, exact field path of the message, a fragment saying what is allowed)
CATALOG: list[tuple[str, Mutation, str, str]] = [
    (
        "vpc-with-account-and-organizational-units",
        _set("network.vpcs.payments-prod.organizational_units", ["Workloads/Prod"]),
        "network.vpcs.payments-prod.organizational_units",
        "exactly one of account (that one account",
    ),
    (
        "vpc-without-account-or-organizational-units",
        _with(vpc_orphan={"cidr": "10.200.0.0/16"}),
        "network.vpcs.orphan.account",
        "allowed: exactly one of account",
    ),
    (
        "ou-wide-vpc-without-netmask",
        _with(vpc_sbx={"organizational_units": ["Sandbox"]}, pools=POOLS),
        "network.vpcs.sbx.netmask",
        "allowed: a prefix length",
    ),
    (
        "ou-wide-vpc-with-cidr",
        _with(vpc_sbx={**SANDBOX_VPC, "cidr": "10.200.0.0/16"}, pools=POOLS),
        "network.vpcs.sbx.cidr",
        "give netmask",
    ),
    (
        "account-vpc-with-netmask",
        _set("network.vpcs.payments-prod.netmask", 20),
        "network.vpcs.payments-prod.netmask",
        "names its cidr instead",
    ),
    (
        "account-vpc-without-cidr",
        _with(vpc_extra={"account": "sandbox"}),
        "network.vpcs.extra.cidr",
        "is required for an account VPC",
    ),
    (
        "ou-wide-vpc-unknown-ou",
        _with(vpc_sbx={**SANDBOX_VPC, "organizational_units": ["Sandbox", "Playground"]}),
        "network.vpcs.sbx.organizational_units[1]",
        "allowed: 'Root' or one of",
    ),
    (
        "ou-wide-vpc-over-two-environments",
        _with(vpc_wl={**SANDBOX_VPC, "organizational_units": ["Workloads"]}, pools=POOLS),
        "network.vpcs.wl.organizational_units",
        "allowed: OUs of one environment",
    ),
    (
        "ou-wide-vpc-without-environment",
        _with(vpc_sec={**SANDBOX_VPC, "organizational_units": ["Suspended"]}, pools=POOLS),
        "network.vpcs.sec.organizational_units",
        "OUs without an environment",
    ),
    (
        "ou-wide-vpc-reaching-the-network-account",
        _with(vpc_infra={**SANDBOX_VPC, "organizational_units": ["Infrastructure"]}),
        "network.vpcs.infra.organizational_units",
        "allowed: OUs without the network account",
    ),
    (
        "ou-wide-vpc-without-ipam",
        _with(vpc_sbx=SANDBOX_VPC),
        "network.ipam",
        "allowed: pools per region and environment",
    ),
    (
        "netmask-too-small-for-the-tiers",
        _with(vpc_sbx={**SANDBOX_VPC, "netmask": 26}, pools=POOLS),
        "network.vpcs.sbx.netmask",
        "/26 is too small for three tiers over 3 availability zones",
    ),
    (
        "netmask-outside-amazon-vpc-limits",
        _with(vpc_sbx={**SANDBOX_VPC, "netmask": 12}, pools=POOLS),
        "network.vpcs.sbx.netmask",
        "greater than or equal to 16",
    ),
    (
        "netmask-larger-than-the-pool",
        _with(
            vpc_sbx={**SANDBOX_VPC, "netmask": 16},
            pools={"eu-west-1": {"non-production": "10.96.0.0/20"}},
        ),
        "network.vpcs.sbx.netmask",
        "allowed: /20 or smaller",
    ),
    (
        "overlapping-pools",
        _with(
            pools={"eu-west-1": {"production": "10.96.0.0/12", "non-production": "10.96.0.0/16"}}
        ),
        "network.ipam.pools.eu-west-1.non-production",
        "allowed: ranges that no other pool holds",
    ),
    (
        "pool-overlapping-an-account-vpc",
        _with(pools={"eu-west-1": {"production": "10.16.0.0/12"}}),
        "network.ipam.pools.eu-west-1.production",
        "overlaps the range of VPC 'payments-prod' (10.16.0.0/16, account payments-prod)",
    ),
    (
        "pool-with-host-bits",
        _with(pools={"eu-west-1": {"production": "10.128.0.1/12"}}),
        "network.ipam.pools.eu-west-1.production",
        "zero host bits",
    ),
    (
        "pool-in-an-ungoverned-region",
        _with(pools={"ap-south-1": {"production": "10.128.0.0/12"}}),
        "network.ipam.pools.ap-south-1",
        "allowed: eu-west-1, eu-central-1, us-east-1",
    ),
    (
        "pool-too-small-for-the-accounts",
        _with(
            vpc_sbx=SANDBOX_VPC,
            account_sandbox_two=("Sandbox", "121212121212"),
            account_sandbox_three=("Sandbox", "131313131313"),
            pools={"eu-west-1": {"non-production": "10.96.0.0/21"}},
        ),
        "network.ipam.pools.eu-west-1.non-production",
        "3 of VPC 'sbx' (/22); allowed: a range of /20 or larger",
    ),
    (
        "no-pool-for-the-environment",
        _with(vpc_sbx=SANDBOX_VPC, pools={"eu-west-1": {"production": "10.128.0.0/12"}}),
        "network.ipam.pools.eu-west-1",
        "has no non-production pool, from which VPC 'sbx' takes its ranges; allowed: add",
    ),
    (
        "no-pool-in-the-region",
        _with(vpc_sbx={**SANDBOX_VPC, "region": "eu-central-1"}, pools=POOLS),
        "network.ipam.pools.eu-central-1",
        "allowed: add pools.eu-central-1.non-production",
    ),
    (
        "ou-wide-ai-bucket-without-account-id",
        _both(
            _AI_SCPS,
            _with(ai_sbx={**OU_WIDE_AI, "training_data_buckets": ["acme-pay-sbx-training"]}),
        ),
        "ai.workloads.sbx.training_data_buckets[0]",
        "allowed: a name with {account_id}",
    ),
    (
        "ai-bucket-with-unknown-placeholder",
        _set("ai.workloads.ml-prod.training_data_buckets", ["acme-pay-{account}-training"]),
        "ai.workloads.ml-prod.training_data_buckets[0]",
        "at most the placeholders {account_id} and {region}",
    ),
    (
        "too-many-ou-wide-vpcs-for-one-account",
        _with(
            pools={"eu-west-1": {"non-production": "10.96.0.0/12"}},
            **{f"vpc_sbx{i}": SANDBOX_VPC for i in range(5)},
        ),
        "network.vpcs",
        "5 VPCs in eu-west-1; allowed: at most 4 per account and region",
    ),
    (
        "permission-set-pattern-of-no-workload",
        _set(
            "identity.permission_sets.DataScientist.training_data_buckets",
            ["acme-pay-ml-training-data-{account_id}"],
        ),
        "identity.permission_sets.DataScientist.training_data_buckets[0]",
        "permission sets may reach only the training-data and artifact buckets",
    ),
    (
        "ou-wide-ai-reaching-an-account-with-a-workload",
        _with(ai_prod={**OU_WIDE_AI, "organizational_units": ["AI/Prod"]}),
        "ai.workloads.prod.organizational_units",
        "already has AI workload 'ml-prod' in eu-west-1",
    ),
    (
        "ou-wide-ai-without-its-guardrails",
        _both(_AI_GUARDRAILS_ON_AI_ONLY, _with(ai_sbx=OU_WIDE_AI)),
        "ai.workloads.sbx.organizational_units[0]",
        "is not governed by deny-bedrock-without-guardrail, protect-bedrock-controls",
    ),
    (
        "ou-wide-ai-reaching-core-accounts",
        _both(
            _set(
                "guardrails.service_control_policies.Security",
                ["deny-bedrock-without-guardrail", "protect-bedrock-controls"],
            ),
            _with(ai_sec={**OU_WIDE_AI, "organizational_units": ["Security"]}),
        ),
        "ai.workloads.sec.organizational_units",
        "reach core account(s) log-archive, security-tooling",
    ),
    (
        "ou-wide-entry-in-a-replica-region-of-a-pinned-account",
        _both(
            _set(
                "guardrails.service_control_policies.AI",
                [*BASE["guardrails"]["service_control_policies"].get("AI", [])],
            ),
            _with(
                ai_central={
                    **OU_WIDE_AI,
                    "organizational_units": ["AI/NonProd"],
                    "region": "eu-central-1",
                }
            ),
        ),
        "keys.replica_regions",
        "allowed: replica regions where the account gets no layers",
    ),
]


@pytest.mark.parametrize(
    ("mutation", "path", "allowed"),
    [pytest.param(m, p, a, id=case) for case, m, p, a in CATALOG],
)
def test_bad_shape_config_is_rejected_with_field_path(
    mutation: Mutation, path: str, allowed: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        _parse(mutation)
    message = str(caught.value)
    lines = [
        line
        for line in message.splitlines()
        if line.startswith(f"  - {path} ") or line.startswith(f"  - {path}:")
    ]
    assert lines, f"no problem reported at {path!r}:\n{message}"
    assert any(allowed in line for line in lines), f"{allowed!r} not said at {path!r}:\n{message}"


def test_ou_wide_entries_are_valid_config() -> None:
    config = _parse(
        _both(
            _AI_SCPS,
            _with(vpc_sbx=SANDBOX_VPC, ai_sbx=OU_WIDE_AI, pools=POOLS),
            # A permission set reaches the OU-wide workload's bucket of each session's account.
            _set(
                "identity.permission_sets.DataScientist.training_data_buckets",
                ["acme-pay-ml-training-data-999999999999", "acme-pay-sbx-training-{account_id}"],
            ),
        )
    )
    vpc = config.network.vpcs["sbx"]
    assert (vpc.account, vpc.organizational_units, vpc.netmask) == (None, ["Sandbox"], 22)
    assert config.network.ipam is not None
    assert config.network.ipam.pools["eu-west-1"]["non-production"] == "10.96.0.0/16"


def test_reference_config_has_no_shapes_and_pins_every_placement(
    example_config: LandingZoneConfig,
) -> None:
    plan = workload_plan(example_config)
    assert plan.shapes == {}
    assert plan.pinned == placements(example_config)


def test_an_ou_wide_shape_takes_whole_ous_with_its_replicas() -> None:
    config = _parse(
        _both(
            _AI_SCPS,
            _with(
                vpc_sbx=SANDBOX_VPC,
                ai_sbx=OU_WIDE_AI,
                pools=POOLS,
                account_sandbox_two=("Sandbox", "121212121212"),
            ),
        )
    )
    plan = workload_plan(config)
    assert sorted(plan.shapes) == [
        ("ai-sbx-vpc-sbx", "eu-central-1"),
        ("ai-sbx-vpc-sbx", "eu-west-1"),
    ]
    home = plan.shapes[("ai-sbx-vpc-sbx", "eu-west-1")]
    assert home.accounts == ("sandbox", "sandbox-two")
    assert home.organizational_units == ("Sandbox",)
    assert home.ou_wide
    assert list(home.layers.vpcs) == ["sbx"]
    assert home.layers.ai is not None
    assert home.layers.ai[0] == "sbx"
    assert home.layers.account is None
    assert home.construct_id == "ShapeAiSbxVpcSbxEuWest1"
    assert home.stack_set_name("acme-pay") == "acme-pay-shape-ai-sbx-vpc-sbx-eu-west-1"
    replicas = plan.shapes[("ai-sbx-vpc-sbx", "eu-central-1")]
    assert replicas.layers.replica_of == "eu-west-1"
    assert (replicas.accounts, replicas.organizational_units, replicas.ou_wide) == (
        home.accounts,
        home.organizational_units,
        True,
    )
    # Nothing pinned changed, and no account and region is in two templates.
    assert plan.pinned == placements(_parse(lambda _: None))
    assert all(len(t) == 1 for t in plan.template_of().values())


def test_a_shape_beside_a_pinned_account_lists_its_accounts() -> None:
    config = _parse(
        _with(
            vpc_prod={**SANDBOX_VPC, "organizational_units": ["Workloads/Prod"], "netmask": 20},
            account_payments_two=("Workloads/Prod", "121212121212"),
            pools=POOLS,
        )
    )
    plan = workload_plan(config)
    shape = plan.shapes[("vpc-prod", "eu-west-1")]
    # payments-prod is pinned (its own VPC, web ACL and certificate) in the same OU.
    assert shape.accounts == ("payments-two",)
    assert shape.organizational_units == ("Workloads/Prod",)
    assert not shape.ou_wide
    # The pinned account keeps its template, with the OU-wide VPC added to it.
    pinned = plan.pinned[("payments-prod", "eu-west-1")]
    assert list(pinned.vpcs) == ["payments-prod", "prod"]
    assert ("payments-prod", "eu-west-1") not in {
        (account, s.region) for s in plan.shapes.values() for account in s.accounts
    }


def test_more_ous_than_one_operation_takes_target_their_ancestors() -> None:
    count = MAX_ORGANIZATIONAL_UNITS_PER_OPERATION + 1
    units = {f"ou_{i}": f"Workloads/Unit{i}" for i in range(count)}
    accounts = {
        f"account_app_{i}": (f"Workloads/Unit{i}", f"{200000000000 + i}") for i in range(count)
    }

    def mutate(config: dict[str, Any]) -> None:
        for path in units.values():
            config["organizational_units"][path] = {"environment": "production"}
        _with(
            vpc_units={**SANDBOX_VPC, "organizational_units": list(units.values()), "netmask": 23},
            pools=POOLS,
            **accounts,
        )(config)

    plan = workload_plan(_parse(mutate))
    shape = plan.shapes[("vpc-units", "eu-west-1")]
    assert len(shape.accounts) == count
    # Workloads also holds payments-prod and payments-nonprod: filtered to the shape's accounts.
    assert shape.organizational_units == ("Workloads",)
    assert not shape.ou_wide


def test_fewer_ous_are_targeted_themselves() -> None:
    count = MAX_ORGANIZATIONAL_UNITS_PER_OPERATION
    units = [f"Workloads/Unit{i}" for i in range(count)]

    def mutate(config: dict[str, Any]) -> None:
        for path in units:
            config["organizational_units"][path] = {"environment": "production"}
        _with(
            vpc_units={**SANDBOX_VPC, "organizational_units": units, "netmask": 23},
            pools=POOLS,
            **{f"account_app_{i}": (path, f"{200000000000 + i}") for i, path in enumerate(units)},
        )(config)

    shape = workload_plan(_parse(mutate)).shapes[("vpc-units", "eu-west-1")]
    assert shape.organizational_units == tuple(sorted(units))
    assert shape.ou_wide


def test_adding_an_account_changes_no_pinned_placement_and_no_other_shape() -> None:
    def config(extra: int) -> LandingZoneConfig:
        return _parse(
            _both(
                _AI_SCPS,
                _with(
                    vpc_sbx=SANDBOX_VPC,
                    ai_sbx=OU_WIDE_AI,
                    pools=POOLS,
                    **{
                        f"account_sandbox_{i}": ("Sandbox", f"{300000000000 + i}")
                        for i in range(extra)
                    },
                ),
            )
        )

    before, after = workload_plan(config(1)), workload_plan(config(2))
    assert before.pinned == after.pinned
    assert set(before.shapes) == set(after.shapes)
    for key, shape in before.shapes.items():
        grown = after.shapes[key]
        assert grown.layers == shape.layers
        assert grown.accounts == (*shape.accounts, "sandbox-1")


def test_two_combinations_spelling_one_shape_name_are_rejected() -> None:
    # An AI workload "xx-vpc-yy" alone, and an AI workload "xx" with VPC "yy", both spell
    # ai-xx-vpc-yy.
    def mutate(config: dict[str, Any]) -> None:
        config["organizational_units"]["Lab"] = {"environment": "non-production"}
        config["baselines"]["organizational_units"].append("Lab")
        config["accounts"]["sandbox-two"] = {
            "email": "sandbox-two@acme-pay.example",
            "ou": "Lab",
            "id": "121212121212",
        }
        ai = {k: v for k, v in OU_WIDE_AI.items() if k != "artifact_buckets"}
        config["ai"]["workloads"]["xx-vpc-yy"] = {
            **ai,
            "organizational_units": ["Lab"],
            "training_data_buckets": ["acme-pay-two-{account_id}"],
        }
        config["ai"]["workloads"]["xx"] = {
            **ai,
            "organizational_units": ["Sandbox"],
        }
        config["network"]["vpcs"]["yy"] = SANDBOX_VPC
        config["network"]["ipam"] = {"pools": POOLS}

    with pytest.raises(ConfigError) as caught:
        _parse(_both(_AI_SCPS, mutate))
    message = str(caught.value)
    assert "(1 problem)" in message
    assert "spell the shape name 'ai-xx-vpc-yy' for two different combinations" in message
