"""The README's guardrail tables name every guardrail of the catalogs, and the README keeps the
sections that describe what the landing zone deploys."""

from __future__ import annotations

from pathlib import Path

import pytest

from landing_zone.organization.data_perimeter import DATA_PERIMETER_GUARDRAILS
from landing_zone.organization.guardrails import GUARDRAILS

README = Path(__file__).parents[2] / "README.md"


@pytest.mark.parametrize("name", [*GUARDRAILS, *DATA_PERIMETER_GUARDRAILS])
def test_readme_has_a_row_for_every_guardrail(name: str) -> None:
    assert f"| `{name}` |" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "heading",
    [
        "### Organization",
        "### Guardrails (service control policies)",
        "### Data perimeter (resource control policies)",
        "### Per-account baseline (StackSets)",
        "### Logging: what is kept where, for how long, who reads it",
        "### Detection and alerts",
        "### Defense in depth: keys, network, edge",
        "### AI workloads held to the payment rails' standard",
        "### Identity: who may do what, where",
        "## Configuration reference",
    ],
)
def test_readme_keeps_its_sections(heading: str) -> None:
    assert f"\n{heading}\n" in README.read_text(encoding="utf-8")
