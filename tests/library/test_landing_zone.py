"""LandingZone: every stack from one config, into the App or a Stage of the caller's."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack, Stage
from conftest import cdk_context

from landing_zone import LandingZone
from landing_zone.config import LandingZoneConfig


@pytest.fixture(scope="module")
def staged(example_config: LandingZoneConfig) -> tuple[App, Stage, LandingZone]:
    # The feature flags of cdk.json, as a platform team's app would set them.
    app = App(context=cdk_context())
    Stack(app, "PlatformTeamStack")
    stage = Stage(app, "LandingZone")
    return app, stage, LandingZone(stage, config=example_config)


def test_builds_into_a_stage_of_the_callers_beside_other_stacks(
    staged: tuple[App, Stage, LandingZone], example_config: LandingZoneConfig
) -> None:
    app, stage, landing = staged
    assert [child.node.id for child in app.node.children] == ["PlatformTeamStack", "LandingZone"]
    assert {stack.node.scope for stack in landing.stacks} == {stage}
    prefix = f"{example_config.organization.name}-"
    assert all(stack.stack_name.startswith(prefix) for stack in landing.stacks)
    assert {stack.node.id for stack in landing.stacks} == {c.node.id for c in stage.node.children}


def test_stacks_are_in_an_order_cloudformation_can_deploy_one_by_one(
    staged: tuple[App, Stage, LandingZone],
) -> None:
    _, _, landing = staged
    deployed: set[Stack] = set()
    for stack in landing.stacks:
        missing = [d.stack_name for d in stack.dependencies if d not in deployed]
        assert not missing, f"{stack.stack_name} before {missing}"
        deployed.add(stack)
    assert len(deployed) == len(landing.stacks)


def test_layers_hold_every_stack_once(staged: tuple[App, Stage, LandingZone]) -> None:
    _, _, landing = staged
    network, identity = landing.network, landing.identity
    layers = [
        landing.organization.organization,
        *landing.organization.accounts,
        landing.logging.log_archive,
        landing.logging.trail,
        *landing.baselines.assets,
        landing.baselines.baselines,
        *landing.baselines.management,
        *landing.detection.security_tooling,
        *landing.detection.management_events,
        *landing.malware_protection,
        *network.networks,
        *network.workload_defenses,
        *([network.workload_shapes] if network.workload_shapes else []),
        *([identity.permission_sets] if identity.permission_sets else []),
        *identity.assignments,
        *landing.delivery,
    ]
    assert sorted(s.stack_name for s in layers) == sorted(s.stack_name for s in landing.stacks)
    assert len(set(layers)) == len(layers)


def test_layer_dependencies_follow_the_documented_graph(
    staged: tuple[App, Stage, LandingZone],
) -> None:
    _, _, landing = staged
    log_archive = landing.logging.log_archive
    assert landing.organization.accounts_ready in log_archive.dependencies
    assert log_archive in landing.baselines.baselines.dependencies
    for tooling in landing.detection.security_tooling:
        assert landing.baselines.baselines in tooling.dependencies
    for defenses in landing.network.workload_defenses:
        assert set(landing.baselines.assets) <= set(defenses.dependencies)


def test_config_sections_name_the_config_a_stack_is_built_from(
    staged: tuple[App, Stage, LandingZone],
) -> None:
    _, _, landing = staged
    assert LandingZone.config_sections_of(landing.logging.log_archive) == ("logging",)
    assert "identity" in LandingZone.config_sections_of(landing.delivery[0])
    assert LandingZone.config_sections_of(Stack(App(), "Other")) == ()


def test_rejects_a_stage_that_already_has_constructs(example_config: LandingZoneConfig) -> None:
    app = App(context=cdk_context())
    Stack(app, "PlatformTeamStack")
    with pytest.raises(ValueError, match=r"\(PlatformTeamStack\).*a Stage of its own"):
        LandingZone(app, config=example_config)


def test_rejects_an_app_without_the_feature_flags_the_constructs_need(
    example_config: LandingZoneConfig,
) -> None:
    with pytest.raises(ValueError, match=r"serverAccessLogsUseBucketPolicy must be true"):
        LandingZone(App(), config=example_config)
