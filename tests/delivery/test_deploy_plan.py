"""scripts/deploy.py: the deployment order of a cloud assembly, the deployment itself (with a
stand-in CDK CLI that records its calls), and the deployer role read from the config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_CONFIG

from scripts import deploy

REPO = Path(__file__).parents[2]
CDK = REPO / "node_modules" / ".bin" / "cdk"
MINIMAL = Path(__file__).with_name("minimal-landing-zone.yaml")
# Not the defaults, so the reference StackSets show where they come from.
DELIVERY = """
delivery:
  stackset_operations:
    max_concurrent_percentage: 50
    failure_tolerance_percentage: 0
    region_concurrency: SEQUENTIAL
    region_order: [eu-central-1]
"""


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example organization with non-default StackSet operation preferences, synthesized
    once by the real CDK CLI."""
    assert CDK.exists(), f"{CDK} not found: run scripts/bootstrap.sh"
    folder = tmp_path_factory.mktemp("reference")
    text = EXAMPLE_CONFIG.read_text()
    assert "\ndelivery:" not in text, "the fixture sets delivery already; merge DELIVERY into it"
    config = folder / "landing-zone.yaml"
    config.write_text(text + DELIVERY)
    out = folder / "cdk.out"
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), str(CDK.parent), env["PATH"]])
    result = subprocess.run(
        [str(CDK), "synth", "--quiet", "-c", f"config={config}", "-o", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    return out


def _stack_dependencies(out: Path) -> dict[str, list[str]]:
    artifacts = json.loads((out / "manifest.json").read_text())["artifacts"]
    return {
        artifact_id: [
            dependency
            for dependency in artifact.get("dependencies", [])
            if artifacts[dependency]["type"] == "aws:cloudformation:stack"
        ]
        for artifact_id, artifact in artifacts.items()
        if artifact["type"] == "aws:cloudformation:stack"
    }


def test_reference_plan_deploys_every_stack_after_its_dependencies(reference: Path) -> None:
    dependencies = _stack_dependencies(reference)
    stacks = deploy.plan(reference)
    order = [stack.selector for stack in stacks]
    assert sorted(order) == sorted(dependencies)
    for position, name in enumerate(order):
        assert set(dependencies[name]) <= set(order[:position]), name
    assert {stack.selector: list(stack.after) for stack in stacks} == dependencies
    # The example organization's core chain, as the README tells it.
    for first, then in [
        ("acme-pay-organization", "acme-pay-accounts"),
        ("acme-pay-accounts", "acme-pay-log-archive"),
        ("acme-pay-log-archive", "acme-pay-baselines"),
        ("acme-pay-baselines", "acme-pay-security-tooling-eu-west-1"),
    ]:
        assert order.index(first) < order.index(then)
    assert [stack.selector for stack in deploy.plan(reference)] == order


def test_reference_stack_sets_carry_the_config_preferences(reference: Path) -> None:
    found = 0
    for template_path in sorted(reference.glob("*.template.json")):
        resources = json.loads(template_path.read_text()).get("Resources", {})
        for logical_id, resource in resources.items():
            if resource["Type"] != "AWS::CloudFormation::StackSet":
                continue
            found += 1
            properties = resource["Properties"]
            regions = [r for group in properties["StackInstancesGroup"] for r in group["Regions"]]
            expected = ["eu-central-1"] if "eu-central-1" in regions else []
            expected += [region for region in regions if region != "eu-central-1"]
            assert properties["OperationPreferences"] == {
                "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
                "FailureTolerancePercentage": 0,
                "MaxConcurrentPercentage": 50,
                "RegionConcurrencyType": "SEQUENTIAL",
                "RegionOrder": expected,
            }, (
                f"{template_path.name}: {logical_id}: stacks/ must pass "
                "**config.delivery.stackset_operations.stack_set_props() to BaselineStackSet"
            )
    assert found >= 2
    described = [s.describe() for stack in deploy.plan(reference) for s in stack.stack_sets]
    assert len(described) == found
    assert all(
        "max concurrent 50 %, failure tolerance 0 %, regions SEQUENTIAL (" in line
        for line in described
    ), described


def _stack(dependencies: Sequence[str] = (), name: str = "stack", **extra: Any) -> dict[str, Any]:
    return {
        "type": "aws:cloudformation:stack",
        "environment": "aws://111111111111/eu-west-1",
        "properties": {"templateFile": f"{name}.template.json"},
        "dependencies": list(dependencies),
        **extra,
    }


def _assembly(folder: Path, artifacts: Mapping[str, dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for artifact in artifacts.values():
        template = artifact.get("properties", {}).get("templateFile")
        if template:
            (folder / template).write_text(json.dumps({"Resources": {}}))
    manifest = {"version": "55.0.0", "artifacts": dict(artifacts)}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_ties_keep_the_order_the_app_wrote(tmp_path: Path) -> None:
    out = _assembly(
        tmp_path,
        {
            "d": _stack(["b", "c", "d.assets"], "d"),
            "d.assets": {"type": "cdk:asset-manifest", "properties": {"file": "d.assets.json"}},
            "c": _stack(["a"], "c"),
            "b": _stack(["a"], "b"),
            "e": _stack([], "e"),
            "a": _stack([], "a"),
        },
    )
    stacks = deploy.plan(out)
    assert [stack.selector for stack in stacks] == ["e", "a", "c", "b", "d"]
    assert stacks[-1].after == ("b", "c")


def test_stacks_of_a_stage_are_selected_by_their_hierarchical_id(tmp_path: Path) -> None:
    _assembly(
        tmp_path / "assembly-Prod",
        {
            "ProdNetwork": _stack(["ProdOrganization"], "net", displayName="Prod/Network"),
            "ProdOrganization": _stack([], "org", displayName="Prod/Organization"),
        },
    )
    out = _assembly(
        tmp_path,
        {
            "assembly-Prod": {
                "type": "cdk:cloud-assembly",
                "properties": {"directoryName": "assembly-Prod", "displayName": "Prod"},
            },
            "Tools": _stack([], "tools"),
        },
    )
    assert [stack.selector for stack in deploy.plan(out)] == [
        "Prod/Organization",
        "Prod/Network",
        "Tools",
    ]


def test_a_cycle_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _assembly(
        tmp_path,
        {
            "a": _stack(["c"], "a"),
            "b": _stack(["a"], "b"),
            "c": _stack(["b"], "c"),
            "d": _stack(["a"], "d"),
            "e": _stack([], "e"),
        },
    )
    message = (
        f"{out / 'manifest.json'}: the stacks depend on each other in a cycle, b -> c -> a -> b "
        "(a -> b: b needs a), so no order deploys them; remove one of those dependencies in the app"
    )
    with pytest.raises(deploy.DeployError) as raised:
        deploy.plan(out)
    assert str(raised.value) == message
    assert deploy.main([str(out), "--dry-run"]) == 1
    captured = capsys.readouterr()
    assert captured.err == f"error: {message}\n"
    assert captured.out == ""


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (None, "manifest.json: not found; expected a cloud assembly"),
        ("{\n  oops", r"manifest.json: not valid JSON \(line 2, column 3: "),
        ('{"artifacts": []}', "manifest.json: 'artifacts' is list; expected an object"),
        (
            json.dumps({"artifacts": {"a": _stack(["gone"], "a")}}),
            r"artifacts.a.dependencies: \['gone'\] are not artifacts of this manifest",
        ),
        (
            json.dumps({"artifacts": {"a": {"type": "aws:cloudformation:stack"}}}),
            "artifacts.a.properties.templateFile: missing",
        ),
        (
            json.dumps({"artifacts": {"tree": {"type": "cdk:tree"}}}),
            "manifest.json: the assembly holds no stacks",
        ),
    ],
)
def test_rejects_an_unusable_assembly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], write: str | None, message: str
) -> None:
    if write is not None:
        (tmp_path / "manifest.json").write_text(write)
    with pytest.raises(deploy.DeployError, match=message):
        deploy.plan(tmp_path)
    assert deploy.main([str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith(f"error: {tmp_path}")


def _recording_cdk(folder: Path, fail_on: str = "") -> tuple[Path, Path]:
    """A stand-in for the CDK CLI: records its arguments, fails for stack ``fail_on``."""
    log = folder / "calls.jsonl"
    cdk = folder / "cdk"
    cdk.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"with open({str(log)!r}, 'a') as log:\n"
        "    log.write(json.dumps(sys.argv[1:]) + '\\n')\n"
        f"sys.exit(3 if sys.argv[-1] == {fail_on!r} else 0)\n"
    )
    cdk.chmod(0o755)
    return cdk, log


def _calls(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def _chain(tmp_path: Path) -> Path:
    return _assembly(
        tmp_path / "cdk.out",
        {"b": _stack(["a"], "b"), "a": _stack([], "a"), "c": _stack(["b"], "c")},
    )


def test_deploys_each_stack_alone_from_the_assembly_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _chain(tmp_path)
    cdk, log = _recording_cdk(tmp_path)
    assert deploy.main([str(out), "--cdk", str(cdk)]) == 0
    assert _calls(log) == [
        ["deploy", "--app", str(out), "--require-approval", "never", "--exclusively", stack]
        for stack in ("a", "b", "c")
    ]
    assert "deployed 3 stacks" in capsys.readouterr().out


def test_stops_at_the_first_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _chain(tmp_path)
    cdk, log = _recording_cdk(tmp_path, fail_on="b")
    assert deploy.main([str(out), "--cdk", str(cdk)]) == 1
    assert [call[-1] for call in _calls(log)] == ["a", "b"]
    assert capsys.readouterr().err == "error: cdk deploy of b failed (exit 3); not deployed: c\n"


def test_dry_run_prints_the_plan_and_deploys_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _chain(tmp_path)
    cdk, log = _recording_cdk(tmp_path)
    assert deploy.main([str(out), "--dry-run", "--cdk", str(cdk)]) == 0
    assert _calls(log) == []
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Deployment plan of {out}: 3 stacks, one at a time, in this order"
    assert lines[1:4] == [
        "1. a  aws://111111111111/eu-west-1",
        "2. b  aws://111111111111/eu-west-1  after a",
        "3. c  aws://111111111111/eu-west-1  after b",
    ]


def test_deployer_role_from_the_config(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--deployer-role", "-c", str(EXAMPLE_CONFIG), "--environment", "landing-zone"]
    assert deploy.main([*argv, "--repository", "acme-pay/landing-zone"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "account-id=111111111111",
        "region=eu-west-1",
        "role-arn=arn:aws:iam::111111111111:role/lz-deployer",
        "session-seconds=3600",
    ]


@pytest.mark.parametrize(
    ("config", "argv", "message"),
    [
        (
            EXAMPLE_CONFIG,
            ["--repository", "acme-pay/Landing-Zone"],
            "identity.deployer.repository is 'acme-pay/landing-zone' but this workflow runs in "
            "'acme-pay/Landing-Zone'",
        ),
        (
            EXAMPLE_CONFIG,
            ["--environment", "production"],
            "the job's environment 'production' is not among them",
        ),
        (MINIMAL, [], "identity.deployer is not set"),
    ],
)
def test_deployer_role_refuses_a_caller_its_trust_would_refuse(
    capsys: pytest.CaptureFixture[str], config: Path, argv: list[str], message: str
) -> None:
    assert deploy.main(["--deployer-role", "-c", str(config), *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {config}: "), err
    assert message in err, err


def test_needs_either_an_assembly_or_deployer_role(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        deploy.main([])
    assert raised.value.code == 2
    assert "give either an assembly folder or --deployer-role" in capsys.readouterr().err
