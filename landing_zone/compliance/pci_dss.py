"""PCI DSS v4.0 coverage of a synthesized landing zone: which requirements its templates give
evidence for, checked in the templates rather than assumed.

The mapping is data (``pci_dss_v4.yaml`` beside this module): PCI DSS v4.0 requirement id to the
landing zone's own one-line paraphrase (never the standard's text, which is copyrighted), what
infrastructure can show for it (``scope``) and the controls that give the evidence. Each control
counts only when the synthesized templates hold it: a guardrail only when an organization policy
carries it, an AWS Config rule only when a rule, organization rule or conformance pack declares
it, a log retention only when the bucket or log group the logs go to keeps them that long.

    python -m landing_zone.compliance.pci_dss cdk.out [--write docs/pci-dss-v4.md] [--json]

A requirement ends up ``covered`` (infrastructure can show all of it and every piece of evidence
is there), ``partly covered`` (some evidence is there, or the mapping says infrastructure shows
only part of it), ``not covered`` (none of its evidence is there) or ``outside infrastructure``
(processes and people: policies, training, physical security, reviews).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

MAPPING_FILE = Path(__file__).with_name("pci_dss_v4.yaml")
"""The landing zone's PCI DSS v4.0 mapping."""

TEMPLATE_GLOB = "*.template.json"
"""Every template of a cloud assembly: stacks, and the StackSet and nested-stack templates CDK
writes beside them."""

PRINCIPAL_REQUIREMENTS = tuple(range(1, 13))
"""PCI DSS v4.0's twelve principal requirements; the mapping names something under each."""

_REQUIREMENT_ID = re.compile(r"(?:[1-9]|1[0-2])(?:\.[1-9][0-9]?){1,3}")
_SUMMARY_MAX_LENGTH = 160


class MappingError(ValueError):
    """The mapping file cannot be read or does not validate; names file, field, value, allowed."""


class AssemblyError(ValueError):
    """The cloud assembly holds no template, or a template cannot be read."""


# --- the mapping -------------------------------------------------------------------------------


class Scope(StrEnum):
    """What infrastructure can show for a requirement, by the mapping's reading of it."""

    INFRASTRUCTURE = "infrastructure"
    """The templates can show all of it."""
    PARTIAL = "partial"
    """The templates show a part; processes or the workloads do the rest (``note`` says what)."""
    OUTSIDE = "outside"
    """Processes and people only (``note`` says whose)."""


class Status(StrEnum):
    """A requirement's coverage in one assembly."""

    COVERED = "covered"
    PARTLY_COVERED = "partly covered"
    NOT_COVERED = "not covered"
    OUTSIDE_INFRASTRUCTURE = "outside infrastructure"


_Name = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^\S+$")]


class _Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GuardrailEvidence(_Evidence):
    """An SCP or RCP guardrail by its config name (``deny-root-user``): present when an
    ``AWS::Organizations::Policy`` of that type lists it among the guardrails it carries and has
    statements."""

    guardrail: _Name


class ConfigRuleEvidence(_Evidence):
    """An AWS Config rule by name: an ``AWS::Config::ConfigRule``, an organization rule, or a
    rule inside a conformance pack or organization conformance pack's template body."""

    config_rule: _Name


class SecurityHubStandardEvidence(_Evidence):
    """A Security Hub standard by the path of its ARN (``pci-dss/v/4.0.1``), enabled by a
    configuration policy that is associated with a target."""

    security_hub_standard: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+/v/[0-9.]+$")]


class SecurityHubControlEvidence(_Evidence):
    """A Security Hub control by id (``CloudTrail.2``), enabled by an associated configuration
    policy: listed among its enabled controls, or not among its disabled ones.

    Ids from the Security Hub controls reference,
    https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-controls-reference.html
    """

    security_hub_control: Annotated[
        str, StringConstraints(pattern=r"^[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*\.[0-9]+$")
    ]


class PlaybookEvidence(_Evidence):
    """An incident-response playbook: an ``AWS::StepFunctions::StateMachine`` of that name."""

    playbook: _Name


class AlarmEvidence(_Evidence):
    """An ``AWS::CloudWatch::Alarm`` of that name."""

    alarm: _Name


class EventRuleEvidence(_Evidence):
    """An ``AWS::Events::Rule`` of that name that is enabled and has a target."""

    event_rule: _Name


class SdkCallEvidence(_Evidence):
    """A one-way AWS SDK call a ``Custom::AWS`` resource makes, as ``Service.action``
    (``GuardDuty.updateOrganizationConfiguration``); the action's first letter's case is
    ignored, as the SDK ignores it."""

    sdk_call: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]+\.[A-Za-z][A-Za-z0-9]*$")]


LogSource = Literal[
    "AWS::CloudTrail::Trail", "AWS::EC2::FlowLog", "AWS::WAFv2::LoggingConfiguration"
]


