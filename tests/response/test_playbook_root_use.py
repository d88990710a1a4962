"""root_use executed by moto's Step Functions: pages outside a window, tickets inside."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from landing_zone.response.playbooks import root_use
from tests.response.emulated import Emulated, emulated, rollback_input, workflow_input
from tests.response.ip_block_world import patch_moto


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulated]:
    with emulated() as env:
        patch_moto(env, monkeypatch)
        yield env


@pytest.fixture
def machine(aws: Emulated) -> str:
    return aws.create_state_machine("root_use", root_use.definition())


def root_input(*, in_window: bool, **kwargs: Any) -> dict[str, Any]:
    plan = {"in_window": in_window, "window": "q4-dr-test" if in_window else None}
    defaults: dict[str, Any] = (
        {"tier": "LOW", "action": "ticket"} if in_window else {"tier": "CRITICAL"}
    )
    return workflow_input(
        "root_use",
        plan=plan,
        finding_type="Policy:IAMUser/RootCredentialUsage",
        **{**defaults, **kwargs},
    )


def test_outside_a_window_pages_critical_with_the_account(aws: Emulated, machine: str) -> None:
    run = aws.run(machine, root_input(in_window=False))

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output is not None
    assert run.output["outcome"] == "manual_step_required"
    pages = aws.messages("paging")
    critical = [page for page in pages if page["summary"].startswith("CRITICAL")]
    assert len(critical) == 1
    assert critical[0]["account"] == aws.account
    assert critical[0]["finding"]["type"] == "Policy:IAMUser/RootCredentialUsage"
    assert "manual_step" in critical[0]
    assert aws.ticket_events() == []
    record, _ = aws.evidence("root_use", run.arn)
    assert record["outcome"] == "manual_step_required"
    assert record["before"] == {"in_window": False, "window": None}


def test_inside_a_window_tickets_and_does_not_page(aws: Emulated, machine: str) -> None:
    run = aws.run(machine, root_input(in_window=True))

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output is not None
    assert run.output["outcome"] == "ticketed"
    assert aws.messages("paging") == []
    events = aws.ticket_events()
    tickets = [event for event in events if event["detail-type"] == "Incident response ticket"]
    assert len(tickets) == 1
    assert tickets[0]["detail"]["plan"] == {"in_window": True, "window": "q4-dr-test"}
    assert tickets[0]["detail"]["finding"]["type"] == "Policy:IAMUser/RootCredentialUsage"
    record, _ = aws.evidence("root_use", run.arn)
    assert record["outcome"] == "ticketed"


def test_dry_run_records_and_pages_nothing_critical(aws: Emulated, machine: str) -> None:
    run = aws.run(machine, root_input(in_window=False, mode="dry_run"))

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output is not None
    assert run.output["outcome"] == "planned"
    assert not [p for p in aws.messages("paging") if p["summary"].startswith("CRITICAL")]


def test_rollback_is_refused_loudly(aws: Emulated, machine: str) -> None:
    paged = aws.run(machine, root_input(in_window=False))
    assert paged.status == "SUCCEEDED", (paged.error, paged.cause)

    rolled_back = aws.run(machine, rollback_input(paged.arn), name="rollback")

    assert rolled_back.status == "FAILED"
    assert rolled_back.cause is not None
    assert "rolled back" in rolled_back.cause
