"""The monthly fire drill: GuardDuty sample findings in the drill account, then a check that every
playbook ran on them.

State machine ``lz-response-drill`` (Step Functions STANDARD, security-tooling account, home
region), started by the monthly EventBridge Scheduler schedule with ``drill_input(...)``::

    {
      "target": {"account": "…", "region": "…", "home": true,
                 "role_arn": "arn:aws:iam::<drill account>:role/lz-response"},
      "finding_types": [["Backdoor:EC2/C&CActivity.B", …], …],   # batches of at most 50
      "wait_seconds": 900,
      "page_within_seconds": 120,
      "playbooks": [{"playbook": "isolate_instance",
                     "state_machine_arn": "arn:aws:states:…:lz-response-isolate-instance",
                     "finding_types": ["Backdoor:EC2/C&CActivity.B", …]}, …]
    }

1. ``Detector``: ``guardduty:ListDetectors`` in the drill account and region, through the response
   role (``asl.sdk_call``: Task ``Credentials`` in the home region, the regional-call Lambda
   elsewhere).
2. ``Samples``: ``guardduty:CreateSampleFindings`` once per batch (the API takes at most 50 types
   per call: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateSampleFindings.html).
   Sample findings carry ``service.additionalInfo.sample: true``; the triage starts their
   playbooks in dry run with ``drill: true`` in the workflow input, whatever the mode.
3. ``Settle``: waits ``wait_seconds`` for the findings to reach EventBridge and the playbooks to
   end.
4. ``Check``: for each playbook, ``states:ListExecutions`` (newest first, the latest 100), and
   for each execution started after the drill started, ``states:DescribeExecution``. A drill
   execution is one whose input has ``drill: true`` and ``target.account`` = the drill account
   (execution names come from finding ids, which the drill cannot know in advance). ``Timing``
   then invokes the drill-timing function (``${DrillTimingFunctionArn}``,
   ``runtime/drill_timing.py``) with the playbook's drill executions: it reads each one's
   ``states:GetExecutionHistory`` for when it entered ``Decide`` (its plan and before-state were
   known) and when ``Announce.Page`` returned (the page was published), and returns each with
   ``seconds_to_plan`` and ``seconds_to_page`` from the finding event (null when never reached),
   their maxima and whether every page that was due (tier action ``contain``) came within
   ``page_within_seconds``. The drill does not read the histories itself: Amazon States
   Language's JSONPath has no date arithmetic, and a JSONPath filter matching no event (an
   execution that never paged) is a ``States.Runtime`` error, which no ``Catch`` takes, in the
   emulator the tests use (unverified on AWS). A playbook passes when it has at least one drill
   execution per finding type it was given, all of them SUCCEEDED, and its pages were on time;
   otherwise the alert topic gets a message naming it.
5. ``Report``: the drill report (``{"drill", "target", "started_at", "finished_at",
   "passed_playbooks", "failed_playbooks", "playbooks": [{"playbook", "passed", "expected",
   "found", "statuses", "page_within_seconds", "max_seconds_to_plan", "max_seconds_to_page",
   "late_pages", "missing_pages", "unmeasured", "executions": [{"execution", "status",
   "finding_type", "finding_id", "finding_updated_at", "finding_event_time", "measured_from",
   "tier", "action", "execution_started_at", "planned_at", "paged_at", "page_expected",
   "seconds_to_plan", "seconds_to_page"}]}], "calls"}``) is written SSE-KMS to
   ``s3://${EvidenceBucket}/${EvidencePrefix}/drills/<execution name>.json``; the execution then
   fails if any playbook did not pass, so the drill's own history shows it.

The finding event the durations start at: the workflow input's ``finding.updated_at``
(GuardDuty's ``updatedAt`` of the sample finding), or ``finding.event_time`` (the EventBridge
event's ``time``) once the triage passes it; ``measured_from`` names the one used. GuardDuty
publishes a new finding to EventBridge within about five minutes of ``updatedAt``, so a time
measured from it includes GuardDuty's own delay.

The ``states:*`` calls read this account's own state machines, so they carry no
``Credentials``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from landing_zone.response.asl import DECIDE, FAILURE, State, States, sdk_call
from landing_zone.response.finding_types import (
    DEFAULT_PLAYBOOK_FINDING_TYPES,
    FINDING_TYPES,
    playbook_for,
)
from landing_zone.response.runtime.drill_timing import PAGE_WITHIN_SECONDS

if TYPE_CHECKING:
    from landing_zone.config.model import IncidentResponseConfig, PlaybookName

NAME: Final = "lz-response-drill"
"""The drill's state machine name."""

