"""The posture review report of one synthesized landing zone, optionally against a base.

``build_report(assembly_dir, base)`` reads everything once; ``Report`` renders JSON, SARIF
(``sarif``) and Markdown (``markdown``), each deterministic for the same input (sorted, no
timestamps; paths only as given).
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from landing_zone.compliance import pci_dss
from landing_zone.compliance.pci_dss import PciCoverage
from landing_zone.report import diff as posture
from landing_zone.report import markdown
from landing_zone.report.acknowledgments import Acknowledgment, read_acknowledgments
from landing_zone.report.assembly import Assembly, ReportInputError, load_assembly
from landing_zone.report.diff import PostureDiff
from landing_zone.report.findings import Finding, read_findings
from landing_zone.report.limits import FLAG_ABOVE, Limits, Usage, measure_limits
from landing_zone.report.organization import ROOT, Organization, mermaid, read_organization
from landing_zone.report.sarif import sarif_log

REPORT_NAME = "landing-zone-report"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Report:
    assembly: Assembly
    organization: Organization
    findings: tuple[Finding, ...]
    acknowledgments: tuple[Acknowledgment, ...]
    limits: Limits
    pci: PciCoverage
    diff: PostureDiff | None
    uri_prefix: str
    """Prefix of the template URIs in the SARIF log (the assembly folder as given)."""

    # ---- JSON -------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        summary = self.assembly.summary
        return {
            "report": REPORT_NAME,
            "format_version": FORMAT_VERSION,
            "assembly": {
                "config": summary.get("config"),
                "check_packs": list(summary.get("check_packs", [])),
                "stacks": list(summary.get("stacks", [])),
                "templates": [template.name for template in self.assembly.templates],
            },
            "attention": self.attention(),
            "organization": self._organization_json(),
            "findings": [
                {
                    "plugin": f.plugin,
                    "rule_id": f.rule_id,
                    "severity": f.severity,
                    "description": f.description,
                    "construct_path": f.construct_path,
                    "template": f.template,
                    "logical_id": f.logical_id,
                }
                for f in self.findings
            ],
            "acknowledgments": [
                {
                    "rule_id": a.rule_id,
                    "reason": a.reason,
                    "reason_ok": a.reason_ok,
                    "resources": [{"template": t, "logical_id": i} for t, i in a.resources],
                }
                for a in self.acknowledgments
            ],
            "limits": self._limits_json(),
            "pci_dss": self.pci.to_json(),
            "posture_diff": self.diff.to_json() if self.diff else None,
        }

    def attention(self) -> list[dict[str, Any]]:
        """What a reviewer must look at first: diff errors (stateful replacements and the like),
        then diff warnings, unacknowledged findings, limits above 90 %, unresolved references."""
        items: list[dict[str, Any]] = []
        for alert in self.diff.alerts() if self.diff else []:
            if alert.level in ("error", "warning"):
                items.append(
                    {
                        "kind": "posture_diff",
                        "level": alert.level,
                        "rule_id": alert.rule_id,
                        "message": alert.message,
                        "template": alert.template,
                        "logical_id": alert.logical_id,
                    }
                )
        for finding in self.findings:
            if not finding.is_construct_warning:
                items.append(
                    {
                        "kind": "finding",
                        "level": "error",
                        "rule_id": finding.rule_id,
                        "message": f"unacknowledged finding on {finding.construct_path}",
                        "template": finding.template,
                        "logical_id": finding.logical_id,
                    }
                )
        for usage in self.limits.flagged():
            items.append(
                {
                    "kind": "limit",
                    "level": "warning",
                    "rule_id": "limit",
                    "measure": usage.measure,
                    "message": f"{usage.subject}: {usage.measure} {usage.used:,} of "
                    f"{usage.limit:,} ({usage.share:.1%})",
                    "template": usage.template,
                    "logical_id": usage.logical_id,
                }
            )
        for usage in self.limits.over_project_ceiling():
            items.append(
                {
                    "kind": "limit",
                    "level": "warning",
                    "rule_id": "project-ceiling",
                    "message": f"{usage.subject}: {usage.used} resources, over the project's "
                    f"ceiling of {self.limits.project_max_resources}",
                    "template": usage.template,
                    "logical_id": None,
                }
            )
        for message in self.organization.unresolved:
            items.append(
                {
                    "kind": "organization",
                    "level": "warning",
                    "rule_id": "unresolved-reference",
                    "message": f"cannot tell what this refers to: {message}",
                    "template": None,
                    "logical_id": None,
                }
            )
        return items

    def _organization_json(self) -> dict[str, Any]:
        org = self.organization

        def effective(key: str) -> dict[str, list[dict[str, Any]]]:
            return {
                policy_type: [
                    {"attached_to": where, "policy": p.name, "guardrails": list(p.guardrails)}
                    for where, p in entries
                ]
                for policy_type, entries in org.effective(key).items()
            }

        return {
            "root_id": org.root_id,
            "management_account": org.management_account,
            "organizational_units": [
                {
                    "path": org.path(unit.key),
                    "name": unit.name,
                    "parent": org.path(unit.parent),
                    "template": unit.template,
                    "logical_id": unit.logical_id,
                    "accounts": [a.name for a in org.accounts if a.parent == unit.key],
                    "effective_policies": effective(unit.key),
                }
                for unit in org.sorted_units()
            ],
            "root": {
                "accounts": [a.name for a in org.accounts if a.parent == ROOT],
                "effective_policies": effective(ROOT),
            },
            "accounts": [
                {
                    "name": a.name,
                    "account_id": a.account_id,
                    "organizational_unit": org.path(a.parent) if a.parent != "?" else None,
                    "template": a.template,
                    "logical_id": a.logical_id,
                }
                for a in org.accounts
            ],
            "policies": [
                {
                    "name": p.name,
                    "type": p.policy_type,
                    "targets": sorted(org.path(target) for target in p.targets),
                    "guardrails": list(p.guardrails),
                    "characters": p.characters,
                    "template": p.template,
                    "logical_id": p.logical_id,
                }
                for p in org.policies
            ],
            "unresolved": list(org.unresolved),
            "mermaid": mermaid(org),
        }

    def _limits_json(self) -> dict[str, Any]:
        def rows(usages: Sequence[Usage]) -> list[dict[str, Any]]:
            return [
                {
                    "subject": u.subject,
                    "measure": u.measure,
                    "used": u.used,
                    "limit": u.limit,
                    "share": round(u.share, 4),
                    "flagged": u.flagged,
                    "template": u.template,
                    "logical_id": u.logical_id,
                    "note": u.note,
                }
                for u in usages
            ]

        return {
            "flag_above": FLAG_ABOVE,
            "project_max_resources_per_stack": self.limits.project_max_resources,
            "resources_per_template": rows(self.limits.resources),
            "template_bytes": rows(self.limits.template_sizes),
            "policy_characters": rows(self.limits.policy_sizes),
            "policies_per_target": rows(self.limits.policies_per_target),
        }

    # ---- SARIF ------------------------------------------------------------------------------

    def to_sarif(self, *, acknowledged: bool = True) -> dict[str, Any]:
        """The SARIF log; without ``acknowledged``, only what is not acknowledged."""
        return sarif_log(
            self.assembly,
            self.findings,
            self.acknowledgments if acknowledged else (),
            self.diff.alerts() if self.diff else (),
            uri_of=lambda name: f"{self.uri_prefix}{name}",
        )

    # ---- Markdown ---------------------------------------------------------------------------

    def to_markdown(self) -> str:
        return markdown.render(self)


def _uri_prefix(directory: Path) -> str:
    """The assembly folder as SARIF URIs should start: relative to the working directory when
    it is below it (code scanning resolves URIs against the repository root)."""
    path = directory
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_uri() + "/"
    text = path.as_posix()
    return "" if text == "." else f"{text}/"


def _repository(start: Path) -> Path:
    """The git working tree holding ``start``."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    raise ReportInputError(f"{start} is not inside a git repository")


