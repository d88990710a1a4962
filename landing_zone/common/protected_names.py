"""Explicit names under the landing zone's protected prefix, checked against the service limits.

The guardrails protect what the landing zone owns by name (``<prefix>*``); a generated name
would leave a rule, topic, queue or alarm outside that protection. Names with unresolved parts
(a region token) are checked once CloudFormation resolves them.
"""

from __future__ import annotations

import re

from landing_zone.common.tokens import is_unresolved

# Per service: characters allowed and maximum length (the services' API references).
_LIMITS: dict[str, tuple[re.Pattern[str], int]] = {
    "rule": (re.compile(r"[A-Za-z0-9._-]+"), 64),
    "event bus": (re.compile(r"[A-Za-z0-9._-]+"), 256),
    "topic": (re.compile(r"[A-Za-z0-9_-]+"), 256),
    "queue": (re.compile(r"[A-Za-z0-9_-]+"), 80),
    "alarm": (re.compile(r"[^\x00-\x1f]+"), 255),
    "role": (re.compile(r"[A-Za-z0-9+=,.@_-]+"), 64),
    "managed policy": (re.compile(r"[A-Za-z0-9+=,.@_-]+"), 128),
    "metric filter": (re.compile(r"[^:*]+"), 512),
}

_PREFIX = re.compile(r"[A-Za-z0-9_-]{1,32}")


def check_prefix(prefix: str) -> str:
    """``prefix`` itself, or a ValueError: it must fit every kind of name above."""
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(
            f"name_prefix: got {prefix!r}; allowed: 1-32 letters, digits, '_' or '-' (the "
            "guardrails' landing_zone_role_prefix, such as 'lz-')"
        )
    return prefix


def protected_name(kind: str, prefix: str, name: str) -> str:
    """``<prefix><name>``, or a ValueError if a ``kind`` of resource cannot bear it."""
    return checked_name(kind, f"{check_prefix(prefix)}{name}")


def checked_name(kind: str, full: str) -> str:
    """``full``, or a ValueError if a ``kind`` of resource cannot bear it."""
    pattern, limit = _LIMITS[kind]
    if is_unresolved(full):
        return full
    if len(full) > limit or not pattern.fullmatch(full):
        raise ValueError(
            f"{kind} name {full!r}: allowed at most {limit} characters matching "
            f"{pattern.pattern}; choose a shorter name_prefix"
        )
    return full
