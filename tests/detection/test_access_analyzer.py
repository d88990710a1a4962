"""AccessAnalyzers: organization analyzers for external and unused access."""

from __future__ import annotations

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.compliance import violations
from landing_zone.detection.access_analyzer import AccessAnalyzers

EXTERNAL = {"Type": "ORGANIZATION", "AnalyzerName": "organization-external-access"}


def _unused(days: int) -> dict[str, object]:
    return {
        "Type": "ORGANIZATION_UNUSED_ACCESS",
        "AnalyzerName": "organization-unused-access",
        "AnalyzerConfiguration": {"UnusedAccessConfiguration": {"UnusedAccessAge": days}},
    }


def _stack() -> Stack:
    return Stack(
        App(context=cdk_context()),
        "SecurityTooling",
        env=Environment(account="333333333333", region="eu-west-1"),
    )


def _analyzers(stack: Stack) -> list[dict[str, object]]:
    resources = Template.from_stack(stack).find_resources("AWS::AccessAnalyzer::Analyzer")
    return sorted((r["Properties"] for r in resources.values()), key=lambda p: str(p["Type"]))


def test_defaults_create_both_analyzers_with_90_days() -> None:
    stack = _stack()
    analyzers = AccessAnalyzers(stack, "AccessAnalyzers")
    assert _analyzers(stack) == [EXTERNAL, _unused(90)]
    assert analyzers.external is not None
    assert analyzers.unused is not None
    assert analyzers.external.node.id == "ExternalAccess"
    assert analyzers.unused.node.id == "UnusedAccess"


def test_external_only_outside_the_home_region() -> None:
    stack = _stack()
    analyzers = AccessAnalyzers(stack, "AccessAnalyzers", unused=False)
    assert _analyzers(stack) == [EXTERNAL]
    assert analyzers.unused is None


def test_unused_only_with_its_own_age() -> None:
    stack = _stack()
    analyzers = AccessAnalyzers(stack, "AccessAnalyzers", external=False, unused_access_age_days=30)
    assert _analyzers(stack) == [_unused(30)]
    assert analyzers.external is None


@pytest.mark.parametrize("days", [1, 365])
def test_accepts_the_limits_of_the_unused_access_age(days) -> None:
    stack = _stack()
    AccessAnalyzers(stack, "AccessAnalyzers", unused_access_age_days=days)
    assert _analyzers(stack)[1] == _unused(days)


def test_compliance_zero_findings() -> None:
    stack = _stack()
    AccessAnalyzers(stack, "AccessAnalyzers")
    assert violations(stack) == {}


def test_rejects_neither_analyzer() -> None:
    with pytest.raises(ValueError, match=r"creates nothing with external=False and unused=False"):
        AccessAnalyzers(_stack(), "AccessAnalyzers", external=False, unused=False)


@pytest.mark.parametrize("days", [0, 366, -90])
def test_rejects_an_unused_access_age_outside_1_to_365(days) -> None:
    with pytest.raises(
        ValueError, match=rf"unused_access_age_days must be 1 to 365 days, got {days}"
    ):
        AccessAnalyzers(_stack(), "AccessAnalyzers", unused_access_age_days=days)
