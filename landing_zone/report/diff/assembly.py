"""Reading a synthesized cloud assembly for the posture diff: every template, and the names
behind the ids the templates use.

Every ``*.template.json`` of the assembly folder is read, StackSet templates
(``*.stackset.template.json``) included: cdk-stacksets writes them beside the stack templates and
publishes them as file assets, which is how a StackSet resource's ``TemplateURL`` finds its file
(``landing_zone.compliance.assembly`` finds them the same way).

Ids become names where the templates say so:

- OUs: ``AWS::Organizations::OrganizationalUnit`` names, joined along ``ParentId`` into a path
  (``Workloads/Prod``); a root id (``r-…``) is ``Root``. Stacks outside the organization stack
  receive OU ids as SSM-backed parameters; the parameter's SSM name leads to the
  ``AWS::SSM::Parameter`` that publishes the OU's ``Id``.
- Permission sets: assignment stacks read a permission set's ARN from an SSM-backed parameter the
  same way, which leads to the ``AWS::SSO::PermissionSet`` and its ``Name``.
- Accounts: an ``AWS::Organizations::Account`` has no id in its template, so an account id gets
  its name through the email the Macie members list gives it (``Custom::MacieMembers``), or the
  ``<permission set>.<group>.<account>`` construct id of an assignment to it. An id none of these
  name stays an id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landing_zone.config.errors import LandingZoneError

TEMPLATE_SUFFIX = ".template.json"
STACKSET_SUFFIX = ".stackset.template.json"

_ACCOUNT_ID = re.compile(r"\d{12}")
_ASSIGNMENT_PATH = re.compile(r"/([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$")
_SSM_PARAMETER_TYPE = "AWS::SSM::Parameter::Value<String>"


class AssemblyError(LandingZoneError, ValueError):
    """An assembly that cannot be read or synthesized; the message names the path or git ref,
    what was found and what is expected."""


@dataclass(frozen=True)
class Resource:
    """One resource of one template."""

    template: str
    logical_id: str
    definition: Mapping[str, Any]

    @property
    def type(self) -> str:
        kind = self.definition.get("Type")
        return kind if isinstance(kind, str) else ""

    @property
    def properties(self) -> Mapping[str, Any]:
        properties = self.definition.get("Properties")
        return properties if isinstance(properties, Mapping) else {}

    @property
    def metadata(self) -> Mapping[str, Any]:
        metadata = self.definition.get("Metadata")
        return metadata if isinstance(metadata, Mapping) else {}

    @property
    def path(self) -> str:
        """The construct path CDK recorded, else ``<template>/<logical id>``."""
        path = self.metadata.get("aws:cdk:path")
        return path if isinstance(path, str) else f"{self.template}/{self.logical_id}"


@dataclass
class Assembly:
    """The templates of one cloud assembly, by file name, and the names of their ids."""

    path: Path
    templates: Mapping[str, Mapping[str, Any]]
    _ssm: dict[str, tuple[str, Any]] = field(default_factory=dict)
    _accounts: dict[str, str] = field(default_factory=dict)
    _stackset_files: dict[str, str] = field(default_factory=dict)

    def resources(self, template: str) -> dict[str, Resource]:
        body = self.templates.get(template, {})
        resources = body.get("Resources")
        if not isinstance(resources, Mapping):
            return {}
        return {
            logical_id: Resource(template, logical_id, definition)
            for logical_id, definition in resources.items()
            if isinstance(definition, Mapping)
        }

    def all_resources(self, *types: str) -> Iterator[Resource]:
        for template in sorted(self.templates):
            for resource in self.resources(template).values():
                if not types or resource.type in types:
                    yield resource

    def resource(self, template: str, logical_id: str) -> Resource | None:
        return self.resources(template).get(logical_id)

    def account_name(self, account_id: str) -> str | None:
        return self._accounts.get(account_id)

    def stackset_template(self, stackset: Resource) -> str | None:
        """The file name of the template ``stackset``'s ``TemplateURL`` points at."""
        url = text(stackset.properties.get("TemplateURL", ""))
        for object_key, source in self._stackset_files.items():
            if object_key in url:
                return source
        return None

    def name_of(self, value: Any, template: str) -> str:
        """A reviewer's name for an id in ``template``: OU path, account name, permission set
        name; the value as text when the templates do not name it."""
        if isinstance(value, str):
            if value.startswith("r-"):
                return "Root"
            if _ACCOUNT_ID.fullmatch(value):
                name = self._accounts.get(value)
                return f"{name} ({value})" if name else value
            return value
        if isinstance(value, Mapping) and "Ref" in value:
            target = self._parameter_target(template, str(value["Ref"]))
            if target is not None:
                return self.name_of(*target)
        if isinstance(value, Mapping) and "Fn::GetAtt" in value:
            logical_id = str(value["Fn::GetAtt"][0])
            resource = self.resource(template, logical_id)
            if resource is not None:
                if resource.type == "AWS::Organizations::OrganizationalUnit":
                    return self._ou_path(resource)
                if resource.type == "AWS::SSO::PermissionSet":
                    return str(resource.properties.get("Name", logical_id))
        return text(value)

    def _parameter_target(self, template: str, name: str) -> tuple[Any, str] | None:
        """What an SSM-backed parameter of ``template`` holds: the value published under its
        SSM name, and the template that publishes it."""
        parameters = self.templates.get(template, {}).get("Parameters", {})
        parameter = parameters.get(name) if isinstance(parameters, Mapping) else None
        if not isinstance(parameter, Mapping) or parameter.get("Type") != _SSM_PARAMETER_TYPE:
            return None
        published = self._ssm.get(str(parameter.get("Default")))
        if published is None:
            return None
        source, value = published
        return value, source

    def _ou_path(self, ou: Resource) -> str:
        names: list[str] = []
        current: Resource | None = ou
        while current is not None and len(names) < 10:
            names.append(str(current.properties.get("Name", current.logical_id)))
            parent = current.properties.get("ParentId")
            current = None
            if isinstance(parent, Mapping) and "Fn::GetAtt" in parent:
                current = self.resource(ou.template, str(parent["Fn::GetAtt"][0]))
        return "/".join(reversed(names))


