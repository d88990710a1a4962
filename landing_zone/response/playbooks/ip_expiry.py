"""The scheduled clean-up ``lz-response-ip-expiry``: expired blocks leave the block lists.

``block_network_actor`` records every address it adds in the table ``${IpBlockTableName}``
(key ``target`` = ``<account>#<region>``, ``cidr``; ``expires_at``, ``account``, ``region``,
``role_arn``, ``execution``; why a table: see that module). This workflow:

1. reads ``now`` (input ``now``, an ISO 8601 UTC time, else the execution's start);
2. finds the targets with an entry whose ``expires_at <= now``: input ``{"target": {"account",
   "region"}}`` sweeps that one; no input (the daily EventBridge Scheduler schedule sends
   ``{}``) scans the table, page by page;
3. per target, one at a time: queries its expired entries, lists the regional IP sets there,
   page by page (``block_network_actor.find_block_lists``), as the response role of that account
   (in that region: ``asl.sdk_call``'s home/other-region branches), and removes the expired
   addresses from every block list
   (``<web-acl>-block-ipv4|ipv6``) that holds one, with the lock token (a conflict reads again);
4. deletes each expired entry unless a newer block rewrote it meanwhile (``expires_at``
   unchanged, else kept);
5. writes one evidence record, ``${EvidencePrefix}/ip_expiry/<execution name>.json``, with every
   call; any error is recorded, sent to the alert topic and fails the execution (expiry is not
   urgent: nothing is paged).

Only addresses the table knows are ever removed: an address someone added by hand stays.
Entries expire by ``expires_at`` compared as text, which holds for the triage's
``YYYY-MM-DDTHH:MM:SSZ``.
"""

from __future__ import annotations

from typing import Any, Final

from landing_zone.response.asl import FAILURE, States, catch_all, log_call
from landing_zone.response.playbooks.block_network_actor import (
    IP_BLOCK_TABLE,
    each_set,
    find_block_lists,
    iteration,
    listed,
    remove_processor,
)

WORKFLOW: Final = "ip_expiry"
_EXPIRED = "expires_at <= :now"


def _scan(name: str, *, first: bool) -> States:
    parameters: dict[str, Any] = {
        "TableName": IP_BLOCK_TABLE,
        "FilterExpression": _EXPIRED,
        "ProjectionExpression": "#t",
        "ExpressionAttributeNames": {"#t": "target"},
        "ExpressionAttributeValues": {":now": {"S.$": "$.now"}},
    }
    if not first:
        parameters["ExclusiveStartKey.$"] = "$.page.LastEvaluatedKey"
    return {
        name: {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:dynamodb:scan",
            "Parameters": parameters,
            "ResultPath": "$.page",
            "Next": "Scope.Found",
            "Catch": catch_all(),
        }
    }


def _target_processor() -> dict[str, Any]:
    """One target (``$.key`` = ``<account>#<region>``): its expired addresses removed."""
    states: States = {
        "Target.Query": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:dynamodb:query",
            "Parameters": {
                "TableName": IP_BLOCK_TABLE,
                "KeyConditionExpression": "#t = :t",
                "FilterExpression": _EXPIRED,
                "ExpressionAttributeNames": {"#t": "target"},
                "ExpressionAttributeValues": {":t": {"S.$": "$.key"}, ":now": {"S.$": "$.now"}},
            },
            "ResultSelector": {"Items.$": "$.Items"},
            "ResultPath": "$.query",
            "Next": "Target.Any",
            "Catch": catch_all(),
        },
        "Target.Any": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.query.Items[0]", "IsPresent": True, "Next": "Target.Build"}
            ],
            "Default": "Target.Nothing",
        },
        "Target.Nothing": {
            "Type": "Pass",
            "Parameters": {"target.$": "$.key", "expired": [], "calls": []},
            "End": True,
        },
        "Target.Build": {
            "Type": "Pass",
            "Parameters": {
                "account.$": "$.query.Items[0].account.S",
                "region.$": "$.query.Items[0].region.S",
                "role_arn.$": "$.query.Items[0].role_arn.S",
            },
            "ResultPath": "$.target",
            "Next": "Target.Home",
        },
        "Target.Home": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.target.region",
                    "StringEquals": "${HomeRegion}",
                    "Next": "Target.Here",
                }
            ],
            "Default": "Target.Away",
        },
        "Target.Here": _home(True),
        "Target.Away": _home(False),
        **listed("Target.Cidrs", "$.query.Items[*].cidr.S", "$.cidrs", "SweepTarget.Entry"),
        **log_call(
            "SweepTarget",
            {"target.$": "$.key", "expired.$": "$.cidrs.value", "now.$": "$.now"},
            "Target.Lists",
            first=True,
        ),
        **find_block_lists(
            "TargetListIpSets",
            "Target.Lists",
            found="UnblockExpired",
            none="ForgetExpired",
            plan_version=False,
        ),
        **each_set(
            "UnblockExpired",
            "$.scan.selected.value",
            {"set.$": "$$.Map.Item.Value", "cidrs.$": "$.cidrs.value"},
            remove_processor(),
            "ForgetExpired",
        ),
        "ForgetExpired": {
            "Type": "Map",
            "ItemsPath": "$.query.Items",
            "ItemSelector": {"item.$": "$$.Map.Item.Value", "key.$": "$.key"},
            "MaxConcurrency": 5,
            "ItemProcessor": iteration("Forget.Delete", _forget(), "Forget.Fail"),
            "ResultPath": "$.forgot",
            "Next": "ForgetExpired.Entry",
            "Catch": catch_all(),
        },
        **log_call("ForgetExpired", "$.forgot", "Target.Out"),
        "Target.Out": {
            "Type": "Pass",
            "Parameters": {
                "target.$": "$.key",
                "expired.$": "$.cidrs.value",
                "calls.$": "States.StringToJson(States.Format('[{}]', $.journal.text))",
            },
            "End": True,
        },
    }
    return iteration("Target.Query", states, "Target.Fail")


