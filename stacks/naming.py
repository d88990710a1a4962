"""Names derived deterministically from the config, shared by stacks that never reference each
other's resources directly."""

from __future__ import annotations

import zlib

MAX_POLICY_NAME = 128
"""Length limit of an AWS Organizations policy name."""


def ou_id_parameter_name(organization: str, ou_path: str) -> str:
    """SSM parameter (in the management account) holding the id of a created OU."""
    return f"/{organization}/landing-zone/organizational-units/{ou_path}/id"


def stack_name(organization: str, role: str) -> str:
    return f"{organization}-{role}"


def accounts_stack_role(shard: int, shard_count: int) -> str:
    return "accounts" if shard_count == 1 else f"accounts-{shard + 1:02d}"


def policy_name_prefix(organization: str, kind: str, target_kind: str, target: str) -> str:
    """A policy name prefix unique per target; policies are ``<prefix>-<slot>``.

    The target's kind is part of the name, so an OU and an account that spell alike never
    share a policy name. Names too long for Organizations (128 characters with the slot
    suffix) keep their start and end a stable hash of the whole target, so they stay unique.
    """
    prefix = (
        f"{organization}-{kind}-root"
        if target_kind == "root"
        else (f"{organization}-{kind}-{target_kind}-{target}")
    )
    room = MAX_POLICY_NAME - len("-5")
    if len(prefix) <= room:
        return prefix
    digest = f"{zlib.crc32(target.encode()):08x}"
    return f"{prefix[: room - len(digest) - 1]}~{digest}"


def sdk_call_role_name(role_prefix: str, stack_role: str) -> str:
    """The SDK-call handler of a core stack (its role, function and managed policy): guardrails
    exempt and protect the landing zone's roles and functions by their prefix.

    Stack names are unique per account, so the names of each stack are too (IAM names are per
    account, function names per account and region: stacks in several regions carry it).
    """
    name = f"{role_prefix}sdk-{stack_role}"
    if len(name) > 64:
        raise ValueError(f"IAM role name {name!r} is longer than 64 characters")
    return name
