"""The fire drill's timing (``drill_timing``): durations from the finding event to the plan and to
the page, and the per-playbook verdict on the two-minute page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from landing_zone.response.runtime import drill_timing

FINDING_AT = "2026-12-01T10:00:00.000Z"
ARN = "arn:aws:states:eu-central-1:123456789012:execution:lz-response-root-use:run-1"


def _execution(
    name: str = "run-1",
    *,
    updated_at: Any = FINDING_AT,
    planned_at: Any = "2026-12-01T10:00:03.250Z",
    paged_at: Any = "2026-12-01T10:00:02.000Z",
    action: str = "contain",
    **finding: Any,
) -> dict[str, Any]:
    return {
        "execution": f"arn:aws:states:eu-west-1:123456789012:execution:lz-response-root-use:{name}",
        "status": "SUCCEEDED",
        "tier": "HIGH" if action == "contain" else "LOW",
        "action": action,
        "execution_started_at": "2026-12-01T10:00:01.000Z",
        "finding": {
            "id": f"finding-{name}",
            "type": "Policy:IAMUser/RootCredentialUsage",
            "updated_at": updated_at,
            **finding,
        },
        "planned_at": planned_at,
        "paged_at": paged_at,
    }


def test_durations_from_the_finding_update_to_plan_and_page() -> None:
    result = drill_timing.timing([_execution()])
    (timed,) = result["executions"]
    assert (timed["seconds_to_plan"], timed["seconds_to_page"]) == (3.25, 2.0)
    assert timed["measured_from"] == "updated_at"
    assert timed["finding_updated_at"] == FINDING_AT
    assert timed["finding_type"] == "Policy:IAMUser/RootCredentialUsage"
    assert (timed["planned_at"], timed["paged_at"]) == (
        "2026-12-01T10:00:03.250Z",
        "2026-12-01T10:00:02.000Z",
    )
    assert "finding" not in timed
    assert result["on_time"] is True
    assert result["page_within_seconds"] == drill_timing.PAGE_WITHIN_SECONDS == 120
    assert (result["max_seconds_to_plan"], result["max_seconds_to_page"]) == (3.25, 2.0)
    assert result["summary"] == (
        "slowest page 2 s (limit 120 s), 0 late, 0 never paged, 0 unmeasured"
    )


@pytest.mark.parametrize(
    ("finding_at", "paged_at", "seconds"),
    [
        # Step Functions' milliseconds, GuardDuty's seconds, offsets, no offset (UTC).
        ("2026-12-01T10:00:00Z", "2026-12-01T10:00:30.5Z", 30.5),
        ("2026-12-01T10:00:00.000Z", "2026-12-01T10:00:30Z", 30.0),
        ("2026-12-01T11:00:00+01:00", "2026-12-01T10:00:30.123+00:00", 30.123),
        ("2026-12-01T10:00:00", "2026-12-01T10:01:00.000Z", 60.0),
        ("2026-12-01T09:59:59.999999Z", "2026-12-01T10:00:00.000Z", 0.0),
    ],
)
def test_reads_iso_timestamps_with_and_without_milliseconds(
    finding_at: str, paged_at: str, seconds: float
) -> None:
    result = drill_timing.timing([_execution(updated_at=finding_at, paged_at=paged_at)])
    assert result["executions"][0]["seconds_to_page"] == seconds


def test_exactly_the_limit_passes_one_second_more_fails() -> None:
    on_time = _execution("on-time", paged_at="2026-12-01T10:02:00.000Z")
    late = _execution("late", paged_at="2026-12-01T10:02:01Z")
    assert drill_timing.timing([on_time])["on_time"] is True
    result = drill_timing.timing([on_time, late])
    assert result["on_time"] is False
    assert result["late_pages"] == [late["execution"]]
    assert result["max_seconds_to_page"] == 121.0
    assert result["summary"] == (
        "slowest page 121 s (limit 120 s), 1 late, 0 never paged, 0 unmeasured"
    )


def test_the_limit_is_a_parameter() -> None:
    paged = _execution(paged_at="2026-12-01T10:00:45Z")
    assert drill_timing.timing([paged], page_within_seconds=60)["on_time"]
    strict = drill_timing.timing([paged], page_within_seconds=30)
    assert strict["on_time"] is False
    assert strict["page_within_seconds"] == 30


def test_a_missing_page_of_a_paging_tier_fails_and_its_duration_is_null() -> None:
    unpaged = _execution(paged_at=None)
    result = drill_timing.timing([unpaged])
    (timed,) = result["executions"]
    assert timed["page_expected"] is True
    assert (timed["paged_at"], timed["seconds_to_page"]) == (None, None)
    assert timed["seconds_to_plan"] == 3.25
    assert result["missing_pages"] == [unpaged["execution"]]
    assert result["max_seconds_to_page"] is None
    assert result["on_time"] is False
    assert "slowest page none" in result["summary"]


def test_a_tier_that_does_not_page_needs_no_page() -> None:
    ticket = _execution(action="ticket", paged_at=None)
    notify = _execution("notified", action="notify", paged_at=None, planned_at=None)
    result = drill_timing.timing([ticket, notify])
    assert [t["page_expected"] for t in result["executions"]] == [False, False]
    assert result["missing_pages"] == []
    assert result["on_time"] is True
    assert result["executions"][1]["seconds_to_plan"] is None
    assert result["max_seconds_to_plan"] == 3.25


def test_the_event_time_is_the_start_when_the_input_carries_it() -> None:
    # GuardDuty's updatedAt can precede the EventBridge event by minutes.
    result = drill_timing.timing(
        [_execution(event_time="2026-12-01T10:00:01Z", paged_at="2026-12-01T10:02:00Z")]
    )
    (timed,) = result["executions"]
    assert timed["measured_from"] == "event_time"
    assert timed["finding_event_time"] == "2026-12-01T10:00:01Z"
    assert timed["seconds_to_page"] == 119.0
    assert result["on_time"] is True


@pytest.mark.parametrize(
    "broken",
    [
        {"updated_at": None},
        {"updated_at": "1 December 2026"},
        {"paged_at": "yesterday"},
    ],
)
def test_an_unreadable_timestamp_fails_instead_of_passing_unmeasured(broken: Any) -> None:
    execution = _execution(**broken)
    result = drill_timing.timing([execution])
    (timed,) = result["executions"]
    assert timed["measured_from"] is None
    assert (timed["seconds_to_plan"], timed["seconds_to_page"]) == (None, None)
    assert result["unmeasured"] == [execution["execution"]]
    assert result["on_time"] is False


def test_no_executions_is_on_time_with_nothing_measured() -> None:
    # Missing executions are the count's business (the drill compares found with expected).
    result = drill_timing.timing([])
    assert result["on_time"] is True
    assert result["executions"] == []
    assert (result["max_seconds_to_plan"], result["max_seconds_to_page"]) == (None, None)


@pytest.mark.parametrize("limit", [0, -5, "120", True, None])
def test_rejects_a_limit_that_is_not_positive_seconds(limit: Any) -> None:
    with pytest.raises(ValueError, match="expected seconds > 0"):
        drill_timing.timing([], page_within_seconds=limit)


# --- reading the histories (botocore Stubber: the exact calls) ---------------------------------


def _event(number: int, second: float, kind: str, name: str) -> dict[str, Any]:
    details = "stateEnteredEventDetails" if kind.endswith("Entered") else "stateExitedEventDetails"
    return {
        "id": number,
        "type": kind,
        "timestamp": datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC) + timedelta(seconds=second),
        details: {"name": name},
    }


def _history(pages: list[list[dict[str, Any]]]) -> tuple[Any, Stubber]:
    client = boto3.client("stepfunctions", region_name="eu-central-1")
    stubber = Stubber(client)
    for index, events in enumerate(pages):
        expected: dict[str, Any] = {"executionArn": ARN, "includeExecutionData": False}
        response: dict[str, Any] = {"events": events}
        if index:
            expected["nextToken"] = f"token-{index}"
        if index < len(pages) - 1:
            response["nextToken"] = f"token-{index + 1}"
        stubber.add_response("get_execution_history", response, expected)
    return client, stubber


def test_reads_the_first_plan_and_page_across_history_pages_and_stops_there() -> None:
    client, stubber = _history(
        [
            [
                _event(1, 1.0, "TaskStateEntered", "Announce.Page"),
                _event(2, 1.5, "TaskStateExited", "Announce.Page"),
            ],
            [
                _event(3, 2.25, "ChoiceStateEntered", "Decide"),
                _event(4, 2.5, "ChoiceStateExited", "Decide"),
                _event(5, 9.0, "ChoiceStateEntered", "Decide"),
            ],
            # Never read: both were found.
            [_event(6, 10.0, "PassStateEntered", "Outcome.planned")],
        ]
    )
    with stubber:
        assert drill_timing.reached(client, ARN, "Decide", "Announce.Page") == (
            "2026-12-01T10:00:02.250Z",
            "2026-12-01T10:00:01.500Z",
        )
        # The third page is never asked for.
        with pytest.raises(AssertionError, match="1 responses remaining"):
            stubber.assert_no_pending_responses()


def test_an_execution_that_never_paged_reads_its_whole_history() -> None:
    client, stubber = _history(
        [
            [_event(1, 1.0, "TaskStateEntered", "Announce.Ticket")],
            [_event(2, 2.0, "ChoiceStateEntered", "Decide")],
        ]
    )
    with stubber:
        assert drill_timing.reached(client, ARN, "Decide", "Announce.Page") == (
            "2026-12-01T10:00:02.000Z",
            None,
        )
        stubber.assert_no_pending_responses()


def test_times_each_execution_with_the_client_of_its_region() -> None:
    client, stubber = _history([[_event(1, 150.0, "TaskStateExited", "Announce.Page")]])
    regions: list[str] = []

    def client_for(region: str) -> Any:
        regions.append(region)
        return client

    execution = _execution(planned_at=None, paged_at=None)
    execution["execution"] = ARN
    event = {
        "page_within_seconds": 180,
        "plan_state": "Decide",
        "page_state": "Announce.Page",
        "executions": [{k: v for k, v in execution.items() if not k.endswith("_at")}],
    }
    with stubber:
        result = drill_timing.time_executions(event, client_for=client_for)
    assert regions == ["eu-central-1"]
    (timed,) = result["executions"]
    assert (timed["planned_at"], timed["paged_at"]) == (None, "2026-12-01T10:02:30.000Z")
    assert timed["seconds_to_page"] == 150.0
    assert result["page_within_seconds"] == 180
    assert result["on_time"] is True
