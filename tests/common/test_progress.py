"""Progress lines on stderr during a long synth."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from landing_zone.common import progress as progress_module
from landing_zone.common.progress import Progress, wanted


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_environment_decides_first() -> None:
    assert wanted(_Terminal(), {"LZ_PROGRESS": "0"}) is False
    assert wanted(io.StringIO(), {"LZ_PROGRESS": "1"}) is True


def test_a_terminal_shows_progress() -> None:
    assert wanted(_Terminal(), {}) is True


def test_a_pipe_shows_progress_only_when_an_ancestor_writes_to_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progress_module, "_ancestor_writes_to_a_terminal", lambda: False)
    assert wanted(io.StringIO(), {}) is False
    monkeypatch.setattr(progress_module, "_ancestor_writes_to_a_terminal", lambda: True)
    assert wanted(io.StringIO(), {}) is True


def test_disabled_progress_writes_nothing(tmp_path: Path) -> None:
    stream = io.StringIO()
    progress = Progress(stream, enabled=False)
    progress.say("build", "anything")
    with progress.watching_templates(tmp_path, 3, interval=0.01):
        (tmp_path / "a.template.json").write_text("{}")
    assert stream.getvalue() == ""


def test_lines_name_the_stage(tmp_path: Path) -> None:
    stream = io.StringIO()
    Progress(stream, enabled=True).say("build", "12 stacks")
    assert stream.getvalue().rstrip().endswith("] build: 12 stacks")


def test_templates_written_are_counted_until_the_checks_start(tmp_path: Path) -> None:
    stream = io.StringIO()
    progress = Progress(stream, enabled=True)
    with progress.watching_templates(tmp_path, 3, interval=0.01):
        for name in ("a", "b", "c"):
            (tmp_path / f"{name}.template.json").write_text("{}")
            # A StackSet template is part of its stack's and never counted.
            (tmp_path / f"{name}.stackset.template.json").write_text("{}")
            time.sleep(0.1)
        time.sleep(0.1)
    lines = stream.getvalue().splitlines()
    assert any(line.endswith("synth: 1 of 3 stack templates written") for line in lines), lines
    assert lines[-2].endswith("synth: 3 of 3 stack templates written")
    assert lines[-1].endswith("checks: check packs running over the 3 stacks")


def test_templates_of_an_earlier_synth_do_not_count(tmp_path: Path) -> None:
    old = tmp_path / "old.template.json"
    old.write_text("{}")
    earlier = time.time() - 60
    os.utime(old, (earlier, earlier))
    stream = io.StringIO()
    with Progress(stream, enabled=True).watching_templates(tmp_path, 1, interval=0.01):
        time.sleep(0.1)
    assert stream.getvalue() == ""
