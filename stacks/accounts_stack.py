"""The member accounts the landing zone creates, one shard of them per stack."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from landing_zone.config import ROOT, LandingZoneConfig
from landing_zone.organization import Account

from .naming import ou_id_parameter_name


class AccountsStack(Stack):
    """Creates accounts one after another in the OUs the organization stack made.

    OU ids come from SSM parameters the organization stack writes, not from
    CloudFormation exports, so an OU can be retired without a deadlock between stacks.
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
                parents[spec.ou] = self._parent_id(config, spec.ou)
            account = Account(
                self, name, account_name=name, email=spec.email, parent_id=parents[spec.ou]
            )
            if previous is not None:
                account.create_after(previous)
            previous = account
            created[name] = account
        self.accounts: Mapping[str, Account] = created

    def _parent_id(self, config: LandingZoneConfig, ou_path: str) -> str:
        if ou_path == ROOT:
            return config.organization.root_id
        adopted = config.organizational_units[ou_path].id
        if adopted is not None:
            return adopted
        return ssm.StringParameter.value_for_string_parameter(
            self, ou_id_parameter_name(config.organization.name, ou_path)
        )
