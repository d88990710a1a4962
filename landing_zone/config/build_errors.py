"""Errors raised while the stacks are built from a valid config, reported like config errors.

The config model and its cross-checks catch what they know; a construct may still refuse a
combination they do not (its own ``ValueError``/``TypeError``/``LookupError``, or an error
thrown by the CDK's JavaScript side, which jsii raises as ``RuntimeError`` or ``JSIIError``).
Those would otherwise escape as a Python traceback that names neither the file nor the field.
``build_error_report``
turns such an error into the usual ``ConfigError``: the file, the field path (the fields of the
config sections the failing stack is built from whose value the message quotes, else the
section), the value and the construct's own words on what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .errors import ConfigError, ConfigIssue, Path

MAX_NAMED_FIELDS = 3
"""More matches than this and the value is too common to point at a field: name the section."""


def _build_error_types() -> tuple[type[BaseException], ...]:
    # Imported here: importing jsii is only worth it once something failed.
    from jsii.errors import JSIIError

    # LookupError: a builder indexing the config by a name the checks let through.
    return (ValueError, TypeError, LookupError, RuntimeError, JSIIError)


def is_build_error(error: BaseException) -> bool:
    """Whether ``error`` is of a kind constructs raise when they refuse their input."""
    return isinstance(error, _build_error_types())


def _scalars(node: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key), key  # a mapping key is often the name a construct repeats
            yield from _scalars(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _scalars(item, (*path, index))
    else:
        yield path, node


def _mentioned(data: Any, sections: tuple[str, ...], message: str) -> list[tuple[Path, Any]]:
    """The fields of ``sections`` whose value the message quotes as a whole word."""
    found: dict[Path, Any] = {}
    roots = (sections or tuple(data)) if isinstance(data, dict) else ()
    for root in roots:
        if not isinstance(data, dict) or root not in data:
            continue
        for path, value in _scalars(data[root], (root,)):
            text = (
                str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
            )
            # Short values (a port, 'all') would match by accident.
            if len(text) >= 4 and re.search(rf"(?<![\w-]){re.escape(text)}(?![\w-])", message):
                found.setdefault(path, value)
    return list(found.items())


def build_error_report(
    source: str, error: BaseException, sections: tuple[str, ...] = ()
) -> ConfigError:
    """The ConfigError that reports ``error``, raised while stacks were built from ``source``."""
    from .loader import read_lines_and_data  # the loader imports the model; this stays light

    message = " ".join(str(error).split()) or type(error).__name__
    data, lines = read_lines_and_data(source)
    fields = _mentioned(data, sections, message)
    what = f"the landing zone cannot be built from this: {message}"
    if fields and len(fields) <= MAX_NAMED_FIELDS:
        issues = [ConfigIssue(path, what, value) for path, value in fields]
    else:
        where: Path = sections[:1]
        issues = [ConfigIssue(where, what, has_value=False)]
    return ConfigError(source, issues, lines)
