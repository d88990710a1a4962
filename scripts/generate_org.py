#!/usr/bin/env python3
"""Generates a landing-zone config of any number of accounts, for benchmarks and scale tests.

    python scripts/generate_org.py 1000 -o /tmp/org-1000.yaml

The result is derived from the reference config (config/landing-zone.yaml): the same organization,
core accounts, baselines and tags, and the rest of the accounts spread over the OU tree of a
fintech that grew: Workloads/<BusinessUnit>/{Prod,NonProd}, AI/{Prod,NonProd} and Sandbox, with
one business unit per 15 applications (at most 40 units). Every generated account is created by
the landing zone and gets a unique name, email and fake 12-digit id. The same number always
gives the same config.

Workload layers are OU-wide, as an organization of that size would write them: one VPC entry per
environment over the business units' OUs (ranges from network.ipam pools), one AI workload per AI
stage (bucket names with {account_id}), so the StackSet templates do not grow with the accounts.
Two accounts are pinned singletons with templates of their own, to show what one costs: the first
production application (web ACLs and certificate) and the agents' account (AI/Agents).
"""

from __future__ import annotations

import argparse
import ipaddress
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from landing_zone.ai.bucket_names import ACCOUNT_ID
from landing_zone.config import ConfigError, parse_config
from landing_zone.config.defense import MAX_PLACEMENTS_PER_STACK, workload_shards
from landing_zone.config.identity import assignment_shards
from landing_zone.config.model import MAX_ACCOUNT_STACKS, MAX_ASSIGNMENT_STACKS, LandingZoneConfig
from landing_zone.config.sharding import account_shard

REFERENCE_CONFIG = Path(__file__).resolve().parents[1] / "config" / "landing-zone.yaml"

ACCOUNTS_PER_STACK = 250
"""Created accounts per accounts stack at most: headroom under the 300 that validation allows."""

APPLICATIONS_PER_BUSINESS_UNIT = 15
MAX_BUSINESS_UNITS = 40
"""Beyond 600 applications, business units grow instead of multiplying: three OUs each, and the
organization stack creates at most 150 OUs (landing_zone.config.cross_checks.MAX_CREATED_OUS)."""

BUSINESS_UNITS = (
    "Payments",
    "Cards",
    "Lending",
    "Treasury",
    "Fraud",
    "Ledger",
    "Onboarding",
    "Wealth",
    "Insurance",
    "Billing",
    "Identity",
    "Risk",
    "Data",
    "Fx",
    "Savings",
    "Merchant",
    "Payroll",
    "Crypto",
    "Compliance",
    "Reporting",
)

# Where the accounts beyond the core ones go, as a repeating cycle: per ten accounts three
# production and three non-production workload accounts (one application each, in pairs), two
# sandboxes and one production and one experimentation account for AI. A small org still gets
# one account of every kind.
_CYCLE = (
    "workload-prod",
    "workload-nonprod",
    "sandbox",
    "ai-prod",
    "ai-nonprod",
    "workload-prod",
    "workload-nonprod",
    "sandbox",
    "workload-prod",
    "workload-nonprod",
)

# The EC2 guardrails move from Root to the OUs that run workloads, so that generated orgs
# attach SCPs below the root too (the reference config attaches everything to Root).
_WORKLOAD_GUARDRAILS = ("require-imdsv2", "deny-disable-ebs-default-encryption")
_WORKLOAD_OUS = ("Infrastructure", "Workloads", "AI", "Sandbox")


def _business_unit(index: int) -> str:
    base = BUSINESS_UNITS[index % len(BUSINESS_UNITS)]
    round_ = index // len(BUSINESS_UNITS)
    return base if round_ == 0 else f"{base}{round_ + 1}"