class LogRetention(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    logs_of: LogSource
    """Every resource of this type is followed to where it delivers logs."""
    minimum_days: int = Field(ge=1, le=36500)
    """Each destination keeps logs at least this long: a log group by its retention (none:
    forever), a bucket by its Object Lock default retention (none: not kept, anyone with
    delete rights may remove them)."""


class LogRetentionEvidence(_Evidence):
    log_retention: LogRetention


class PermissionSets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    maximum_session_hours: float | None = Field(default=None, gt=0, le=12)
    """Every permission set's session lasts at most this long."""
    mfa_for_sensitive_actions: bool = False
    """Every permission set not in ``exempt`` denies some actions unless the session has MFA
    (a Deny statement conditioned on ``aws:MultiFactorAuthPresent`` false)."""
    exempt: tuple[_Name, ...] = ()
    """Permission sets the MFA check leaves out (break-glass, which pages whenever used)."""

    @model_validator(mode="after")
    def _something_to_check(self) -> PermissionSets:
        if self.maximum_session_hours is None and not self.mfa_for_sensitive_actions:
            raise ValueError(
                "set maximum_session_hours or mfa_for_sensitive_actions: true; nothing to check"
            )
        if self.exempt and not self.mfa_for_sensitive_actions:
            raise ValueError("exempt applies to mfa_for_sensitive_actions only, which is off")
        return self


class PermissionSetsEvidence(_Evidence):
    """Properties every ``AWS::SSO::PermissionSet`` of the assembly has (at least one exists)."""

    permission_sets: PermissionSets


class ResourceMatch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Annotated[
        str,
        StringConstraints(
            pattern=r"^(?:[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+|Custom::[A-Za-z0-9_@-]+)$"
        ),
    ]
    """A CloudFormation resource type, or a custom resource's (``Custom::Name``)."""
    label: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    """What the evidence shows, for the report."""
    properties: dict[str, Any] = Field(default_factory=dict)
    """Properties the resource has: mappings match key by key, each listed element matches some
    element of the resource's list, other values are equal."""
    every: bool = False
    """All resources of the type match (at least one exists), not only one."""


class ResourceEvidence(_Evidence):
    """A resource of a type with given properties."""

    resource: ResourceMatch


def _evidence_tag(value: Any) -> str | None:
    if isinstance(value, Mapping) and len(value) == 1:
        return str(next(iter(value)))
    if isinstance(value, _Evidence):
        return next(iter(type(value).model_fields))
    return None


Evidence = Annotated[
    Annotated[GuardrailEvidence, Tag("guardrail")]
    | Annotated[ConfigRuleEvidence, Tag("config_rule")]
    | Annotated[SecurityHubStandardEvidence, Tag("security_hub_standard")]
    | Annotated[SecurityHubControlEvidence, Tag("security_hub_control")]
    | Annotated[PlaybookEvidence, Tag("playbook")]
    | Annotated[AlarmEvidence, Tag("alarm")]
    | Annotated[EventRuleEvidence, Tag("event_rule")]
    | Annotated[SdkCallEvidence, Tag("sdk_call")]
    | Annotated[LogRetentionEvidence, Tag("log_retention")]
    | Annotated[PermissionSetsEvidence, Tag("permission_sets")]
    | Annotated[ResourceEvidence, Tag("resource")],
    Discriminator(
        _evidence_tag,
        custom_error_type="evidence_kind",
        custom_error_message=(
            "each evidence item is a mapping with exactly one key, one of: guardrail, "
            "config_rule, security_hub_standard, security_hub_control, playbook, alarm, "
            "event_rule, sdk_call, log_retention, permission_sets, resource"
        ),
    ),
]


class Requirement(BaseModel):
    """One PCI DSS v4.0 requirement in the mapping."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    summary: Annotated[
        str,
        StringConstraints(min_length=1, max_length=_SUMMARY_MAX_LENGTH, pattern=r"^[^\n]+$"),
    ]
    """The landing zone's own one-line paraphrase, never the standard's text."""
    scope: Scope
    note: Annotated[str, StringConstraints(min_length=1, max_length=400)] | None = None
    """For ``partial`` and ``outside``: what infrastructure does not show, and who does."""
    evidence: tuple[Evidence, ...] = ()

    @model_validator(mode="after")
    def _scope_fits(self) -> Requirement:
        if self.scope is Scope.OUTSIDE and self.evidence:
            raise ValueError(
                "scope 'outside' takes no evidence; allowed: scope 'partial' when the "
                "templates show part of it"
            )
        if self.scope is not Scope.OUTSIDE and not self.evidence:
            raise ValueError(f"scope {self.scope.value!r} needs at least one evidence item")
        if self.scope is not Scope.INFRASTRUCTURE and self.note is None:
            raise ValueError(
                f"scope {self.scope.value!r} needs a note saying what the templates cannot show"
            )
        repeated = sorted(
            {describe(item) for item in self.evidence if self.evidence.count(item) > 1}
        )
        if repeated:
            raise ValueError(f"evidence listed more than once: {', '.join(repeated)}")
        return self


class PciMapping(BaseModel):
    """The whole mapping file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    requirements: dict[str, Requirement]

    @field_validator("requirements")
    @classmethod
    def _ids(cls, requirements: dict[str, Requirement]) -> dict[str, Requirement]:
        for requirement_id in requirements:
            if not _REQUIREMENT_ID.fullmatch(requirement_id):
                raise ValueError(
                    f"{requirement_id!r} is not a PCI DSS v4.0 requirement id; allowed: a "
                    "principal requirement 1 to 12 and up to three sub-numbers, such as "
                    "'10.5.1', quoted"
                )
        principals = {int(requirement_id.split(".")[0]) for requirement_id in requirements}
        missing = [str(n) for n in PRINCIPAL_REQUIREMENTS if n not in principals]
        if missing:
            raise ValueError(
                f"nothing listed under principal requirement(s) {', '.join(missing)}; list "
                "each of the twelve, as 'outside' where infrastructure shows nothing"
            )
        return dict(sorted(requirements.items(), key=lambda item: requirement_key(item[0])))


def requirement_key(requirement_id: str) -> tuple[int, ...]:
    """``"10.5.1"`` as ``(10, 5, 1)``: requirements in the standard's order."""
    return tuple(int(part) for part in requirement_id.split("."))


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader refusing a repeated key, which it would otherwise let the last
    occurrence win silently (a requirement listed twice would lose its first entry)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears more than once", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_mapping(path: Path = MAPPING_FILE) -> PciMapping:
    """The mapping at ``path``, validated; raises :class:`MappingError` naming the file, the
    field's path, the value received and what is allowed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise MappingError(f"{path}: cannot be read: {error.strerror or error}") from None
    try:
        document = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no arbitrary objects
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = error.problem or error.context or "unreadable"
        raise MappingError(f"{path}{where}: not valid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise MappingError(f"{path}: not valid YAML: {error}") from None
    try:
        return PciMapping.model_validate(document)
    except ValidationError as error:
        problems = [_render_issue(issue) for issue in error.errors(include_url=False)]
        count = len(problems)
        raise MappingError(
            f"{path}: invalid PCI DSS mapping ({count} problem{'s' * (count != 1)})\n"
            + "\n".join(f"  - {problem}" for problem in problems)
        ) from None


_UNION_TAGS = {
    "guardrail",
    "config_rule",
    "security_hub_standard",
    "security_hub_control",
    "playbook",
    "alarm",
    "event_rule",
    "sdk_call",
    "log_retention",
    "permission_sets",
    "resource",
}


def _render_issue(issue: Mapping[str, Any]) -> str:
    location = list(issue["loc"])
    # The discriminated union repeats the evidence kind in the path; the key is there already.
    for index in range(len(location) - 1):
        if location[index] in _UNION_TAGS and location[index + 1] == location[index]:
            del location[index]
            break
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            path += " (the key)"
        else:
            # Requirement ids hold dots: quoted, so the path reads unambiguously.
            shown = f'"{part}"' if "." in str(part) else str(part)
            path += f".{shown}" if path else shown
    message = str(issue["msg"]).removeprefix("Value error, ")
    shown = json.dumps(issue.get("input"), default=str, sort_keys=True)
    if len(shown) > 120:
        shown = shown[:117] + "..."
    return f"{path or '(top level)'}: {message}; received {shown}"


# --- the templates -----------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A template value as text: ``Ref`` as ``${Name}``, ``Fn::GetAtt`` as ``${Name.Attr}``,
    ``Fn::Join`` joined, ``Fn::Sub`` as its template; None for anything else."""
    if isinstance(value, str):
        return value
    if not isinstance(value, Mapping) or len(value) != 1:
        return None
    (function, argument), *_ = value.items()
    if function == "Ref" and isinstance(argument, str):
        return "${" + argument + "}"
    if function == "Fn::GetAtt" and isinstance(argument, list):
        return "${" + ".".join(str(part) for part in argument) + "}"
    if function == "Fn::Sub":
        return argument if isinstance(argument, str) else _text(argument[0])
    if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
        parts = [_text(part) for part in argument[1]]
        if any(part is None for part in parts):
            return None
        return str(argument[0]).join(part for part in parts if part is not None)
    return None


def _json_value(value: Any) -> Any:
    """A property that holds JSON (a string, or a ``Fn::Join`` rendering to one), parsed."""
    if isinstance(value, Mapping) and not _text(value):
        return value
    text = _text(value)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Resource:
    template: str
    logical_id: str
    type: str
    properties: Mapping[str, Any]


@dataclass
class _Index:
    """What the evidence checks look up, built in one pass over every template."""

    templates: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    by_type: dict[str, list[_Resource]] = field(default_factory=dict)
    guardrails: dict[str, set[str]] = field(default_factory=dict)
    config_rules: dict[str, set[str]] = field(default_factory=dict)
    sdk_calls: dict[str, set[str]] = field(default_factory=dict)
    buckets_by_name: dict[str, list[_Resource]] = field(default_factory=dict)

    def of_type(self, resource_type: str) -> list[_Resource]:
        return self.by_type.get(resource_type, [])

    def local(self, template: str, reference: Any) -> _Resource | None:
        """The resource of ``template`` that ``reference`` (``Ref`` or ``Fn::GetAtt``) names."""
        if not isinstance(reference, Mapping) or len(reference) != 1:
            return None
        (function, argument), *_ = reference.items()
        if function == "Ref" and isinstance(argument, str):
            logical_id = argument
        elif function == "Fn::GetAtt" and isinstance(argument, list) and argument:
            logical_id = str(argument[0])
        else:
            return None
        resource = self.templates[template].get("Resources", {}).get(logical_id)
        if not isinstance(resource, Mapping):
            return None
        return _resource(template, logical_id, resource)


def _resource(template: str, logical_id: str, resource: Mapping[str, Any]) -> _Resource:
    properties = resource.get("Properties")
    return _Resource(
        template,
        logical_id,
        str(resource.get("Type", "")),
        properties if isinstance(properties, Mapping) else {},
    )


def _read_templates(assembly_dir: Path) -> dict[str, Mapping[str, Any]]:
    if not assembly_dir.is_dir():
        raise AssemblyError(f"{assembly_dir}: not a directory; expected a cloud assembly (cdk.out)")
    paths = sorted(assembly_dir.glob(TEMPLATE_GLOB))
    if not paths:
        raise AssemblyError(
            f"{assembly_dir}: no {TEMPLATE_GLOB} found; synthesize first (cdk synth -o DIR)"
        )
    templates: dict[str, Mapping[str, Any]] = {}
    for path in paths:
        try:
            template = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise AssemblyError(f"{path}: cannot be read as a template: {error}") from None
        if not isinstance(template, Mapping):
            raise AssemblyError(f"{path}: a template is a JSON object, got {type(template)}")
        templates[path.name] = template
    return templates


_GUARDRAIL_POLICY_TYPES = {"SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"}
_GUARDRAILS_PREFIX = "Guardrails: "
"""How ``GuardrailPolicies`` describes a packed policy: the guardrails it carries."""


def _index(templates: Mapping[str, Mapping[str, Any]]) -> _Index:
    index = _Index(templates=dict(templates))
    for name, template in templates.items():
        resources = template.get("Resources", {})
        if not isinstance(resources, Mapping):
            continue
        for logical_id, raw in resources.items():
            if not isinstance(raw, Mapping):
                continue
            resource = _resource(name, logical_id, raw)
            index.by_type.setdefault(resource.type, []).append(resource)
            for add in _INDEXERS.get(resource.type, ()):
                add(index, resource)
    return index


def _add_guardrails(index: _Index, resource: _Resource) -> None:
    properties = resource.properties
    description = properties.get("Description")
    if properties.get("Type") not in _GUARDRAIL_POLICY_TYPES or not isinstance(description, str):
        return
    if not description.startswith(_GUARDRAILS_PREFIX):
        return
    content = _json_value(properties.get("Content"))
    statements = content.get("Statement") if isinstance(content, Mapping) else None
    if not statements:
        return
    for guardrail in description.removeprefix(_GUARDRAILS_PREFIX).split(","):
        index.guardrails.setdefault(guardrail.strip(), set()).add(resource.template)


def _add_config_rule(index: _Index, resource: _Resource) -> None:
    key = (
        "OrganizationConfigRuleName"
        if resource.type == "AWS::Config::OrganizationConfigRule"
        else "ConfigRuleName"
    )
    name = _text(resource.properties.get(key))
    if name:
        index.config_rules.setdefault(name, set()).add(resource.template)


def _add_pack_rules(index: _Index, resource: _Resource) -> None:
    body = resource.properties.get("TemplateBody")
    if not isinstance(body, str):
        return
    try:
        pack = yaml.safe_load(body)  # JSON is YAML; packs may be written in either
    except yaml.YAMLError:
        return
    resources = pack.get("Resources") if isinstance(pack, Mapping) else None
    if not isinstance(resources, Mapping):
        return
    for rule in resources.values():
        if isinstance(rule, Mapping) and rule.get("Type") == "AWS::Config::ConfigRule":
            _add_config_rule(index, _resource(resource.template, "", rule))


def _add_sdk_call(index: _Index, resource: _Resource) -> None:
    for phase in ("Create", "Update"):
        call = _json_value(resource.properties.get(phase))
        if isinstance(call, Mapping) and "service" in call and "action" in call:
            key = _sdk_call_key(str(call["service"]), str(call["action"]))
            index.sdk_calls.setdefault(key, set()).add(resource.template)


def _sdk_call_key(service: str, action: str) -> str:
    return f"{service.lower()}.{action[:1].lower()}{action[1:]}"


def _add_bucket(index: _Index, resource: _Resource) -> None:
    name = _text(resource.properties.get("BucketName"))
    if name:
        index.buckets_by_name.setdefault(name, []).append(resource)


_INDEXERS: Mapping[str, tuple[Callable[[_Index, _Resource], None], ...]] = {
    "AWS::Organizations::Policy": (_add_guardrails,),
    "AWS::Config::ConfigRule": (_add_config_rule,),
    "AWS::Config::OrganizationConfigRule": (_add_config_rule,),
    "AWS::Config::ConformancePack": (_add_pack_rules,),
    "AWS::Config::OrganizationConformancePack": (_add_pack_rules,),
    "Custom::AWS": (_add_sdk_call,),
    "AWS::S3::Bucket": (_add_bucket,),
}


# --- checking evidence -------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceResult:
    """One piece of evidence, looked up in the templates."""

    kind: str
    """The mapping's key: ``guardrail``, ``config_rule``, ``resource``..."""
    label: str
    """As the report names it: ``guardrail deny-root-user``."""
    present: bool
    templates: tuple[str, ...] = ()
    """The templates that hold it, by file name."""
    missing: str | None = None
    """Why it does not count, when not present."""

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "kind": self.kind,
            "label": self.label,
            "present": self.present,
            "templates": list(self.templates),
        }
        if self.missing is not None:
            found["missing"] = self.missing
        return found


