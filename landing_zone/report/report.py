"""The posture review report of one synthesized landing zone, optionally against a base.

``build_report(assembly_dir, base_dir)`` reads everything once; ``Report`` renders Markdown,
JSON and SARIF, each deterministic for the same input (sorted, no timestamps, no absolute paths).
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
from landing_zone.compliance.assembly import MIN_REASON_LENGTH
from landing_zone.compliance.pci_dss import PciCoverage
from landing_zone.report import diff as posture
from landing_zone.report.acknowledgments import Acknowledgment, read_acknowledgments
from landing_zone.report.assembly import Assembly, ReportInputError, load_assembly
from landing_zone.report.diff import PostureDiff
from landing_zone.report.findings import Finding, read_findings
from landing_zone.report.limits import (
    CLOUDFORMATION_MAX_RESOURCES,
    FLAG_ABOVE,
    TEMPLATE_MAX_BYTES,
    Limits,
    Usage,
    measure_limits,
)
from landing_zone.report.organization import (
    ROOT,
    Organization,
    mermaid,
    read_organization,
    type_label,
)
from landing_zone.report.sarif import sarif_log

REPORT_NAME = "landing-zone-report"
FORMAT_VERSION = 1
_MAX_IDS_SHOWN = 3
"""Logical ids shown per template and acknowledgment in the Markdown (the JSON lists all)."""


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _percent(usage: Usage) -> str:
    flag = " ⚠️" if usage.flagged else ""
    return f"{usage.share:.1%}{flag}"


def _some(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:_MAX_IDS_SHOWN])
    return shown + (f" (+{len(ids) - _MAX_IDS_SHOWN} more)" if len(ids) > _MAX_IDS_SHOWN else "")


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
            "attention": self._attention(),
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

    def _attention(self) -> list[dict[str, Any]]:
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
        parts = [
            self._header(),
            self._attention_markdown(),
            *([f"## Posture diff\n\n{self.diff.to_markdown().strip()}"] if self.diff else []),
            self._organization_markdown(),
            self._findings_markdown(),
            self._acknowledgments_markdown(),
            self._limits_markdown(),
            self.pci.to_markdown().strip(),
        ]
        return "\n\n".join(part.strip() for part in parts) + "\n"

    def _header(self) -> str:
        summary = self.assembly.summary
        facts = [
            f"config `{summary['config']}`" if summary.get("config") else None,
            f"{len(summary.get('stacks', []))} stacks" if summary.get("stacks") else None,
            f"{len(self.assembly.templates)} templates (StackSet templates included)",
            "check packs: " + ", ".join(summary["check_packs"])
            if summary.get("check_packs")
            else None,
            f"posture diff against `{self.diff.base}`" if self.diff else None,
        ]
        return "# Landing zone review report\n\n" + " · ".join(f for f in facts if f)

    def _attention_markdown(self) -> str:
        items = self._attention()
        if not items:
            return (
                "## Needs attention\n\nNothing: no unacknowledged finding, no limit above "
                f"{FLAG_ABOVE:.0%}" + (", no posture-diff error or warning." if self.diff else ".")
            )
        icons = {"error": "🔴", "warning": "🟠"}
        lines = ["## Needs attention", ""]
        # Limits near their ceiling: one line per measure, the table below has the rest.
        near: dict[str, list[str]] = {}
        for usage in self.limits.flagged():
            near.setdefault(usage.measure, []).append(f"{usage.subject} ({usage.share:.1%})")
        for item in items:
            if item["rule_id"] == "limit":
                continue
            where = f" — `{item['template']}`" if item["template"] else ""
            where += f" `{item['logical_id']}`" if item["logical_id"] else ""
            icon = icons.get(item["level"], "🔵")
            lines.append(f"- {icon} **{item['rule_id']}**: {item['message']}{where}")
        for measure, subjects in near.items():
            lines.append(
                f"- 🟠 **limit**: {measure} above {FLAG_ABOVE:.0%} of the limit: "
                f"{', '.join(subjects)} (see Limits headroom)"
            )
        return "\n".join(lines)

    def _organization_markdown(self) -> str:
        org = self.organization
        lines = [
            "## Organization",
            "",
            "OUs and accounts as the templates create them (rounded boxes are accounts).",
            "",
            "```mermaid",
            mermaid(org),
            "```",
            "",
            "### Effective policies per OU",
            "",
            "What applies at each OU: what is attached to the root, to every OU above it and to "
            "itself, by where it is attached: guardrail names for guardrail policies, policy names "
            "for the others. Accounts inherit their OU's, plus their own. The management account "
            "is outside every SCP and RCP.",
            "",
            "| OU | accounts | policy type | where attached: what applies |",
            "|---|---|---|---|",
        ]
        for key in [ROOT, *(unit.key for unit in org.sorted_units())]:
            accounts = ", ".join(a.name for a in org.accounts if a.parent == key) or "—"
            effective = org.effective(key)
            if not effective:
                lines.append(f"| {_cell(org.path(key))} | {_cell(accounts)} | — | none |")
            for index, (policy_type, entries) in enumerate(effective.items()):
                by_level: dict[str, list[str]] = {}
                for where, policy in entries:
                    # Guardrail names say what is denied; the policies carrying them are in
                    # the limits tables.
                    by_level.setdefault(where, []).extend(policy.guardrails or [policy.name])
                cell = "<br>".join(
                    f"**{where}**: {', '.join(names)}" for where, names in by_level.items()
                )
                ou, listed = (_cell(org.path(key)), _cell(accounts)) if index == 0 else ("", "")
                lines.append(f"| {ou} | {listed} | {type_label(policy_type)} | {_cell(cell)} |")
        own = [target for target in org.targets() if target.startswith("account:")]
        if own:
            lines += ["", "Accounts with policies of their own (besides their OU's):", ""]
            for target in own:
                labels = "; ".join(
                    f"{type_label(p.policy_type)} {p.label}" for p in org.attached(target)
                )
                lines.append(f"- {org.path(target)}: {labels}")
        if org.unresolved:
            lines += ["", "References the report could not resolve:", ""]
            lines += [f"- `{message}`" for message in org.unresolved]
        return "\n".join(lines)

    def _findings_markdown(self) -> str:
        lines = ["## Findings", ""]
        packs = [f for f in self.findings if not f.is_construct_warning]
        warnings = [f for f in self.findings if f.is_construct_warning]
        if (
            not (self.assembly.directory / "validation-report.json").is_file()
            and not (self.assembly.directory / "policy-validation-report.json").is_file()
        ):
            return "\n".join(
                [*lines, "No validation report in the assembly: the check packs did not run."]
            )
        lines.append(f"Unacknowledged check-pack findings: **{len(packs)}**.")
        for title, entries in (
            ("Check-pack findings", packs),
            ("CDK construct warnings", warnings),
        ):
            if not entries:
                continue
            lines += ["", f"### {title}", "", "| rule | where | description |", "|---|---|---|"]
            grouped: dict[tuple[str, str], list[str]] = {}
            for f in entries:
                where = (
                    f"`{f.template}` `{f.logical_id}`" if f.logical_id else f"`{f.construct_path}`"
                )
                grouped.setdefault((f.rule_id, f.description), []).append(where)
            for (rule_id, description), places in grouped.items():
                cells = (rule_id, "<br>".join(places), description)
                lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
        return "\n".join(lines)

    def _acknowledgments_markdown(self) -> str:
        counted = [a for a in self.acknowledgments if a.reason_ok]
        ignored = [a for a in self.acknowledgments if not a.reason_ok]
        resources = sum(len(a.resources) for a in counted)
        lines = [
            "## Acknowledged findings",
            "",
            f"{len({a.rule_id for a in counted})} rule ids acknowledged with "
            f"{len({a.reason for a in counted})} distinct reasons, on {resources} resources "
            "(an acknowledgment on a construct covers every resource below it).",
        ]
        if ignored:
            lines += [
                "",
                f"🟠 {len(ignored)} acknowledgments have no reason of at least "
                f"{MIN_REASON_LENGTH} characters: the Fintech pack does not honour them (cdk-nag's "
                "packs do). Write the reason a reviewer needs.",
            ]
        if not self.acknowledgments:
            return "\n".join(lines)
        lines += [
            "",
            "<details><summary>Every acknowledgment with its reason</summary>",
            "",
            "| reason | rule ids | where (template: logical ids) |",
            "|---|---|---|",
        ]
        by_reason: dict[tuple[str, bool], list[Acknowledgment]] = {}
        for a in self.acknowledgments:
            by_reason.setdefault((a.reason, a.reason_ok), []).append(a)
        for (reason, reason_ok), entries in sorted(by_reason.items()):
            by_template: dict[str, set[str]] = {}
            for a in entries:
                for template, logical_id in a.resources:
                    by_template.setdefault(template.removesuffix(".template.json"), set()).add(
                        logical_id
                    )
            where = "<br>".join(
                f"`{template}`: " + _some(sorted(ids))
                for template, ids in sorted(by_template.items())
            )
            rules = ", ".join(sorted({a.rule_id for a in entries}))
            shown = reason if reason_ok else f"🟠 no real reason: {reason!r}"
            lines.append(f"| {_cell(shown)} | {_cell(rules)} | {_cell(where)} |")
        lines += ["", "</details>"]
        return "\n".join(lines)

    def _limits_markdown(self) -> str:
        limits = self.limits
        lines = [
            "## Limits headroom",
            "",
            f"⚠️ marks a use above {FLAG_ABOVE:.0%} of the limit. Resources: CloudFormation allows "
            f"{CLOUDFORMATION_MAX_RESOURCES} per stack, the project keeps every stack under "
            f"{limits.project_max_resources}; template size: {TEMPLATE_MAX_BYTES:,} bytes (1 MB, "
            "a template read from S3); "
            "[CloudFormation quotas](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).",
            "",
            "| template | resources | of 500 | bytes | of 1 MB |",
            "|---|---:|---:|---:|---:|",
        ]
        for count, size in zip(limits.resources, limits.template_sizes, strict=True):
            over = (
                " (over the project's ceiling)" if count.used > limits.project_max_resources else ""
            )
            lines.append(
                f"| {_cell(count.subject)} | {count.used}{over} | {_percent(count)} "
                f"| {size.used:,} | {_percent(size)} |"
            )
        if limits.policy_sizes:
            lines += [
                "",
                "SCP and RCP size: 5,120 characters of the minified document; policies per target: "
                "5 of each type, one of them the AWS-managed full-access policy, which is counted "
                "([Organizations quotas](https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html)).",
                "",
                "The guardrail packer fills each document close to the limit before it opens the "
                "next one, so a full document is expected; the real headroom is the free slots "
                "per target below.",
                "",
                "| policy | type | characters | of 5,120 |",
                "|---|---|---:|---:|",
            ]
            for usage in limits.policy_sizes:
                note = f" ({usage.note})" if usage.note else ""
                lines.append(
                    f"| {_cell(usage.subject)} | {usage.measure.removesuffix(' characters')} "
                    f"| {usage.used:,}{note} | {_percent(usage)} |"
                )
        if limits.policies_per_target:
            lines += ["", "| target | policies | attached | of 5 |", "|---|---|---:|---:|"]
            for usage in limits.policies_per_target:
                lines.append(
                    f"| {_cell(usage.subject)} | {usage.measure.removesuffix(' attached')} "
                    f"| {usage.used} | {_percent(usage)} |"
                )
            lines += [
                "",
                "Accounts not listed have no policy of their own: only the managed one.",
            ]
        return "\n".join(lines)


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
