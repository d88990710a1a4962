"""Playbook 5: root user activity (plan: ``{"in_window": bool, "window": name | null}``).

No containment: the root user of a member account is locked down by the organization's SCPs
and its use is a question for a person, not for automation. The triage decides the rest:

- inside a maintenance window declared for the account it sends ``action: ticket`` (and has
  opened the OpsItem): the frame puts the ticket event (with the plan, which names the window)
  on ``${TicketBusArn}`` at the start and ends ``ticketed`` without reaching this playbook's
  steps;
- outside, ``tier: CRITICAL`` with that tier's action (``contain`` by default): the playbook
  pages ``${PagingTopicArn}`` with the account, region, finding and plan (the triage's plan may
  carry the source IP and the event), outcome ``manual_step_required``: someone must confirm
  who used the root user and why. (``action: notify`` or ``ticket`` for CRITICAL in config
  is the frame's, as for every playbook.)

Dry run (fire drills) records the plan and sends neither. The evidence record is written as for
every playbook. Rollback has nothing to undo: the frame refuses it (only a ``contained``
execution can be rolled back).
"""

from __future__ import annotations

from typing import Any, Final

from landing_zone.response.asl import (
    DECIDE,
    States,
    Steps,
    finish,
    playbook_definition,
    publish_call,
)

PLAYBOOK: Final = "root_use"


def _message(prefix: str) -> dict[str, Any]:
    return {
        "summary.$": (
            f"States.Format('{prefix}: root user activity in account {{}} ({{}}): {{}}', "
            "$.target.account, $.target.region, $.finding.title)"
        ),
        "account.$": "$.target.account",
        "region.$": "$.target.region",
        "finding.$": "$.finding",
        "plan.$": "$.plan",
        "tier.$": "$.tier",
        "execution.$": "$$.Execution.Id",
    }


def _respond() -> Steps:
    states: States = {
        **publish_call(
            "RootPage",
            "${PagingTopicArn}",
            "lz-response root_use: CRITICAL root user activity",
            {
                **_message("CRITICAL"),
                "manual_step": (
                    "Confirm with the account owner who signed in as root and why; if "
                    "nobody did, rotate the root credentials and MFA (break-glass runbook)."
                ),
            },
            finish("manual_step_required"),
        ),
    }
    return Steps("RootPage", states)


def _inspect() -> Steps:
    """Nothing to read: the plan says all; the frame's ``DECIDE`` handles dry run and tiers."""
    return Steps(
        "Root.Before",
        {
            "Root.Before": {
                "Type": "Pass",
                "Parameters": {"in_window.$": "$.plan.in_window", "window.$": "$.plan.window"},
                "ResultPath": "$.before",
                "Next": DECIDE,
            }
        },
    )


def _rollback() -> Steps:
    # Unreachable: root_use never ends "contained", and the frame rolls back nothing else.
    return Steps(
        "Root.NothingToUndo",
        {"Root.NothingToUndo": {"Type": "Pass", "Next": finish("rolled_back")}},
    )


def definition() -> dict[str, Any]:
    """The ``lz-response-root-use`` state machine definition."""
    return playbook_definition(
        PLAYBOOK,
        inspect=_inspect(),
        contain=_respond(),
        rollback=_rollback(),
        comment="Pages root user activity outside a maintenance window, tickets it inside",
    )
