"""block_network_actor executed by moto's Step Functions against WAFv2 IP sets and DynamoDB."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from moto.wafv2.exceptions import WAFOptimisticLockException
from moto.wafv2.models import WAFV2Backend

from landing_zone.response.playbooks import block_network_actor
from tests.response.emulated import Emulated, emulated, rollback_input
from tests.response.ip_block_world import (
    EXISTING,
    EXPIRES,
    IPV4,
    IPV6,
    TABLE,
    WEB_ACLS,
    addresses,
    block_input,
    create_block_lists,
    create_table,
    expiry_items,
    forcing_error,
    ip_set,
    paged_block_lists,
    patch_moto,
)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulated]:
    with emulated() as env:
        patch_moto(env, monkeypatch)
        create_table(env)
        yield env


@pytest.fixture
def machine(aws: Emulated) -> str:
    return aws.create_state_machine("block_network_actor", block_network_actor.definition())


def test_blocks_an_ipv4_address_in_every_ipv4_block_list(aws: Emulated, machine: str) -> None:
    ids = create_block_lists(aws)
    untouched = {name: ip_set(aws, ids, name) for name in ("shop-block-ipv6", "office-allow")}

    run = aws.run(machine, block_input())

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output is not None
    assert run.output["outcome"] == "contained"
    for acl in WEB_ACLS:
        blocked = ip_set(aws, ids, f"{acl}-block-ipv4")
        assert sorted(blocked["Addresses"]) == sorted([*EXISTING["IPV4"], IPV4])
        assert blocked["Description"] == "IPv4 addresses that incident response blocks"
    assert {name: ip_set(aws, ids, name) for name in untouched} == untouched
    before = run.output["before"]
    assert before["cidr"] == IPV4
    assert sorted(s["name"] for s in before["ip_sets"]) == ["api-block-ipv4", "shop-block-ipv4"]
    assert all(s["present"] is False and s["addresses"] == 1 for s in before["ip_sets"])
    [item] = expiry_items(aws)
    assert item["target"]["S"] == f"{aws.account}#{aws.region}"
    assert item["cidr"]["S"] == IPV4
    assert item["expires_at"]["S"] == EXPIRES
    assert item["execution"]["S"] == run.arn
    record, _ = aws.evidence("block_network_actor", run.arn)
    assert record["outcome"] == "contained"
    assert record["plan"]["expires_at"] == EXPIRES
    steps = [call["step"] for call in record["calls"]]
    assert steps[:3] == ["AnnouncePage", "ListIpSets", "InspectIpSets"]
    assert "BlockIpSets" in steps
    assert "RecordExpiry" in steps
    block = next(call for call in record["calls"] if call["step"] == "BlockIpSets")
    updates = [
        call
        for set_result in block["result"]
        for call in set_result["calls"]
        if call["step"] == "AddUpdate"
    ]
    assert [update["result"]["added"] for update in updates] == [IPV4, IPV4]
    # The address lists stay out of the record: only their sizes are logged.
    assert EXISTING["IPV4"][0] not in json.dumps(record["calls"])
    pages = aws.messages("paging")
    assert [page["summary"].split()[0] for page in pages] == ["STARTED", "RESULT"]


def test_blocks_an_ipv6_address_in_the_ipv6_block_lists_only(aws: Emulated, machine: str) -> None:
    ids = create_block_lists(aws)

    run = aws.run(machine, block_input(IPV6))

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output is not None
    assert run.output["outcome"] == "contained"
    lists = addresses(aws, ids)
    for acl in WEB_ACLS:
        assert lists[f"{acl}-block-ipv6"] == sorted([*EXISTING["IPV6"], IPV6])
        assert lists[f"{acl}-block-ipv4"] == EXISTING["IPV4"]


def test_an_empty_block_list_gets_its_first_address(aws: Emulated, machine: str) -> None:
    waf = aws.client("wafv2")
    set_id = waf.create_ip_set(
        Name="edge-block-ipv4", Scope="REGIONAL", IPAddressVersion="IPV4", Addresses=[]
    )["Summary"]["Id"]

    run = aws.run(machine, block_input())

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    got = waf.get_ip_set(Name="edge-block-ipv4", Scope="REGIONAL", Id=set_id)["IPSet"]
    assert got["Addresses"] == [IPV4]


def test_dry_run_records_the_plan_and_changes_nothing(aws: Emulated, machine: str) -> None:
    ids = create_block_lists(aws)
    before = addresses(aws, ids)

    run = aws.run(machine, block_input(mode="dry_run"))

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output is not None
    assert run.output["outcome"] == "planned"
    assert addresses(aws, ids) == before
    assert expiry_items(aws) == []
    assert len(run.output["before"]["ip_sets"]) == 2


def test_a_second_run_changes_nothing_and_says_so(aws: Emulated, machine: str) -> None:
    ids = create_block_lists(aws)
    first = aws.run(machine, block_input())
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    after_first = addresses(aws, ids)
    tokens = {name: ip_set(aws, ids, name) for name in ids}

    second = aws.run(machine, block_input(), name="second-run")

    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert second.output is not None
    assert second.output["outcome"] == "already_contained"
    assert addresses(aws, ids) == after_first
    assert {name: ip_set(aws, ids, name) for name in ids} == tokens
    assert not any(call["step"] == "BlockIpSets" for call in second.output["calls"]), (
        "no write on a contained address"
    )


def test_rollback_removes_the_address_it_added_and_its_expiry(aws: Emulated, machine: str) -> None:
    ids = create_block_lists(aws)
    # Present in one list before the block: the rollback must leave it there.
    waf = aws.client("wafv2")
    shop = waf.get_ip_set(Name="shop-block-ipv4", Scope="REGIONAL", Id=ids["shop-block-ipv4"])
    waf.update_ip_set(
        Name="shop-block-ipv4",
        Scope="REGIONAL",
        Id=ids["shop-block-ipv4"],
        Addresses=[*EXISTING["IPV4"], IPV4],
        LockToken=shop["LockToken"],
        Description=shop["IPSet"]["Description"],
    )
    before = addresses(aws, ids)
    blocked = aws.run(machine, block_input())
    assert blocked.output is not None
    assert blocked.output["outcome"] == "contained"
    assert IPV4 in addresses(aws, ids)["api-block-ipv4"]

    rolled_back = aws.run(machine, rollback_input(blocked.arn), name="rollback")

    assert rolled_back.status == "SUCCEEDED", (rolled_back.error, rolled_back.cause)
    assert rolled_back.output is not None
    assert rolled_back.output["outcome"] == "rolled_back"
    assert addresses(aws, ids) == before
    assert ip_set(aws, ids, "api-block-ipv4")["Description"].startswith("IPv4 addresses")
    assert expiry_items(aws) == []


def test_an_account_without_block_lists_ends_cleanly_as_not_found(
    aws: Emulated, machine: str
) -> None:
    aws.client("wafv2").create_ip_set(
        Name="office-allow", Scope="REGIONAL", IPAddressVersion="IPV4", Addresses=[]
    )

    run = aws.run(machine, block_input())

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output is not None
    assert run.output["outcome"] == "not_found"
    assert run.output["before"] == {"cidr": IPV4, "ip_sets": []}
    assert expiry_items(aws) == []
    result = aws.messages("paging")[-1]
    assert result["outcome"] == "not_found"


def test_a_block_list_at_its_cap_is_left_alone_and_alerts(aws: Emulated, machine: str) -> None:
    ids = create_block_lists(aws, ("shop",))
    before = addresses(aws, ids)

    run = aws.run(machine, block_input(cap=1))

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output is not None
    assert run.output["outcome"] == "cap_reached"
    assert addresses(aws, ids) == before
    assert expiry_items(aws) == []
    [alert] = aws.messages("alert")
    assert alert["summary"].startswith(f"CAP REACHED: {IPV4} not blocked")
    assert [capped["name"] for capped in alert["capped"]] == ["shop-block-ipv4"]
    assert aws.messages("paging")[-1]["outcome"] == "cap_reached"


def test_a_lock_conflict_reads_the_set_again(
    aws: Emulated, machine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = create_block_lists(aws, ("shop",))
    update = WAFV2Backend.update_ip_set
    conflicts = iter([True, True])

    def busy(self: WAFV2Backend, *args: Any, **kwargs: Any) -> Any:
        if next(conflicts, False):
            raise WAFOptimisticLockException()
        return update(self, *args, **kwargs)

    monkeypatch.setattr(WAFV2Backend, "update_ip_set", busy)

    run = aws.run(machine, block_input())

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output is not None
    assert run.output["outcome"] == "contained"
    assert IPV4 in addresses(aws, ids)["shop-block-ipv4"]
    [block] = [call for call in run.output["calls"] if call["step"] == "BlockIpSets"]
    gets = [call for call in block["result"][0]["calls"] if call["step"] == "AddGet"]
    assert len(gets) == 3


def test_a_lasting_lock_conflict_fails_loudly(
    aws: Emulated, machine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = create_block_lists(aws, ("shop",))
    before = addresses(aws, ids)

    def busy(self: WAFV2Backend, *args: Any, **kwargs: Any) -> Any:
        raise WAFOptimisticLockException()

    monkeypatch.setattr(WAFV2Backend, "update_ip_set", busy)

    run = aws.run(machine, block_input())

    assert run.status == "FAILED"
    assert run.cause is not None
    assert "OptimisticLock" in run.cause
    assert addresses(aws, ids) == before
    assert aws.messages("paging")[-1]["summary"].startswith("FAILED")


def test_an_error_fails_loudly_and_pages(aws: Emulated, machine: str) -> None:
    create_block_lists(aws, ("shop",))
    aws.client("dynamodb").delete_table(TableName=TABLE)

    run = aws.run(machine, block_input())

    assert run.status == "FAILED"
    assert run.cause is not None
    assert "ResourceNotFound" in run.cause
    record, _ = aws.evidence("block_network_actor", run.arn)
    assert record["outcome"] == "failed"
    assert aws.messages("paging")[-1]["summary"].startswith("FAILED")


def test_block_lists_past_the_first_page_of_ip_sets_are_found(aws: Emulated, machine: str) -> None:
    ids = paged_block_lists(aws)
    before = addresses(aws, ids)

    run = aws.run(machine, block_input())

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output is not None
    assert run.output["outcome"] == "contained"
    lists = addresses(aws, ids)
    for acl in WEB_ACLS:
        assert lists[f"{acl}-block-ipv4"] == sorted([*EXISTING["IPV4"], IPV4])
        assert lists[f"{acl}-block-ipv6"] == before[f"{acl}-block-ipv6"]
    assert lists["office-allow"] == []
    before_sets = run.output["before"]["ip_sets"]
    assert sorted(s["name"] for s in before_sets) == ["api-block-ipv4", "shop-block-ipv4"]
    pages = [call["result"] for call in run.output["calls"] if call["step"] == "ListIpSets"]
    assert pages == [{"page": 1, "ip_sets": 100}, {"page": 2, "ip_sets": 35}]
    [item] = expiry_items(aws)
    assert item["cidr"]["S"] == IPV4


def test_more_pages_than_the_bound_fail_loudly_and_change_nothing(
    aws: Emulated, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bound is read when the definition is built: one page here, so the second fails.
    monkeypatch.setattr(block_network_actor, "MAX_IP_SET_PAGES", 1)
    machine = aws.create_state_machine("block_network_actor", block_network_actor.definition())
    ids = paged_block_lists(aws)
    before = addresses(aws, ids)

    run = aws.run(machine, block_input())

    assert run.status == "FAILED"
    assert run.error == "Response.Failed"
    assert run.cause is not None
    assert run.cause.startswith("Response.TooManyIpSets: ListIPSets returned more than 1 pages")
    assert addresses(aws, ids) == before
    assert expiry_items(aws) == []
    record, _ = aws.evidence("block_network_actor", run.arn)
    assert record["outcome"] == "failed"
    assert record["error"]["Error"] == "Response.TooManyIpSets"
    assert aws.messages("paging")[-1]["summary"].startswith("FAILED: Response.TooManyIpSets")


def test_an_error_inside_the_selection_map_pages_records_and_fails(aws: Emulated) -> None:
    # Inspect.Lists.Mark (formerly Inspect.Select) had no Catch: an error there failed the
    # execution without the FAILED page and without the evidence record.
    definition = forcing_error(
        block_network_actor.definition(), ("Inspect.Lists.Mark",), "Inspect.Lists.Keep"
    )
    machine = aws.create_state_machine("block_network_actor", definition)
    ids = create_block_lists(aws, ("shop",))
    before = addresses(aws, ids)

    run = aws.run(machine, block_input())

    assert run.status == "FAILED"
    assert run.error == "Response.Failed"
    assert run.cause == "Test.Forced: forced in Inspect.Lists.Keep"
    assert addresses(aws, ids) == before
    record, _ = aws.evidence("block_network_actor", run.arn)
    assert record["outcome"] == "failed"
    assert record["error"] == {"Error": "Test.Forced", "Cause": "forced in Inspect.Lists.Keep"}
    assert aws.messages("paging")[-1]["summary"].startswith("FAILED: Test.Forced")