DRILL_WAIT_SECONDS: Final = 900
"""Default wait between generating sample findings and checking: GuardDuty sends new findings to
EventBridge within about five minutes
(https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html), and a
dry-run playbook ends within seconds."""

SAMPLE_BATCH: Final = 50
"""Most finding types one CreateSampleFindings call takes."""

LIST_EXECUTIONS: Final = 100
"""Newest executions of each playbook the check reads (ListExecutions lists newest first)."""

PAGE_STATE: Final = "Announce.Page"
"""The playbook frame's state that publishes the start page (``asl._announce``)."""

TIMING_PLACEHOLDER: Final = "DrillTimingFunctionArn"
"""The ``${...}`` name of the drill-timing function (``<prefix>response-drill-timing``, handler
``runtime/drill_timing.py``) that the drill invokes; ``ResponseWorkflows`` substitutes it."""

_TIMING_RESULT = (
    "executions",
    "on_time",
    "summary",
    "page_within_seconds",
    "max_seconds_to_plan",
    "max_seconds_to_page",
    "late_pages",
    "missing_pages",
    "unmeasured",
)
"""What the drill keeps of the drill-timing function's answer."""

# Transient Lambda errors, retried as the Step Functions developer guide advises
# (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html), and
# throttling: the function has no reserved concurrency.
_LAMBDA_RETRY: Final = {
    "ErrorEquals": [
        "Lambda.ClientExecutionTimeoutException",
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    ],
    "IntervalSeconds": 2,
    "MaxAttempts": 6,
    "BackoffRate": 2,
}

_SDK = "arn:aws:states:::aws-sdk:"
_SNS_PUBLISH = "arn:aws:states:::sns:publish"
_LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"


def mapped_finding_types(config: IncidentResponseConfig) -> dict[PlaybookName, list[str]]:
    """Every catalog finding type each enabled playbook is started by, sorted; a type several
    playbooks' patterns match goes to the first in precedence order, as the triage decides."""
    patterns: dict[PlaybookName, tuple[str, ...]] = {}
    for playbook, defaults in DEFAULT_PLAYBOOK_FINDING_TYPES.items():
        chosen = config.playbooks.get(playbook)
        if chosen is None:
            patterns[playbook] = defaults
        elif chosen.enabled:
            patterns[playbook] = tuple(chosen.finding_types)
    mapped: dict[PlaybookName, list[str]] = {playbook: [] for playbook in patterns}
    for finding_type in FINDING_TYPES:
        owner = playbook_for(finding_type, patterns)
        if owner is not None:
            mapped[owner].append(finding_type)
    return {playbook: types for playbook, types in mapped.items() if types}


def drill_input(
    *,
    account: str,
    region: str,
    home_region: str,
    finding_types: Mapping[PlaybookName, Sequence[str]],
    state_machines: Mapping[PlaybookName, str],
    wait_seconds: int = DRILL_WAIT_SECONDS,
    page_within_seconds: int = PAGE_WITHIN_SECONDS,
    role_name: str = "lz-response",
) -> dict[str, Any]:
    """The drill's input: ``finding_types`` (playbook -> types, e.g. ``mapped_finding_types``)
    and ``state_machines`` (playbook -> state machine ARN) must name the same playbooks;
    ``page_within_seconds`` is the longest a page may take after the finding event (default two
    minutes, the contract of the severity tiers)."""
    if set(finding_types) != set(state_machines):
        raise ValueError(
            f"finding types for {sorted(finding_types)} but state machines for "
            f"{sorted(state_machines)}: every drilled playbook needs both"
        )
    if not 0 <= wait_seconds <= 3600:
        raise ValueError(f"wait_seconds {wait_seconds}: expected 0 to 3600")
    if not 1 <= page_within_seconds <= 3600:
        raise ValueError(f"page_within_seconds {page_within_seconds}: expected 1 to 3600")
    every = sorted({t for types in finding_types.values() for t in types})
    if not every:
        raise ValueError("no finding types to drill: at least one playbook needs a mapped type")
    return {
        "target": {
            "account": account,
            "region": region,
            "home": region == home_region,
            "role_arn": f"arn:aws:iam::{account}:role/{role_name}",
        },
        "finding_types": [
            every[start : start + SAMPLE_BATCH] for start in range(0, len(every), SAMPLE_BATCH)
        ],
        "wait_seconds": wait_seconds,
        "page_within_seconds": page_within_seconds,
        "playbooks": [
            {
                "playbook": playbook,
                "state_machine_arn": state_machines[playbook],
                "finding_types": sorted(finding_types[playbook]),
            }
            for playbook in sorted(finding_types)
        ],
    }


