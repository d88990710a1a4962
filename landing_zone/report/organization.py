"""The organization as the templates declare it: OUs, accounts, policies and what each OU inherits.

Read from the ``AWS::Organizations::OrganizationalUnit``, ``Account`` and ``Policy`` resources of
every template. Parents and targets are resolved through the references CDK writes: a literal
root, OU or account id, ``Fn::GetAtt``/``Ref`` of an OU in the same template, or a parameter of
type ``AWS::SSM::Parameter::Value<String>`` naming an ``AWS::SSM::Parameter`` another template
publishes (how the accounts stack finds the OU ids). What cannot be resolved is listed, never
dropped.

Policies attach to the root, OUs and accounts; an OU's effective policies are those attached to
the root, to each OU above it and to itself
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_inheritance_auth.html).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from landing_zone.organization.packing import minified
from landing_zone.report.assembly import Assembly, TemplateFile

ROOT = "Root"
"""Key and path of the organization root."""

_ROOT_ID = re.compile(r"^r-[0-9a-z]{4,32}$")
_OU_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_SSM_VALUE_PARAMETER = "AWS::SSM::Parameter::Value<String>"
_OU_PARAMETER_NAME = re.compile(r"/organizational-units/(?P<path>.+)/id$")
GUARDRAILS_PREFIX = "Guardrails: "
"""How ``GuardrailPolicies`` describes a policy: the guardrail names it carries."""

POLICY_TYPE_LABELS = {
    "SERVICE_CONTROL_POLICY": "SCP",
    "RESOURCE_CONTROL_POLICY": "RCP",
    "TAG_POLICY": "tag policy",
    "BACKUP_POLICY": "backup policy",
    "AISERVICES_OPT_OUT_POLICY": "AI services opt-out policy",
    "CHATBOT_POLICY": "chat applications policy",
    "DECLARATIVE_POLICY_EC2": "declarative policy (EC2)",
}
"""Organizations policy types
(https://docs.aws.amazon.com/organizations/latest/APIReference/API_Policy.html); others are
shown by their API name."""


def type_label(policy_type: str) -> str:
    return POLICY_TYPE_LABELS.get(policy_type, policy_type)


def account_key(account_id: str) -> str:
    return f"account:{account_id}"


@dataclass(frozen=True)
class OrganizationalUnit:
    key: str
    """``<template>#<logical id>`` for an OU the templates create, the OU id for an adopted one."""
    name: str
    parent: str
    """Key of the parent OU, or ``ROOT``."""
    template: str | None
    logical_id: str | None


@dataclass(frozen=True)
class Account:
    name: str
    parent: str
    """Key of the OU, ``ROOT``, or ``?`` when the parent cannot be resolved."""
    template: str | None
    logical_id: str | None
    account_id: str | None = None
    """Where the templates say (an ``AWS::Organizations::Account`` has no id of its own)."""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.account_id})" if self.account_id else self.name


@dataclass(frozen=True)
class Policy:
    name: str
    policy_type: str
    template: str
    logical_id: str
    targets: tuple[str, ...]
    """Keys of the targets (``ROOT``, OU keys, ``account:<id>``)."""
    guardrails: tuple[str, ...]
    """The guardrails the policy carries, from its description (empty for other policies)."""
    characters: int
    """Length of the minified content, as Organizations counts it."""
    exact: bool
    """False when the content holds CloudFormation functions: the length is then the template's."""

    @property
    def label(self) -> str:
        return f"{self.name} [{', '.join(self.guardrails)}]" if self.guardrails else self.name


