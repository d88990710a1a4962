"""From config to the parameters of the guardrail catalogs, and the checks that need them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TypeVar

from landing_zone.organization.data_perimeter import (
    DATA_PERIMETER_GUARDRAILS,
    DataPerimeterParameters,
)
from landing_zone.organization.guardrails import (
    GUARDRAILS,
    GuardrailCatalog,
    GuardrailParameters,
    UnknownGuardrailError,
)
from landing_zone.organization.packing import GuardrailPackingError, pack_guardrails

from .errors import ConfigIssue, duplicate_issues
from .identity import protected_role_names
from .model import CDK_QUALIFIER, ROOT, LandingZoneConfig

P = TypeVar("P")

PROTECT_ROLES = "protect-landing-zone-roles"
PROTECT_RESOURCES = "protect-landing-zone-resources"
PROTECT_DELEGATED_ADMINISTRATION = "protect-delegated-administration"
PROTECT_ADDRESS_PLAN = "protect-address-plan"
PROTECTION = (PROTECT_ROLES, PROTECT_RESOURCES)
"""What every guarded target needs in force: the exemptions of the other guardrails hold only
while nobody else can become, change or run as a landing-zone role, or silence what the
landing zone records and alerts with."""


def scp_parameters(config: LandingZoneConfig) -> GuardrailParameters:
    parameters = config.guardrails.parameters
    return GuardrailParameters(
        governed_regions=tuple(config.organization.governed_regions),
        landing_zone_role_prefix=parameters.landing_zone_role_prefix,
        break_glass_role_names=tuple(parameters.break_glass_role_names),
        deployment_role_names=tuple(parameters.deployment_role_names),
        approved_bedrock_models=tuple(parameters.approved_bedrock_models),
        guardrail_exempt_bedrock_models=tuple(parameters.guardrail_exempt_bedrock_models),
        landing_zone_name=config.organization.name,
        cdk_bootstrap_qualifier=CDK_QUALIFIER,
        organization_id=config.organization.id,
        protected_role_names=protected_role_names(config),
        incident_response_account_id=(
            None if config.incident_response is None else config.core_account_id("security_tooling")
        ),
        incident_responder_permission_sets=tuple(
            sorted(
                name
                for name, settings in (
                    {} if config.identity is None else config.identity.permission_sets
                ).items()
                if settings.job_function == "incident_responder"
            )
        ),
    )


def rcp_parameters(config: LandingZoneConfig) -> DataPerimeterParameters:
    return DataPerimeterParameters(
        organization_id=config.organization.id,
        trusted_account_ids=tuple(config.guardrails.parameters.trusted_account_ids),
    )


def _ancestors(config: LandingZoneConfig, target: str) -> list[str]:
    """The target and every policy target above it, up to the root."""
    path = config.accounts[target].ou if target in config.accounts else target
    chain = [target] if target in config.accounts else []
    while path != ROOT:
        chain.append(path)
        path = path.rsplit("/", 1)[0] if "/" in path else ROOT
    return [*chain, ROOT]


def _packing(
    section: str,
    attachments: Mapping[str, Sequence[str]],
    parameters: P,
    catalog: GuardrailCatalog[P],
) -> Iterator[ConfigIssue]:
    for target, names in attachments.items():
        where = ("guardrails", section, target)
        unknown = False
        for index, name in enumerate(names):
            if name not in catalog:
                unknown = True
                yield ConfigIssue(
                    (*where, index),
                    f"is not a {catalog.policy_type.value} guardrail; allowed: "
                    f"{', '.join(catalog)}",
                    name,
                )
        seen: set[str] = set()
        for index, name in enumerate(names):
            if name in seen:
                unknown = True
                yield ConfigIssue((*where, index), "is listed twice for this target", name)
            seen.add(name)
        if unknown:
            continue
        try:
            pack_guardrails(names, parameters, catalog=catalog)
        except (GuardrailPackingError, UnknownGuardrailError) as error:
            yield ConfigIssue(where, str(error), has_value=False)


def _bedrock_models(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    """Models named elsewhere must be approved when the approval guardrail is attached."""
    parameters = config.guardrails.parameters
    approved = set(parameters.approved_bedrock_models)
    where: tuple[str | int, ...] = ("guardrails", "parameters")
    yield from duplicate_issues(
        (*where, "approved_bedrock_models"), parameters.approved_bedrock_models
    )
    for index, model in enumerate(parameters.guardrail_exempt_bedrock_models):
        if model not in approved:
            yield ConfigIssue(
                (*where, "guardrail_exempt_bedrock_models", index),
                "is not in approved_bedrock_models; only approved models can be exempt",
                model,
            )
    enforced = any(
        "deny-unapproved-bedrock-models" in names
        for names in config.guardrails.service_control_policies.values()
    )
    if not enforced or config.identity is None:
        return
    for name, permission_set in config.identity.permission_sets.items():
        for index, model in enumerate(permission_set.models):
            if model not in approved:
                yield ConfigIssue(
                    ("identity", "permission_sets", name, "models", index),
                    "is not in guardrails.parameters.approved_bedrock_models, so "
                    "deny-unapproved-bedrock-models would deny it; approve it or remove it",
                    model,
                )


def check_guardrails(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    """Guardrail names exist, fit AWS's size and count limits, and cannot be bypassed."""
    try:
        scp = scp_parameters(config)
        rcp = rcp_parameters(config)
    except ValueError as error:
        yield ConfigIssue(("guardrails", "parameters"), str(error), has_value=False)
        return
    guardrails = config.guardrails
    yield from _bedrock_models(config)
    yield from _packing(
        "service_control_policies", guardrails.service_control_policies, scp, GUARDRAILS
    )
    yield from _packing(
        "resource_control_policies",
        guardrails.resource_control_policies,
        rcp,
        DATA_PERIMETER_GUARDRAILS,
    )
    # Guardrails exempt the landing zone's roles; without protect-landing-zone-roles in force
    # anyone could create a role with that name and walk past every guardrail, and without
    # protect-landing-zone-resources run code as one or silence the alarms.
    attached = guardrails.service_control_policies
    known = set(config.organizational_units) | set(config.accounts) | {ROOT}
    for target, names in attached.items():
        if target not in known or not names or set(names) <= set(PROTECTION):
            continue
        levels = _ancestors(config, target)
        missing = [
            name
            for name in PROTECTION
            if not any(name in attached.get(level, []) for level in levels)
        ]
        if missing:
            yield ConfigIssue(
                ("guardrails", "service_control_policies", target),
                f"needs {' and '.join(repr(name) for name in missing)} attached here or above "
                f"(on {ROOT!r} or a parent OU): the other guardrails exempt the landing zone's "
                "roles, which only these guardrails stop others from creating, changing, "
                "running code as or silencing",
                names,
            )
    yield from _delegated_administration(config)


