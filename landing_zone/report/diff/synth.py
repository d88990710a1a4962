"""Synthesizing a git ref of the repository into a temporary cloud assembly, for a base to diff
against when only a branch name is at hand (a pull request's target branch)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from landing_zone.report.diff.assembly import AssemblyError

_TAIL_LINES = 20


def synthesize_ref(ref: str, repo: Path) -> Path:
    """The cloud assembly of ``ref``, synthesized by that checkout's own app.

    The ref is checked out as a detached git worktree in a new temporary folder, outside the
    repository's working tree, and ``cdk synth --quiet -o <tmp>/cdk.out`` runs there with the
    current ``PATH`` (the virtualenv's ``python3`` and ``node_modules/.bin``'s ``cdk``). The
    worktree is removed afterwards; the returned assembly folder stays for the caller.
    AssemblyError names the ref when it does not exist or its synth fails.
    """
    cdk = shutil.which("cdk")
    if cdk is None:
        raise AssemblyError(
            f"cannot synthesize {ref!r}: no cdk on PATH; put node_modules/.bin and the "
            "virtualenv's bin on PATH"
        )
    commit = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if commit.returncode != 0:
        raise AssemblyError(f"cannot synthesize {ref!r}: no such commit, branch or tag in {repo}")
    sha = commit.stdout.strip()
    folder = Path(tempfile.mkdtemp(prefix="landing-zone-base-"))
    checkout = folder / "checkout"
    output = folder / "cdk.out"
    added = _git(repo, "worktree", "add", "--detach", str(checkout), sha)
    if added.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise AssemblyError(
            f"cannot synthesize {ref!r}: git worktree add failed: {added.stderr.strip()}"
        )
    try:
        synth = subprocess.run(
            [cdk, "synth", "--quiet", "-o", str(output)],
            cwd=checkout,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        _git(repo, "worktree", "remove", "--force", str(checkout))
        _git(repo, "worktree", "prune")
        shutil.rmtree(checkout, ignore_errors=True)
    if synth.returncode != 0:
        tail = "\n".join((synth.stderr or synth.stdout).strip().splitlines()[-_TAIL_LINES:])
        shutil.rmtree(folder, ignore_errors=True)
        raise AssemblyError(
            f"cannot synthesize {ref!r} ({sha[:12]}): cdk synth exited with {synth.returncode}:\n"
            f"{tail}"
        )
    return output


def _git(repo: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repo), *arguments], capture_output=True, text=True, check=False
    )
