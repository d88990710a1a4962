"""The posture diff of two cloud assemblies."""

from __future__ import annotations

from pathlib import Path

from landing_zone.report.diff.acknowledgments import acknowledgment_changes
from landing_zone.report.diff.assembly import load_assembly
from landing_zone.report.diff.detective import detective_changes
from landing_zone.report.diff.guardrails import guardrail_changes
from landing_zone.report.diff.identity import assignment_changes, permission_set_changes
from landing_zone.report.diff.model import PostureDiff
from landing_zone.report.diff.stacksets import stackset_changes
from landing_zone.report.diff.stateful import stateful_changes

_SECTIONS = (
    stateful_changes,
    guardrail_changes,
    permission_set_changes,
    assignment_changes,
    stackset_changes,
    detective_changes,
    acknowledgment_changes,
)


def posture_diff(base: Path, head: Path) -> PostureDiff:
    """What changes in posture from the assembly at ``base`` to the one at ``head``.

    Raises AssemblyError (a ValueError) naming the folder or file when either cannot be read.
    """
    before = load_assembly(base)
    after = load_assembly(head)
    changes = tuple(change for section in _SECTIONS for change in section(before, after))
    return PostureDiff(str(base), str(head), changes)
