"""ip_expiry executed by moto's Step Functions: expired blocks leave the block lists."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from landing_zone.response.playbooks import block_network_actor, ip_expiry
from tests.response.emulated import EVIDENCE_PREFIX, Emulated, emulated
from tests.response.ip_block_world import (
    EXISTING,
    TABLE,
    addresses,
    block_input,
    create_block_lists,
    create_table,
    expiry_items,
    forcing_error,
    paged_block_lists,
    patch_moto,
)

NOW = "2027-02-01T00:00:00Z"
EXPIRED_V4 = "198.51.100.7/32"
KEPT_V4 = "198.51.100.8/32"
EXPIRED_V6 = "2001:db8:4006:812::200e/128"
OTHER_ACCOUNT = "210987654321"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulated]:
    with emulated() as env:
        patch_moto(env, monkeypatch)
        create_table(env)
        yield env


@pytest.fixture
def machine(aws: Emulated) -> str:
    return aws.create_state_machine("ip_expiry", ip_expiry.definition())


def add(aws: Emulated, ids: dict[str, str], name: str, *cidrs: str) -> None:
    waf = aws.client("wafv2")
    current = waf.get_ip_set(Name=name, Scope="REGIONAL", Id=ids[name])
    waf.update_ip_set(
        Name=name,
        Scope="REGIONAL",
        Id=ids[name],
        Addresses=[*current["IPSet"]["Addresses"], *cidrs],
        LockToken=current["LockToken"],
        Description=current["IPSet"]["Description"],
    )


def entry(aws: Emulated, cidr: str, expires_at: str, account: str | None = None) -> None:
    account = account or aws.account
    aws.client("dynamodb").put_item(
        TableName=TABLE,
        Item={
            "target": {"S": f"{account}#{aws.region}"},
            "cidr": {"S": cidr},
            "account": {"S": account},
            "region": {"S": aws.region},
            "role_arn": {"S": f"arn:aws:iam::{account}:role/lz-response"},
            "version": {"S": "IPV6" if ":" in cidr else "IPV4"},
            "expires_at": {"S": expires_at},
            "execution": {"S": "arn:aws:states:eu-west-1:123456789012:execution:x:y"},
            "finding_id": {"S": "f1"},
        },
    )


def blocked_world(aws: Emulated) -> dict[str, str]:
    """Two web ACLs' block lists with a hand-made address each (no entry), an expired and an
    unexpired IPv4 block and an expired IPv6 block."""
    ids = create_block_lists(aws)
    for acl in ("shop", "api"):
        add(aws, ids, f"{acl}-block-ipv4", EXPIRED_V4, KEPT_V4)
        add(aws, ids, f"{acl}-block-ipv6", EXPIRED_V6)
    entry(aws, EXPIRED_V4, "2027-01-01T10:00:00Z")
    entry(aws, KEPT_V4, "2027-03-01T10:00:00Z")
    entry(aws, EXPIRED_V6, "2027-01-31T23:59:59Z")
    return ids


def cidrs(aws: Emulated) -> list[str]:
    return sorted(item["cidr"]["S"] for item in expiry_items(aws))


def test_removes_only_expired_addresses(aws: Emulated, machine: str) -> None:
    ids = blocked_world(aws)

    run = aws.run(machine, {"now": NOW})

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    lists = addresses(aws, ids)
    for acl in ("shop", "api"):
        assert lists[f"{acl}-block-ipv4"] == sorted([*EXISTING["IPV4"], KEPT_V4])
        assert lists[f"{acl}-block-ipv6"] == EXISTING["IPV6"]
    assert lists["office-allow"] == []
    assert cidrs(aws) == [KEPT_V4]
    assert run.output is not None
    assert run.output["outcome"] == "swept"
    body = aws.client("s3").get_object(
        Bucket=aws.substitutions["EvidenceBucket"],
        Key=f"{EVIDENCE_PREFIX}/ip_expiry/{run.arn.rsplit(':', 1)[1]}.json",
    )["Body"]
    record = json.loads(body.read())
    [swept] = next(call for call in record["calls"] if call["step"] == "SweepTargets")["result"]
    assert sorted(swept["expired"]) == sorted([EXPIRED_V4, EXPIRED_V6])


def test_a_second_sweep_changes_nothing(aws: Emulated, machine: str) -> None:
    ids = blocked_world(aws)
    first = aws.run(machine, {"now": NOW})
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    after_first = addresses(aws, ids)

    second = aws.run(machine, {"now": NOW}, name="second-sweep")

    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert addresses(aws, ids) == after_first
    assert cidrs(aws) == [KEPT_V4]


def test_nothing_expired_changes_nothing(aws: Emulated, machine: str) -> None:
    ids = blocked_world(aws)
    before = addresses(aws, ids)

    run = aws.run(machine, {"now": "2026-12-01T00:00:00Z"})

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert addresses(aws, ids) == before
    assert cidrs(aws) == sorted([EXPIRED_V4, EXPIRED_V6, KEPT_V4])


def test_one_target_sweeps_that_account_and_region_only(aws: Emulated, machine: str) -> None:
    ids = blocked_world(aws)
    entry(aws, "192.0.2.44/32", "2027-01-01T00:00:00Z", account=OTHER_ACCOUNT)

    run = aws.run(machine, {"now": NOW, "target": {"account": aws.account, "region": aws.region}})

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert EXPIRED_V4 not in addresses(aws, ids)["shop-block-ipv4"]
    assert cidrs(aws) == sorted(["192.0.2.44/32", KEPT_V4])


def test_an_entry_whose_block_lists_are_gone_is_forgotten(aws: Emulated, machine: str) -> None:
    entry(aws, EXPIRED_V4, "2027-01-01T10:00:00Z")

    run = aws.run(machine, {"now": NOW})

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert cidrs(aws) == []


def test_expires_what_the_block_playbook_added(aws: Emulated, machine: str) -> None:
    ids = create_block_lists(aws, ("shop",))
    block = aws.create_state_machine("block_network_actor", block_network_actor.definition())
    blocked = aws.run(block, block_input())
    assert blocked.status == "SUCCEEDED", (blocked.error, blocked.cause)
    assert EXPIRED_V4 in addresses(aws, ids)["shop-block-ipv4"]

    run = aws.run(machine, {"now": NOW}, name="sweep")

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert addresses(aws, ids)["shop-block-ipv4"] == EXISTING["IPV4"]
    assert expiry_items(aws) == []


def test_an_error_fails_loudly_and_alerts(aws: Emulated, machine: str) -> None:
    aws.client("dynamodb").delete_table(TableName=TABLE)

    run = aws.run(machine, {"now": NOW})

    assert run.status == "FAILED"
    assert run.error == "Response.Failed"
    assert run.cause is not None
    assert "ResourceNotFound" in run.cause
    [alert] = aws.messages("alert")
    assert alert["summary"].startswith("FAILED: ip_expiry sweep")


def test_expires_blocks_in_lists_past_the_first_page_of_ip_sets(
    aws: Emulated, machine: str
) -> None:
    ids = paged_block_lists(aws)
    before = addresses(aws, ids)
    block = aws.create_state_machine("block_network_actor", block_network_actor.definition())
    blocked = aws.run(block, block_input())
    assert blocked.status == "SUCCEEDED", (blocked.error, blocked.cause)
    for acl in ("shop", "api"):
        assert EXPIRED_V4 in addresses(aws, ids)[f"{acl}-block-ipv4"]

    run = aws.run(machine, {"now": NOW}, name="sweep")

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert addresses(aws, ids) == before
    assert expiry_items(aws) == []
    assert run.output is not None
    [swept] = next(call for call in run.output["calls"] if call["step"] == "SweepTargets")["result"]
    pages = [call["result"] for call in swept["calls"] if call["step"] == "TargetListIpSets"]
    assert pages == [{"page": 1, "ip_sets": 100}, {"page": 2, "ip_sets": 35}]


def test_more_pages_than_the_bound_fail_the_sweep_loudly(
    aws: Emulated, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Inside the per-target Map: the bound's error goes to the iteration's fail state, fails
    # the Map, and the sweep's failure path records and alerts it.
    monkeypatch.setattr(block_network_actor, "MAX_IP_SET_PAGES", 1)
    machine = aws.create_state_machine("ip_expiry", ip_expiry.definition())
    ids = paged_block_lists(aws)
    add(aws, ids, "api-block-ipv4", EXPIRED_V4)
    entry(aws, EXPIRED_V4, "2027-01-01T10:00:00Z")
    before = addresses(aws, ids)

    run = aws.run(machine, {"now": NOW})

    assert run.status == "FAILED"
    assert run.error == "Response.Failed"
    assert run.cause is not None
    assert run.cause.startswith("Response.TooManyIpSets: ListIPSets returned more than 1 pages")
    assert addresses(aws, ids) == before
    assert cidrs(aws) == [EXPIRED_V4]
    [alert] = aws.messages("alert")
    assert alert["summary"] == "FAILED: ip_expiry sweep: Response.TooManyIpSets"


def test_an_error_inside_the_selection_map_fails_the_sweep_loudly(aws: Emulated) -> None:
    definition = forcing_error(
        ip_expiry.definition(), ("SweepTargets", "Target.Lists.Mark"), "Target.Lists.Keep"
    )
    machine = aws.create_state_machine("ip_expiry", definition)
    ids = blocked_world(aws)
    before = addresses(aws, ids)

    run = aws.run(machine, {"now": NOW})

    assert run.status == "FAILED"
    assert run.error == "Response.Failed"
    assert run.cause == "Test.Forced: forced in Target.Lists.Keep"
    assert addresses(aws, ids) == before
    [alert] = aws.messages("alert")
    assert alert["summary"] == "FAILED: ip_expiry sweep: Test.Forced"
    body = aws.client("s3").get_object(
        Bucket=aws.substitutions["EvidenceBucket"],
        Key=f"{EVIDENCE_PREFIX}/ip_expiry/{run.arn.rsplit(':', 1)[1]}.json",
    )["Body"]
    record = json.loads(body.read())
    assert record["outcome"] == "failed"
    assert record["error"]["Error"] == "Test.Forced"
