"""Checks of the ``incident_response`` section, and the rules they share with the playbooks:
which finding types each playbook gets and which mode a playbook runs in for an account."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import UTC, datetime

from landing_zone.response.finding_types import (
    DEFAULT_PLAYBOOK_FINDING_TYPES,
    FINDING_TYPES,
    expand,
)

from .errors import ConfigIssue, duplicate_issues
from .guardrails import _ancestors
from .identity import account_environment
from .model import (
    IP_BLOCK_CAP_LIMIT,
    PLAYBOOKS,
    ROOT,
    SEVERITIES,
    WAF_IP_SET_ADDRESS_LIMIT,
    IncidentResponseConfig,
    LandingZoneConfig,
    PlaybookName,
    ResponseMode,
    _closest,
)

APPROVAL_IN_PRODUCTION: tuple[PlaybookName, ...] = ("isolate_instance", "s3_exfiltration")
"""Playbooks that wait for a responder's approval in production OUs unless config says
otherwise; the others act at once everywhere."""

Where = tuple[str | int, ...]
SECTION: Where = ("incident_response",)


def finding_types(response: IncidentResponseConfig) -> dict[PlaybookName, tuple[str, ...]]:
    """Playbook -> the finding type patterns that start it: config's, else the defaults. A
    disabled playbook maps to nothing."""
    mapping: dict[PlaybookName, tuple[str, ...]] = {}
    for playbook in PLAYBOOKS:
        configured = response.playbooks.get(playbook)
        if configured is None:
            mapping[playbook] = DEFAULT_PLAYBOOK_FINDING_TYPES[playbook]
        elif configured.enabled:
            mapping[playbook] = tuple(configured.finding_types)
        else:
            mapping[playbook] = ()
    return mapping


def mode_for(config: LandingZoneConfig, account: str, playbook: PlaybookName) -> ResponseMode:
    """The mode ``playbook`` runs in for ``account``: the account's own entry in ``modes``, else
    its nearest OU's (up to ``Root``), else approval for ``APPROVAL_IN_PRODUCTION`` in production
    OUs and automatic otherwise."""
    response = config.incident_response
    modes = response.modes if response is not None else {}
    for target in _ancestors(config, account):
        mode = modes.get(target, {}).get(playbook)
        if mode is not None:
            return mode
    production = account_environment(config, account) == "production"
    return "approval" if production and playbook in APPROVAL_IN_PRODUCTION else "automatic"


def parse_time(value: str) -> datetime | None:
    """A config UTC timestamp (``2027-01-15T22:00Z``) as an aware datetime; None if it is not a
    real time (the model's pattern lets ``2027-02-30`` through)."""
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        return None


def check_incident_response(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    response = config.incident_response
    if response is None:
        return
    yield from _tiers(response)
    yield from _playbooks(response)
    yield from _modes(config, response)
    yield from _approval(config, response)
    yield from _ip_block(response)
    yield from _maintenance_windows(config, response)
    yield from _fire_drill(config, response)


def _tiers(response: IncidentResponseConfig) -> Iterator[ConfigIssue]:
    missing = [severity for severity in SEVERITIES if severity not in response.tiers]
    if missing:
        yield ConfigIssue(
            (*SECTION, "tiers"),
            f"has no action for {', '.join(missing)}; every severity needs one of ticket, notify "
            "or contain",
            dict(response.tiers),
        )


def _playbooks(response: IncidentResponseConfig) -> Iterator[ConfigIssue]:
    for playbook, configured in response.playbooks.items():
        where: Where = (*SECTION, "playbooks", playbook, "finding_types")
        yield from duplicate_issues(where, configured.finding_types)
        for index, pattern in enumerate(configured.finding_types):
            if not expand(pattern):
                yield ConfigIssue(
                    (*where, index),
                    f"matches no finding type GuardDuty documents{_closest(pattern, FINDING_TYPES)}"
                    "; allowed: a finding type such as 'Trojan:EC2/DNSDataExfiltration' or a "
                    "pattern where '*' matches any characters, such as 'Trojan:EC2/*' (README, "
                    "Incident response, lists them)",
                    pattern,
                )


def _modes(config: LandingZoneConfig, response: IncidentResponseConfig) -> Iterator[ConfigIssue]:
    for target in response.modes:
        if target not in (ROOT, *config.organizational_units, *config.accounts):
            yield ConfigIssue(
                (*SECTION, "modes", target),
                f"is neither an OU path nor an account name; allowed: '{ROOT}', an OU path "
                f"({', '.join(config.organizational_units)}) or an account name",
                target,
            )


def _approval_users(
    config: LandingZoneConfig, response: IncidentResponseConfig
) -> Iterator[tuple[str, PlaybookName, bool]]:
    """(account, playbook, set explicitly) for every playbook that contains in approval mode."""
    if "contain" not in response.tiers.values():
        return  # no finding ever runs a playbook
    mapping = finding_types(response)
    management = config.core_accounts.management
    for account in config.accounts:
        if account == management:
            continue  # no GuardDuty member, no response role: never a playbook target
        for playbook in PLAYBOOKS:
            if playbook == "root_use" or not mapping[playbook]:
                continue  # root use never contains; a disabled playbook never runs
            if mode_for(config, account, playbook) == "approval":
                explicit = any(
                    response.modes.get(target, {}).get(playbook) == "approval"
                    for target in _ancestors(config, account)
                )
                yield account, playbook, explicit


def _approval(config: LandingZoneConfig, response: IncidentResponseConfig) -> Iterator[ConfigIssue]:
    if response.approval.timeout_action is not None:
        return
    first = next(_approval_users(config, response), None)
    if first is None:
        return
    account, playbook, explicit = first
    why = "set in incident_response.modes" if explicit else "the default in production OUs"
    yield ConfigIssue(
        (*SECTION, "approval", "timeout_action"),
        f"is required: {playbook} runs in approval mode for account {account!r} ({why}), and an "
        "approval nobody answers must end somewhere; allowed: contain or dry_run",
        None,
    )


def _ip_block(response: IncidentResponseConfig) -> Iterator[ConfigIssue]:
    where: Where = (*SECTION, "ip_block")
    cap = response.ip_block.cap
    if cap > IP_BLOCK_CAP_LIMIT:
        yield ConfigIssue(
            (*where, "cap"),
            f"is above {IP_BLOCK_CAP_LIMIT:,}: the block playbook carries the whole address list "
            "through its Step Functions state (256 KiB at most), and a WAF IP set holds "
            f"{WAF_IP_SET_ADDRESS_LIMIT:,}; allowed: 1 to {IP_BLOCK_CAP_LIMIT:,}",
            cap,
        )
    networks: list[str] = []
    for index, cidr in enumerate(response.ip_block.never_block):
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError as error:
            yield ConfigIssue(
                (*where, "never_block", index),
                f"is not a valid IPv4 or IPv6 range ({error}); allowed: a range in CIDR notation "
                "whose address is the first of the range, such as '203.0.113.0/24'",
                cidr,
            )
            continue
        networks.append(str(network))
    yield from duplicate_issues((*where, "never_block"), networks)


def _maintenance_windows(
    config: LandingZoneConfig, response: IncidentResponseConfig
) -> Iterator[ConfigIssue]:
    spans: dict[str, tuple[datetime, datetime, frozenset[str]]] = {}
    for name, window in response.maintenance_windows.items():
        where: Where = (*SECTION, "maintenance_windows", name)
        for index, account in enumerate(window.accounts):
            if account not in config.accounts:
                yield ConfigIssue(
                    (*where, "accounts", index),
                    f"is not an account name; allowed: one of {', '.join(config.accounts)}",
                    account,
                )
        yield from duplicate_issues((*where, "accounts"), window.accounts)
        start, end = parse_time(window.start), parse_time(window.end)
        for field, value, parsed in (("start", window.start, start), ("end", window.end, end)):
            if parsed is None:
                yield ConfigIssue(
                    (*where, field),
                    "is not a real date and time; allowed: e.g. 2027-01-15T22:00Z",
                    value,
                )
        if start is None or end is None:
            continue
        if end <= start:
            yield ConfigIssue(
                (*where, "end"),
                f"is not after start ({window.start}); allowed: a time later than start",
                window.end,
            )
            continue
        covered = frozenset(window.accounts or config.accounts)
        for other, (other_start, other_end, other_covered) in spans.items():
            common = covered & other_covered
            if start < other_end and other_start < end and common:
                yield ConfigIssue(
                    where,
                    f"overlaps maintenance window {other!r} ({other_start:%Y-%m-%dT%H:%MZ} to "
                    f"{other_end:%Y-%m-%dT%H:%MZ}) for account(s) {', '.join(sorted(common))}; "
                    "allowed: windows that do not overlap for any account (merge them into one)",
                    {"start": window.start, "end": window.end},
                )
        spans[name] = (start, end, covered)


def _fire_drill(
    config: LandingZoneConfig, response: IncidentResponseConfig
) -> Iterator[ConfigIssue]:
    drill = response.fire_drill
    if drill is None:
        return
    where: Where = (*SECTION, "fire_drill", "account")
    account = config.accounts.get(drill.account)
    if account is None:
        yield ConfigIssue(
            where,
            f"is not an account name; allowed: one of {', '.join(config.accounts)}",
            drill.account,
        )
        return
    if drill.account == config.core_accounts.management:
        yield ConfigIssue(
            where,
            "is the management account, which is no GuardDuty member and has no response role "
            "(StackSets never reach it); allowed: a non-production member account such as a "
            "sandbox",
            drill.account,
        )
        return
    if account.ou != ROOT and account.ou not in config.organizational_units:
        return  # reported at accounts.<name>.ou already
    if account_environment(config, drill.account) == "production":
        yield ConfigIssue(
            where,
            f"is in a production OU ({account.ou}): sample findings would page and plan against "
            "production; allowed: an account of a non-production OU",
            drill.account,
        )
    if account.id is None:
        yield ConfigIssue(
            where,
            f"has no id yet; the drill's role ARN needs it, so fill in accounts.{drill.account}.id",
            drill.account,
        )
    baseline_targets = set(config.baselines.organizational_units)
    if not baseline_targets.intersection(_ancestors(config, drill.account)):
        yield ConfigIssue(
            where,
            f"is in OU {account.ou!r}, which the account baseline (and with it the response role) "
            "does not reach; allowed: an account of an OU under baselines.organizational_units "
            f"({', '.join(config.baselines.organizational_units)})",
            drill.account,
        )
