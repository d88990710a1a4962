"""The member accounts the landing zone creates, one shard of them per stack."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Stack
from constructs import Construct

from landing_zone.config import LandingZoneConfig
from landing_zone.organization import Account

from .references import organizational_unit_id


class AccountsStack(Stack):
    """Creates accounts one after another in the OUs the organization stack made.

    OU ids come from SSM parameters the organization stack writes (see references.py).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LandingZoneConfig,
        account_names: Sequence[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        parents: dict[str, str] = {}
        previous: Account | None = None
        created: dict[str, Account] = {}
        for name in account_names:
            spec = config.accounts[name]
            if spec.ou not in parents:
                parents[spec.ou] = organizational_unit_id(self, config, spec.ou)
            account = Account(
                self, name, account_name=name, email=spec.email, parent_id=parents[spec.ou]
            )
            if previous is not None:
                account.create_after(previous)
            previous = account
            created[name] = account
        self.accounts: Mapping[str, Account] = created
