"""The stateful guard: what a change of the synthesized templates would do to stateful resources.

Compares the templates of a previous synthesis (what is deployed) with the current ones. An added
resource is fine. A stateful resource (a bucket, key, log group, trail, table, OU, account...)
that is removed, changes its type or one of its create-only properties, or changes its logical id
(which CloudFormation sees as a removal and an addition), would be replaced or orphaned by the
deployment: each is a ``StatefulChange`` naming the template, the logical id and the type.

    python -m landing_zone.stateful_guard --previous old/cdk.out --current cdk.out
        [--accept TEMPLATE:LOGICAL_ID ...]

Exits 1 on any change not accepted with ``--accept`` (a removal made on purpose: the resource is
retained by its deletion policy and leaves the stack), 2 on unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEMPLATE_SUFFIX = ".template.json"

STATEFUL_TYPES: Mapping[str, tuple[str, ...]] = {
    "AWS::S3::Bucket": ("BucketName", "BucketNamePrefix", "BucketNamespace"),
    "AWS::KMS::Key": (),
    "AWS::KMS::ReplicaKey": ("PrimaryKeyArn",),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::CloudTrail::Trail": ("TrailName",),
    "AWS::DynamoDB::Table": ("TableName", "ImportSourceSpecification"),
    "AWS::Backup::BackupVault": ("BackupVaultName", "EncryptionKeyArn"),
    "AWS::Organizations::OrganizationalUnit": ("ParentId",),
    "AWS::Organizations::Account": (),
    # Replacing a StackSet deletes every stack instance; a permission set, every assignment.
    "AWS::CloudFormation::StackSet": ("PermissionModel", "StackSetName"),
    "AWS::SSO::PermissionSet": ("InstanceArn", "Name"),
    "AWS::EC2::VPC": ("CidrBlock", "Ipv4IpamPoolId", "Ipv4NetmaskLength", "VpcEncryptionControl"),
    "AWS::Cognito::UserPool": (),
    "AWS::VerifiedPermissions::PolicyStore": (),
}
"""Stateful resource type -> its top-level create-only properties: a changed value replaces the
resource. From the CloudFormation registry schemas (``createOnlyProperties``,
https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html) as
cfn-lint bundles them; a test compares this table with cfn-lint's copy."""


IMMUTABLE_PROPERTIES: Mapping[str, tuple[str, ...]] = {
    "AWS::KMS::Key": ("KeySpec", "KeyUsage", "Origin", "MultiRegion"),
    "AWS::DynamoDB::Table": ("KeySchema",),
}
"""Properties CloudFormation cannot update in place beyond the registry's create-only ones (the
AWS::KMS::Key and AWS::DynamoDB::Table references; *unverified* here whether such an update
fails or replaces: either way the deployed key or table does not become what the template
says)."""

RETAINING_POLICIES = ("Retain", "RetainExceptOnCreate", "Snapshot")
"""Deletion and update-replace policies that keep the resource's data."""


@dataclass(frozen=True, order=True)
class StatefulChange:
    template: str
    """The template file's name without ``.template.json`` (a stack name, or a StackSet's
    template), with its nested assembly folder if any."""
    logical_id: str
    type: str
    change: str
    """What happens to the deployed resource."""

    @property
    def key(self) -> str:
        """How ``--accept`` names it."""
        return f"{self.template}:{self.logical_id}"

    def __str__(self) -> str:
        return f"{self.template}: {self.logical_id} ({self.type}) {self.change}"


class GuardInputError(Exception):
    """A cloud assembly that cannot be read: the message names the path and what is wrong."""


Templates = Mapping[str, Mapping[str, Any]]
"""Template name -> template (as parsed from JSON)."""


def read_templates(assembly: Path) -> dict[str, dict[str, Any]]:
    """Every ``*.template.json`` of a cloud assembly, nested assemblies included, by name."""
    if not assembly.is_dir():
        raise GuardInputError(f"{assembly}: not a directory (expected a cloud assembly, cdk.out)")
    templates: dict[str, dict[str, Any]] = {}
    for path in sorted(assembly.rglob(f"*{TEMPLATE_SUFFIX}")):
        name = path.relative_to(assembly).as_posix().removesuffix(TEMPLATE_SUFFIX)
        try:
            template = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise GuardInputError(f"{path}: not a readable JSON template ({error})") from error
        if not isinstance(template, dict) or not isinstance(template.get("Resources", {}), dict):
            raise GuardInputError(f"{path}: Resources is not a mapping of logical ids")
        templates[name] = template
    if not templates:
        raise GuardInputError(f"{assembly}: no *{TEMPLATE_SUFFIX} (expected a cloud assembly)")
    return templates


