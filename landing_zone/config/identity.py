"""What the identity section means for the organization: which accounts an assignment reaches,
which OUs are production, which stack holds each assignment; and its cross-field checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from landing_zone.ai.invocation import guardrail_pin_policy_name
from landing_zone.identity.bootstrap import deployer_role_name, validate_role_name
from landing_zone.identity.job_functions import (
    BREAK_GLASS_MAX_SESSION,
    validate_bucket_names,
    validate_model_ids,
    validate_role_names,
)
from landing_zone.identity.password_policy import (
    validate_max_password_age_days,
    validate_minimum_password_length,
    validate_password_reuse_prevention,
)
from landing_zone.identity.permission_set import validate_description
from landing_zone.identity.pipeline_role import (
    MAX_CDK_TARGET_ACCOUNTS,
    validate_branches,
    validate_cdk_bootstrap_qualifier,
    validate_environments,
    validate_repository,
)

from .coverage import entry_accounts
from .errors import ConfigIssue, duplicate_issues
from .model import (
    AI_JOB_FUNCTIONS,
    MAX_ACCOUNTS_PER_STACK,
    NON_PRODUCTION_JOB_FUNCTIONS,
    ROOT,
    IdentityConfig,
    LandingZoneConfig,
)
from .sharding import account_shard

BREAK_GLASS_MAX_SESSION_HOURS = int(BREAK_GLASS_MAX_SESSION.to_hours())


@dataclass(frozen=True, order=True)
class AccountAssignment:
    """One group given one permission set in one account."""

    permission_set: str
    group: str
    account: str

    @property
    def key(self) -> str:
        return f"{self.permission_set}/{self.group}/{self.account}"


def ou_environment(config: LandingZoneConfig, ou: str) -> str | None:
    """The environment of ``ou``: its own, else its nearest ancestor's, else None."""
    path = ou
    while path and path != ROOT:
        unit = config.organizational_units.get(path)
        if unit is not None and unit.environment is not None:
            return unit.environment
        path = path.rpartition("/")[0]
    return None


def account_environment(config: LandingZoneConfig, account: str) -> str | None:
    return ou_environment(config, config.accounts[account].ou)


def expand_target(config: LandingZoneConfig, target: str) -> list[str] | None:
    """Account names a target stands for, in config order; None if it names nothing."""
    if target in config.accounts:
        return [target]
    if target == ROOT:
        return list(config.accounts)
    if target in config.organizational_units:
        prefix = f"{target}/"
        return [
            name
            for name, account in config.accounts.items()
            if account.ou == target or account.ou.startswith(prefix)
        ]
    return None


MANAGEMENT_ACCOUNT_JOB_FUNCTIONS = ("break_glass",)
"""The only job functions assigned to the management account: no SCP applies there, so any
other access would reach the organization's policies, Identity Center and the landing zone's
deployment unguarded."""


def reaches_management_account(job_function: str | None) -> bool:
    """Whether a permission set of ``job_function`` may be assigned to the management account."""
    return job_function in MANAGEMENT_ACCOUNT_JOB_FUNCTIONS


def assignment_accounts(
    config: LandingZoneConfig, target: str, job_function: str | None
) -> list[str] | None:
    """Account names an assignment of ``job_function`` to ``target`` reaches, in config order;
    None if ``target`` names nothing. Root and OUs stand for their accounts but the management
    account, unless the job function is one of :data:`MANAGEMENT_ACCOUNT_JOB_FUNCTIONS`; an
    explicit management target is kept, for the config check to refuse."""
    accounts = expand_target(config, target)
    if accounts is None or target in config.accounts or reaches_management_account(job_function):
        return accounts
    management = config.core_accounts.management
    return [account for account in accounts if account != management]


def account_assignments(config: LandingZoneConfig) -> list[AccountAssignment]:
    """Every (permission set, group, account) the assignments reach, each once, sorted; the
    management account only for break glass (see :func:`assignment_accounts`)."""
    identity = config.identity
    if identity is None:
        return []
    management = config.core_accounts.management
    found: set[AccountAssignment] = set()
    for assignment in identity.assignments:
        settings = identity.permission_sets.get(assignment.permission_set)
        job = None if settings is None else settings.job_function
        for target in assignment.targets:
            for account in assignment_accounts(config, target, job) or []:
                if account == management and not reaches_management_account(job):
                    continue  # refused by check_identity
                found.add(AccountAssignment(assignment.permission_set, assignment.group, account))
    return sorted(found)


