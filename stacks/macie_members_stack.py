"""Macie membership for the accounts that were in the organization before Macie auto-enable."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Stack
from constructs import Construct

from landing_zone.config import LandingZoneConfig
from landing_zone.detection import MacieMembers

from .namespace import mark_landing_zone
from .sdk_calls import add_sdk_call_handler


class MacieMembersStack(Stack):
    """The security-tooling account adds one shard of accounts as Macie members in one region."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LandingZoneConfig,
        members: Mapping[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        mark_landing_zone(self, config)
        add_sdk_call_handler(self, config)
        self.members = MacieMembers(self, "MacieMembers", members=members)
