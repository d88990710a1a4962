"""Writes the posture review report of a synthesized landing zone.

python -m landing_zone.report cdk.out                      # report of cdk.out, written into it
python -m landing_zone.report cdk.out --base base.cdk.out  # plus the posture diff from a base
python -m landing_zone.report cdk.out --base origin/main   # a git ref, synthesized for the diff
python -m landing_zone.report cdk.out --out report/        # written elsewhere
python -m landing_zone.report cdk.out --sarif-active-only  # SARIF without acknowledged findings
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from landing_zone.config.errors import LandingZoneError
from landing_zone.report.report import REPORT_NAME, build_report, write_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m landing_zone.report",
        description="Write landing-zone-report.md, .json and .sarif for a cloud assembly.",
    )
    parser.add_argument("assembly", type=Path, help="the cloud assembly folder (cdk.out)")
    parser.add_argument(
        "--base",
        help="the assembly to compare with (a folder) or a git ref of this repository, "
        "synthesized into a temporary folder; adds the posture diff",
    )
    parser.add_argument(
        "--out", type=Path, help="folder for the report files (default: the assembly folder)"
    )
    # GitHub code scanning is reported to ingest results that carry SARIF suppressions as open
    # alerts unless the repository treats suppressed findings as dismissed
    # (https://github.com/github/codeql-action/issues/1230); not verified here.
    parser.add_argument(
        "--sarif-active-only",
        action="store_true",
        help="leave acknowledged findings out of the SARIF log (for code-scanning services "
        "that would show them as open alerts); the Markdown and JSON keep them",
    )
    args = parser.parse_args(argv)
    try:
        report = build_report(args.assembly, args.base)
        written = write_report(
            report,
            args.out if args.out is not None else args.assembly,
            sarif_acknowledged=not args.sarif_active_only,
        )
    except LandingZoneError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot write the {REPORT_NAME} files: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
