"""The synthesized cloud assembly the report reads: every template, as CloudFormation gets it.

Templates are found as the Fintech pack finds them (``landing_zone.compliance.assembly``): the
template of every stack artifact of the manifest, then every template the asset manifests
publish as a file asset (cdk-stacksets' ``*.stackset.template.json``, nested stacks).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk.cx_api import CloudAssembly

from landing_zone.compliance.assembly import assembly_templates, read_json, stack_templates
from landing_zone.config.errors import LandingZoneError

MANIFEST = "manifest.json"
SUMMARY = "landing-zone-summary.json"
"""What ``app.py`` writes beside the templates: config path, stack names, check packs."""

_ENVIRONMENT = re.compile(r"^aws://(?P<account>\d{12})/(?P<region>[a-z0-9-]+)$")


class ReportInputError(LandingZoneError):
    """The folder given to the report is not a readable cloud assembly."""


@dataclass(frozen=True)
class TemplateFile:
    """One template of the assembly."""

    name: str
    """File name in the assembly folder, e.g. ``acme-pay-organization.template.json``."""
    path: Path
    body: Mapping[str, Any]
    size_bytes: int
    """Size of the file as written, which is what CloudFormation receives from S3."""
    text: str = field(repr=False)

    @property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        resources: Mapping[str, Mapping[str, Any]] = self.body.get("Resources", {})
        return resources

    @property
    def parameters(self) -> Mapping[str, Mapping[str, Any]]:
        parameters: Mapping[str, Mapping[str, Any]] = self.body.get("Parameters", {})
        return parameters

    def line_of(self, logical_id: str) -> int:
        """The line where the resource ``logical_id`` starts (1 when it cannot be found)."""
        start = self.text.find('"Resources"')
        match = re.compile(rf'^\s*"{re.escape(logical_id)}"\s*:\s*{{', re.MULTILINE).search(
            self.text, max(start, 0)
        )
        return self.text.count("\n", 0, match.start()) + 1 if match else 1


@dataclass(frozen=True)
class Assembly:
    """A cloud assembly folder and what the report reads from it."""

    directory: Path
    templates: tuple[TemplateFile, ...]
    """Sorted by file name."""
    summary: Mapping[str, Any]
    """``landing-zone-summary.json`` when ``app.py`` wrote one, else empty."""
    stack_accounts: Mapping[str, str]
    """Template file name → account id of its stack's environment, where the manifest says."""

    def template(self, name: str) -> TemplateFile:
        return next(template for template in self.templates if template.name == name)


def _fail(directory: Path, problem: str) -> ReportInputError:
    return ReportInputError(
        f"{directory}: {problem}; expected the cloud assembly folder `cdk synth` writes "
        f"(cdk.out: {MANIFEST} and the *.template.json files)"
    )


def _read_template(path: Path) -> TemplateFile:
    try:
        text = path.read_text(encoding="utf-8")
        body = read_json(path)
    except (OSError, ValueError) as error:
        raise ReportInputError(f"{path}: cannot read the template ({error})") from None
    if not isinstance(body, Mapping):
        raise ReportInputError(
            f"{path}: (top level) must be a JSON object (a CloudFormation template); "
            f"received {type(body).__name__}"
        )
    for section in ("Resources", "Parameters"):
        value = body.get(section, {})
        if not isinstance(value, Mapping) or not all(
            isinstance(entry, Mapping) for entry in value.values()
        ):
            raise ReportInputError(
                f"{path}: {section} must be an object of objects (logical id → definition); "
                f"received {type(value).__name__}"
            )
    return TemplateFile(path.name, path, body, len(text.encode("utf-8")), text)


def _stack_accounts(directory: Path) -> dict[str, str]:
    accounts: dict[str, str] = {}
    manifest = read_json(directory / MANIFEST)
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        match = _ENVIRONMENT.match(str(artifact.get("environment", "")))
        template = artifact.get("properties", {}).get("templateFile")
        if match and isinstance(template, str):
            accounts[template] = match["account"]
    return accounts


def load_assembly(directory: Path) -> Assembly:
    """Read the assembly in ``directory``; a ``ReportInputError`` says what is wrong with it."""
    if not directory.exists():
        raise _fail(directory, "no such folder")
    if not directory.is_dir():
        raise _fail(directory, "is a file, not a folder")
    if not (directory / MANIFEST).is_file():
        raise _fail(directory, f"has no {MANIFEST}")
    try:
        cloud_assembly = CloudAssembly(str(directory))
        paths = assembly_templates(stack_templates(cloud_assembly))
        stack_accounts = _stack_accounts(directory)
    except Exception as error:  # jsii reports a bad manifest as a plain JSII error
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise _fail(directory, f"cannot read its manifests ({message})") from None
    if not paths:
        raise _fail(directory, "holds no stack templates")
    templates = tuple(sorted((_read_template(path) for path in paths), key=lambda t: t.name))
    summary: Mapping[str, Any] = {}
    if (directory / SUMMARY).is_file():
        try:
            summary = read_json(directory / SUMMARY)
        except (OSError, ValueError) as error:
            raise ReportInputError(f"{directory / SUMMARY}: cannot read it ({error})") from None
        if not isinstance(summary, Mapping):
            raise ReportInputError(
                f"{directory / SUMMARY}: (top level) must be a JSON object; "
                f"received {type(summary).__name__}"
            )
    return Assembly(directory, templates, summary, stack_accounts)
