"""asset_bucket_deployments: the copies of one StackSetStack's assets, found by name."""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import App, Environment, Names, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3_deployment as s3deploy
from cdk_stacksets import StackSetStack

from landing_zone.baseline.asset_bucket import import_asset_buckets
from landing_zone.baseline.asset_replication import asset_bucket_deployments

CDK_CONTEXT = json.loads((Path(__file__).parents[2] / "cdk.json").read_text())["context"]
PREFIX = "lz-baseline-assets-111111111111"
REGIONS = ("eu-central-1", "eu-west-1", "us-east-1")


def _baseline(stack: Stack, construct_id: str, code: Path, *, regions: int) -> StackSetStack:
    buckets = import_asset_buckets(stack, construct_id, PREFIX, REGIONS[:regions])
    baseline = StackSetStack(stack, construct_id, asset_buckets=buckets, asset_bucket_prefix=PREFIX)
    lambda_.Function(
        baseline,
        "Function",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_asset(str(code)),
    )
    return baseline


def _scanned(baseline: StackSetStack) -> list[str]:
    """Every BucketDeployment of the stack named for ``baseline``, child by child."""
    parent = baseline.node.scope
    assert parent is not None
    prefix = f"{Names.unique_id(baseline)}-AssetBucketDeployment-"
    return [
        child.node.id
        for child in Stack.of(parent).node.children
        if isinstance(child, s3deploy.BucketDeployment) and child.node.id.startswith(prefix)
    ]


def test_finds_exactly_the_copies_of_each_baseline(tmp_path: Path) -> None:
    (tmp_path / "index.py").write_text("def handler(event, context):\n    return None\n")
    stack = Stack(
        App(context=CDK_CONTEXT),
        "Defenses",
        env=Environment(account="111111111111", region="eu-west-1"),
    )
    # Ids that prefix one another, as account names do ("Payments", "Payments1"...).
    baselines = [
        _baseline(stack, "Payments", tmp_path, regions=1),
        _baseline(stack, "Payments1", tmp_path, regions=3),
        _baseline(stack, "Payments12", tmp_path, regions=2),
    ]
    without_assets = StackSetStack(
        stack,
        "NoAssets",
        asset_buckets=import_asset_buckets(stack, "NoAssets", PREFIX, REGIONS[:1]),
        asset_bucket_prefix=PREFIX,
    )

    found = {b.node.id: [d.node.id for d in asset_bucket_deployments(b)] for b in baselines}

    assert {b.node.id: _scanned(b) for b in baselines} == found
    assert [len(ids) for ids in found.values()] == [1, 3, 2]
    assert found["Payments1"] == [
        f"{Names.unique_id(baselines[1])}-AssetBucketDeployment-{index}" for index in range(3)
    ]
    assert asset_bucket_deployments(without_assets) == []