def _placements(extra: int) -> Iterator[tuple[str, str]]:
    """(account name, OU path) of each account beyond the core ones, in config order."""
    kinds = [_CYCLE[index % len(_CYCLE)] for index in range(extra)]
    applications = kinds.count("workload-prod")
    units = [
        _business_unit(index)
        for index in range(
            min(MAX_BUSINESS_UNITS, max(1, -(-applications // APPLICATIONS_PER_BUSINESS_UNIT)))
        )
    ]
    seen = dict.fromkeys(_CYCLE, 0)
    for kind in kinds:
        number = seen[kind]
        seen[kind] += 1
        if kind.startswith("workload-"):
            # The n-th production and n-th non-production account belong to application n.
            unit = units[number % len(units)]
            stage = "prod" if kind == "workload-prod" else "nonprod"
            name = f"{unit.lower()}-app{number // len(units) + 1:03d}-{stage}"
            yield name, f"Workloads/{unit}/{'Prod' if stage == 'prod' else 'NonProd'}"
        elif kind == "ai-prod" and number == 0:
            yield "ml-001-prod", AGENTS_OU
        elif kind.startswith("ai-"):
            stage = kind.removeprefix("ai-")
            yield f"ml-{number + 1:03d}-{stage}", f"AI/{'Prod' if stage == 'prod' else 'NonProd'}"
        else:
            yield f"sandbox-{number + 1:03d}", "Sandbox"


def _account_stacks(created: list[str]) -> int:
    """The fewest accounts stacks in which no stack holds more than ACCOUNTS_PER_STACK accounts."""
    for count in range(max(1, -(-len(created) // ACCOUNTS_PER_STACK)), MAX_ACCOUNT_STACKS + 1):
        sizes = [0] * count
        for name in created:
            sizes[account_shard(name, count)] += 1
        if max(sizes) <= ACCOUNTS_PER_STACK:
            return count
    raise ValueError(
        f"{len(created)} created accounts do not fit {MAX_ACCOUNT_STACKS} stacks of at most "
        f"{ACCOUNTS_PER_STACK} accounts"
    )


def generate_config(accounts: int, pinned: int = 0) -> dict[str, Any]:
    """A config of ``accounts`` accounts in total, the reference config's core accounts included.

    ``pinned`` production workload accounts (not the edge account) also get a VPC of a fixed
    range (``PINNED_RANGES``), as a team with existing peering would: each keeps a template of
    its own, which the benchmark uses to show what a pinned account costs.

    Raises ValueError when ``accounts`` is smaller than the number of core accounts, or when
    fewer than ``pinned`` production workload accounts exist.
    """
    reference: dict[str, Any] = yaml.safe_load(REFERENCE_CONFIG.read_text(encoding="utf-8"))
    core_names = list(dict.fromkeys(reference["core_accounts"].values()))
    if accounts < len(core_names):
        raise ValueError(
            f"accounts must be at least {len(core_names)} (the core accounts "
            f"{', '.join(core_names)}); got {accounts}"
        )
    core = {name: reference["accounts"][name] for name in core_names}
    domain = core[reference["core_accounts"]["management"]]["email"].split("@", 1)[1]
    used_ids = {account["id"] for account in core.values() if "id" in account}
    fake_ids = (
        f"{number:012d}"
        for number in itertools.count(100_000_000_000)
        if f"{number:012d}" not in used_ids
    )

    generated: dict[str, dict[str, Any]] = {}
    units: dict[str, dict[str, Any]] = {}
    for name, ou in _placements(accounts - len(core)):
        generated[name] = {"email": f"aws-{name}@{domain}", "ou": ou, "id": next(fake_ids)}
        if ou.startswith("Workloads/"):
            unit = ou.split("/")[1]
            units[f"Workloads/{unit}"] = {"description": f"The {unit} business unit."}
            units[f"Workloads/{unit}/Prod"] = {"environment": "production"}
            units[f"Workloads/{unit}/NonProd"] = {"environment": "non-production"}

    # The reference OUs, with business units in place of Workloads/Prod and Workloads/NonProd.
    organizational_units: dict[str, dict[str, Any]] = {}
    for path, ou in reference["organizational_units"].items():
        if not path.startswith("Workloads/"):
            organizational_units[path] = ou
        if path == "Workloads":
            organizational_units.update(units)
        if path == "AI/Prod" and any(a["ou"] == AGENTS_OU for a in generated.values()):
            organizational_units[AGENTS_OU] = {
                "description": "The AI agents' account, with a workload of its own.",
                "environment": "production",
            }

    created = [
        name for name, account in {**core, **generated}.items() if not account.get("existing")
    ]
    scps = {
        target: [name for name in names if name not in _WORKLOAD_GUARDRAILS]
        for target, names in reference["guardrails"]["service_control_policies"].items()
    }
    # Added to what the reference attaches there (the AI OU's Bedrock and SageMaker guardrails).
    scps.update({ou: [*scps.get(ou, []), *_WORKLOAD_GUARDRAILS] for ou in _WORKLOAD_OUS})

    # The reference protects an upload bucket of its payments account; here the first
    # production account of the generated business units owns it.
    detection = reference.get("detection", {})
    guardduty = detection.get("guardduty", {})
    production = next((name for name, a in generated.items() if a["ou"].endswith("/Prod")), None)
    protected = [
        {**bucket, "account": production, "bucket": f"{bucket['bucket']}-{production}"}
        for bucket in guardduty.get("malware_protection_buckets", [])
        if production is not None
    ]
    config = {
        **reference,
        "detection": {
            **detection,
            "guardduty": {**guardduty, "malware_protection_buckets": protected},
        },
        "organization": {**reference["organization"], "account_stacks": _account_stacks(created)},
        "organizational_units": organizational_units,
        "accounts": {**core, **generated},
        "guardrails": {**reference["guardrails"], "service_control_policies": scps},
    }
    config["ai"] = _ai(reference, generated)
    if production is not None:
        config["network"] = _network(reference, organizational_units)
        config["edge"] = _edge(reference, production)
        _pin(config["network"]["vpcs"], generated, production, pinned)
        config["organization"]["account_stacks"] = _defense_stacks(config)
    if "identity" in reference:
        config["identity"] = _identity(reference["identity"], units, generated, config["ai"])
        config["identity"]["assignment_stacks"] = _assignment_stacks(config)
    if "incident_response" in reference:
        config["incident_response"] = _incident_response(reference["incident_response"], config)
    return config


def _incident_response(response: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """The reference section, with what names reference accounts or OUs kept where they exist:
    modes of OUs and accounts that remain, windows over the accounts that remain, and the fire
    drill in the first generated sandbox account."""
    accounts: dict[str, Any] = config["accounts"]
    targets = {"Root", *config["organizational_units"], *accounts}
    windows = {}
    for name, window in response.get("maintenance_windows", {}).items():
        kept = [a for a in window.get("accounts", []) if a in accounts]
        if kept or not window.get("accounts"):
            windows[name] = {**window, "accounts": kept} if kept else window
    section = {
        **response,
        "modes": {t: m for t, m in response.get("modes", {}).items() if t in targets},
        "maintenance_windows": windows,
    }
    sandboxes = [name for name, account in accounts.items() if account["ou"] == "Sandbox"]
    if "fire_drill" in response:
        if sandboxes:
            section["fire_drill"] = {**response["fire_drill"], "account": sandboxes[0]}
        else:
            del section["fire_drill"]
    return section


AGENTS_OU = "AI/Agents"
"""Where the generated org's one agents account lives: its workload names the account (a
pinned singleton with a template of its own), so the OU-wide AI/Prod workload must not reach it."""


def _ai(reference: dict[str, Any], generated: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One OU-wide AI workload per stage (AI/Prod, AI/NonProd), shaped like the reference's of
    that stage, with bucket names per account ({account_id}); and the agents account's own
    workload (literal bucket names, agents), pinned."""
    ai: dict[str, Any] = reference.get("ai", {})
    examples = {
        "Prod" if reference["accounts"][w["account"]]["ou"].endswith("/Prod") else "NonProd": w
        for w in ai.get("workloads", {}).values()
    }
    org = reference["organization"]["name"]
    workloads: dict[str, Any] = {}
    for stage, example in examples.items():
        if not any(a["ou"] == f"AI/{stage}" for a in generated.values()):
            continue
        workloads[f"ml-{stage.lower()}"] = {
            **{k: v for k, v in example.items() if k not in ("account", "agents")},
            "organizational_units": [f"AI/{stage}"],
            "training_data_buckets": [f"{org}-ml-training-data-{ACCOUNT_ID}"],
            "artifact_buckets": [f"{org}-ml-artifacts-{ACCOUNT_ID}"],
        }
    agents_example = next((w for w in ai.get("workloads", {}).values() if "agents" in w), None)
    for name, account in generated.items():
        if account["ou"] == AGENTS_OU and agents_example is not None:
            workloads[name] = {
                **agents_example,
                "account": name,
                "training_data_buckets": [f"{org}-ml-training-data-{account['id']}"],
                "artifact_buckets": [f"{org}-ml-artifacts-{account['id']}"],
                "agents": {**agents_example["agents"], "domain_prefix": f"{org}-{name}-agents"},
            }
    return {**ai, "workloads": workloads}


PRODUCTION_POOL = ipaddress.IPv4Network("10.128.0.0/9")
NON_PRODUCTION_POOL = ipaddress.IPv4Network("10.64.0.0/10")
"""The IPAM pools of the home region: 2,048 production /20 VPCs and 4,096 non-production /22
VPCs, enough for 5,000 generated accounts, clear of the reference network account's range."""
PRODUCTION_NETMASK = 20
NON_PRODUCTION_NETMASK = 22


def _network(
    reference: dict[str, Any], organizational_units: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The reference network account's VPCs, and one OU-wide VPC per environment over the
    generated workload OUs of that environment (production: the business units' Prod OUs and
    the AI production OUs; non-production: the business units' NonProd OUs), whose ranges IPAM
    allocates from a pool per environment. (The reference's workload VPCs belong to accounts the
    generated org does not have.)"""
    network_account = reference["core_accounts"]["network"]
    vpcs = {
        name: vpc
        for name, vpc in reference.get("network", {}).get("vpcs", {}).items()
        if vpc["account"] == network_account
    }
    workload_ous = [path for path in organizational_units if path.startswith("Workloads/")]
    production = [path for path in workload_ous if path.endswith("/Prod")]
    production += [path for path in ("AI/Prod", AGENTS_OU) if path in organizational_units]
    non_production = [path for path in workload_ous if path.endswith("/NonProd")]
    for name, ous, netmask in (
        ("prod", production, PRODUCTION_NETMASK),
        ("nonprod", non_production, NON_PRODUCTION_NETMASK),
    ):
        if ous:
            vpcs[name] = {"organizational_units": ous, "netmask": netmask, "data_ports": [5432]}
    home = reference["organization"]["home_region"]
    pools = {home: {"production": str(PRODUCTION_POOL), "non-production": str(NON_PRODUCTION_POOL)}}
    return {**reference.get("network", {}), "vpcs": vpcs, "ipam": {"pools": pools}}


PINNED_RANGES = ipaddress.IPv4Network("10.16.0.0/12")
"""Fixed ranges of pinned VPCs (/20 each): outside the pools and the reference network VPC."""
PINNED_PREFIX = 20


def _pin(
    vpcs: dict[str, Any], generated: dict[str, dict[str, Any]], edge: str | None, count: int
) -> None:
    candidates = [
        name
        for name, account in generated.items()
        if account["ou"].startswith("Workloads/")
        and account["ou"].endswith("/Prod")
        and name != edge
    ]
    if count > len(candidates):
        raise ValueError(
            f"pinned must be at most {len(candidates)} (the production workload accounts but "
            f"the edge account); got {count}"
        )
    ranges = PINNED_RANGES.subnets(new_prefix=PINNED_PREFIX)
    for name, cidr in zip(candidates[:count], ranges, strict=False):
        vpcs[f"pinned-{name}"] = {"account": name, "cidr": str(cidr), "data_ports": [5432]}


def _edge(reference: dict[str, Any], production: str) -> dict[str, Any]:
    """The reference web ACLs and certificates, owned by the first production account."""
    edge = reference.get("edge", {})
    return {
        section: {name: {**item, "account": production} for name, item in edge[section].items()}
        for section in ("web_acls", "certificates")
        if section in edge
    }


def _identity(
    identity: dict[str, Any],
    units: dict[str, Any],
    generated: dict[str, dict[str, Any]],
    ai: dict[str, Any],
) -> dict[str, Any]:
    """The reference identity section, with Workloads/NonProd replaced by the business units'
    non-production OUs, the pipelines deploying to the first generated application, and the AI
    permission sets reaching the buckets of the first generated AI workload of their stage."""
    non_production = [path for path in units if path.endswith("/NonProd")]
    assignments = [
        {
            **assignment,
            "targets": [
                new
                for target in assignment["targets"]
                for new in (non_production if target == "Workloads/NonProd" else [target])
            ],
        }
        for assignment in identity.get("assignments", [])
    ]
    stages = {
        stage: next((n for n, a in generated.items() if a["ou"].endswith(f"/{stage}")), None)
        for stage in ("Prod", "NonProd")
    }
    pipelines = {}
    for name, pipeline in identity.get("pipelines", {}).items():
        # Each reference target becomes the generated application account of the same stage.
        targets = [
            stages["NonProd" if target.endswith("nonprod") else "Prod"]
            for target in pipeline["deploy_to"]
        ]
        if all(targets):
            pipelines[name] = {**pipeline, "deploy_to": targets}
    permission_sets = {}
    for name, permission_set in identity.get("permission_sets", {}).items():
        stage = {"data_scientist": "NonProd", "ml_engineer": "Prod"}.get(
            permission_set["job_function"]
        )
        buckets = None if stage is None else _stage_buckets(ai, generated, stage)
        if buckets is not None:
            permission_set = {**permission_set, **buckets}
        elif stage is not None:
            permission_set = {
                k: v
                for k, v in permission_set.items()
                if k not in ("training_data_buckets", "artifact_buckets")
            }
        permission_sets[name] = permission_set
    return {
        **identity,
        "permission_sets": permission_sets,
        "assignments": assignments,
        "pipelines": pipelines,
    }


def _stage_buckets(
    ai: dict[str, Any], generated: dict[str, dict[str, Any]], stage: str
) -> dict[str, list[str]] | None:
    """The buckets an AI permission set of ``stage`` (Prod: AI/Prod and the agents' account;
    NonProd: AI/NonProd) reaches: the names of the stage's OU-wide workload, patterns that
    reach the buckets of each session's own account, or, without one, those of the agents'
    own workload."""
    ous = (f"AI/{stage}", AGENTS_OU) if stage == "Prod" else (f"AI/{stage}",)
    fields = ("training_data_buckets", "artifact_buckets")
    for workload in ai.get("workloads", {}).values():
        reached = (
            [generated[workload["account"]]["ou"]]
            if "account" in workload
            else [
                a["ou"] for a in generated.values() if a["ou"] in workload["organizational_units"]
            ]
        )
        if any(ou in ous for ou in reached):
            return {field: list(workload[field]) for field in fields}
    return None


def _defense_stacks(config: dict[str, Any]) -> int:
    """The account stacks count, raised until no workload-defenses stack holds more than
    MAX_PLACEMENTS_PER_STACK accounts and regions (they share the account stacks' hash)."""
    model = LandingZoneConfig.model_validate(config)
    for count in range(model.organization.account_stacks, MAX_ACCOUNT_STACKS + 1):
        counted = model.model_copy(
            update={"organization": model.organization.model_copy(update={"account_stacks": count})}
        )
        largest = max((len(s) for s in workload_shards(counted).values()), default=0)
        if largest <= MAX_PLACEMENTS_PER_STACK:
            return count
    raise ValueError(f"the workload defenses do not fit {MAX_ACCOUNT_STACKS} stacks")


def _assignment_stacks(config: dict[str, Any]) -> int:
    """The fewest assignment stacks in which none holds more than ACCOUNTS_PER_STACK."""
    model = LandingZoneConfig.model_validate(config)
    assert model.identity is not None
    total = sum(len(s) for s in assignment_shards(model).values())
    # Fewer stacks than total / ACCOUNTS_PER_STACK cannot do; start there.
    for count in range(max(1, -(-total // ACCOUNTS_PER_STACK)), MAX_ASSIGNMENT_STACKS + 1):
        counted = model.model_copy(
            update={"identity": model.identity.model_copy(update={"assignment_stacks": count})}
        )
        if max((len(s) for s in assignment_shards(counted).values()), default=0) <= (
            ACCOUNTS_PER_STACK
        ):
            return count
    raise ValueError(f"the assignments do not fit {MAX_ASSIGNMENT_STACKS} stacks")


def render(config: dict[str, Any]) -> str:
    """The config as YAML, in the key order of the reference config."""
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False, width=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("accounts", type=int, help="number of accounts, core accounts included")
    parser.add_argument(
        "-o", "--output", type=Path, help="file to write (default: standard output)"
    )
    parser.add_argument(
        "--pinned",
        type=int,
        default=0,
        help="production workload accounts that also get a fixed-range VPC (default: 0)",
    )
    args = parser.parse_args(argv)
    try:
        text = render(generate_config(args.accounts, args.pinned))
    except ValueError as error:
        parser.error(str(error))
    # A generator that writes invalid configs would benchmark the error path.
    try:
        parse_config(text, f"<generated config of {args.accounts} accounts>")
    except ConfigError as error:
        print(f"error: the generated config is invalid: {error}", file=sys.stderr)
        return 1
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
