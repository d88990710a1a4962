"""Just enough of EventBridge's event pattern matching to test rules against sample events.

Covers the operators the landing zone's rules use, as the EventBridge user guide ("Event
patterns", "Content filtering") defines them: exact values, ``prefix``, ``wildcard``,
``anything-but`` (values or a prefix), ``numeric`` and ``$or``. A field the pattern names must
be present in the event; an array in the event (of values or of objects) matches if any
element does. Anything else
raises, so a rule using an operator this does not know cannot pass by accident.
"""

from __future__ import annotations

import re
from typing import Any

_NUMERIC = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
}


def matches(pattern: dict[str, Any], event: Any) -> bool:
    """Whether ``event`` (a dict) matches ``pattern``, as EventBridge would decide."""
    if not isinstance(event, dict):
        return False
    for key, expected in pattern.items():
        if key == "$or":
            if not any(matches(alternative, event) for alternative in expected):
                return False
            continue
        if key not in event:
            return False
        actual = event[key]
        if isinstance(expected, dict):
            elements = actual if isinstance(actual, list) else [actual]
            if not any(matches(expected, element) for element in elements):
                return False
        elif isinstance(expected, list):
            values = actual if isinstance(actual, list) else [actual]
            if not any(_value(matcher, value) for matcher in expected for value in values):
                return False
        else:
            raise ValueError(f"pattern field {key!r} must hold an object or an array")
    return True


def _value(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, dict):
        return bool(matcher == value)
    ((operator, operand),) = matcher.items()
    if operator == "prefix":
        return isinstance(value, str) and value.startswith(operand)
    if operator == "wildcard":
        # Only '*' is special; every other character matches itself.
        regex = "".join(".*" if c == "*" else re.escape(c) for c in operand)
        return isinstance(value, str) and re.fullmatch(regex, value) is not None
    if operator == "anything-but":
        if isinstance(operand, dict):
            ((inner, text),) = operand.items()
            if inner != "prefix":
                raise ValueError(f"anything-but {inner!r} is not supported here")
            return isinstance(value, str) and not value.startswith(text)
        excluded = operand if isinstance(operand, list) else [operand]
        return value not in excluded
    if operator == "numeric":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        pairs = zip(operand[::2], operand[1::2], strict=True)
        return all(_NUMERIC[op](value, bound) for op, bound in pairs)
    raise ValueError(f"operator {operator!r} is not supported here")
