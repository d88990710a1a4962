"""Reading a resource's CloudFormation properties the same way for every kind of CfnResource.

Properties are read from the construct (``cfnProperties``), resolved by its stack: L1 classes
(``s3.CfnBucket``) hold them with camelCase keys (``sseAlgorithm``), a plain ``CfnResource`` with
the keys it was given, normally the CloudFormation ones (``SSEAlgorithm``). Looking names up
without regard to case reads both, acronyms included. Overrides added with
``add_property_override`` are not visible here: cdk-nag rules cannot see them either.
"""

import json
from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from aws_cdk import CfnResource, Stack
from constructs import IConstruct


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


def stack_resources(
    scope: IConstruct, l1_class: type[CfnResource], resource_type: str
) -> Iterator[CfnResource]:
    """The resources of ``resource_type`` in the stack of ``scope``, made with ``l1_class`` or
    as plain ``CfnResource``s.

    Reading ``cfn_resource_type`` crosses into Node (a tenth of a second for a few hundred
    resources, per resource checked), so only plain CfnResources, whose class says nothing,
    are asked for it.
    """
    for construct in Stack.of(scope).node.find_all():
        if isinstance(construct, l1_class) or (
            type(construct) is CfnResource and construct.cfn_resource_type == resource_type
        ):
            yield construct


@dataclass(frozen=True)
class Related:
    """A resource that checked resources refer to or are referred by (a flow log, a bucket
    policy), read once: its resolved properties and the target it names, or why it could not be
    read."""

    construct: CfnResource
    _properties: Mapping[str, Any] | None
    _target: Any
    _error: Exception | None

    @property
    def properties(self) -> Mapping[str, Any]:
        """Its resolved properties; raises what reading them raised."""
        if self._error is not None:
            raise self._error.with_traceback(None)
        assert self._properties is not None
        return self._properties

    @property
    def target(self) -> Any:
        """The resolved value of its target property (``ResourceId``, ``Bucket``); raises what
        reading it raised."""
        if self._error is not None:
            raise self._error.with_traceback(None)
        return self._target


class RelatedIndex:
    """The resources of one type in a stack, in ``find_all()`` order, indexed by the value of
    their target property, so that a check finds those naming a resource without reading the
    others.

    ``candidates`` yields, in order, every entry whose target equals or mentions (``mentions``)
    one of the given values, plus every entry it cannot rule out: unreadable ones and those
    whose target holds a string with a quote or backslash. A rule runs its own test on each
    candidate, as it did on every resource; the entries left out are exactly those on which
    that test does nothing.
    """

    def __init__(self, entries: Sequence[Related]) -> None:
        self._entries = entries
        self._equal: dict[Hashable, list[int]] = {}
        self._component: dict[str, list[int]] = {}
        self._always: list[int] = []
        for position, entry in enumerate(entries):
            if entry._error is not None:
                self._always.append(position)
                continue
            try:
                key = _equality_key(entry._target)
                components = _components(entry._target)
            except (TypeError, ValueError):  # not JSON: only the rule's own test can tell
                self._always.append(position)
                continue
            self._equal.setdefault(key, []).append(position)
            if components is None:
                self._always.append(position)
                continue
            for text in components:
                self._component.setdefault(text, []).append(position)

    def candidates(
        self, equal_to: Sequence[Any], mentioning: Sequence[Any] = ()
    ) -> Iterator[Related]:
        """The entries whose target may equal one of ``equal_to`` or mention one of
        ``mentioning``, and those that cannot be read, in ``find_all()`` order."""
        positions = set(self._always)
        try:
            for value in equal_to:
                positions.update(self._equal.get(_equality_key(value), ()))
            for value in mentioning:
                if not _findable(value):
                    return iter(self._entries)
                positions.update(self._component.get(json.dumps(value), ()))
        except (TypeError, ValueError):
            return iter(self._entries)
        return (self._entries[position] for position in sorted(positions))


