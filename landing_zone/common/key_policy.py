"""Key policy building blocks shared by every key of the landing zone: no statement grants
``kms:*``.

Public: the data-class keys, the logging keys, the alert topics' keys, the Macie, backup, SDK
call handler and response workflow keys all build their policies from these blocks, and so may a
consumer's own keys.

CDK's default key policy gives the account root ``kms:*``, so every IAM principal of the account
that an identity policy allows could decrypt. These keys instead give the account root
the administration of the key only and name each use separately, and deny the calls that break
or redirect the key to every principal but the landing zone's own (``protection``): an account
administrator's IAM policy cannot undo a key policy's deny, in the management account neither.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.protection import (
    DEFAULT_LANDING_ZONE_PRINCIPALS,
    GRANT_PROTECTION_SID,
    KEY_PROTECTION_SID,
    check_principals,
    deny_key_changes,
)

KEY_ADMINISTRATION_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
"""What CloudFormation and key administrators need: no cryptographic operation, no
``kms:CreateGrant`` (a grant could hand out Decrypt), no ``kms:DisableKeyRotation`` (rotation
stays on). ``kms:PutKeyPolicy`` for the account root also satisfies KMS's lockout safety check."""

KEY_ADMINISTRATION_SID = "KeyAdministrationByThisAccount"


@cache
def key_administration_statement() -> iam.PolicyStatement:
    """The account root may administer the key; IAM policies of the account decide who does.

    One frozen statement for every key: its principal is a token each stack resolves to its own
    account, and adding to a frozen statement raises, so sharing cannot leak a change from one
    policy into another (it saves two jsii round trips per key)."""
    return _frozen(
        iam.PolicyStatement(
            sid=KEY_ADMINISTRATION_SID,
            principals=[iam.AccountRootPrincipal()],
            actions=list(KEY_ADMINISTRATION_ACTIONS),
            resources=["*"],
        )
    )


def _frozen(statement: iam.PolicyStatement) -> iam.PolicyStatement:
    statement.freeze()
    return statement


LOGS_KEY_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)
"""What CloudWatch Logs needs on the key of an encrypted log group."""

LOGS_SID = "CloudWatchLogsOfThisAccountAndRegion"


@cache
def logs_service_statement(sid: str = LOGS_SID) -> iam.PolicyStatement:
    """CloudWatch Logs may use the key for log groups of this account and region only (the
    encryption context ``aws:logs:arn``, as the CloudWatch Logs user guide documents). Frozen
    and shared per ``sid``, as :func:`key_administration_statement`."""
    return _frozen(
        iam.PolicyStatement(
            sid=sid,
            principals=[iam.ServicePrincipal(f"logs.{pseudo.REGION}.amazonaws.com")],
            actions=list(LOGS_KEY_ACTIONS),
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:{pseudo.PARTITION}:logs:{pseudo.REGION}:{pseudo.ACCOUNT_ID}"
                        ":log-group:*"
                    )
                }
            },
        )
    )


def use_through_services_statement(
    sid: str, services: Sequence[str], actions: Sequence[str]
) -> iam.PolicyStatement:
    """Principals of this account whose IAM policies allow it may use the key for ``actions``,
    but only through ``services`` (short names such as ``sns``) in this region. Frozen and
    shared per argument values, as :func:`key_administration_statement`."""
    return _use_through_services(sid, tuple(services), tuple(actions))


@cache
def _use_through_services(
    sid: str, services: tuple[str, ...], actions: tuple[str, ...]
) -> iam.PolicyStatement:
    return _frozen(
        iam.PolicyStatement(
            sid=sid,
            principals=[iam.AccountRootPrincipal()],
            actions=list(actions),
            resources=["*"],
            conditions={
                "StringEquals": {
                    "kms:ViaService": [
                        f"{service}.{pseudo.REGION}.amazonaws.com" for service in services
                    ],
                    "kms:CallerAccount": pseudo.ACCOUNT_ID,
                }
            },
        )
    )