def _resources(template: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    resources: Mapping[str, Mapping[str, Any]] = template.get("Resources", {})
    return resources


def stateful_changes(
    previous: Templates,
    current: Templates,
    *,
    types: Mapping[str, Sequence[str]] = STATEFUL_TYPES,
) -> list[StatefulChange]:
    """The stateful resources of ``previous`` that ``current`` would replace or orphan, sorted.

    ``types`` maps each resource type to guard to its create-only properties."""
    moved_to: dict[tuple[str, str], str] = {}
    for name, template in current.items():
        for logical_id, resource in _resources(template).items():
            moved_to.setdefault((logical_id, str(resource.get("Type"))), name)
    changes: list[StatefulChange] = []
    for name, template in previous.items():
        now = _resources(current.get(name, {}))
        for logical_id, resource in _resources(template).items():
            kind = str(resource.get("Type"))
            if kind not in types:
                continue
            change = _change(name, logical_id, resource, now.get(logical_id), types[kind], moved_to)
            if change is not None:
                changes.append(StatefulChange(name, logical_id, kind, change))
    return sorted(changes)


def _change(
    template: str,
    logical_id: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any] | None,
    create_only: Sequence[str],
    moved_to: Mapping[tuple[str, str], str],
) -> str | None:
    kind = str(before.get("Type"))
    if after is None:
        elsewhere = moved_to.get((logical_id, kind))
        if elsewhere is not None and elsewhere != template:
            return (
                f"moves to {elsewhere}: CloudFormation removes it from this stack and creates "
                "a new one there"
            )
        return (
            "is removed or its logical id changed: CloudFormation deletes it, or orphans it "
            "if retained, and creates any new one empty"
        )
    if after.get("Type") != kind:
        return f"is replaced: its type changes to {after.get('Type')}"
    old, new = before.get("Properties", {}), after.get("Properties", {})
    changed = [p for p in create_only if old.get(p) != new.get(p)]
    if changed:
        return f"is replaced: create-only {', '.join(changed)} changes"
    immutable = [p for p in IMMUTABLE_PROPERTIES.get(kind, ()) if old.get(p) != new.get(p)]
    if immutable:
        return f"cannot change in place: {', '.join(immutable)} changes"
    if kind == "AWS::CloudFormation::StackSet":
        dropped = sorted(_instances(old) - _instances(new))
        if dropped:
            return (
                f"deletes stack instances ({'; '.join(dropped)}): their stacks go, and the "
                "resources they retain are left unmanaged"
            )
    weakened = [
        policy
        for policy in ("DeletionPolicy", "UpdateReplacePolicy")
        if before.get(policy) in RETAINING_POLICIES and after.get(policy) not in RETAINING_POLICIES
    ]
    if weakened:
        return (
            f"loses its {' and '.join(weakened)} {before.get(weakened[0])}: a later removal or "
            "replacement deletes its data"
        )
    return None


def _instances(properties: Mapping[str, Any]) -> set[str]:
    """A StackSet's stack instances as ``scope in region`` (targets as written in the template,
    an OU id parameter's reference included): a pair that disappears is an instance
    CloudFormation deletes."""
    instances: set[str] = set()
    for group in properties.get("StackInstancesGroup") or []:
        targets = group.get("DeploymentTargets") or {}
        scopes = instance_scopes(
            [json.dumps(ou, sort_keys=True) for ou in targets.get("OrganizationalUnitIds") or []],
            [json.dumps(account, sort_keys=True) for account in targets.get("Accounts") or []],
            str(targets.get("AccountFilterType") or "NONE"),
        )
        for region in group.get("Regions") or []:
            instances.update(f"{scope} in {region}" for scope in scopes)
    return instances


def instance_scopes(ous: Sequence[str], accounts: Sequence[str], kind: str) -> list[str]:
    """Where a stack-instances group of a service-managed StackSet deploys, one text per scope:
    ``AccountFilterType`` ``INTERSECTION`` deploys to the listed accounts that are in the OUs,
    ``DIFFERENCE`` to the OUs' accounts but the listed ones, ``UNION`` to both, ``NONE`` to the
    OUs' accounts
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeploymentTargets.html)."""
    if not ous:
        return [f"account {account}" for account in accounts]
    if kind == "INTERSECTION":
        return [f"account {account} (when in OU {', '.join(ous)})" for account in accounts]
    if kind == "DIFFERENCE":
        return [f"OU {ou} except {', '.join(accounts)}" for ou in ous]
    if kind == "UNION":
        return [f"OU {ou}" for ou in ous] + [f"account {account}" for account in accounts]
    return [f"OU {ou}" for ou in ous]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m landing_zone.stateful_guard",
        description="Fail when the current templates would replace or orphan a stateful "
        "resource of the previous ones (added resources are fine).",
    )
    parser.add_argument("--previous", type=Path, required=True, help="the deployed cdk.out")
    parser.add_argument("--current", type=Path, required=True, help="the new cdk.out")
    parser.add_argument(
        "--accept",
        action="append",
        default=[],
        metavar="TEMPLATE:LOGICAL_ID",
        help="a change made on purpose (repeatable); it is printed, and does not fail",
    )
    args = parser.parse_args(argv)
    try:
        changes = stateful_changes(read_templates(args.previous), read_templates(args.current))
    except GuardInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return report(changes, args.accept)


def report(changes: Sequence[StatefulChange], accept: Iterable[str]) -> int:
    """Prints the changes; 1 when any is not accepted."""
    accepted = set(accept)
    unknown = sorted(accepted - {c.key for c in changes})
    for key in unknown:
        print(
            f"error: --accept {key}: no such change (expected TEMPLATE:LOGICAL_ID)", file=sys.stderr
        )
    refused = [c for c in changes if c.key not in accepted]
    for change in changes:
        status = "accepted" if change.key in accepted else "FAIL"
        print(f"stateful guard: {status}: {change}")
    if refused:
        print(
            f"stateful guard: {len(refused)} stateful resource(s) would be replaced or orphaned; "
            "keep their construct ids, or --accept TEMPLATE:LOGICAL_ID a change made on purpose"
        )
    else:
        print("stateful guard: no stateful resource replaced or removed")
    return 1 if refused or unknown else 0


if __name__ == "__main__":
    sys.exit(main())