def _equality_key(value: Any) -> Hashable:
    """A hashable key equal for two JSON values exactly when they are equal (``==``)."""
    if isinstance(value, dict):
        return ("dict", frozenset((key, _equality_key(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("list", tuple(_equality_key(item) for item in value))
    if value is None or isinstance(value, str | int | float):  # bool is an int
        return value
    raise TypeError(f"not a JSON value: {value!r}")


_SEPARATORS = frozenset(',:[]{}"\\')


def _components(value: Any) -> set[str] | None:
    """The JSON text of ``value`` and of every key and value inside it, or None when a string
    inside holds a quote or a backslash.

    Without such a string, the JSON text of a value that ``_findable`` accepts is part of the
    text of ``value`` only as the text of one of these components: inside a string it cannot
    start (its quote would be escaped), and it cannot span two strings (it holds no comma or
    colon) nor start at a string's closing quote (its first key starts otherwise).
    """
    texts: set[str] = set()

    def walk(item: Any) -> bool:
        if isinstance(item, str) and ('"' in item or "\\" in item):
            return False
        texts.add(json.dumps(item))
        if isinstance(item, dict):
            return all(
                isinstance(key, str) and walk(key) and walk(entry) for key, entry in item.items()
            )
        if isinstance(item, list):
            return all(walk(entry) for entry in item)
        return True

    return texts if walk(value) else None


def _findable(value: Any) -> bool:
    """Whether ``mentions`` of ``value`` can be answered from ``_components``: a non-empty
    printable ASCII string without JSON punctuation, or a non-empty object whose first key
    starts with a letter or digit."""
    if isinstance(value, str):
        return (
            value != ""
            and value.isascii()
            and value.isprintable()
            and not _SEPARATORS.intersection(value)
        )
    if isinstance(value, dict) and value:
        first = next(iter(value))
        return isinstance(first, str) and first[:1].isascii() and first[:1].isalnum()
    return False


_RUNS: list[object] = []
"""The pack runs under way, innermost last (see ``check_run``)."""
_INDEXES: dict[tuple[object, str, str, str], RelatedIndex] = {}
"""The indexes read in the runs under way, by run, stack (``jsii_ref``), type and property."""


@contextmanager
def check_run() -> Iterator[None]:
    """One run of a pack over a construct tree, which does not change while it runs.

    Inside it, ``related_resources`` reads each stack's resources of a type once; when it ends
    they are forgotten, so that neither another run, nor another app, nor a rule called on its
    own (as tests do, between changes to a stack) sees an index read before.
    """
    run = object()
    _RUNS.append(run)
    try:
        yield
    finally:
        _RUNS.remove(run)
        for key in [key for key in _INDEXES if key[0] is run]:
            del _INDEXES[key]


def jsii_ref(construct: IConstruct) -> str:
    """Which object of jsii's kernel ``construct`` stands for: a construct made in Node comes
    back from each call as a new Python object, but with the same reference."""
    return str(getattr(construct, "__jsii_ref__").ref)  # noqa: B009 (a dunder mypy cannot see)


def related_resources(
    stack: Stack, l1_class: type[CfnResource], resource_type: str, target_property: str
) -> RelatedIndex:
    """The resources of ``resource_type`` in ``stack`` (``stack_resources``), indexed by
    ``target_property``: read once per stack in a ``check_run``, and on each call outside one.
    """
    if not _RUNS:
        return _read_related(stack, l1_class, resource_type, target_property)
    key = (_RUNS[-1], jsii_ref(stack), resource_type, target_property)
    index = _INDEXES.get(key)
    if index is None:
        index = _INDEXES[key] = _read_related(stack, l1_class, resource_type, target_property)
    return index


def _read_related(
    stack: Stack, l1_class: type[CfnResource], resource_type: str, target_property: str
) -> RelatedIndex:
    entries: list[Related] = []
    for construct in stack_resources(stack, l1_class, resource_type):
        try:
            properties = resolved_properties(construct)
            target = get_property(properties, target_property)
        except Exception as error:  # raised again where the rule reads this resource
            entries.append(Related(construct, None, None, error))
        else:
            entries.append(Related(construct, properties, target, None))
    return RelatedIndex(entries)


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


def identity_policy_statements(node: CfnResource) -> list[Any]:
    """Every statement of the identity policies ``node`` holds (see ``IDENTITY_POLICY_TYPES``),
    the JSON string form of IAM Identity Center's inline policy included."""
    properties = resolved_properties(node)
    resource_type = node.cfn_resource_type
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