@dataclass
class Organization:
    root_id: str | None = None
    management_account: str | None = None
    """The account of the stack that creates the OUs and policies (the management account)."""
    units: dict[str, OrganizationalUnit] = field(default_factory=dict)
    accounts: list[Account] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    """Parents and targets that could not be resolved, one message each."""

    @property
    def account_names(self) -> dict[str, str]:
        """Account id → name, for the accounts whose id the templates give."""
        return {a.account_id: a.name for a in self.accounts if a.account_id}

    def path(self, key: str) -> str:
        """``Workloads/Prod`` for an OU key, ``Root`` for the root, the account for others."""
        if key == ROOT:
            return ROOT
        if key.startswith("account:"):
            account_id = key.removeprefix("account:")
            name = self.account_names.get(account_id)
            return f"account {name} ({account_id})" if name else f"account {account_id}"
        names: list[str] = []
        seen: set[str] = set()
        while key in self.units and key not in seen:
            seen.add(key)
            names.append(self.units[key].name)
            key = self.units[key].parent
        if key not in (ROOT, *self.units):
            names.append(key)
        return "/".join(reversed(names))

    def chain(self, key: str) -> list[str]:
        """``key`` and every OU above it, root first."""
        chain = [key]
        while (current := chain[-1]) in self.units and self.units[current].parent not in chain:
            chain.append(self.units[current].parent)
        if chain[-1] != ROOT:
            chain.append(ROOT)
        return list(reversed(chain))

    def sorted_units(self) -> list[OrganizationalUnit]:
        return sorted(self.units.values(), key=lambda unit: self.path(unit.key))

    def attached(self, key: str) -> list[Policy]:
        return sorted(
            (policy for policy in self.policies if key in policy.targets),
            key=lambda policy: (policy.policy_type, policy.name),
        )

    def effective(self, key: str) -> dict[str, list[tuple[str, Policy]]]:
        """Policy type → (where attached, policy) for every policy that applies at ``key``."""
        found: dict[str, list[tuple[str, Policy]]] = {}
        for level in self.chain(key):
            for policy in self.attached(level):
                found.setdefault(policy.policy_type, []).append((self.path(level), policy))
        return dict(sorted(found.items()))

    def targets(self) -> list[str]:
        """Root, every OU and every account a policy targets, in report order."""
        accounts = sorted(
            {target for policy in self.policies for target in policy.targets} - {ROOT, *self.units}
        )
        return [ROOT, *(unit.key for unit in self.sorted_units()), *accounts]


class _Resolver:
    """Resolves the references of parent and target properties to organization keys."""

    def __init__(self, assembly: Assembly, organization: Organization) -> None:
        self._organization = organization
        self._published: dict[str, tuple[TemplateFile, Any]] = {}
        for template in assembly.templates:
            for definition in template.resources.values():
                properties = definition.get("Properties", {})
                name = properties.get("Name") if isinstance(properties, Mapping) else None
                if definition.get("Type") == "AWS::SSM::Parameter" and isinstance(name, str):
                    self._published[name] = (template, properties.get("Value"))

    def key(self, template: TemplateFile, value: Any, seen: frozenset[str] = frozenset()) -> str:
        """The key ``value`` refers to; raises ``LookupError`` when it cannot tell."""
        if isinstance(value, str):
            return self._literal(value)
        if isinstance(value, Mapping) and len(value) == 1:
            ((function, argument),) = value.items()
            if function == "Fn::GetAtt" and isinstance(argument, Sequence) and len(argument) == 2:
                return self._logical(template, str(argument[0]), seen)
            if function == "Ref" and isinstance(argument, str):
                return self._logical(template, argument, seen)
        raise LookupError(json.dumps(value, sort_keys=True))

    def _literal(self, value: str) -> str:
        if _ROOT_ID.match(value):
            self._organization.root_id = self._organization.root_id or value
            return ROOT
        if _OU_ID.match(value):
            if value not in self._organization.units:
                self._organization.units[value] = OrganizationalUnit(
                    value, self._adopted_name(value), ROOT, None, None
                )
            return value
        if _ACCOUNT_ID.match(value):
            return account_key(value)
        raise LookupError(json.dumps(value))

    def _adopted_name(self, ou_id: str) -> str:
        for name, (_template, value) in sorted(self._published.items()):
            if value == ou_id and (match := _OU_PARAMETER_NAME.search(name)):
                return f"{match['path']} ({ou_id}, adopted)"
        return f"{ou_id} (adopted)"

    def _logical(self, template: TemplateFile, logical_id: str, seen: frozenset[str]) -> str:
        resource = template.resources.get(logical_id)
        if resource and resource.get("Type") == "AWS::Organizations::OrganizationalUnit":
            return f"{template.name}#{logical_id}"
        parameter = template.parameters.get(logical_id)
        if parameter and parameter.get("Type") == _SSM_VALUE_PARAMETER:
            name = parameter.get("Default")
            if isinstance(name, str) and name in self._published and name not in seen:
                source, value = self._published[name]
                return self.key(source, value, seen | {name})
        raise LookupError(f"{template.name}: {logical_id}")


