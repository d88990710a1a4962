"""Playbook 4: suspected S3 exfiltration (plan: ``{"bucket", "principal_arn"}``).

Inspect (read-only, also in dry run): ``GetBucketPolicy``. The policy text (or its absence) is
the before-state, kept verbatim for the rollback. A statement whose Sid is this principal's
(:data:`SID_PREFIX` + the MD5 of the principal ARN in hex: stable, alphanumeric as a Sid must be;
a checksum, not a security control) → ``already_contained``. A bucket that does not exist fails
loudly (``S3.NoSuchBucketException``) and pages: the finding named it, so its absence is news.

Contain: ``PutBucketPolicy`` with the previous statements unchanged and, first, a deny of every
S3 action on the bucket and its objects for that one principal (not deny-all: the bucket keeps
serving everyone else). Rollback puts the previous policy text back exactly, or deletes the
policy when there was none.

``GetBucketPolicy`` without a policy fails with the error code ``NoSuchBucketPolicy``, which the
SDKs do not model: the integration names it ``S3.S3Exception`` (AccessDenied too), so the
playbook looks at the Cause, which carries the code or its message
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html) and sends any other
error to the failure path.

Limits: a policy whose ``Statement`` is a single object rather than a list fails loudly (the
statements are counted); the policy limit of 20 KB
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html) fails loudly too.

Errors: the two Map states that read and merge the statements catch ``States.ALL`` to the
frame's failure path (recorded, paged, failed), as every call does. ``States.ALL`` does not catch
``States.Runtime`` or ``States.DataLimitExceeded``
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html): those end
the execution as failed without the page and the record.
"""

from __future__ import annotations

from typing import Any, Final

from landing_zone.response.asl import (
    DECIDE,
    FAILURE,
    States,
    Steps,
    catch_all,
    finish,
    playbook_definition,
    sdk_call,
)

PLAYBOOK: Final = "s3_exfiltration"
SID_PREFIX: Final = "LzResponseDeny"
POLICY_VERSION: Final = "2012-10-17"
NO_POLICY_CAUSES: Final = ("*NoSuchBucketPolicy*", "*bucket policy does not exist*")
"""How the Cause of a ``GetBucketPolicy`` without a policy reads: the error code (the regional
call, and the aws-sdk integration's Cause as documented) or the S3 message (moto)."""
GENERIC_S3_ERRORS: Final = ("S3.S3Exception", "s3.s3Exception")
"""The integration's (and the regional call's) name for unmodelled S3 errors, and moto's."""


def _deny_statement() -> dict[str, Any]:
    return {
        "Sid.$": "$.scan.sid.value",
        "Effect": "Deny",
        "Principal": {"AWS.$": "$.plan.principal_arn"},
        "Action": "s3:*",
        "Resource.$": (
            "States.Array(States.Format('arn:aws:s3:::{}', $.plan.bucket), "
            "States.Format('arn:aws:s3:::{}/*', $.plan.bucket))"
        ),
    }


