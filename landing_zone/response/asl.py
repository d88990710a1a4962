"""Amazon States Language building blocks shared by every response playbook.

Plain Python dictionaries, no CDK: a playbook module returns a complete state machine definition
(``playbook_definition``) whose ``${Placeholder}`` strings the construct fills in through
``DefinitionSubstitutions`` and the tests fill in with emulated resources (``PLACEHOLDERS``).

The state document (the JSON every state reads and writes) is the WORKFLOW INPUT of
``RESPONSE.md`` rebuilt by the frame's first state, plus:

- ``before``: the playbook's before-state; playbooks write it with ``result_path="$.before.<x>"``;
- ``results``: call results by step name (``sdk_call``'s default ``result_path``);
- ``journal.text``: every call made so far as a JSON fragment ``{"step":…,"result":…},…``. ASL
  JSONPath has no list append, so ``sdk_call`` appends text with ``States.Format`` and the
  evidence state turns it into the record's ``calls`` list with ``States.StringToJson``;
- ``outcome``: set by the frame's ``Outcome.<outcome>`` states (``finish(outcome)``);
- ``error``: ``{"Error", "Cause"}`` of a caught failure, else null.

API (stable; other playbooks build on it): ``sdk_call``, ``sdk_map``, ``log_call``,
``playbook_definition``, ``Steps``,
``finish``, ``catch_all``, ``FAILURE``, ``OUTCOMES``, ``PLACEHOLDERS``, ``State``, ``States``.

Error names: the ``aws-sdk`` integration names a service error ``<Service>.<ErrorCode>`` (for
example ``Iam.NoSuchEntityException``); the regional-call Lambda raises errors of the same
names, so one ``catch`` list serves both branches of ``sdk_call``
(https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html).
"""

from __future__ import annotations

import re
from typing import Any, Final, NamedTuple

State = dict[str, Any]
"""One ASL state."""
States = dict[str, State]
"""ASL states by name."""

PLACEHOLDERS: Final = frozenset(
    {
        "EvidenceBucket",
        "EvidencePrefix",
        "EvidenceKeyArn",
        "AlertTopicArn",
        "PagingTopicArn",
        "TicketBusArn",
        "RegionalCallFunctionArn",
        "HomeRegion",
        # The IP block expiry table of block_network_actor and ip_expiry (security tooling).
        "IpBlockTableName",
        # The fire drill's timing function (security tooling).
        "DrillTimingFunctionArn",
    }
)
"""Every ``${Name}`` a definition may hold; the construct substitutes each one."""

OUTCOMES: Final = (
    "contained",
    "planned",
    "declined",
    "already_contained",
    "not_found",
    "manual_step_required",
    "rolled_back",
    "ticketed",
    "notified",
    "cap_reached",
    "failed",
)
"""Outcomes a record can carry; a playbook ends a path with ``finish(outcome)``. The frame has a
state for each outcome the playbook's paths reach, and for no other: Step Functions refuses a
definition with a state nothing leads to (``MISSING_TRANSITION_TARGET``)."""

FAILURE: Final = "Failed.Record"
"""State that records a caught error, writes the evidence, pages ``FAILED`` and fails."""

START: Final = "Rollback?"
"""The frame's first state: a rollback request or a finding."""

DECIDE: Final = "Decide"
"""State an ``inspect`` path goes to once before-state is known: ticket, notify, dry run,
approval or containment."""

_STEP_NAME = re.compile(r"^[A-Z][A-Za-z0-9]{0,60}$")
_SDK = "arn:aws:states:::aws-sdk:"
_LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
_SNS_PUBLISH = "arn:aws:states:::sns:publish"
_PUT_EVENTS = "arn:aws:states:::events:putEvents"
_TARGET_CREDENTIALS: Final = {"RoleArn.$": "$.target.role_arn"}


class Steps(NamedTuple):
    """A playbook path: its first state's name and its states (each path ends in ``finish``)."""

    start: str
    states: States