def _home(home: bool) -> dict[str, Any]:
    return {
        "Type": "Pass",
        "Parameters": {
            "account.$": "$.target.account",
            "region.$": "$.target.region",
            "role_arn.$": "$.target.role_arn",
            "home": home,
        },
        "ResultPath": "$.target",
        "Next": "Target.Cidrs",
    }


def _forget() -> States:
    """One expired entry deleted, unless a newer block rewrote it (then kept)."""
    return {
        "Forget.Delete": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:dynamodb:deleteItem",
            "Parameters": {
                "TableName": IP_BLOCK_TABLE,
                "Key": {"target": {"S.$": "$.key"}, "cidr": {"S.$": "$.item.cidr.S"}},
                "ConditionExpression": "expires_at = :expires_at",
                "ExpressionAttributeValues": {":expires_at": {"S.$": "$.item.expires_at.S"}},
            },
            "ResultPath": None,
            "Next": "Forget.Deleted",
            "Catch": [
                {
                    "ErrorEquals": ["DynamoDb.ConditionalCheckFailedException"],
                    "ResultPath": None,
                    "Next": "Forget.Kept",
                },
                *catch_all(),
            ],
        },
        "Forget.Deleted": _forgotten("deleted"),
        "Forget.Kept": _forgotten("kept: blocked again"),
    }


def _forgotten(status: str) -> dict[str, Any]:
    return {
        "Type": "Pass",
        "Parameters": {"cidr.$": "$.item.cidr.S", "status": status},
        "End": True,
    }


def _record(outcome: str) -> dict[str, Any]:
    return {
        "workflow": WORKFLOW,
        "now.$": "$.now",
        "input.$": "$.input",
        "calls.$": "States.StringToJson(States.Format('[{}]', $.journal.text))",
        "outcome": outcome,
        "error.$": "$.error",
        "execution.$": "$$.Execution.Id",
        "started_at.$": "$.started_at",
        "finished_at.$": "$$.State.EnteredTime",
    }


def _write(name: str, next_state: str, on_error: str) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
        "Parameters": {
            "Bucket": "${EvidenceBucket}",
            "Key.$": (
                f"States.Format('${{EvidencePrefix}}/{WORKFLOW}/{{}}.json', $$.Execution.Name)"
            ),
            "Body.$": "States.JsonToString($.record)",
            "ContentType": "application/json",
            "ServerSideEncryption": "aws:kms",
            "SSEKMSKeyId": "${EvidenceKeyArn}",
        },
        "ResultSelector": {"ETag.$": "$.ETag"},
        "ResultPath": "$.evidence",
        "Next": next_state,
        "Catch": [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.evidence_error", "Next": on_error}
        ],
    }


def _clock(now: str) -> dict[str, Any]:
    return {
        "Type": "Pass",
        "Parameters": {
            "now.$": now,
            "input.$": "$",
            "error": None,
            "started_at.$": "$$.Execution.StartTime",
            "journal": {"text": ""},
        },
        "Next": "SweepStart.Entry",
    }


