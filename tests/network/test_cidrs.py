"""Address plans: overlapping ranges across the organization and the subnet size of each tier."""

from __future__ import annotations

import pytest

from landing_zone.network.cidrs import (
    overlapping,
    pool_capacity,
    tier_subnet_prefixes,
    tier_subnet_prefixes_for_netmask,
)


def test_disjoint_and_adjacent_ranges_do_not_overlap() -> None:
    assert overlapping({"prod": "10.0.0.0/16", "dev": "10.1.0.0/16", "ai": "10.2.0.0/20"}) == []


@pytest.mark.parametrize(
    ("cidrs", "pairs"),
    [
        ({"prod": "10.0.0.0/16", "copy": "10.0.0.0/16"}, [("prod", "copy")]),
        ({"wide": "10.0.0.0/8", "prod": "10.20.0.0/16"}, [("wide", "prod")]),
        ({"prod": "10.20.0.0/16", "wide": "10.0.0.0/8"}, [("prod", "wide")]),
        (
            {"a": "10.0.0.0/16", "b": "10.0.128.0/17", "c": "10.1.0.0/16", "d": "10.0.0.0/15"},
            [("a", "b"), ("a", "d"), ("b", "d"), ("c", "d")],
        ),
    ],
)
def test_identical_and_nested_ranges_overlap(
    cidrs: dict[str, str], pairs: list[tuple[str, str]]
) -> None:
    assert overlapping(cidrs) == pairs


@pytest.mark.parametrize("cidr", ["10.0.1.0/16", "10.0.0.0/33", "fd00::/8", "ten"])
def test_rejects_what_is_not_an_ipv4_network(cidr: str) -> None:
    with pytest.raises(ValueError, match=f"prod: '{cidr}' is not an IPv4 network"):
        overlapping({"prod": cidr})


@pytest.mark.parametrize(
    ("cidr", "zones", "prefixes"),
    [
        ("10.0.0.0/16", 3, {"public": 21, "application": 19, "data": 20}),
        ("10.0.0.0/16", 4, {"public": 21, "application": 19, "data": 20}),
        ("10.0.0.0/16", 2, {"public": 20, "application": 18, "data": 19}),
        ("10.0.0.0/16", 6, {"public": 22, "application": 20, "data": 21}),
        ("10.0.0.0/23", 3, {"public": 28, "application": 26, "data": 27}),
    ],
)
def test_tier_sizes_fill_seven_eighths_of_the_range(
    cidr: str, zones: int, prefixes: dict[str, int]
) -> None:
    assert tier_subnet_prefixes(cidr, zones) == prefixes
    slots = 1 << (zones - 1).bit_length()
    share = sum(slots * 2.0 ** -(prefix - int(cidr.split("/")[1])) for prefix in prefixes.values())
    assert share == 7 / 8


@pytest.mark.parametrize(
    ("cidr", "zones", "message"),
    [
        ("10.0.0.0/24", 3, "too small for three tiers over 3 availability zones"),
        ("10.0.0.0/24", 3, "allowed: /23 or larger"),
        ("10.0.0.0/15", 3, "allowed: /16 to /28"),
        ("10.0.0.0/16", 0, "az_count: got 0"),
    ],
)
def test_rejects_ranges_that_cannot_hold_the_tiers(cidr: str, zones: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        tier_subnet_prefixes(cidr, zones)


@pytest.mark.parametrize("zones", [2, 3, 4, 6])
@pytest.mark.parametrize("prefix", [16, 19, 21, 23])
def test_netmask_form_equals_the_cidr_form(prefix: int, zones: int) -> None:
    cidr = f"10.0.0.0/{prefix}"
    try:
        expected = tier_subnet_prefixes(cidr, zones)
    except ValueError:
        with pytest.raises(ValueError, match=f"netmask: /{prefix} is too small"):
            tier_subnet_prefixes_for_netmask(prefix, zones)
        return
    assert tier_subnet_prefixes_for_netmask(prefix, zones) == expected


@pytest.mark.parametrize(
    ("netmask", "zones", "message"),
    [
        (24, 3, r"netmask: /24 is too small for three tiers over 3 availability zones"),
        (15, 3, r"netmask: /15 has a /15 prefix; allowed: /16 to /28"),
        (29, 2, r"allowed: /16 to /28"),
        (16, 0, "az_count: got 0"),
        (True, 3, "netmask: got True"),
        ("16", 3, "netmask: got '16'"),
    ],
)
def test_netmask_form_rejects_what_cannot_hold_the_tiers(
    netmask: object, zones: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        tier_subnet_prefixes_for_netmask(netmask, zones)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pool", "netmask", "count"),
    [
        ("10.64.0.0/12", 16, 16),
        ("10.64.0.0/12", 20, 256),
        ("10.64.0.0/12", 12, 1),
        ("10.64.0.0/12", 11, 0),
        ("10.0.0.0/8", 23, 32768),
    ],
)
def test_pool_capacity_counts_aligned_blocks(pool: str, netmask: int, count: int) -> None:
    assert pool_capacity(pool, netmask) == count


@pytest.mark.parametrize(
    ("pool", "netmask", "message"),
    [
        ("10.64.0.1/12", 16, "pool: '10.64.0.1/12' is not an IPv4 network"),
        ("10.64.0.0/12", 33, "netmask: got 33"),
        ("10.64.0.0/12", False, "netmask: got False"),
    ],
)
def test_pool_capacity_rejects_bad_input(pool: str, netmask: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pool_capacity(pool, netmask)  # type: ignore[arg-type]
