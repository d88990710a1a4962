"""Checks of props shared by the baseline constructs; each error names the prop and the value."""

from __future__ import annotations

import re
from collections.abc import Sequence

from landing_zone.common.patterns import ORGANIZATION_ID, REGION
from landing_zone.common.tokens import is_unresolved

ORGANIZATIONAL_UNIT_ID = re.compile(r"^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$")
"""An OU id, or the organization root's id (which targets every account of the organization)."""


def distinct_ids(
    prop: str, values: Sequence[str], pattern: re.Pattern[str], allowed: str
) -> tuple[str, ...]:
    """``values`` as a tuple if it is a non-empty list of distinct ids matching ``pattern``.

    Unresolved tokens pass: they are known at deploy time only.
    """
    if isinstance(values, str):
        raise TypeError(f"{prop}: expected a list, got the string {values!r}")
    if not values:
        raise ValueError(f"{prop}: got an empty list; allowed: at least one {allowed}")
    for value in values:
        if not is_unresolved(value) and not pattern.fullmatch(value):
            raise ValueError(f"{prop}: {value!r} is not {allowed}")
    duplicates = sorted({value for value in values if values.count(value) > 1})
    if duplicates:
        raise ValueError(f"{prop}: {duplicates} appear more than once; list each once")
    return tuple(values)


def regions(prop: str, values: Sequence[str]) -> tuple[str, ...]:
    """Distinct region names such as ``eu-west-1``."""
    return distinct_ids(prop, values, REGION, "a region name such as 'eu-west-1'")


def organization_id(prop: str, value: str) -> str:
    if not is_unresolved(value) and not ORGANIZATION_ID.fullmatch(value):
        raise ValueError(
            f"{prop}: {value!r} is not an AWS Organizations id; allowed: 'o-' followed by 10 "
            "to 32 lowercase letters or digits"
        )
    return value


def percentage(prop: str, value: int, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= 100:
        raise ValueError(f"{prop}: got {value!r}; allowed: an integer from {minimum} to 100")
    return value
