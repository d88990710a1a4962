"""Unacknowledged findings and construct warnings from the assembly's validation report.

CDK writes the policy-validation plugins' results (the check packs) and the construct
annotations to ``validation-report.json`` with construct paths, and, when synth passes, also to
``policy-validation-report.json`` with the template and logical id of each violating resource;
the second is read when present, the first is mapped to resources through their
``aws:cdk:path`` metadata or ``tree.json``.
An assembly that passed every pack has no pack findings: acknowledged ones are not reported
there (``acknowledgments`` reads them from the template metadata).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landing_zone.compliance.assembly import read_json
from landing_zone.report.assembly import Assembly, ReportInputError
from landing_zone.summary import ANNOTATIONS_PLUGIN

POLICY_REPORT = "policy-validation-report.json"
PLAIN_REPORT = "validation-report.json"
TREE = "tree.json"


@dataclass(frozen=True)
class Finding:
    plugin: str
    rule_id: str
    description: str
    severity: str
    construct_path: str
    template: str | None
    logical_id: str | None

    @property
    def is_construct_warning(self) -> bool:
        return self.plugin == ANNOTATIONS_PLUGIN


def _tree_paths(node: Mapping[str, Any], found: dict[str, str]) -> None:
    attributes = node.get("attributes")
    logical_id = (
        attributes.get("aws:cdk:cloudformation:logicalId")
        if isinstance(attributes, Mapping)
        else None
    )
    if isinstance(logical_id, str) and isinstance(node.get("path"), str):
        found[node["path"]] = logical_id
    children = node.get("children")
    for child in children.values() if isinstance(children, Mapping) else ():
        if isinstance(child, Mapping):
            _tree_paths(child, found)


def _paths(assembly: Assembly) -> dict[str, tuple[str, str]]:
    """Construct path → (template, logical id): from the ``aws:cdk:path`` metadata the CLI
    turns on, else from ``tree.json``, which every synth writes."""
    paths: dict[str, tuple[str, str]] = {}
    holders: dict[str, list[str]] = {}
    for template in assembly.templates:
        for logical_id, definition in template.resources.items():
            holders.setdefault(logical_id, []).append(template.name)
            metadata = definition.get("Metadata")
            path = metadata.get("aws:cdk:path") if isinstance(metadata, Mapping) else None
            if isinstance(path, str):
                paths[path] = (template.name, logical_id)
    tree: dict[str, str] = {}
    if (assembly.directory / TREE).is_file():
        try:
            document = read_json(assembly.directory / TREE)
        except (OSError, ValueError) as error:
            raise ReportInputError(
                f"{assembly.directory / TREE}: cannot read it ({error})"
            ) from None
        if isinstance(document, Mapping) and isinstance(document.get("tree"), Mapping):
            _tree_paths(document["tree"], tree)
    for path, logical_id in tree.items():
        candidates = holders.get(logical_id, [])
        stack_template = f"{path.split('/', 1)[0]}.template.json"
        # A logical id is unique in its template only: prefer the template of the path's stack.
        holder = stack_template if stack_template in candidates else None
        if holder is None and len(candidates) == 1:
            holder = candidates[0]
        if holder is not None:
            paths.setdefault(path, (holder, logical_id))
    return paths


def _where(
    assembly: Assembly, paths: Mapping[str, tuple[str, str]], construct_path: str
) -> tuple[str | None, str | None]:
    for candidate in (construct_path, f"{construct_path}/Resource"):
        if candidate in paths:
            return paths[candidate]
    stack_template = f"{construct_path.split('/', 1)[0]}.template.json"
    if any(template.name == stack_template for template in assembly.templates):
        return stack_template, None
    return None, None


def _logical_id(value: Any) -> str | None:
    return value if isinstance(value, str) and value and value != "N/A" else None


def _template(value: Any) -> str | None:
    return Path(value).name if isinstance(value, str) and value else None


def _read(path: Path) -> Mapping[str, Any]:
    try:
        report = read_json(path)
    except (OSError, ValueError) as error:
        raise ReportInputError(f"{path}: cannot read the validation report ({error})") from None
    if not isinstance(report, Mapping) or not isinstance(report.get("pluginReports", []), list):
        raise ReportInputError(
            f"{path}: pluginReports must be a list of plugin reports, as CDK writes it"
        )
    return report


def read_findings(assembly: Assembly) -> list[Finding]:
    """Every violation of the validation report, one per violating construct, sorted."""
    found: set[Finding] = set()
    if (assembly.directory / POLICY_REPORT).is_file():
        report = _read(assembly.directory / POLICY_REPORT)
        for plugin in report.get("pluginReports", []):
            name = str(plugin.get("summary", {}).get("pluginName", "?"))
            for violation in plugin.get("violations", []):
                for construct in violation.get("violatingConstructs", []):
                    found.add(
                        Finding(
                            name,
                            str(violation.get("ruleName", "?")),
                            str(violation.get("description", "")),
                            str(violation.get("severity", "error")),
                            str(construct.get("constructPath", "")),
                            _template(construct.get("templatePath")),
                            _logical_id(construct.get("resourceLogicalId")),
                        )
                    )
    elif (assembly.directory / PLAIN_REPORT).is_file():
        report = _read(assembly.directory / PLAIN_REPORT)
        paths = _paths(assembly)
        for plugin in report.get("pluginReports", []):
            name = str(plugin.get("pluginName", "?"))
            for violation in plugin.get("violations", []):
                for construct in violation.get("violatingConstructs", []):
                    construct_path = str(construct.get("constructPath", ""))
                    template, logical_id = _where(assembly, paths, construct_path)
                    found.add(
                        Finding(
                            name,
                            str(violation.get("ruleName", "?")),
                            str(violation.get("description", "")),
                            str(violation.get("severity", "error")),
                            construct_path,
                            template,
                            logical_id,
                        )
                    )
    return sorted(
        found,
        key=lambda f: (f.plugin, f.rule_id, f.template or "", f.logical_id or "", f.construct_path),
    )