def _delegated_administration(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    """The delegated administrators must be governed by protect-delegated-administration, or
    their admins act on every account at once: security tooling (StackSets and the security
    services) and, with ``network.ipam``, the network account (the organization's IPAM)."""
    attached = config.guardrails.service_control_policies
    if not attached:
        return
    administrators = [
        (
            config.core_accounts.security_tooling,
            "the security tooling account",
            "administers StackSets, which run as an exempt role in every account, and the "
            "security services of the whole organization",
        )
    ]
    if config.network.ipam is not None:
        administrators.append(
            (
                config.core_accounts.network,
                "the network account",
                "administers the organization's IPAM: its pools and their RAM shares give every "
                "VPC of the shapes its range",
            )
        )
    if config.network.ipam is not None and PROTECT_ADDRESS_PLAN not in attached.get(ROOT, []):
        yield ConfigIssue(
            ("guardrails", "service_control_policies", ROOT),
            f"needs {PROTECT_ADDRESS_PLAN!r} with network.ipam: a workload VPC of a shape finds "
            "its pool when it is created, and an IPAM or pool of any member account's own, or "
            "an allocation from the organization's pools, must not be possible anywhere",
            attached.get(ROOT, []),
        )
    for account, what, why in administrators:
        if account not in config.accounts or any(
            PROTECT_DELEGATED_ADMINISTRATION in attached.get(level, [])
            for level in _ancestors(config, account)
        ):
            continue
        yield ConfigIssue(
            ("guardrails", "service_control_policies"),
            f"needs {PROTECT_DELEGATED_ADMINISTRATION!r} attached to {what} {account!r}, its OU "
            f"or an ancestor: that account {why}",
            has_value=False,
        )
