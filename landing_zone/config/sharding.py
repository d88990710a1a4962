"""Which stack holds each account the landing zone creates."""

from __future__ import annotations

import zlib

from .model import LandingZoneConfig


def account_shard(name: str, shard_count: int) -> int:
    """A stable shard for an account name: adding or removing other accounts never moves it."""
    # crc32, not hash(): Python salts str hashes per process, templates must be deterministic.
    return zlib.crc32(name.encode()) % shard_count


def account_shards(config: LandingZoneConfig) -> dict[int, list[str]]:
    """Shard index -> names of the accounts to create there, in config order.

    Shards with nothing to create are left out.
    """
    count = config.organization.account_stacks
    shards: dict[int, list[str]] = {}
    for name, account in config.accounts.items():
        if not account.existing:
            shards.setdefault(account_shard(name, count), []).append(name)
    return dict(sorted(shards.items()))