def ai_workload_regions(config: LandingZoneConfig) -> dict[str, set[str]]:
    """Account name -> the regions of its ``ai.workloads`` entries."""
    home = config.organization.home_region
    regions: dict[str, set[str]] = {}
    for workload in config.ai.workloads.values():
        for account in entry_accounts(config, workload):
            regions.setdefault(account, set()).add(workload.region or home)
    return regions


def guardrail_pin_regions(config: LandingZoneConfig, permission_set: str) -> list[str]:
    """The regions whose guardrail pin policy (``guardrail_pin_policy_name``: created by the AI
    workload of each account and region) the AI permission set ``permission_set`` references:
    those of the ``ai.workloads`` of the accounts it is assigned to, sorted. Identity Center
    attaches every reference in every assigned account, so each of them needs an AI workload
    in each of these regions (checked by :func:`check_identity`). None for a permission set
    without ``models``."""
    identity = config.identity
    if identity is None:
        return []
    settings = identity.permission_sets.get(permission_set)
    if settings is None or not settings.models:
        return []
    regions = ai_workload_regions(config)
    return sorted(
        {
            region
            for assignment in account_assignments(config)
            if assignment.permission_set == permission_set
            for region in regions.get(assignment.account, set())
        }
    )


def assignment_shards(config: LandingZoneConfig) -> dict[int, list[AccountAssignment]]:
    """Shard -> the assignments of accounts with an id, by a stable hash of the assignment, so
    adding one never moves another. Accounts without an id yet are left out."""
    identity = config.identity
    if identity is None:
        return {}
    shards: dict[int, list[AccountAssignment]] = {}
    for assignment in account_assignments(config):
        if config.accounts[assignment.account].id is None:
            continue
        shard = account_shard(assignment.key, identity.assignment_stacks)
        shards.setdefault(shard, []).append(assignment)
    return dict(sorted(shards.items()))