def _inspect() -> Steps:
    states: States = {
        "Inspect.Sid": {
            "Type": "Pass",
            "Parameters": {
                "value.$": (
                    f"States.Format('{SID_PREFIX}{{}}', States.Hash($.plan.principal_arn, 'MD5'))"
                )
            },
            "ResultPath": "$.scan.sid",
            "Next": "GetBucketPolicy",
        },
        **sdk_call(
            "GetBucketPolicy",
            "s3",
            "getBucketPolicy",
            {"Bucket.$": "$.plan.bucket"},
            next_state="Inspect.Parse",
            result_selector={"Policy.$": "$.Policy"},
            result_path="$.results.GetBucketPolicy",
            catch=[
                {
                    "ErrorEquals": list(GENERIC_S3_ERRORS),
                    "ResultPath": "$.error",
                    "Next": "Inspect.NoPolicy?",
                }
            ],
        ),
        "Inspect.NoPolicy?": {
            "Type": "Choice",
            "Choices": [
                {
                    "Or": [
                        {"Variable": "$.error.Cause", "StringMatches": pattern}
                        for pattern in NO_POLICY_CAUSES
                    ],
                    "Next": "Inspect.NoPolicy",
                }
            ],
            "Default": FAILURE,
        },
        "Inspect.NoPolicy": {
            "Type": "Pass",
            "Parameters": {
                "bucket.$": "$.plan.bucket",
                "policy": None,
                "sid.$": "$.scan.sid.value",
            },
            "ResultPath": "$.before",
            "Next": "Inspect.NoPolicy.Clear",
        },
        "Inspect.NoPolicy.Clear": {
            "Type": "Pass",
            "Result": None,
            "ResultPath": "$.error",
            "Next": "GetBucketPolicy.NoPolicy.Entry",
        },
        "GetBucketPolicy.NoPolicy.Entry": {
            "Type": "Pass",
            "Parameters": {"step": "GetBucketPolicy", "result": {"policy": None}},
            "ResultPath": "$.journal.entry",
            "Next": "GetBucketPolicy.NoPolicy.Log",
        },
        "GetBucketPolicy.NoPolicy.Log": {
            "Type": "Pass",
            "Parameters": {
                "text.$": (
                    "States.Format('{},{}', $.journal.text, States.JsonToString($.journal.entry))"
                )
            },
            "ResultPath": "$.journal",
            "Next": DECIDE,
        },
        "Inspect.Parse": {
            "Type": "Pass",
            "Parameters": {
                "bucket.$": "$.plan.bucket",
                "policy.$": "$.results.GetBucketPolicy.Policy",
                "sid.$": "$.scan.sid.value",
            },
            "ResultPath": "$.before",
            "Next": "Inspect.Document",
        },
        "Inspect.Document": {
            "Type": "Pass",
            "Parameters": {"value.$": "States.StringToJson($.before.policy)"},
            "ResultPath": "$.scan.document",
            "Next": "Inspect.Sids",
        },
        # A Map, not "Statement[*].Sid": statements without a Sid have none to select.
        "Inspect.Sids": {
            "Type": "Map",
            "ItemsPath": "$.scan.document.value.Statement",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Sid.Has",
                "States": {
                    "Sid.Has": {
                        "Type": "Choice",
                        "Choices": [{"Variable": "$.Sid", "IsPresent": True, "Next": "Sid.Yes"}],
                        "Default": "Sid.No",
                    },
                    "Sid.Yes": {"Type": "Pass", "InputPath": "$.Sid", "End": True},
                    "Sid.No": {"Type": "Pass", "Result": "", "End": True},
                },
            },
            "ResultPath": "$.scan.sids",
            "Next": "Inspect.Contained",
            "Catch": catch_all(),
        },
        "Inspect.Contained": {
            "Type": "Pass",
            "Parameters": {"any.$": "States.ArrayContains($.scan.sids, $.scan.sid.value)"},
            "ResultPath": "$.scan.found",
            "Next": "Inspect.Route",
        },
        "Inspect.Route": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.scan.found.any",
                    "BooleanEquals": True,
                    "Next": finish("already_contained"),
                }
            ],
            "Default": DECIDE,
        },
    }
    return Steps("Inspect.Sid", states)


