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
        previous: Account | None = None
        created: dict[str, Account] = {}
        for name in account_names:
            spec = config.accounts[name]
            account = Account(
                self,
                name,
                account_name=name,
                email=spec.email,
                # One SSM reference per OU and stack, however many accounts share the OU.
                parent_id=organizational_unit_id(self, config, spec.ou),
            )
            if previous is not None:
                account.create_after(previous)
            previous = account
            created[name] = account
        self.accounts: Mapping[str, Account] = created
