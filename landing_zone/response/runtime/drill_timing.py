"""Lambda handler of ``lz-response-drill-timing``: when the fire drill's playbook executions
planned and paged, how long after the finding event, and whether one playbook's pages were on
time.

The drill state machine (``landing_zone.response.playbooks.drill``) collects the drill executions
of one playbook and invokes this function with::

    {"page_within_seconds": 120, "plan_state": "Decide", "page_state": "Announce.Page",
     "executions": [{"execution": "<execution ARN>", "status", "tier", "action",
                     "execution_started_at", "finding": {… the workflow input's finding …}}, …]}

For each execution it reads ``states:GetExecutionHistory`` (without execution data, oldest event
first): ``planned_at`` is when it first entered ``plan_state`` (plan and before-state known),
``paged_at`` when it first left ``page_state`` (the start page was published). The drill cannot
do this itself: a JSONPath filter that matches no event (an execution that never paged) is a
``States.Runtime`` error in the Step Functions emulator the tests use, which no ``Catch`` takes,
and Amazon States Language's JSONPath has no date arithmetic. It returns the executions with their
durations and the playbook's timing verdict (``timing``)::

    {"page_within_seconds": 120, "on_time": true, "summary": "…",
     "max_seconds_to_plan": 1.234 | null, "max_seconds_to_page": 0.5 | null,
     "late_pages": [<execution ARN>…], "missing_pages": […], "unmeasured": […],
     "executions": [{"execution", "status", "finding_type", "finding_id", "finding_updated_at",
                     "finding_event_time", "measured_from", "tier", "action",
                     "execution_started_at", "planned_at", "paged_at", "page_expected",
                     "seconds_to_plan", "seconds_to_page"}, …]}

- The finding event: the EventBridge event's ``time`` when the workflow input carries it as
  ``finding.event_time``, else the finding's ``updated_at`` (GuardDuty's ``updatedAt``), which
  the triage passes today. GuardDuty publishes a new finding to EventBridge near real time, within
  about five minutes (GuardDuty user guide, "Processing GuardDuty findings with Amazon
  EventBridge"), so a time measured from ``updatedAt`` includes that delay. ``measured_from``
  says which one each duration starts at.
- ``seconds_to_plan``: finding event -> ``planned_at``; ``seconds_to_page``: finding event ->
  ``paged_at``; null when never reached.
- A page is expected when the tier's action is ``contain`` (the playbook frame pages only then).
  The playbook is on time when every execution that should page did, none later than
  ``page_within_seconds`` (exactly the limit passes), and every timestamp could be read.

Timestamps are ISO 8601, with or without fractional seconds, ``Z`` or an offset; one without an
offset is UTC, as every Step Functions timestamp is. Standard library and boto3 only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

try:
    from .decisions import parse_time
except ImportError:  # the Lambda asset, where this folder is the code root
    from decisions import parse_time  # type: ignore[import-not-found,no-redef]

PAGE_WITHIN_SECONDS = 120
"""The contract (issue 15, severity tiers): the page reaches the paging topic within two minutes
of the finding event."""

PAGING_ACTION = "contain"
"""The tier action whose executions page (``asl._announce``)."""

ClientFor = Callable[[str], Any]
"""Region -> Step Functions client."""


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point (``drill_timing.handler``)."""
    return time_executions(event, client_for=_client)


def time_executions(event: Mapping[str, Any], *, client_for: ClientFor) -> dict[str, Any]:
    """The handler's work, with the Step Functions client of a region from ``client_for``."""
    limit = event.get("page_within_seconds", PAGE_WITHIN_SECONDS)
    plan_state, page_state = str(event["plan_state"]), str(event["page_state"])
    executions = []
    for execution in event.get("executions") or []:
        arn = str(execution["execution"])
        # arn:<partition>:states:<region>:<account>:execution:<machine>:<name>
        client = client_for(arn.split(":")[3])
        planned_at, paged_at = reached(client, arn, plan_state, page_state)
        executions.append({**execution, "planned_at": planned_at, "paged_at": paged_at})
    return timing(executions, page_within_seconds=limit)