# --- the definition -----------------------------------------------------------------------------


def _journal_append(name: str, result_path: str, next_state: str) -> States:
    """Appends ``{"step": name, "result": <result_path>}`` to ``$.journal.text`` (the format
    ``asl.sdk_call`` keeps, so the report's ``calls`` reads like a playbook record's)."""
    return {
        f"{name}.Entry": {
            "Type": "Pass",
            "Parameters": {"step": name, "result.$": result_path},
            "ResultPath": "$.journal.entry",
            "Next": f"{name}.Log",
        },
        f"{name}.Log": {
            "Type": "Pass",
            "Parameters": {
                "text.$": (
                    "States.Format('{},{}', $.journal.text, States.JsonToString($.journal.entry))"
                )
            },
            "ResultPath": "$.journal",
            "Next": next_state,
        },
    }


def _second(timestamp_path: str) -> str:
    """An intrinsic giving ``2026-12-01T10:00:05`` for ``2026-12-01T10:00:05.123Z`` (or ``…:05Z``,
    ``…:05+00:00``): fixed-width UTC text that compares as time with String*Path choices. Step
    Functions' Timestamp* choices would do, but emulators parse fewer formats than AWS does."""
    return f"States.ArrayGetItem(States.StringSplit({timestamp_path}, '.Z+'), 0)"


def _start() -> States:
    """Keeps the input, records the drill's start, opens the journal."""
    return {
        "Start": {
            "Type": "Pass",
            "Parameters": {
                "target.$": "$.target",
                "finding_types.$": "$.finding_types",
                "wait_seconds.$": "$.wait_seconds",
                "page_within_seconds.$": "$.page_within_seconds",
                "playbooks.$": "$.playbooks",
                "drill": {
                    "execution.$": "$$.Execution.Id",
                    "name.$": "$$.Execution.Name",
                    "started_at.$": "$$.Execution.StartTime",
                    "started_second.$": _second("$$.Execution.StartTime"),
                },
                "journal": {
                    "entry": {
                        "step": "Start",
                        "result": {
                            "account.$": "$.target.account",
                            "region.$": "$.target.region",
                            "started_at.$": "$$.Execution.StartTime",
                        },
                    }
                },
            },
            "Next": "Start.Log",
        },
        "Start.Log": {
            "Type": "Pass",
            "Parameters": {"text.$": "States.JsonToString($.journal.entry)"},
            "ResultPath": "$.journal",
            "Next": "Detector",
        },
    }


