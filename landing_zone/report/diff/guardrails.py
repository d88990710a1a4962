"""Organization policies (SCPs, RCPs, tag, backup and AI opt-out policies) compared statement by
statement, by policy name and with their targets named.

A guardrail that grows past one policy's size is split into parts (``…-1``, ``…-2``); a statement
that moves between two policies of the same type and targets is reported as moved, with what
changed in it, not as one statement removed and another added.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from landing_zone.report.diff.assembly import Assembly, Resource, as_list
from landing_zone.report.diff.model import Change
from landing_zone.report.diff.policy import (
    Fact,
    Statement,
    compare,
    describe,
    document,
    statements,
)
from landing_zone.report.diff.sections import Level

POLICY_TYPE = "AWS::Organizations::Policy"
_IAM_POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")
_LABELS = {
    "SERVICE_CONTROL_POLICY": "SCP",
    "RESOURCE_CONTROL_POLICY": "RCP",
    "TAG_POLICY": "tag policy",
    "BACKUP_POLICY": "backup policy",
    "AISERVICES_OPT_OUT_POLICY": "AI services opt-out policy",
}


@dataclass(frozen=True)
class Policy:
    name: str
    kind: str
    targets: tuple[str, ...]
    resource: Resource
    statements: Mapping[str, Statement]
    content: Mapping[str, Any]

    @property
    def subject(self) -> str:
        label = _LABELS.get(self.kind, self.kind)
        return f"{label} {self.name} → {', '.join(self.targets) or 'no target'}"


def guardrail_changes(base: Assembly, head: Assembly) -> list[Change]:
    before = _policies(base)
    after = _policies(head)
    changes: list[Change] = []
    removed: list[tuple[Policy, Statement]] = []
    added: list[tuple[Policy, Statement]] = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old is None:
            assert new is not None
            changes.append(_whole_policy(new, "added"))
            added += [(new, statement) for statement in new.statements.values()]
            continue
        if new is None:
            changes.append(_whole_policy(old, "removed"))
            removed += [(old, statement) for statement in old.statements.values()]
            continue
        changes += _targets(old, new)
        if old.kind not in _IAM_POLICY_TYPES:
            changes += _content(old, new)
            continue
        for sid in sorted(old.statements.keys() | new.statements.keys()):
            if sid not in new.statements:
                removed.append((old, old.statements[sid]))
            elif sid not in old.statements:
                added.append((new, new.statements[sid]))
            elif facts := compare(old.statements[sid], new.statements[sid]):
                changes.append(_statement_change(new, sid, facts))
    whole = {name for name in before.keys() ^ after.keys()}
    changes += _moves_and_rest(removed, added, whole)
    return changes


def _policies(assembly: Assembly) -> dict[str, Policy]:
    found: dict[str, Policy] = {}
    for resource in assembly.all_resources(POLICY_TYPE):
        properties = resource.properties
        name = str(properties.get("Name") or f"{resource.template}/{resource.logical_id}")
        targets = tuple(
            sorted(
                assembly.name_of(target, resource.template)
                for target in as_list(properties.get("TargetIds"))
            )
        )
        kind = str(properties.get("Type", ""))
        content = properties.get("Content")
        parsed = document(content) if kind in _IAM_POLICY_TYPES else _json_object(content)
        found[name] = Policy(
            name,
            kind,
            targets,
            resource,
            statements(content) if kind in _IAM_POLICY_TYPES else {},
            parsed,
        )
    return found


def _json_object(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    try:
        parsed = json.loads(value) if isinstance(value, str) else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, Mapping) else {}


def _whole_policy(policy: Policy, verb: str) -> Change:
    """A policy added or removed, its statements listed (those that moved to or from another
    part of the same guardrail are reported as moves besides)."""
    sids = sorted(policy.statements)
    details = tuple(f"{sid}: {describe(policy.statements[sid])}" for sid in sids)
    if verb == "removed":
        summary = "policy removed: its statements no longer apply to its targets"
        level: Level = "warning"
        rule = "guardrail-weakened"
    else:
        summary = "policy added"
        level, rule = "note", "guardrail-strengthened"
    return Change(
        section="guardrails",
        subject=policy.subject,
        summary=summary,
        template=policy.resource.template,
        logical_id=policy.resource.logical_id,
        details=details,
        facts={
            "policy": policy.name,
            "change": verb,
            "targets": policy.targets,
            "statements": sids,
        },
        level=level,
        rule_id=rule,
    )


def _targets(old: Policy, new: Policy) -> list[Change]:
    gone = sorted(set(old.targets) - set(new.targets))
    came = sorted(set(new.targets) - set(old.targets))
    changes: list[Change] = []
    if gone:
        changes.append(
            _policy_change(
                new,
                f"no longer applies to {', '.join(gone)}",
                {"targets_removed": gone},
                "warning",
                "guardrail-weakened",
            )
        )
    if came:
        changes.append(
            _policy_change(
                new,
                f"now also applies to {', '.join(came)}",
                {"targets_added": came},
                "note",
                "guardrail-strengthened",
            )
        )
    return changes


def _policy_change(
    policy: Policy, summary: str, facts: dict[str, Any], level: Level, rule: str
) -> Change:
    return Change(
        section="guardrails",
        subject=policy.subject,
        summary=summary,
        template=policy.resource.template,
        logical_id=policy.resource.logical_id,
        facts={"policy": policy.name, **facts},
        level=level,
        rule_id=rule,
    )


def _statement_change(policy: Policy, sid: str, facts: list[Fact], moved_from: str = "") -> Change:
    weaker = any(fact.direction != "less" for fact in facts)
    summary = f"statement {sid}: " + (
        "permits more (weakened)" if weaker else "permits less (strengthened)"
    )
    if moved_from:
        summary += f"; moved from {moved_from}"
    return Change(
        section="guardrails",
        subject=policy.subject,
        summary=summary,
        template=policy.resource.template,
        logical_id=policy.resource.logical_id,
        details=tuple(fact.text for fact in facts),
        facts={
            "policy": policy.name,
            "sid": sid,
            "moved_from": moved_from or None,
            "changes": [
                {"kind": fact.kind, "direction": fact.direction, "text": fact.text}
                for fact in facts
            ],
        },
        level="warning" if weaker else "note",
        rule_id="guardrail-weakened" if weaker else "guardrail-strengthened",
    )


def _moves_and_rest(
    removed: list[tuple[Policy, Statement]],
    added: list[tuple[Policy, Statement]],
    whole: set[str],
) -> list[Change]:
    """Statements that left one policy and joined another of the same type and targets are
    moves; the others were removed or added (reported with their policy when the policy itself
    was removed or added: ``whole``)."""
    changes: list[Change] = []
    arrivals = {
        (policy.kind, policy.targets, statement.sid): (policy, statement)
        for policy, statement in added
    }
    matched: set[tuple[str, tuple[str, ...], str]] = set()
    for policy, statement in removed:
        key = (policy.kind, policy.targets, statement.sid)
        if key in arrivals and key not in matched:
            matched.add(key)
            target, moved = arrivals[key]
            facts = compare(statement, moved)
            if facts:
                changes.append(_statement_change(target, statement.sid, facts, policy.name))
            else:
                changes.append(
                    Change(
                        section="guardrails",
                        subject=target.subject,
                        summary=f"statement {statement.sid} moved from {policy.name}, unchanged",
                        template=target.resource.template,
                        logical_id=target.resource.logical_id,
                        facts={
                            "policy": target.name,
                            "sid": statement.sid,
                            "moved_from": policy.name,
                        },
                    )
                )
            continue
        if policy.name not in whole:
            changes.append(_statement_change(policy, statement.sid, compare(statement, None)))
    for key, (policy, statement) in sorted(arrivals.items()):
        if key not in matched and policy.name not in whole:
            changes.append(_statement_change(policy, statement.sid, compare(None, statement)))
    return changes


def _content(old: Policy, new: Policy) -> list[Change]:
    """Non-IAM policies (tag, backup, AI opt-out) compared leaf by leaf."""
    before, after = _leaves(old.content), _leaves(new.content)
    gone, came = sorted(before - after), sorted(after - before)
    if not gone and not came:
        return []
    details = tuple([f"removed: {leaf}" for leaf in gone] + [f"added: {leaf}" for leaf in came])
    return [
        Change(
            section="guardrails",
            subject=new.subject,
            summary="content changed",
            template=new.resource.template,
            logical_id=new.resource.logical_id,
            details=details,
            facts={"policy": new.name, "removed": gone, "added": came},
            level="warning",
            rule_id="guardrail-changed",
        )
    ]


def _leaves(value: Any, path: str = "") -> set[str]:
    if isinstance(value, Mapping):
        return {
            leaf
            for key, item in value.items()
            for leaf in _leaves(item, f"{path}.{key}" if path else str(key))
        }
    if isinstance(value, list):
        return {leaf for item in value for leaf in _leaves(item, f"{path}[]")}
    return {f"{path} = {json.dumps(value)}"}
