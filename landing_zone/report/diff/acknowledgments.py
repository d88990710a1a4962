"""Acknowledged findings added, removed or given another reason.

cdk-nag's aspect copies an acknowledgment to every resource below the construct that made it, so
one acknowledgment shows on many resources; a change is reported once per template, rule id and
reason, with the logical ids it covers. Which entries count is the compliance pack's own reading
(``landing_zone.compliance.assembly.acknowledged_in_metadata``: a rule id with a reason of at least
``MIN_REASON_LENGTH`` characters); an entry without one silences nothing and is not listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from landing_zone.compliance.assembly import SUPPRESSIONS_METADATA, acknowledged_in_metadata
from landing_zone.compliance.rules.resource import Resource as PackResource
from landing_zone.compliance.rules.resource import Template as PackTemplate
from landing_zone.report.diff.assembly import Assembly
from landing_zone.report.diff.model import Change


def acknowledgments(assembly: Assembly, template: str) -> dict[str, dict[str, str]]:
    """Logical id → rule id → reason of the acknowledgments that count in ``template``."""
    view = PackTemplate(template, assembly.templates.get(template, {}))
    found: dict[str, dict[str, str]] = {}
    for logical_id, resource in assembly.resources(template).items():
        counted = acknowledged_in_metadata(PackResource(view, logical_id, resource.definition))
        if not counted:
            continue
        entry = resource.metadata.get(SUPPRESSIONS_METADATA)
        rules = entry.get("rules_to_suppress") if isinstance(entry, Mapping) else None
        reasons = {
            str(rule["id"]): str(rule["reason"]).strip()
            for rule in (rules if isinstance(rules, Sequence) else ())
            if isinstance(rule, Mapping) and rule.get("id") in counted
        }
        found[logical_id] = reasons
    return found


def acknowledgment_changes(base: Assembly, head: Assembly) -> list[Change]:
    # (template, change, rule id, reason, old reason) → logical ids
    grouped: dict[tuple[str, str, str, str, str], list[str]] = {}
    for template in sorted(base.templates.keys() | head.templates.keys()):
        before = acknowledgments(base, template)
        after = acknowledgments(head, template)
        # A removed resource takes its acknowledgments along: the stateful and StackSet sections
        # report the removal, and nothing it acknowledged is left to report.
        kept = head.resources(template)
        for logical_id in sorted((before.keys() & kept.keys()) | after.keys()):
            old, new = before.get(logical_id, {}), after.get(logical_id, {})
            for rule in sorted(old.keys() | new.keys()):
                if rule not in old:
                    key = (template, "added", rule, new[rule], "")
                elif rule not in new:
                    key = (template, "removed", rule, old[rule], "")
                elif old[rule] != new[rule]:
                    key = (template, "reason changed", rule, new[rule], old[rule])
                else:
                    continue
                grouped.setdefault(key, []).append(logical_id)
    changes: list[Change] = []
    for (template, verb, rule, reason, old_reason), logical_ids in sorted(grouped.items()):
        details = [f"reason: {reason}"]
        if old_reason:
            details.insert(0, f"previous reason: {old_reason}")
        details.append(f"on {len(logical_ids)} resource(s): {', '.join(logical_ids)}")
        changes.append(
            Change(
                section="acknowledgments",
                subject=f"{rule} in {template}",
                summary=f"acknowledgment {verb}"
                + (": the finding is no longer reported" if verb == "added" else ""),
                template=template,
                logical_id=logical_ids[0],
                details=tuple(details),
                facts={
                    "rule_id": rule,
                    "change": verb,
                    "reason": reason,
                    "previous_reason": old_reason or None,
                    "logical_ids": logical_ids,
                },
                level="warning" if verb == "added" else "note",
                rule_id=f"acknowledgment-{verb.replace(' ', '-')}",
            )
        )
    return changes