def _generate() -> States:
    """ListDetectors, then CreateSampleFindings per batch (a Map: one call per 50 types)."""
    batch: States = sdk_call(
        "CreateSampleFindings",
        "guardduty",
        "createSampleFindings",
        {"DetectorId.$": "$.detector_id", "FindingTypes.$": "$.finding_types"},
        next_state="Batch.Done",
    )
    batch["Batch.Done"] = {
        "Type": "Pass",
        "Parameters": {"finding_types.$": "$.finding_types"},
        "End": True,
    }
    # An error inside an iteration fails the Map, whose catcher records it.
    for state in batch.values():
        state.pop("Catch", None)
    return {
        **sdk_call(
            "Detector",
            "guardduty",
            "listDetectors",
            {},
            next_state="Detector.Check",
            result_selector={"DetectorIds.$": "$.DetectorIds"},
            result_path="$.detector",
        ),
        "Detector.Check": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.detector.DetectorIds[0]",
                    "IsPresent": True,
                    "Next": "Samples",
                }
            ],
            "Default": "Detector.Missing",
        },
        "Detector.Missing": {
            "Type": "Pass",
            "Parameters": {
                "Error": "Drill.NoDetector",
                "Cause.$": (
                    "States.Format('no GuardDuty detector in account {} region {}', "
                    "$.target.account, $.target.region)"
                ),
            },
            "ResultPath": "$.error",
            "Next": FAILURE,
        },
        "Samples": {
            "Type": "Map",
            "ItemsPath": "$.finding_types",
            "ItemSelector": {
                "target.$": "$.target",
                "detector_id.$": "$.detector.DetectorIds[0]",
                "finding_types.$": "$$.Map.Item.Value",
                "journal": {"text": "{}"},
            },
            "MaxConcurrency": 1,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "CreateSampleFindings",
                "States": batch,
            },
            "ResultSelector": {"batches.$": "$[*].finding_types"},
            "ResultPath": "$.samples",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILURE}],
            "Next": "Samples.Entry",
        },
        **_journal_append("Samples", "$.samples", "Settle"),
        "Settle": {"Type": "Wait", "SecondsPath": "$.wait_seconds", "Next": "Check"},
    }


def _describe_one() -> States:
    """One listed execution: a drill execution of the drill account becomes ``{"record": …}``,
    any other ``{}`` (the caller keeps ``$[*].record``, an empty list when none is)."""
    skip: State = {"Type": "Pass", "Result": {}, "End": True}
    return {
        "Recent?": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.started_second",
                    "StringGreaterThanEqualsPath": "$.drill_started_second",
                    "Next": "Describe",
                }
            ],
            "Default": "Skip",
        },
        "Describe": {
            "Type": "Task",
            "Resource": f"{_SDK}sfn:describeExecution",
            "Parameters": {"ExecutionArn.$": "$.execution"},
            "ResultSelector": {
                "input.$": "States.StringToJson($.Input)",
                "status.$": "$.Status",
                "started.$": "$.StartDate",
            },
            "ResultPath": "$.described",
            "Next": "Drill?",
        },
        "Drill?": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.described.input.drill", "IsPresent": True},
                        {"Variable": "$.described.input.drill", "BooleanEquals": True},
                        {"Variable": "$.described.input.target.account", "IsPresent": True},
                        {
                            "Variable": "$.described.input.target.account",
                            "StringEqualsPath": "$.account",
                        },
                    ],
                    "Next": "Found",
                }
            ],
            "Default": "Skip",
        },
        "Found": {
            "Type": "Pass",
            "Parameters": {
                "execution.$": "$.execution",
                "status.$": "$.described.status",
                # The whole finding: the timing prefers its event time, when it has one.
                "finding.$": "$.described.input.finding",
                "tier.$": "$.described.input.tier",
                "action.$": "$.described.input.action",
                "execution_started_at.$": "$.described.started",
            },
            "Next": "Found.Wrap",
        },
        "Found.Wrap": {"Type": "Pass", "Parameters": {"record.$": "$"}, "End": True},
        "Skip": skip,
    }


