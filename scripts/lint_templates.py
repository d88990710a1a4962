#!/usr/bin/env python3
"""Runs the real cfn-lint over every template of a cloud assembly, StackSet templates included.

    python scripts/lint_templates.py cdk.out

Exits 1 on any cfn-lint error, or on a warning other than the accepted ones below, and prints
them; prints how many templates were checked otherwise. CDK's built-in CloudFormation validation
(the same rules, run again inside jsii) is off in app.py, so this is where a template that
CloudFormation would reject is caught: after every scripts/synth.sh, and in the tests before
merge (tests/stacks/test_reference_app.py and the generated-organization tests call ``lint``).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ACCEPTED_WARNINGS = {
    # aws-cdk-lib's lambda.Function always adds DependsOn its role besides the GetAtt; the
    # duplicate is harmless and comes from the library (AwsCustomResource, BucketDeployment).
    "W3005": "aws-cdk-lib adds DependsOn the role besides its GetAtt",
    # The VPCs name their availability zones: the config gives them (default a, b, c of the
    # region) so synth needs no AWS lookup, and an environment-agnostic StackSet template would
    # otherwise get only two zones from Fn::GetAZs.
    "W3010": "the VPCs name the availability zones the config gives",
}
"""cfn-lint warnings that do not fail a synth, each for a reason outside our code."""

TEMPLATE_GLOB = "*.template.json"
"""Stack templates and StackSet templates (``*.stackset.template.json``) alike."""


@dataclass(frozen=True)
class LintResult:
    templates: list[Path]
    problems: list[str]
    """Parseable cfn-lint lines (``file:line:col:line:col:rule:message``) that fail the check."""
    accepted: int
    """Accepted warnings seen."""
    returncode: int


def cfn_lint_command() -> str:
    """The cfn-lint of the Python that runs this (the project's virtualenv)."""
    return str(Path(sys.executable).parent / "cfn-lint")


def lint(assembly: Path) -> LintResult:
    """cfn-lint over every template in ``assembly`` (a cloud assembly directory)."""
    templates = sorted(assembly.glob(TEMPLATE_GLOB))
    if not templates:
        raise FileNotFoundError(f"{assembly}: no {TEMPLATE_GLOB} to check")
    result = subprocess.run(
        [cfn_lint_command(), "--format", "parseable", "--", *map(str, templates)],
        capture_output=True,
        text=True,
        check=False,
    )
    problems: list[str] = []
    accepted = 0
    for line in result.stdout.splitlines():
        if not line.strip():
            continue
        parts = line.split(":")
        rule = parts[5] if len(parts) > 5 else ""
        if rule in ACCEPTED_WARNINGS:
            accepted += 1
        else:
            problems.append(line)
    # cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational; anything else
    # (1 and above 15) means it could not run, which must fail too.
    if result.returncode & ~(2 | 4 | 8) or (result.returncode & 2 and not problems):
        problems.append(f"cfn-lint exited {result.returncode}: {result.stderr.strip()}")
    return LintResult(templates, problems, accepted, result.returncode)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    assembly = Path(args[0] if args else "cdk.out")
    result = lint(assembly)
    if result.problems:
        print(
            f"cfn-lint: {len(result.problems)} problem(s) in {len(result.templates)} templates:",
            file=sys.stderr,
        )
        for line in result.problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(
        f"cfn-lint: {len(result.templates)} templates, no errors "
        f"({result.accepted} accepted warnings: {', '.join(sorted(ACCEPTED_WARNINGS))})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