def finish(outcome: str) -> str:
    """Name of the frame state that ends a path with ``outcome`` (records evidence, notifies)."""
    if outcome not in OUTCOMES or outcome == "failed":
        raise ValueError(f"outcome {outcome!r}: expected one of {OUTCOMES[:-1]}")
    return f"Outcome.{outcome}"


def catch_all(catch: list[State] | None = None) -> list[State]:
    """The caller's catchers, then States.ALL to the failure path (ASL wants ALL last): an
    error is recorded and paged, and fails the execution. New dicts on every call (callers such
    as ``block_network_actor.failing_to`` rewrite catchers in place)."""
    return [
        *(catch or []),
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILURE},
    ]


def _on_payload(template: Any) -> Any:
    """A ResultSelector of the aws-sdk branch rewritten for lambda:invoke's ``$.Payload``."""
    if isinstance(template, dict):
        return {
            key: (
                _payload_path(value)
                if key.endswith(".$") and isinstance(value, str)
                else _on_payload(value)
            )
            for key, value in template.items()
        }
    if isinstance(template, list):
        return [_on_payload(item) for item in template]
    return template


def _payload_path(expression: str) -> str:
    # Rewrites every "$" path (not "$$" context paths) inside plain paths and intrinsic calls.
    return re.sub(r"(?<![$\w])\$(?=[.\[]|$|[,)])", "$.Payload", expression)


def _log(name: str, result: Any, next_state: str, *, first: bool = False) -> States:
    """Two Pass states appending ``{"step": name, "result": <result>}`` to the journal:
    ``result`` is a path (a string) or a payload template; ``first`` starts a new journal.

    The entry is built as an object and serialized with ``States.JsonToString``: braces and
    quotes in intrinsic string literals need escapes that emulators parse differently.
    """
    text = (
        "States.JsonToString($.journal.entry)"
        if first
        else "States.Format('{},{}', $.journal.text, States.JsonToString($.journal.entry))"
    )
    return {
        f"{name}.Entry": {
            "Type": "Pass",
            "Parameters": {
                "step": name,
                ("result.$" if isinstance(result, str) else "result"): result,
            },
            "ResultPath": "$.journal.entry",
            "Next": f"{name}.Log",
        },
        f"{name}.Log": {
            "Type": "Pass",
            "Parameters": {"text.$": text},
            "ResultPath": "$.journal",
            "Next": next_state,
        },
    }


def revoke_older_sessions(next_state: str) -> State:
    """A Pass state putting at ``$.revoke_policy`` the documented "revoke older sessions" policy
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html), dated
    when the state runs: attached inline to a role, it denies every session issued before."""
    return {
        "Type": "Pass",
        "Parameters": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "LzResponseRevokeOlderSessions",
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime.$": "$$.State.EnteredTime"}},
                }
            ],
        },
        "ResultPath": "$.revoke_policy",
        "Next": next_state,
    }


def log_call(name: str, result: Any, next_state: str, *, first: bool = False) -> States:
    """Journal states for a call made by a plain Task (not ``sdk_call``): route the task to
    ``<name>.Entry``; the entry is ``{"step": name, "result": <result>}``, ``result`` a path or
    a payload template; ``first`` starts a new journal."""
    return _log(name, result, next_state, first=first)


