"""IPv4 address plans: overlaps across the organization and the subnet size of each VPC tier.

Pure functions over CIDR strings (the standard library's ``ipaddress``), so the config's
validation and the constructs share one definition and tests need no CDK app.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from itertools import combinations

TIERS = ("public", "application", "data")
"""The VPC tiers: load balancers, workloads, data stores."""

TIER_SHARES = {"public": 3, "application": 1, "data": 2}
"""Each tier's share of the VPC's range as a power of two: the application tier (the workloads,
which scale out) gets 1/2, the data tier 1/4, the public tier (load balancers only) 1/8; the last
1/8 is left free to add a tier or grow one without renumbering."""

MIN_VPC_PREFIX = 16
MAX_SUBNET_PREFIX = 28
"""Amazon VPC accepts IPv4 VPC and subnet ranges from /16 to /28."""


def network(prop: str, cidr: str) -> ipaddress.IPv4Network:
    """``cidr`` as a network, or ValueError naming ``prop``: an IPv4 range in CIDR notation whose
    host bits are zero (``10.0.0.0/16``, not ``10.0.1.0/16``)."""
    try:
        return ipaddress.IPv4Network(cidr)
    except ValueError as error:
        raise ValueError(
            f"{prop}: {cidr!r} is not an IPv4 network in CIDR notation with zero host bits, "
            f"such as '10.0.0.0/16' ({error})"
        ) from None


def overlapping(cidrs: Mapping[str, str]) -> list[tuple[str, str]]:
    """Pairs of names whose ranges overlap, identical and nested ranges included, each pair in
    the mapping's order and the pairs sorted; empty when the address plan is sound.

    ``cidrs`` maps a name (an account, a VPC) to its range; a range that is not an IPv4 CIDR
    raises ValueError naming it.
    """
    networks = {name: network(name, cidr) for name, cidr in cidrs.items()}
    return sorted(
        (first, second)
        for (first, first_net), (second, second_net) in combinations(networks.items(), 2)
        if first_net.overlaps(second_net)
    )


def tier_subnet_prefixes(vpc_cidr: str, az_count: int) -> dict[str, int]:
    """The prefix length of each tier's subnets in a VPC of ``vpc_cidr`` over ``az_count``
    availability zones: each tier's share (``TIER_SHARES``) split into a power of two of equal
    subnets, at least one per zone.

    A /16 over 3 zones gives public /21, application /19, data /20. Raises ValueError when the
    VPC's prefix is outside /16-/28 or its range is too small for /28 public subnets.
    """
    vpc = network("cidr", vpc_cidr)
    return _tier_prefixes("cidr", repr(vpc_cidr), vpc.prefixlen, az_count)


def tier_subnet_prefixes_for_netmask(netmask: int, az_count: int) -> dict[str, int]:
    """:func:`tier_subnet_prefixes` for a VPC whose range is not known at synth, only its
    prefix length ``netmask`` (a VPC that VPC IPAM allocates from a pool): the same result as
    for any CIDR of that prefix, and the same ValueErrors, naming ``netmask``."""
    if isinstance(netmask, bool) or not isinstance(netmask, int):
        raise ValueError(
            f"netmask: got {netmask!r}; allowed: a prefix length from /{MIN_VPC_PREFIX} to "
            f"/{MAX_SUBNET_PREFIX} (Amazon VPC's limits)"
        )
    return _tier_prefixes("netmask", f"/{netmask}", netmask, az_count)


def pool_capacity(pool_cidr: str, netmask: int) -> int:
    """How many VPCs of prefix length ``netmask`` fit in an empty pool of ``pool_cidr`` (VPC
    IPAM allocates blocks aligned on their size): 0 when ``netmask`` is shorter than the pool's
    prefix. Ranges the pool already holds for others (VPCs it imported) are not subtracted.

    Raises ValueError when ``pool_cidr`` is not an IPv4 CIDR or ``netmask`` is not 0-32.
    """
    pool = network("pool", pool_cidr)
    if isinstance(netmask, bool) or not isinstance(netmask, int) or not 0 <= netmask <= 32:
        raise ValueError(f"netmask: got {netmask!r}; allowed: an IPv4 prefix length, 0 to 32")
    if netmask < pool.prefixlen:
        return 0
    return 1 << (netmask - pool.prefixlen)


def _tier_prefixes(prop: str, shown: str, prefix: int, az_count: int) -> dict[str, int]:
    if not MIN_VPC_PREFIX <= prefix <= MAX_SUBNET_PREFIX:
        raise ValueError(
            f"{prop}: {shown} has a /{prefix} prefix; allowed: /{MIN_VPC_PREFIX} to "
            f"/{MAX_SUBNET_PREFIX} (Amazon VPC's limits)"
        )
    if isinstance(az_count, bool) or az_count < 1:
        raise ValueError(f"az_count: got {az_count!r}; allowed: a positive number of zones")
    slots_bits = (az_count - 1).bit_length()
    prefixes = {tier: prefix + share + slots_bits for tier, share in TIER_SHARES.items()}
    smallest = max(prefixes.values())
    if smallest > MAX_SUBNET_PREFIX:
        largest_vpc = MAX_SUBNET_PREFIX - max(TIER_SHARES.values()) - slots_bits
        raise ValueError(
            f"{prop}: {shown} is too small for three tiers over {az_count} availability "
            f"zones (public subnets would be /{smallest}); allowed: /{largest_vpc} or larger"
        )
    return prefixes