def _found(kind: str, label: str, templates: Iterable[str], missing: str) -> EvidenceResult:
    where = tuple(sorted(set(templates)))
    return EvidenceResult(kind, label, bool(where), where, None if where else missing)


def describe(item: _Evidence) -> str:
    """The evidence item as the report names it."""
    match item:
        case GuardrailEvidence():
            return f"guardrail {item.guardrail}"
        case ConfigRuleEvidence():
            return f"Config rule {item.config_rule}"
        case SecurityHubStandardEvidence():
            return f"Security Hub standard {item.security_hub_standard}"
        case SecurityHubControlEvidence():
            return f"Security Hub control {item.security_hub_control}"
        case PlaybookEvidence():
            return f"playbook {item.playbook}"
        case AlarmEvidence():
            return f"alarm {item.alarm}"
        case EventRuleEvidence():
            return f"event rule {item.event_rule}"
        case SdkCallEvidence():
            return f"SDK call {item.sdk_call}"
        case LogRetentionEvidence():
            retention = item.log_retention
            return f"logs of {retention.logs_of} kept >= {retention.minimum_days} days"
        case PermissionSetsEvidence():
            return _describe_permission_sets(item.permission_sets)
        case ResourceEvidence():
            return item.resource.label
    raise TypeError(f"unknown evidence {item!r}")  # pragma: no cover - the union is closed