def sdk_call(
    name: str,
    service: str,
    action: str,
    parameters: dict[str, Any],
    *,
    next_state: str,
    result_selector: dict[str, Any] | None = None,
    result_path: str | None = None,
    catch: list[State] | None = None,
    retry: list[State] | None = None,
) -> States:
    """One AWS API call in the finding's account and region, recorded in the journal.

    Emits four states: ``<name>`` (Choice on ``$.target.home``), ``<name>.Sdk`` (the
    ``aws-sdk:<service>:<action>`` task with ``Credentials`` = ``$.target.role_arn``: aws-sdk
    integrations reach the state machine's own region only), ``<name>.Lambda``
    (``lambda:invoke`` of ``${RegionalCallFunctionArn}`` with Payload ``{role_arn, region,
    service, action, parameters}`` for other regions) and ``<name>.Log`` (journal append).

    - ``name``: PascalCase step name (also the journal's ``step``), unique in the definition.
    - ``service``/``action``: as in the aws-sdk ARN (``ec2``, ``modifyInstanceAttribute``);
      ``parameters``: PascalCase request, ``.$`` keys allowed.
    - ``result_selector``: applied to the response (rewritten onto ``$.Payload`` for the
      Lambda branch). Default: ``{"response": <whole response>}``; give a selector whenever
      the response holds timestamps or more than the playbook needs.
    - ``result_path``: where the selected result lands; default ``$.results.<name>``.
    - ``catch``/``retry``: the same on both branches; ``States.ALL`` to ``FAILURE`` is always
      appended, so an unexpected error (AccessDenied…) fails the execution loudly.
    """
    if not _STEP_NAME.match(name):
        raise ValueError(f"step name {name!r}: expected PascalCase letters and digits")
    path = result_path or f"$.results.{name}"
    sdk_selector = result_selector if result_selector is not None else {"response.$": "$"}
    common: State = {
        "ResultSelector": sdk_selector,
        "ResultPath": path,
        "Next": f"{name}.Entry",
        "Catch": catch_all(catch),
    }
    if retry:
        common["Retry"] = retry
    lambda_task: State = {
        "Type": "Task",
        "Resource": _LAMBDA_INVOKE,
        "Parameters": {
            "FunctionName": "${RegionalCallFunctionArn}",
            "Payload": {
                "role_arn.$": "$.target.role_arn",
                "region.$": "$.target.region",
                # Names the role session after the execution in the target account's CloudTrail.
                "execution_name.$": "$$.Execution.Name",
                "service": service,
                "action": action,
                "parameters": parameters,
            },
        },
        **common,
        "ResultSelector": _on_payload(sdk_selector),
    }
    return {
        name: {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.target.home", "BooleanEquals": True, "Next": f"{name}.Sdk"}
            ],
            "Default": f"{name}.Lambda",
        },
        f"{name}.Sdk": {
            "Type": "Task",
            "Resource": f"{_SDK}{service}:{action}",
            "Credentials": dict(_TARGET_CREDENTIALS),
            "Parameters": parameters,
            **common,
        },
        f"{name}.Lambda": lambda_task,
        **_log(name, path, next_state),
    }


def sdk_map(
    name: str,
    service: str,
    action: str,
    parameters: dict[str, Any],
    *,
    items_path: str,
    next_state: str,
    result_selector: dict[str, Any] | None = None,
    result_path: str | None = None,
    max_concurrency: int = 5,
    otherwise: tuple[str, str] | None = None,
) -> States:
    """One call per item of ``items_path`` (a Map state), recorded as one journal entry.

    Inside the call, ``$.item`` is the current item; ``$.target``, ``$.finding`` and ``$.plan``
    are available as outside. The results (a list, in item order, each shaped by
    ``result_selector`` as in ``sdk_call``) land at ``result_path`` (default
    ``$.results.<name>``). A failing item fails the Map, which goes to ``FAILURE``.

    ``otherwise`` = ``(boolean path, other action)``: items for which the boolean at the path
    (in the item's state, e.g. ``$.item.IsEgress``) is not true call the other action of the
    same service instead, with the same parameters and selector.
    """
    if not _STEP_NAME.match(name):
        raise ValueError(f"step name {name!r}: expected PascalCase letters and digits")
    path = result_path or f"$.results.{name}"
    calls = [("Item", action)] + ([] if otherwise is None else [("Other", otherwise[1])])
    inner: States = {}
    for step, call_action in calls:
        states = sdk_call(
            step,
            service,
            call_action,
            parameters,
            next_state="Item.Done",
            result_selector=result_selector,
            result_path="$.result",
        )
        for key in (f"{step}.Sdk", f"{step}.Lambda"):
            states[key]["Next"] = "Item.Done"
            del states[key]["Catch"]
        inner |= {
            key: value
            for key, value in states.items()
            if not key.startswith((f"{step}.Entry", f"{step}.Log"))
        }
    start = "Item"
    if otherwise is not None:
        start = "Item.Which"
        inner["Item.Which"] = {
            "Type": "Choice",
            "Choices": [{"Variable": otherwise[0], "BooleanEquals": True, "Next": "Item"}],
            "Default": "Other",
        }
    inner["Item.Done"] = {"Type": "Pass", "OutputPath": "$.result", "End": True}
    return {
        name: {
            "Type": "Map",
            "ItemsPath": items_path,
            "ItemSelector": {
                "item.$": "$$.Map.Item.Value",
                "target.$": "$.target",
                "finding.$": "$.finding",
                "plan.$": "$.plan",
            },
            "MaxConcurrency": max_concurrency,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": start,
                "States": inner,
            },
            "ResultPath": path,
            "Next": f"{name}.Entry",
            "Catch": catch_all(),
        },
        **_log(name, path, next_state),
    }


