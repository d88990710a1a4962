"""Reads a config file, validates it fully and returns the typed model, or raises ConfigError."""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Any

import yaml
from pydantic import ValidationError

from .cross_checks import cross_check
from .errors import ConfigError, ConfigIssue, Path
from .model import UNION_TAGS, LandingZoneConfig

_MISSING = object()


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int], issues: list[ConfigIssue]) -> None:
    """Records the line of every path and reports duplicate keys, which YAML would drop silently."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                issues.append(
                    ConfigIssue(
                        (*path, key),
                        f"duplicate key (line {key_node.start_mark.line + 1}); "
                        "each key may appear once",
                        has_value=False,
                    )
                )
            seen.add(key)
            _walk(value_node, (*path, key), lines, issues)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, issues)


def _issues_from_pydantic(error: ValidationError) -> list[ConfigIssue]:
    issues = []
    for detail in error.errors(include_url=False):
        path: Path = tuple(part for part in detail["loc"] if part not in UNION_TAGS)
        value = detail.get("input", _MISSING)
        kind = detail["type"]
        ctx = detail.get("ctx") or {}
        if kind == "unknown_key":
            path = (*path, ctx["key"])
            value = value[ctx["key"]] if isinstance(value, dict) else _MISSING
        elif kind == "missing":
            value = _MISSING
        elif path and path[-1] == "[key]":
            # pydantic reports a bad mapping key as <mapping>.<key>.[key]; the key is the value.
            path = path[:-1]
        message = detail["msg"]
        if kind == "missing":
            message = "required field is missing"
        issues.append(
            ConfigIssue(
                path, message, None if value is _MISSING else value, has_value=value is not _MISSING
            )
        )
    return issues


def parse_config(text: str, source: str) -> LandingZoneConfig:
    """Validates config text; ``source`` names it in error messages."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where: dict[Path, int] = {(): mark.line + 1} if mark is not None else {}
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            source, [ConfigIssue((), f"not valid YAML: {problem}", has_value=False)], where
        ) from None
    lines: dict[Path, int] = {}
    issues: list[ConfigIssue] = []
    if node is not None:
        _walk(node, (), lines, issues)
    if not isinstance(data, dict):
        issues.append(
            ConfigIssue((), "the file must contain a mapping (key: value) at the top level", data)
        )
        raise ConfigError(source, issues, lines)
    try:
        config = LandingZoneConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, issues + _issues_from_pydantic(exc), lines) from None
    issues += cross_check(config)
    if issues:
        raise ConfigError(source, issues, lines)
    return config


def load_config(path: str | FsPath) -> LandingZoneConfig:
    """Loads and validates the config file at ``path`` (relative paths: the current directory)."""
    file = FsPath(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            str(file),
            [ConfigIssue((), f"cannot read the config file: {exc.strerror}", has_value=False)],
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            str(file), [ConfigIssue((), "the config file is not UTF-8 text", has_value=False)]
        ) from None
    return parse_config(text, str(file))
