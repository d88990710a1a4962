"""Summarizes a synthesized cloud assembly: stacks, resources per template, check packs, findings.

python -m landing_zone.summary cdk.out
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_RESOURCES_PER_STACK = 400
"""The project's own ceiling, well under CloudFormation's 500."""


@dataclass(frozen=True)
class TemplateSummary:
    name: str
    resources: int
    acknowledgments: int


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def templates(assembly: Path) -> list[TemplateSummary]:
    """Every CloudFormation template of the assembly, StackSet templates included."""
    found = []
    for path in sorted(assembly.glob("*.template.json")):
        resources = _load(path).get("Resources", {})
        # Acknowledgments are copied to every resource below the construct that made them.
        acknowledged = len(
            {
                rule["id"]
                for resource in resources.values()
                for rule in resource.get("Metadata", {})
                .get("cdk_nag", {})
                .get("rules_to_suppress", [])
            }
        )
        name = path.name.removesuffix(".template.json")
        found.append(TemplateSummary(name, len(resources), acknowledged))
    return found


ANNOTATIONS_PLUGIN = "Construct Annotations"
"""The plugin name under which CDK reports construct warnings in the validation report."""


def findings(assembly: Path) -> tuple[list[str], list[str]]:
    """Unacknowledged check-pack findings and CDK construct warnings, one line each."""
    report = assembly / "validation-report.json"
    pack_findings: list[str] = []
    warnings: list[str] = []
    if not report.exists():
        return pack_findings, warnings
    for plugin in _load(report).get("pluginReports", []):
        target = warnings if plugin.get("pluginName") == ANNOTATIONS_PLUGIN else pack_findings
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                target.append(
                    f"{violation.get('ruleName')}: {construct.get('constructPath')}: "
                    f"{violation.get('description', '')}"
                )
    return pack_findings, warnings


def render(assembly: Path) -> tuple[str, bool]:
    """The summary text, and whether the assembly is within the project's limits."""
    meta_path = assembly / "landing-zone-summary.json"
    meta = _load(meta_path) if meta_path.exists() else {}
    rows = templates(assembly)
    width = max((len(row.name) for row in rows), default=10)
    lines = [f"Landing zone synthesized from {meta.get('config', '?')}", ""]
    lines.append(f"  {'template':<{width}}  resources  acknowledged rules")
    for row in rows:
        flag = "  <-- over the limit" if row.resources > MAX_RESOURCES_PER_STACK else ""
        lines.append(f"  {row.name:<{width}}  {row.resources:>9}  {row.acknowledgments:>18}{flag}")
    pack_findings, warnings = findings(assembly)
    lines += [
        "",
        f"  check packs: {', '.join(meta.get('check_packs', [])) or 'none recorded'}",
        f"  unacknowledged findings: {len(pack_findings)}",
        *(f"    {line}" for line in pack_findings),
        f"  CDK construct warnings: {len(warnings)}",
        *(f"    {line}" for line in warnings),
    ]
    ok = not pack_findings and all(row.resources <= MAX_RESOURCES_PER_STACK for row in rows)
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("assembly", type=Path, nargs="?", default=Path("cdk.out"))
    args = parser.parse_args(argv)
    text, ok = render(args.assembly)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