def _describe_permission_sets(check: PermissionSets) -> str:
    parts = []
    if check.maximum_session_hours is not None:
        parts.append(f"sessions <= {check.maximum_session_hours:g} h")
    if check.mfa_for_sensitive_actions:
        exempt = f" (except {', '.join(check.exempt)})" if check.exempt else ""
        parts.append(f"MFA for sensitive actions{exempt}")
    return "permission sets: " + ", ".join(parts)


def _kind(item: _Evidence) -> str:
    return next(iter(type(item).model_fields))


def check(item: _Evidence, index: _Index) -> EvidenceResult:
    """Whether the templates of ``index`` hold ``item``."""
    kind, name = _kind(item), describe(item)
    match item:
        case GuardrailEvidence():
            return _found(
                kind,
                name,
                index.guardrails.get(item.guardrail, ()),
                "no SCP or RCP carries it",
            )
        case ConfigRuleEvidence():
            return _found(
                kind,
                name,
                index.config_rules.get(item.config_rule, ()),
                "no Config rule, organization rule or conformance pack declares it",
            )
        case SecurityHubStandardEvidence():
            return _found(
                kind,
                name,
                _security_hub(index, standard=item.security_hub_standard),
                "no associated Security Hub configuration policy enables it",
            )
        case SecurityHubControlEvidence():
            return _found(
                kind,
                name,
                _security_hub(index, control=item.security_hub_control),
                "no associated Security Hub configuration policy enables it",
            )
        case PlaybookEvidence():
            return _found(
                kind,
                name,
                _named(
                    index, "AWS::StepFunctions::StateMachine", "StateMachineName", item.playbook
                ),
                "no state machine of that name",
            )
        case AlarmEvidence():
            return _found(
                kind,
                name,
                _named(index, "AWS::CloudWatch::Alarm", "AlarmName", item.alarm),
                "no CloudWatch alarm of that name",
            )
        case EventRuleEvidence():
            return _found(
                kind,
                name,
                (
                    rule.template
                    for rule in index.of_type("AWS::Events::Rule")
                    if _text(rule.properties.get("Name")) == item.event_rule
                    # ENABLED, or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (read-only ones too)
                    and str(rule.properties.get("State", "ENABLED")).startswith("ENABLED")
                    and rule.properties.get("Targets")
                ),
                "no enabled EventBridge rule of that name with a target",
            )
        case SdkCallEvidence():
            service, action = item.sdk_call.split(".")
            return _found(
                kind,
                name,
                index.sdk_calls.get(_sdk_call_key(service, action), ()),
                "no Custom::AWS resource makes that call",
            )
        case LogRetentionEvidence():
            return _log_retention(kind, name, item.log_retention, index)
        case PermissionSetsEvidence():
            return _permission_sets(kind, name, item.permission_sets, index)
        case ResourceEvidence():
            return _resource_match(kind, name, item.resource, index)
    raise TypeError(f"unknown evidence {item!r}")  # pragma: no cover - the union is closed