def resolve_base(base: str) -> Path:
    """The assembly folder ``--base`` names: a folder as is, a git ref synthesized by
    ``landing_zone.report.diff.synthesize_ref`` into a temporary folder."""
    path = Path(base)
    if path.is_dir():
        return path
    if path.exists():
        raise ReportInputError(
            f"--base {base}: is a file; expected a cloud assembly folder or a git ref"
        )
    try:
        return posture.synthesize_ref(base, _repository(Path.cwd()))
    except (posture.AssemblyError, ReportInputError) as error:
        raise ReportInputError(
            f"--base {base!r}: not a folder, and not a git ref that synthesizes: {error}"
        ) from None


def _remove_synthesized(assembly_dir: Path) -> None:
    """Delete the assembly ``synthesize_ref`` made, and its temporary folder once empty."""
    shutil.rmtree(assembly_dir, ignore_errors=True)
    with contextlib.suppress(OSError):
        assembly_dir.parent.rmdir()


def build_report(assembly_dir: Path, base: str | None = None) -> Report:
    """Read the assembly in ``assembly_dir``; with ``base`` (a folder or git ref) the posture
    diff from it too."""
    assembly = load_assembly(assembly_dir)
    organization = read_organization(assembly)
    try:
        pci = pci_dss.coverage(assembly_dir)
    except (pci_dss.AssemblyError, pci_dss.MappingError) as error:
        raise ReportInputError(f"PCI DSS coverage: {error}") from None
    diff = None
    if base is not None:
        base_dir = resolve_base(base)
        try:
            # Named as given: a git ref's temporary folder would change the report every run.
            diff = replace(posture.posture_diff(base_dir, assembly_dir), base=base)
        except posture.AssemblyError as error:
            raise ReportInputError(f"posture diff: {error}") from None
        finally:
            if base_dir != Path(base):
                _remove_synthesized(base_dir)
    return Report(
        assembly=assembly,
        organization=organization,
        findings=tuple(read_findings(assembly)),
        acknowledgments=tuple(read_acknowledgments(assembly)),
        limits=measure_limits(assembly, organization),
        pci=pci,
        diff=diff,
        uri_prefix=_uri_prefix(assembly_dir),
    )


def write_report(report: Report, out_dir: Path, *, sarif_acknowledged: bool = True) -> list[Path]:
    """Write the three files into ``out_dir``; return their paths. ``sarif_acknowledged=False``
    leaves acknowledged findings out of the SARIF log (see ``--sarif-active-only``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        f"{REPORT_NAME}.md": report.to_markdown(),
        f"{REPORT_NAME}.json": _dumps(report.to_json()),
        # Compact: the log holds a result per acknowledged resource and is read by tools.
        f"{REPORT_NAME}.sarif": _dumps(
            report.to_sarif(acknowledged=sarif_acknowledged), indent=None
        ),
    }
    written = []
    for name, text in files.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _dumps(document: Mapping[str, Any], indent: int | None = 2) -> str:
    return json.dumps(document, indent=indent, sort_keys=True, ensure_ascii=False) + "\n"
