"""Which accounts a ``network.vpcs`` or ``ai.workloads`` entry reaches: its one ``account``, or
every account of its ``organizational_units`` and their child OUs, as a service-managed StackSet
aimed at those OUs would reach them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .model import ROOT, AiWorkloadConfig, LandingZoneConfig, VpcConfig


def under(ou: str, targets: Iterable[str]) -> bool:
    """Whether the OU path ``ou`` is one of ``targets`` or below one of them."""
    return any(target == ROOT or ou == target or ou.startswith(f"{target}/") for target in targets)


def accounts_under(config: LandingZoneConfig, organizational_units: Sequence[str]) -> list[str]:
    """The accounts of ``organizational_units`` and their child OUs, in config order, without
    the management account: a service-managed StackSet never deploys to it, even inside a
    targeted OU (or the root)."""
    management = config.core_accounts.management
    return [
        name
        for name, account in config.accounts.items()
        if name != management and under(account.ou, organizational_units)
    ]


def entry_accounts(config: LandingZoneConfig, entry: VpcConfig | AiWorkloadConfig) -> list[str]:
    """The accounts ``entry`` reaches: its account, or those of its OUs (config order)."""
    if entry.account is not None:
        return [entry.account]
    return accounts_under(config, entry.organizational_units or ())


def is_ou_wide(entry: VpcConfig | AiWorkloadConfig) -> bool:
    """An entry for every account of its OUs, rather than for one account."""
    return entry.account is None and bool(entry.organizational_units)
