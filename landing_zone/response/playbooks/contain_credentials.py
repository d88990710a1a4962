"""Playbook 2: contain IAM credentials.

Plan: ``{"principal_type": "IAMUser"|"Role"|"IdentityCenterRole"|"Root", "user_name"?,
"access_key_id"?, "role_name"?, "revoke_before"}``.

- IAMUser: the access key named in the finding is made Inactive (never deleted). Inspect lists
  the user's keys: key absent → ``not_found``; already Inactive → ``already_contained``.
- Role: sessions issued before now are denied by the documented inline policy on
  ``aws:TokenIssueTime``
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html), named
  ``lz-response-revoke-<finding id>``: a second run for the same finding finds it
  (``already_contained``), a later finding adds its own.
- IdentityCenterRole (``AWSReservedSSO_*``, which no account policy may change) and Root: the
  exact manual step is paged and the record says ``manual_step_required``; nothing is changed.

Rollback: the key Active again, or the finding's inline policy deleted.
"""

from __future__ import annotations

from typing import Any

from landing_zone.response.asl import (
    DECIDE,
    FAILURE,
    Steps,
    finish,
    playbook_definition,
    publish_call,
    revoke_older_sessions,
    sdk_call,
)

PLAYBOOK = "contain_credentials"
POLICY_NAME = "States.Format('lz-response-revoke-{}', $.finding.id)"

_MANUAL_STEP = {
    "IdentityCenterRole": (
        "MANUAL STEP REQUIRED, nothing was changed: the role (role_name) is managed by IAM "
        "Identity Center and no account policy may change it. In the Identity Center "
        "administrator account: 1. disable the user of the session in the finding; 2. add to "
        "the permission set of this role an inline policy denying all actions when "
        "aws:TokenIssueTime is before revoke_before (aws sso-admin "
        "put-inline-policy-to-permission-set), then run aws sso-admin "
        "provision-permission-set --target-type AWS_ACCOUNT --target-id <account>; 3. record "
        "what you did in the ticket."
    ),
    "Root": (
        "MANUAL STEP REQUIRED, nothing was changed: the root user of the account was used. "
        "With the break-glass procedure: change the root password, delete any root access key "
        "and re-register the root MFA device; record it in the ticket."
    ),
}
"""Paged as text; the message carries the plan (role_name, revoke_before) and the account."""


