"""The attack-simulation suite (issue 14): every scenario of scenarios.yaml evaluated by
@cloud-copilot/iam-simulate over the policies of the synthesized reference app."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import ReferenceApp
from engine import Outcome, Scenario, load_scenarios, load_scenarios_from_text, run
from world import ALLOW_ALL, World, build_world

SCENARIOS = load_scenarios()

# Raw simulations that check the runner itself: an explicit deny must deny and a plain allow must
# allow, so a runner that answers the same thing for everything fails.
_DENY_S3: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}],
}
_PRINCIPAL = "arn:aws:iam::123456789012:role/probe"


def _probe(action: str, policies: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "request": {
            "principal": _PRINCIPAL,
            "action": action,
            "resource": {"resource": "arn:aws:s3:::probe-bucket", "accountId": "123456789012"},
            "contextVariables": {"aws:PrincipalArn": _PRINCIPAL},
        },
        "identityPolicies": policies,
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
    }


PROBES = {
    "probe:explicit-deny": _probe(
        "s3:DeleteBucket",
        [{"name": "all", "policy": ALLOW_ALL}, {"name": "deny", "policy": _DENY_S3}],
    ),
    "probe:allow": _probe("s3:ListBucket", [{"name": "all", "policy": ALLOW_ALL}]),
    "probe:implicit-deny": _probe("s3:ListBucket", []),
}


@pytest.fixture(scope="session")
def world(reference_app: ReferenceApp) -> World:
    return build_world(reference_app.config, reference_app.assembly_dir)


@pytest.fixture(scope="session")
def outcomes(world: World) -> dict[str, Outcome]:
    return run(world, SCENARIOS, PROBES)


def _param(scenario: Scenario) -> Any:
    marks = []
    if scenario.open:
        marks.append(pytest.mark.xfail(strict=True, reason=f"open: {scenario.open}"))
    return pytest.param(scenario, id=scenario.id, marks=marks)


@pytest.mark.parametrize("scenario", [_param(s) for s in SCENARIOS])
def test_scenario(scenario: Scenario, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[scenario.id]
    assert outcome.decision != "error", json.dumps(outcome.detail, indent=1)[:3000]
    assert outcome.decision == scenario.expect, (
        f"{scenario.persona} {scenario.action} in {scenario.account}/{scenario.region}: "
        f"{outcome.raw}, expected {scenario.expect}; decisive statements: "
        + json.dumps(outcome.detail.get("decisive"), indent=1)[:3000]
    )


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.context], ids=lambda s: s.id)
def test_scenario_context_keys_apply_to_the_action(
    scenario: Scenario, outcomes: dict[str, Outcome]
) -> None:
    """A context key the action does not support is dropped by the simulator, as by AWS: a
    scenario that relies on one would test nothing."""
    ignored = set(outcomes[scenario.id].detail.get("ignoredContextKeys", []))
    assert not ignored & set(scenario.context), sorted(ignored & set(scenario.context))


def test_an_open_scenario_is_a_strict_expected_failure() -> None:
    """So the day its fix lands, the unexpected pass fails the run and says to remove ``open``."""
    (scenario,) = load_scenarios_from_text(
        "scenarios: [{id: x, persona: MA, account: sandbox, region: eu-west-1,"
        " action: s3:ListBucket, resource: 'arn:aws:s3:::b', expect: denied, covers: [E1],"
        " open: not yet}]"
    )
    (mark,) = _param(scenario).marks
    assert mark.name == "xfail"
    assert mark.kwargs == {"strict": True, "reason": "open: not yet"}


def test_suite_is_large_enough_on_both_sides() -> None:
    attacks = [s for s in SCENARIOS if s.attack]
    legitimate = [s for s in SCENARIOS if not s.attack]
    assert len(attacks) >= 60
    assert len(legitimate) >= 15


def test_every_escape_and_class_has_a_scenario() -> None:
    covered = {
        c.split(":", 1)[0] if c.startswith("namespace") else c for s in SCENARIOS for c in s.covers
    }
    escapes = {f"E{i}" for i in range(1, 15)}
    classes = {
        "namespace",
        "data-stays-inside",
        "credentials-stay-inside",
        "management-outside-scps",
        "one-deployer",
    }
    assert escapes | classes <= covered, sorted((escapes | classes) - covered)


def test_simulator_denies_an_explicit_deny_and_allows_an_allow(
    outcomes: dict[str, Outcome],
) -> None:
    assert outcomes["probe:explicit-deny"].raw == "ExplicitlyDenied"
    assert outcomes["probe:allow"].raw == "Allowed"
    assert outcomes["probe:implicit-deny"].raw == "ImplicitlyDenied"
