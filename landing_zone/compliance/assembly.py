"""Finding and reading the synthesized templates the fintech pack checks, and their stacks.

A cloud assembly holds one template per CloudFormation stack artifact. Nested stacks
(``*.nested.template.json``) and cdk-stacksets ``StackSetStack``s (``*.stackset.template.json``)
are not artifacts: their parent stack's synthesizer publishes their template as a file asset, so
the assembly's asset manifests list them, and nothing else is needed to find every template.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk import CfnElement, CfnResource, Stack, Stage, Validations
from aws_cdk.cx_api import CloudAssembly
from constructs import IConstruct

from landing_zone.common.protected_namespace import ProtectedNamespace
from landing_zone.compliance.acknowledgments import Acknowledgment, plain_rule_id
from landing_zone.compliance.rules.resource import UNMARKED, Resource, StackMark

TEMPLATE_SUFFIX = ".template.json"

SUPPRESSIONS_METADATA = "cdk_nag"
"""Where cdk-nag's ``WriteNagSuppressionsToCloudFormationAspect`` writes a resource's
acknowledgments (its own and its ancestors'): ``{"rules_to_suppress": [{"id", "reason"}]}``."""

ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"
"""The cloud assembly metadata type of ``Validations.of(construct).acknowledge``
(``Validations.ACKNOWLEDGED_RULES_METADATA_KEY``): rule id -> reason, by construct path."""

_ASSET_MANIFEST = "cdk:asset-manifest"
_STACK = "aws:cloudformation:stack"
_TREE_CHANGED = "modified after the first synthesis"
"""What CDK's ``Stage.synth`` says when the tree changed since the assembly it holds."""


def read_json(path: Path) -> Any:
    """The JSON document at ``path``; raises (OSError, ValueError) when it cannot be read."""
    with path.open(encoding="utf-8") as file:
        return json.load(file)


def assembly_templates(stack_templates: Iterable[Path]) -> list[Path]:
    """``stack_templates`` and every template their assemblies publish as a file asset.

    Raises when a manifest cannot be read or names a template that is not there: a template
    the pack cannot find must fail the check, never pass it.
    """
    templates = list(dict.fromkeys(stack_templates))
    for directory in dict.fromkeys(path.parent for path in templates):
        manifest = read_json(directory / "manifest.json")
        for artifact in manifest.get("artifacts", {}).values():
            if artifact.get("type") != _ASSET_MANIFEST:
                continue
            assets = read_json(directory / artifact["properties"]["file"])
            for asset in assets.get("files", {}).values():
                source = asset["source"].get("path", "")
                if asset["source"].get("packaging") == "file" and source.endswith(TEMPLATE_SUFFIX):
                    template = directory / source
                    if not template.is_file():
                        raise FileNotFoundError(f"the asset manifest names {template}, not found")
                    templates.append(template)
    names = [path.name for path in dict.fromkeys(templates)]
    if len(names) != len(set(names)):
        raise ValueError(f"two templates of the assembly have one file name: {sorted(names)}")
    return list(dict.fromkeys(templates))


def assembly_acknowledgments(stack_templates: Iterable[Path]) -> list[Acknowledgment]:
    """Every acknowledgment recorded in the assemblies of ``stack_templates``: the metadata of
    each stack artifact (inline in ``manifest.json`` or in its ``additionalMetadataFile``),
    which names the construct path of each acknowledgment, StackSet and nested stacks' included
    (they are constructs of their parent stack). Raises when a manifest or metadata file
    cannot be read, like :func:`assembly_templates`."""
    found: list[Acknowledgment] = []
    for directory in dict.fromkeys(path.parent for path in stack_templates):
        manifest = read_json(directory / "manifest.json")
        for artifact in manifest.get("artifacts", {}).values():
            if artifact.get("type") != _STACK:
                continue
            file = artifact.get("additionalMetadataFile")
            metadata = artifact.get("metadata", {}) if file is None else read_json(directory / file)
            source = str(directory / (file or "manifest.json"))
            for path, entries in metadata.items():
                for entry in entries:
                    if entry.get("type") == ACKNOWLEDGED_RULES and isinstance(
                        entry.get("data"), Mapping
                    ):
                        found.extend(
                            Acknowledgment(source, path, plain_rule_id(str(rule_id)))
                            for rule_id in entry["data"]
                        )
    return found


def mark_of(stack: Stack) -> StackMark:
    """The ``ProtectedNamespace`` mark of ``stack``, as rules read it."""
    mark = ProtectedNamespace.of(stack)
    if mark is None:
        return UNMARKED
    return StackMark(mark.prefix, tuple(mark.exempt_role_names), landing_zone=True)


def stack_marks(app: IConstruct, template_names: set[str]) -> dict[str, StackMark | Exception]:
    """The mark of the stack of each template named in ``template_names``.

    Stacks are near the root: the app's children, and their StackSet and nested stacks as
    direct children of a stack. Those are looked at first, which costs a few round trips to
    Node per stack; only a template whose stack is elsewhere sends the search through the rest
    of the tree, breadth first and never into resources. A template whose stack is not found
    gets a LookupError, which fails the rules that need the mark.
    """
    marks: dict[str, StackMark | Exception] = {}

    def visit(construct: IConstruct) -> bool:
        """Record ``construct``'s mark if it is a wanted stack; whether it is a stack."""
        if not isinstance(construct, Stack):
            return False
        if (name := construct.template_file) in template_names and name not in marks:
            marks[name] = mark_of(construct)
        return True

    stacks = [child for child in app.node.children if visit(child)]
    while stacks and len(marks) < len(template_names):
        stacks = [child for stack in stacks for child in stack.node.children if visit(child)]
    level: list[IConstruct] = [app]
    while level and len(marks) < len(template_names):
        below: list[IConstruct] = []
        for construct in level:
            for child in construct.node.children:
                if isinstance(child, CfnElement):
                    continue
                visit(child)
                below.append(child)
        level = below
    for name in template_names - set(marks):
        marks[name] = LookupError(f"cannot find the stack of {name} in the construct tree")
    return marks


def synthesize(app: Stage) -> CloudAssembly:
    """The assembly of ``app``: the one it holds, or a new one when its tree changed since."""
    try:
        return app.synth()
    except Exception as error:
        if _TREE_CHANGED not in str(error):
            raise
        return app.synth(force=True)


@dataclass
class TreeResources:
    """The CfnResources of a scope in the construct tree, by template file name."""

    paths: dict[str, dict[str, str]] = field(default_factory=dict)
    """Template name → logical id → construct path."""
    marks: dict[str, StackMark] = field(default_factory=dict)
    """Template name → the mark of its stack."""
    constructs: dict[str, CfnResource] = field(default_factory=dict)
    """Construct path → the resource."""


def tree_resources(scope: IConstruct) -> TreeResources:
    """Every CfnResource under ``scope``, where it lands in the assembly (test path: a few round
    trips to Node per resource)."""
    found = TreeResources()
    stacks: dict[str, Stack] = {}
    for construct in scope.node.find_all():
        if not isinstance(construct, CfnResource):
            continue
        stack = Stack.of(construct)
        name = stack.template_file
        if name not in stacks:
            stacks[name] = stack
            found.marks[name] = mark_of(stack)
        path = construct.node.path
        found.paths.setdefault(name, {})[str(stack.resolve(construct.logical_id))] = path
        found.constructs[path] = construct
    return found


def stack_templates(assembly: CloudAssembly) -> list[Path]:
    """The template of every stack artifact of ``assembly`` and its nested assemblies."""
    return [Path(stack.template_full_path) for stack in assembly.stacks_recursively]


def acknowledged_in_metadata(resource: Resource) -> frozenset[str]:
    """The rule ids acknowledged on ``resource`` or its ancestors, as the aspect wrote them."""
    entry = resource.metadata.get(SUPPRESSIONS_METADATA)
    rules = entry.get("rules_to_suppress") if isinstance(entry, Mapping) else None
    if not isinstance(rules, Sequence):
        return frozenset()
    return frozenset(
        rule["id"]
        for rule in rules
        if isinstance(rule, Mapping)
        and isinstance(rule.get("id"), str)
        and _is_reason(rule.get("reason"))
    )


MIN_REASON_LENGTH = 10
"""An acknowledgment counts only with a reason of at least this many characters (as cdk-nag 2's
suppressions required): metadata written by hand without one does not silence a finding."""


def _is_reason(reason: object) -> bool:
    return isinstance(reason, str) and len(reason.strip()) >= MIN_REASON_LENGTH


def acknowledged_in_tree(construct: IConstruct) -> frozenset[str]:
    """The rule ids acknowledged on ``construct`` or its ancestors, read as cdk-nag's
    ``isAcknowledged`` and its aspect read them (``Annotation::`` dropped, any case)."""
    ids: set[str] = set()
    current: IConstruct | None = construct
    while current is not None:
        for entry in current.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY and entry.data:
                ids.update(
                    _plain_id(str(key)) for key, reason in entry.data.items() if _is_reason(reason)
                )
        current = current.node.scope
    return frozenset(ids)


def _plain_id(key: str) -> str:
    return key[len("annotation::") :] if key.lower().startswith("annotation::") else key
