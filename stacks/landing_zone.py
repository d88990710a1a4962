"""Builds every stack of the landing zone from a validated config."""

from __future__ import annotations

from aws_cdk import App, DefaultStackSynthesizer, Environment, Stack, Tags

from landing_zone.config import LandingZoneConfig
from landing_zone.config.model import CDK_QUALIFIER
from landing_zone.config.sharding import account_shards

from .accounts_stack import AccountsStack
from .baselines_stack import BaselineAssetsStack, BaselinesStack
from .naming import accounts_stack_role, stack_name
from .organization_stack import OrganizationStack


def build_landing_zone(app: App, config: LandingZoneConfig) -> list[Stack]:
    """Adds the landing zone's stacks to ``app`` and returns them in deployment order."""
    org = config.organization
    management = config.accounts[config.core_accounts.management]
    assert management.id is not None, "config validation requires the management account id"
    # Explicit accounts and regions: synth needs no credentials and never guesses an account.

    def core_stack_props(
        role: str, description: str, region: str = org.home_region
    ) -> dict[str, object]:
        return {
            "env": Environment(account=management.id, region=region),
            "stack_name": stack_name(org.name, role),
            "description": f"{org.name} landing zone: {description}",
            "termination_protection": True,
            # The landing zone's own bootstrap: its deployment role is not the one workload
            # teams share, and it is the role the guardrails exempt (deployment_role_names).
            "synthesizer": DefaultStackSynthesizer(qualifier=CDK_QUALIFIER),
        }

    organization = OrganizationStack(
        app,
        stack_name(org.name, "organization"),
        config=config,
        **core_stack_props("organization", "organizational units and organization policies"),
    )
    stacks: list[Stack] = [organization]
    shards = account_shards(config)
    for shard, names in shards.items():
        role = accounts_stack_role(shard, org.account_stacks)
        accounts = AccountsStack(
            app,
            stack_name(org.name, role),
            config=config,
            account_names=names,
            **core_stack_props(role, f"member accounts ({len(names)})"),
        )
        # Deployed one after another: Organizations serializes account creation anyway.
        accounts.add_stack_dependency(stacks[-1])
        stacks.append(accounts)
    assets = [
        BaselineAssetsStack(
            app,
            stack_name(org.name, f"baseline-assets-{region}"),
            config=config,
            **core_stack_props(
                f"baseline-assets-{region}",
                f"baseline Lambda code for accounts in {region}",
                region,
            ),
        )
        for region in config.baseline_regions()
    ]
    baselines = BaselinesStack(
        app,
        stack_name(org.name, "baselines"),
        config=config,
        **core_stack_props("baselines", "account baseline StackSet"),
    )
    # Trusted access and the OU ids come from the organization stack; the code from the buckets.
    baselines.add_stack_dependency(organization)
    for asset_stack in assets:
        baselines.add_stack_dependency(asset_stack)
    stacks += [*assets, baselines]
    for stack in stacks:
        for key, value in config.tags.items():
            Tags.of(stack).add(key, value)
    return stacks
