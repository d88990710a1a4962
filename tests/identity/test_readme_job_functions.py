"""The README's job function table says what the code does: one row per job function."""

from __future__ import annotations

from pathlib import Path

from landing_zone.identity import JOB_FUNCTIONS

README = Path(__file__).parents[2] / "README.md"


def test_readme_lists_every_job_function_as_the_code_describes_it() -> None:
    text = README.read_text(encoding="utf-8")
    for key, doc in JOB_FUNCTIONS.items():
        row = (
            f"| `{key}` ({doc.permission_set_name}) | {doc.allowed} | {doc.denied} | "
            f"{doc.assigned_to} |"
        )
        assert row in text, f"README row of {key} is missing or out of date"