def _named(index: _Index, resource_type: str, key: str, name: str) -> Iterator[str]:
    return (
        resource.template
        for resource in index.of_type(resource_type)
        if _text(resource.properties.get(key)) == name
    )


def _security_hub(
    index: _Index, *, standard: str | None = None, control: str | None = None
) -> Iterator[str]:
    associated = {
        (
            association.template,
            association.properties.get("ConfigurationPolicyId", {}).get("Fn::GetAtt", [""])[0],
        )
        for association in index.of_type("AWS::SecurityHub::PolicyAssociation")
        if isinstance(association.properties.get("ConfigurationPolicyId"), Mapping)
    }
    for policy in index.of_type("AWS::SecurityHub::ConfigurationPolicy"):
        if (policy.template, policy.logical_id) not in associated:
            continue
        hub = policy.properties.get("ConfigurationPolicy", {}).get("SecurityHub", {})
        if hub.get("ServiceEnabled") is not True:
            continue
        if standard is not None:
            enabled = [_text(arn) or "" for arn in hub.get("EnabledStandardIdentifiers", [])]
            if any(arn.endswith(f":standards/{standard}") for arn in enabled):
                yield policy.template
        if control is not None:
            controls = hub.get("SecurityControlsConfiguration", {})
            if "EnabledSecurityControlIdentifiers" in controls:
                if control in controls["EnabledSecurityControlIdentifiers"]:
                    yield policy.template
            elif control not in controls.get("DisabledSecurityControlIdentifiers", [control]):
                yield policy.template


