"""Checks of the ``ai`` section: where AI workloads go, the key that encrypts them, the buckets
that the permission sets and training roles may reach, the guardrail and the agents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from landing_zone.ai import DeniedTopic, RegexFilter
from landing_zone.ai.agent_identity import check_agent_identity
from landing_zone.ai.bucket_names import ACCOUNT_ID, is_pattern, substitute
from landing_zone.ai.guardrail import check_guardrail
from landing_zone.ai.training_data import check_bucket_names
from landing_zone.common.bedrock import is_embedding_model

from .coverage import entry_accounts, is_ou_wide
from .defense import target_issues
from .errors import ConfigIssue, duplicate_issues
from .guardrails import _ancestors
from .model import (
    ROOT,
    AgentIdentityConfig,
    AiWorkloadConfig,
    GuardrailConfig,
    LandingZoneConfig,
)

AI_KEY_SERVICES = ("bedrock", "s3", "sagemaker")
"""What the AI key encrypts: the guardrail, the training-data and artifact buckets, and
SageMaker volumes and outputs."""

GOVERNING_GUARDRAILS = ("deny-bedrock-without-guardrail", "protect-bedrock-controls")
"""The SCPs without which an AI account's guardrail and invocation logging are advice: the
first makes inference need the guardrail, the second keeps account admins from changing either."""


def guardrail_props(guardrail: GuardrailConfig) -> dict[str, Any]:
    """``BedrockGuardrail`` keyword arguments from config; unset fields keep the construct's
    finance defaults."""
    props: dict[str, Any] = {
        "name": guardrail.name,
        "content_strength": guardrail.content_strength,
        "prompt_attack_strength": guardrail.prompt_attack_strength,
        "regexes": [
            RegexFilter(
                name=regex.name,
                pattern=regex.pattern,
                action=regex.action,
                description=regex.description,
            )
            for regex in guardrail.regexes
        ],
        "profanity": guardrail.profanity,
        "blocked_words": list(guardrail.blocked_words),
        "grounding_threshold": guardrail.grounding_threshold,
        "relevance_threshold": guardrail.relevance_threshold,
        "automated_reasoning_policies": list(guardrail.automated_reasoning_policies),
    }
    if guardrail.blocked_input_message is not None:
        props["blocked_input_message"] = guardrail.blocked_input_message
    if guardrail.blocked_output_message is not None:
        props["blocked_output_message"] = guardrail.blocked_output_message
    if guardrail.denied_topics is not None:
        props["denied_topics"] = [
            DeniedTopic(name=t.name, definition=t.definition, examples=tuple(t.examples))
            for t in guardrail.denied_topics
        ]
    if guardrail.pii_entities is not None:
        props["pii_entities"] = dict(guardrail.pii_entities)
    return props


def check_ai(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    ai = config.ai
    if not ai.workloads:
        return
    yield from _key_class(config)
    yield from _guardrail(config)
    seen: dict[tuple[str, str], str] = {}
    prefixes: dict[tuple[str, str], str] = {}
    buckets: dict[str, tuple[str | int, ...]] = {}
    home = config.organization.home_region
    baseline_regions = config.baseline_regions()
    for name, workload in ai.workloads.items():
        where: tuple[str | int, ...] = ("ai", "workloads", name)
        region = workload.region or home
        yield from target_issues(config, where, workload)
        if workload.account is not None:
            yield from _workload_account(config, where, workload.account)
        elif workload.organizational_units is not None:
            yield from _workload_ous(config, where, workload)
        if region in config.organization.governed_regions and region not in baseline_regions:
            yield ConfigIssue(
                (*where, "region"),
                "is not a baseline region: the AI layers come from a StackSet whose custom "
                "resource code is in the baseline asset buckets; allowed: "
                f"{', '.join(baseline_regions)}",
                region,
            )
        reached = [a for a in entry_accounts(config, workload) if a in config.accounts]
        for account in reached:
            other = seen.setdefault((account, region), name)
            if other != name:
                one = (
                    "an account and region has one guardrail and one invocation logging "
                    "configuration, so one workload"
                )
                if is_ou_wide(workload):
                    yield ConfigIssue(
                        (*where, "organizational_units"),
                        f"reach account {account!r}, which already has AI workload {other!r} "
                        f"in {region}: {one}; allowed: OUs without it",
                        workload.organizational_units,
                    )
                else:
                    yield ConfigIssue(
                        (*where, "account"),
                        f"already has AI workload {other!r} in {region}: {one}",
                        account,
                    )
                break
        for field in ("training_data_buckets", "artifact_buckets"):
            for index, bucket in enumerate(getattr(workload, field)):
                path = (*where, field, index)
                if is_ou_wide(workload) and ACCOUNT_ID not in bucket:
                    yield ConfigIssue(
                        path,
                        f"is one name for every account of the workload's OUs, and bucket names "
                        f"are global; allowed: a name with {ACCOUNT_ID}, which becomes each "
                        "account's id",
                        bucket,
                    )
                    continue
                if is_pattern(bucket):
                    # What a permission set names to reach it in every account of the workload.
                    buckets.setdefault(bucket, path)
                for account in reached:
                    account_id = config.accounts[account].id or ACCOUNT_ID
                    real = substitute(bucket, account_id=account_id, region=region)
                    if is_pattern(real):
                        continue  # an account without an id yet: its name is not known
                    if real in buckets:
                        yield ConfigIssue(
                            path,
                            f"is also at {'.'.join(map(str, buckets[real]))} (as {real!r}); a "
                            "bucket is created once, as training data or as artifacts",
                            bucket,
                        )
                        break
                    buckets[real] = path
        yield from _training_buckets(where, workload)
        yield from _inference_roles(config, where, workload)
        if workload.agents is not None:
            yield from _agents((*where, "agents"), workload.agents)
            other = prefixes.setdefault((workload.agents.domain_prefix, region), name)
            if other != name:
                yield ConfigIssue(
                    (*where, "agents", "domain_prefix"),
                    f"is also the domain prefix of ai.workloads.{other} in {region}; Cognito "
                    "domain prefixes are unique per region",
                    workload.agents.domain_prefix,
                )
    yield from _permission_set_buckets(config, buckets)


def _workload_account(
    config: LandingZoneConfig, where: tuple[str | int, ...], account: str
) -> Iterator[ConfigIssue]:
    # Known, with an id, not the management account, in a governed region: target_issues.
    if account not in config.accounts or account == config.core_accounts.management:
        return
    core = config.core_accounts
    if account in (core.log_archive, core.security_tooling, core.network):
        yield ConfigIssue(
            (*where, "account"),
            "is a core account; allowed: a workload account of an AI OU",
            account,
        )
        return
    missing = _ungoverned(config, account)
    if missing:
        yield ConfigIssue(
            (*where, "account"),
            f"is not governed by {', '.join(missing)} (attach to its OU, an ancestor or the "
            "account in guardrails.service_control_policies): without them the guardrail and "
            "invocation logging can be bypassed or switched off by the account's admins",
            account,
        )


def _workload_ous(
    config: LandingZoneConfig, where: tuple[str | int, ...], workload: AiWorkloadConfig
) -> Iterator[ConfigIssue]:
    """An OU-wide workload reaches no core account, and its OUs (where new accounts get it
    too) are governed by the guardrails that make it hold."""
    core = config.core_accounts
    ous = workload.organizational_units or []
    reached_core = [
        account
        for account in entry_accounts(config, workload)
        if account in (core.log_archive, core.security_tooling)
    ]
    if reached_core:
        yield ConfigIssue(
            (*where, "organizational_units"),
            f"reach core account(s) {', '.join(reached_core)}; allowed: AI OUs of workload "
            "accounts",
            ous,
        )
    for index, ou in enumerate(ous):
        if ou not in config.organizational_units and ou != ROOT:
            continue  # reported by target_issues
        missing = _ungoverned(config, ou)
        if missing:
            yield ConfigIssue(
                (*where, "organizational_units", index),
                f"is not governed by {', '.join(missing)} (attach to the OU or an ancestor in "
                "guardrails.service_control_policies): without them the guardrail and "
                "invocation logging can be bypassed or switched off by the accounts' admins",
                ou,
            )


def _ungoverned(config: LandingZoneConfig, target: str) -> list[str]:
    """The governing guardrails attached neither to ``target`` nor above it."""
    attached = {
        name
        for policy_target in _ancestors(config, target)
        for name in config.guardrails.service_control_policies.get(policy_target, [])
    }
    return [name for name in GOVERNING_GUARDRAILS if name not in attached]


def _key_class(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    name = config.ai.key_class
    key = config.keys.classes.get(name)
    if key is None:
        yield ConfigIssue(
            ("ai", "key_class"),
            "is not a data class of keys.classes; allowed: one of "
            f"{', '.join(config.keys.classes) or '(none defined)'}",
            name,
        )
        return
    missing = [service for service in AI_KEY_SERVICES if service not in key.services]
    if missing:
        yield ConfigIssue(
            ("keys", "classes", name, "services"),
            f"lacks {', '.join(missing)}, which the AI key must serve (guardrail, training data, "
            "SageMaker volumes)",
            list(key.services),
        )


def _guardrail(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    """The construct's own checks (card data must be blocked, PII types, regexes, ARNs)."""
    try:
        check_guardrail(**guardrail_props(config.ai.guardrail))
    except ValueError as error:
        yield ConfigIssue(("ai", "guardrail"), str(error), has_value=False)


