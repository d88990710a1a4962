"""The library as users install it: a wheel with every subpackage and the py.typed marker."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).parents[1]


def test_wheel_ships_every_subpackage_and_py_typed(tmp_path: Path) -> None:
    # Build from a copy: setuptools reuses a build/ directory, which could hide a missing file.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(
        REPO / "landing_zone",
        source / "landing_zone",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), source],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("fintech_landing_zone-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "landing_zone/py.typed" in names
    packages = {
        p.parent.relative_to(REPO).as_posix() for p in (REPO / "landing_zone").rglob("__init__.py")
    }
    assert len(packages) >= 6
    for package in packages:
        assert f"{package}/__init__.py" in names, package
    # The reference app's composition is not part of the library.
    assert not any(name.startswith(("stacks/", "tests/")) for name in names)
