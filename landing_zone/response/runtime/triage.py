"""Lambda handler of ``lz-response-triage``: decides what a GuardDuty finding or a root console
sign-in calls for (``decisions.decide``) and does it.

- tier action ``ticket``: an OpsCenter OpsItem in this account (deduplicated per finding through
  the ``/aws/dedup`` operational data key,
  https://docs.aws.amazon.com/systems-manager/latest/userguide/OpsCenter-working-deduplication-strings.html)
  and a ``Landing Zone Response Ticket`` event (source ``lz.response``) on the default bus that a
  ticketing system can consume;
- ``notify``: a message on the alert topic;
- ``contain``: the playbook's state machine. When the playbook has nothing it may act on (a refused
  block, a finding that names no instance) the alert topic hears why instead.

A mapped playbook also runs at the ``ticket`` and ``notify`` tiers, with that ``action`` in its
input: it changes nothing, but writes the evidence record (outcome ``ticketed`` or ``notified``),
so every finding a playbook covers leaves one record in the archive, whatever its tier (PCI DSS
12.10: evidence that the plan was followed).

Executions are named after the finding id and its ``updatedAt``: a redelivered event is refused by
Step Functions (``ExecutionAlreadyExists``) and counts as already handled, while an updated
finding runs the (idempotent) playbook again.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

try:
    from .decisions import Decision, decide, execution_name, workflow_input
except ImportError:  # the Lambda asset, where this folder is the code root
    from decisions import (  # type: ignore[import-not-found,no-redef]
        Decision,
        decide,
        execution_name,
        workflow_input,
    )

SETTINGS_PATH = Path(__file__).with_name("settings.json")
SETTINGS_ENVIRONMENT_VARIABLE = "LZ_RESPONSE_SETTINGS"
"""Overrides ``SETTINGS_PATH`` (tests, a local run)."""

TICKET_SOURCE = "lz.response"
"""Source of the ticket events and of the OpsItems (an OpsItem source may not contain 'aws',
'amazon' or 'amzn', https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateOpsItem.html)."""
TICKET_DETAIL_TYPE = "Landing Zone Response Ticket"
OPS_ITEM_SEVERITY = {"CRITICAL": "1", "HIGH": "2", "MEDIUM": "3", "LOW": "4"}
"""OpsItem severity: 1 (most severe) to 4."""
OPS_ITEM_CATEGORY = "Security"
DEDUP_PREFIX = "lz-response:"

_LOG = logging.getLogger()
_LOG.setLevel(logging.INFO)


@dataclass(frozen=True)
class Clients:
    ssm: Any
    events: Any
    sns: Any
    stepfunctions: Any

    @staticmethod
    @cache
    def default() -> Clients:
        return Clients(
            ssm=boto3.client("ssm"),
            events=boto3.client("events"),
            sns=boto3.client("sns"),
            stepfunctions=boto3.client("stepfunctions"),
        )


@cache
def load_settings(path: str | None = None) -> dict[str, Any]:
    """The compiled settings: ``path``, else ``$LZ_RESPONSE_SETTINGS``, else ``settings.json``
    next to this file; read once per Lambda container."""
    chosen = Path(path or os.environ.get(SETTINGS_ENVIRONMENT_VARIABLE) or SETTINGS_PATH)
    settings: dict[str, Any] = json.loads(chosen.read_text(encoding="utf-8"))
    return settings


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event, load_settings(), Clients.default(), datetime.now(UTC))


def handle(
    event: dict[str, Any], settings: dict[str, Any], clients: Clients, now: datetime
) -> dict[str, Any]:
    """Decide and act; returns (and logs) what was done."""
    decision = decide(event, settings, now)
    summary: dict[str, Any] = {
        "finding": decision.finding["id"],
        "type": decision.finding["type"],
        "account": decision.finding["account"],
        "playbook": decision.playbook,
        "tier": decision.tier,
        "action": decision.action,
        "mode": decision.mode,
        "drill": decision.drill,
        "reason": decision.reason,
    }
    ops_item_id: str | None = None
    if decision.action == "ticket":
        ops_item_id = open_ticket(event, decision, settings, clients)
        summary["ops_item_id"] = ops_item_id
    elif decision.action == "notify" or not decision.starts_workflow:
        summary["message_id"] = notify(decision, settings, clients)
    if decision.starts_workflow:
        summary["execution"] = start_playbook(event, decision, ops_item_id, settings, clients)
    _LOG.info(json.dumps(summary, sort_keys=True))
    return summary


def open_ticket(
    event: dict[str, Any], decision: Decision, settings: dict[str, Any], clients: Clients
) -> str:
    """An OpsItem for the finding (the open one if GuardDuty updated the finding since) and the
    ticket event; returns the OpsItem id."""
    finding = decision.finding
    dedup = f"{DEDUP_PREFIX}{finding['id'] or execution_name(event)}"
    try:
        created = clients.ssm.create_ops_item(
            Title=_title(decision)[:1024],
            Description=_description(decision, settings)[:2048],
            Source=TICKET_SOURCE,
            Category=OPS_ITEM_CATEGORY,
            Severity=OPS_ITEM_SEVERITY[decision.tier],
            OperationalData={
                "/aws/dedup": {
                    "Value": json.dumps({"dedupString": dedup}),
                    "Type": "SearchableString",
                },
                "lz-response:finding": {
                    "Value": json.dumps(finding, sort_keys=True),
                    "Type": "SearchableString",
                },
                "lz-response:decision": {
                    "Value": json.dumps(_decision_record(decision), sort_keys=True),
                    "Type": "String",
                },
            },
        )
        ops_item_id = str(created["OpsItemId"])
    except ClientError as error:
        # OpsCenter refuses a second item for a dedup string whose item is still open; the
        # error names the open item (unverified against AWS: botocore models the OpsItemId
        # member of OpsItemAlreadyExistsException).
        if error.response.get("Error", {}).get("Code") != "OpsItemAlreadyExistsException":
            raise
        ops_item_id = str(error.response["OpsItemId"])
    result = clients.events.put_events(
        Entries=[
            {
                "Source": TICKET_SOURCE,
                "DetailType": TICKET_DETAIL_TYPE,
                "Resources": [finding["arn"]] if finding["arn"] else [],
                "Detail": json.dumps(
                    {
                        "ops_item_id": ops_item_id,
                        "finding": finding,
                        **_decision_record(decision),
                    },
                    sort_keys=True,
                ),
            }
        ]
    )
    if result.get("FailedEntryCount"):
        raise RuntimeError(f"the ticket event was refused: {result['Entries']}")
    return ops_item_id


def notify(decision: Decision, settings: dict[str, Any], clients: Clients) -> str:
    """A message on the alert topic; returns its id."""
    published = clients.sns.publish(
        TopicArn=settings["alert_topic_arn"],
        Subject=_subject(decision),
        Message=json.dumps(
            {"finding": decision.finding, **_decision_record(decision)}, sort_keys=True, indent=2
        ),
    )
    return str(published["MessageId"])


def start_playbook(
    event: dict[str, Any],
    decision: Decision,
    ops_item_id: str | None,
    settings: dict[str, Any],
    clients: Clients,
) -> dict[str, Any]:
    """Starts the playbook's state machine; an execution of the same name means the event was
    handled already."""
    assert decision.playbook is not None
    state_machine = settings["state_machines"][decision.playbook]
    name = execution_name(event)
    try:
        started = clients.stepfunctions.start_execution(
            stateMachineArn=state_machine,
            name=name,
            input=json.dumps(workflow_input(decision, ops_item_id), sort_keys=True),
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
            raise
        arn = f"{state_machine.replace(':stateMachine:', ':execution:', 1)}:{name}"
        return {"arn": arn, "started": False}
    return {"arn": started["executionArn"], "started": True}


def _decision_record(decision: Decision) -> dict[str, Any]:
    return {
        "playbook": decision.playbook,
        "tier": decision.tier,
        "action": decision.action,
        "mode": decision.mode,
        "drill": decision.drill,
        "plan": decision.plan,
        "reason": decision.reason,
    }


def _title(decision: Decision) -> str:
    finding = decision.finding
    drill = "[DRILL] " if decision.drill else ""
    return (
        f"{drill}{decision.tier} {finding['type'] or 'unreadable event'} in account "
        f"{finding['account'] or 'unknown'} ({finding['region'] or 'unknown region'})"
    )


def _description(decision: Decision, settings: dict[str, Any]) -> str:
    finding = decision.finding
    account = settings.get("accounts", {}).get(finding["account"] or "", {})
    lines = [
        finding["title"] or _title(decision),
        f"Account: {finding['account']} ({account.get('name', 'not in the config')})",
        f"Finding: {finding['id']} ({finding['arn'] or 'no ARN'}), updated {finding['updated_at']}",
        f"Decision: {decision.reason}",
        f"Playbook: {decision.playbook or 'none'}; mode {decision.mode}",
    ]
    return "\n".join(lines)


def _subject(decision: Decision) -> str:
    """An SNS subject: at most 100 printable ASCII characters, no line breaks
    (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html)."""
    text = f"Security response: {_title(decision)}"
    return re.sub(r"[^\x20-\x7e]", "?", text)[:100]