# --- the frame ----------------------------------------------------------------------------------

_START_TIME = "$$.Execution.StartTime"
_RECORD_FIELDS = ("finding", "tier", "action", "mode", "playbook", "plan", "target", "ticket")


def _init_state(next_state: str) -> State:
    """Rebuilds the WORKFLOW INPUT into the state document (unknown input keys are dropped)."""
    keep = {f"{key}.$": f"$.{key}" for key in (*_RECORD_FIELDS, "approval", "drill")}
    return {
        "Type": "Pass",
        "Parameters": {
            **keep,
            "rollback": False,
            "before": {},
            "results": {},
            "error": None,
            "outcome": None,
            "rollback_of": None,
            "journal": {"text": ""},
            "started_at.$": _START_TIME,
        },
        "Next": next_state,
    }


def _publish(
    topic: str, subject: str, message: dict[str, Any], next_state: str, result_path: str
) -> State:
    return {
        "Type": "Task",
        "Resource": _SNS_PUBLISH,
        "Parameters": {"TopicArn": topic, "Subject": subject, "Message": message},
        "ResultSelector": {"MessageId.$": "$.MessageId"},
        "ResultPath": result_path,
        "Next": next_state,
    }


def publish_call(
    name: str, topic: str, subject: str, message: dict[str, Any], next_state: str
) -> States:
    """``<name>``: publish ``message`` to ``topic`` (a placeholder such as
    ``${PagingTopicArn}``), recorded in the journal as the call ``name``; an error goes to the
    failure path (pages, records, fails)."""
    return {
        name: {
            **_publish(topic, subject, message, f"{name}.Entry", f"$.results.{name}"),
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILURE}],
        },
        **log_call(name, f"$.results.{name}", next_state),
    }


def _summary(prefix: str) -> dict[str, Any]:
    return {
        "summary.$": (
            f"States.Format('{prefix} {{}} {{}} {{}} in {{}}/{{}}', $.tier, $.playbook, "
            "$.finding.type, $.target.account, $.target.region)"
        ),
        "finding.$": "$.finding",
        "plan.$": "$.plan",
        "mode.$": "$.mode",
        "execution.$": "$$.Execution.Id",
    }


def _announce(playbook: str, first_state: str) -> States:
    """Page (contain), notify (notify) or emit a ticket event (ticket) at start; first journal
    entry."""
    subject = f"lz-response {playbook}: started"
    states: States = {
        "Announce": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.action", "StringEquals": "contain", "Next": "Announce.Page"},
                {"Variable": "$.action", "StringEquals": "notify", "Next": "Announce.Notify"},
            ],
            "Default": "Announce.Ticket",
        },
        "Announce.Page": _publish(
            "${PagingTopicArn}",
            subject,
            _summary("STARTED"),
            "AnnouncePage.Entry",
            "$.results.AnnouncePage",
        ),
        "Announce.Notify": _publish(
            "${AlertTopicArn}",
            subject,
            _summary("STARTED"),
            "AnnounceNotify.Entry",
            "$.results.AnnounceNotify",
        ),
        "Announce.Ticket": {
            "Type": "Task",
            "Resource": _PUT_EVENTS,
            "Parameters": {
                "Entries": [
                    {
                        "EventBusName": "${TicketBusArn}",
                        "Source": "lz.response",
                        "DetailType": "Incident response ticket",
                        "Detail": {**_summary("TICKET"), "ticket.$": "$.ticket"},
                    }
                ]
            },
            "ResultSelector": {
                "FailedEntryCount.$": "$.FailedEntryCount",
                "Entries.$": "$.Entries",
            },
            "ResultPath": "$.results.AnnounceTicket",
            "Next": "AnnounceTicket.Entry",
        },
    }
    for step in ("Page", "Notify", "Ticket"):
        name = f"Announce.{step}"
        states[name]["Catch"] = catch_all()
        states.update(_log(f"Announce{step}", f"$.results.Announce{step}", first_state, first=True))
    return states