def administered_key_policy(
    *statements: iam.PolicyStatement,
    landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
) -> iam.PolicyDocument:
    """A key policy of the account root's key administration, ``statements`` and the denies of
    ``protection.deny_key_changes`` to all but ``landing_zone_principals``, instead of CDK's
    default, which gives the account root ``kms:*``."""
    return iam.PolicyDocument(
        statements=[
            key_administration_statement(),
            *statements,
            *deny_key_changes(landing_zone_principals),
        ]
    )


def administered_key(
    scope: Construct,
    construct_id: str,
    *,
    description: str,
    statements: Sequence[iam.PolicyStatement] = (),
    alias: str | None = None,
    landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
) -> kms.Key:
    """A symmetric customer managed key with the landing zone's defaults for keys of stateful
    resources: rotated yearly, a 30-day deletion window, retained when its stack goes, and the
    :func:`administered_key_policy` of ``statements``, which only ``landing_zone_principals``
    (role ARN patterns) may change: the principal that deploys the key must be one of them, or
    KMS's policy lockout check rejects the key (*unverified* that the check evaluates the
    ``aws:PrincipalArn`` condition rather than only the principal)."""
    principals = check_principals("landing_zone_principals", landing_zone_principals)
    return kms.Key(
        scope,
        construct_id,
        description=description,
        enable_key_rotation=True,
        pending_window=_pending_window(),
        removal_policy=RemovalPolicy.RETAIN,
        policy=administered_key_policy(*statements, landing_zone_principals=principals),
        alias=alias,
    )


@cache
def _pending_window() -> Duration:
    return Duration.days(30)


def checked_statements(
    scope: Construct,
    prop: str,
    statements: Sequence[iam.PolicyStatement],
    *,
    reserved_sids: Collection[str],
) -> tuple[iam.PolicyStatement, ...]:
    """``statements`` if each can join a landing-zone key's policy.

    Rejected: a statement without a sid or with one already used; any Allow of ``kms:*`` (or
    ``*``), of a ``NotAction`` or to a ``NotPrincipal``; an Allow to a wildcard principal
    without a condition.
    """
    if isinstance(statements, iam.PolicyStatement):
        raise TypeError(f"{prop}: expected a list of PolicyStatement, got a single statement")
    seen = {*reserved_sids, KEY_PROTECTION_SID, GRANT_PROTECTION_SID}
    stack = Stack.of(scope)
    for statement in statements:
        document: Mapping[str, Any] = stack.resolve(statement.to_statement_json())
        sid = statement.sid
        text = json.dumps(document, sort_keys=True)
        if not sid:
            raise ValueError(f"{prop}: every statement needs a sid; got {text}")
        if sid in seen:
            raise ValueError(f"{prop}: the sid {sid!r} is used twice or by the key itself")
        seen.add(sid)
        if document.get("Effect") == "Deny":
            continue
        reason = _broad_allow(document)
        if reason:
            raise ValueError(f"{prop}: statement {sid!r} {reason}; got {text}")
    return tuple(statements)


def _broad_allow(document: Mapping[str, Any]) -> str | None:
    if "NotPrincipal" in document:
        return "allows everyone but its NotPrincipal; name the principals instead"
    if "NotAction" in document:
        return "allows every action but its NotAction; name the actions instead"
    actions = {str(action).lower() for action in _as_list(document.get("Action"))}
    if actions & {"*", "kms:*"}:
        return (
            "allows kms:*, which includes decrypting every log and rewriting the key policy; "
            "name the actions the principal needs"
        )
    principals = list(_principal_values(document.get("Principal")))
    if "*" in principals and not document.get("Condition"):
        return (
            "allows a wildcard principal without a condition, which is anyone in any account; "
            "add a condition such as aws:PrincipalOrgID or kms:CallerAccount"
        )
    return None


def _principal_values(principal: Any) -> Iterable[Any]:
    if principal == "*":
        yield "*"
    elif isinstance(principal, Mapping):
        for value in principal.values():
            yield from _as_list(value)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