def load_assembly(path: Path) -> Assembly:
    """Every template of the cloud assembly at ``path``; AssemblyError when it cannot be read."""
    if not path.is_dir():
        raise AssemblyError(
            f"{path}: not a directory; expected a cloud assembly folder (cdk synth -o <folder>)"
        )
    files = sorted(path.glob(f"*{TEMPLATE_SUFFIX}"))
    if not files:
        raise AssemblyError(
            f"{path}: holds no *{TEMPLATE_SUFFIX}; expected a synthesized cloud assembly"
        )
    templates = {file.name: _read_object(file) for file in files}
    assembly = Assembly(path, templates)
    _index(assembly)
    return assembly


def _read_object(file: Path) -> dict[str, Any]:
    try:
        body = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AssemblyError(f"{file}: cannot be read as JSON ({error})") from None
    if not isinstance(body, dict):
        raise AssemblyError(f"{file}: holds {type(body).__name__}; expected a JSON object")
    return body


def _index(assembly: Assembly) -> None:
    for parameter in assembly.all_resources("AWS::SSM::Parameter"):
        name = parameter.properties.get("Name")
        if isinstance(name, str):
            assembly._ssm[name] = (parameter.template, parameter.properties.get("Value"))
    emails = {
        str(account.properties.get("Email")): str(account.properties.get("AccountName"))
        for account in assembly.all_resources("AWS::Organizations::Account")
    }
    for members in assembly.all_resources("Custom::MacieMembers"):
        listed = members.properties.get("Members")
        if isinstance(listed, Mapping):
            for account_id, email in listed.items():
                if email in emails:
                    assembly._accounts.setdefault(str(account_id), emails[email])
    for assignment in assembly.all_resources("AWS::SSO::Assignment"):
        target = assignment.properties.get("TargetId")
        match = _ASSIGNMENT_PATH.search(assignment.path)
        if isinstance(target, str) and match:
            assembly._accounts.setdefault(target, match.group(3))
    for manifest in sorted(assembly.path.glob("*.assets.json")):
        files = _read_object(manifest).get("files", {})
        for asset in files.values() if isinstance(files, Mapping) else ():
            source = asset.get("source", {}).get("path", "")
            if not str(source).endswith(STACKSET_SUFFIX):
                continue
            for destination in asset.get("destinations", {}).values():
                assembly._stackset_files[str(destination.get("objectKey"))] = str(source)


def text(value: Any) -> str:
    """A template value as text: ``Fn::Join`` joined, ``Ref`` as ``${Name}``, ``Fn::GetAtt`` as
    ``${Name.Attribute}``, ``Fn::Sub`` as its string, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        if "Ref" in value:
            return "${" + str(value["Ref"]) + "}"
        if "Fn::GetAtt" in value:
            attribute = value["Fn::GetAtt"]
            parts = attribute if isinstance(attribute, list) else [attribute]
            return "${" + ".".join(str(part) for part in parts) + "}"
        if "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            return str(sub[0] if isinstance(sub, list) else sub)
        join = value.get("Fn::Join")
        if isinstance(join, list) and len(join) == 2 and isinstance(join[1], list):
            return str(join[0]).join(text(part) for part in join[1])
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def as_list(value: Any) -> list[Any]:
    """A policy element that may be one value or a list, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
