"""The posture review report of a synthesized landing zone: Markdown, JSON and SARIF.

``python -m landing_zone.report cdk.out [--base <cdk.out or git ref>] [--out <folder>]``
"""

from landing_zone.report.assembly import ReportInputError
from landing_zone.report.report import Report, build_report, write_report

__all__ = ["Report", "ReportInputError", "build_report", "write_report"]