def reached(
    client: Any, execution_arn: str, plan_state: str, page_state: str
) -> tuple[str | None, str | None]:
    """When the execution first entered ``plan_state`` and first left ``page_state`` (ISO 8601,
    UTC, milliseconds), None for a state it never got to."""
    planned: str | None = None
    paged: str | None = None
    pages = client.get_paginator("get_execution_history").paginate(
        executionArn=execution_arn, includeExecutionData=False
    )
    for page in pages:
        for history_event in page["events"]:
            entered = history_event.get("stateEnteredEventDetails", {}).get("name")
            exited = history_event.get("stateExitedEventDetails", {}).get("name")
            if planned is None and entered == plan_state:
                planned = _iso(history_event["timestamp"])
            if paged is None and exited == page_state:
                paged = _iso(history_event["timestamp"])
            if planned is not None and paged is not None:
                return planned, paged
    return planned, paged


def timing(
    executions: Sequence[Mapping[str, Any]], *, page_within_seconds: float = PAGE_WITHIN_SECONDS
) -> dict[str, Any]:
    """Durations of ``executions`` (records with ``planned_at``/``paged_at``, ISO 8601 or None)
    and the playbook's verdict."""
    if (
        isinstance(page_within_seconds, bool)
        or not isinstance(page_within_seconds, int | float)
        or page_within_seconds <= 0
    ):
        raise ValueError(f"page_within_seconds {page_within_seconds!r}: expected seconds > 0")
    timed = [_timed(execution) for execution in executions]
    late = [
        t["execution"]
        for t in timed
        if t["seconds_to_page"] is not None and t["seconds_to_page"] > page_within_seconds
    ]
    missing = [t["execution"] for t in timed if t["page_expected"] and t["paged_at"] is None]
    unmeasured = [t["execution"] for t in timed if t["measured_from"] is None]
    to_plan = [t["seconds_to_plan"] for t in timed if t["seconds_to_plan"] is not None]
    to_page = [t["seconds_to_page"] for t in timed if t["seconds_to_page"] is not None]
    slowest = max(to_page, default=None)
    return {
        "page_within_seconds": page_within_seconds,
        "on_time": not (late or missing or unmeasured),
        "summary": (
            f"slowest page {_seconds(slowest)} (limit {_seconds(page_within_seconds)}), "
            f"{len(late)} late, {len(missing)} never paged, {len(unmeasured)} unmeasured"
        ),
        "max_seconds_to_plan": max(to_plan, default=None),
        "max_seconds_to_page": slowest,
        "late_pages": late,
        "missing_pages": missing,
        "unmeasured": unmeasured,
        "executions": timed,
    }


def _timed(execution: Mapping[str, Any]) -> dict[str, Any]:
    finding = execution.get("finding")
    finding = finding if isinstance(finding, Mapping) else {}
    event_time = finding.get("event_time")
    measured_from, start = (
        ("event_time", parse_time(event_time))
        if event_time is not None
        else ("updated_at", parse_time(finding.get("updated_at")))
    )
    planned_at, paged_at = execution.get("planned_at"), execution.get("paged_at")
    planned, paged = parse_time(planned_at), parse_time(paged_at)
    readable = (
        start is not None
        and (planned_at is None or planned is not None)
        and (paged_at is None or paged is not None)
    )
    return {
        "execution": execution.get("execution"),
        "status": execution.get("status"),
        "finding_type": finding.get("type"),
        "finding_id": finding.get("id"),
        "finding_updated_at": finding.get("updated_at"),
        "finding_event_time": event_time,
        # None: a timestamp could not be read, so the durations are unknown.
        "measured_from": measured_from if readable else None,
        "tier": execution.get("tier"),
        "action": execution.get("action"),
        "execution_started_at": execution.get("execution_started_at"),
        "planned_at": planned_at,
        "paged_at": paged_at,
        "page_expected": execution.get("action") == PAGING_ACTION,
        "seconds_to_plan": _between(start, planned) if readable else None,
        "seconds_to_page": _between(start, paged) if readable else None,
    }


def _iso(value: datetime) -> str:
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def _seconds(value: float | None) -> str:
    return "none" if value is None else f"{value:g} s"


@cache
def _client(region: str) -> Any:
    # Imported here, not at the top: the synth imports this module for PAGE_WITHIN_SECONDS and
    # would otherwise load boto3 (about 80 ms of every synth) for nothing.
    import boto3
    from botocore.config import Config

    # Standard retries back off on throttling: the drill times up to 100 executions a playbook.
    return boto3.client(
        "stepfunctions", region_name=region, config=Config(retries={"mode": "standard"})
    )
