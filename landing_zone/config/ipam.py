"""Checks of ``network.ipam``: the pools OU-wide VPCs take their ranges from.

Each OU-wide VPC (``network.vpcs.<n>.organizational_units`` with ``netmask``) gets, in every
account it reaches, a range that VPC IPAM allocates from the pool of its region and of its
accounts' environment (the nearest OU's ``environment``). The config knows those accounts, so a
pool too small for them, pools that overlap each other or an account VPC's fixed range, and a VPC
whose OUs span environments are rejected before anything is deployed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from landing_zone.network import cidrs

from .coverage import entry_accounts, is_ou_wide, under
from .errors import ConfigIssue
from .identity import ou_environment
from .model import ROOT, LandingZoneConfig, VpcConfig


def vpc_environments(config: LandingZoneConfig, vpc: VpcConfig) -> list[str | None]:
    """The environments of an OU-wide VPC's OUs and of the OUs below them, sorted (None: an OU
    without one)."""
    ous = vpc.organizational_units or []
    reached = [path for path in config.organizational_units if under(path, ous)]
    found = {ou_environment(config, path) for path in (*ous, *reached) if path != ROOT}
    return sorted(found, key=lambda environment: environment or "")


def vpc_environment(config: LandingZoneConfig, vpc: VpcConfig) -> str | None:
    """The one environment of an OU-wide VPC's accounts, or None when it has none or several
    (rejected by :func:`check_ipam`)."""
    found = vpc_environments(config, vpc)
    return found[0] if len(found) == 1 else None


def check_ipam(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    home = config.organization.home_region
    ipam = config.network.ipam
    wide = {name: vpc for name, vpc in config.network.vpcs.items() if is_ou_wide(vpc)}
    environments: dict[str, str] = {}
    for name, vpc in wide.items():
        found = vpc_environments(config, vpc)
        where = ("network", "vpcs", name, "organizational_units")
        named = [environment for environment in found if environment is not None]
        if len(named) > 1:
            yield ConfigIssue(
                where,
                f"reach OUs of {' and '.join(named)} accounts, whose ranges come from "
                "different network.ipam pools; allowed: OUs of one environment (one entry per "
                "environment)",
                vpc.organizational_units,
            )
        elif len(named) != len(found) or not found:
            yield ConfigIssue(
                where,
                "reach OUs without an environment (organizational_units.<ou>.environment, on "
                "the OU or an ancestor), which picks the network.ipam pool of the VPC's range; "
                "allowed: OUs of production or of non-production accounts",
                vpc.organizational_units,
            )
        else:
            environments[name] = str(found[0])
    if ipam is None:
        if wide:
            yield ConfigIssue(
                ("network", "ipam"),
                f"is required: VPC(s) {', '.join(wide)} take their ranges from VPC IPAM "
                "(netmask); allowed: pools per region and environment, e.g. {pools: "
                "{eu-west-1: {production: 10.64.0.0/12}}}",
                has_value=False,
            )
        return
    pools: dict[str, str] = {}
    networks: dict[tuple[str, str], ipaddress.IPv4Network] = {}
    governed = config.organization.governed_regions
    for region, by_environment in ipam.pools.items():
        if region not in governed:
            yield ConfigIssue(
                ("network", "ipam", "pools", region),
                f"is not a governed region; allowed: {', '.join(governed)}",
                region,
            )
        for environment, cidr in by_environment.items():
            try:
                networks[(region, environment)] = cidrs.network("pool", cidr)
            except ValueError as error:
                yield ConfigIssue(
                    ("network", "ipam", "pools", region, environment),
                    str(error).removeprefix("pool: "),
                    cidr,
                )
                continue
            pools[f"{region} {environment}"] = cidr
    for first, second in cidrs.overlapping(pools):
        first_region, first_environment = first.split(" ")
        yield ConfigIssue(
            ("network", "ipam", "pools", *second.split(" ")),
            f"overlaps the {first_environment} pool of {first_region} ({pools[first]}); "
            "allowed: ranges that no other pool holds, so no two VPCs get the same addresses",
            pools[second],
        )
    for name, vpc in config.network.vpcs.items():
        if vpc.account is None or vpc.cidr is None:
            continue
        try:
            fixed = cidrs.network("cidr", vpc.cidr)
        except ValueError:
            continue  # reported by the VPC checks
        for pool_key, pool in networks.items():
            if pool.overlaps(fixed):
                yield ConfigIssue(
                    ("network", "ipam", "pools", *pool_key),
                    f"overlaps the range of VPC {name!r} ({vpc.cidr}, account {vpc.account}); "
                    "allowed: a range outside every account VPC's, which IPAM would otherwise "
                    "hand out a second time",
                    str(pool),
                )
    yield from _capacity(config, wide, environments, networks, home)


def _capacity(
    config: LandingZoneConfig,
    wide: dict[str, VpcConfig],
    environments: dict[str, str],
    networks: dict[tuple[str, str], ipaddress.IPv4Network],
    home: str,
) -> Iterator[ConfigIssue]:
    """Each pool holds a VPC of its netmask for every account the config gives one."""
    demand: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for name, vpc in wide.items():
        environment = environments.get(name)
        if environment is None or vpc.netmask is None:
            continue  # reported above and by the VPC checks
        region = vpc.region or home
        pool = networks.get((region, environment))
        if pool is None:
            pools = config.network.ipam.pools if config.network.ipam else {}
            yield ConfigIssue(
                ("network", "ipam", "pools", region),
                f"has no {environment} pool, from which VPC {name!r} takes its ranges; "
                f"allowed: add pools.{region}.{environment}",
                pools.get(region, {}),
            )
            continue
        if vpc.netmask < pool.prefixlen:
            yield ConfigIssue(
                ("network", "vpcs", name, "netmask"),
                f"is larger than the {environment} pool of {region} ({pool}); allowed: "
                f"/{pool.prefixlen} or smaller (a higher number)",
                vpc.netmask,
            )
            continue
        accounts = entry_accounts(config, vpc)
        demand.setdefault((region, environment), []).extend((name, vpc.netmask) for _ in accounts)
    for (region, environment), needs in demand.items():
        pool = networks[(region, environment)]
        addresses = sum(2 ** (32 - netmask) for _, netmask in needs)
        if addresses <= pool.num_addresses:
            continue
        needed_prefix = 32 - (addresses - 1).bit_length()
        counts: dict[str, int] = {}
        for name, _ in needs:
            counts[name] = counts.get(name, 0) + 1
        described = ", ".join(
            f"{count} of VPC {name!r} (/{wide[name].netmask})" for name, count in counts.items()
        )
        yield ConfigIssue(
            ("network", "ipam", "pools", region, environment),
            f"is too small for the VPCs the config gives {environment} accounts in {region}: "
            f"{described}; allowed: a range of /{needed_prefix} or larger",
            str(pool),
        )


def pool_principals(config: LandingZoneConfig) -> dict[str, list[str]]:
    """Environment -> the RAM principals its pools are shared with: the ARNs of the OUs of the
    environment's OU-wide VPCs when every one of them is adopted (its id is in the config), else
    the organization's ARN.

    A created OU's id exists only in the management account (the organization stack writes it to
    an SSM parameter there), and the network account's stack, which shares the pools, can read
    neither that parameter nor the stack's outputs (CloudFormation exports and SSM parameters do
    not cross accounts). So with created OUs every account of the organization may allocate from
    the pool; the StackSet templates still pick the pool of their accounts' environment.
    """
    management = config.core_account_id("management")
    org = config.organization.id
    organization_arn = f"arn:aws:organizations::{management}:organization/{org}"
    ous: dict[str, set[str]] = {}
    for vpc in config.network.vpcs.values():
        environment = vpc_environment(config, vpc) if is_ou_wide(vpc) else None
        if environment is not None:
            ous.setdefault(environment, set()).update(vpc.organizational_units or ())
    principals: dict[str, list[str]] = {}
    for environment, paths in sorted(ous.items()):
        ids = [
            None if path == ROOT else config.organizational_units[path].id for path in sorted(paths)
        ]
        principals[environment] = (
            [f"arn:aws:organizations::{management}:ou/{org}/{ou_id}" for ou_id in ids if ou_id]
            if all(ids)
            else [organization_arn]
        )
    return principals


def allocation_bounds(config: LandingZoneConfig) -> tuple[int, int] | None:
    """The shortest and longest netmask of the OU-wide VPCs (the pools' allocation bounds), or
    None without any."""
    netmasks = [
        vpc.netmask
        for vpc in config.network.vpcs.values()
        if is_ou_wide(vpc) and vpc.netmask is not None
    ]
    return (min(netmasks), max(netmasks)) if netmasks else None
