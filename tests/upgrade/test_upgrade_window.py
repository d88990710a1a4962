"""Upgrading from the last release must not open a window in the controls.

CloudFormation cannot change the ``ServiceToken`` of a deployed custom resource ("Modifying
service token is not allowed"): a custom resource whose handler function is replaced (a new
logical id, or a new ``FunctionName``, which replaces the function and so changes its ARN) must
get a new logical id. CloudFormation then creates the new one during the update and deletes the
old one in the cleanup phase, running its delete path through the old function: that delete must
not switch a control off (an old Block Public Access call whose delete call disabled BPA would
leave every account open after the upgrade).

The release's templates are synthesized from ``git archive`` of ``RELEASED_COMMIT`` into a
temporary directory (never into the repository), the current ones by the ``reference_app``
fixture. Raise ``RELEASED_COMMIT`` at each release.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, ReferenceApp

RELEASED_COMMIT = "34745edc4521b91c588c2642c18b9088de3bc2c5"
"""The last released commit: deployed landing zones run its templates."""

_HARMLESS_DELETE_CALLS = {
    ("Macie2", "updateClassificationJob"): (
        "TrainingData cancels its replaced Macie job; the new job, with its own id, is created "
        "before the old one is cancelled, so scans never stop"
    ),
}
"""AwsCustomResource delete calls reviewed as switching no control off when the resource is
replaced. Every other delete call on a replaced resource fails the test until reviewed."""

_CONTROL_OFF_ON_DELETE = {
    "Custom::VpcRestrictDefaultSG": (
        "aws-cdk-lib's handler grants the default security group's rules back on delete"
    ),
}
"""Custom resource types whose delete path switches their control off. ``Custom::AWS`` and
``Custom::CDKBucketDeployment`` are judged by their properties; any other type fails until
its delete path is reviewed."""

_SYNTH_DRIVER = """
import sys
from aws_cdk import App
from landing_zone.config import load_config
from stacks import build_landing_zone

app = App(outdir=sys.argv[1], context={context!r})
build_landing_zone(app, load_config("config/landing-zone.yaml"))
app.synth()
"""


@dataclass(frozen=True)
class CustomResource:
    template: str
    logical_id: str
    path: str
    type: str
    properties: Mapping[str, Any]
    service_token: str
    """The handler as CloudFormation sees it: the referenced function's logical id and name."""


@pytest.fixture(scope="module")
def released_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference app of ``RELEASED_COMMIT``, synthesized without its check packs (they
    passed at release), with the current virtualenv."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs the git history of the repository")
    found = subprocess.run(
        ["git", "cat-file", "-e", f"{RELEASED_COMMIT}^{{commit}}"], cwd=REPO, check=False
    )
    if found.returncode != 0:
        pytest.skip(f"the released commit {RELEASED_COMMIT} is not in this clone")
    source = tmp_path_factory.mktemp("released")
    archive = source / "source.tar"
    subprocess.run(
        ["git", "archive", "--format=tar", "-o", str(archive), RELEASED_COMMIT],
        cwd=REPO,
        check=True,
    )
    with tarfile.open(archive) as tar:
        tar.extractall(source, filter="data")
    context = json.loads((source / "cdk.json").read_text())["context"]
    outdir = source / "cdk.out"
    # The script's directory comes first on sys.path, before the editable install of the
    # current checkout, so the released packages are the ones imported.
    (source / "synth_released.py").write_text(_SYNTH_DRIVER.format(context=context))
    subprocess.run(
        [sys.executable, "synth_released.py", str(outdir)],
        cwd=source,
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("CDK_")},
    )
    return outdir


def _templates(directory: Path) -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text()) for path in directory.glob("*.template.json")}


def _custom_resources(name: str, template: Mapping[str, Any]) -> Iterator[CustomResource]:
    resources = template.get("Resources", {})
    for logical_id, resource in resources.items():
        kind = resource["Type"]
        if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
            properties = resource.get("Properties", {})
            yield CustomResource(
                template=name,
                logical_id=logical_id,
                path=resource.get("Metadata", {}).get("aws:cdk:path", logical_id),
                type=kind,
                properties=properties,
                service_token=_service_token(properties.get("ServiceToken"), resources),
            )


def _service_token(token: Any, resources: Mapping[str, Any]) -> str:
    """A function's ARN changes when the function is replaced: when its logical id or its
    ``FunctionName`` changes."""
    if isinstance(token, dict) and "Fn::GetAtt" in token:
        target = token["Fn::GetAtt"][0]
        function = resources.get(target, {})
        name = function.get("Properties", {}).get("FunctionName")
        return json.dumps([target, name], sort_keys=True)
    return json.dumps(token, sort_keys=True)


