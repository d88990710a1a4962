"""Lambda handler of the custom resource ``Custom::MacieMembers``: adds the accounts it lists as
Macie members of this account (the delegated Macie administrator) in this Region.

CloudFormation sends the request (``ResourceProperties.Members``: account id -> email address)
and waits for a response at ``ResponseURL`` (the custom resource request and response
protocol: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref.html).

- Create and Update: ``ListMembers`` (all pages) first; ``CreateMember`` only for the listed
  accounts that are not current members, one after another at most every
  ``MIN_INTERVAL_SECONDS``. ``ThrottlingException`` doubles the interval (up to
  ``MAX_INTERVAL_SECONDS``) and retries the same account; each success shortens it again.
  ``ConflictException`` (the account became a member meanwhile, or cannot be one) is recorded
  and passed over, as the SDK calls this replaces did. Any other error fails the resource with
  the account's id in the reason.
- Delete, and accounts left out of an update: no call. Members stay members; the guardrail
  ``protect-security-services`` denies ``macie2:DeleteMember`` anyway.
- Time: a function runs at most 15 minutes. When less than ``SAFETY_MARGIN_MS`` remains and
  accounts are left, the function invokes itself asynchronously with the same request (without
  ``OldResourceProperties``, with ``Invocation`` counted up) and returns without answering; the
  next invocation lists the members again and goes on. At most ``MAX_INVOCATIONS`` invocations
  (4 x 15 minutes: CloudFormation waits at most an hour for a custom resource), and each must
  add or pass over at least one account; otherwise the resource fails, and the accounts added
  so far stay members, so the next deployment starts where this one stopped.

Standard library and boto3 only.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

PAGE_SIZE = 25
"""``ListMembers`` ``maxResults`` allows 1-25 (Macie API reference, Members resource)."""

MIN_INTERVAL_SECONDS = 0.2
"""At most five ``CreateMember`` calls a second while Macie does not throttle. *Unverified*: the
Macie user guide's quotas page lists no request rate for the member operations; a throttled call
slows the pace down."""

MAX_INTERVAL_SECONDS = 20.0
"""The longest pause between two calls after repeated throttling."""

SAFETY_MARGIN_MS = 120_000
"""Time left when the function stops starting calls: the last call's worst case (three attempts
of ``CONNECT_TIMEOUT_SECONDS`` + ``READ_TIMEOUT_SECONDS`` and botocore's backoff, about 65
seconds), then the continuation or the response."""

CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 15

MAX_INVOCATIONS = 4
"""Invocations of one request: 4 x 15 minutes is the hour CloudFormation waits for a custom
resource (``ServiceTimeout``, 1-3,600 seconds, default 3,600: AWS::CloudFormation::CustomResource
in the CloudFormation template reference)."""

_NOT_MEMBER_STATUSES = frozenset({"Removed", "Resigned"})
"""``relationshipStatus`` values of a listed account that is no longer associated."""

_MAX_REASON = 1000
"""The whole response must stay under 4,096 bytes (CloudFormation's limit for a response)."""


class Pacer:
    """Spaces calls at least ``interval`` seconds apart; throttling doubles the interval."""

    def __init__(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        interval: float = MIN_INTERVAL_SECONDS,
    ) -> None:
        self.interval = interval
        self._sleep = sleep
        self._clock = clock
        self._last: float | None = None

    def wait(self) -> None:
        if self._last is not None:
            pause = self._last + self.interval - self._clock()
            if pause > 0:
                self._sleep(pause)
        self._last = self._clock()

    def throttled(self) -> None:
        self.interval = min(MAX_INTERVAL_SECONDS, self.interval * 2)

    def succeeded(self) -> None:
        self.interval = max(MIN_INTERVAL_SECONDS, self.interval * 0.8)


@dataclass
class Progress:
    """What one invocation did: accounts added, passed over (``ConflictException``), found
    already members, and still to add when time ran out."""

    added: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    already: int = 0
    remaining: list[str] = field(default_factory=list)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _paced(
    pacer: Pacer, time_left_ms: Callable[[], int], call: Callable[..., Any], **kwargs: Any
) -> Any | None:
    """``call(**kwargs)`` retried while throttled; None when time ran out first."""
    while time_left_ms() > SAFETY_MARGIN_MS:
        pacer.wait()
        try:
            result = call(**kwargs)
        except ClientError as error:
            if _error_code(error) != "ThrottlingException":
                raise
            pacer.throttled()
            continue
        pacer.succeeded()
        return result
    return None


def current_members(macie: Any, pacer: Pacer, time_left_ms: Callable[[], int]) -> Iterator[str]:
    """Account ids of the administrator's current members, every page of ``ListMembers``."""
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"maxResults": PAGE_SIZE}
        if token:
            kwargs["nextToken"] = token
        page = _paced(pacer, time_left_ms, macie.list_members, **kwargs)
        if page is None:
            raise TimeoutError("the time ran out while listing the current Macie members")
        for member in page.get("members", []):
            if member.get("relationshipStatus") not in _NOT_MEMBER_STATUSES:
                yield str(member["accountId"])
        token = page.get("nextToken")
        if not token:
            return


