"""No library test reads the team's config: conftest refuses every open of it, so a test that
does (directly, or through a script's default) fails instead of tying the suite to the team's
organization."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG, REPO, TEAM_CONFIG, TeamConfigReadError

from landing_zone.config import load_config


def test_reading_the_team_config_fails_the_test() -> None:
    with pytest.raises(TeamConfigReadError, match=r"tests/fixtures/landing-zone\.yaml"):
        TEAM_CONFIG.read_text(encoding="utf-8")


def test_so_does_a_relative_path_from_library_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    with pytest.raises(TeamConfigReadError):
        load_config("config/landing-zone.yaml")
    with pytest.raises(TeamConfigReadError):
        os.open(Path("config") / ".." / "config" / "landing-zone.yaml", os.O_RDONLY)


def test_the_fixture_and_copies_elsewhere_read_normally(tmp_path: Path) -> None:
    copy = tmp_path / "config" / "landing-zone.yaml"
    copy.parent.mkdir()
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    copy.write_text(text, encoding="utf-8")
    assert copy.read_text(encoding="utf-8") == text