def _delete_problem(resource: CustomResource) -> str | None:
    """Why deleting ``resource`` (its released version) could switch a control off, or None."""
    if resource.type == "Custom::AWS":
        delete = resource.properties.get("Delete")
        if delete is None:
            return None  # AwsCustomResource makes no call on delete without one.
        call = json.loads(_text(delete))
        if (call["service"], call["action"]) in _HARMLESS_DELETE_CALLS:
            return None
        return f"its delete call {call['service']}.{call['action']} is not reviewed as harmless"
    if resource.type == "Custom::CDKBucketDeployment":
        # Retained by default: the old deployment leaves the objects it copied in place.
        if resource.properties.get("RetainOnDelete", True) in (True, "true"):
            return None
        return "its delete removes the copied objects (RetainOnDelete false)"
    return _CONTROL_OFF_ON_DELETE.get(
        resource.type, f"the delete path of {resource.type} is not reviewed"
    )


def _text(value: Any) -> str:
    """An SDK call as written (``Fn::Join`` of literals and references)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_text(part) for part in parts)
    return "reference"  # Inside a JSON string value: only the call's service and action count.


@pytest.fixture(scope="module")
def released(released_dir: Path) -> dict[str, dict[str, Any]]:
    return _templates(released_dir)


@pytest.fixture(scope="module")
def current(reference_app: ReferenceApp) -> dict[str, dict[str, Any]]:
    return _templates(reference_app.assembly_dir)


def _replaced(
    released: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]
) -> list[tuple[CustomResource, CustomResource | None]]:
    """Released custom resources whose logical id is gone, each with its successor (the
    current custom resource at the same construct path) if any."""
    pairs: list[tuple[CustomResource, CustomResource | None]] = []
    for name, template in released.items():
        now = list(_custom_resources(name, current.get(name, {})))
        ids = {r.logical_id for r in now}
        for old in _custom_resources(name, template):
            if old.logical_id not in ids:
                pairs.append((old, next((r for r in now if _succeeds(r, old)), None)))
    return pairs


def _succeeds(new: CustomResource, old: CustomResource) -> bool:
    """Same construct path; StackSet templates carry no paths, so there the logical id with a
    suffix (``AwsSdkCallHandler`` ``logical_id_suffix``)."""
    if old.path != old.logical_id:
        return new.path == old.path
    return new.logical_id.startswith(old.logical_id)


def test_no_custom_resource_changes_its_service_token_in_place(
    released: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]
) -> None:
    in_place = [
        f"{old.template}: {old.logical_id}"
        for name, template in released.items()
        for old in _custom_resources(name, template)
        for new in _custom_resources(name, current.get(name, {}))
        if new.logical_id == old.logical_id and new.service_token != old.service_token
    ]
    assert in_place == [], "give these a new logical id (AwsSdkCallHandler logical_id_suffix)"


def test_replaced_custom_resources_switch_no_control_off_on_delete(
    released: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]
) -> None:
    problems = [
        f"{old.template}: {old.logical_id}: {problem}"
        for old, _ in _replaced(released, current)
        if (problem := _delete_problem(old)) is not None
    ]
    assert problems == []


def test_renamed_handlers_move_their_calls_to_new_logical_ids(
    released: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]
) -> None:
    """The named SDK-call handlers of this release replace the released generated-name ones:
    every call of the baseline StackSet and of the core stacks moves, and its successor makes
    the same call on create, so the setting is applied again before the old one is deleted."""
    moved = {
        (old.template, old.path): new
        for old, new in _replaced(released, current)
        # The per-account Macie member calls have no successor: one list-driven enrolment per
        # region took their place, and their release makes no call (no Delete).
        if old.type == "Custom::AWS" and not old.template.startswith("acme-pay-macie-members-")
    }
    baseline = [
        new for (template, _), new in moved.items() if template.endswith(".stackset.template.json")
    ]
    assert any("S3AccountPublicAccessBlock" in key[1] for key in moved)
    assert baseline, "the baseline StackSet's calls move to the named function"
    for (template, path), new in moved.items():
        assert new is not None, f"{template}: {path} has no successor"
        assert new.properties.get("Create") == new.properties.get("Update"), path


@pytest.mark.parametrize(
    ("properties", "kind", "harmless"),
    [
        ({}, "Custom::AWS", True),
        (
            {"Delete": '{"service":"S3Control","action":"deletePublicAccessBlock"}'},
            "Custom::AWS",
            False,
        ),
        (
            {"Delete": '{"service":"Macie2","action":"updateClassificationJob"}'},
            "Custom::AWS",
            True,
        ),
        ({}, "Custom::VpcRestrictDefaultSG", False),
        ({}, "Custom::CDKBucketDeployment", True),
        ({"RetainOnDelete": False}, "Custom::CDKBucketDeployment", False),
        ({}, "Custom::Unknown", False),
    ],
)
def test_delete_paths_are_judged(properties: dict[str, Any], kind: str, harmless: bool) -> None:
    resource = CustomResource("t", "Id", "p", kind, properties, "token")
    assert (_delete_problem(resource) is None) is harmless
