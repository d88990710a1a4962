"""Writes the posture review report of a synthesized landing zone.

python -m landing_zone.report cdk.out                      # report of cdk.out, written into it
python -m landing_zone.report cdk.out --base base.cdk.out  # plus the posture diff from a base
python -m landing_zone.report cdk.out --base origin/main   # a git ref, synthesized for the diff
python -m landing_zone.report cdk.out --out report/        # written elsewhere
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
    args = parser.parse_args(argv)
    try:
        report = build_report(args.assembly, args.base)
        written = write_report(report, args.out if args.out is not None else args.assembly)
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
