"""Reads a config file, validates it fully and returns the typed model, or raises ConfigError."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import yaml
from pydantic import ValidationError

from .cross_checks import cross_check, cross_check_warnings
from .errors import ConfigError, ConfigIssue, ConfigWarning, Path, line_of
from .model import UNION_TAGS, LandingZoneConfig

_MISSING = object()

MAX_YAML_VALUES = 500_000
"""Values the file may hold once every alias is expanded. A config of 1,000 accounts holds about
16,000; the bound stops a few lines of nested aliases ("billion laughs") from exhausting memory,
since every alias is expanded by the line map and again by validation."""

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"


class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2's booleans and integers (the core schema).

    YAML 1.1 reads yes, no, on and off as booleans, so an unquoted country code NO (Norway) or
    a branch named on became false or true; and it reads 0400 as octal (256) and 1:30 as
    sexagesimal (90), so a zero-padded retention silently shrank. In YAML 1.2 only true and
    false are booleans, 0400 is 400 and 1:30 is text. Editors validate the file as YAML 1.2
    against the exported schema; the loader now agrees with them.
    """


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _INT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Yaml12Loader.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    try:
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)
    except ValueError:
        # Only an explicit !!int tag gets here with other text.
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not an integer", node.start_mark
        ) from None


_Yaml12Loader.add_constructor(_INT, _construct_int)


class _TooManyValuesError(Exception):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.path = path


class _RecursiveError(Exception):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.path = path


def _key(node: yaml.Node) -> str | None:
    # Only scalar keys name fields; a complex key is refused when the document is constructed.
    return node.value if isinstance(node, yaml.ScalarNode) else None


@dataclass
class _Walk:
    """Line numbers of every path, duplicate keys and unquoted non-text scalars, with merge keys
    resolved as YAML does and aliases expanded within ``MAX_YAML_VALUES``."""

    lines: dict[Path, int] = field(default_factory=dict)
    issues: list[ConfigIssue] = field(default_factory=list)
    plain: dict[Path, str] = field(default_factory=dict)
    count: int = 0

    def pairs(
        self, node: yaml.MappingNode, path: Path, merging: frozenset[int] = frozenset()
    ) -> list[tuple[yaml.Node, yaml.Node]]:
        """The mapping's entries after its merge keys (``<<: *anchor``) are applied, as PyYAML
        applies them: merged entries first, so the mapping's own keys override them, and of a
        list of merged mappings the earlier ones win."""
        if id(node) in merging:
            raise _RecursiveError(path)  # a mapping that merges itself
        merging = merging | {id(node)}
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        own: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE:
                own.append((key_node, value_node))
            elif isinstance(value_node, yaml.MappingNode):
                merged += self.pairs(value_node, path, merging)
            elif isinstance(value_node, yaml.SequenceNode):
                for source in reversed(value_node.value):
                    if isinstance(source, yaml.MappingNode):
                        merged += self.pairs(source, path, merging)
            # Anything else is refused when the document is constructed.
        return merged + own

    def walk(self, node: yaml.Node, path: Path, active: frozenset[int] = frozenset()) -> None:
        self.count += 1
        if self.count > MAX_YAML_VALUES:
            raise _TooManyValuesError(path)
        if id(node) in active:
            # An alias inside its own anchor: the document would be infinitely deep.
            raise _RecursiveError(path)
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            if node.style is None and node.tag != _STR:
                self.plain[path] = node.value
            return
        active = active | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, (*path, index), active)
            return
        if not isinstance(node, yaml.MappingNode):
            return
        seen: set[str] = set()
        merge_seen = False
        for key_node, _ in node.value:
            key = _key(key_node)
            duplicate = merge_seen if key_node.tag == _MERGE else key in seen
            if key is not None and duplicate:
                self.issues.append(
                    ConfigIssue(
                        (*path, key),
                        f"duplicate key (line {key_node.start_mark.line + 1}); "
                        "each key may appear once",
                        has_value=False,
                    )
                )
            if key_node.tag == _MERGE:
                merge_seen = True
            elif key is not None:
                seen.add(key)
        effective: dict[str, yaml.Node] = {}
        for key_node, value_node in self.pairs(node, path):
            key = _key(key_node)
            if key is not None:
                # A merged entry keeps the line of its anchor, where its value is written.
                effective[key] = value_node
        for key, value_node in effective.items():
            self.walk(value_node, (*path, key), active)


