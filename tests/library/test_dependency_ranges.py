"""The package metadata asks for compatible ranges; requirements.lock pins every version exactly.

A platform team installs the landing zone beside its own CDK app, so the metadata must not force
its aws-cdk-lib patch version; the reference app and CI install with
``--constraint requirements.lock`` (scripts/bootstrap.sh), so they stay exact as long as the lock
pins every distribution the install resolves.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
NO_UPPER_BOUND = {"pycountry"}
"""Calendar versions that only update a database (ISO 3166): a newer one is what we want."""


def _runtime() -> list[Requirement]:
    return [Requirement(line) for line in PYPROJECT["project"]["dependencies"]]


def _dev() -> list[Requirement]:
    return [Requirement(line) for line in PYPROJECT["project"]["optional-dependencies"]["dev"]]


def _lock() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = Version(version)
    return pins


def _bounds(specifier: SpecifierSet) -> tuple[Version | None, Version | None]:
    lower = [Version(s.version) for s in specifier if s.operator in {">=", ">", "~="}]
    upper = [Version(s.version) for s in specifier if s.operator in {"<", "<="}]
    return (max(lower) if lower else None, min(upper) if upper else None)


@pytest.mark.parametrize("requirement", _runtime(), ids=str)
def test_runtime_dependency_is_a_range_from_the_tested_version(requirement: Requirement) -> None:
    operators = {s.operator for s in requirement.specifier}
    assert not operators & {"==", "==="}, f"{requirement}: an exact pin forces the consumer's"
    lower, upper = _bounds(requirement.specifier)
    tested = _lock()[canonicalize_name(requirement.name)]
    assert lower == tested, f"{requirement}: the lower bound is the version CI tests ({tested})"
    if canonicalize_name(requirement.name) in NO_UPPER_BOUND:
        assert upper is None
    else:
        assert upper is not None, f"{requirement}: no upper bound; the next major may break"
        assert upper > tested


def test_aws_cdk_lib_allows_newer_minor_versions_than_the_lock() -> None:
    (cdk,) = (r for r in _runtime() if r.name == "aws-cdk-lib")
    tested = _lock()["aws-cdk-lib"]
    newer = Version(f"{tested.major}.{tested.minor + 10}.0")
    assert cdk.specifier.contains(newer)
    assert not cdk.specifier.contains(Version(f"{tested.major + 1}.0.0"))


@pytest.mark.parametrize("requirement", _dev(), ids=str)
def test_dev_dependency_is_pinned_exactly_as_in_the_lock(requirement: Requirement) -> None:
    (specifier,) = requirement.specifier
    assert specifier.operator == "=="
    assert _lock()[canonicalize_name(requirement.name)] == Version(specifier.version)


def test_build_backend_is_the_one_the_dev_extra_installs() -> None:
    # Tests build the wheel without build isolation (offline): with the pinned backend.
    (backend,) = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]
    assert backend.name == "setuptools"
    assert str(backend.specifier) == f"=={_lock()['setuptools']}"
    dev_setuptools = [str(r.specifier) for r in _dev() if r.name == "setuptools"]
    assert dev_setuptools == [str(backend.specifier)]


def _closure(requirements: list[Requirement]) -> dict[str, set[str]]:
    """Every distribution the install resolves (name -> extras), from the installed metadata."""
    found: dict[str, set[str]] = {}
    pending = [(r, {""}) for r in requirements]
    while pending:
        requirement, extras = pending.pop()
        if requirement.marker is not None and not any(
            requirement.marker.evaluate({"extra": extra}) for extra in extras
        ):
            continue
        name = canonicalize_name(requirement.name)
        new_extras = set(requirement.extras) - found.get(name, set())
        if name in found and not new_extras:
            continue
        found.setdefault(name, set()).update(requirement.extras)
        requested = {"", *found[name]}
        pending += [(Requirement(r), requested) for r in metadata.requires(name) or []]
    return found


def test_lock_pins_every_distribution_the_install_resolves() -> None:
    # bootstrap.sh: pip install --constraint requirements.lock --editable ".[dev]". A
    # distribution missing from the lock would be resolved freely, and CI would not be exact.
    closure = _closure([*_runtime(), *_dev()])
    assert len(closure) > 30
    lock = _lock()
    unpinned = sorted(set(closure) - set(lock))
    assert not unpinned, f"add to requirements.lock: {unpinned}"
    for name in closure:
        assert Version(metadata.version(name)) == lock[name], name


def test_lock_satisfies_every_requirement() -> None:
    lock = _lock()
    for requirement in [*_runtime(), *_dev()]:
        assert requirement.specifier.contains(lock[canonicalize_name(requirement.name)]), (
            requirement
        )


def test_bootstrap_installs_with_the_lock_as_constraints() -> None:
    bootstrap = (REPO / "scripts" / "bootstrap.sh").read_text()
    assert '--constraint requirements.lock --editable ".[dev]"' in bootstrap