def _check_one() -> States:
    """One playbook: its drill executions, pass or alert."""
    return {
        "List": {
            "Type": "Task",
            "Resource": f"{_SDK}sfn:listExecutions",
            "Parameters": {
                "StateMachineArn.$": "$.state_machine_arn",
                "MaxResults": LIST_EXECUTIONS,
            },
            "ResultSelector": {"executions.$": "$.Executions"},
            "ResultPath": "$.listed",
            "Next": "Executions",
        },
        "Executions": {
            "Type": "Map",
            "ItemsPath": "$.listed.executions",
            "ItemSelector": {
                "execution.$": "$$.Map.Item.Value.ExecutionArn",
                "started_second.$": _second("$$.Map.Item.Value.StartDate"),
                "drill_started_second.$": "$.drill.started_second",
                "account.$": "$.account",
            },
            "MaxConcurrency": 10,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Recent?",
                "States": _describe_one(),
            },
            "ResultSelector": {"executions.$": "$[*].record"},
            "ResultPath": "$.found",
            "Next": "Timing",
        },
        # The drill-timing function reads each execution's history: when it planned and paged.
        "Timing": {
            "Type": "Task",
            "Resource": _LAMBDA_INVOKE,
            "Parameters": {
                "FunctionName": f"${{{TIMING_PLACEHOLDER}}}",
                "Payload": {
                    "executions.$": "$.found.executions",
                    "page_within_seconds.$": "$.page_within_seconds",
                    "plan_state": DECIDE,
                    "page_state": PAGE_STATE,
                },
            },
            "ResultSelector": {f"{key}.$": f"$.Payload.{key}" for key in _TIMING_RESULT},
            "ResultPath": "$.timing",
            "Retry": [dict(_LAMBDA_RETRY)],
            "Next": "Count",
        },
        "Count": {
            "Type": "Pass",
            "Parameters": {
                "playbook.$": "$.playbook",
                "state_machine_arn.$": "$.state_machine_arn",
                "finding_types.$": "$.finding_types",
                "expected.$": "States.ArrayLength($.finding_types)",
                "found.$": "States.ArrayLength($.found.executions)",
                "statuses.$": "States.ArrayUnique($.found.executions[*].status)",
                "executions.$": "$.timing.executions",
                "timing.$": "$.timing",
                "drill.$": "$.drill",
            },
            "Next": "Passed?",
        },
        # Passed: at least one execution per generated type, SUCCEEDED the only status, and
        # every page that was due on time.
        "Passed?": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.found", "NumericGreaterThanEqualsPath": "$.expected"},
                        {"Variable": "$.found", "NumericGreaterThan": 0},
                        {"Variable": "$.statuses[1]", "IsPresent": False},
                        {"Variable": "$.statuses[0]", "StringEquals": "SUCCEEDED"},
                        {"Variable": "$.timing.on_time", "BooleanEquals": True},
                    ],
                    "Next": "Passed",
                }
            ],
            "Default": "Alert",
        },
        "Alert": {
            "Type": "Task",
            "Resource": _SNS_PUBLISH,
            "Parameters": {
                "TopicArn": "${AlertTopicArn}",
                "Subject": "lz-response drill: playbook did not pass",
                "Message": {
                    "summary.$": (
                        "States.Format('DRILL FAILED {}: {} of {} expected executions found, "
                        "statuses {}, {}', $.playbook, $.found, $.expected, "
                        "States.JsonToString($.statuses), $.timing.summary)"
                    ),
                    "playbook.$": "$.playbook",
                    "state_machine_arn.$": "$.state_machine_arn",
                    "expected.$": "$.expected",
                    "found.$": "$.found",
                    "statuses.$": "$.statuses",
                    "page_within_seconds.$": "$.timing.page_within_seconds",
                    "max_seconds_to_page.$": "$.timing.max_seconds_to_page",
                    "late_pages.$": "$.timing.late_pages",
                    "missing_pages.$": "$.timing.missing_pages",
                    "unmeasured.$": "$.timing.unmeasured",
                    "executions.$": "$.executions[*].execution",
                    "drill.$": "$.drill.execution",
                },
            },
            "ResultSelector": {"MessageId.$": "$.MessageId"},
            "ResultPath": "$.alert",
            "Next": "NotPassed",
        },
        "Passed": _verdict(passed=True),
        "NotPassed": _verdict(passed=False),
    }


def _verdict(*, passed: bool) -> State:
    # passed_playbook / failed_playbook let the report list them with a plain wildcard path.
    return {
        "Type": "Pass",
        "Parameters": {
            "playbook.$": "$.playbook",
            "passed": passed,
            ("passed_playbook.$" if passed else "failed_playbook.$"): "$.playbook",
            "expected.$": "$.expected",
            "found.$": "$.found",
            "statuses.$": "$.statuses",
            "page_within_seconds.$": "$.timing.page_within_seconds",
            "max_seconds_to_plan.$": "$.timing.max_seconds_to_plan",
            "max_seconds_to_page.$": "$.timing.max_seconds_to_page",
            "late_pages.$": "$.timing.late_pages",
            "missing_pages.$": "$.timing.missing_pages",
            "unmeasured.$": "$.timing.unmeasured",
            "executions.$": "$.executions",
        },
        "End": True,
    }