def _contain() -> Steps:
    states: States = {
        "Contain.Statement": {
            "Type": "Pass",
            "Parameters": _deny_statement(),
            "ResultPath": "$.scan.deny",
            "Next": "Contain.HadPolicy",
        },
        "Contain.HadPolicy": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.before.policy", "IsNull": True, "Next": "Contain.Only"}],
            "Default": "Contain.Count",
        },
        "Contain.Only": {
            "Type": "Pass",
            "Parameters": {"value.$": "States.Array($.scan.deny)"},
            "ResultPath": "$.scan.statements",
            "Next": "Contain.Policy.New",
        },
        "Contain.Policy.New": {
            "Type": "Pass",
            "Parameters": {
                "value": {"Version": POLICY_VERSION, "Statement.$": "$.scan.statements.value"}
            },
            "ResultPath": "$.scan.policy",
            "Next": "PutBucketPolicy",
        },
        "Contain.Count": {
            "Type": "Pass",
            "Parameters": {
                "indexes.$": (
                    "States.ArrayRange(0, States.ArrayLength($.scan.document.value.Statement), 1)"
                )
            },
            "ResultPath": "$.scan.count",
            "Next": "Contain.Prepend",
        },
        # JSONPath has no list concatenation: item 0 is the deny, item i the old statement i-1.
        "Contain.Prepend": {
            "Type": "Map",
            "ItemsPath": "$.scan.count.indexes",
            "ItemSelector": {
                "i.$": "$$.Map.Item.Value",
                "deny.$": "$.scan.deny",
                "old.$": "$.scan.document.value.Statement",
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Prepend.Which",
                "States": {
                    "Prepend.Which": {
                        "Type": "Choice",
                        "Choices": [
                            {"Variable": "$.i", "NumericEquals": 0, "Next": "Prepend.Deny"}
                        ],
                        "Default": "Prepend.Old",
                    },
                    "Prepend.Deny": {"Type": "Pass", "InputPath": "$.deny", "End": True},
                    "Prepend.Old": {
                        "Type": "Pass",
                        "Parameters": {
                            "statement.$": "States.ArrayGetItem($.old, States.MathAdd($.i, -1))"
                        },
                        "OutputPath": "$.statement",
                        "End": True,
                    },
                },
            },
            "ResultSelector": {"value.$": "$"},
            "ResultPath": "$.scan.statements",
            "Next": "Contain.Policy.Merged",
            "Catch": catch_all(),
        },
        "Contain.Policy.Merged": {
            "Type": "Pass",
            "Parameters": {"Statement.$": "$.scan.statements.value"},
            "ResultPath": "$.scan.replacement",
            "Next": "Contain.Policy.Kept",
        },
        # Version, Id and any other top-level field of the old policy stay as they were.
        "Contain.Policy.Kept": {
            "Type": "Pass",
            "Parameters": {
                "value.$": "States.JsonMerge($.scan.document.value, $.scan.replacement, false)"
            },
            "ResultPath": "$.scan.policy",
            "Next": "PutBucketPolicy",
        },
        **sdk_call(
            "PutBucketPolicy",
            "s3",
            "putBucketPolicy",
            {"Bucket.$": "$.plan.bucket", "Policy.$": "States.JsonToString($.scan.policy.value)"},
            next_state=finish("contained"),
            result_selector={},
            result_path="$.results.PutBucketPolicy",
        ),
    }
    # What was written, not the (empty) response.
    states["PutBucketPolicy.Entry"]["Parameters"] = {
        "step": "PutBucketPolicy",
        "result": {"bucket.$": "$.plan.bucket", "added.$": "$.scan.deny"},
    }
    return Steps("Contain.Statement", states)


def _rollback() -> Steps:
    states: States = {
        "Rollback.HadPolicy": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.before.policy", "IsNull": True, "Next": "DeleteBucketPolicy"}
            ],
            "Default": "RestoreBucketPolicy",
        },
        **sdk_call(
            "RestoreBucketPolicy",
            "s3",
            "putBucketPolicy",
            {"Bucket.$": "$.plan.bucket", "Policy.$": "$.before.policy"},
            next_state=finish("rolled_back"),
            result_selector={},
            result_path="$.results.RestoreBucketPolicy",
        ),
        **sdk_call(
            "DeleteBucketPolicy",
            "s3",
            "deleteBucketPolicy",
            {"Bucket.$": "$.plan.bucket"},
            next_state=finish("rolled_back"),
            result_selector={},
            result_path="$.results.DeleteBucketPolicy",
        ),
    }
    states["RestoreBucketPolicy.Entry"]["Parameters"] = {
        "step": "RestoreBucketPolicy",
        "result": {"bucket.$": "$.plan.bucket", "policy.$": "$.before.policy"},
    }
    return Steps("Rollback.HadPolicy", states)


def definition() -> dict[str, Any]:
    """The ``lz-response-s3-exfiltration`` state machine definition."""
    return playbook_definition(
        PLAYBOOK,
        inspect=_inspect(),
        contain=_contain(),
        rollback=_rollback(),
        comment=(
            "Denies the principal named in the finding every S3 action on the bucket, keeping "
            "the previous bucket policy for the rollback"
        ),
    )