def _matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            key in actual and _matches(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and all(
            any(_matches(wanted, element) for element in actual) for wanted in expected
        )
    return bool(expected == actual and type(expected) is type(actual))


def _resource_match(kind: str, name: str, match: ResourceMatch, index: _Index) -> EvidenceResult:
    candidates = index.of_type(match.type)
    matching = [r for r in candidates if _matches(match.properties, dict(r.properties))]
    if match.every and len(matching) < len(candidates):
        odd = sorted(f"{r.template}:{r.logical_id}" for r in candidates if r not in matching)
        return EvidenceResult(
            kind,
            name,
            False,
            missing=f"{len(odd)} of {len(candidates)} {match.type} do not match: "
            + ", ".join(odd[:5])
            + (" ..." if len(odd) > 5 else ""),
        )
    absent = f"no {match.type}" if not candidates else f"no {match.type} has those properties"
    return _found(kind, name, (r.template for r in matching), absent)


_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?$")


def _session_hours(value: Any) -> float | None:
    found = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if found is None or not any(found.groups()):
        return None
    return int(found[1] or 0) + int(found[2] or 0) / 60


def _denies_without_mfa(permission_set: _Resource) -> bool:
    policy = _json_value(permission_set.properties.get("InlinePolicy"))
    statements = policy.get("Statement", []) if isinstance(policy, Mapping) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Deny":
            continue
        for operator, keys in statement.get("Condition", {}).items():
            if operator.startswith("Bool") and str(keys.get("aws:MultiFactorAuthPresent")) in (
                "false",
                "False",
                "['false']",
            ):
                return True
    return False


def _permission_sets(kind: str, name: str, wanted: PermissionSets, index: _Index) -> EvidenceResult:
    permission_sets = index.of_type("AWS::SSO::PermissionSet")
    if not permission_sets:
        return EvidenceResult(kind, name, False, missing="no AWS::SSO::PermissionSet")
    failing: list[str] = []
    for permission_set in permission_sets:
        set_name = _text(permission_set.properties.get("Name")) or permission_set.logical_id
        if wanted.maximum_session_hours is not None:
            hours = _session_hours(permission_set.properties.get("SessionDuration", "PT1H"))
            if hours is None or hours > wanted.maximum_session_hours:
                failing.append(
                    f"{set_name} (session {permission_set.properties.get('SessionDuration')})"
                )
                continue
        if (
            wanted.mfa_for_sensitive_actions
            and set_name not in wanted.exempt
            and not _denies_without_mfa(permission_set)
        ):
            failing.append(f"{set_name} (no deny without MFA)")
    if failing:
        return EvidenceResult(
            kind, name, False, missing="not every permission set: " + ", ".join(sorted(failing))
        )
    return _found(kind, name, (p.template for p in permission_sets), "")


def _kept_days(resource: _Resource) -> tuple[float, str]:
    """How long a log destination keeps what it receives, and what shows it."""
    if resource.type == "AWS::Logs::LogGroup":
        days = resource.properties.get("RetentionInDays")
        if days is None:
            return float("inf"), f"log group {resource.logical_id} never expires"
        return float(days), f"log group {resource.logical_id} keeps {days} days"
    if resource.type == "AWS::S3::Bucket":
        label = _text(resource.properties.get("BucketName")) or resource.logical_id
        lock = resource.properties.get("ObjectLockConfiguration", {})
        retention = lock.get("Rule", {}).get("DefaultRetention", {}) if lock else {}
        if resource.properties.get("ObjectLockEnabled") is not True or not retention:
            return 0, f"bucket {label} has no Object Lock default retention"
        days = retention.get("Days") or 365 * int(retention.get("Years") or 0)
        return float(days), f"bucket {label} locks objects for {days} days"
    return 0, f"{resource.type} {resource.logical_id} is not a log group or bucket"


def _destinations(source: _Resource, index: _Index) -> Iterator[_Resource | str]:
    """Where ``source`` delivers its logs: resources of the assembly, or text saying which
    destination cannot be found in it."""
    properties = source.properties
    references: list[Any] = []
    if source.type == "AWS::CloudTrail::Trail":
        bucket = _text(properties.get("S3BucketName"))
        local = index.local(source.template, properties.get("S3BucketName"))
        if local is not None:
            yield local
        elif bucket:
            found = index.buckets_by_name.get(bucket)
            yield found[0] if found else f"bucket {bucket} is not in the assembly"
        if "CloudWatchLogsLogGroupArn" in properties:
            references.append(properties["CloudWatchLogsLogGroupArn"])
    elif source.type == "AWS::EC2::FlowLog":
        references.append(properties.get("LogGroupName") or properties.get("LogDestination"))
    elif source.type == "AWS::WAFv2::LoggingConfiguration":
        references.extend(properties.get("LogDestinationConfigs", []))
    for reference in references:
        resolved = index.local(source.template, reference)
        if resolved is not None:
            yield resolved
            continue
        text = _text(reference) or json.dumps(reference, sort_keys=True)
        bucket = text.split(":::", 1)[1].split("/", 1)[0] if ":s3:::" in text else None
        found = index.buckets_by_name.get(bucket or "")
        yield found[0] if found else f"{text} is not in the assembly"


def _log_retention(kind: str, name: str, wanted: LogRetention, index: _Index) -> EvidenceResult:
    sources = index.of_type(wanted.logs_of)
    if not sources:
        return EvidenceResult(kind, name, False, missing=f"no {wanted.logs_of}")
    short: list[str] = []
    for source in sources:
        destinations = list(_destinations(source, index))
        if not destinations:
            short.append(f"{source.template}:{source.logical_id} names no destination")
        for destination in destinations:
            if isinstance(destination, str):
                short.append(f"{source.logical_id}: {destination}")
                continue
            days, shown = _kept_days(destination)
            if days < wanted.minimum_days:
                short.append(f"{source.logical_id}: {shown}")
    if short:
        return EvidenceResult(kind, name, False, missing="; ".join(sorted(set(short))))
    return _found(kind, name, (source.template for source in sources), "")


# --- coverage ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementCoverage:
    """One requirement's coverage in one assembly."""

    requirement_id: str
    summary: str
    scope: Scope
    status: Status
    note: str | None
    evidence: tuple[EvidenceResult, ...]

    @property
    def missing(self) -> tuple[EvidenceResult, ...]:
        return tuple(item for item in self.evidence if not item.present)

    @property
    def anchor(self) -> str:
        """The id of its row in the Markdown (``req-10-5-1``), for links."""
        return "req-" + self.requirement_id.replace(".", "-")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.requirement_id,
            "principal_requirement": int(self.requirement_id.split(".")[0]),
            "summary": self.summary,
            "scope": self.scope.value,
            "status": self.status.value,
            "note": self.note,
            "evidence": [item.to_json() for item in self.evidence],
            "missing": [item.label for item in self.missing],
        }


