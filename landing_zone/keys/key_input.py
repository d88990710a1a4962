"""What a construct of the landing zone accepts where it takes a KMS key: any ``kms.IKey``, or
the ``DataClassKey`` that ``DataClassKeys.key_for`` returns, whose ``key`` it then uses.

Anything else fails where it is passed, with the prop's name, what was received and what is
allowed, rather than deep inside aws-cdk-lib (``'DataClassKey' object has no attribute
'key_arn'``, or a jsii serialization error at synth)."""

from __future__ import annotations

from typing import TypeAlias

from aws_cdk import aws_kms as kms

from landing_zone.keys.data_class_key import DataClassKey
from landing_zone.keys.replica import DataClassKeyReplica

KeyInput: TypeAlias = "kms.IKey | DataClassKey"
"""A ``kms.IKey`` (``kms.Key``, ``kms.Key.from_key_arn(...)``) or a ``DataClassKey``."""

_KEY_METHODS = ("add_alias", "grant_encrypt_decrypt", "add_to_resource_policy")
"""Methods every ``kms.IKey`` has. jsii interfaces are protocols ``isinstance`` cannot check,
and an imported key is a jsii proxy whose class has none of them; looking a method up calls
nothing in Node, unlike reading a property such as ``key_arn``."""

_ALLOWED = (
    "a kms.IKey (a kms.Key, or kms.Key.from_key_arn(...) for an existing key) or a "
    "DataClassKey (what DataClassKeys.key_for(...) returns)"
)


def as_key(prop: str, key: KeyInput) -> kms.IKey:
    """``key`` as a ``kms.IKey``: a ``DataClassKey`` gives its ``key``, a ``kms.IKey`` is
    returned as it is. Raise ``TypeError`` naming ``prop`` for anything else."""
    if isinstance(key, DataClassKey):
        return key.key
    if isinstance(key, DataClassKeyReplica):
        raise TypeError(
            f"{prop}: got a DataClassKeyReplica, which is a replica key resource, not a "
            f"kms.IKey; allowed: {_ALLOWED}. For the replica, pass "
            "kms.Key.from_key_arn(scope, id, replica.key_arn)"
        )
    if not isinstance(key, str) and all(hasattr(key, name) for name in _KEY_METHODS):
        return key
    raise TypeError(f"{prop}: got {_describe(key)}; allowed: {_ALLOWED}")


def _describe(value: object) -> str:
    if isinstance(value, str):
        return f"the string {value!r} (pass kms.Key.from_key_arn(...) for a key ARN)"
    if value is None:
        return "None"
    return f"a {type(value).__module__}.{type(value).__qualname__}"
