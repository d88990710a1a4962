"""Permission sets widened or narrowed, and assignments added or removed, by name.

A permission set is found by its ``Name``. Widening (a warning) is anything that lets its
sessions do more: a managed or customer-managed policy attached, an allow that allows more or a
deny that denies less in the inline policy, an MFA condition dropped, a longer session, a
permissions boundary removed or changed. An assignment is a permission set given to a principal
in an account; adding one gives access (a warning), removing one takes it away (a note).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from landing_zone.report.diff.assembly import Assembly, Resource, as_list, text
from landing_zone.report.diff.model import Change
from landing_zone.report.diff.policy import Direction, Fact, compare, statements

PERMISSION_SET = "AWS::SSO::PermissionSet"
ASSIGNMENT = "AWS::SSO::Assignment"

_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?")
_ASSIGNMENT_PATH = re.compile(r"/([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$")


def permission_set_changes(base: Assembly, head: Assembly) -> list[Change]:
    before = _by_name(base)
    after = _by_name(head)
    changes: list[Change] = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old is None or new is None:
            present = new or old
            assert present is not None
            verb = "added" if old is None else "removed"
            changes.append(
                Change(
                    section="permission_sets",
                    subject=f"permission set {name}",
                    summary=f"permission set {verb}",
                    template=present.template,
                    logical_id=present.logical_id,
                    facts={"permission_set": name, "change": verb},
                    level="warning" if verb == "added" else "note",
                    rule_id="permission-set-widened"
                    if verb == "added"
                    else "permission-set-narrowed",
                )
            )
            continue
        facts = _compare(old, new)
        if not facts:
            continue
        wider = any(fact.direction != "less" for fact in facts)
        changes.append(
            Change(
                section="permission_sets",
                subject=f"permission set {name}",
                summary="widened" if wider else "narrowed",
                template=new.template,
                logical_id=new.logical_id,
                details=tuple(fact.text for fact in facts),
                facts={
                    "permission_set": name,
                    "changes": [
                        {"kind": f.kind, "direction": f.direction, "text": f.text} for f in facts
                    ],
                },
                level="warning" if wider else "note",
                rule_id="permission-set-widened" if wider else "permission-set-narrowed",
            )
        )
    return changes


def _by_name(assembly: Assembly) -> dict[str, Resource]:
    return {
        str(resource.properties.get("Name") or resource.logical_id): resource
        for resource in assembly.all_resources(PERMISSION_SET)
    }


def _compare(old: Resource, new: Resource) -> list[Fact]:
    facts: list[Fact] = []
    before, after = old.properties, new.properties
    for name, label in (
        ("ManagedPolicies", "managed policy"),
        ("CustomerManagedPolicyReferences", "customer-managed policy"),
    ):
        old_refs = {_reference(item) for item in as_list(before.get(name))}
        new_refs = {_reference(item) for item in as_list(after.get(name))}
        if attached := sorted(new_refs - old_refs):
            facts.append(
                Fact(f"{label} attached: {', '.join(attached)}", "more", name, tuple(attached))
            )
        if detached := sorted(old_refs - new_refs):
            facts.append(
                Fact(f"{label} detached: {', '.join(detached)}", "less", name, tuple(detached))
            )
    old_statements = statements(before.get("InlinePolicy") or {})
    new_statements = statements(after.get("InlinePolicy") or {})
    for sid in sorted(old_statements.keys() | new_statements.keys()):
        for fact in compare(old_statements.get(sid), new_statements.get(sid)):
            facts.append(Fact(f"inline {sid}: {fact.text}", fact.direction, fact.kind, fact.values))
    old_session = before.get("SessionDuration", "PT1H")
    new_session = after.get("SessionDuration", "PT1H")
    if old_session != new_session:
        # The service's default session is one hour (AWS::SSO::PermissionSet SessionDuration).
        longer = _minutes(new_session) > _minutes(old_session)
        facts.append(
            Fact(
                f"session duration {old_session} → {new_session}",
                "more" if longer else "less",
                "SessionDuration",
                (str(old_session), str(new_session)),
            )
        )
    old_boundary = before.get("PermissionsBoundary")
    new_boundary = after.get("PermissionsBoundary")
    if old_boundary != new_boundary:
        shown_old = _boundary(old_boundary)
        shown_new = _boundary(new_boundary)
        direction: Direction = (
            "less" if old_boundary is None else "more" if new_boundary is None else "changed"
        )
        facts.append(
            Fact(
                f"permissions boundary {shown_old} → {shown_new}",
                direction,
                "PermissionsBoundary",
                (shown_old, shown_new),
            )
        )
    return facts


def _reference(item: Any) -> str:
    if isinstance(item, Mapping) and "Name" in item:
        return f"{text(item.get('Path', '/'))}{text(item['Name'])}"
    return text(item)


def _boundary(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, Mapping):
        if "ManagedPolicyArn" in value:
            return text(value["ManagedPolicyArn"])
        if "CustomerManagedPolicyReference" in value:
            return _reference(value["CustomerManagedPolicyReference"])
    return json.dumps(value, sort_keys=True)


def _minutes(duration: Any) -> int:
    match = _DURATION.fullmatch(str(duration))
    if not match:
        return 0
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


@dataclass(frozen=True)
class _Assignment:
    permission_set: str
    principal: str
    account: str
    resource: Resource


def assignment_changes(base: Assembly, head: Assembly) -> list[Change]:
    before = _assignments(base)
    after = _assignments(head)
    changes: list[Change] = []
    for key in sorted(before.keys() | after.keys()):
        verb = "added" if key not in before else "removed" if key not in after else ""
        if not verb:
            continue
        item = after.get(key) or before[key]
        changes.append(
            Change(
                section="assignments",
                subject=f"{item.permission_set} for {item.principal} in {item.account}",
                summary=f"assignment {verb}",
                template=item.resource.template,
                logical_id=item.resource.logical_id,
                facts={
                    "change": verb,
                    "permission_set": item.permission_set,
                    "principal": item.principal,
                    "account": item.account,
                },
                level="warning" if verb == "added" else "note",
                rule_id="assignment-added" if verb == "added" else "assignment-removed",
            )
        )
    return changes


def _assignments(assembly: Assembly) -> dict[tuple[str, str, str], _Assignment]:
    found: dict[tuple[str, str, str], _Assignment] = {}
    for resource in assembly.all_resources(ASSIGNMENT):
        properties = resource.properties
        permission_set = assembly.name_of(properties.get("PermissionSetArn"), resource.template)
        kind = str(properties.get("PrincipalType", "GROUP")).lower()
        principal_id = text(properties.get("PrincipalId"))
        match = _ASSIGNMENT_PATH.search(resource.path)
        # The construct id <permission set>.<group>.<account> names the group the id stands for.
        group = match.group(2) if match and match.group(1) == permission_set else None
        principal = f"{kind} {group} ({principal_id})" if group else f"{kind} {principal_id}"
        target = properties.get("TargetId")
        account = assembly.name_of(target, resource.template)
        key = (permission_set, principal_id, text(target))
        found[key] = _Assignment(permission_set, principal, account, resource)
    return found
