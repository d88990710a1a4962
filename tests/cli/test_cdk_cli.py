"""The real CDK CLI against app.py: config selection, clean config errors, fail-closed checks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
CDK = REPO / "node_modules" / ".bin" / "cdk"


@pytest.fixture(autouse=True)
def _cdk_cli_installed() -> None:
    # A failure, not a skip: scripts/test.sh installs the CLI first, so a missing CLI is a
    # broken setup that must not pass silently.
    assert CDK.exists(), f"{CDK} not found: run scripts/bootstrap.sh"


def cdk(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
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
    shutil.copy(REPO / "config" / "landing-zone.yaml", target)
    return target


def test_ls_with_a_config_path_relative_to_the_current_directory(config_copy: Path) -> None:
    text = config_copy.read_text().replace("name: acme-pay", "name: beta-pay")
    config_copy.write_text(text)
    relative = os.path.relpath(config_copy, REPO)
    result = cdk("ls", "-c", f"config={relative}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "beta-pay-organization",
        "beta-pay-accounts",
        "beta-pay-baseline-assets-eu-west-1",
        "beta-pay-baseline-assets-eu-central-1",
        "beta-pay-baseline-assets-us-east-1",
        "beta-pay-baselines",
        "beta-pay-log-archive",
        "beta-pay-organization-trail",
        *(f"beta-pay-management-baseline-{r}" for r in ("eu-west-1", "eu-central-1", "us-east-1")),
        *(f"beta-pay-security-tooling-{r}" for r in ("eu-west-1", "eu-central-1", "us-east-1")),
        *(f"beta-pay-macie-members-{r}" for r in ("eu-west-1", "eu-central-1", "us-east-1")),
        "beta-pay-malware-protection-payments-prod-eu-west-1",
        "beta-pay-network-eu-west-1",
        "beta-pay-network-eu-central-1",
        "beta-pay-workload-defenses",
        "beta-pay-identity",
        "beta-pay-identity-assignments-01",
        "beta-pay-pipelines-shared-services",
    ]


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
    result = cdk("ls", "-c", f"config={tmp_path / 'nope.yaml'}")
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
