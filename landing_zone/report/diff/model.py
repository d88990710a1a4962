"""What the posture diff reports: changes grouped by section, and the alerts among them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from landing_zone.report.diff import markdown
from landing_zone.report.diff.sections import SECTIONS, Level

_LEVEL_ORDER = {"error": 0, "warning": 1, "note": 2}


@dataclass(frozen=True)
class Alert:
    """One change a reviewer must look at, as a code-scanning result."""

    level: Level
    rule_id: str
    message: str
    template: str
    """File name of the template in the head assembly (or the base one when it is gone)."""
    logical_id: str | None


@dataclass(frozen=True)
class Change:
    """One posture change: what changed, where, and what it means.

    ``details`` are the reviewer's lines (one fact each); ``facts`` the same facts as data for
    the JSON report. ``level`` and ``rule_id`` are set when the change is an alert.
    """

    section: str
    subject: str
    summary: str
    template: str
    logical_id: str | None = None
    details: tuple[str, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    level: Level | None = None
    rule_id: str | None = None

    def sort_key(self) -> tuple[int, str, str, str, str]:
        level = _LEVEL_ORDER[self.level] if self.level else len(_LEVEL_ORDER)
        return (level, self.subject, self.template, self.logical_id or "", self.summary)

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "subject": self.subject,
            "summary": self.summary,
            "template": self.template,
            "logical_id": self.logical_id,
            "details": list(self.details),
            "facts": _plain(self.facts),
        }
        if self.level:
            entry["level"] = self.level
            entry["rule_id"] = self.rule_id
        return entry


def _plain(value: Any) -> Any:
    """``value`` with sets and tuples as sorted lists and mappings with sorted keys."""
    if isinstance(value, Mapping):
        return {str(key): _plain(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, set | frozenset):
        return sorted((_plain(item) for item in value), key=_sort_text)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _sort_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


@dataclass(frozen=True)
class PostureDiff:
    """The posture changes from a base assembly to a head assembly."""

    base: str
    head: str
    changes: tuple[Change, ...]

    def section(self, key: str) -> list[Change]:
        return sorted((c for c in self.changes if c.section == key), key=Change.sort_key)

    @property
    def empty(self) -> bool:
        return not self.changes

    def alerts(self) -> list[Alert]:
        """Every change that is an error, warning or note, errors first."""
        found = [
            Alert(c.level, c.rule_id, f"{c.subject}: {c.summary}", c.template, c.logical_id)
            for c in sorted(self.changes, key=Change.sort_key)
            if c.level is not None and c.rule_id is not None
        ]
        return found

    def to_json(self) -> dict[str, Any]:
        counts = {level: 0 for level in _LEVEL_ORDER}
        for change in self.changes:
            if change.level:
                counts[change.level] += 1
        document = {
            "base": self.base,
            "head": self.head,
            "alerts": counts,
            "sections": {key: [c.to_json() for c in self.section(key)] for key, _ in SECTIONS},
        }
        plain: dict[str, Any] = _plain(document)
        return plain

    def to_markdown(self) -> str:
        return markdown.render(self)
