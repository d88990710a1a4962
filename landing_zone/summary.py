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
        acknowledged = sum(
            len(resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []))
            for resource in resources.values()
        )
        name = path.name.removesuffix(".template.json")
        found.append(TemplateSummary(name, len(resources), acknowledged))
    return found


def findings(assembly: Path) -> int:
    report = assembly / "validation-report.json"
    if not report.exists():
        return 0
    return sum(
        len(violation.get("violatingConstructs", []))
        for plugin in _load(report).get("pluginReports", [])
        for violation in plugin.get("violations", [])
    )


def render(assembly: Path) -> tuple[str, bool]:
    """The summary text, and whether the assembly is within the project's limits."""
    meta_path = assembly / "landing-zone-summary.json"
    meta = _load(meta_path) if meta_path.exists() else {}
    rows = templates(assembly)
    width = max((len(row.name) for row in rows), default=10)
    lines = [f"Landing zone synthesized from {meta.get('config', '?')}", ""]
    lines.append(f"  {'template':<{width}}  resources  acknowledged findings")
    for row in rows:
        flag = "  <-- over the limit" if row.resources > MAX_RESOURCES_PER_STACK else ""
        lines.append(f"  {row.name:<{width}}  {row.resources:>9}  {row.acknowledgments:>21}{flag}")
    count = findings(assembly)
    lines += [
        "",
        f"  check packs: {', '.join(meta.get('check_packs', [])) or 'none recorded'}",
        f"  unacknowledged findings: {count}",
    ]
    ok = count == 0 and all(row.resources <= MAX_RESOURCES_PER_STACK for row in rows)
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