def _inference_roles(
    config: LandingZoneConfig, where: tuple[str | int, ...], workload: AiWorkloadConfig
) -> Iterator[ConfigIssue]:
    approved = config.guardrails.parameters.approved_bedrock_models
    for role, settings in workload.inference_roles.items():
        path = (*where, "inference_roles", role, "models")
        yield from duplicate_issues(path, settings.models)
        for index, model in enumerate(settings.models):
            if is_embedding_model(model):
                yield ConfigIssue(
                    (*path, index),
                    "is an embedding model, which cannot take a guardrail, and the role is "
                    "denied every call without the approved one; allowed: text models",
                    model,
                )
            elif model not in approved:
                yield ConfigIssue(
                    (*path, index),
                    "is not in guardrails.parameters.approved_bedrock_models; allowed: one of "
                    f"{', '.join(approved) or '(none approved)'}",
                    model,
                )


def _training_buckets(
    where: tuple[str | int, ...], workload: AiWorkloadConfig
) -> Iterator[ConfigIssue]:
    if not workload.training_data_buckets:
        if workload.artifact_buckets:
            yield ConfigIssue(
                (*where, "artifact_buckets"),
                "needs training_data_buckets: artifact buckets are created with the training "
                "data they are trained from (scans, training role); allowed: add the "
                "training-data buckets or remove these",
                list(workload.artifact_buckets),
            )
        return
    try:
        check_bucket_names(workload.training_data_buckets, workload.artifact_buckets)
    except ValueError as error:
        # The same-list and both-lists repeats are reported above, with their paths.
        if "appear more than once" not in str(error) and "in one list only" not in str(error):
            yield ConfigIssue(where, str(error), has_value=False)