def _content_length(content: Any) -> tuple[int, bool]:
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return len(content), False
    text = minified(content)
    exact = '"Fn::' not in text and '{"Ref":' not in text
    return len(text), exact


def _guardrails(description: Any) -> tuple[str, ...]:
    if isinstance(description, str) and description.startswith(GUARDRAILS_PREFIX):
        names = description.removeprefix(GUARDRAILS_PREFIX).split(",")
        return tuple(name.strip() for name in names if name.strip())
    return ()


MANAGEMENT_ACCOUNT_NAME = "management"
"""The management account is adopted, never created: the templates do not name it."""


def _account_ids(
    by_type: Mapping[str, list[tuple[TemplateFile, str, Mapping[str, Any]]]],
) -> dict[str, str]:
    """Email → account id, from the member lists Macie gets (``Custom::MacieMembers``: id →
    email), the one place the templates pair an account's id with something it is created with."""
    ids: dict[str, str] = {}
    for _template, _logical_id, properties in by_type.get("Custom::MacieMembers", []):
        members = properties.get("Members")
        if isinstance(members, Mapping):
            for account_id, email in sorted(members.items()):
                if isinstance(email, str) and _ACCOUNT_ID.match(str(account_id)):
                    ids.setdefault(email, str(account_id))
    return ids


_Entry = tuple[TemplateFile, str, Mapping[str, Any]]
"""A resource as the reader walks it: its template, logical id and properties."""


def _where(template: TemplateFile, logical_id: str, field_name: str) -> str:
    return f"{template.name}: Resources.{logical_id}.Properties.{field_name}"


class _Reader:
    """Reads OUs, then accounts, then policies; what it cannot resolve goes to ``unresolved``."""

    def __init__(self, assembly: Assembly) -> None:
        self.assembly = assembly
        self.organization = Organization()
        self.resolver = _Resolver(assembly, self.organization)
        self.by_type: dict[str, list[_Entry]] = {}
        for template in assembly.templates:
            for logical_id, definition in sorted(template.resources.items()):
                properties = definition.get("Properties", {})
                if isinstance(properties, Mapping):
                    self.by_type.setdefault(str(definition.get("Type")), []).append(
                        (template, logical_id, properties)
                    )

    def _management(self, template: TemplateFile) -> None:
        # OUs and policies are created in the management account.
        stack_account = self.assembly.stack_accounts.get(template.name)
        self.organization.management_account = self.organization.management_account or stack_account

    def units(self) -> None:
        for template, logical_id, properties in self.by_type.get(
            "AWS::Organizations::OrganizationalUnit", []
        ):
            key = f"{template.name}#{logical_id}"
            try:
                parent = self.resolver.key(template, properties.get("ParentId"))
            except LookupError as error:
                self.organization.unresolved.append(
                    f"{_where(template, logical_id, 'ParentId')}: {error}"
                )
                parent = ROOT
            name = str(properties.get("Name", logical_id))
            self.organization.units[key] = OrganizationalUnit(
                key, name, parent, template.name, logical_id
            )
            self._management(template)

    def accounts(self) -> None:
        ids = _account_ids(self.by_type)
        for template, logical_id, properties in self.by_type.get("AWS::Organizations::Account", []):
            # Without ParentIds, Organizations creates the account in the root.
            parents = properties.get("ParentIds") or [ROOT]
            try:
                parent = ROOT if parents == [ROOT] else self.resolver.key(template, parents[0])
            except (LookupError, IndexError, KeyError, TypeError) as error:
                self.organization.unresolved.append(
                    f"{_where(template, logical_id, 'ParentIds')}: {error}"
                )
                parent = "?"
            email = properties.get("Email")
            account_id = ids.get(email) if isinstance(email, str) else None
            name = str(properties.get("AccountName", logical_id))
            self.organization.accounts.append(
                Account(name, parent, template.name, logical_id, account_id)
            )

    def policies(self) -> None:
        for template, logical_id, properties in self.by_type.get("AWS::Organizations::Policy", []):
            targets: list[str] = []
            for index, target in enumerate(properties.get("TargetIds") or []):
                try:
                    targets.append(self.resolver.key(template, target))
                except LookupError as error:
                    self.organization.unresolved.append(
                        f"{_where(template, logical_id, f'TargetIds[{index}]')}: {error}"
                    )
            characters, exact = _content_length(properties.get("Content", {}))
            self.organization.policies.append(
                Policy(
                    name=str(properties.get("Name", logical_id)),
                    policy_type=str(properties.get("Type", "?")),
                    template=template.name,
                    logical_id=logical_id,
                    targets=tuple(dict.fromkeys(targets)),
                    guardrails=_guardrails(properties.get("Description")),
                    characters=characters,
                    exact=exact,
                )
            )
            self._management(template)


