"""The posture review report of a synthesized landing zone: Markdown, JSON and SARIF.

``python -m landing_zone.report cdk.out [--base <cdk.out or git ref>] [--out <folder>]``
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from landing_zone.report.assembly import ReportInputError
    from landing_zone.report.report import Report, build_report, write_report

__all__ = ["Report", "ReportInputError", "build_report", "write_report"]


def __getattr__(name: str) -> object:
    # Imported on first use, as landing_zone/__init__.py does: the report reads acknowledgments
    # through landing_zone.compliance, which starts jsii's Node process, and
    # `import landing_zone.report.diff` (the posture diff alone) never needs it.
    if name == "ReportInputError":
        from landing_zone.report.assembly import ReportInputError

        return ReportInputError
    if name in ("Report", "build_report", "write_report"):
        from landing_zone.report import report

        return getattr(report, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