def identity_warnings(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    """Each assignment target that reaches accounts without an id: their assignments are left
    out (``assignment_shards``) until the id is filled in. A warning, not an error: a new
    account gets its id only once the organization stack has created it, so the assignment can
    be written in the same change and takes effect at the next deployment after the id is in."""
    identity = config.identity
    if identity is None:
        return
    management = config.core_accounts.management
    for index, assignment in enumerate(identity.assignments):
        settings = identity.permission_sets.get(assignment.permission_set)
        job = None if settings is None else settings.job_function
        for position, target in enumerate(assignment.targets):
            waiting = [
                account
                for account in assignment_accounts(config, target, job) or []
                if config.accounts[account].id is None
                and (account != management or reaches_management_account(job))
            ]
            if waiting:
                ids = ", ".join(f"accounts.{account}.id" for account in waiting)
                yield ConfigIssue(
                    ("identity", "assignments", index, "targets", position),
                    f"reaches accounts without an id yet ({', '.join(waiting)}): their "
                    f"{assignment.permission_set} assignments for {assignment.group} are left "
                    f"out until {ids} {'is' if len(waiting) == 1 else 'are'} filled in (after "
                    "the organization stack has created the account)",
                    target,
                )


def check_identity(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    identity = config.identity
    if identity is None:
        return
    yield from _identity_center(config, identity)
    yield from _permission_sets(identity)
    yield from _assignments(config, identity)
    yield from _pipelines(config, identity)
    yield from _deployer(config, identity)
    policy = identity.password_policy
    where = ("identity", "password_policy")
    for field, value, validate in (
        ("minimum_length", policy.minimum_length, validate_minimum_password_length),
        ("max_age_days", policy.max_age_days, validate_max_password_age_days),
        ("reuse_prevention", policy.reuse_prevention, validate_password_reuse_prevention),
    ):
        yield from _construct_check((*where, field), value, validate)
    if not policy.require_numbers or not (policy.require_uppercase or policy.require_lowercase):
        yield ConfigIssue(
            where,
            "must require digits and letters (require_numbers and require_uppercase or "
            "require_lowercase): PCI DSS v4.0 requirement 8.3.6",
            has_value=False,
        )


def _construct_check(
    path: tuple[str | int, ...], value: Any, validate: Callable[[str, Any], object]
) -> Iterator[ConfigIssue]:
    """The construct's own validation of ``value``, reported at ``path``."""
    try:
        validate(str(path[-1]), value)
    except ValueError as error:
        yield ConfigIssue(path, str(error), value)


def _account_issue(
    config: LandingZoneConfig, path: tuple[str | int, ...], name: str, *, needs_id: str
) -> Iterator[ConfigIssue]:
    account = config.accounts.get(name)
    if account is None:
        yield ConfigIssue(
            path, f"is not an account name; allowed: one of {', '.join(config.accounts)}", name
        )
    elif account.id is None:
        yield ConfigIssue(path, f"has no id yet; {needs_id}, so fill in accounts.{name}.id", name)


def _identity_center(config: LandingZoneConfig, identity: IdentityConfig) -> Iterator[ConfigIssue]:
    center = identity.identity_center
    where = ("identity", "identity_center")
    if center.account is not None:
        yield from _account_issue(
            config,
            (*where, "account"),
            center.account,
            needs_id="the permission sets are deployed into it",
        )
    governed = config.organization.governed_regions
    if center.region is not None and center.region not in governed:
        yield ConfigIssue(
            (*where, "region"),
            f"must be one of the governed regions ({', '.join(governed)})",
            center.region,
        )
    if identity.break_glass_group is not None and identity.break_glass_group not in identity.groups:
        yield ConfigIssue(
            ("identity", "break_glass_group"),
            f"is not a group of identity.groups; allowed: {_names(identity.groups)}",
            identity.break_glass_group,
        )


def _permission_sets(identity: IdentityConfig) -> Iterator[ConfigIssue]:
    for name, permission_set in identity.permission_sets.items():
        where = ("identity", "permission_sets", name)
        if (
            permission_set.job_function == "break_glass"
            and permission_set.session_duration_hours > BREAK_GLASS_MAX_SESSION_HOURS
        ):
            yield ConfigIssue(
                (*where, "session_duration_hours"),
                f"is too long for break-glass access; allowed: at most "
                f"{BREAK_GLASS_MAX_SESSION_HOURS} hour",
                permission_set.session_duration_hours,
            )
        if permission_set.description is not None:
            yield from _construct_check(
                (*where, "description"), permission_set.description, validate_description
            )
        for field, validate in (
            ("training_data_buckets", validate_bucket_names),
            ("artifact_buckets", validate_bucket_names),
            ("models", validate_model_ids),
            ("execution_role_names", validate_role_names),
        ):
            values = getattr(permission_set, field)
            if values:
                yield from _construct_check((*where, field), values, validate)
        if permission_set.execution_role_names and permission_set.job_function != "ml_engineer":
            yield ConfigIssue(
                (*where, "execution_role_names"),
                f"only applies to job function ml_engineer, not {permission_set.job_function}",
                permission_set.execution_role_names,
            )
        ai = permission_set.job_function in AI_JOB_FUNCTIONS
        for field in ("training_data_buckets", "artifact_buckets", "models"):
            values = getattr(permission_set, field)
            if values and not ai:
                yield ConfigIssue(
                    (*where, field),
                    f"only applies to the AI job functions ({', '.join(AI_JOB_FUNCTIONS)}), "
                    f"not {permission_set.job_function}",
                    values,
                )
            if ai and not values and field != "artifact_buckets":
                yield ConfigIssue(
                    (*where, field),
                    f"must list at least one entry for job function "
                    f"{permission_set.job_function}: its access is scoped to what is listed",
                    values,
                )
        if (
            ai
            and permission_set.job_function == "ml_engineer"
            and not permission_set.artifact_buckets
        ):
            yield ConfigIssue(
                (*where, "artifact_buckets"),
                "must list at least one bucket for job function ml_engineer",
                permission_set.artifact_buckets,
            )


def _assignments(config: LandingZoneConfig, identity: IdentityConfig) -> Iterator[ConfigIssue]:
    for index, assignment in enumerate(identity.assignments):
        where = ("identity", "assignments", index)
        if assignment.group not in identity.groups:
            yield ConfigIssue(
                (*where, "group"),
                f"is not a group of identity.groups; allowed: {_names(identity.groups)}",
                assignment.group,
            )
        permission_set = identity.permission_sets.get(assignment.permission_set)
        if permission_set is None:
            yield ConfigIssue(
                (*where, "permission_set"),
                "is not a permission set of identity.permission_sets; allowed: "
                f"{', '.join(identity.permission_sets) or 'none'}",
                assignment.permission_set,
            )
        job = None if permission_set is None else permission_set.job_function
        if job == "break_glass" and assignment.group != identity.break_glass_group:
            yield ConfigIssue(
                (*where, "group"),
                "may not hold a break_glass permission set: only identity.break_glass_group "
                f"({identity.break_glass_group or 'not set'}) may",
                assignment.group,
            )
        for position, target in enumerate(assignment.targets):
            accounts = assignment_accounts(config, target, job)
            if (
                job is not None
                and target == config.core_accounts.management
                and not reaches_management_account(job)
            ):
                yield ConfigIssue(
                    (*where, "targets", position),
                    f"is the management account, which no SCP protects; a {job} permission "
                    "set may not be assigned to it (only break_glass may: assign the others to "
                    "OUs or member accounts)",
                    target,
                )
                continue
            if accounts is None:
                yield ConfigIssue(
                    (*where, "targets", position),
                    f"is neither an account name, an OU path nor '{ROOT}'",
                    target,
                )
                continue
            if permission_set is not None and permission_set.models:
                yield from _guardrail_pins(
                    config,
                    (*where, "targets", position),
                    assignment.permission_set,
                    target,
                    accounts,
                )
            if job == "incident_responder":
                outside = [a for a in accounts if a != config.core_accounts.security_tooling]
                if outside:
                    yield ConfigIssue(
                        (*where, "targets", position),
                        f"reaches accounts other than the security-tooling account "
                        f"({', '.join(outside)}); an incident_responder permission set answers "
                        "the response workflows there and may only be assigned to "
                        f"{config.core_accounts.security_tooling}",
                        target,
                    )
            if job in NON_PRODUCTION_JOB_FUNCTIONS:
                reached = [
                    a for a in accounts if account_environment(config, a) != "non-production"
                ]
                if reached:
                    yield ConfigIssue(
                        (*where, "targets", position),
                        f"reaches accounts that are not in a non-production OU "
                        f"({', '.join(reached)}); a {job} permission set may only be assigned "
                        "to accounts of OUs with environment: non-production",
                        target,
                    )
    largest = max((len(s) for s in assignment_shards(config).values()), default=0)
    if largest > MAX_ACCOUNTS_PER_STACK:
        yield ConfigIssue(
            ("identity", "assignment_stacks"),
            f"puts {largest} account assignments in one stack; allowed: at most "
            f"{MAX_ACCOUNTS_PER_STACK} per stack, so raise this number",
            identity.assignment_stacks,
        )


def _guardrail_pins(
    config: LandingZoneConfig,
    where: tuple[str | int, ...],
    permission_set: str,
    target: str,
    accounts: list[str],
) -> Iterator[ConfigIssue]:
    """An AI permission set references the guardrail pin of every region in which its accounts
    have AI workloads; Identity Center fails to provision it in an account that lacks one."""
    needed = guardrail_pin_regions(config, permission_set)
    if not needed:
        # No account it reaches has an AI workload, so it references no pin (and no guardrail
        # exists there: the SCPs then deny every model).
        return
    regions = ai_workload_regions(config)
    lacking = []
    for account in accounts:
        have = regions.get(account, set())
        if not have:
            lacking.append(f"{account} (no AI workload)")
        elif missing := [region for region in needed if region not in have]:
            lacking.append(f"{account} (none in {', '.join(missing)})")
    if not lacking:
        return
    prefix = config.guardrails.parameters.landing_zone_role_prefix
    pins = ", ".join(guardrail_pin_policy_name(prefix, region) for region in needed)
    yield ConfigIssue(
        where,
        f"reaches accounts without an ai.workloads entry in every region of {permission_set}'s "
        f"guardrail pins ({pins or 'none'}): {'; '.join(lacking)}. An AI permission set is "
        "pinned to each account's published guardrail by the policy the AI workload creates "
        "there, and Identity Center fails to provision it where that policy is missing; "
        "allowed: accounts with an AI workload in each of those regions (add ai.workloads "
        "entries or narrow the targets)",
        target,
    )


PIPELINE_ROLE_NAMES = "pipeline-*-deploy"
"""The pipelines' deploy roles: protected like the landing zone's roles (``GuardrailParameters.
protected_role_names``), so no admin of their account can change whom they trust (production
accounts trust them by exact ARN), yet exempt from no guardrail: a workload deployer stays bound."""


def pipeline_role_name(pipeline: str) -> str:
    """The deploy role of ``identity.pipelines.<pipeline>``."""
    return PIPELINE_ROLE_NAMES.replace("*", pipeline)


def protected_role_names(config: LandingZoneConfig) -> tuple[str, ...]:
    """Roles the landing zone creates for others, protected but not exempt."""
    pipelines = {} if config.identity is None else config.identity.pipelines
    return (PIPELINE_ROLE_NAMES,) if pipelines else ()


def deployer_name(config: LandingZoneConfig) -> str | None:
    """The deployer role's name, or None when the config has no deployer."""
    deployer = None if config.identity is None else config.identity.deployer
    if deployer is None:
        return None
    prefix = config.guardrails.parameters.landing_zone_role_prefix
    return deployer.role_name or deployer_role_name(prefix)


def _deployer(config: LandingZoneConfig, identity: IdentityConfig) -> Iterator[ConfigIssue]:
    deployer = identity.deployer
    if deployer is None:
        return
    where = ("identity", "deployer")
    yield from _construct_check((*where, "repository"), deployer.repository, validate_repository)
    yield from _construct_check(
        (*where, "environments"), deployer.environments, validate_environments
    )
    if deployer.role_name is not None:
        prefix = config.guardrails.parameters.landing_zone_role_prefix
        if not deployer.role_name.startswith(prefix):
            yield ConfigIssue(
                (*where, "role_name"),
                f"must start with the landing zone's role prefix ({prefix}), which the "
                "guardrails protect",
                deployer.role_name,
            )
        yield from _construct_check(
            (*where, "role_name"),
            deployer.role_name,
            lambda field, value: validate_role_name(value, field),
        )


def _pipelines(config: LandingZoneConfig, identity: IdentityConfig) -> Iterator[ConfigIssue]:
    management = config.core_accounts.management
    for name, pipeline in identity.pipelines.items():
        where = ("identity", "pipelines", name)
        if pipeline.account is not None:
            yield from _account_issue(
                config, (*where, "account"), pipeline.account, needs_id="the role is deployed in it"
            )
        if (pipeline.account or config.core_accounts.shared_services) == management:
            yield ConfigIssue(
                (*where, "account"),
                "is the management account, which no SCP protects and which holds no workload "
                "deploy role; allowed: a member account such as the shared-services account",
                management,
            )
        if management in pipeline.deploy_to:
            yield ConfigIssue(
                (*where, "deploy_to"),
                "names the management account: only the landing-zone deployer "
                "(identity.deployer) deploys there",
                management,
            )
        yield from _construct_check(
            (*where, "repository"), pipeline.repository, validate_repository
        )
        yield from _construct_check((*where, "branches"), pipeline.branches, validate_branches)
        yield from _construct_check(
            (*where, "environments"), pipeline.environments, validate_environments
        )
        if not pipeline.branches and not pipeline.environments:
            yield ConfigIssue(
                where,
                "needs at least one branch or environment whose workflows may assume the role",
                has_value=False,
            )
        yield from _construct_check(
            (*where, "cdk_qualifier"), pipeline.cdk_qualifier, validate_cdk_bootstrap_qualifier
        )
        yield from duplicate_issues((*where, "deploy_to"), pipeline.deploy_to)
        for position, target in enumerate(pipeline.deploy_to):
            yield from _account_issue(
                config,
                (*where, "deploy_to", position),
                target,
                needs_id="the role assumes that account's CDK roles by ARN",
            )
        production = [
            account
            for account in pipeline.deploy_to
            if account in config.accounts
            and account_environment(config, account) != "non-production"
        ]
        if production and pipeline.branches:
            yield ConfigIssue(
                (*where, "branches"),
                f"must be empty: the role deploys to accounts that are not in a non-production "
                f"OU ({', '.join(production)}), so only GitHub environments (with required "
                "reviewers) may assume it, not every workflow run on a branch; use a separate "
                "pipeline for non-production",
                pipeline.branches,
            )
        if len(pipeline.deploy_to) > MAX_CDK_TARGET_ACCOUNTS:
            yield ConfigIssue(
                (*where, "deploy_to"),
                f"lists {len(pipeline.deploy_to)} accounts; allowed: at most "
                f"{MAX_CDK_TARGET_ACCOUNTS} per pipeline role (IAM's policy size limit)",
                has_value=False,
            )


def _names(names: Iterable[str]) -> str:
    return ", ".join(names) or "none"