def _check() -> States:
    return {
        "Check": {
            "Type": "Map",
            "ItemsPath": "$.playbooks",
            "ItemSelector": {
                "playbook.$": "$$.Map.Item.Value.playbook",
                "state_machine_arn.$": "$$.Map.Item.Value.state_machine_arn",
                "finding_types.$": "$$.Map.Item.Value.finding_types",
                "account.$": "$.target.account",
                "page_within_seconds.$": "$.page_within_seconds",
                "drill.$": "$.drill",
            },
            "MaxConcurrency": 5,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "List",
                "States": _check_one(),
            },
            "ResultPath": "$.checked",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILURE}],
            "Next": "Check.Entry",
        },
        **_journal_append("Check", "$.checked[*].playbook", "Report.Build"),
    }


def _report() -> States:
    return {
        "Report.Build": {
            "Type": "Pass",
            "Parameters": {
                "drill.$": "$.drill",
                "target.$": "$.target",
                "started_at.$": "$.drill.started_at",
                "finished_at.$": "$$.State.EnteredTime",
                "passed_playbooks.$": "$.checked[*].passed_playbook",
                "failed_playbooks.$": "$.checked[*].failed_playbook",
                "playbooks.$": "$.checked",
                "calls.$": "States.StringToJson(States.Format('[{}]', $.journal.text))",
            },
            "ResultPath": "$.report",
            "Next": "Report.Write",
        },
        # The evidence bucket is the log archive's Object Lock bucket; the drill's execution role
        # writes through the bucket policy (no Credentials: not the drill account).
        "Report.Write": {
            "Type": "Task",
            "Resource": f"{_SDK}s3:putObject",
            "Parameters": {
                "Bucket": "${EvidenceBucket}",
                "Key.$": "States.Format('${EvidencePrefix}/drills/{}.json', $$.Execution.Name)",
                "Body.$": "States.JsonToString($.report)",
                "ContentType": "application/json",
                "ServerSideEncryption": "aws:kms",
                "SSEKMSKeyId": "${EvidenceKeyArn}",
            },
            "ResultSelector": {"ETag.$": "$.ETag"},
            "ResultPath": "$.written",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILURE}],
            "Next": "Report.Verdict",
        },
        "Report.Verdict": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.report.failed_playbooks[0]", "IsPresent": True, "Next": "Failed"}
            ],
            "Default": "Passed.Report",
        },
        # The output is the report; cfn-lint's schema (E3601) refuses OutputPath on Succeed.
        "Passed.Report": {"Type": "Pass", "OutputPath": "$.report", "Next": "Passed"},
        "Passed": {"Type": "Succeed"},
        "Failed": {
            "Type": "Fail",
            "Error": "Drill.PlaybooksFailed",
            "Cause": "one or more playbooks did not pass; see the drill report and the alert topic",
        },
    }


def _failure() -> States:
    """An error of the drill itself (AccessDenied, no detector…): alert, then fail."""
    return {
        FAILURE: {
            "Type": "Task",
            "Resource": _SNS_PUBLISH,
            "Parameters": {
                "TopicArn": "${AlertTopicArn}",
                "Subject": "lz-response drill: the drill itself failed",
                "Message": {
                    "summary.$": (
                        "States.Format('DRILL ERROR in {}/{}: {}', $.target.account, "
                        "$.target.region, $.error.Error)"
                    ),
                    "error.$": "$.error",
                    "drill.$": "$$.Execution.Id",
                },
            },
            "ResultPath": None,
            "Next": "Failed.Fail",
        },
        "Failed.Fail": {"Type": "Fail", "Error": "Drill.Error", "CausePath": "$.error.Cause"},
    }


def definition() -> dict[str, Any]:
    """The drill's Amazon States Language definition (``${Placeholder}`` strings as in
    ``asl.PLACEHOLDERS``)."""
    states: States = {
        **_start(),
        **_generate(),
        **_check(),
        **_report(),
        **_failure(),
    }
    return {
        "Comment": "Landing zone incident response fire drill: sample findings, then a check",
        "StartAt": "Start",
        "States": states,
    }
