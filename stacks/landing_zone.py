"""Builds every stack of the landing zone from a validated config."""

from __future__ import annotations

from aws_cdk import App, DefaultStackSynthesizer, Environment, Stack, Tags

from landing_zone.config import LandingZoneConfig
from landing_zone.config.defense import Placement, network_placements, workload_shards
from landing_zone.config.identity import assignment_shards
from landing_zone.config.model import CDK_QUALIFIER, MalwareProtectedBucket, PipelineConfig
from landing_zone.config.shapes import workload_plan
from landing_zone.config.sharding import account_shards
from landing_zone.network import availability_zones_context

from .accounts_stack import AccountsStack
from .baselines_stack import BaselineAssetsStack, BaselinesStack, ManagementBaselineStack
from .defense_stacks import NetworkStack, WorkloadDefensesStack, WorkloadShapesStack
from .identity_stacks import IdentityAssignmentsStack, IdentityStack
from .logging_stacks import LogArchiveStack, OrganizationTrailStack
from .malware_protection_stack import MalwareProtectionStack
from .management_events import (
    ManagementEventAlarmsStack,
    ManagementEventForwarderStack,
    build_management_event_stacks,
)
from .namespace import mark_landing_zone
from .naming import accounts_stack_role, stack_name
from .organization_stack import OrganizationStack
from .pipelines_stack import PipelinesStack
from .security_tooling_stack import SecurityToolingStack