def _compose(text: str) -> tuple[yaml.Node | None, _Yaml12Loader]:
    loader = _Yaml12Loader(text)
    try:
        return loader.get_single_node(), loader
    except BaseException:
        loader.dispose()
        raise


def _yaml_error(source: str, exc: yaml.YAMLError) -> ConfigError:
    mark = getattr(exc, "problem_mark", None)
    where: dict[Path, int] = {(): mark.line + 1} if mark is not None else {}
    problem = getattr(exc, "problem", None) or str(exc)
    return ConfigError(
        source, [ConfigIssue((), f"not valid YAML: {problem}", has_value=False)], where
    )


def _read_yaml(text: str, source: str) -> tuple[Any, _Walk]:
    """The document and its line map; YAML the landing zone cannot take raises ConfigError."""
    walk = _Walk()
    too_deep = ConfigError(
        source,
        [ConfigIssue((), "is nested too deeply; a config is a few levels deep", has_value=False)],
    )
    try:
        node, loader = _compose(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(source, exc) from None
    except RecursionError:
        raise too_deep from None
    try:
        if node is None:
            return None, walk
        try:
            walk.walk(node, ())
        except _TooManyValuesError as exc:
            top = exc.path[:1]
            raise ConfigError(
                source,
                [
                    ConfigIssue(
                        top,
                        f"expands to more than {MAX_YAML_VALUES:,} values once its YAML aliases "
                        "are expanded; allowed: at most that many in the whole file (each use "
                        "of an alias counts every value of its anchor again)",
                        has_value=False,
                    )
                ],
                {top: walk.lines.get(top, 1)},
            ) from None
        except _RecursiveError as exc:
            raise ConfigError(
                source,
                [
                    ConfigIssue(
                        exc.path,
                        "uses an alias inside its own anchor (a structure that contains itself); "
                        "allowed: aliases of values defined completely before them",
                        has_value=False,
                    )
                ],
                walk.lines,
            ) from None
        except RecursionError:
            raise too_deep from None
        try:
            data = loader.construct_document(node)
        except yaml.YAMLError as exc:
            raise _yaml_error(source, exc) from None
        except RecursionError:
            raise too_deep from None
        return data, walk
    finally:
        loader.dispose()


def _issues_from_pydantic(error: ValidationError, plain: dict[Path, str]) -> list[ConfigIssue]:
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
        elif kind == "bool_type":
            message = "must be true or false, unquoted"
        elif kind in ("int_type", "int_from_float"):
            message = "must be a whole number, unquoted"
        elif kind == "float_type":
            message = "must be a number, unquoted"
        elif kind == "string_type" and path in plain:
            # YAML typed the unquoted text (a number, true/false, null): say how to keep it text.
            text = plain[path]
            typed = {bool: "boolean", int: "number", float: "number", type(None): "null"}.get(
                type(value),
                "date",  # a timestamp, the only other type YAML reads unquoted
            )
            message += f'; YAML reads the unquoted {text} as a {typed}, so quote it: "{text}"'
        issues.append(
            ConfigIssue(
                path, message, None if value is _MISSING else value, has_value=value is not _MISSING
            )
        )
    return issues


def parse_config(text: str, source: str) -> LandingZoneConfig:
    """Validates config text; ``source`` names it in error messages."""
    data, walk = _read_yaml(text, source)
    lines, issues = walk.lines, walk.issues
    if not isinstance(data, dict):
        issues.append(
            ConfigIssue((), "the file must contain a mapping (key: value) at the top level", data)
        )
        raise ConfigError(source, issues, lines)
    try:
        config = LandingZoneConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, issues + _issues_from_pydantic(exc, walk.plain), lines) from None
    issues += cross_check(config)
    if issues:
        raise ConfigError(source, issues, lines)
    for issue in cross_check_warnings(config):
        rendered = issue.render(line_of(lines, issue.path))
        warnings.warn(f"{source}: {rendered}", ConfigWarning, stacklevel=2)
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


def read_lines_and_data(path: str | FsPath) -> tuple[Any, dict[Path, int]]:
    """The parsed file and the line of each path, or nothing where it no longer reads: for
    errors found after validation (while the stacks are built) that must name a line."""
    try:
        data, walk = _read_yaml(FsPath(path).read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, ConfigError):
        return None, {}
    return data, walk.lines