# Constants the approval page's commands need: braces and quotes stay out of intrinsic string
# literals, whose escapes emulators parse differently from Step Functions.
_APPROVAL_TEXT = {
    "approve_output": "'{\"approved\":true}'",
    "deny_cause": "'denied by <your name>: <reason>'",
}
_APPROVE = (
    "States.Format('aws stepfunctions send-task-success --task-token {} --task-output {}', "
    "$$.Task.Token, $.approval_text.approve_output)"
)
_DENY = (
    "States.Format('aws stepfunctions send-task-failure --task-token {} --error Response.Denied "
    "--cause {}', $$.Task.Token, $.approval_text.deny_cause)"
)


def _decide(contain_start: str) -> States:
    """Ticket / notify / dry run / approval / automatic containment, after ``inspect``."""
    return {
        DECIDE: {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.action", "StringEquals": "ticket", "Next": finish("ticketed")},
                {"Variable": "$.action", "StringEquals": "notify", "Next": finish("notified")},
                {"Variable": "$.mode", "StringEquals": "dry_run", "Next": finish("planned")},
                {"Variable": "$.mode", "StringEquals": "approval", "Next": "Approval.Prepare"},
            ],
            "Default": contain_start,
        },
        "Approval.Prepare": {
            "Type": "Pass",
            "Result": _APPROVAL_TEXT,
            "ResultPath": "$.approval_text",
            "Next": "Approval.Request",
        },
        # https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token
        "Approval.Request": {
            "Type": "Task",
            "Resource": f"{_SNS_PUBLISH}.waitForTaskToken",
            "TimeoutSecondsPath": "$.approval.timeout_seconds",
            "Parameters": {
                "TopicArn": "${PagingTopicArn}",
                "Subject": "lz-response: approval needed",
                "Message": {
                    **_summary("APPROVAL NEEDED"),
                    "before.$": "$.before",
                    "timeout_seconds.$": "$.approval.timeout_seconds",
                    "timeout_action.$": "$.approval.timeout_action",
                    "approve.$": _APPROVE,
                    "deny.$": _DENY,
                },
            },
            "ResultPath": "$.results.Approval",
            "Next": "Approval.Entry",
            "Catch": catch_all(
                [
                    {
                        "ErrorEquals": ["States.Timeout"],
                        "ResultPath": "$.results.Approval",
                        "Next": "ApprovalTimedOut.Entry",
                    },
                    {
                        "ErrorEquals": ["Response.Denied"],
                        "ResultPath": "$.results.Approval",
                        "Next": "ApprovalDenied.Entry",
                    },
                ]
            ),
        },
        **_log("Approval", "$.results.Approval", "Approval.Decision"),
        "Approval.Decision": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.results.Approval.approved", "IsPresent": True},
                        {"Variable": "$.results.Approval.approved", "BooleanEquals": True},
                    ],
                    "Next": contain_start,
                }
            ],
            "Default": finish("declined"),
        },
        **_log("ApprovalDenied", "$.results.Approval", finish("declined")),
        **_log("ApprovalTimedOut", "$.results.Approval", "Approval.TimeoutAction"),
        "Approval.TimeoutAction": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.approval.timeout_action",
                    "StringEquals": "contain",
                    "Next": contain_start,
                }
            ],
            "Default": finish("planned"),
        },
    }


