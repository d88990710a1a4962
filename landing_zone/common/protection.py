"""Resource-policy statements that keep the landing zone's log buckets, keys and code out of reach
of the principals the guardrails constrain.

An SCP never applies to the management account, and a member account's SCP is only as good as
the next edit to it; a bucket or key policy travels with the resource and holds in every account.
Each statement here denies, to every principal whose ``aws:PrincipalArn`` is not one of the
*landing-zone principals*, the calls that would weaken the resource without deleting it. The
landing-zone principals are the ones ``GuardrailParameters.landing_zone_role_arns`` names: roles
``<prefix>*``, the StackSets execution roles, the CloudFormation execution role of the landing
zone's own CDK qualifier and break-glass. They stay allowed so that CloudFormation (the execution
role that deploys each resource) can still update it.

``aws:PrincipalArn`` is the role's ARN for a role session, and it is absent for AWS service
principals, so ``ArnNotLike`` on it also denies service principals (IAM user guide, global
condition keys; none of the denied calls is one a service makes on these resources). The root
user of the owning account keeps ``s3:GetBucketPolicy``, ``s3:PutBucketPolicy`` and
``s3:DeleteBucketPolicy`` whatever the bucket policy says (S3 API reference, PutBucketPolicy:
lockout protection of the bucket owner): the root user must be held by the deny-root-user SCP
in member accounts, and by MFA, custody and an alarm in the management account.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from aws_cdk import Token
from aws_cdk import aws_iam as iam

DEFAULT_LANDING_ZONE_PRINCIPALS = (
    "arn:aws:iam::*:role/lz-*",
    "arn:aws:iam::*:role/stacksets-exec-*",
    "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole",
    "arn:aws:iam::*:role/cdk-lzone-cfn-exec-role-*",
)
"""The landing-zone principals of the default config (role prefix ``lz-``, CDK qualifier
``lzone``): what ``GuardrailParameters.landing_zone_role_arns`` yields for it. Pass that
property instead when the config changes the prefix or the deployment roles."""

_ROLE_ARN_PATTERN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}|\*):role/[A-Za-z0-9_+=,.@*/-]{1,512}")

BUCKET_CONFIGURATION_ACTIONS = (
    # S3 API reference (PutBucketLifecycleConfiguration): to keep anyone from removing objects,
    # deny s3:DeleteObject, s3:DeleteObjectVersion and s3:PutLifecycleConfiguration; lifecycle
    # expiry is run by S3 itself and is no DeleteObject call. The Delete* APIs of each
    # configuration (DeleteBucketLifecycle, DeleteBucketReplication, DeleteBucketEncryption,
    # DeletePublicAccessBlock, DeleteBucketOwnershipControls) are authorized by these Put*
    # actions (Service Authorization Reference for Amazon S3, operations table).
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutBucketLogging",
    "s3:PutBucketNotification",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketTagging",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutInventoryConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:PutReplicationConfiguration",
)
"""Calls that remove or weaken a protected bucket (log, asset and training-data buckets):
deleting it (once empty), a shorter default retention for new objects, an expiry, another
policy, no more replication to the archive, versioning suspended, other encryption, public
access, no access logs, ACLs back on, notifications or an inventory (the list of every key) sent
elsewhere, tags that ABAC policies may read."""

OBJECT_RETENTION_ACTIONS = (
    "s3:BypassGovernanceRetention",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
)
"""Calls that change an object's own lock: in GOVERNANCE mode, ``s3:BypassGovernanceRetention``
with ``s3:PutObjectRetention`` shortens a log's retention (S3 user guide, Object Lock)."""

KEY_PROTECTION_ACTIONS = (
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:PutKeyPolicy",
    "kms:ReplicateKey",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
    "kms:UpdatePrimaryRegion",
)
"""Calls that break, hand out or redirect a key: another policy, deletion, disabling, rotation
off, a replica in another region under a policy of the caller's choosing, and the alias calls.
KMS authorizes CreateAlias, UpdateAlias and DeleteAlias on the key as well as on the alias
(KMS developer guide, "Controlling access to aliases"): denying them here keeps
``alias/<org>/...`` on this key whoever controls the alias resource, and UpdateAlias is also
authorized on the key the alias moves away from."""


