"""What a rule of the fintech pack reads: one resource of a synthesized template, and its template.

Rules run after synthesis, in Python, over the templates' JSON: the properties are exactly what
CloudFormation receives (CloudFormation-cased keys, references as ``Ref``/``Fn::GetAtt``,
property overrides included), and reading them costs no round trip to Node.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aws_cdk import CfnResource, Stack

from landing_zone.common.protected_namespace import DEFAULT_EXEMPT_ROLE_NAMES, DEFAULT_PREFIX
from landing_zone.compliance.rules._cfn import get_property, is_intrinsic

_T = TypeVar("_T")


@dataclass(frozen=True)
class StackMark:
    """The ``ProtectedNamespace`` mark of a template's stack: its prefix and exempt role names,
    and whether the stack is the landing zone's (marked) at all."""

    prefix: str = DEFAULT_PREFIX
    exempt_role_names: tuple[str, ...] = DEFAULT_EXEMPT_ROLE_NAMES
    landing_zone: bool = False


UNMARKED = StackMark()
"""The mark of a stack without ``ProtectedNamespace``: the guardrails' defaults."""


@dataclass(eq=False)
class Template:
    """One synthesized template: a stack's, a nested stack's or a StackSet's.

    ``name`` is the template's file name in the cloud assembly, which CDK's validation report
    maps back to construct paths. Rules that look at related resources (flow logs, bucket
    policies) use ``related``, built once per template and type.
    """

    name: str
    body: Mapping[str, Any]
    mark: StackMark | Exception = UNMARKED
    """The stack's mark, or why it could not be found (rules that need it then fail closed)."""
    paths: Mapping[str, str] = field(default_factory=dict)
    """Construct path of each logical id, where known (test runs read them from the tree)."""
    _cache: dict[object, Any] = field(default_factory=dict, repr=False)

    @property
    def resources(self) -> Mapping[str, Any]:
        resources = self.body.get("Resources", {})
        if not isinstance(resources, Mapping):
            raise TypeError(f"{self.name}: Resources is not an object")
        return resources

    def resource(self, logical_id: str) -> Resource:
        return Resource(self, logical_id, self.resources[logical_id])

    def __iter__(self) -> Iterator[Resource]:
        for logical_id, definition in self.resources.items():
            yield Resource(self, logical_id, definition)

    def stack_mark(self) -> StackMark:
        """The mark of the template's stack; raises why it could not be read."""
        if isinstance(self.mark, Exception):
            raise self.mark.with_traceback(None)
        return self.mark

    def cached(self, key: object, compute: Callable[[], _T]) -> _T:
        """``compute()``, once per template and ``key``: facts several resources need."""
        if key not in self._cache:
            self._cache[key] = compute()
        value: _T = self._cache[key]
        return value

    def related(self, resource_type: str, target_property: str) -> Related:
        """The resources of ``resource_type`` indexed by the value of ``target_property``."""
        return self.cached(
            ("related", resource_type, target_property),
            lambda: Related([each for each in self if each.type == resource_type], target_property),
        )


@dataclass(frozen=True)
class Resource:
    """One resource of a template, as CloudFormation receives it."""

    template: Template
    logical_id: str
    definition: Any

    @property
    def type(self) -> str:
        kind = self._entry("Type")
        return kind if isinstance(kind, str) else ""

    @property
    def properties(self) -> Mapping[str, Any]:
        """The ``Properties`` object (empty when absent); TypeError when it is not a literal
        object (an ``Fn::If`` choosing between two sets of properties)."""
        properties = self._entry("Properties")
        if properties is None:
            return {}
        if not isinstance(properties, Mapping) or is_intrinsic(properties):
            raise TypeError(f"cannot read the properties of {self.path}: {properties!r}")
        return properties

    @property
    def metadata(self) -> Mapping[str, Any]:
        metadata = self._entry("Metadata")
        return metadata if isinstance(metadata, Mapping) else {}

    @property
    def deletion_policy(self) -> Any:
        return self._entry("DeletionPolicy")

    @property
    def update_replace_policy(self) -> Any:
        return self._entry("UpdateReplacePolicy")

    @property
    def ref(self) -> dict[str, str]:
        """How the template refers to the resource: ``{"Ref": <logical id>}``."""
        return {"Ref": self.logical_id}

    @property
    def path(self) -> str:
        """The construct path where known, else ``<template>/<logical id>``, for messages."""
        return self.template.paths.get(self.logical_id) or f"{self.template.name}/{self.logical_id}"

    def _entry(self, name: str) -> Any:
        if not isinstance(self.definition, Mapping):
            raise TypeError(f"{self.template.name}: {self.logical_id} is not an object")
        return self.definition.get(name)


class Related:
    """The resources of one type in a template, by the value of their target property, so a
    check finds those naming a resource without reading the others.

    ``naming(value)`` returns those whose target equals ``value``; ``unclear()`` those whose
    target is neither a string nor a plain ``Ref``/``Fn::GetAtt`` (an ``Fn::If``, a join), or
    cannot be read at all: a rule looks at each of them, since they may name the resource in a
    way it cannot tell. Both keep template order.
    """

    def __init__(self, resources: list[Resource], target_property: str) -> None:
        self._by_target: dict[str, list[Resource]] = {}
        self._unclear: list[Resource] = []
        for resource in resources:
            try:
                target = get_property(resource.properties, target_property)
            except TypeError:  # raised again where the rule reads this resource
                self._unclear.append(resource)
                continue
            self._by_target.setdefault(_key(target), []).append(resource)
            plain = isinstance(target, str) or (
                is_intrinsic(target) and ("Ref" in target or "Fn::GetAtt" in target)
            )
            if not plain:
                self._unclear.append(resource)

    def naming(self, value: Any) -> list[Resource]:
        return self._by_target.get(_key(value), [])

    def unclear(self) -> list[Resource]:
        return self._unclear


def _key(value: Any) -> str:
    """A key equal for two JSON values exactly when they are equal as JSON."""
    return json.dumps(value, sort_keys=True)


def construct_view(node: CfnResource) -> Resource:
    """``node`` read from its construct, before synthesis, for checks a construct runs on its
    own resource while it is built (``PermissionSet`` rejects wildcard actions this way).

    Its properties are resolved by its stack from the construct, so an L1 class's keys are
    camelCase (rules read names in any case) and property overrides are not seen; it is alone
    in its template, so rules that look at related resources find none.
    """
    stack = Stack.of(node)
    logical_id = str(stack.resolve(node.logical_id))
    definition = {"Type": node.cfn_resource_type, "Properties": stack.resolve(node._cfn_properties)}
    return Template(stack.template_file, {"Resources": {logical_id: definition}}).resource(
        logical_id
    )
