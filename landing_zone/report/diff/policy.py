"""IAM policy statements compared element by element: what a change permits more or less.

Every statement is keyed by its ``Sid``. A fact says whether the change lets principals do more
("permits more": a deny that denies less, an allow that allows more) or less. Exemptions are
the values of a deny's negated condition on the caller (``ArnNotLike aws:PrincipalArn``,
``StringNotEquals aws:PrincipalAccount`` and the like): callers that match are not denied.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from landing_zone.report.diff.assembly import as_list, text

Direction = Literal["more", "less", "changed"]

ELEMENTS = ("Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal")

# What adding a value to an element does to what the statement permits, for a deny and for an
# allow statement: a deny on more actions permits less, a deny with more NotAction permits more.
_ADDING: dict[tuple[str, str], Direction] = {
    ("Deny", "Action"): "less",
    ("Deny", "NotAction"): "more",
    ("Deny", "Resource"): "less",
    ("Deny", "NotResource"): "more",
    ("Deny", "Principal"): "less",
    ("Deny", "NotPrincipal"): "more",
    ("Allow", "Action"): "more",
    ("Allow", "NotAction"): "less",
    ("Allow", "Resource"): "more",
    ("Allow", "NotResource"): "less",
    ("Allow", "Principal"): "more",
    ("Allow", "NotPrincipal"): "less",
}

_CALLER_KEYS = (
    "aws:principal",
    "aws:userid",
    "aws:username",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:calledvia",
    "aws:viaawsservice",
)
"""Condition keys (prefixes, lower case) that describe who calls or from where."""

MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")


@dataclass(frozen=True)
class Statement:
    sid: str
    effect: str
    elements: Mapping[str, frozenset[str]]
    conditions: frozenset[tuple[str, str, str]]
    """(operator, key, value) for each value of each condition."""


@dataclass(frozen=True)
class Fact:
    text: str
    direction: Direction
    kind: str
    """What changed: statement, effect, an element name, exemption, condition or mfa."""
    values: tuple[str, ...] = ()


def document(value: Any) -> Mapping[str, Any]:
    """A policy document given as an object, a JSON string or a joined JSON string."""
    if isinstance(value, Mapping) and "Statement" in value:
        return value
    try:
        parsed = json.loads(text(value))
    except ValueError:
        return {}
    return parsed if isinstance(parsed, Mapping) else {}


def statements(policy: Any) -> dict[str, Statement]:
    """The statements of ``policy`` by Sid (a statement without one: by effect and position)."""
    found: dict[str, Statement] = {}
    for index, raw in enumerate(as_list(document(policy).get("Statement"))):
        if not isinstance(raw, Mapping):
            continue
        effect = str(raw.get("Effect", ""))
        sid = str(raw.get("Sid") or f"({effect} statement {index + 1}, no Sid)")
        elements = {
            name: frozenset(
                _principal_values(raw[name]) if "Principal" in name else _texts(raw[name])
            )
            for name in ELEMENTS
            if name in raw
        }
        conditions: set[tuple[str, str, str]] = set()
        condition = raw.get("Condition")
        if isinstance(condition, Mapping):
            for operator, keys in condition.items():
                if isinstance(keys, Mapping):
                    for key, values in keys.items():
                        conditions.update((str(operator), str(key), v) for v in _texts(values))
        found[sid] = Statement(sid, effect, elements, frozenset(conditions))
    return found


def _texts(value: Any) -> list[str]:
    return [text(item) for item in as_list(value)]


def _principal_values(value: Any) -> list[str]:
    if isinstance(value, Mapping) and not any(
        key.startswith("Fn::") or key == "Ref" for key in value
    ):
        return [f"{kind}:{item}" for kind, items in value.items() for item in _texts(items)]
    return _texts(value)


def is_exemption(statement_effect: str, operator: str, key: str) -> bool:
    """Whether a condition value exempts callers from a deny statement."""
    lowered = key.lower()
    return (
        statement_effect == "Deny"
        and "Not" in operator
        and any(lowered.startswith(prefix) for prefix in _CALLER_KEYS)
    )


def compare(base: Statement | None, head: Statement | None) -> list[Fact]:
    """What changed from ``base`` to ``head`` (either may be absent), one fact per kind."""
    if base is None and head is None:
        return []
    if base is None:
        assert head is not None
        return [_whole(head, "added", "less" if head.effect == "Deny" else "more")]
    if head is None:
        return [_whole(base, "removed", "more" if base.effect == "Deny" else "less")]
    facts: list[Fact] = []
    if base.effect != head.effect:
        direction: Direction = "more" if head.effect == "Allow" else "less"
        facts.append(Fact(f"effect {base.effect} → {head.effect}", direction, "effect"))
        return facts
    effect = head.effect
    for name in ELEMENTS:
        old = base.elements.get(name, frozenset())
        new = head.elements.get(name, frozenset())
        adding = _ADDING.get((effect, name), "changed")
        if added := sorted(new - old):
            facts.append(Fact(f"{name} added: {', '.join(added)}", adding, name, tuple(added)))
        if removed := sorted(old - new):
            facts.append(
                Fact(
                    f"{name} removed: {', '.join(removed)}", _opposite(adding), name, tuple(removed)
                )
            )
    facts += _conditions(effect, base.conditions, head.conditions)
    return facts


def describe(statement: Statement) -> str:
    """``Deny actions a, b`` (or ``all actions but …``), for a statement listed whole."""
    actions = sorted(statement.elements.get("Action", frozenset()))
    not_actions = sorted(statement.elements.get("NotAction", frozenset()))
    what = (
        f"actions {', '.join(actions)}" if actions else f"all actions but {', '.join(not_actions)}"
    )
    return f"{statement.effect} {what}"


def _whole(statement: Statement, verb: str, direction: Direction) -> Fact:
    return Fact(f"statement {verb}: {describe(statement)}", direction, "statement")


_OPPOSITE: dict[Direction, Direction] = {"more": "less", "less": "more", "changed": "changed"}


def _opposite(direction: Direction) -> Direction:
    return _OPPOSITE[direction]


def _conditions(
    effect: str,
    old: frozenset[tuple[str, str, str]],
    new: frozenset[tuple[str, str, str]],
) -> list[Fact]:
    """Condition changes by operator and key. A condition narrows its statement: a new one on a
    deny leaves more requests undenied; a value added to a positive operator (``StringEquals``)
    widens what the condition matches, to a negated one (``ArnNotLike``) narrows it."""
    before = _by_key(old)
    after = _by_key(new)
    facts: list[Fact] = []
    for operator, key in sorted(before.keys() | after.keys()):
        old_values = before.get((operator, key), [])
        new_values = after.get((operator, key), [])
        label = "condition"
        if is_exemption(effect, operator, key):
            label = "exemption"
        elif key.lower() in MFA_KEYS:
            label = "MFA condition"
        kind = label.split()[0].lower()
        # What the statement permits when the condition matches fewer requests.
        matches_less: Direction = "more" if effect == "Deny" else "less"
        if not old_values or not new_values:
            verb = "added" if not old_values else "removed"
            direction = matches_less if verb == "added" else _opposite(matches_less)
            values = new_values or old_values
            facts.append(
                Fact(
                    f"{label} {verb}: {operator} {key} {', '.join(values)}",
                    direction,
                    kind,
                    tuple(values),
                )
            )
            continue
        negated = "Not" in operator
        for verb, values in (
            ("added", sorted(set(new_values) - set(old_values))),
            ("removed", sorted(set(old_values) - set(new_values))),
        ):
            if not values:
                continue
            narrows = negated == (verb == "added")
            direction = matches_less if narrows else _opposite(matches_less)
            noun = "exemption" if label == "exemption" else f"{label} value"
            facts.append(
                Fact(
                    f"{noun} {verb}: {operator} {key} {', '.join(values)}",
                    direction,
                    kind,
                    tuple(values),
                )
            )
    return facts


def _by_key(conditions: frozenset[tuple[str, str, str]]) -> dict[tuple[str, str], list[str]]:
    grouped: dict[tuple[str, str], list[str]] = {}
    for operator, key, value in sorted(conditions):
        grouped.setdefault((operator, key), []).append(value)
    return grouped