def _inspect() -> Steps:
    states: dict[str, Any] = {
        "PrincipalType": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.plan.principal_type",
                    "StringEquals": "IAMUser",
                    "Next": "ListKeys",
                },
                {
                    "Variable": "$.plan.principal_type",
                    "StringEquals": "Role",
                    "Next": "ListPolicies",
                },
            ],
            "Default": "ManualStep",
        },
        # --- IAM user: the key's status ---
        **sdk_call(
            "ListKeys",
            "iam",
            "listAccessKeys",
            {"UserName.$": "$.plan.user_name"},
            next_state="KeyStatus",
            result_selector={
                "ids.$": "$.AccessKeyMetadata[*].AccessKeyId",
                "statuses.$": "$.AccessKeyMetadata[*].Status",
                "count.$": "States.ArrayLength($.AccessKeyMetadata)",
            },
            result_path="$.before.keys",
        ),
        # No list search in ASL: each key's status if it is the finding's key, "-" otherwise.
        "KeyStatus": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.before.keys.count",
                    "NumericEquals": 0,
                    "Next": finish("not_found"),
                }
            ],
            "Default": "KeyIndexes",
        },
        "KeyIndexes": {
            "Type": "Pass",
            "Parameters": {
                "indexes.$": ("States.ArrayRange(0, States.MathAdd($.before.keys.count, -1), 1)")
            },
            "ResultPath": "$.key_indexes",
            "Next": "MatchKey",
        },
        "MatchKey": {
            "Type": "Map",
            "ItemsPath": "$.key_indexes.indexes",
            "ItemSelector": {
                "id.$": "States.ArrayGetItem($.before.keys.ids, $$.Map.Item.Value)",
                "status.$": "States.ArrayGetItem($.before.keys.statuses, $$.Map.Item.Value)",
                "wanted.$": "$.plan.access_key_id",
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "IsFindingKey",
                "States": {
                    "IsFindingKey": {
                        "Type": "Choice",
                        "Choices": [
                            {"Variable": "$.id", "StringEqualsPath": "$.wanted", "Next": "Key"}
                        ],
                        "Default": "OtherKey",
                    },
                    "Key": {"Type": "Pass", "OutputPath": "$.status", "End": True},
                    "OtherKey": {"Type": "Pass", "Result": "-", "End": True},
                },
            },
            "ResultPath": "$.key_match",
            "Next": "KeySummary",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILURE}],
        },
        "KeySummary": {
            "Type": "Pass",
            "Parameters": {
                "id.$": "$.plan.access_key_id",
                "active.$": "States.ArrayContains($.key_match, 'Active')",
                "inactive.$": "States.ArrayContains($.key_match, 'Inactive')",
            },
            "ResultPath": "$.before.key",
            "Next": "KeyState",
        },
        "KeyState": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.before.key.active", "BooleanEquals": True, "Next": DECIDE},
                {
                    "Variable": "$.before.key.inactive",
                    "BooleanEquals": True,
                    "Next": finish("already_contained"),
                },
            ],
            "Default": finish("not_found"),
        },
        # --- role: the finding's revoke policy ---
        **sdk_call(
            "ListPolicies",
            "iam",
            "listRolePolicies",
            {"RoleName.$": "$.plan.role_name"},
            next_state="PolicySummary",
            result_selector={"names.$": "$.PolicyNames"},
            result_path="$.before.role_policies",
        ),
        "PolicySummary": {
            "Type": "Pass",
            "Parameters": {
                "name.$": POLICY_NAME,
            },
            "ResultPath": "$.revoke_policy_name",
            "Next": "PolicyPresent",
        },
        "PolicyPresent": {
            "Type": "Pass",
            "Parameters": {
                "present.$": (
                    "States.ArrayContains($.before.role_policies.names, $.revoke_policy_name.name)"
                )
            },
            "ResultPath": "$.before.revoke_policy",
            "Next": "RoleState",
        },
        "RoleState": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.before.revoke_policy.present",
                    "BooleanEquals": True,
                    "Next": finish("already_contained"),
                }
            ],
            "Default": DECIDE,
        },
        # --- Identity Center role or root: page the manual step, change nothing ---
        "ManualStep": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.plan.principal_type",
                    "StringEquals": "IdentityCenterRole",
                    "Next": "ManualStep.IdentityCenter",
                }
            ],
            "Default": "ManualStep.Root",
        },
        "ManualStep.IdentityCenter": {
            "Type": "Pass",
            "Parameters": {"text": _MANUAL_STEP["IdentityCenterRole"]},
            "ResultPath": "$.manual_step",
            "Next": "PageManualStep",
        },
        "ManualStep.Root": {
            "Type": "Pass",
            "Parameters": {"text": _MANUAL_STEP["Root"]},
            "ResultPath": "$.manual_step",
            "Next": "PageManualStep",
        },
        **publish_call(
            "PageManualStep",
            "${PagingTopicArn}",
            "lz-response contain_credentials: MANUAL STEP REQUIRED",
            {
                "summary.$": "$.manual_step.text",
                "account.$": "$.target.account",
                "finding.$": "$.finding",
                "plan.$": "$.plan",
                "execution.$": "$$.Execution.Id",
            },
            finish("manual_step_required"),
        ),
    }
    return Steps("PrincipalType", states)


def _contain() -> Steps:
    states: dict[str, Any] = {
        "ContainPrincipal": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.plan.principal_type",
                    "StringEquals": "IAMUser",
                    "Next": "DeactivateKey",
                }
            ],
            "Default": "RevokePolicy",
        },
        **sdk_call(
            "DeactivateKey",
            "iam",
            "updateAccessKey",
            {
                "UserName.$": "$.plan.user_name",
                "AccessKeyId.$": "$.plan.access_key_id",
                "Status": "Inactive",
            },
            next_state=finish("contained"),
        ),
        "RevokePolicy": revoke_older_sessions("RevokeRoleSessions"),
        **sdk_call(
            "RevokeRoleSessions",
            "iam",
            "putRolePolicy",
            {
                "RoleName.$": "$.plan.role_name",
                "PolicyName.$": "$.revoke_policy_name.name",
                "PolicyDocument.$": "States.JsonToString($.revoke_policy)",
            },
            next_state=finish("contained"),
        ),
    }
    return Steps("ContainPrincipal", states)


def _rollback() -> Steps:
    states: dict[str, Any] = {
        "RestorePrincipal": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.plan.principal_type",
                    "StringEquals": "IAMUser",
                    "Next": "ReactivateKey",
                }
            ],
            "Default": "RemoveRevokePolicy",
        },
        **sdk_call(
            "ReactivateKey",
            "iam",
            "updateAccessKey",
            {
                "UserName.$": "$.plan.user_name",
                "AccessKeyId.$": "$.plan.access_key_id",
                "Status": "Active",
            },
            next_state=finish("rolled_back"),
        ),
        **sdk_call(
            "RemoveRevokePolicy",
            "iam",
            "deleteRolePolicy",
            {"RoleName.$": "$.plan.role_name", "PolicyName.$": POLICY_NAME},
            next_state=finish("rolled_back"),
        ),
    }
    return Steps("RestorePrincipal", states)


def definition() -> dict[str, Any]:
    """The ``lz-response-contain-credentials`` state machine definition."""
    return playbook_definition(
        PLAYBOOK,
        inspect=_inspect(),
        contain=_contain(),
        rollback=_rollback(),
        comment="Contain IAM credentials: deactivate the key or revoke the role's sessions",
    )
