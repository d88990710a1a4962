"""Shared fixtures: the reference landing zone, built once per test session.

The library tests run on the example organization of ``tests/fixtures/landing-zone.yaml``, never
on ``config/landing-zone.yaml``: that one is the team's own config, which changes with every day-2
change and is checked by ``scripts/check_config.sh``. Opening it from a test fails the test.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnElement, Stack
from constructs import Construct

from landing_zone.config import LandingZoneConfig, load_config
from stacks import build_landing_zone

REPO = Path(__file__).parents[1]
EXAMPLE_CONFIG = Path(__file__).parent / "fixtures" / "landing-zone.yaml"
"""The example organization every library test runs on (a fixture, not the team's config)."""
TEAM_CONFIG = REPO / "config" / "landing-zone.yaml"
"""The team's own config: checked by scripts/check_config.sh, never read by a test."""


class TeamConfigReadError(RuntimeError):
    """A test opened the team's config."""


def _refuse_the_team_config(event: str, args: tuple[Any, ...]) -> None:
    # An audit hook sees every open, including those of library code a test calls (a script's
    # default config, a generator's reference): a grep of the tests would miss those.
    if event != "open" or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    path = os.fsdecode(args[0])
    if path.endswith("landing-zone.yaml") and Path(path).resolve() == TEAM_CONFIG:
        raise TeamConfigReadError(
            f"a test opened {TEAM_CONFIG.relative_to(REPO)}, the team's own config: the library "
            f"tests run on {EXAMPLE_CONFIG.relative_to(REPO)} (conftest.EXAMPLE_CONFIG); the "
            "team's config is checked by scripts/check_config.sh"
        )


# Audit hooks cannot be removed: installed once, when pytest imports this conftest.
sys.addaudithook(_refuse_the_team_config)


@dataclass(frozen=True)
class ReferenceApp:
    config: LandingZoneConfig
    app: App
    stacks: dict[str, Stack]
    assembly_dir: Path

    def template(self, stack_name: str) -> dict[str, Any]:
        return json.loads((self.assembly_dir / f"{stack_name}.template.json").read_text())


def cdk_context() -> dict[str, Any]:
    """The context of cdk.json (feature flags): tests synthesize exactly as the CLI does."""
    context: dict[str, Any] = json.loads((REPO / "cdk.json").read_text())["context"]
    return context


@pytest.fixture(scope="session", autouse=True)
def _generated_organizations_grow_from_the_fixture() -> Iterator[None]:
    """``scripts/generate_org.py`` derives its organizations from a reference config, by default
    the team's: the tests derive them from the fixture."""
    from scripts import generate_org

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(generate_org, "REFERENCE_CONFIG", EXAMPLE_CONFIG)
        yield


@pytest.fixture(scope="session")
def example_config() -> LandingZoneConfig:
    return load_config(EXAMPLE_CONFIG)


@pytest.fixture(scope="session")
def reference_app(
    example_config: LandingZoneConfig, tmp_path_factory: pytest.TempPathFactory
) -> ReferenceApp:
    outdir = tmp_path_factory.mktemp("cdk.out")
    # As app.py builds it: cfn-lint, not CDK's built-in validation, checks the templates.
    app = App(outdir=str(outdir), context=cdk_context(), builtin_cloud_formation_validation=False)
    stacks = build_landing_zone(app, example_config)
    # Check packs run per stack in the compliance tests, where a finding names its stack.
    assembly = app.synth()
    return ReferenceApp(
        example_config, app, {s.stack_name: s for s in stacks}, Path(assembly.directory)
    )


_HASH = re.compile(r"[0-9a-f]{64}")


def normalized(template: dict[str, Any]) -> dict[str, Any]:
    """The template with asset hashes masked, so snapshots change only when the design does."""
    return json.loads(_HASH.sub("<asset-hash>", json.dumps(template)))


def logical_id_of(construct: Construct) -> str:
    """The logical id of ``construct``, or of its (nested) default child."""
    while not isinstance(construct, CfnElement):
        child = construct.node.default_child
        assert child is not None, construct.node.path
        construct = child
    return str(Stack.of(construct).resolve(construct.logical_id))


def template_text(value: Any) -> str:
    """A rendered ``Fn::Join`` as text, ``Ref`` as ``${Name}`` and ``Fn::GetAtt`` as
    ``${Name.Attribute}``."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "${" + str(value["Ref"]) + "}"
    if "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    delimiter, parts = value["Fn::Join"]
    return str(delimiter).join(template_text(part) for part in parts)


def sdk_call(resources: dict[str, dict[str, Any]], construct: Construct) -> dict[str, Any]:
    """The create call of the ``AwsCustomResource`` ``construct``, checked equal to its update
    call and without a delete call: the landing zone's SDK calls are one-way, so deleting the
    construct leaves the setting in place."""
    properties = resources[logical_id_of(construct)]["Properties"]
    create = json.loads(template_text(properties["Create"]))
    assert json.loads(template_text(properties["Update"])) == create
    assert "Delete" not in properties
    return dict(create)