def check_principals(prop: str, principals: Sequence[str]) -> tuple[str, ...]:
    """``principals`` if they are role ARN patterns for ``aws:PrincipalArn``; at least one, so
    CloudFormation keeps a way to update what the statements protect."""
    if isinstance(principals, str):
        raise TypeError(f"{prop}: expected a list of role ARN patterns, got the string")
    values = tuple(principals)
    if not values:
        raise ValueError(
            f"{prop}: got none; allowed: the role ARN patterns of the landing-zone principals, "
            "such as GuardrailParameters.landing_zone_role_arns (CloudFormation's execution "
            "role among them, or nothing could update the resource again)"
        )
    for value in values:
        if not _is_role_arn_pattern(value):
            raise ValueError(
                f"{prop}: {value!r} is not a role ARN pattern; allowed: "
                "'arn:aws:iam::<account id or *>:role/<name, * allowed>'"
            )
    return values


@functools.cache
def _is_role_arn_pattern(value: str) -> bool:
    # Cached: every key and bucket of every account checks the same few patterns, and
    # Token.is_unresolved is a round trip to Node.
    return bool(_ROLE_ARN_PATTERN.fullmatch(value)) or Token.is_unresolved(value)


def unless(principals: Sequence[str]) -> dict[str, dict[str, list[str]]]:
    """The condition under which a deny applies: the caller is none of ``principals``."""
    return {"ArnNotLike": {"aws:PrincipalArn": list(principals)}}


def deny_bucket_configuration(
    bucket_arn: str,
    principals: Sequence[str],
    *,
    object_lock: bool = False,
    sid: str = "DenyBucketConfigurationChanges",
) -> list[iam.PolicyStatement]:
    """Deny ``BUCKET_CONFIGURATION_ACTIONS`` on the bucket (and, with ``object_lock``,
    ``OBJECT_RETENTION_ACTIONS`` on its objects) to all but ``principals``."""
    statements = [
        iam.PolicyStatement(
            sid=sid,
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=list(BUCKET_CONFIGURATION_ACTIONS),
            resources=[bucket_arn],
            conditions=unless(principals),
        )
    ]
    if object_lock:
        statements.append(
            iam.PolicyStatement(
                sid="DenyObjectRetentionChanges",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=list(OBJECT_RETENTION_ACTIONS),
                resources=[f"{bucket_arn}/*"],
                conditions=unless(principals),
            )
        )
    return statements


KEY_PROTECTION_SID = "DenyKeyChangesOutsideTheLandingZone"
GRANT_PROTECTION_SID = "DenyGrantsOutsideTheLandingZone"


def deny_key_changes(principals: Sequence[str]) -> list[iam.PolicyStatement]:
    """Key policy statements that deny ``KEY_PROTECTION_ACTIONS`` to all but ``principals``, and
    grants that are not for an AWS resource (``kms:GrantIsForAWSResource``: EBS, RDS and the
    like create grants through the caller, which must keep working) to the same.

    The statements are frozen and shared by every key policy with the same ``principals``: each
    new statement costs round trips to Node, for several keys in each of hundreds of accounts.
    """
    return list(_key_denies(tuple(principals)))


@functools.cache
def _key_denies(principals: tuple[str, ...]) -> tuple[iam.PolicyStatement, ...]:
    return (
        iam.PolicyStatement(
            sid=KEY_PROTECTION_SID,
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=list(KEY_PROTECTION_ACTIONS),
            resources=["*"],
            conditions=unless(principals),
        ).freeze(),
        iam.PolicyStatement(
            sid=GRANT_PROTECTION_SID,
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["kms:CreateGrant"],
            resources=["*"],
            conditions={
                **unless(principals),
                # IfExists: a request without the key is no AWS resource's grant either.
                "BoolIfExists": {"kms:GrantIsForAWSResource": "false"},
            },
        ).freeze(),
    )
