"""The stateful guard on hand-made templates: what it lets through and what it stops."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from landing_zone.stateful_guard import (
    STATEFUL_TYPES,
    GuardInputError,
    StatefulChange,
    main,
    read_templates,
    stateful_changes,
)

OU = "AWS::Organizations::OrganizationalUnit"
BUCKET = "AWS::S3::Bucket"


def _previous() -> dict[str, dict[str, Any]]:
    return {
        "org": {
            "Resources": {
                "OuSecurity": {"Type": OU, "Properties": {"Name": "Security", "ParentId": "r-1"}},
                "Policy": {"Type": "AWS::Organizations::Policy", "Properties": {"Name": "p"}},
            }
        },
        "logs": {
            "Resources": {
                "LogBucket": {"Type": BUCKET, "Properties": {"BucketName": "logs-1"}},
                "LogKey": {"Type": "AWS::KMS::Key", "Properties": {"Description": "logs"}},
                "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
            }
        },
    }


def _changes(edit: Any) -> list[StatefulChange]:
    previous = _previous()
    current = copy.deepcopy(previous)
    edit(current)
    return stateful_changes(previous, current)


def test_unchanged_templates_pass() -> None:
    assert _changes(lambda t: None) == []


def test_added_resources_and_templates_pass() -> None:
    def add(t: dict[str, Any]) -> None:
        t["org"]["Resources"]["OuData"] = {"Type": OU, "Properties": {"ParentId": "r-1"}}
        t["logs"]["Resources"]["Other"] = {"Type": BUCKET}
        t["new-region"] = {"Resources": {"Key": {"Type": "AWS::KMS::Key"}}}

    assert _changes(add) == []


def test_updatable_changes_and_non_stateful_removals_pass() -> None:
    def edit(t: dict[str, Any]) -> None:
        t["org"]["Resources"]["OuSecurity"]["Properties"]["Name"] = "Sec"  # renamed in place
        t["logs"]["Resources"]["LogKey"]["Properties"]["Description"] = "other"
        del t["logs"]["Resources"]["Role"]
        del t["org"]["Resources"]["Policy"]

    assert _changes(edit) == []


def test_a_removed_stateful_resource_fails_naming_template_id_and_type() -> None:
    (change,) = _changes(lambda t: t["logs"]["Resources"].pop("LogBucket"))
    assert (change.template, change.logical_id, change.type) == ("logs", "LogBucket", BUCKET)
    assert str(change).startswith("logs: LogBucket (AWS::S3::Bucket) is removed")


def test_a_renamed_logical_id_fails() -> None:
    def rename(t: dict[str, Any]) -> None:
        resources = t["org"]["Resources"]
        resources["OuSecurityRenamed"] = resources.pop("OuSecurity")

    (change,) = _changes(rename)
    assert change.key == "org:OuSecurity"
    assert "logical id changed" in change.change


def test_a_type_change_fails() -> None:
    def retype(t: dict[str, Any]) -> None:
        t["logs"]["Resources"]["LogKey"]["Type"] = "AWS::KMS::ReplicaKey"

    (change,) = _changes(retype)
    assert change.type == "AWS::KMS::Key"
    assert change.change == "is replaced: its type changes to AWS::KMS::ReplicaKey"


@pytest.mark.parametrize(
    ("template", "logical_id", "prop", "value"),
    [
        ("logs", "LogBucket", "BucketName", "logs-2"),
        ("logs", "LogBucket", "BucketName", None),  # a generated name is a new bucket too
        ("org", "OuSecurity", "ParentId", "ou-moved"),  # an OU moved under another parent
    ],
)
def test_a_changed_create_only_property_fails(
    template: str, logical_id: str, prop: str, value: Any
) -> None:
    def edit(t: dict[str, Any]) -> None:
        properties = t[template]["Resources"][logical_id]["Properties"]
        if value is None:
            del properties[prop]
        else:
            properties[prop] = value

    (change,) = _changes(edit)
    assert change.change == f"is replaced: create-only {prop} changes"


def test_a_stateful_resource_moved_to_another_template_fails() -> None:
    def move(t: dict[str, Any]) -> None:
        t["other"] = {"Resources": {"LogKey": t["logs"]["Resources"].pop("LogKey")}}

    (change,) = _changes(move)
    assert change.change.startswith("moves to other:")


def test_a_removed_template_fails_for_each_stateful_resource() -> None:
    changes = _changes(lambda t: t.pop("logs"))
    assert [c.key for c in changes] == ["logs:LogBucket", "logs:LogKey"]


def test_create_only_properties_are_cloudformations() -> None:
    """The table against the registry schemas cfn-lint bundles: a new aws-cdk-lib or cfn-lint
    release that makes another property create-only fails here until the table follows."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    for kind, create_only in STATEFUL_TYPES.items():
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", kind).schema
        top_level = {
            path.removeprefix("/properties/")
            for path in schema.get("createOnlyProperties", [])
            if path.count("/") == 2
        }
        assert set(create_only) == top_level, kind


