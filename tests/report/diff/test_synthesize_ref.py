"""synthesize_ref: a git ref of a repository synthesized by its own app into a temporary folder,
the repository left as it was. One small CDK app in a temporary repository keeps it to one synth."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from landing_zone.report.diff import AssemblyError, posture_diff, synthesize_ref

REPO = Path(__file__).parents[3]

APP = """\
from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk import aws_s3 as s3

app = App()
stack = Stack(app, "Tiny")
s3.Bucket(stack, "Bucket", bucket_name="tiny-evidence", removal_policy=RemovalPolicy.RETAIN)
app.synth()
"""


def git(repo: Path, *arguments: str) -> str:
    return subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.com",
            *arguments,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose first commit is a one-bucket CDK app and whose second one fails."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}), encoding="utf-8")
    (path / "app.py").write_text(APP, encoding="utf-8")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "one bucket")
    git(path, "tag", "good")
    (path / "app.py").write_text(
        "raise SystemExit('the app refuses the config')\n", encoding="utf-8"
    )
    git(path, "commit", "-q", "-am", "broken app")
    # The virtualenv's python3 and the repository's cdk, as scripts/synth.sh puts them.
    monkeypatch.setenv(
        "PATH",
        os.pathsep.join(
            [
                str(Path(sys.executable).parent),
                str(REPO / "node_modules" / ".bin"),
                os.environ["PATH"],
            ]
        ),
    )
    return path


def test_synthesizes_a_ref_outside_the_repository(repo: Path, tmp_path: Path) -> None:
    status = git(repo, "status", "--porcelain")
    assembly = synthesize_ref("good", repo)
    try:
        assert not assembly.is_relative_to(repo)
        template = json.loads((assembly / "Tiny.template.json").read_text(encoding="utf-8"))
        buckets = [r for r in template["Resources"].values() if r["Type"] == "AWS::S3::Bucket"]
        assert [b["Properties"]["BucketName"] for b in buckets] == ["tiny-evidence"]
        # The worktree is gone and the repository unchanged.
        assert len(git(repo, "worktree", "list").splitlines()) == 1
        assert git(repo, "status", "--porcelain") == status
        # The synthesized base diffs like any assembly.
        head = tmp_path / "head"
        shutil.copytree(assembly, head)
        body = json.loads((head / "Tiny.template.json").read_text(encoding="utf-8"))
        for resource in body["Resources"].values():
            if resource["Type"] == "AWS::S3::Bucket":
                resource["Properties"]["BucketName"] = "tiny-evidence-2"
        (head / "Tiny.template.json").write_text(json.dumps(body), encoding="utf-8")
        (alert,) = posture_diff(assembly, head).alerts()
        assert (alert.level, alert.rule_id) == ("error", "stateful-replaced")
    finally:
        shutil.rmtree(assembly.parent)


def test_rejects_an_unknown_ref(repo: Path) -> None:
    with pytest.raises(AssemblyError, match=r"cannot synthesize 'no-such-branch': no such commit"):
        synthesize_ref("no-such-branch", repo)


def test_a_failing_synth_names_the_ref(repo: Path) -> None:
    with pytest.raises(
        AssemblyError,
        match=r"(?s)cannot synthesize 'main' \(\w{12}\): cdk synth exited with 1:"
        r".*refuses the config",
    ):
        synthesize_ref("main", repo)
    assert len(git(repo, "worktree", "list").splitlines()) == 1
