"""Reading a resource's CloudFormation properties the same way for every kind of CfnResource.

Properties are read from the construct (``cfnProperties``), resolved by its stack: L1 classes
(``s3.CfnBucket``) hold them with camelCase keys (``sseAlgorithm``), a plain ``CfnResource`` with
the keys it was given, normally the CloudFormation ones (``SSEAlgorithm``). Looking names up
without regard to case reads both, acronyms included. Overrides added with
``add_property_override`` are not visible here: cdk-nag rules cannot see them either.
"""

from collections.abc import Mapping
from typing import Any

from aws_cdk import CfnResource, Stack


def resolved_properties(node: CfnResource) -> Mapping[str, Any]:
    """The properties of ``node`` with every token resolved (references become intrinsics)."""
    properties: Mapping[str, Any] = Stack.of(node).resolve(node._cfn_properties)
    return properties


def get_property(value: Any, name: str) -> Any:
    """The entry ``name`` of the literal object ``value`` (any case), or None when absent.

    Raises TypeError when ``value`` is not a literal object, e.g. an ``Fn::If`` or a parameter:
    what a rule cannot read it must not pass.
    """
    if not isinstance(value, Mapping) or is_intrinsic(value):
        raise TypeError(f"cannot read {name!r}: {value!r} is not a literal object")
    wanted = name.lower()
    return next((entry for key, entry in value.items() if key.lower() == wanted), None)


def as_list(value: Any) -> list[Any]:
    """CloudFormation and IAM accept one item where they accept a list of them."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def is_intrinsic(value: Any) -> bool:
    """Whether ``value`` is a resolved reference or intrinsic function (``Ref``, ``Fn::…``)."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    (key,) = value
    return key == "Ref" or (isinstance(key, str) and key.startswith("Fn::"))