def _rollback_entry(playbook: str, rollback_start: str) -> States:
    """Loads the original execution's record and restores the state document from it."""
    return {
        "Rollback.Load": {
            "Type": "Task",
            "Resource": f"{_SDK}sfn:describeExecution",
            "Parameters": {"ExecutionArn.$": "$.execution_id"},
            "ResultSelector": {
                "Status.$": "$.Status",
                "Record.$": "States.StringToJson($.Output)",
            },
            "ResultPath": "$.original",
            "Next": "Rollback.Restore",
            "Catch": [
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Rollback.Invalid"}
            ],
        },
        "Rollback.Restore": {
            "Type": "Pass",
            "Parameters": {
                **{f"{key}.$": f"$.original.Record.{key}" for key in _RECORD_FIELDS},
                "original_outcome.$": "$.original.Record.outcome",
                "before.$": "$.original.Record.before",
                "results": {},
                "error": None,
                "outcome": None,
                "rollback": True,
                "rollback_of.$": "$.execution_id",
                "started_at.$": _START_TIME,
                "journal": {
                    "entry": {
                        "step": "LoadOriginal",
                        "result": {
                            "execution.$": "$.execution_id",
                            "status.$": "$.original.Status",
                        },
                    }
                },
            },
            "Next": "Rollback.Log",
        },
        "Rollback.Log": {
            "Type": "Pass",
            "Parameters": {"text.$": "States.JsonToString($.journal.entry)"},
            "ResultPath": "$.journal",
            "Next": "Rollback.Check",
        },
        "Rollback.Check": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.playbook", "StringEquals": playbook},
                        {"Variable": "$.original_outcome", "StringEquals": "contained"},
                    ],
                    "Next": rollback_start,
                }
            ],
            "Default": "Rollback.Nothing",
        },
        "Rollback.Nothing": {
            "Type": "Pass",
            "Parameters": {
                "Error": "Response.NothingToRollBack",
                "Cause.$": (
                    "States.Format('execution {} of playbook {} ended {}: only a contained "
                    "execution of this playbook can be rolled back', $.rollback_of, "
                    "$.playbook, $.original_outcome)"
                ),
            },
            "ResultPath": "$.error",
            "Next": FAILURE,
        },
        "Rollback.Invalid": {
            "Type": "Fail",
            "Error": "Response.RollbackInputInvalid",
            "Cause": (
                'rollback needs {"rollback": true, "execution_id": <ARN of a finished '
                f"execution of lz-response-{playbook.replace('_', '-')}>}}"
            ),
        },
    }


def _outcomes() -> States:
    states: States = {}
    for outcome in OUTCOMES:
        name = f"Outcome.{outcome}"
        states[name] = {
            "Type": "Pass",
            "Result": outcome,
            "ResultPath": "$.outcome",
            "Next": "Evidence.Build",
        }
    states[FAILURE] = states.pop("Outcome.failed")
    return states