def _status(scope: Scope, evidence: Sequence[EvidenceResult]) -> Status:
    if scope is Scope.OUTSIDE:
        return Status.OUTSIDE_INFRASTRUCTURE
    present = sum(item.present for item in evidence)
    if present == 0:
        return Status.NOT_COVERED
    if scope is Scope.INFRASTRUCTURE and present == len(evidence):
        return Status.COVERED
    return Status.PARTLY_COVERED


@dataclass(frozen=True)
class PciCoverage:
    """PCI DSS v4.0 coverage of one cloud assembly, requirements in the standard's order."""

    requirements: tuple[RequirementCoverage, ...]
    mapping_file: str = "landing_zone/compliance/pci_dss_v4.yaml"

    def counts(self) -> dict[str, int]:
        """How many requirements have each status (every status listed, zeros included)."""
        return {
            status.value: sum(r.status is status for r in self.requirements) for status in Status
        }

    def to_json(self) -> dict[str, Any]:
        """The coverage as JSON-able data: the same for the same templates and mapping."""
        return {
            "standard": "PCI DSS v4.0",
            "mapping": self.mapping_file,
            "counts": self.counts(),
            "requirements": [r.to_json() for r in self.requirements],
        }

    def to_markdown(self, *, heading_level: int = 2) -> str:
        """A table of every requirement, then the partly covered, not covered and outside ones
        with what is missing. ``heading_level`` 2 for a section of a report, 1 for a page."""
        if not 1 <= heading_level <= 5:
            raise ValueError(f"heading_level: got {heading_level}; allowed: 1 to 5")
        h = "#" * heading_level
        counts = self.counts()
        lines = [
            f"{h} PCI DSS v4.0 coverage",
            "",
            "Which PCI DSS v4.0 requirements the synthesized templates give evidence for, from "
            f"the mapping in `{self.mapping_file}`. Each control is checked in the templates "
            "(StackSet templates included), not assumed. The one-line summaries are the "
            "landing zone's own paraphrases: read the standard (PCI SSC document library) for "
            "its text. Evidence is not compliance: an assessor also needs the processes, "
            "people and workloads around it.",
            "",
            f"{len(self.requirements)} requirements: "
            + ", ".join(f"{count} {status}" for status, count in counts.items())
            + ".",
            "",
            "| Requirement | Summary (paraphrase) | Status | Evidence in the templates |",
            "|---|---|---|---|",
        ]
        for requirement in self.requirements:
            evidence = "; ".join(
                _cell(item.label) + ("" if item.present else " **(missing)**")
                for item in requirement.evidence
            )
            lines.append(
                f'| <a id="{requirement.anchor}"></a>{requirement.requirement_id} '
                f"| {_cell(requirement.summary)} | {requirement.status.value} "
                f"| {evidence or '-'} |"
            )
        for status in (Status.NOT_COVERED, Status.PARTLY_COVERED, Status.OUTSIDE_INFRASTRUCTURE):
            listed = [r for r in self.requirements if r.status is status]
            if not listed:
                continue
            lines += ["", f"{h}# {status.value.capitalize()} ({len(listed)})", ""]
            for requirement in listed:
                line = f"- [{requirement.requirement_id}](#{requirement.anchor})"
                if requirement.note:
                    line += f": {_inline(requirement.note)}"
                if requirement.missing:
                    line += (
                        " Missing: "
                        + "; ".join(
                            f"{_inline(item.label)} ({_inline(item.missing or '')})"
                            for item in requirement.missing
                        )
                        + "."
                    )
                lines.append(line)
        return "\n".join(lines) + "\n"