def definition() -> dict[str, Any]:
    """The ``lz-response-ip-expiry`` state machine definition."""
    states: States = {
        "Clock": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.now", "IsPresent": True, "Next": "Clock.Given"}],
            "Default": "Clock.Start",
        },
        "Clock.Given": _clock("$.now"),
        "Clock.Start": _clock("$$.Execution.StartTime"),
        **log_call("SweepStart", {"now.$": "$.now", "input.$": "$.input"}, "Scope", first=True),
        "Scope": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.input.target", "IsPresent": True, "Next": "Scope.One"}],
            "Default": "Scope.All",
        },
        "Scope.One": {
            "Type": "Pass",
            "Parameters": {
                "value.$": (
                    "States.Array(States.Format('{}#{}', $.input.target.account, "
                    "$.input.target.region))"
                )
            },
            "ResultPath": "$.targets",
            "Next": "SweepTargets",
        },
        **_scan("Scope.All", first=True),
        **_scan("Scope.Next", first=False),
        "Scope.Found": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.page.Items[0]", "IsPresent": True, "Next": "Scope.Keys"}],
            "Default": "Scope.More",
        },
        **listed("Scope.Keys", "$.page.Items[*].target.S", "$.keys", "Scope.Unique"),
        "Scope.Unique": {
            "Type": "Pass",
            "Parameters": {"value.$": "States.ArrayUnique($.keys.value)"},
            "ResultPath": "$.targets",
            "Next": "SweepTargets",
        },
        "SweepTargets": {
            "Type": "Map",
            "ItemsPath": "$.targets.value",
            "ItemSelector": {"key.$": "$$.Map.Item.Value", "now.$": "$.now"},
            "MaxConcurrency": 1,
            "ItemProcessor": _target_processor(),
            "ResultPath": "$.swept",
            "Next": "SweepTargets.Entry",
            "Catch": catch_all(),
        },
        **log_call("SweepTargets", "$.swept", "Scope.More"),
        "Scope.More": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.page.LastEvaluatedKey", "IsPresent": True, "Next": "Scope.Next"}
            ],
            "Default": "Evidence.Build",
        },
        "Evidence.Build": {
            "Type": "Pass",
            "Parameters": _record("swept"),
            "ResultPath": "$.record",
            "Next": "Evidence.Write",
        },
        "Evidence.Write": _write("Evidence.Write", "Done", "Failed.EvidenceAlert"),
        "Done": {"Type": "Pass", "OutputPath": "$.record", "End": True},
        FAILURE: {
            "Type": "Pass",
            "Parameters": _record("failed"),
            "ResultPath": "$.record",
            "Next": "Failed.Write",
        },
        "Failed.Write": _write("Failed.Write", "Failed.Alert", "Failed.Alert"),
        "Failed.Alert": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {
                "TopicArn": "${AlertTopicArn}",
                "Subject": "lz-response ip_expiry: FAILED",
                "Message": {
                    "summary.$": "States.Format('FAILED: ip_expiry sweep: {}', $.error.Error)",
                    "error.$": "$.error",
                    "execution.$": "$$.Execution.Id",
                },
            },
            "ResultPath": None,
            "Next": "Failed.Cause",
        },
        # One error name (a Fail state may not raise the reserved States.* names), the caught
        # error's name and cause in the Cause.
        "Failed.Cause": {
            "Type": "Pass",
            "Parameters": {"text.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)"},
            "ResultPath": "$.failure",
            "Next": "Failed.Fail",
        },
        "Failed.Fail": {"Type": "Fail", "Error": "Response.Failed", "CausePath": "$.failure.text"},
        "Failed.EvidenceAlert": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {
                "TopicArn": "${AlertTopicArn}",
                "Subject": "lz-response ip_expiry: FAILED (evidence not written)",
                "Message": {
                    "summary.$": (
                        "States.Format('FAILED: ip_expiry evidence not written: {}', "
                        "$.evidence_error.Error)"
                    ),
                    "record.$": "$.record",
                },
            },
            "ResultPath": None,
            "Next": "Failed.EvidenceCause",
        },
        "Failed.EvidenceCause": {
            "Type": "Pass",
            "Parameters": {
                "text.$": (
                    "States.Format('{}: {}', $.evidence_error.Error, $.evidence_error.Cause)"
                )
            },
            "ResultPath": "$.failure",
            "Next": "Failed.EvidenceFail",
        },
        "Failed.EvidenceFail": {
            "Type": "Fail",
            "Error": "Response.EvidenceNotWritten",
            "CausePath": "$.failure.text",
        },
    }
    return {
        "Comment": (
            "Removes expired incident-response blocks from the web ACLs' block lists of every "
            "account and region (or one target), daily"
        ),
        "StartAt": "Clock",
        "States": states,
    }
