"""The posture diff as Markdown for a pull request: alerts first, one section per concern.

The text has no title of its own (the report puts it under "## Posture diff"); sections are
level-3 headings."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from landing_zone.report.diff.sections import SECTIONS

if TYPE_CHECKING:
    from landing_zone.report.diff.model import Change, PostureDiff

_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def escape(value: str) -> str:
    """``value`` with Markdown's special characters escaped (action patterns hold ``*``)."""
    return _SPECIAL.sub(r"\\\1", value)


def render(diff: PostureDiff) -> str:
    counts = diff.to_json()["alerts"]
    lines = [f"Base: `{diff.base}`  "]
    lines.append(f"Head: `{diff.head}`")
    lines.append("")
    if diff.empty:
        lines.append("No posture change between base and head.")
        return "\n".join(lines) + "\n"
    lines.append(
        f"**{counts['error']} error(s), {counts['warning']} warning(s), {counts['note']} note(s).**"
        " Errors are stateful resources replaced or left behind; warnings weaken a guardrail,"
        " widen access, delete stack instances or weaken detection."
    )
    unchanged = []
    for key, title in SECTIONS:
        changes = diff.section(key)
        if not changes:
            unchanged.append(title)
            continue
        lines += ["", f"### {title} ({len(changes)})", ""]
        lines += [line for change in changes for line in _change(change)]
    if unchanged:
        lines += ["", f"Unchanged: {', '.join(unchanged)}."]
    return "\n".join(lines) + "\n"


def _change(change: Change) -> list[str]:
    level = f"**{change.level}** " if change.level else ""
    where = f"`{change.template}`" + (f" `{change.logical_id}`" if change.logical_id else "")
    lines = [f"- {level}{escape(change.subject)}: {escape(change.summary)} ({where})"]
    lines += [f"  - {escape(detail)}" for detail in change.details]
    return lines
