"""Checks of the logging constructs' props; each error names the prop, the value and what fits."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_logs as logs
from constructs import Construct

from landing_zone.common.patterns import ACCOUNT_ID, BUCKET_NAME, ORGANIZATION_ID, REGION
from landing_zone.common.tokens import is_unresolved

"""An S3 general purpose bucket name (no "..", checked apart)."""


def bucket_name(prop: str, value: str) -> str:
    if not is_unresolved(value) and (not BUCKET_NAME.fullmatch(value) or ".." in value):
        raise ValueError(
            f"{prop}: {value!r} is not an S3 bucket name; allowed: 3-63 lowercase letters, "
            "digits, hyphens and periods, starting and ending with a letter or digit"
        )
    return value


def account_id(prop: str, value: str) -> str:
    if not is_unresolved(value) and not ACCOUNT_ID.fullmatch(value):
        raise ValueError(f"{prop}: {value!r} is not an AWS account id; allowed: 12 digits")
    return value


def organization_id(prop: str, value: str) -> str:
    if not is_unresolved(value) and not ORGANIZATION_ID.fullmatch(value):
        raise ValueError(
            f"{prop}: {value!r} is not an AWS Organizations id; allowed: 'o-' followed by 10 "
            "to 32 lowercase letters or digits"
        )
    return value


def region(prop: str, value: str) -> str:
    if not is_unresolved(value) and not REGION.fullmatch(value):
        raise ValueError(f"{prop}: {value!r} is not a region name; allowed: e.g. 'eu-west-1'")
    return value


def days(prop: str, value: int, *, minimum: int = 1, maximum: int = 36_500) -> int:
    """A whole number of days in ``[minimum, maximum]`` (S3 counts lifecycle and lock in days)."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValueError(
            f"{prop}: got {value!r}; allowed: a whole number of days from {minimum} to {maximum}"
        )
    return value


def finite_retention(prop: str, retention: logs.RetentionDays, why: str) -> None:
    """Raise ValueError when ``retention`` is ``INFINITE``; ``why`` says what the logs hold."""
    if retention == logs.RetentionDays.INFINITE:
        raise ValueError(f"{prop}: got RetentionDays.INFINITE; allowed: a finite retention ({why})")


def stack_account(scope: Construct) -> str:
    """The explicit account of the stack of ``scope``: names derived from it must be literal."""
    stack = Stack.of(scope)
    if is_unresolved(stack.account):
        raise ValueError(
            f"{scope.node.path}: the stack has no explicit account, but the log archive's names "
            "contain it; give the stack env=Environment(account=..., region=...)"
        )
    return stack.account


def stack_region(scope: Construct) -> str:
    """The explicit region of the stack of ``scope``."""
    stack = Stack.of(scope)
    if is_unresolved(stack.region):
        raise ValueError(
            f"{scope.node.path}: the stack has no explicit region, but the log archive's ARNs "
            "contain it; give the stack env=Environment(account=..., region=...)"
        )
    return stack.region
