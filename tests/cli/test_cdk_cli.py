"""The real CDK CLI against app.py: config selection, clean config errors, fail-closed checks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG

REPO = Path(__file__).parents[2]
CDK = REPO / "node_modules" / ".bin" / "cdk"


@pytest.fixture(autouse=True)
def _cdk_cli_installed() -> None:
    # A failure, not a skip: scripts/test.sh installs the CLI first, so a missing CLI is a
    # broken setup that must not pass silently.
    assert CDK.exists(), f"{CDK} not found: run scripts/bootstrap.sh"


def cdk(
    *args: str, cwd: Path = REPO, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(extra_env or {})}
    # The virtualenv's Node 24 and python3 must come first, as scripts/synth.sh arranges.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), str(CDK.parent), env["PATH"]])
    return subprocess.run(
        [str(CDK), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    target = tmp_path / "landing-zone.yaml"
    shutil.copy(EXAMPLE_CONFIG, target)
    return target


def _repo_cdk_out() -> tuple[bool, float]:
    out = REPO / "cdk.out"
    return out.exists(), out.stat().st_mtime if out.exists() else 0.0


def test_ls_with_a_config_path_relative_to_the_current_directory(
    config_copy: Path, tmp_path: Path
) -> None:
    text = config_copy.read_text().replace("name: acme-pay", "name: beta-pay")
    config_copy.write_text(text)
    relative = os.path.relpath(config_copy, REPO)
    before = _repo_cdk_out()
    # cdk ls synthesizes too: into a temporary directory, never the repository's cdk.out.
    result = cdk(
        "ls",
        "-c",
        f"config={relative}",
        "-o",
        str(tmp_path / "out"),
        extra_env={"LZ_PROGRESS": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert _repo_cdk_out() == before, "cdk ls wrote into the repository's cdk.out"
    # Progress, as a terminal would show it, on stderr only (stdout is the list of stacks).
    assert f"config: reading {relative}" in result.stderr
    assert "build: building the stacks of" in result.stderr
    assert "stacks built; writing their templates" in result.stderr
    assert "stacks, no unacknowledged findings" in result.stderr
    assert (tmp_path / "out" / "beta-pay-organization.template.json").exists()
    # The stacks of the config's organization (their order is the composition's business).
    assert sorted(result.stdout.split()) == sorted(
        [
            "beta-pay-organization",
            "beta-pay-accounts",
            "beta-pay-baseline-assets-eu-west-1",
            "beta-pay-baseline-assets-eu-central-1",
            "beta-pay-baseline-assets-us-east-1",
            "beta-pay-baselines",
            "beta-pay-log-archive",
            "beta-pay-organization-trail",
            *(
                f"beta-pay-management-baseline-{r}"
                for r in ("eu-west-1", "eu-central-1", "us-east-1")
            ),
            *(f"beta-pay-security-tooling-{r}" for r in ("eu-west-1", "eu-central-1", "us-east-1")),
            "beta-pay-management-events",
            *(
                f"beta-pay-management-events-forwarder-{r}"
                for r in ("eu-central-1", "eu-west-1", "us-east-1")
            ),
            "beta-pay-malware-protection-payments-prod-eu-west-1",
            "beta-pay-network-eu-west-1",
            "beta-pay-network-eu-central-1",
            "beta-pay-workload-defenses",
            "beta-pay-identity",
            "beta-pay-identity-assignments-01",
            "beta-pay-pipelines-shared-services",
        ]
    )


def test_bad_config_stops_synth_before_any_template(config_copy: Path, tmp_path: Path) -> None:
    config_copy.write_text(config_copy.read_text().replace("ou: Sandbox", "ou: Playground"))
    out = tmp_path / "out"
    result = cdk("synth", "--quiet", "-c", f"config={config_copy}", "-o", str(out))
    assert result.returncode != 0
    assert f"{config_copy}: invalid landing zone config" in result.stderr
    assert "accounts.sandbox.ou (line" in result.stderr
    assert 'received "Playground"' in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(out.glob("*.template.json"))


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    result = cdk("ls", "-c", f"config={tmp_path / 'nope.yaml'}", "-o", str(tmp_path / "out"))
    assert result.returncode != 0
    assert "cannot read the config file" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_finding_fails_synth(tmp_path: Path) -> None:
    app = f"{Path(sys.executable).name} {Path(__file__).parent / 'noncompliant_app.py'}"
    result = cdk("synth", "--quiet", "--app", app, "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "Fintech-StatefulResourceRetained" in output
    assert "Noncompliant/Unretained/Resource" in output


def _adopt_one_ou_twice(config: Path) -> None:
    text = config.read_text()
    for ou in ("Workloads", "AI"):
        text = text.replace(f"  {ou}: {{}}\n", f"  {ou}: {{id: ou-ab12-cd34ef56}}\n")
    assert text.count("ou-ab12-cd34ef56") == 2
    config.write_text(text)


def test_two_ous_adopting_one_id_are_a_config_error(config_copy: Path, tmp_path: Path) -> None:
    _adopt_one_ou_twice(config_copy)
    out = tmp_path / "out"
    result = cdk("synth", "--quiet", "-c", f"config={config_copy}", "-o", str(out))
    assert result.returncode != 0
    assert f"{config_copy}: invalid landing zone config (1 problem)" in result.stderr
    assert "organizational_units.AI.id (line" in result.stderr
    assert "is already the id of OU 'Workloads'" in result.stderr
    assert 'received "ou-ab12-cd34ef56"' in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(out.glob("*.template.json"))


def test_an_error_raised_while_building_is_reported_like_a_config_error(
    config_copy: Path, tmp_path: Path
) -> None:
    _adopt_one_ou_twice(config_copy)
    app = f"{Path(sys.executable)} {Path(__file__).parent / 'unchecked_app.py'}"
    out = tmp_path / "out"
    result = cdk("synth", "--quiet", "--app", app, "-c", f"config={config_copy}", "-o", str(out))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{config_copy}: invalid landing zone config (2 problems)" in result.stderr
    # The construct's words, at the fields holding the value it names, with their lines.
    for ou in ("Workloads", "AI"):
        assert f"organizational_units.{ou}.id (line" in result.stderr
    assert "the landing zone cannot be built from this: target_organizational_unit_ids" in (
        result.stderr
    )
    assert 'received "ou-ab12-cd34ef56"' in result.stderr
    assert not list(out.glob("*.template.json"))


def test_a_single_governed_region_synthesizes_without_findings(
    config_copy: Path, tmp_path: Path
) -> None:
    text = config_copy.read_text()
    single = (
        text.replace(
            "governed_regions: [eu-west-1, eu-central-1, us-east-1]",
            "governed_regions: [eu-west-1]",
        )
        .replace("replica_regions: [eu-central-1]", "replica_regions: []")
        # A CLOUDFRONT web ACL lives in us-east-1, which is no longer governed.
        .replace(
            "    payments-cdn:\n      account: payments-prod\n      region: us-east-1\n"
            "      scope: CLOUDFRONT\n",
            "",
        )
    )
    assert single.count("us-east-1") == 0, "the fixture still names another region"
    config_copy.write_text(single)
    out = tmp_path / "out"
    # The check packs run in app.py: a finding would fail synth.
    result = cdk("synth", "--quiet", "-c", f"config={config_copy}", "-o", str(out))
    assert result.returncode == 0, result.stderr
    templates = {path.name for path in out.glob("*.template.json")}
    assert "acme-pay-security-tooling-eu-west-1.template.json" in templates
    regional = ("security-tooling", "management-baseline", "baseline-assets")
    assert {name for name in templates if name.removeprefix("acme-pay-").startswith(regional)} == {
        f"acme-pay-{role}-eu-west-1.template.json" for role in regional
    }
    tooling = json.loads((out / "acme-pay-security-tooling-eu-west-1.template.json").read_text())
    aggregator = next(
        resource["Properties"]
        for resource in tooling["Resources"].values()
        if resource["Type"] == "AWS::SecurityHub::FindingAggregator"
    )
    assert aggregator["RegionLinkingMode"] == "ALL_REGIONS_EXCEPT_SPECIFIED"
    assert "eu-west-1" not in aggregator["Regions"]
