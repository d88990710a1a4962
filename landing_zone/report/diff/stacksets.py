"""Every StackSet: its template resource by resource, its targets, and what the change does to
the stack instances already deployed.

A StackSet's instances are the (target, Region) pairs of its ``StackInstancesGroup``, with its
targets combined as ``AccountFilterType`` says (``stateful_guard.instance_scopes``, which the
stateful guard uses too).
``AutoDeployment`` creates instances for accounts that join a targeted OU later and, with
``RetainStacksOnAccountRemoval``, keeps the stack of an account that leaves one
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_AutoDeployment.html).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from landing_zone.report.diff.assembly import Assembly, Resource, as_list
from landing_zone.report.diff.model import Change
from landing_zone.stateful_guard import instance_scopes

STACKSET = "AWS::CloudFormation::StackSet"
_ATTRIBUTES = ("DeletionPolicy", "UpdateReplacePolicy", "Condition", "DependsOn")
_RETAINED = ("Retain", "RetainExceptOnCreate")
_CDK_METADATA = "AWS::CDK::Metadata"


@dataclass(frozen=True)
class _StackSet:
    name: str
    resource: Resource
    instances: frozenset[tuple[str, str]]
    """(target, Region) pairs."""
    targets: Mapping[str, Any]
    template: Mapping[str, Resource]


def stackset_changes(base: Assembly, head: Assembly) -> list[Change]:
    before = _stacksets(base)
    after = _stacksets(head)
    changes: list[Change] = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old is None:
            assert new is not None
            changes.append(_added(new))
        elif new is None:
            changes.append(_removed(old))
        elif change := _changed(old, new):
            changes.append(change)
    return changes


def _stacksets(assembly: Assembly) -> dict[str, _StackSet]:
    found: dict[str, _StackSet] = {}
    for resource in assembly.all_resources(STACKSET):
        properties = resource.properties
        name = str(properties.get("StackSetName") or f"{resource.template}/{resource.logical_id}")
        instances: set[tuple[str, str]] = set()
        ous: set[str] = set()
        accounts: set[str] = set()
        regions: set[str] = set()
        filters: set[str] = set()
        for group in as_list(properties.get("StackInstancesGroup")):
            targets = group.get("DeploymentTargets", {}) if isinstance(group, Mapping) else {}
            group_ous = sorted(
                assembly.name_of(ou, resource.template)
                for ou in as_list(targets.get("OrganizationalUnitIds"))
            )
            group_accounts = sorted(
                assembly.name_of(account, resource.template)
                for account in as_list(targets.get("Accounts"))
            )
            kind = str(targets.get("AccountFilterType") or "NONE")
            group_regions = [str(region) for region in as_list(group.get("Regions"))]
            ous.update(group_ous)
            accounts.update(group_accounts)
            regions.update(group_regions)
            filters.add(kind)
            for scope in instance_scopes(group_ous, group_accounts, kind):
                instances.update((scope, region) for region in group_regions)
        auto = properties.get("AutoDeployment", {})
        auto = auto if isinstance(auto, Mapping) else {}
        file = assembly.stackset_template(resource)
        found[name] = _StackSet(
            name,
            resource,
            frozenset(instances),
            {
                "organizational_units": sorted(ous),
                "accounts": sorted(accounts),
                "regions": sorted(regions),
                "account_filter_types": sorted(filters),
                "auto_deployment": bool(auto.get("Enabled", False)),
                "retain_stacks_on_account_removal": bool(
                    auto.get("RetainStacksOnAccountRemoval", False)
                ),
                "operation_preferences": properties.get("OperationPreferences", {}),
                "template_file": file,
            },
            assembly.resources(file) if file else {},
        )
    return found


def _instances(pairs: frozenset[tuple[str, str]] | set[tuple[str, str]]) -> list[str]:
    regions: dict[str, list[str]] = {}
    for scope, region in sorted(pairs):
        regions.setdefault(scope, []).append(region)
    return [f"{scope} in {', '.join(names)}" for scope, names in sorted(regions.items())]


def _retained(stackset: _StackSet) -> list[str]:
    return sorted(
        f"{logical_id} ({resource.type})"
        for logical_id, resource in stackset.template.items()
        if resource.definition.get("DeletionPolicy") in _RETAINED
    )


def _deleted_sentence(stackset: _StackSet, pairs: list[str]) -> str:
    retained = _retained(stackset)
    sentence = (
        f"stack instances deleted: {'; '.join(pairs)}. Their stacks are deleted with their "
        "resources"
    )
    if retained:
        kept = ", ".join(retained)
        sentence += f", except those DeletionPolicy retains, left behind unmanaged: {kept}"
    return sentence + "."


def _subject(stackset: _StackSet) -> str:
    return f"StackSet {stackset.name}"


def _added(stackset: _StackSet) -> Change:
    pairs = _instances(stackset.instances)
    return Change(
        section="stacksets",
        subject=_subject(stackset),
        summary="StackSet added: new stack instances are created",
        template=stackset.resource.template,
        logical_id=stackset.resource.logical_id,
        details=tuple(f"new instance: {pair}" for pair in pairs),
        facts={"change": "added", "instances_added": pairs, "targets": stackset.targets},
        level="note",
        rule_id="stackset-instances-created",
    )


def _removed(stackset: _StackSet) -> Change:
    pairs = _instances(stackset.instances)
    retained = stackset.resource.definition.get("DeletionPolicy") in _RETAINED
    if retained:
        summary = (
            "StackSet removed from the template; DeletionPolicy Retain keeps the StackSet and "
            "its stack instances, no longer managed by this landing zone"
        )
    else:
        summary = "StackSet removed: " + _deleted_sentence(stackset, pairs)
    return Change(
        section="stacksets",
        subject=_subject(stackset),
        summary=summary,
        template=stackset.resource.template,
        logical_id=stackset.resource.logical_id,
        details=tuple(f"instance: {pair}" for pair in pairs),
        facts={"change": "removed", "retained": retained, "instances": pairs},
        level="warning",
        rule_id="stackset-instances-deleted" if not retained else "stackset-orphaned",
    )


def _changed(old: _StackSet, new: _StackSet) -> Change | None:
    details: list[str] = []
    effects: list[str] = []
    facts: dict[str, Any] = {"change": "changed"}
    deletes = False
    for key in ("organizational_units", "accounts", "regions", "account_filter_types"):
        gone = sorted(set(old.targets[key]) - set(new.targets[key]))
        came = sorted(set(new.targets[key]) - set(old.targets[key]))
        label = key.replace("_", " ")
        if came:
            details.append(f"{label} added: {', '.join(came)}")
        if gone:
            details.append(f"{label} removed: {', '.join(gone)}")
        if came or gone:
            facts[key] = {"added": came, "removed": gone}
    created = _instances(new.instances - old.instances)
    deleted = _instances(old.instances - new.instances)
    if created:
        effects.append(f"new stack instances created: {'; '.join(created)}.")
        facts["instances_created"] = created
    if deleted:
        deletes = True
        effects.append(_deleted_sentence(old, deleted))
        facts["instances_deleted"] = deleted
    if old.targets["auto_deployment"] != new.targets["auto_deployment"]:
        on = new.targets["auto_deployment"]
        details.append(f"AutoDeployment {'enabled' if on else 'disabled'}")
        effects.append(
            "accounts that join a targeted OU get a stack instance automatically."
            if on
            else "accounts that join a targeted OU later get no stack instance; existing ones stay."
        )
        facts["auto_deployment"] = on
    if (
        old.targets["retain_stacks_on_account_removal"]
        != new.targets["retain_stacks_on_account_removal"]
    ):
        keep = new.targets["retain_stacks_on_account_removal"]
        details.append(f"RetainStacksOnAccountRemoval {str(keep).lower()}")
        if keep:
            effects.append("an account that leaves a targeted OU keeps its stack, unmanaged.")
        else:
            deletes = True
            effects.append(
                "an account that leaves a targeted OU now has its stack instance deleted with its "
                "resources."
            )
        facts["retain_stacks_on_account_removal"] = keep
    if old.targets["operation_preferences"] != new.targets["operation_preferences"]:
        details.append(
            f"operation preferences {old.targets['operation_preferences']} → "
            f"{new.targets['operation_preferences']}"
        )
        facts["operation_preferences"] = new.targets["operation_preferences"]
    template_lines = _template_changes(old.template, new.template)
    if template_lines:
        remaining = _instances(old.instances & new.instances)
        preferences = new.targets["operation_preferences"] or {}
        effects.append(
            f"updates roll out to every existing stack instance ({len(remaining)} target(s): "
            f"{'; '.join(remaining) or 'none'}), "
            f"{preferences.get('MaxConcurrentPercentage', '?')} % at a time, failure tolerance "
            f"{preferences.get('FailureTolerancePercentage', '?')} %."
        )
        details += template_lines
        facts["template"] = template_lines
    if not details and not effects:
        return None
    return Change(
        section="stacksets",
        subject=_subject(new),
        summary=" ".join(effects) or "settings changed",
        template=new.resource.template,
        logical_id=new.resource.logical_id,
        details=tuple(details),
        facts=facts,
        level="warning" if deletes else "note",
        rule_id="stackset-instances-deleted" if deletes else "stackset-changed",
    )


def _template_changes(old: Mapping[str, Resource], new: Mapping[str, Resource]) -> list[str]:
    lines: list[str] = []
    for logical_id in sorted(old.keys() | new.keys()):
        before, after = old.get(logical_id), new.get(logical_id)
        if _CDK_METADATA in (getattr(before, "type", ""), getattr(after, "type", "")):
            # CDK's version analytics: changes with every CDK upgrade, deploys nothing.
            continue
        if before is None:
            assert after is not None
            lines.append(f"resource added: {logical_id} ({after.type})")
            continue
        if after is None:
            lines.append(f"resource removed: {logical_id} ({before.type})")
            continue
        if before.type != after.type:
            lines.append(f"resource type changed: {logical_id} {before.type} → {after.type}")
            continue
        names = sorted(
            name
            for name in before.properties.keys() | after.properties.keys()
            if before.properties.get(name) != after.properties.get(name)
        )
        names += [
            name
            for name in _ATTRIBUTES
            if before.definition.get(name) != after.definition.get(name)
        ]
        if names:
            lines.append(f"resource changed: {logical_id} ({after.type}): {', '.join(names)}")
    return lines
