"""The review report as Markdown (GitHub and GitLab flavoured: tables, Mermaid, details)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from landing_zone.compliance.assembly import MIN_REASON_LENGTH
from landing_zone.report.acknowledgments import Acknowledgment
from landing_zone.report.limits import (
    CLOUDFORMATION_MAX_RESOURCES,
    FLAG_ABOVE,
    TEMPLATE_MAX_BYTES,
    Usage,
)
from landing_zone.report.organization import ROOT, mermaid, type_label

if TYPE_CHECKING:
    from landing_zone.report.report import Report

_MAX_IDS_SHOWN = 3
"""Logical ids shown per template and acknowledgment (the JSON lists all)."""


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _percent(usage: Usage) -> str:
    flag = " ⚠️" if usage.flagged else ""
    return f"{usage.share:.1%}{flag}"


def _some(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:_MAX_IDS_SHOWN])
    return shown + (f" (+{len(ids) - _MAX_IDS_SHOWN} more)" if len(ids) > _MAX_IDS_SHOWN else "")


def render(report: Report) -> str:
    """The report as Markdown: what needs attention first, then the posture diff."""
    parts = [
        _header(report),
        _attention_markdown(report),
        *([f"## Posture diff\n\n{report.diff.to_markdown().strip()}"] if report.diff else []),
        _organization_markdown(report),
        _findings_markdown(report),
        _acknowledgments_markdown(report),
        _limits_markdown(report),
        report.pci.to_markdown().strip(),
    ]
    return "\n\n".join(part.strip() for part in parts) + "\n"


def _header(report: Report) -> str:
    summary = report.assembly.summary
    facts = [
        f"config `{summary['config']}`" if summary.get("config") else None,
        f"{len(summary.get('stacks', []))} stacks" if summary.get("stacks") else None,
        f"{len(report.assembly.templates)} templates (StackSet templates included)",
        "check packs: " + ", ".join(summary["check_packs"]) if summary.get("check_packs") else None,
        f"posture diff against `{report.diff.base}`" if report.diff else None,
    ]
    return "# Landing zone review report\n\n" + " · ".join(f for f in facts if f)


def _attention_markdown(report: Report) -> str:
    items = report.attention()
    if not items:
        return (
            "## Needs attention\n\nNothing: no unacknowledged finding, no limit above "
            f"{FLAG_ABOVE:.0%}" + (", no posture-diff error or warning." if report.diff else ".")
        )
    icons = {"error": "🔴", "warning": "🟠"}
    lines = ["## Needs attention", ""]
    # Limits near their ceiling: one line per measure, the table below has the rest.
    near: dict[str, list[str]] = {}
    for usage in report.limits.flagged():
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


def _organization_markdown(report: Report) -> str:
    org = report.organization
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


def _findings_markdown(report: Report) -> str:
    lines = ["## Findings", ""]
    packs = [f for f in report.findings if not f.is_construct_warning]
    warnings = [f for f in report.findings if f.is_construct_warning]
    if (
        not (report.assembly.directory / "validation-report.json").is_file()
        and not (report.assembly.directory / "policy-validation-report.json").is_file()
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
            where = f"`{f.template}` `{f.logical_id}`" if f.logical_id else f"`{f.construct_path}`"
            grouped.setdefault((f.rule_id, f.description), []).append(where)
        for (rule_id, description), places in grouped.items():
            cells = (rule_id, "<br>".join(places), description)
            lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines)


def _acknowledgments_markdown(report: Report) -> str:
    counted = [a for a in report.acknowledgments if a.reason_ok]
    ignored = [a for a in report.acknowledgments if not a.reason_ok]
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
    if not report.acknowledgments:
        return "\n".join(lines)
    lines += [
        "",
        "<details><summary>Every acknowledgment with its reason</summary>",
        "",
        "| reason | rule ids | where (template: logical ids) |",
        "|---|---|---|",
    ]
    by_reason: dict[tuple[str, bool], list[Acknowledgment]] = {}
    for a in report.acknowledgments:
        by_reason.setdefault((a.reason, a.reason_ok), []).append(a)
    for (reason, reason_ok), entries in sorted(by_reason.items()):
        by_template: dict[str, set[str]] = {}
        for a in entries:
            for template, logical_id in a.resources:
                by_template.setdefault(template.removesuffix(".template.json"), set()).add(
                    logical_id
                )
        where = "<br>".join(
            f"`{template}`: " + _some(sorted(ids)) for template, ids in sorted(by_template.items())
        )
        rules = ", ".join(sorted({a.rule_id for a in entries}))
        shown = reason if reason_ok else f"🟠 no real reason: {reason!r}"
        lines.append(f"| {_cell(shown)} | {_cell(rules)} | {_cell(where)} |")
    lines += ["", "</details>"]
    return "\n".join(lines)


def _limits_markdown(report: Report) -> str:
    limits = report.limits
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
        over = " (over the project's ceiling)" if count.used > limits.project_max_resources else ""
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