def _inline(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|")


def coverage(assembly_dir: Path, *, mapping: Path = MAPPING_FILE) -> PciCoverage:
    """The PCI DSS v4.0 coverage of the cloud assembly in ``assembly_dir`` (a ``cdk.out``).

    Raises :class:`MappingError` when the mapping does not validate and :class:`AssemblyError`
    when the assembly holds no readable template.
    """
    requirements = load_mapping(mapping).requirements
    index = _index(_read_templates(assembly_dir))
    results = []
    for requirement_id, requirement in requirements.items():
        evidence = tuple(check(item, index) for item in requirement.evidence)
        results.append(
            RequirementCoverage(
                requirement_id,
                requirement.summary,
                requirement.scope,
                _status(requirement.scope, evidence),
                requirement.note,
                evidence,
            )
        )
    return PciCoverage(tuple(results), _shown_path(mapping))


def _shown_path(path: Path) -> str:
    """The mapping's path relative to the repository when it is the packaged one: no
    machine-specific prefix in the output."""
    if path.resolve() == MAPPING_FILE.resolve():
        return "landing_zone/compliance/pci_dss_v4.yaml"
    return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m landing_zone.compliance.pci_dss",
        description="PCI DSS v4.0 coverage of a synthesized landing zone, as Markdown or JSON.",
    )
    parser.add_argument("assembly", type=Path, help="the cloud assembly directory (cdk.out)")
    parser.add_argument("--write", type=Path, help="write the Markdown page here")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--mapping", type=Path, default=MAPPING_FILE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        result = coverage(args.assembly, mapping=args.mapping)
    except (MappingError, AssemblyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.write is not None:
        args.write.write_text(result.to_markdown(heading_level=1), encoding="utf-8")
        print(f"wrote {args.write}", file=sys.stderr)
    elif args.json:
        print(json.dumps(result.to_json(), indent=2, sort_keys=True))
    else:
        print(result.to_markdown(heading_level=1), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
