"""How cdk-nag names a resource in a granular finding, for acknowledgments of exactly it."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import IConstruct


def granular_resource(scope: IConstruct, value: str) -> str:
    """``value`` (an ARN, tokens allowed) as cdk-nag writes it in ``Resource::<...>``: literal
    parts as they are, ``{"Ref": "AWS::Region"}`` as ``<AWS::Region>``, ``Fn::GetAtt`` as
    ``<LogicalId.Attribute>``."""
    return _text(Stack.of(scope).resolve(value))


def _text(resolved: Any) -> str:
    if isinstance(resolved, str):
        return resolved
    if isinstance(resolved, dict) and len(resolved) == 1:
        ((function, argument),) = resolved.items()
        if function == "Ref":
            return f"<{argument}>"
        if function == "Fn::GetAtt":
            return f"<{argument[0]}.{argument[1]}>"
        if function == "Fn::Join":
            separator, parts = argument
            return str(separator).join(_text(part) for part in parts)
    raise ValueError(f"cannot name {resolved!r} as cdk-nag does")
