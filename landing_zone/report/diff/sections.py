"""The sections of the posture diff and the alert levels."""

from __future__ import annotations

from typing import Literal

Level = Literal["error", "warning", "note"]

SECTIONS: tuple[tuple[str, str], ...] = (
    ("stateful", "Stateful resources replaced or orphaned"),
    ("guardrails", "Guardrails (SCPs, RCPs and other organization policies)"),
    ("permission_sets", "Permission sets"),
    ("assignments", "Assignments"),
    ("stacksets", "StackSets"),
    ("detective_controls", "Detective controls"),
    ("acknowledgments", "Acknowledged findings"),
)
"""Each section's key and title, in the order the report shows them: what cannot be undone
first."""
