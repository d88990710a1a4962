"""Lambda handler of ``lz-response-drill-timing``: the fire drill's durations and its timing
verdict for one playbook.

The drill state machine (``landing_zone.response.playbooks.drill``) collects each drill execution
of a playbook with the timestamps Step Functions gives (Amazon States Language's JSONPath has no
date arithmetic) and invokes this function with::

    {"page_within_seconds": 120,
     "executions": [{"execution", "status", "tier", "action", "execution_started_at",
                     "finding": {… the workflow input's finding …},
                     "planned_at": ["<ISO 8601>"] | [], "paged_at": ["<ISO 8601>"] | []}, …]}

It returns the executions with their durations and the playbook's timing verdict::

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
- ``seconds_to_plan``: finding event -> the execution entered ``Decide`` (its first entry);
  ``seconds_to_page``: finding event -> its start page was published; null when never reached.
- A page is expected when the tier's action is ``contain`` (the playbook frame pages only then).
  The playbook is on time when every execution that should page did, none later than
  ``page_within_seconds`` (exactly the limit passes), and every timestamp could be read.

Timestamps are ISO 8601, with or without fractional seconds, ``Z`` or an offset; one without an
offset is UTC, as every Step Functions timestamp is. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

PAGE_WITHIN_SECONDS = 120
"""The contract (issue 15, severity tiers): the page reaches the paging topic within two minutes
of the finding event."""

PAGING_ACTION = "contain"
"""The tier action whose executions page (``asl._announce``)."""


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point (``drill_timing.handler``)."""
    limit = event.get("page_within_seconds", PAGE_WITHIN_SECONDS)
    return timing(event.get("executions") or [], page_within_seconds=limit)


def timing(
    executions: Sequence[Mapping[str, Any]], *, page_within_seconds: float = PAGE_WITHIN_SECONDS
) -> dict[str, Any]:
    """Durations of ``executions`` (as the drill collects them) and the playbook's verdict."""
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
        ("event_time", _instant(event_time))
        if event_time is not None
        else ("updated_at", _instant(finding.get("updated_at")))
    )
    planned_at = _first(execution.get("planned_at"))
    paged_at = _first(execution.get("paged_at"))
    planned, paged = _instant(planned_at), _instant(paged_at)
    readable = start is not None and (planned_at is None or planned is not None)
    readable = readable and (paged_at is None or paged is not None)
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


def _first(timestamps: Any) -> Any:
    """The first of a JSONPath filter's matches (history events come oldest first), or None."""
    if isinstance(timestamps, list):
        return timestamps[0] if timestamps else None
    return timestamps


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def _seconds(value: float | None) -> str:
    return "none" if value is None else f"{value:g} s"