def enrol(
    macie: Any,
    members: Mapping[str, str],
    *,
    pacer: Pacer,
    time_left_ms: Callable[[], int],
) -> Progress:
    """Adds the accounts of ``members`` (account id -> email) that are not current members."""
    existing = set(current_members(macie, pacer, time_left_ms))
    progress = Progress(already=len(existing & set(members)))
    missing = sorted(set(members) - existing)
    for index, account_id in enumerate(missing):
        try:
            done = _paced(
                pacer,
                time_left_ms,
                macie.create_member,
                account={"accountId": account_id, "email": members[account_id]},
            )
        except ClientError as error:
            if _error_code(error) != "ConflictException":
                raise RuntimeError(
                    f"CreateMember of {account_id} failed: {_error_code(error)}: {error}"
                ) from error
            progress.conflicts.append(account_id)
            continue
        if done is None:
            progress.remaining = missing[index:]
            break
        progress.added.append(account_id)
    return progress


def _members(properties: Mapping[str, Any]) -> dict[str, str]:
    members = properties.get("Members")
    if not isinstance(members, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in members.items()
    ):
        raise ValueError("ResourceProperties.Members must map account ids to email addresses")
    return members


def physical_resource_id(event: Mapping[str, Any]) -> str:
    """The id a request keeps (Update, Delete) or gets (Create): one per account and Region."""
    existing = event.get("PhysicalResourceId")
    if existing:
        return str(existing)
    # arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>
    parts = str(event["StackId"]).split(":")
    return f"{parts[4]}-{parts[3]}-macie-members"


def process(
    event: Mapping[str, Any],
    *,
    macie: Any,
    time_left_ms: Callable[[], int],
    respond: Callable[[Mapping[str, Any]], None],
    continue_later: Callable[[Mapping[str, Any]], None],
    pacer: Pacer | None = None,
) -> Progress | None:
    """Handles one request: answers CloudFormation through ``respond``, or hands the request on
    to the next invocation through ``continue_later``. Returns what was done (None on Delete)."""
    physical_id = physical_resource_id(event)
    progress: Progress | None = None

    def answer(status: str, reason: str = "", data: Mapping[str, str] | None = None) -> None:
        respond(
            {
                "Status": status,
                "Reason": reason[:_MAX_REASON],
                "PhysicalResourceId": physical_id,
                "StackId": event["StackId"],
                "RequestId": event["RequestId"],
                "LogicalResourceId": event["LogicalResourceId"],
                "Data": dict(data or {}),
            }
        )

    try:
        if event["RequestType"] == "Delete":
            answer("SUCCESS", "Members stay members: deleting makes no call")
            return None
        members = _members(event.get("ResourceProperties", {}))
        progress = enrol(macie, members, pacer=pacer or Pacer(), time_left_ms=time_left_ms)
        invocation = int(event.get("Invocation", 1))
        _log(invocation, len(members), progress)
        if progress.remaining:
            if not (progress.added or progress.conflicts):
                raise TimeoutError(
                    f"no account added in a whole invocation (throttled throughout); "
                    f"{len(progress.remaining)} remain, the first {progress.remaining[0]}"
                )
            if invocation >= MAX_INVOCATIONS:
                raise TimeoutError(
                    f"{len(progress.remaining)} accounts remain after {invocation} "
                    "invocations; deploy again to go on"
                )
            following = {k: v for k, v in event.items() if k != "OldResourceProperties"}
            following["Invocation"] = invocation + 1
            continue_later(following)
            return progress
        answer(
            "SUCCESS",
            data={
                "Added": str(len(progress.added)),
                "Conflicts": str(len(progress.conflicts)),
                "AlreadyMembers": str(progress.already),
            },
        )
    except Exception as error:  # Every failure must reach CloudFormation, or it waits an hour.
        answer("FAILED", f"{type(error).__name__}: {error}")
    return progress


def _log(invocation: int, listed: int, progress: Progress) -> None:
    # Account ids only: the email addresses stay out of the logs.
    print(
        json.dumps(
            {
                "invocation": invocation,
                "listed": listed,
                "already_members": progress.already,
                "added": progress.added,
                "conflicts": progress.conflicts,
                "remaining": len(progress.remaining),
            }
        )
    )


def send_response(url: str, body: Mapping[str, Any]) -> None:
    """PUTs the response to the presigned S3 URL CloudFormation gave (no content type, as the
    URL was signed without one)."""
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(data))}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def handler(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point."""
    # botocore retries a call a few times (throttling included); what still throttles is paced.
    config = Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )
    macie = boto3.client("macie2", config=config)
    function = boto3.client("lambda", config=config)

    def continue_later(following: Mapping[str, Any]) -> None:
        function.invoke(
            FunctionName=context.invoked_function_arn,
            InvocationType="Event",
            Payload=json.dumps(following).encode(),
        )

    process(
        event,
        macie=macie,
        time_left_ms=context.get_remaining_time_in_millis,
        respond=lambda body: send_response(event["ResponseURL"], body),
        continue_later=continue_later,
    )