def _evidence(playbook: str) -> States:
    """Builds the record, writes it (SSE-KMS) and pages/notifies the result."""
    record = {
        **{f"{key}.$": f"$.{key}" for key in _RECORD_FIELDS},
        "before.$": "$.before",
        "calls.$": "States.StringToJson(States.Format('[{}]', $.journal.text))",
        "outcome.$": "$.outcome",
        "error.$": "$.error",
        "rollback_of.$": "$.rollback_of",
        "execution.$": "$$.Execution.Id",
        "started_at.$": "$.started_at",
        "finished_at.$": "$$.State.EnteredTime",
    }
    result_message = {
        **_summary("RESULT"),
        "outcome.$": "$.record.outcome",
        "calls.$": "$.record.calls",
        "error.$": "$.record.error",
        "evidence.$": "$.evidence_key",
    }
    return {
        "Evidence.Build": {
            "Type": "Pass",
            "Parameters": record,
            "ResultPath": "$.record",
            "Next": "Evidence.Key",
        },
        "Evidence.Key": {
            "Type": "Pass",
            "Parameters": {
                "key.$": (
                    f"States.Format('${{EvidencePrefix}}/{playbook}/{{}}/{{}}.json', "
                    "$.target.account, $$.Execution.Name)"
                )
            },
            "ResultPath": "$.evidence_key",
            "Next": "Evidence.Write",
        },
        # Evidence lives in the log archive's Object Lock bucket; the execution role writes it
        # through the bucket policy (no Credentials: not the finding's account).
        "Evidence.Write": {
            "Type": "Task",
            "Resource": f"{_SDK}s3:putObject",
            "Parameters": {
                "Bucket": "${EvidenceBucket}",
                "Key.$": "$.evidence_key.key",
                "Body.$": "States.JsonToString($.record)",
                "ContentType": "application/json",
                "ServerSideEncryption": "aws:kms",
                "SSEKMSKeyId": "${EvidenceKeyArn}",
                # The archive has Object Lock with a default retention: S3 then requires an
                # integrity checksum on every PutObject (S3 User Guide, "Object Lock
                # considerations"); the SDK computes it from the algorithm named here.
                "ChecksumAlgorithm": "SHA256",
            },
            "ResultSelector": {"ETag.$": "$.ETag"},
            "ResultPath": "$.evidence",
            "Next": "Result.Route",
            "Catch": [
                {
                    "ErrorEquals": ["States.ALL"],
                    "ResultPath": "$.evidence_error",
                    "Next": "Failed.EvidencePage",
                }
            ],
        },
        "Result.Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.outcome", "StringEquals": "failed", "Next": "Failed.Page"},
                {"Variable": "$.action", "StringEquals": "contain", "Next": "Result.Page"},
                {"Variable": "$.action", "StringEquals": "notify", "Next": "Result.Notify"},
            ],
            "Default": "Result.Ticket",
        },
        "Result.Page": {
            **_publish(
                "${PagingTopicArn}",
                f"lz-response {playbook}: result",
                result_message,
                "Done",
                "$.results.ResultPage",
            ),
            "Catch": [
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed.Fail"}
            ],
        },
        "Result.Notify": {
            **_publish(
                "${AlertTopicArn}",
                f"lz-response {playbook}: result",
                result_message,
                "Done",
                "$.results.ResultNotify",
            ),
            "Catch": [
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed.Fail"}
            ],
        },
        "Result.Ticket": {
            "Type": "Task",
            "Resource": _PUT_EVENTS,
            "Parameters": {
                "Entries": [
                    {
                        "EventBusName": "${TicketBusArn}",
                        "Source": "lz.response",
                        "DetailType": "Incident response result",
                        "Detail": {**result_message, "ticket.$": "$.ticket"},
                    }
                ]
            },
            "ResultSelector": {"FailedEntryCount.$": "$.FailedEntryCount"},
            "ResultPath": "$.results.ResultTicket",
            "Next": "Done",
            "Catch": [
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed.Fail"}
            ],
        },
        "Done": {"Type": "Pass", "OutputPath": "$.record", "End": True},
        "Failed.Page": _publish(
            "${PagingTopicArn}",
            f"lz-response {playbook}: FAILED",
            {
                **result_message,
                "summary.$": (
                    "States.Format('FAILED: {} ({} {} in {}/{})', $.error.Error, $.playbook, "
                    "$.finding.type, $.target.account, $.target.region)"
                ),
            },
            "Failed.Fail",
            "$.results.FailedPage",
        ),
        "Failed.EvidencePage": _publish(
            "${PagingTopicArn}",
            f"lz-response {playbook}: FAILED (evidence not written)",
            {
                "summary.$": (
                    "States.Format('FAILED: evidence not written: {}; outcome {}', "
                    "$.evidence_error.Error, $.outcome)"
                ),
                "record.$": "$.record",
                "evidence_error.$": "$.evidence_error",
            },
            "Failed.EvidenceFail",
            "$.results.FailedEvidencePage",
        ),
        "Failed.EvidenceFail": {
            "Type": "Fail",
            "Error": "Response.EvidenceNotWritten",
            "CausePath": "States.Format('{}: {}', $.evidence_error.Error, $.evidence_error.Cause)",
        },
        # Fail states may not raise "States." errors: one name, the original error in the cause.
        "Failed.Fail": {
            "Type": "Fail",
            "Error": "Response.Failed",
            "CausePath": "States.Format('{}: {}', $.error.Error, $.error.Cause)",
        },
    }