def _agents(where: tuple[str | int, ...], agents: AgentIdentityConfig) -> Iterator[ConfigIssue]:
    issues = list(duplicate_issues((*where, "tools"), agents.tools))
    for agent, tools in agents.agents.items():
        issues += duplicate_issues((*where, "agents", agent), tools)
        if not tools:
            issues.append(
                ConfigIssue(
                    (*where, "agents", agent),
                    "names no tool; an agent without tools needs no identity",
                    tools,
                )
            )
        for index, tool in enumerate(tools):
            if tool not in agents.tools:
                issues.append(
                    ConfigIssue(
                        (*where, "agents", agent, index),
                        f"is not a declared tool; allowed: {', '.join(agents.tools)}",
                        tool,
                    )
                )
    yield from issues
    if issues:
        return
    # The construct's own checks of names (Cognito's and Cedar's rules).
    try:
        check_agent_identity(
            tools=agents.tools,
            agents=agents.agents,
            domain_prefix=agents.domain_prefix,
        )
    except ValueError as error:
        yield ConfigIssue(where, str(error), has_value=False)


def _permission_set_buckets(
    config: LandingZoneConfig, buckets: dict[str, tuple[str | int, ...]]
) -> Iterator[ConfigIssue]:
    """Permission sets reach only the buckets the AI workloads create: a name one creates in
    some account, or a pattern of one (the bucket of that name in each session's account)."""
    if config.identity is None:
        return
    for name, permission_set in config.identity.permission_sets.items():
        for field in ("training_data_buckets", "artifact_buckets"):
            for index, bucket in enumerate(getattr(permission_set, field)):
                if bucket not in buckets or buckets[bucket][-2] != field:
                    yield ConfigIssue(
                        ("identity", "permission_sets", name, field, index),
                        f"is not in the {field} of any ai.workloads entry; permission sets may "
                        "reach only the training-data and artifact buckets the AI workloads "
                        "create",
                        bucket,
                    )
