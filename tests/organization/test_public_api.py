"""The public API of the landing zone's domains: every public class of a domain module is
exported from its domain package, and every public attribute a construct of the domains sets in
its constructor has a docstring (the attribute docstring right after the assignment)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "landing_zone"

EXPORT_CHECKED = (
    "ai",
    "baseline",
    "common",
    "detection",
    "edge",
    "identity",
    "keys",
    "logging",
    "network",
    "organization",
    "response",
)
"""The construct domains whose every public class is exported. Not here: ``config``,
``compliance`` and ``report``, whose APIs are a loader, packs and a report, and whose other
classes are their records."""

DOCUMENTED_DOMAINS = ("ai", "edge", "identity", "keys", "network", "organization")
"""The domains whose constructs' attributes this test holds to a docstring each."""


def _modules(domain: str) -> list[Path]:
    return sorted(path for path in (PACKAGE / domain).glob("*.py") if not path.name.startswith("_"))


def _public_classes(path: Path) -> list[ast.ClassDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node
        for node in tree.body
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_")
    ]


def test_every_checked_domain_is_a_package() -> None:
    assert all((PACKAGE / domain / "__init__.py").is_file() for domain in EXPORT_CHECKED)


@pytest.mark.parametrize("domain", EXPORT_CHECKED)
def test_every_public_class_of_a_domain_module_is_exported(domain: str) -> None:
    package = importlib.import_module(f"landing_zone.{domain}")
    exported = set(getattr(package, "__all__", ()))
    missing = [
        f"{path.name}: {node.name}"
        for path in _modules(domain)
        for node in _public_classes(path)
        if node.name not in exported
    ]
    assert not missing, f"landing_zone.{domain}.__all__ lacks {missing}"
    for name in exported:
        assert hasattr(package, name), f"landing_zone.{domain}.__all__ names {name!r}"


def _undocumented_attributes(statements: list[ast.stmt], declared: set[str]) -> list[str]:
    missing = []
    for index, statement in enumerate(statements):
        if isinstance(statement, ast.Assign | ast.AnnAssign):
            target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
                and not target.attr.startswith("_")
                and target.attr not in declared
            ):
                following = statements[index + 1] if index + 1 < len(statements) else None
                documented = (
                    isinstance(following, ast.Expr)
                    and isinstance(following.value, ast.Constant)
                    and isinstance(following.value.value, str)
                )
                if documented:
                    declared.add(target.attr)
                else:
                    missing.append(f"{target.attr} (line {statement.lineno})")
        for field in ("body", "orelse", "finalbody"):
            nested = getattr(statement, field, None)
            if isinstance(nested, list) and nested and isinstance(nested[0], ast.stmt):
                missing.extend(_undocumented_attributes(nested, declared))
    return missing


@pytest.mark.parametrize("domain", DOCUMENTED_DOMAINS)
def test_every_public_attribute_set_in_a_constructor_has_a_docstring(domain: str) -> None:
    missing = []
    for path in _modules(domain):
        for node in _public_classes(path):
            for member in node.body:
                if isinstance(member, ast.FunctionDef) and member.name == "__init__":
                    missing.extend(
                        f"{path.name}: {node.name}.{attribute}"
                        for attribute in _undocumented_attributes(member.body, set())
                    )
    assert not missing, f"attributes without a docstring: {missing}"


def test_the_attribute_check_finds_an_undocumented_attribute() -> None:
    source = (
        "class Thing:\n"
        "    def __init__(self) -> None:\n"
        "        self.documented = 1\n"
        '        """Documented."""\n'
        "        if True:\n"
        "            self.documented = 2\n"
        "            self.bare = 3\n"
        "        self._private = 4\n"
    )
    init = ast.parse(source).body[0].body[0]  # type: ignore[attr-defined]
    assert _undocumented_attributes(init.body, set()) == ["bare (line 7)"]
