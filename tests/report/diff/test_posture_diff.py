"""The posture diff of the reference assembly against heads derived from it by editing the JSON
of its templates: each edit is reported exactly, and an unchanged assembly gives no change."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from landing_zone.report.diff import AssemblyError, Change, PostureDiff, posture_diff


@dataclass
class Head:
    """A copy of the base assembly's JSON files, edited one template at a time."""

    path: Path

    def template(self, name: str) -> dict[str, Any]:
        body: dict[str, Any] = json.loads((self.path / name).read_text(encoding="utf-8"))
        return body

    def edit(self, name: str, change: Callable[[dict[str, Any]], None]) -> None:
        body = self.template(name)
        change(body)
        (self.path / name).write_text(json.dumps(body, indent=1), encoding="utf-8")

    def resources(self, *types: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(template, logical id, resource) of every resource of ``types``, sorted."""
        for file in sorted(self.path.glob("*.template.json")):
            for logical_id, resource in sorted(self.template(file.name)["Resources"].items()):
                if resource.get("Type") in types:
                    yield file.name, logical_id, resource

    def first(self, kind: str, test: Callable[[dict[str, Any]], bool] = bool) -> tuple[str, str]:
        """(template, logical id) of the first resource of ``kind`` that passes ``test``."""
        return next((t, lid) for t, lid, r in self.resources(kind) if test(r))


def copy_assembly(source: Path, target: Path) -> Head:
    target.mkdir(parents=True)
    for file in source.glob("*.json"):
        shutil.copy(file, target / file.name)
    return Head(target)


@pytest.fixture(scope="session")
def base_assembly(reference_app: Any) -> Path:
    """The reference landing zone, synthesized once per session (tests/conftest.py)."""
    path: Path = reference_app.assembly_dir
    return path


@pytest.fixture
def head(base_assembly: Path, tmp_path: Path) -> Head:
    return copy_assembly(base_assembly, tmp_path / "head")


def diff_of(base: Path, head: Head) -> PostureDiff:
    return posture_diff(base, head.path)


def only(diff: PostureDiff, section: str) -> Change:
    """The one change of ``diff``, which must be in ``section``."""
    assert [c.section for c in diff.changes] == [section], diff.to_markdown()
    return diff.changes[0]


def _set(resource: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target = resource
    for key in parents:
        target = target[key]
    target[last] = value


# ---- no change --------------------------------------------------------------------------------


def test_identical_assemblies_give_an_empty_diff(base_assembly: Path, head: Head) -> None:
    diff = diff_of(base_assembly, head)
    assert diff.empty
    assert diff.alerts() == []
    assert all(changes == [] for changes in diff.to_json()["sections"].values())
    assert "No posture change" in diff.to_markdown()


def test_json_is_deterministic(base_assembly: Path, head: Head) -> None:
    template, logical_id = head.first("AWS::Config::ConfigRule")
    head.edit(template, lambda body: body["Resources"].pop(logical_id))
    first = json.dumps(diff_of(base_assembly, head).to_json())
    assert first == json.dumps(diff_of(base_assembly, head).to_json())
    assert first == json.dumps(diff_of(base_assembly, head).to_json(), sort_keys=True)


# ---- guardrails -------------------------------------------------------------------------------


def _scp_with_action_list(resource: dict[str, Any]) -> bool:
    properties = resource["Properties"]
    return properties["Type"] == "SERVICE_CONTROL_POLICY" and any(
        isinstance(s.get("Action"), list) and s["Effect"] == "Deny"
        for s in properties["Content"]["Statement"]
    )


def test_a_deny_action_removed_weakens_the_guardrail(base_assembly: Path, head: Head) -> None:
    template, logical_id = head.first("AWS::Organizations::Policy", _scp_with_action_list)
    policy = head.template(template)["Resources"][logical_id]["Properties"]
    statement = next(s for s in policy["Content"]["Statement"] if isinstance(s.get("Action"), list))
    action = statement["Action"][-1]

    def remove(body: dict[str, Any]) -> None:
        content = body["Resources"][logical_id]["Properties"]["Content"]
        target = next(s for s in content["Statement"] if s.get("Sid") == statement["Sid"])
        target["Action"].remove(action)

    head.edit(template, remove)
    change = only(diff_of(base_assembly, head), "guardrails")
    assert change.level == "warning"
    assert change.rule_id == "guardrail-weakened"
    assert change.subject.startswith(f"SCP {policy['Name']} → ")
    assert change.summary == f"statement {statement['Sid']}: permits more (weakened)"
    assert change.details == (f"Action removed: {action}",)
    assert change.logical_id == logical_id


def test_guardrail_targets_are_named(base_assembly: Path, head: Head) -> None:
    # OU targets are GetAtt references in the template; the diff names the OU.
    template, logical_id = head.first(
        "AWS::Organizations::Policy",
        lambda r: "Fn::GetAtt" in r["Properties"]["TargetIds"][0] and _scp_with_action_list(r),
    )
    resources = head.template(template)["Resources"]
    ou = resources[logical_id]["Properties"]["TargetIds"][0]["Fn::GetAtt"][0]
    ou_name = resources[ou]["Properties"]["Name"]

    def remove_targets(body: dict[str, Any]) -> None:
        body["Resources"][logical_id]["Properties"]["TargetIds"] = ["r-a1b2"]

    head.edit(template, remove_targets)
    changes = diff_of(base_assembly, head).section("guardrails")
    summaries = sorted(change.summary for change in changes)
    assert summaries == [f"no longer applies to {ou_name}", "now also applies to Root"]


def test_an_exemption_added_weakens_the_guardrail(base_assembly: Path, head: Head) -> None:
    def exempting(resource: dict[str, Any]) -> bool:
        return _scp_with_action_list(resource) and any(
            "ArnNotLike" in s.get("Condition", {})
            for s in resource["Properties"]["Content"]["Statement"]
        )

    template, logical_id = head.first("AWS::Organizations::Policy", exempting)
    rogue = "arn:aws:iam::*:role/rogue-admin"
    sid = ""

    def exempt(body: dict[str, Any]) -> None:
        nonlocal sid
        content = body["Resources"][logical_id]["Properties"]["Content"]
        statement = next(s for s in content["Statement"] if "ArnNotLike" in s.get("Condition", {}))
        sid = statement["Sid"]
        principals = statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
        statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"] = [
            *(principals if isinstance(principals, list) else [principals]),
            rogue,
        ]

    head.edit(template, exempt)
    change = only(diff_of(base_assembly, head), "guardrails")
    assert change.level == "warning"
    assert change.summary == f"statement {sid}: permits more (weakened)"
    assert change.details == (f"exemption added: ArnNotLike aws:PrincipalArn {rogue}",)


def test_a_removed_policy_is_one_change_listing_its_statements(
    base_assembly: Path, head: Head
) -> None:
    policies = list(head.resources("AWS::Organizations::Policy"))
    targets = [json.dumps(r["Properties"]["TargetIds"]) for _, _, r in policies]
    template, logical_id, policy = next(
        (t, lid, r)
        for (t, lid, r), target in zip(policies, targets, strict=True)
        if targets.count(target) == 1 and r["Properties"]["Type"] == "SERVICE_CONTROL_POLICY"
    )
    head.edit(template, lambda body: body["Resources"].pop(logical_id))
    change = only(diff_of(base_assembly, head), "guardrails")
    assert change.rule_id == "guardrail-weakened"
    assert change.summary == "policy removed: its statements no longer apply to its targets"
    sids = sorted(s["Sid"] for s in policy["Properties"]["Content"]["Statement"])
    assert [detail.split(":")[0] for detail in change.details] == sids


def test_a_statement_moved_between_parts_is_no_weakening(base_assembly: Path, head: Head) -> None:
    template, first = head.first(
        "AWS::Organizations::Policy", lambda r: r["Properties"]["Name"].endswith("-scp-root-1")
    )
    second = head.first(
        "AWS::Organizations::Policy", lambda r: r["Properties"]["Name"].endswith("-scp-root-2")
    )[1]
    moved: dict[str, Any] = {}

    def move(body: dict[str, Any]) -> None:
        source = body["Resources"][first]["Properties"]
        moved.update(source["Content"]["Statement"].pop(0))
        body["Resources"][second]["Properties"]["Content"]["Statement"].append(moved)

    head.edit(template, move)
    change = only(diff_of(base_assembly, head), "guardrails")
    assert change.level is None
    assert change.summary.startswith(f"statement {moved['Sid']} moved from ")
    assert change.summary.endswith(", unchanged")


# ---- identity ---------------------------------------------------------------------------------


def test_a_widened_permission_set(base_assembly: Path, head: Head) -> None:
    template, logical_id = head.first(
        "AWS::SSO::PermissionSet", lambda r: "InlinePolicy" in r["Properties"]
    )
    properties = head.template(template)["Resources"][logical_id]["Properties"]
    allow = next(s for s in properties["InlinePolicy"]["Statement"] if s["Effect"] == "Allow")
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"

    def widen(body: dict[str, Any]) -> None:
        changed = body["Resources"][logical_id]["Properties"]
        statement = next(
            s for s in changed["InlinePolicy"]["Statement"] if s["Sid"] == allow["Sid"]
        )
        statement["Action"] = [
            *(
                [statement["Action"]]
                if isinstance(statement["Action"], str)
                else statement["Action"]
            ),
            "s3:PutObject",
        ]
        changed["SessionDuration"] = "PT12H"
        changed["ManagedPolicies"] = [admin]

    head.edit(template, widen)
    change = only(diff_of(base_assembly, head), "permission_sets")
    assert change.subject == f"permission set {properties['Name']}"
    assert change.summary == "widened"
    assert change.level == "warning"
    assert set(change.details) == {
        f"managed policy attached: {admin}",
        f"inline {allow['Sid']}: Action added: s3:PutObject",
        f"session duration {properties.get('SessionDuration', 'PT1H')} → PT12H",
    }


def test_an_mfa_condition_removed_widens(base_assembly: Path, head: Head) -> None:
    template, logical_id = head.first(
        "AWS::SSO::PermissionSet", lambda r: "InlinePolicy" in r["Properties"]
    )
    properties = head.template(template)["Resources"][logical_id]["Properties"]
    sid = properties["InlinePolicy"]["Statement"][0]["Sid"]

    def require_mfa(body: dict[str, Any]) -> None:
        statement = body["Resources"][logical_id]["Properties"]["InlinePolicy"]["Statement"][0]
        statement.setdefault("Condition", {})["Bool"] = {"aws:MultiFactorAuthPresent": "true"}

    # The base requires MFA, the head does not: the diff runs from the edited copy back.
    head.edit(template, require_mfa)
    change = only(posture_diff(head.path, base_assembly), "permission_sets")
    assert change.summary == "widened"
    assert change.details == (
        f"inline {sid}: MFA condition removed: Bool aws:MultiFactorAuthPresent true",
    )


def test_an_assignment_removed_is_named(
    base_assembly: Path, head: Head, reference_app: Any
) -> None:
    template, logical_id = head.first("AWS::SSO::Assignment")
    body = head.template(template)
    properties = body["Resources"][logical_id]["Properties"]
    # The permission set's ARN comes from an SSM parameter named after the permission set.
    ssm_name = body["Parameters"][properties["PermissionSetArn"]["Ref"]]["Default"]
    permission_set = ssm_name.split("/")[-2]
    account_id = properties["TargetId"]
    account = next(
        name for name, item in reference_app.config.accounts.items() if item.id == account_id
    )
    head.edit(template, lambda edited: edited["Resources"].pop(logical_id))
    change = only(diff_of(base_assembly, head), "assignments")
    assert (change.summary, change.level) == ("assignment removed", "note")
    assert change.facts["permission_set"] == permission_set
    assert change.facts["account"] == f"{account} ({account_id})"
    assert change.facts["principal"].startswith("group ")
    assert properties["PrincipalId"] in change.facts["principal"]
    assert (
        change.subject
        == f"{permission_set} for {change.facts['principal']} in {account} ({account_id})"
    )


# ---- detective controls -----------------------------------------------------------------------


def test_a_config_rule_removed(base_assembly: Path, head: Head) -> None:
    template, logical_id = head.first("AWS::Config::OrganizationConfigRule")
    name = head.template(template)["Resources"][logical_id]["Properties"][
        "OrganizationConfigRuleName"
    ]
    head.edit(template, lambda body: body["Resources"].pop(logical_id))
    change = only(diff_of(base_assembly, head), "detective_controls")
    assert change.level == "warning"
    assert change.rule_id == "detective-control-weakened"
    assert change.subject == f"AWS::Config::OrganizationConfigRule {name}"
    assert change.summary == "control removed"


def test_a_security_hub_standard_and_a_guardduty_feature_dropped(
    base_assembly: Path, head: Head
) -> None:
    template, policy = head.first("AWS::SecurityHub::ConfigurationPolicy")
    standards = head.template(template)["Resources"][policy]["Properties"]["ConfigurationPolicy"][
        "SecurityHub"
    ]["EnabledStandardIdentifiers"]
    dropped = standards[-1]

    def narrow(body: dict[str, Any]) -> None:
        hub = body["Resources"][policy]["Properties"]["ConfigurationPolicy"]["SecurityHub"]
        hub["EnabledStandardIdentifiers"] = standards[:-1]
        hub["SecurityControlsConfiguration"]["DisabledSecurityControlIdentifiers"] = ["IAM.6"]

    head.edit(template, narrow)
    change = only(diff_of(base_assembly, head), "detective_controls")
    assert change.level == "warning"
    joined = "".join(
        p if isinstance(p, str) else "${" + p["Ref"] + "}" for p in dropped["Fn::Join"][1]
    )
    assert set(change.details) == {f"standards removed: {joined}", "disabled controls added: IAM.6"}


def test_an_alert_rule_disabled(base_assembly: Path, head: Head) -> None:
    template, logical_id = head.first(
        "AWS::Events::Rule", lambda r: r["Properties"].get("State") == "ENABLED"
    )
    head.edit(
        template, lambda body: _set(body["Resources"][logical_id], "Properties.State", "DISABLED")
    )
    change = only(diff_of(base_assembly, head), "detective_controls")
    assert change.level == "warning"
    assert change.details == ("State: ENABLED → DISABLED",)


# ---- StackSets --------------------------------------------------------------------------------


def _baseline(head: Head) -> tuple[str, str, dict[str, Any]]:
    return next(
        (t, lid, r)
        for t, lid, r in head.resources("AWS::CloudFormation::StackSet")
        if r["Properties"]["AutoDeployment"]["Enabled"]
    )


def test_a_stackset_ou_removed_deletes_its_instances(base_assembly: Path, head: Head) -> None:
    template, logical_id, stackset = _baseline(head)
    group = stackset["Properties"]["StackInstancesGroup"][0]
    ou_parameter = group["DeploymentTargets"]["OrganizationalUnitIds"][-1]["Ref"]
    ssm_name = head.template(template)["Parameters"][ou_parameter]["Default"]
    ou_name = ssm_name.rstrip("/").split("/")[-2]
    regions = group["Regions"]

    def drop_ou(body: dict[str, Any]) -> None:
        body["Resources"][logical_id]["Properties"]["StackInstancesGroup"][0]["DeploymentTargets"][
            "OrganizationalUnitIds"
        ].pop()

    head.edit(template, drop_ou)
    change = only(diff_of(base_assembly, head), "stacksets")
    assert change.level == "warning"
    assert change.rule_id == "stackset-instances-deleted"
    assert change.details == (f"organizational units removed: {ou_name}",)
    assert change.facts["instances_deleted"] == [f"OU {ou_name} in {', '.join(sorted(regions))}"]
    assert change.summary.startswith(f"stack instances deleted: OU {ou_name} in ")


def test_a_stackset_template_change_rolls_out(base_assembly: Path, head: Head) -> None:
    _, _, stackset = _baseline(head)
    key = stackset["Properties"]["TemplateURL"]["Fn::Sub"].rsplit("/", 1)[1]
    manifests = [json.loads(p.read_text()) for p in head.path.glob("*.assets.json")]
    file = next(
        asset["source"]["path"]
        for manifest in manifests
        for asset in manifest["files"].values()
        if any(d["objectKey"] == key for d in asset["destinations"].values())
    )
    assert file.endswith(".stackset.template.json")
    logical_id, rule = next(
        (lid, r)
        for lid, r in sorted(head.template(file)["Resources"].items())
        if r["Type"] == "AWS::Config::ConfigRule"
    )
    old = rule["Properties"].get("MaximumExecutionFrequency")
    new = "Twelve_Hours" if old != "Twelve_Hours" else "Six_Hours"
    head.edit(
        file,
        lambda body: _set(
            body["Resources"][logical_id], "Properties.MaximumExecutionFrequency", new
        ),
    )
    diff = diff_of(base_assembly, head)
    (stackset_change,) = diff.section("stacksets")
    assert stackset_change.details == (
        f"resource changed: {logical_id} (AWS::Config::ConfigRule): MaximumExecutionFrequency",
    )
    assert stackset_change.summary.startswith("updates roll out to every existing stack instance")
    assert stackset_change.level == "note"
    # The rule is a detective control of the StackSet's template as well.
    (control,) = diff.section("detective_controls")
    assert control.template == file
    assert control.details == (f"MaximumExecutionFrequency: {old or '(none)'} → {new}",)


def test_auto_deployment_and_retention_changes_say_what_happens(
    base_assembly: Path, head: Head
) -> None:
    template, logical_id, stackset = _baseline(head)
    retained = stackset["Properties"]["AutoDeployment"].get("RetainStacksOnAccountRemoval", False)

    def change(body: dict[str, Any]) -> None:
        auto = body["Resources"][logical_id]["Properties"]["AutoDeployment"]
        auto["Enabled"] = False
        auto["RetainStacksOnAccountRemoval"] = not retained

    head.edit(template, change)
    change_ = only(diff_of(base_assembly, head), "stacksets")
    assert "AutoDeployment disabled" in change_.details
    assert f"RetainStacksOnAccountRemoval {str(not retained).lower()}" in change_.details
    assert "accounts that join a targeted OU later get no stack instance" in change_.summary
    # Stacks of leaving accounts deleted from now on is a warning; kept, a note.
    assert change_.level == ("warning" if retained else "note")


def test_an_intersection_target_added_creates_instances(base_assembly: Path, head: Head) -> None:
    template, logical_id, stackset = next(
        item
        for item in head.resources("AWS::CloudFormation::StackSet")
        if item[2]["Properties"]["StackInstancesGroup"][0]["DeploymentTargets"].get(
            "AccountFilterType"
        )
        == "INTERSECTION"
    )
    group = stackset["Properties"]["StackInstancesGroup"][0]

    def add_account(body: dict[str, Any]) -> None:
        targets = body["Resources"][logical_id]["Properties"]["StackInstancesGroup"][0]
        targets["DeploymentTargets"]["Accounts"].append("123456789012")

    head.edit(template, add_account)
    change = only(diff_of(base_assembly, head), "stacksets")
    assert change.details == ("accounts added: 123456789012",)
    (created,) = change.facts["instances_created"]
    assert created.startswith("account 123456789012 (when in OU ")
    assert created.endswith(f" in {', '.join(sorted(group['Regions']))}")
    assert change.level == "note"


def test_a_retained_stackset_removed_is_orphaned(base_assembly: Path, head: Head) -> None:
    template, logical_id, stackset = _baseline(head)
    assert stackset["DeletionPolicy"] == "Retain"
    head.edit(template, lambda body: body["Resources"].pop(logical_id))
    changes = diff_of(base_assembly, head).section("stacksets")
    assert [(c.rule_id, c.level) for c in changes] == [("stackset-orphaned", "warning")]
    assert "keeps the StackSet and its stack instances" in changes[0].summary


# ---- stateful resources -----------------------------------------------------------------------


def _retained_bucket(head: Head) -> tuple[str, str]:
    return head.first(
        "AWS::S3::Bucket",
        lambda r: (
            r.get("DeletionPolicy") == "Retain"
            and isinstance(r["Properties"].get("BucketName"), str)
        ),
    )


def test_a_renamed_bucket_is_replaced(base_assembly: Path, head: Head) -> None:
    template, logical_id = _retained_bucket(head)
    head.edit(
        template,
        lambda body: _set(body["Resources"][logical_id], "Properties.BucketName", "renamed-bucket"),
    )
    diff = diff_of(base_assembly, head)
    change = only(diff, "stateful")
    assert change.level == "error"
    assert change.rule_id == "stateful-replaced"
    assert "BucketName" in change.summary
    assert diff.alerts()[0].level == "error"
    assert diff.alerts()[0].logical_id == logical_id


def test_retain_dropped_is_an_error(base_assembly: Path, head: Head) -> None:
    template, logical_id = _retained_bucket(head)

    def drop(body: dict[str, Any]) -> None:
        del body["Resources"][logical_id]["DeletionPolicy"]

    head.edit(template, drop)
    change = only(diff_of(base_assembly, head), "stateful")
    assert change.rule_id == "deletion-policy-weakened"
    assert change.summary == "DeletionPolicy weakened: Retain → Delete (the default)"


def test_a_removed_stateful_resource_is_orphaned(base_assembly: Path, head: Head) -> None:
    groups = list(head.resources("AWS::Logs::LogGroup"))
    template, logical_id = next(
        (t, lid)
        for t, lid, r in groups
        if r.get("DeletionPolicy") == "Retain" and [g[1] for g in groups].count(lid) == 1
    )
    head.edit(template, lambda body: body["Resources"].pop(logical_id))
    change = only(diff_of(base_assembly, head), "stateful")
    assert change.rule_id == "stateful-removed"
    assert change.summary.endswith(
        "(DeletionPolicy Retain: the deployed one is left behind, unmanaged)"
    )


def test_object_lock_weakened(base_assembly: Path, head: Head) -> None:
    template, logical_id = head.first(
        "AWS::S3::Bucket", lambda r: "ObjectLockConfiguration" in r["Properties"]
    )
    head.edit(
        template,
        lambda body: body["Resources"][logical_id]["Properties"].pop("ObjectLockConfiguration"),
    )
    change = only(diff_of(base_assembly, head), "stateful")
    assert change.rule_id == "object-lock-weakened"
    assert change.summary.endswith("→ on, no default retention")


def test_a_backup_vault_lock_shortened_in_a_stackset_template(
    base_assembly: Path, head: Head
) -> None:
    template, logical_id = head.first(
        "AWS::Backup::BackupVault", lambda r: "LockConfiguration" in r["Properties"]
    )
    assert template.endswith(".stackset.template.json")
    days = head.template(template)["Resources"][logical_id]["Properties"]["LockConfiguration"][
        "MinRetentionDays"
    ]
    head.edit(
        template,
        lambda body: _set(
            body["Resources"][logical_id], "Properties.LockConfiguration.MinRetentionDays", 1
        ),
    )
    diff = diff_of(base_assembly, head)
    (change,) = diff.section("stateful")
    assert change.rule_id == "vault-lock-weakened"
    assert change.summary == f"vault lock weakened: {days} days minimum → 1 days minimum"
    (stackset,) = diff.section("stacksets")
    assert f"resource changed: {logical_id} (AWS::Backup::BackupVault): LockConfiguration" in (
        stackset.details
    )


def test_a_renamed_ou(base_assembly: Path, head: Head) -> None:
    template, logical_id = head.first("AWS::Organizations::OrganizationalUnit")
    old = head.template(template)["Resources"][logical_id]["Properties"]["Name"]
    head.edit(
        template, lambda body: _set(body["Resources"][logical_id], "Properties.Name", "Renamed")
    )
    changes = diff_of(base_assembly, head).changes
    renamed = [c for c in changes if c.rule_id == "ou-renamed"]
    assert len(renamed) == 1
    assert renamed[0].summary.startswith(f"OU renamed {old} → Renamed")


# ---- acknowledgments --------------------------------------------------------------------------


REASON = "The bucket holds public build artifacts only; access logs would need another bucket."
RULE = "AwsSolutions-S10"


def _acknowledge(logical_id: str, reason: str) -> Callable[[dict[str, Any]], None]:
    """Adds (or replaces) the acknowledgment of ``RULE`` on ``logical_id``, as cdk-nag's aspect
    writes it."""

    def add(body: dict[str, Any]) -> None:
        metadata = body["Resources"][logical_id].setdefault("Metadata", {})
        rules = metadata.setdefault("cdk_nag", {}).setdefault("rules_to_suppress", [])
        rules[:] = [rule for rule in rules if rule["id"] != RULE]
        rules.append({"id": RULE, "reason": reason})

    return add


def test_an_acknowledgment_removed_and_its_reason(
    base_assembly: Path, head: Head, tmp_path: Path
) -> None:
    template, logical_id = head.first("AWS::S3::Bucket")
    head.edit(template, _acknowledge(logical_id, REASON))
    # Base with the acknowledgment, head without: removed.
    removed = only(posture_diff(head.path, base_assembly), "acknowledgments")
    assert removed.summary == "acknowledgment removed"
    assert removed.level == "note"
    assert removed.subject == f"{RULE} in {template}"
    assert removed.facts["logical_ids"] == [logical_id]
    assert removed.facts["reason"] == REASON
    # Added: a finding silenced is a warning.
    added = only(posture_diff(base_assembly, head.path), "acknowledgments")
    assert (added.summary, added.level) == (
        "acknowledgment added: the finding is no longer reported",
        "warning",
    )
    # The reason changed.
    other = copy_assembly(base_assembly, tmp_path / "other")
    other.edit(template, _acknowledge(logical_id, "Another reason, long enough to count."))
    changed = only(posture_diff(head.path, other.path), "acknowledgments")
    assert changed.summary == "acknowledgment reason changed"
    assert changed.details[0] == f"previous reason: {REASON}"


def test_an_acknowledgment_without_a_reason_does_not_count(base_assembly: Path, head: Head) -> None:
    template, logical_id = head.first("AWS::S3::Bucket")
    head.edit(template, _acknowledge(logical_id, "short"))
    assert diff_of(base_assembly, head).empty


# ---- output and input -------------------------------------------------------------------------


def test_markdown_puts_errors_first_and_escapes(base_assembly: Path, head: Head) -> None:
    template, logical_id = _retained_bucket(head)
    head.edit(
        template,
        lambda body: _set(body["Resources"][logical_id], "Properties.BucketName", "renamed"),
    )
    config_template, rule = head.first("AWS::Config::ConfigRule")
    head.edit(config_template, lambda body: body["Resources"].pop(rule))
    text = diff_of(base_assembly, head).to_markdown()
    assert "1 error(s), 1 warning(s), 0 note(s)" in text
    assert text.index("### Stateful resources") < text.index("### Detective controls")
    assert "- **error** AWS::S3::Bucket" in text


def test_alerts_carry_what_sarif_needs(base_assembly: Path, head: Head) -> None:
    template, rule = head.first("AWS::Config::ConfigRule")
    head.edit(template, lambda body: body["Resources"].pop(rule))
    (alert,) = diff_of(base_assembly, head).alerts()
    assert (alert.level, alert.rule_id, alert.template, alert.logical_id) == (
        "warning",
        "detective-control-weakened",
        template,
        rule,
    )
    assert alert.message.endswith(": control removed")


def test_rejects_a_folder_without_templates(tmp_path: Path, base_assembly: Path) -> None:
    with pytest.raises(AssemblyError, match=re.escape(f"{tmp_path}: holds no *.template.json")):
        posture_diff(base_assembly, tmp_path)


def test_rejects_a_template_that_is_not_json(tmp_path: Path, base_assembly: Path) -> None:
    (tmp_path / "broken.template.json").write_text("{", encoding="utf-8")
    with pytest.raises(AssemblyError, match=r"broken\.template\.json: cannot be read as JSON"):
        posture_diff(tmp_path, base_assembly)