def _assembly(directory: Path, templates: dict[str, dict[str, Any]]) -> Path:
    for name, template in templates.items():
        path = directory / f"{name}.template.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(template))
    return directory


def test_read_templates_names_nested_assemblies_by_their_folder(tmp_path: Path) -> None:
    templates = {"top": _previous()["org"], "assembly-Stage/inner": _previous()["logs"]}
    assert read_templates(_assembly(tmp_path, templates)) == templates


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"no \*\.template\.json"),
        ("{not json", "not a readable JSON template"),
        ('{"Resources": []}', "Resources is not a mapping"),
    ],
)
def test_unreadable_assemblies_are_clear_errors(
    tmp_path: Path, content: str | None, message: str
) -> None:
    if content is not None:
        (tmp_path / "bad.template.json").write_text(content)
    with pytest.raises(GuardInputError, match=message):
        read_templates(tmp_path)


def test_command_fails_on_a_removal_unless_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    previous = _assembly(tmp_path / "previous", _previous())
    shrunk = _previous()
    del shrunk["logs"]["Resources"]["LogBucket"]
    current = _assembly(tmp_path / "current", shrunk)
    arguments = ["--previous", str(previous), "--current", str(current)]
    assert main(arguments) == 1
    assert "FAIL: logs: LogBucket (AWS::S3::Bucket) is removed" in capsys.readouterr().out
    assert main([*arguments, "--accept", "logs:LogBucket"]) == 0
    assert "accepted: logs: LogBucket" in capsys.readouterr().out
    # An acceptance that matches nothing is a typo, not a pass.
    assert main([*arguments, "--accept", "logs:LogBucket", "--accept", "logs:Nope"]) == 1
    assert "--accept logs:Nope: no such change" in capsys.readouterr().err
    assert main(["--previous", str(tmp_path / "missing"), "--current", str(current)]) == 2
    assert "missing: not a directory" in capsys.readouterr().err


def test_a_key_spec_change_fails() -> None:
    # Not create-only in the registry schema, yet CloudFormation cannot change it in place.
    def edit(t: dict[str, Any]) -> None:
        t["logs"]["Resources"]["LogKey"]["Properties"]["KeySpec"] = "RSA_4096"

    (change,) = _changes(edit)
    assert change.logical_id == "LogKey"
    assert change.change == "cannot change in place: KeySpec changes"


@pytest.mark.parametrize("policy", ["DeletionPolicy", "UpdateReplacePolicy"])
def test_a_weakened_retention_policy_fails(policy: str) -> None:
    previous = _previous()
    previous["logs"]["Resources"]["LogBucket"][policy] = "Retain"
    current = copy.deepcopy(previous)
    current["logs"]["Resources"]["LogBucket"][policy] = "Delete"
    (change,) = stateful_changes(previous, current)
    assert change.change.startswith(f"loses its {policy} Retain")
    kept = copy.deepcopy(previous)
    kept["logs"]["Resources"]["LogBucket"][policy] = "Snapshot"
    assert stateful_changes(previous, kept) == []


def _stack_set(ous: list[str], regions: list[str]) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudFormation::StackSet",
        "Properties": {
            "StackSetName": "baseline",
            "PermissionModel": "SERVICE_MANAGED",
            "StackInstancesGroup": [
                {
                    "DeploymentTargets": {
                        "AccountFilterType": "NONE",
                        "OrganizationalUnitIds": [{"Ref": ou} for ou in ous],
                    },
                    "Regions": regions,
                }
            ],
        },
    }


@pytest.mark.parametrize(
    ("ous", "regions", "dropped"),
    [
        (["OuSecurity", "OuWorkloads"], ["eu-west-1"], "eu-central-1"),
        (["OuSecurity"], ["eu-west-1", "eu-central-1"], "OuWorkloads"),
    ],
)
def test_a_stack_set_losing_targets_fails(ous: list[str], regions: list[str], dropped: str) -> None:
    previous = {
        "s": {
            "Resources": {
                "Baseline": _stack_set(["OuSecurity", "OuWorkloads"], ["eu-west-1", "eu-central-1"])
            }
        }
    }
    current = {"s": {"Resources": {"Baseline": _stack_set(ous, regions)}}}
    (change,) = stateful_changes(previous, current)
    assert change.change.startswith("deletes stack instances (")
    assert dropped in change.change
    # More targets or regions create instances and delete none.
    wider = {
        "s": {
            "Resources": {
                "Baseline": _stack_set(
                    ["OuSecurity", "OuWorkloads", "OuAi"],
                    ["eu-west-1", "eu-central-1", "us-east-1"],
                )
            }
        }
    }
    assert stateful_changes(previous, wider) == []
