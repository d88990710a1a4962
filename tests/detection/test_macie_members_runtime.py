"""The Macie member enrolment function: lists the members, adds only the missing accounts, paces
and retries throttled calls, hands the rest on when time runs out, answers every request and
makes no call on delete. Macie is stubbed with botocore's Stubber (any call not stubbed fails)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from landing_zone.detection.runtime import macie_members
from landing_zone.detection.runtime.macie_members import (
    MAX_INTERVAL_SECONDS,
    MAX_INVOCATIONS,
    MIN_INTERVAL_SECONDS,
    PAGE_SIZE,
    SAFETY_MARGIN_MS,
    Pacer,
    process,
    send_response,
)

STACK_ID = "arn:aws:cloudformation:eu-west-1:333333333333:stack/acme-pay-security-tooling/guid"
MEMBERS = {
    "444444444444": "network@acme-pay.example",
    "555555555555": "shared@acme-pay.example",
    "666666666666": "payments-prod@acme-pay.example",
}
PLENTY_MS = 10 * 60 * 1000


def _event(request_type: str = "Create", members: dict[str, str] = MEMBERS, **extra: Any):
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ResponseURL": "https://cloudformation-custom-resource-response.example/",
        "StackId": STACK_ID,
        "RequestId": "request-1",
        "LogicalResourceId": "MacieMembers",
        "ResourceType": "Custom::MacieMembers",
        "ResourceProperties": {"ServiceToken": "arn", "Members": members},
        **extra,
    }
    return event


class Recorder:
    """What the function answered and handed on, and the pauses it made (no real sleeping)."""

    def __init__(self) -> None:
        self.responses: list[dict[str, Any]] = []
        self.continued: list[dict[str, Any]] = []
        self.sleeps: list[float] = []
        self.now = 0.0

    def respond(self, body: Any) -> None:
        self.responses.append(dict(body))

    def continue_later(self, event: Any) -> None:
        self.continued.append(dict(event))

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def pacer(self) -> Pacer:
        return Pacer(sleep=self.sleep, clock=lambda: self.now)


@pytest.fixture
def macie() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "macie2",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _list(stubber: Stubber, members: list[dict[str, str]], token: str | None = None, **more):
    expected: dict[str, Any] = {"maxResults": PAGE_SIZE}
    if token:
        expected["nextToken"] = token
    response: dict[str, Any] = {"members": members, **more}
    stubber.add_response("list_members", response, expected)


def _member(account_id: str, status: str = "Enabled") -> dict[str, str]:
    return {"accountId": account_id, "relationshipStatus": status}


def _create(stubber: Stubber, account_id: str) -> None:
    stubber.add_response(
        "create_member",
        {"arn": f"arn:aws:macie2:eu-west-1:333333333333:member/{account_id}"},
        {"account": {"accountId": account_id, "email": MEMBERS[account_id]}},
    )


def _run(client: Any, recorder: Recorder, event: dict[str, Any], time_left=lambda: PLENTY_MS):
    return process(
        event,
        macie=client,
        time_left_ms=time_left,
        respond=recorder.respond,
        continue_later=recorder.continue_later,
        pacer=recorder.pacer(),
    )


def test_adds_only_the_accounts_that_are_not_members(macie) -> None:
    client, stubber = macie
    _list(stubber, [_member("555555555555"), _member("999999999999")])
    _create(stubber, "444444444444")
    _create(stubber, "666666666666")
    recorder = Recorder()
    progress = _run(client, recorder, _event())
    assert progress is not None
    assert progress.added == ["444444444444", "666666666666"]
    assert progress.already == 1
    assert recorder.responses == [
        {
            "Status": "SUCCESS",
            "Reason": "",
            "PhysicalResourceId": "333333333333-eu-west-1-macie-members",
            "StackId": STACK_ID,
            "RequestId": "request-1",
            "LogicalResourceId": "MacieMembers",
            "Data": {"Added": "2", "Conflicts": "0", "AlreadyMembers": "1"},
        }
    ]
    assert recorder.continued == []


def test_reads_every_page_of_members(macie) -> None:
    client, stubber = macie
    _list(stubber, [_member("444444444444")], nextToken="page-2")
    _list(stubber, [_member("555555555555")], token="page-2", nextToken="page-3")
    _list(stubber, [_member("666666666666")], token="page-3")
    recorder = Recorder()
    progress = _run(client, recorder, _event("Update", PhysicalResourceId="kept-id"))
    assert progress is not None
    assert (progress.added, progress.already) == ([], 3)
    assert recorder.responses[0]["Status"] == "SUCCESS"
    # An update keeps the physical id: CloudFormation would otherwise delete the "old" one.
    assert recorder.responses[0]["PhysicalResourceId"] == "kept-id"


def test_a_removed_member_is_added_again(macie) -> None:
    client, stubber = macie
    _list(
        stubber,
        [_member("444444444444", "Removed"), _member("555555555555"), _member("666666666666")],
    )
    _create(stubber, "444444444444")
    recorder = Recorder()
    progress = _run(client, recorder, _event())
    assert progress is not None
    assert progress.added == ["444444444444"]


def test_throttled_calls_are_retried_more_slowly(macie) -> None:
    client, stubber = macie
    _list(stubber, [_member("555555555555"), _member("666666666666")])
    for _ in range(3):
        stubber.add_client_error("create_member", "ThrottlingException", http_status_code=429)
    _create(stubber, "444444444444")
    recorder = Recorder()
    progress = _run(client, recorder, _event())
    assert progress is not None
    assert progress.added == ["444444444444"]
    assert recorder.responses[0]["Status"] == "SUCCESS"
    # The pace before the first call, then twice as long after each throttled one.
    assert recorder.sleeps == pytest.approx(
        [
            MIN_INTERVAL_SECONDS,
            2 * MIN_INTERVAL_SECONDS,
            4 * MIN_INTERVAL_SECONDS,
            8 * MIN_INTERVAL_SECONDS,
        ]
    )


def test_the_pause_is_capped() -> None:
    recorder = Recorder()
    pacer = recorder.pacer()
    for _ in range(20):
        pacer.throttled()
    assert pacer.interval == MAX_INTERVAL_SECONDS
    for _ in range(50):
        pacer.succeeded()
    assert pacer.interval == MIN_INTERVAL_SECONDS


def test_a_conflict_is_passed_over(macie) -> None:
    client, stubber = macie
    _list(stubber, [])
    stubber.add_client_error("create_member", "ConflictException", http_status_code=409)
    _create(stubber, "555555555555")
    _create(stubber, "666666666666")
    recorder = Recorder()
    progress = _run(client, recorder, _event())
    assert progress is not None
    assert progress.conflicts == ["444444444444"]
    assert progress.added == ["555555555555", "666666666666"]
    assert recorder.responses[0]["Data"]["Conflicts"] == "1"


def test_another_error_fails_the_resource_naming_the_account(macie) -> None:
    client, stubber = macie
    _list(stubber, [_member("555555555555"), _member("666666666666")])
    stubber.add_client_error("create_member", "AccessDeniedException", http_status_code=403)
    recorder = Recorder()
    _run(client, recorder, _event())
    [response] = recorder.responses
    assert response["Status"] == "FAILED"
    assert "CreateMember of 444444444444 failed: AccessDeniedException" in response["Reason"]
    # A failed create still names a physical id, which the rollback's delete then gets.
    assert response["PhysicalResourceId"] == "333333333333-eu-west-1-macie-members"


def test_delete_makes_no_call(macie) -> None:
    client, _ = macie  # No stubbed response: any call would raise.
    recorder = Recorder()
    assert _run(client, recorder, _event("Delete", PhysicalResourceId="kept-id")) is None
    assert [r["Status"] for r in recorder.responses] == ["SUCCESS"]
    assert recorder.responses[0]["PhysicalResourceId"] == "kept-id"


def test_accounts_left_out_of_an_update_are_not_removed(macie) -> None:
    client, stubber = macie
    # 999999999999 was listed before and is not any more: nothing deletes it.
    _list(stubber, [_member("999999999999"), *(_member(a) for a in MEMBERS)])
    recorder = Recorder()
    event = _event(
        "Update",
        PhysicalResourceId="kept-id",
        OldResourceProperties={"Members": {**MEMBERS, "999999999999": "old@acme-pay.example"}},
    )
    _run(client, recorder, event)
    assert recorder.responses[0]["Status"] == "SUCCESS"


def test_hands_the_rest_on_when_time_runs_out(macie) -> None:
    client, stubber = macie
    _list(stubber, [])
    _create(stubber, "444444444444")
    # Time for the list and one call, then the safety margin is reached.
    clock = iter([PLENTY_MS, PLENTY_MS, SAFETY_MARGIN_MS])
    recorder = Recorder()
    event = _event("Update", PhysicalResourceId="kept-id", OldResourceProperties={"Members": {}})
    progress = _run(client, recorder, event, time_left=lambda: next(clock))
    assert progress is not None
    assert progress.added == ["444444444444"]
    assert progress.remaining == ["555555555555", "666666666666"]
    assert recorder.responses == [], "the last invocation answers"
    [following] = recorder.continued
    assert following["Invocation"] == 2
    assert "OldResourceProperties" not in following, "the next request carries the list once"
    assert following["ResourceProperties"] == event["ResourceProperties"]


def test_the_next_invocation_goes_on_where_the_last_stopped(macie) -> None:
    client, stubber = macie
    _list(stubber, [_member("444444444444")])
    _create(stubber, "555555555555")
    _create(stubber, "666666666666")
    recorder = Recorder()
    _run(client, recorder, _event(Invocation=2))
    assert recorder.responses[0]["Data"] == {
        "Added": "2",
        "Conflicts": "0",
        "AlreadyMembers": "1",
    }


def test_fails_after_the_last_invocation(macie) -> None:
    client, stubber = macie
    _list(stubber, [])
    _create(stubber, "444444444444")
    clock = iter([PLENTY_MS, PLENTY_MS, SAFETY_MARGIN_MS])
    recorder = Recorder()
    _run(client, recorder, _event(Invocation=MAX_INVOCATIONS), time_left=lambda: next(clock))
    assert recorder.continued == []
    [response] = recorder.responses
    assert response["Status"] == "FAILED"
    assert "2 accounts remain after 4 invocations" in response["Reason"]


def test_fails_when_throttled_for_a_whole_invocation(macie) -> None:
    client, stubber = macie
    _list(stubber, [])
    stubber.add_client_error("create_member", "ThrottlingException", http_status_code=429)
    clock = iter([PLENTY_MS, PLENTY_MS, SAFETY_MARGIN_MS])
    recorder = Recorder()
    _run(client, recorder, _event(), time_left=lambda: next(clock))
    assert recorder.continued == []
    assert recorder.responses[0]["Status"] == "FAILED"
    assert "throttled throughout" in recorder.responses[0]["Reason"]


@pytest.mark.parametrize(
    "members", [None, ["444444444444"], {"444444444444": 1}], ids=["missing", "list", "number"]
)
def test_a_malformed_request_fails(macie, members) -> None:
    client, _ = macie
    recorder = Recorder()
    event = _event()
    event["ResourceProperties"] = {"Members": members}
    _run(client, recorder, event)
    assert recorder.responses[0]["Status"] == "FAILED"
    assert "Members must map account ids" in recorder.responses[0]["Reason"]


def test_send_response_puts_the_body_to_the_url() -> None:
    received: list[tuple[str, str | None, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append((self.path, self.headers.get("Content-Type"), self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/response?signature=abc"
        send_response(url, {"Status": "SUCCESS"})
    finally:
        thread.join(timeout=10)
        server.server_close()
    assert received == [("/response?signature=abc", "", b'{"Status": "SUCCESS"}')]


def test_the_runtime_imports_nothing_but_the_standard_library_and_boto3() -> None:
    source = macie_members.__loader__.get_source(macie_members.__name__)  # type: ignore[union-attr]
    imports = {
        line.split()[1].split(".")[0]
        for line in source.splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imports <= {
        "__future__",
        "json",
        "time",
        "urllib",
        "collections",
        "dataclasses",
        "typing",
        "boto3",
        "botocore",
    }
