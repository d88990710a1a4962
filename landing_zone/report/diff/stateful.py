"""Stateful resources that a change would replace, delete or leave behind: errors, shown first.

Compared template by template and logical id by logical id, StackSet templates included (their
resources live in every account the StackSet targets). The core is the stateful guard's
(``landing_zone.stateful_guard``): a stateful resource removed, moved to another template, given
another type, or given another value of a create-only property is replaced or orphaned. Its
table of types and create-only properties comes from the CloudFormation registry schemas, the
properties the CloudFormation Template Reference marks "Update requires: Replacement" (for
example BucketName, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html;
LogGroupName, …/aws-resource-logs-loggroup.html; TrailName, …/aws-resource-cloudtrail-trail.html;
TableName, …/aws-resource-dynamodb-table.html; PrimaryKeyArn, …/aws-resource-kms-replicakey.html;
ParentId of an OU, …/aws-resource-organizations-organizationalunit.html).

On top of the guard, the diff flags

- the properties CloudFormation cannot change in place although the registry schemas do not list
  them as create-only: a KMS key's KeySpec, KeyUsage, Origin and MultiRegion (the AWS::KMS::Key
  page: the update fails whatever the UpdateReplacePolicy, …/aws-resource-kms-key.html) and a
  table's KeySchema (DynamoDB cannot change a table's key schema);
- ``DeletionPolicy`` or ``UpdateReplacePolicy`` weakened from ``Retain`` (or ``Snapshot``);
- Object Lock on a bucket turned off or weakened (mode, default retention), a backup vault's
  lock removed or its minimum retention shortened;
- an OU renamed: guardrail targets, StackSet targets and SSM parameter names follow OU names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from landing_zone.report.diff.assembly import TEMPLATE_SUFFIX, Assembly, Resource, text
from landing_zone.report.diff.model import Change
from landing_zone.stateful_guard import IMMUTABLE_PROPERTIES, STATEFUL_TYPES, StatefulChange
from landing_zone.stateful_guard import stateful_changes as guarded_changes

_RETAINING = ("Retain", "RetainExceptOnCreate", "Snapshot")
_NAME_KEYS = (
    "BucketName",
    "LogGroupName",
    "TrailName",
    "TableName",
    "BackupVaultName",
    "StackSetName",
    "AccountName",
    "Name",
    "Description",
)


def stateful_changes(base: Assembly, head: Assembly) -> list[Change]:
    before = {name.removesuffix(TEMPLATE_SUFFIX): body for name, body in base.templates.items()}
    after = {name.removesuffix(TEMPLATE_SUFFIX): body for name, body in head.templates.items()}
    # Immutable properties and weakened retention the guard also fails on are reported below
    # (_settings), with the values before and after.
    changes = [
        _guarded(base, change)
        for change in guarded_changes(before, after)
        if change.change.startswith(("is replaced", "is removed", "moves to"))
    ]
    for template in sorted(base.templates.keys() & head.templates.keys()):
        now = head.resources(template)
        for logical_id, old in sorted(base.resources(template).items()):
            new = now.get(logical_id)
            if old.type in STATEFUL_TYPES and new is not None and new.type == old.type:
                changes += _settings(old, new)
    return changes


def _name(resource: Resource) -> str:
    for key in _NAME_KEYS:
        value = resource.properties.get(key)
        if value is not None:
            return text(value)
    return resource.logical_id


def _change(
    resource: Resource,
    summary: str,
    rule: str,
    facts: Mapping[str, Any],
    details: tuple[str, ...] = (),
) -> Change:
    return Change(
        section="stateful",
        subject=f"{resource.type} {_name(resource)}",
        summary=summary,
        template=resource.template,
        logical_id=resource.logical_id,
        details=details,
        facts={"type": resource.type, **facts},
        level="error",
        rule_id=rule,
    )


def _guarded(base: Assembly, change: StatefulChange) -> Change:
    template = change.template + TEMPLATE_SUFFIX
    resource = base.resource(template, change.logical_id)
    assert resource is not None
    summary = change.change
    removed = not change.change.startswith("is replaced")
    if removed:
        policy = resource.definition.get("DeletionPolicy")
        summary += (
            f" (DeletionPolicy {policy}: the deployed one is left behind, unmanaged)"
            if policy in _RETAINING
            else " (no DeletionPolicy Retain: the deployed one is deleted)"
        )
    return _change(
        resource,
        summary,
        "stateful-removed" if removed else "stateful-replaced",
        {"change": "removed" if removed else "replaced", "guard": change.change},
    )


def _settings(old: Resource, new: Resource) -> list[Change]:
    changes: list[Change] = []
    immutable = [
        name
        for name in IMMUTABLE_PROPERTIES.get(old.type, ())
        if old.properties.get(name) != new.properties.get(name)
    ]
    if immutable:
        changes.append(
            _change(
                old,
                f"{', '.join(immutable)} changed: CloudFormation cannot change this in place",
                "stateful-replaced",
                {"change": "immutable", "properties": immutable},
                tuple(
                    f"{name}: {_shown(old.properties.get(name))} → "
                    f"{_shown(new.properties.get(name))}"
                    for name in immutable
                ),
            )
        )
    for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
        before = old.definition.get(attribute)
        after = new.definition.get(attribute)
        if before in _RETAINING and after not in _RETAINING:
            changes.append(
                _change(
                    old,
                    f"{attribute} weakened: {before} → {after or 'Delete (the default)'}",
                    "deletion-policy-weakened",
                    {"change": attribute, "from": before, "to": after or "Delete"},
                )
            )
    if old.type == "AWS::S3::Bucket":
        changes += _object_lock(old, new)
    if old.type == "AWS::Backup::BackupVault":
        changes += _vault_lock(old, new)
    if old.type == "AWS::Organizations::OrganizationalUnit":
        before_name, after_name = old.properties.get("Name"), new.properties.get("Name")
        if before_name != after_name:
            changes.append(
                _change(
                    old,
                    f"OU renamed {before_name} → {after_name}: guardrail and StackSet targets "
                    "and SSM parameter names that follow OU names change with it",
                    "ou-renamed",
                    {"change": "renamed", "from": before_name, "to": after_name},
                )
            )
    return changes


def _object_lock(old: Resource, new: Resource) -> list[Change]:
    before = _lock(old.properties)
    after = _lock(new.properties)
    weaker = (
        (before["enabled"] and not after["enabled"])
        or (before["mode"] == "COMPLIANCE" and after["mode"] != "COMPLIANCE")
        or (bool(before["mode"]) and not after["mode"])
        or before["days"] > after["days"]
    )
    if not weaker:
        return []
    return [
        _change(
            old,
            f"Object Lock weakened: {_lock_text(before)} → {_lock_text(after)}",
            "object-lock-weakened",
            {"change": "object-lock", "from": before, "to": after},
        )
    ]


def _vault_lock(old: Resource, new: Resource) -> list[Change]:
    """A vault lock removed or its minimum retention shortened: a compliance-mode lock
    (``ChangeableForDays`` set) past its grace time refuses both and the deploy fails; otherwise
    recovery points lose protection
    (https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html)."""
    before = old.properties.get("LockConfiguration")
    after = new.properties.get("LockConfiguration")
    if not isinstance(before, Mapping) or before == after:
        return []
    old_days = int(before.get("MinRetentionDays") or 0)
    new_days = int(after.get("MinRetentionDays") or 0) if isinstance(after, Mapping) else 0
    if after is not None and new_days >= old_days:
        return []
    shown = f"{new_days} days minimum" if after is not None else "no lock"
    return [
        _change(
            old,
            f"vault lock weakened: {old_days} days minimum → {shown}",
            "vault-lock-weakened",
            {"change": "vault-lock", "from": before, "to": after},
        )
    ]


def _lock(properties: Mapping[str, Any]) -> dict[str, Any]:
    configuration = properties.get("ObjectLockConfiguration") or {}
    rule = configuration.get("Rule") or {} if isinstance(configuration, Mapping) else {}
    retention = rule.get("DefaultRetention") or {} if isinstance(rule, Mapping) else {}
    days = int(retention.get("Days") or 0) + 365 * int(retention.get("Years") or 0)
    return {
        "enabled": bool(properties.get("ObjectLockEnabled")),
        "mode": str(retention.get("Mode") or ""),
        "days": days,
    }


def _lock_text(lock: Mapping[str, Any]) -> str:
    if not lock["enabled"]:
        return "off"
    if not lock["mode"]:
        return "on, no default retention"
    return f"{lock['mode']} {lock['days']} days"


def _shown(value: Any) -> str:
    return "(none)" if value is None else text(value)
