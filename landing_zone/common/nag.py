"""How cdk-nag names a resource in a granular finding, for acknowledgments of exactly it."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import IConstruct

from landing_zone.common import pseudo

_PSEUDO_PARAMETERS = {
    pseudo.ACCOUNT_ID: "<AWS::AccountId>",
    pseudo.PARTITION: "<AWS::Partition>",
    pseudo.REGION: "<AWS::Region>",
    pseudo.URL_SUFFIX: "<AWS::URLSuffix>",
}
"""The pseudo parameters' token strings and how cdk-nag writes their ``Ref``."""

_TOKEN_MARK = "${Token["
"""How an unresolved string token starts (aws-cdk-lib's string encoding)."""


def granular_resource(scope: IConstruct, value: str) -> str:
    """``value`` (an ARN, tokens allowed) as cdk-nag writes it in ``Resource::<...>``: literal
    parts as they are, ``{"Ref": "AWS::Region"}`` as ``<AWS::Region>``, ``Fn::GetAtt`` as
    ``<LogicalId.Attribute>``.

    A value whose only tokens are pseudo parameters is named in Python; any other token is
    resolved in its stack (two jsii round trips)."""
    text = value
    for token, name in _PSEUDO_PARAMETERS.items():
        text = text.replace(token, name)
    if _TOKEN_MARK not in text:
        return text
    return resolved_granular_resource(scope, value)


def resolved_granular_resource(scope: IConstruct, value: str) -> str:
    """:func:`granular_resource` through the stack's own resolution, for every token."""
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
