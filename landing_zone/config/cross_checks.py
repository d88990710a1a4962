"""Checks that span several fields of a structurally valid config.

Each check returns issues rather than raising, so a user sees every problem of
a file in one run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .ai import check_ai
from .defense import check_defense
from .errors import ConfigIssue, duplicate_issues
from .guardrails import check_guardrails
from .identity import check_identity, identity_warnings
from .ipam import check_ipam
from .model import MAX_ACCOUNTS_PER_STACK, MAX_OU_DEPTH, ROOT, LandingZoneConfig
from .response import check_incident_response
from .security_checks import check_baselines, check_detection, check_logging
from .shapes import check_shapes
from .sharding import account_shards

MAX_CREATED_OUS = 150
"""OUs the organization stack creates at most: with their id parameters 300 resources, which
leaves room under 400 for the policies (one per target and part) and the settings calls."""

Check = Callable[[LandingZoneConfig], Iterator[ConfigIssue]]


def _regions(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    org = config.organization
    yield from duplicate_issues(("organization", "governed_regions"), org.governed_regions)
    if org.home_region not in org.governed_regions:
        yield ConfigIssue(
            ("organization", "home_region"),
            f"must be one of the governed regions ({', '.join(org.governed_regions)})",
            org.home_region,
        )
    for index, region in enumerate(config.baselines.regions or []):
        if region not in org.governed_regions:
            yield ConfigIssue(
                ("baselines", "regions", index),
                f"must be one of the governed regions ({', '.join(org.governed_regions)})",
                region,
            )


def _organizational_units(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    siblings: set[str] = set()
    adopted: dict[str, str] = {}
    for path, ou in config.organizational_units.items():
        where = ("organizational_units", path)
        if ou.id is not None:
            # One existing OU cannot be two OUs of the config (the baseline StackSet and the
            # policy attachments would target it twice).
            first = adopted.setdefault(ou.id, path)
            if first != path:
                yield ConfigIssue(
                    (*where, "id"),
                    f"is already the id of OU {first!r}; each adopted OU needs its own id",
                    ou.id,
                )
        segments = path.split("/")
        if segments[0] == ROOT:
            yield ConfigIssue(
                where,
                f"OU paths start below the root; write {'/'.join(segments[1:]) or '...'!r} "
                f"instead of {path!r} ('{ROOT}' is reserved for the organization root)",
                path,
            )
            continue
        if len(segments) > MAX_OU_DEPTH:
            yield ConfigIssue(
                where,
                f"is nested {len(segments)} levels deep; AWS Organizations allows at most "
                f"{MAX_OU_DEPTH} levels of OUs below the root",
                path,
            )
        parent = "/".join(segments[:-1])
        if parent and parent not in config.organizational_units:
            yield ConfigIssue(
                where,
                f"its parent OU {parent!r} is not defined; add {parent!r} to "
                "organizational_units first",
                path,
            )
        # Organizations rejects two OUs of the same name under one parent, whatever the case.
        folded = path.lower()
        if folded in siblings:
            yield ConfigIssue(where, "another OU has the same path apart from letter case", path)
        siblings.add(folded)
    created = [path for path, ou in config.organizational_units.items() if ou.id is None]
    if len(created) > MAX_CREATED_OUS:
        yield ConfigIssue(
            ("organizational_units",),
            f"creates {len(created)} OUs; allowed: at most {MAX_CREATED_OUS}: each created OU and "
            "the SSM parameter of its id are two resources of the organization stack, which "
            "also holds the policies and must stay under 400 resources. Adopt existing OUs with "
            "'id', or group accounts under fewer OUs",
            len(created),
        )


def _ou_reference(
    config: LandingZoneConfig, path: tuple[str | int, ...], value: str
) -> Iterator[ConfigIssue]:
    if value != ROOT and value not in config.organizational_units:
        yield ConfigIssue(
            path,
            f"is not a defined OU; allowed: '{ROOT}' or one of "
            f"{', '.join(config.organizational_units) or '(no OUs defined)'}",
            value,
        )


def _accounts(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    emails: dict[str, str] = {}
    ids: dict[str, str] = {}
    for name, account in config.accounts.items():
        where = ("accounts", name)
        yield from _ou_reference(config, (*where, "ou"), account.ou)
        email = account.email.lower()
        if email in emails:
            yield ConfigIssue(
                (*where, "email"),
                f"is already the email of account {emails[email]!r}; every account needs its own",
                account.email,
            )
        emails.setdefault(email, name)
        if account.id is not None:
            if account.id in ids:
                yield ConfigIssue(
                    (*where, "id"), f"is already the id of account {ids[account.id]!r}", account.id
                )
            ids.setdefault(account.id, name)
        if account.existing and account.id is None:
            yield ConfigIssue(
                (*where, "id"),
                "is required when existing is true: an adopted account is referenced by its id",
                has_value=False,
            )


def _core_accounts(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    core = config.core_accounts
    roles = core.model_dump()
    missing_ids: set[str] = set()
    for role, name in roles.items():
        where = ("core_accounts", role)
        account = config.accounts.get(name)
        if account is None:
            yield ConfigIssue(
                where, f"is not an account name; allowed: one of {', '.join(config.accounts)}", name
            )
            continue
        # An adopted account without an id is already reported by _accounts.
        if account.id is None and not account.existing and name not in missing_ids:
            missing_ids.add(name)
            yield ConfigIssue(
                ("accounts", name, "id"),
                f"is required: account {name!r} hosts the {role} stacks, which need an explicit "
                "account id (fill it in after the organization stack created the account)",
                has_value=False,
            )
    management = config.accounts.get(core.management)
    if management is not None and not management.existing:
        yield ConfigIssue(
            ("accounts", core.management, "existing"),
            "must be true: the management account owns the organization and cannot be created "
            "by it",
            management.existing,
        )
    # A compromise of one core account must not hand over another's controls; only the
    # network and shared-services roles may share an account.
    separated = {"management", "log_archive", "security_tooling"}
    first_role: dict[str, str] = {}
    for role, name in roles.items():
        earlier = first_role.setdefault(name, role)
        if earlier != role and separated & {earlier, role}:
            yield ConfigIssue(
                ("core_accounts", role),
                f"names the same account as core_accounts.{earlier}; the management, "
                "log-archive and security-tooling accounts must each be a separate account",
                name,
            )


def _policy_targets(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    management = config.core_accounts.management
    guardrails = config.guardrails
    attachments = {
        "service_control_policies": guardrails.service_control_policies,
        "resource_control_policies": guardrails.resource_control_policies,
    }
    for section, targets in attachments.items():
        for target in targets:
            where = ("guardrails", section, target)
            if target == management:
                yield ConfigIssue(
                    where,
                    "is the management account, which SCPs and RCPs never restrict; attach the "
                    f"guardrails to '{ROOT}' or to OUs",
                    target,
                )
            elif target in config.accounts and config.accounts[target].id is None:
                yield ConfigIssue(
                    where,
                    "is an account without an id; a policy can only be attached to an account "
                    f"once its id is in accounts.{target}.id",
                    target,
                )
            elif target not in (ROOT, *config.organizational_units, *config.accounts):
                yield ConfigIssue(
                    where,
                    f"is not a policy target; allowed: '{ROOT}', an OU path "
                    f"({', '.join(config.organizational_units)}) or an account name",
                    target,
                )
    for section in ("ai_services_opt_out", "tag_policy"):
        targets_list = getattr(guardrails, section).targets
        for index, target in enumerate(targets_list):
            yield from _ou_reference(config, ("guardrails", section, "targets", index), target)
    for index, ou in enumerate(config.baselines.organizational_units):
        yield from _ou_reference(config, ("baselines", "organizational_units", index), ou)
    yield from duplicate_issues(
        ("baselines", "organizational_units"), config.baselines.organizational_units
    )


def _account_stacks(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    shards = account_shards(config)
    largest = max((len(names) for names in shards.values()), default=0)
    if largest > MAX_ACCOUNTS_PER_STACK:
        yield ConfigIssue(
            ("organization", "account_stacks"),
            f"puts {largest} created accounts in one stack; allowed: at most "
            f"{MAX_ACCOUNTS_PER_STACK} per stack (CloudFormation's resource limit), so raise "
            "this number (it moves accounts between stacks: see the README)",
            config.organization.account_stacks,
        )


CHECKS: tuple[Check, ...] = (
    _regions,
    _organizational_units,
    _accounts,
    _core_accounts,
    _policy_targets,
    _account_stacks,
    check_guardrails,
    check_baselines,
    check_logging,
    check_detection,
    check_identity,
    check_defense,
    check_ipam,
    check_shapes,
    check_ai,
    check_incident_response,
)


def cross_check(config: LandingZoneConfig) -> list[ConfigIssue]:
    """Every problem that spans fields, in file order of the checks."""
    return [issue for check in CHECKS for issue in check(config)]


WARNINGS: tuple[Check, ...] = (identity_warnings,)
"""Checks whose issues leave something out for now rather than make the config invalid."""


def cross_check_warnings(config: LandingZoneConfig) -> list[ConfigIssue]:
    """What a valid config leaves out for now (``ConfigWarning``), in file order of the checks."""
    return [issue for check in WARNINGS for issue in check(config)]
