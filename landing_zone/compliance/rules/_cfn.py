"""Reading CloudFormation values of a synthesized template the way every rule of the pack does.

Names are looked up without regard to case (CloudFormation's ``SSEAlgorithm``, a hand-written
``SseAlgorithm``), and what a rule cannot read (an intrinsic where a literal is needed) raises
TypeError: the pack reports that the rule could not check the resource, so it never passes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from landing_zone.compliance.rules.resource import Resource


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


_NO_VALUE = {"Ref": "AWS::NoValue"}


def deploys_a_value(value: Any, name: str) -> bool:
    """Whether CloudFormation sets the property ``name`` to ``value`` at all.

    Absent and ``AWS::NoValue`` do not set it. Any other intrinsic (``Fn::GetAtt``, a parameter)
    is trusted to yield a value, except ``Fn::If``: it may yield ``AWS::NoValue``, and what a rule
    cannot read it must not pass (TypeError).
    """
    if value is None or value == _NO_VALUE:
        return False
    if is_intrinsic(value) and "Fn::If" in value:
        raise TypeError(f"cannot check {name}: {value!r} may leave it unset")
    return True


def names_a_key(value: Any, name: str) -> bool:
    """Whether ``value`` of the property ``name`` names a KMS key: set and not a blank string.

    A key ARN normally comes from ``Fn::GetAtt`` on a key of the template or from a parameter;
    which key it is, is for the key's own policy and rules, not this check.
    """
    if not deploys_a_value(value, name):
        return False
    return not isinstance(value, str) or bool(value.strip())


def literal_true(value: Any, name: str) -> bool:
    """Whether the Boolean property ``name`` is literally true (``true`` or ``"true"``).

    Raises TypeError when ``value`` is an intrinsic, such as a parameter: it may be false.
    """
    if is_intrinsic(value):
        raise TypeError(f"cannot check {name}: {value!r} is not a literal Boolean")
    # ``is True``, not ``==``: 1 equals True in Python, and CloudFormation takes no numbers here.
    return value is True or value == "true"


def sets_a_period(value: Any, name: str) -> bool:
    """Whether ``value`` of the property ``name`` sets a period: a whole number above zero.

    An intrinsic other than ``Fn::If`` counts (see ``deploys_a_value``): no value CloudFormation
    accepts for ``RetentionInDays`` (its schema enumerates 1 to 3653) means "forever", and Object
    Lock ``Days`` and ``Years`` are taken to be positive as well (not verified against S3 here).
    """
    if not deploys_a_value(value, name):
        return False
    if is_intrinsic(value):
        return True
    # CloudFormation takes integers as JSON numbers or as strings of digits.
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def literal_string(value: Any) -> str:
    """``value`` if it is a string written in the template, else TypeError (the rule then
    reports that it could not check the resource)."""
    if not isinstance(value, str):
        raise TypeError(f"cannot check {value!r}: it is not a literal string")
    return value


def statement_allows(statement: Any, action: str) -> bool:
    """Whether an IAM statement's ``Action`` patterns cover ``action`` (any case, ``*`` and
    ``?``), or its ``NotAction`` leaves it out (an allowed NotAction grants every action it does
    not list)."""

    def covers(pattern: Any) -> bool:
        return fnmatchcase(action.lower(), literal_string(pattern).lower())

    if any(covers(pattern) for pattern in as_list(get_property(statement, "Action"))):
        return True
    not_actions = as_list(get_property(statement, "NotAction"))
    return bool(not_actions) and not any(covers(pattern) for pattern in not_actions)


def mentions(value: Any, names: Collection[Any]) -> bool:
    """Whether ``value``, such as an ``Fn::If``, holds one of ``names`` somewhere inside."""
    text = json.dumps(value)
    return any(json.dumps(name) in text for name in names)


def literal_object(value: Any, name: str) -> Mapping[str, Any]:
    """``value`` if it is an object written in the template, else TypeError."""
    if not isinstance(value, Mapping) or is_intrinsic(value):
        raise TypeError(f"cannot read {name}: {value!r} is not a literal object")
    return value


def principal_is_everyone(principal: Any) -> bool:
    """Whether a ``Principal`` element is ``*``, or lists ``*`` under a principal type.

    Raises TypeError for a principal the rule cannot read, including an ``Fn::If`` that may
    yield ``*``.
    """
    if principal is None or isinstance(principal, str):
        return principal == "*"
    return any(
        _is_wildcard(entry)
        for entries in literal_object(principal, "Principal").values()
        for entry in as_list(entries)
    )


def _is_wildcard(entry: Any) -> bool:
    if is_intrinsic(entry) and "Fn::If" in entry:
        raise TypeError(f"cannot check the principal {entry!r}: it may yield '*'")
    return isinstance(entry, str) and entry == "*"


IDENTITY_POLICY_PROPERTY = {
    "AWS::IAM::Policy": "PolicyDocument",
    "AWS::IAM::ManagedPolicy": "PolicyDocument",
    "AWS::IAM::RolePolicy": "PolicyDocument",
    "AWS::IAM::UserPolicy": "PolicyDocument",
    "AWS::IAM::GroupPolicy": "PolicyDocument",
    "AWS::SSO::PermissionSet": "InlinePolicy",
}
"""Types holding one identity policy, and the property that holds it."""

INLINE_POLICIES_TYPES = frozenset({"AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"})
"""Types holding identity policies in ``Policies[].PolicyDocument``."""

IDENTITY_POLICY_TYPES = frozenset(IDENTITY_POLICY_PROPERTY) | INLINE_POLICIES_TYPES
"""Resources that grant identities their actions. Resource policies (buckets, keys), trust
policies and SCPs limit who may act rather than grant, so they are not among them."""


def identity_policy_statements(resource: Resource) -> list[Any]:
    """Every statement of the identity policies ``resource`` holds (see
    ``IDENTITY_POLICY_TYPES``), the JSON string form of IAM Identity Center's inline policy
    included."""
    properties = resource.properties
    resource_type = resource.type
    if resource_type in INLINE_POLICIES_TYPES:
        documents = [
            get_property(policy, "PolicyDocument")
            for policy in as_list(get_property(properties, "Policies"))
        ]
    else:
        documents = [get_property(properties, IDENTITY_POLICY_PROPERTY[resource_type])]
    statements: list[Any] = []
    for document in documents:
        if document is None:
            continue
        if isinstance(document, str):
            document = json.loads(document)
        statements.extend(as_list(get_property(document, "Statement")))
    return statements
