"""delivery.stackset_operations: validated in the config, carried into every StackSet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_cdk import App, CfnWaitConditionHandle, Environment, Stack
from aws_cdk.assertions import Template
from cdk_stacksets import RegionConcurrencyType, StackSetStack

from landing_zone.baseline import BaselineStackSet
from landing_zone.config import ConfigError, parse_config
from landing_zone.config.model import StackSetOperationsConfig

MINIMAL = Path(__file__).with_name("minimal-landing-zone.yaml")
CDK_CONTEXT = json.loads((Path(__file__).parents[2] / "cdk.json").read_text())["context"]
MANAGEMENT = Environment(account="111111111111", region="eu-west-1")
REGIONS = ("eu-west-1", "eu-central-1", "us-east-1")


def _config(delivery: dict[str, Any] | None) -> str:
    data = yaml.safe_load(MINIMAL.read_text())
    if delivery is not None:
        data["delivery"] = delivery
    return yaml.safe_dump(data, sort_keys=False)


def _operations(**fields: Any) -> StackSetOperationsConfig:
    return parse_config(
        _config({"stackset_operations": fields}), "landing-zone.yaml"
    ).delivery.stackset_operations


def _preferences(regions: tuple[str, ...] = REGIONS, **props: Any) -> dict[str, Any]:
    stack = Stack(App(context=CDK_CONTEXT), "Baselines", env=MANAGEMENT)
    template = StackSetStack(stack, "Template")
    CfnWaitConditionHandle(template, "Placeholder")
    BaselineStackSet(
        stack,
        "StackSet",
        baseline=template,
        target_organizational_unit_ids=["ou-ab12-cdef3456"],
        regions=regions,
        **props,
    )
    (resource,) = (
        Template.from_stack(stack).find_resources("AWS::CloudFormation::StackSet").values()
    )
    preferences: dict[str, Any] = resource["Properties"]["OperationPreferences"]
    return preferences


def test_defaults_are_the_constructs_defaults() -> None:
    operations = parse_config(_config(None), "landing-zone.yaml").delivery.stackset_operations
    assert operations.stack_set_props() == {
        "max_concurrent_percentage": 25,
        "failure_tolerance_percentage": 10,
        "region_concurrency": RegionConcurrencyType.PARALLEL,
        "region_order": (),
    }
    # The same template as a StackSet built without them: a config without the section
    # changes nothing that is deployed.
    assert _preferences(**operations.stack_set_props()) == _preferences()


def test_config_preferences_reach_the_synthesized_stack_set() -> None:
    operations = _operations(
        max_concurrent_percentage=50,
        failure_tolerance_percentage=0,
        region_concurrency="SEQUENTIAL",
        region_order=["us-east-1", "ap-southeast-2"],
    )
    assert _preferences(**operations.stack_set_props()) == {
        "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
        "FailureTolerancePercentage": 0,
        "MaxConcurrentPercentage": 50,
        "RegionConcurrencyType": "SEQUENTIAL",
        # The listed regions first, a region this StackSet does not target skipped, then its
        # other regions in their order.
        "RegionOrder": ["us-east-1", "eu-west-1", "eu-central-1"],
    }


def test_sequential_without_an_order_follows_the_regions() -> None:
    operations = _operations(region_concurrency="SEQUENTIAL")
    preferences = _preferences(
        regions=("eu-central-1", "eu-west-1"), **operations.stack_set_props()
    )
    assert preferences["RegionOrder"] == ["eu-central-1", "eu-west-1"]


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        (
            {"max_concurrent_percentage": 0},
            "max_concurrent_percentage",
            "greater than or equal to 1",
        ),
        (
            {"max_concurrent_percentage": 101},
            "max_concurrent_percentage",
            "less than or equal to 100",
        ),
        ({"max_concurrent_percentage": "50"}, "max_concurrent_percentage", 'received "50"'),
        ({"failure_tolerance_percentage": -1}, "failure_tolerance_percentage", "greater than or"),
        ({"failure_tolerance_percentage": 101}, "failure_tolerance_percentage", "less than or"),
        ({"region_concurrency": "sequential"}, "region_concurrency", "'PARALLEL' or 'SEQUENTIAL'"),
        ({"region_order": ["eu-west-9"]}, "region_order[0]", "is not an AWS region name"),
        (
            {"region_order": ["eu-west-1"]},
            "region_order",
            "is set while region_concurrency is PARALLEL; allowed: a region order with "
            "region_concurrency SEQUENTIAL only",
        ),
        (
            {"region_concurrency": "SEQUENTIAL", "region_order": ["eu-west-1", "eu-west-1"]},
            "region_order",
            "lists eu-west-1 more than once; allowed: each region once",
        ),
        ({"max_concurrency": 50}, "max_concurrency", "unknown key 'max_concurrency'; allowed keys"),
    ],
)
def test_rejects_impossible_operation_preferences(
    fields: dict[str, Any], path: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _operations(**fields)
    text = str(raised.value)
    assert text.startswith("landing-zone.yaml: invalid landing zone config (1 problem)"), text
    assert f"delivery.stackset_operations.{path} (line " in text, text
    assert message in text, text


def test_rejects_a_delivery_key_it_does_not_know() -> None:
    with pytest.raises(
        ConfigError, match=r"delivery\.stackset_operation \(line \d+\): unknown key"
    ):
        parse_config(_config({"stackset_operation": {}}), "landing-zone.yaml")


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"region_order": ["eu-west-1"]},
            r"region_order: got \['eu-west-1'\] with region_concurrency PARALLEL; allowed: a "
            "region order with SEQUENTIAL only",
        ),
        (
            {"region_order": ["Europe"], "region_concurrency": RegionConcurrencyType.SEQUENTIAL},
            "region_order: 'Europe' is not a region name",
        ),
    ],
)
def test_construct_rejects_an_impossible_region_order(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _preferences(**props)