def read_organization(assembly: Assembly) -> Organization:
    """The organization the templates of ``assembly`` declare."""
    reader = _Reader(assembly)
    reader.units()
    reader.accounts()
    reader.policies()
    organization = reader.organization
    management = organization.management_account
    if management and management not in organization.account_names:
        organization.accounts.append(Account(MANAGEMENT_ACCOUNT_NAME, ROOT, None, None, management))
    organization.accounts.sort(key=lambda account: account.name)
    organization.policies.sort(key=lambda policy: (policy.policy_type, policy.name))
    return organization


def _label(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


MERMAID_MAX_EDGES = 400
"""Mermaid refuses a flowchart of 500 edges or more by default (``flowchart.maxEdges``, a secure
setting a diagram cannot raise: https://github.com/mermaid-js/mermaid/pull/5086; that GitHub's and
GitLab's renderers keep the default is assumed, not verified). Past this many, accounts are
counted in their OU's box instead of drawn."""


def mermaid(organization: Organization) -> str:
    """The OU tree with its accounts as a Mermaid flowchart (GitHub and GitLab render it)."""
    units = organization.sorted_units()
    accounts = organization.accounts
    drawn = len(units) + len(accounts) <= MERMAID_MAX_EDGES
    lines = ["flowchart TD"]
    ids = {ROOT: "root"}
    root = f"Root ({organization.root_id})" if organization.root_id else "Root"
    for index, unit in enumerate(units):
        ids[unit.key] = f"ou{index}"
    labels = {ROOT: root, **{unit.key: unit.name for unit in units}}
    if not drawn:
        for key in labels:
            count = sum(1 for account in accounts if account.parent == key)
            labels[key] += f"<br>{count} accounts" if count else ""
    lines.append(f"  root[{_label(labels[ROOT])}]")
    for unit in units:
        lines.append(f"  {ids[unit.key]}[{_label(labels[unit.key])}]")
    for unit in units:
        lines.append(f"  {ids.get(unit.parent, 'root')} --> {ids[unit.key]}")
    if not drawn:
        return "\n".join(lines)
    if any(account.parent == "?" for account in accounts):
        ids["?"] = "unresolved"
        lines.append(f"  unresolved[{_label('parent not resolved')}]")
    for index, account in enumerate(accounts):
        lines.append(f"  acct{index}([{_label(account.label)}])")
        lines.append(f"  {ids.get(account.parent, 'root')} --> acct{index}")
    lines.append("  classDef account fill:#eef6ff,stroke:#5b8def")
    if accounts:
        lines.append(f"  class {','.join(f'acct{i}' for i in range(len(accounts)))} account")
    return "\n".join(lines)
