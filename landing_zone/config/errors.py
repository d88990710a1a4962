"""Errors a user can act on: each names the file, the field, the value and what is allowed."""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Path = tuple[str | int, ...]


class LandingZoneError(Exception):
    """Base of the errors the landing zone reports to users without a traceback."""


class ConfigWarning(UserWarning):
    """Something in a valid config that the landing zone leaves out for now, in the error
    format (file, field path with its line, what happens, the value): for example an
    assignment to an account whose id is not filled in yet. ``python -W error::...`` or
    ``warnings.simplefilter("error", ConfigWarning)`` turns them into errors."""


def format_path(path: Path) -> str:
    """``("accounts", "ml-prod", "email")`` -> ``accounts.ml-prod.email``; ints become ``[i]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(top level)"


def _show(value: Any) -> str:
    shown = json.dumps(value, default=str)
    return shown if len(shown) <= 120 else shown[:117] + "..."


def line_of(lines: Mapping[Path, int], path: Path) -> int | None:
    """The line of ``path``; an unknown or missing key has no line of its own, so that of its
    nearest parent."""
    for end in range(len(path), -1, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a config file: where, what is wrong and what is allowed."""

    path: Path
    message: str
    value: Any = None
    has_value: bool = True

    def render(self, line: int | None = None) -> str:
        where = format_path(self.path) + (f" (line {line})" if line else "")
        received = f"; received {_show(self.value)}" if self.has_value else ""
        return f"{where}: {self.message}{received}"


@dataclass
class ConfigError(LandingZoneError):
    """The config file is invalid; nothing has been synthesized."""

    source: str
    issues: Sequence[ConfigIssue]
    lines: Mapping[Path, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def line_of(self, path: Path) -> int | None:
        return line_of(self.lines, path)

    def __str__(self) -> str:
        count = len(self.issues)
        head = f"{self.source}: invalid landing zone config ({count} problem{'s' * (count != 1)})"
        body = "\n".join(f"  - {issue.render(self.line_of(issue.path))}" for issue in self.issues)
        return f"{head}\n{body}"


def duplicate_issues(
    path: tuple[str | int, ...], values: Iterable[Hashable], *, fold: bool = False
) -> Iterator[ConfigIssue]:
    """An issue at each repeated entry of the list at ``path``, strings case-folded with
    ``fold``."""
    seen: set[Hashable] = set()
    for index, value in enumerate(values):
        key = value.lower() if fold and isinstance(value, str) else value
        if key in seen:
            yield ConfigIssue((*path, index), "appears more than once; list each value once", value)
        seen.add(key)