def playbook_definition(
    playbook: str,
    *,
    contain: Steps,
    rollback: Steps,
    inspect: Steps | None = None,
    comment: str = "",
) -> dict[str, Any]:
    """The complete state machine definition of one playbook.

    Flow: ``Rollback?`` →
    - normal run: ``Init`` (state document) → ``Announce`` (page if ``action`` is contain,
      notify the alert topic if notify, put a ticket event on ``${TicketBusArn}`` if ticket) →
      ``inspect`` (read-only: before-state, not_found, already_contained; ends in ``DECIDE``
      or ``finish(...)``) → ``DECIDE``: ticket → ticketed, notify → notified, dry_run →
      planned (nothing changed), approval → ``Approval.Request`` (waits on a task token paged
      with the exact approve/deny commands; on ``States.Timeout`` follows
      ``$.approval.timeout_action``: contain, else planned; denied → declined), automatic →
      ``contain`` (ends in ``finish("contained")`` or another outcome);
    - rollback (``{"rollback": true, "execution_id": …}``): loads the original record with
      ``sfn:describeExecution`` → ``rollback`` (only for a contained execution of this
      playbook; ends in ``finish("rolled_back")``), else fails.
    Then ``Evidence.*`` writes ``${EvidencePrefix}/<playbook>/<account>/<execution name>.json``
    and ``Result.*`` pages/notifies the outcome; the output is the record. Any uncaught error
    goes to ``FAILURE``: recorded (outcome failed), paged as ``FAILED: <error>``, Fail state.
    """
    frame_names = {START, "Init", DECIDE, FAILURE}
    parts = [contain.states, rollback.states, inspect.states if inspect else {}]
    states: States = {
        START: {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.rollback", "IsPresent": True},
                        {"Variable": "$.rollback", "BooleanEquals": True},
                    ],
                    "Next": "Rollback.Load",
                }
            ],
            "Default": "Init",
        },
        "Init": _init_state("Announce"),
        **_announce(playbook, inspect.start if inspect else DECIDE),
        **_decide(contain.start),
        **_rollback_entry(playbook, rollback.start),
        **_outcomes(),
        **_evidence(playbook),
    }
    for part in parts:
        clash = (set(part) & set(states)) | (set(part) & frame_names)
        if clash:
            raise ValueError(f"playbook {playbook}: state names {sorted(clash)} are the frame's")
        states.update(part)
    reached = {target for state in states.values() for target in _targets(state)}
    for outcome in OUTCOMES[:-1]:
        if finish(outcome) not in reached:
            del states[finish(outcome)]
    _check_transitions(playbook, states)
    return {
        "Comment": comment or f"Landing zone incident response playbook {playbook}",
        "StartAt": START,
        "States": states,
    }


def _targets(state: State) -> list[str]:
    found = [state[key] for key in ("Next", "Default") if key in state]
    found += [choice["Next"] for choice in state.get("Choices", [])]
    found += [catcher["Next"] for catcher in state.get("Catch", [])]
    return found


def _check_transitions(playbook: str, states: States) -> None:
    """Every transition names a state and every state is reached from ``start`` (Step Functions
    would refuse the definition anyway; this says which playbook and state at synth time)."""
    for name, state in states.items():
        for target in _targets(state):
            if target not in states:
                raise ValueError(f"playbook {playbook}: state {name!r} goes to unknown {target!r}")
    reached: set[str] = set()
    pending = [START]
    while pending:
        name = pending.pop()
        if name not in reached:
            reached.add(name)
            pending += _targets(states[name])
    unreached = sorted(set(states) - reached)
    if unreached:
        raise ValueError(f"playbook {playbook}: no transition reaches {unreached}")