def build_landing_zone(app: App, config: LandingZoneConfig) -> list[Stack]:
    """Adds the landing zone's stacks to ``app`` and returns them in deployment order."""
    org = config.organization
    management = config.accounts[config.core_accounts.management]
    assert management.id is not None, "config validation requires the management account id"
    networks = network_placements(config)
    if config.network.ipam is not None and org.home_region not in networks:
        # The IPAM lives in the network account's home-region stack, layers or not.
        networks[org.home_region] = Placement(config.core_accounts.network, org.home_region)
    # CDK's VPC asks the stack for its zones even when they are given; this answers from config
    # so synth needs no credentials (context can only be set before the first stack exists).
    network_id = config.core_account_id("network")
    for region, placement in networks.items():
        if not placement.vpcs:
            continue
        zones = sorted({zone for vpc in placement.vpcs.values() for zone in vpc.zones(region)})
        for context_key, known_zones in availability_zones_context(
            network_id, region, zones
        ).items():
            app.node.set_context(context_key, known_zones)
    # Explicit accounts and regions: synth needs no credentials and never guesses an account.

    def core_stack_props(
        role: str,
        description: str,
        region: str = org.home_region,
        account: str | None = management.id,
    ) -> dict[str, object]:
        return {
            "env": Environment(account=account, region=region),
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
    log_archive = LogArchiveStack(
        app,
        stack_name(org.name, "log-archive"),
        config=config,
        **core_stack_props(
            "log-archive", "WORM log archive", account=config.core_account_id("log_archive")
        ),
    )
    # The log-archive account must exist; it is usually created by the accounts stacks.
    log_archive.add_stack_dependency(stacks[-1])
    trail = OrganizationTrailStack(
        app,
        stack_name(org.name, "organization-trail"),
        config=config,
        **core_stack_props("organization-trail", "organization CloudTrail and CIS alarms"),
    )
    # The trail needs the bucket and key, and CloudTrail's trusted access (organization stack).
    trail.add_stack_dependency(log_archive)
    # Config recorders deliver to the log archive.
    baselines.add_stack_dependency(log_archive)
    management_baselines = []
    for region in org.governed_regions:
        management_baseline = ManagementBaselineStack(
            app,
            stack_name(org.name, f"management-baseline-{region}"),
            config=config,
            **core_stack_props(
                f"management-baseline-{region}",
                f"AWS Config of the management account in {region}",
                region,
            ),
        )
        management_baseline.add_stack_dependency(log_archive)
        management_baselines.append(management_baseline)
    # The home region first: Security Hub's aggregator links the other regions.
    security_tooling = []
    for region in sorted(org.governed_regions, key=lambda r: r != org.home_region):
        tooling = SecurityToolingStack(
            app,
            stack_name(org.name, f"security-tooling-{region}"),
            config=config,
            **core_stack_props(
                f"security-tooling-{region}",
                f"organization-wide detection administered from {region}",
                region,
                account=config.core_account_id("security_tooling"),
            ),
        )
        # Delegated administration (organization stack), the export bucket (log archive),
        # and Config recorders in every account before the organization conformance packs.
        for dependency in (organization, log_archive, baselines, *management_baselines):
            tooling.add_stack_dependency(dependency)
        security_tooling.append(tooling)
    management_events = build_management_event_stacks(
        app, config, core_stack_props, after=security_tooling[:1]
    )
    malware_protection = []
    by_owner: dict[tuple[str, str], list[MalwareProtectedBucket]] = {}
    for bucket in config.detection.guardduty.malware_protection_buckets:
        by_owner.setdefault((bucket.account, bucket.region or org.home_region), []).append(bucket)
    for (account_name, region), buckets in sorted(by_owner.items()):
        role = f"malware-protection-{account_name}-{region}"
        protection = MalwareProtectionStack(
            app,
            stack_name(org.name, role),
            buckets=buckets,
            name_prefix=config.guardrails.parameters.landing_zone_role_prefix,
            **core_stack_props(
                role,
                f"GuardDuty malware protection of {len(buckets)} bucket(s)",
                region,
                account=config.accounts[account_name].id,
            ),
        )
        # GuardDuty must be on in the account: the security-tooling stacks auto-enable it.
        for tooling in security_tooling:
            protection.add_stack_dependency(tooling)
        malware_protection.append(protection)
    last_accounts = stacks[-1]
    defense_stacks: list[Stack] = []
    # The home region's keys before their replicas.
    for region, placement in sorted(networks.items(), key=lambda item: item[1].replica_of or ""):
        role = f"network-{region}"
        network = NetworkStack(
            app,
            stack_name(org.name, role),
            config=config,
            placement=placement,
            **core_stack_props(
                role,
                f"keys, VPCs and edge of the network account in {region}",
                region,
                account=network_id,
            ),
        )
        # Flow logs deliver to the log archive bucket.
        network.add_stack_dependency(log_archive)
        defense_stacks.append(network)
    network_stacks = {stack.region: stack for stack in defense_stacks}
    for region, placement in networks.items():
        if placement.replica_of is not None:
            # Replicas read their primary keys, which the home region's stack creates.
            network_stacks[region].add_stack_dependency(network_stacks[placement.replica_of])
    home_network = [network_stacks[org.home_region]] if org.home_region in network_stacks else []
    for shard, shard_placements in workload_shards(config).items():
        role = "workload-defenses"
        if org.account_stacks > 1:
            role += f"-{shard + 1:02d}"
        workload_defenses = WorkloadDefensesStack(
            app,
            stack_name(org.name, role),
            config=config,
            placements=shard_placements,
            **core_stack_props(
                role,
                f"StackSets of keys, VPCs and edge of workload accounts ({len(shard_placements)})",
            ),
        )
        # OU ids and trusted access (organization), code in the asset buckets, the log archive
        # bucket for flow logs, and the accounts themselves; the IPAM pools (the network
        # account's home-region stack) when a pinned account has an OU-wide VPC.
        ipam_vpcs = any(
            vpc.cidr is None for p in shard_placements.values() for vpc in p.vpcs.values()
        )
        for dependency in (
            organization,
            *assets,
            log_archive,
            last_accounts,
            *(home_network if ipam_vpcs else []),
        ):
            workload_defenses.add_stack_dependency(dependency)
        defense_stacks.append(workload_defenses)
    plan = workload_plan(config)
    if plan.shapes:
        shapes = WorkloadShapesStack(
            app,
            stack_name(org.name, "workload-shapes"),
            config=config,
            shapes=plan.shapes,
            **core_stack_props(
                "workload-shapes",
                f"StackSets of the workload shapes ({len(plan.shapes)}) of OU-wide layers",
            ),
        )
        # As the workload-defenses stacks; and the IPAM pools (the network account's stack in
        # the home region) before any VPC allocates from them.
        uses_ipam = any(shape.layers.vpcs for shape in plan.shapes.values())
        for dependency in (
            organization,
            *assets,
            log_archive,
            last_accounts,
            *(home_network if uses_ipam else []),
        ):
            shapes.add_stack_dependency(dependency)
        defense_stacks.append(shapes)
    identity_stacks: list[Stack] = []
    # An Identity Center without permission sets has nothing to deploy (and CloudFormation
    # rejects a template without resources).
    if config.identity is not None and config.identity.permission_sets:
        center = config.identity.identity_center
        center_region = center.region or org.home_region
        center_account = config.accounts[center.account or config.core_accounts.management].id
        identity = IdentityStack(
            app,
            stack_name(org.name, "identity"),
            config=config,
            **core_stack_props(
                "identity",
                "IAM Identity Center permission sets",
                center_region,
                center_account,
            ),
        )
        identity_stacks.append(identity)
        shard_count = config.identity.assignment_stacks
        assignment_shard_map = assignment_shards(config)
        # Every shard has its stack, empty or not: a stack left out of the app would keep its
        # assignments deployed, and names never depend on how many shards are in use.
        for shard in range(shard_count):
            assignments = assignment_shard_map.get(shard, [])
            role = f"identity-assignments-{shard + 1:02d}"
            assignment_stack = IdentityAssignmentsStack(
                app,
                stack_name(org.name, role),
                config=config,
                assignments=assignments,
                **core_stack_props(
                    role,
                    f"Identity Center account assignments ({len(assignments)})",
                    center_region,
                    center_account,
                ),
            )
            # The permission sets and the accounts first; one shard after the other, since
            # Identity Center limits the assignment calls in flight.
            assignment_stack.add_stack_dependency(identity_stacks[-1])
            assignment_stack.add_stack_dependency(last_accounts)
            identity_stacks.append(assignment_stack)
    pipeline_configs = {} if config.identity is None else config.identity.pipelines
    by_account: dict[str, dict[str, PipelineConfig]] = {}
    for name, pipeline in pipeline_configs.items():
        owner = pipeline.account or config.core_accounts.shared_services
        by_account.setdefault(owner, {})[name] = pipeline
    for owner, pipelines in sorted(by_account.items()):
        role = f"pipelines-{owner}"
        pipelines_stack = PipelinesStack(
            app,
            stack_name(org.name, role),
            config=config,
            pipelines=pipelines,
            **core_stack_props(
                role,
                f"OIDC-only CI/CD deploy roles ({len(pipelines)})",
                account=config.accounts[owner].id,
            ),
        )
        pipelines_stack.add_stack_dependency(last_accounts)
        identity_stacks.append(pipelines_stack)
    stacks += [
        *assets,
        log_archive,
        trail,
        baselines,
        *management_baselines,
        *security_tooling,
        *management_events,
        *malware_protection,
        *defense_stacks,
        *identity_stacks,
    ]
    for stack in stacks:
        # Every stack of the reference app is the landing zone's: Fintech-ProtectedNamespace
        # requires explicit names in all of them (StackSet templates are marked where built).
        mark_landing_zone(stack, config)
        for key, value in config.tags.items():
            Tags.of(stack).add(key, value)
    return stacks


def config_sections_of(stack: Stack) -> tuple[str, ...]:
    """The top-level config sections ``stack`` is built from, so that an error a construct
    raises while building it can be traced to fields of the config (app.py). Empty: any."""
    sections: list[tuple[type[Stack], tuple[str, ...]]] = [
        (OrganizationStack, ("organizational_units", "guardrails", "organization")),
        (AccountsStack, ("accounts", "organization")),
        (BaselineAssetsStack, ("baselines",)),
        (BaselinesStack, ("baselines", "organizational_units")),
        (ManagementBaselineStack, ("baselines", "detection")),
        (LogArchiveStack, ("logging",)),
        (OrganizationTrailStack, ("logging",)),
        (SecurityToolingStack, ("detection", "organization", "accounts")),
        (ManagementEventAlarmsStack, ("detection", "identity", "guardrails")),
        (ManagementEventForwarderStack, ("detection", "guardrails")),
        (MalwareProtectionStack, ("detection",)),
        (NetworkStack, ("network", "edge", "keys", "ai")),
        (WorkloadDefensesStack, ("network", "edge", "keys", "ai")),
        (WorkloadShapesStack, ("network", "keys", "ai", "organizational_units")),
        (IdentityStack, ("identity",)),
        (IdentityAssignmentsStack, ("identity",)),
        (PipelinesStack, ("identity",)),
    ]
    return next((found for kind, found in sections if isinstance(stack, kind)), ())
