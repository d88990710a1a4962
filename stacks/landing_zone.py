"""The landing zone: every stack built from one validated config, one layer at a time.

Each layer's builder adds its stacks to the Stage and makes them deploy after the stacks of the
earlier layers they need; ``LandingZone`` calls the builders top-down, so a builder only ever
depends on layers built before it:

    layer                    deployed after
    organization             -
    logging                  organization (the log-archive account)
    baselines                organization, logging
    detection and response   organization, logging, baselines
    malware protection       detection and response (GuardDuty on)
    network and workloads    organization, logging, baselines (the asset buckets)
    identity                 organization (the accounts)
    delivery                 organization (the accounts)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from aws_cdk import DefaultStackSynthesizer, Environment, FeatureFlags, Stack, Stage, Tags

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


@dataclass(frozen=True)
class OrganizationLayer:
    organization: OrganizationStack
    """OUs, organization policies, trusted access and delegated administrators."""
    accounts: tuple[AccountsStack, ...]
    """The member accounts, one shard after the other."""

    @property
    def accounts_ready(self) -> Stack:
        """The stack after which every account of the config exists."""
        return self.accounts[-1] if self.accounts else self.organization


@dataclass(frozen=True)
class LoggingLayer:
    log_archive: LogArchiveStack
    """Keys and WORM buckets of the log-archive account."""
    trail: OrganizationTrailStack
    """The organization CloudTrail and its CIS alarms."""


@dataclass(frozen=True)
class BaselinesLayer:
    assets: tuple[BaselineAssetsStack, ...]
    """Per baseline region, the bucket the StackSets read their Lambda code from."""
    baselines: BaselinesStack
    """The account baseline StackSet (Config, IAM controls, the response role) per OU."""
    management: tuple[ManagementBaselineStack, ...]
    """AWS Config of the management account, which no StackSet reaches, per governed region."""


@dataclass(frozen=True)
class DetectionLayer:
    security_tooling: tuple[SecurityToolingStack, ...]
    """Per governed region, home region first: GuardDuty, Security Hub, the Config aggregator,
    Inspector, Macie, Access Analyzer, alerts and the incident-response playbooks."""
    management_events: tuple[Stack, ...]
    """The paging rules on the management account's events, then one forwarder per region."""


@dataclass(frozen=True)
class NetworkLayer:
    networks: tuple[NetworkStack, ...]
    """Keys, VPCs and edge of the network account, per region (home region first)."""
    workload_defenses: tuple[WorkloadDefensesStack, ...]
    """StackSets of keys, VPCs and edge for workload accounts, per shard."""
    workload_shapes: WorkloadShapesStack | None
    """StackSets of the OU-wide workload shapes, when the config has any."""


@dataclass(frozen=True)
class IdentityLayer:
    permission_sets: IdentityStack | None
    """The Identity Center permission sets; none when the config defines none."""
    assignments: tuple[IdentityAssignmentsStack, ...]
    """Account assignments, one shard after the other."""


class LandingZone:
    """Adds every stack of the landing zone described by ``config`` to ``scope``.

    ``scope`` is the Stage the stacks belong to: the App itself (the reference app: stack
    names, artifact ids and construct paths as ``cdk deploy`` and the templates know them), or
    a Stage of yours to keep the landing zone apart from other stacks (CDK Pipelines deploys
    Stages). The stacks are the Stage's own children, not those of a wrapper construct, so
    their construct paths (``aws:cdk:path`` in the templates) do not depend on how the app is
    organised. The Stage must have no constructs yet when network tiers are configured: the
    availability zones of their VPCs are pinned in its context, which CDK allows only before
    the first child. The app's context needs the feature flags in ``REQUIRED_FEATURE_FLAGS``
    (the reference cdk.json sets them, with the others its templates were reviewed with).

    Every stack has an explicit account and region from the config, so synth needs no AWS
    credentials. Nothing is read from files or the environment; load the config with
    ``landing_zone.config.load_config``.
    """

    def __init__(self, scope: Stage, *, config: LandingZoneConfig) -> None:
        _require_feature_flags(scope)
        networks = _networks(config)
        _pin_availability_zones(scope, config, networks)
        self.organization: OrganizationLayer = _organization(scope, config)
        """OUs, policies and accounts."""
        self.logging: LoggingLayer = _logging(scope, config, self.organization)
        """The log archive and the organization trail."""
        self.baselines: BaselinesLayer = _baselines(scope, config, self.organization, self.logging)
        """Account baselines delivered by StackSets, and the management account's own."""
        self.detection: DetectionLayer = _detection_and_response(
            scope, config, self.organization, self.logging, self.baselines
        )
        """Organization-wide detection, alerting and incident response."""
        self.malware_protection: tuple[MalwareProtectionStack, ...] = _malware_protection(
            scope, config, self.detection
        )
        """GuardDuty malware protection of the configured buckets, per owning account."""
        self.network: NetworkLayer = _network_and_workloads(
            scope, config, networks, self.organization, self.logging, self.baselines
        )
        """Network account stacks and the workload accounts' StackSets."""
        self.identity: IdentityLayer = _identity(scope, config, self.organization)
        """IAM Identity Center permission sets and assignments."""
        self.delivery: tuple[PipelinesStack, ...] = _delivery(scope, config, self.organization)
        """The OIDC-only CI/CD deploy roles, per account that runs pipelines."""
        self.stacks: tuple[Stack, ...] = self._in_deployment_order()
        """Every stack, in an order CloudFormation can deploy them one by one."""
        for stack in self.stacks:
            # Every stack is the landing zone's: Fintech-ProtectedNamespace requires explicit
            # names in all of them (StackSet templates are marked where they are built).
            mark_landing_zone(stack, config)
            for key, value in config.tags.items():
                Tags.of(stack).add(key, value)

    def _in_deployment_order(self) -> tuple[Stack, ...]:
        network, identity = self.network, self.identity
        return (
            self.organization.organization,
            *self.organization.accounts,
            *self.baselines.assets,
            self.logging.log_archive,
            self.logging.trail,
            self.baselines.baselines,
            *self.baselines.management,
            *self.detection.security_tooling,
            *self.detection.management_events,
            *self.malware_protection,
            *network.networks,
            *network.workload_defenses,
            *([network.workload_shapes] if network.workload_shapes else []),
            *([identity.permission_sets] if identity.permission_sets else []),
            *identity.assignments,
            *self.delivery,
        )

    @staticmethod
    def config_sections_of(stack: Stack) -> tuple[str, ...]:
        """The top-level config sections ``stack`` is built from, so that an error a construct
        raises while building it can be traced to fields of the config. Empty: any."""
        return next((found for kind, found in _SECTIONS if isinstance(stack, kind)), ())


_SECTIONS: tuple[tuple[type[Stack], tuple[str, ...]], ...] = (
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
)


def _core_stack_props(
    config: LandingZoneConfig,
    role: str,
    description: str,
    region: str | None = None,
    account: str | None = None,
) -> dict[str, object]:
    """What every stack shares: explicit account (default: management) and region (default:
    home), a name from the organization and the stack's role, termination protection."""
    org = config.organization
    return {
        "env": Environment(
            account=account or config.core_account_id("management"),
            region=region or org.home_region,
        ),
        "stack_name": stack_name(org.name, role),
        "description": f"{org.name} landing zone: {description}",
        "termination_protection": True,
        # The landing zone's own bootstrap: its deployment role is not the one workload teams
        # share, and it is the role the guardrails exempt (deployment_role_names).
        "synthesizer": DefaultStackSynthesizer(qualifier=CDK_QUALIFIER),
    }


REQUIRED_FEATURE_FLAGS = ("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy",)
"""Feature flags (cdk.json context) the constructs need: access-log buckets are granted to the
S3 logging service by bucket policy, not by the ACL that Object Ownership "bucket owner
enforced" disables."""


def _require_feature_flags(scope: Stage) -> None:
    missing = [
        flag for flag in REQUIRED_FEATURE_FLAGS if not FeatureFlags.of(scope).is_enabled(flag)
    ]
    if missing:
        raise ValueError(
            f"LandingZone: the CDK feature flag(s) {', '.join(missing)} must be true in the "
            'app\'s context (cdk.json "context"); got unset or false. Copy the context of the '
            "landing zone's cdk.json to synthesize the templates it was reviewed with"
        )


def _account_id(config: LandingZoneConfig, name: str) -> str:
    """The id of the account ``name``; validated configs have one for every account that
    hosts a stack (config.identity and config.security_checks report those without)."""
    account_id = config.accounts[name].id
    if account_id is None:
        raise ValueError(f"account {name} has no id; validate the config first")
    return account_id


def _networks(config: LandingZoneConfig) -> dict[str, Placement]:
    """The network account's placements per region, the IPAM's home region included."""
    networks = network_placements(config)
    home_region = config.organization.home_region
    if config.network.ipam is not None and home_region not in networks:
        # The IPAM lives in the network account's home-region stack, layers or not.
        networks[home_region] = Placement(config.core_accounts.network, home_region)
    return networks


def _pin_availability_zones(
    scope: Stage, config: LandingZoneConfig, networks: Mapping[str, Placement]
) -> None:
    """Before any stack: the zones of the network account's VPCs, in the Stage's context.

    CDK's VPC asks its stack for the zones even when they are given; this answers from config,
    so synth needs no credentials (context can only be set before the first child exists)."""
    network_id = config.core_account_id("network")
    context: dict[str, list[str]] = {}
    for region, placement in networks.items():
        zones = sorted({zone for vpc in placement.vpcs.values() for zone in vpc.zones(region)})
        if zones:
            context.update(availability_zones_context(network_id, region, zones))
    if context and scope.node.children:
        existing = ", ".join(sorted(child.node.id for child in scope.node.children))
        raise ValueError(
            f"LandingZone: scope {scope.node.path or '(the App)'!r} already has constructs "
            f"({existing}); the landing zone pins its VPCs' availability zones in the Stage's "
            "context, which CDK allows only before the first construct: create the LandingZone "
            "before anything else in this Stage, or give it a Stage of its own"
        )
    for key, zones_of_region in context.items():
        scope.node.set_context(key, zones_of_region)


def _organization(scope: Stage, config: LandingZoneConfig) -> OrganizationLayer:
    """OUs, policies and the member accounts. Depends on nothing."""
    org = config.organization
    organization = OrganizationStack(
        scope,
        stack_name(org.name, "organization"),
        config=config,
        **_core_stack_props(
            config, "organization", "organizational units and organization policies"
        ),
    )
    accounts: list[AccountsStack] = []
    for shard, names in account_shards(config).items():
        role = accounts_stack_role(shard, org.account_stacks)
        shard_stack = AccountsStack(
            scope,
            stack_name(org.name, role),
            config=config,
            account_names=names,
            **_core_stack_props(config, role, f"member accounts ({len(names)})"),
        )
        # Deployed one after another: Organizations serializes account creation anyway.
        shard_stack.add_stack_dependency(accounts[-1] if accounts else organization)
        accounts.append(shard_stack)
    return OrganizationLayer(organization, tuple(accounts))


def _logging(
    scope: Stage, config: LandingZoneConfig, organization: OrganizationLayer
) -> LoggingLayer:
    """The log archive, once its account exists; the organization trail, which needs the
    archive's bucket and key and CloudTrail's trusted access (organization stack)."""
    log_archive = LogArchiveStack(
        scope,
        stack_name(config.organization.name, "log-archive"),
        config=config,
        **_core_stack_props(
            config, "log-archive", "WORM log archive", account=config.core_account_id("log_archive")
        ),
    )
    log_archive.add_stack_dependency(organization.accounts_ready)
    trail = OrganizationTrailStack(
        scope,
        stack_name(config.organization.name, "organization-trail"),
        config=config,
        **_core_stack_props(config, "organization-trail", "organization CloudTrail and CIS alarms"),
    )
    trail.add_stack_dependency(log_archive)
    return LoggingLayer(log_archive, trail)


def _baselines(
    scope: Stage, config: LandingZoneConfig, organization: OrganizationLayer, logging: LoggingLayer
) -> BaselinesLayer:
    """The account baseline StackSet, after trusted access and the OU ids (organization), its
    code in the asset buckets, and the log archive its Config recorders deliver to; the
    management account's Config, which also delivers to the log archive."""
    org = config.organization
    assets = tuple(
        BaselineAssetsStack(
            scope,
            stack_name(org.name, f"baseline-assets-{region}"),
            config=config,
            **_core_stack_props(
                config,
                f"baseline-assets-{region}",
                f"baseline Lambda code for accounts in {region}",
                region,
            ),
        )
        for region in config.baseline_regions()
    )
    baselines = BaselinesStack(
        scope,
        stack_name(org.name, "baselines"),
        config=config,
        **_core_stack_props(config, "baselines", "account baseline StackSet"),
    )
    for dependency in (organization.organization, *assets, logging.log_archive):
        baselines.add_stack_dependency(dependency)
    management: list[ManagementBaselineStack] = []
    for region in org.governed_regions:
        role = f"management-baseline-{region}"
        management_baseline = ManagementBaselineStack(
            scope,
            stack_name(org.name, role),
            config=config,
            **_core_stack_props(
                config, role, f"AWS Config of the management account in {region}", region
            ),
        )
        management_baseline.add_stack_dependency(logging.log_archive)
        management.append(management_baseline)
    return BaselinesLayer(assets, baselines, tuple(management))


def _detection_and_response(
    scope: Stage,
    config: LandingZoneConfig,
    organization: OrganizationLayer,
    logging: LoggingLayer,
    baselines: BaselinesLayer,
) -> DetectionLayer:
    """Per region, home region first (Security Hub's aggregator links the others), the
    security-tooling stack with the response playbooks: after delegated administration
    (organization), the export bucket (log archive) and the Config recorders of every account
    (baselines), which the organization conformance packs need. Then the paging on the
    management account's events, once the security-tooling account's stack exists."""
    org = config.organization
    security_tooling: list[SecurityToolingStack] = []
    for region in sorted(org.governed_regions, key=lambda r: r != org.home_region):
        role = f"security-tooling-{region}"
        tooling = SecurityToolingStack(
            scope,
            stack_name(org.name, role),
            config=config,
            **_core_stack_props(
                config,
                role,
                f"organization-wide detection administered from {region}",
                region,
                account=config.core_account_id("security_tooling"),
            ),
        )
        dependencies = (organization.organization, logging.log_archive, baselines.baselines)
        for dependency in (*dependencies, *baselines.management):
            tooling.add_stack_dependency(dependency)
        security_tooling.append(tooling)
    management_events = build_management_event_stacks(
        scope, config, partial(_core_stack_props, config), after=security_tooling[:1]
    )
    return DetectionLayer(tuple(security_tooling), tuple(management_events))


def _malware_protection(
    scope: Stage, config: LandingZoneConfig, detection: DetectionLayer
) -> tuple[MalwareProtectionStack, ...]:
    """Per account and region owning protected buckets, after the security-tooling stacks,
    which turn GuardDuty on in every account."""
    org = config.organization
    by_owner: dict[tuple[str, str], list[MalwareProtectedBucket]] = {}
    for bucket in config.detection.guardduty.malware_protection_buckets:
        by_owner.setdefault((bucket.account, bucket.region or org.home_region), []).append(bucket)
    stacks: list[MalwareProtectionStack] = []
    for (account_name, region), buckets in sorted(by_owner.items()):
        role = f"malware-protection-{account_name}-{region}"
        protection = MalwareProtectionStack(
            scope,
            stack_name(org.name, role),
            buckets=buckets,
            name_prefix=config.guardrails.parameters.landing_zone_role_prefix,
            **_core_stack_props(
                config,
                role,
                f"GuardDuty malware protection of {len(buckets)} bucket(s)",
                region,
                account=_account_id(config, account_name),
            ),
        )
        for tooling in detection.security_tooling:
            protection.add_stack_dependency(tooling)
        stacks.append(protection)
    return tuple(stacks)


def _network_and_workloads(
    scope: Stage,
    config: LandingZoneConfig,
    networks: Mapping[str, Placement],
    organization: OrganizationLayer,
    logging: LoggingLayer,
    baselines: BaselinesLayer,
) -> NetworkLayer:
    """The network account's stacks, then the workload accounts' StackSets."""
    network_stacks = _network_account(scope, config, networks, logging)
    home_region = config.organization.home_region
    home_network = tuple(stack for stack in network_stacks if stack.region == home_region)
    defenses, shapes = _workload_accounts(
        scope,
        config,
        (
            organization.organization,
            *baselines.assets,
            logging.log_archive,
            organization.accounts_ready,
        ),
        home_network,
    )
    return NetworkLayer(network_stacks, defenses, shapes)


def _network_account(
    scope: Stage,
    config: LandingZoneConfig,
    networks: Mapping[str, Placement],
    logging: LoggingLayer,
) -> tuple[NetworkStack, ...]:
    """Keys, VPCs and edge of the network account per region, after the log archive (flow
    logs deliver to its bucket); a region replicating keys after the region it replicates."""
    stacks: dict[str, NetworkStack] = {}
    # The home region's keys before their replicas.
    for region, placement in sorted(networks.items(), key=lambda item: item[1].replica_of or ""):
        role = f"network-{region}"
        network = NetworkStack(
            scope,
            stack_name(config.organization.name, role),
            config=config,
            placement=placement,
            **_core_stack_props(
                config,
                role,
                f"keys, VPCs and edge of the network account in {region}",
                region,
                account=config.core_account_id("network"),
            ),
        )
        network.add_stack_dependency(logging.log_archive)
        stacks[region] = network
    for region, placement in networks.items():
        if placement.replica_of is not None:
            stacks[region].add_stack_dependency(stacks[placement.replica_of])
    return tuple(stacks.values())


def _workload_accounts(
    scope: Stage,
    config: LandingZoneConfig,
    after: tuple[Stack, ...],
    home_network: tuple[NetworkStack, ...],
) -> tuple[tuple[WorkloadDefensesStack, ...], WorkloadShapesStack | None]:
    """StackSets of keys, VPCs and edge for workload accounts: per shard of pinned accounts,
    and one stack of the OU-wide workload shapes. Each after ``after`` (OU ids and trusted
    access, the code in the asset buckets, the log archive for flow logs, the accounts), and
    after the IPAM pools (``home_network``) when one of its VPCs allocates from them."""
    org = config.organization
    defenses: list[WorkloadDefensesStack] = []
    for shard, placements in workload_shards(config).items():
        role = "workload-defenses" + (f"-{shard + 1:02d}" if org.account_stacks > 1 else "")
        stack = WorkloadDefensesStack(
            scope,
            stack_name(org.name, role),
            config=config,
            placements=placements,
            **_core_stack_props(
                config,
                role,
                f"StackSets of keys, VPCs and edge of workload accounts ({len(placements)})",
            ),
        )
        ipam = any(vpc.cidr is None for p in placements.values() for vpc in p.vpcs.values())
        for dependency in (*after, *(home_network if ipam else ())):
            stack.add_stack_dependency(dependency)
        defenses.append(stack)
    plan = workload_plan(config)
    if not plan.shapes:
        return tuple(defenses), None
    shapes = WorkloadShapesStack(
        scope,
        stack_name(org.name, "workload-shapes"),
        config=config,
        shapes=plan.shapes,
        **_core_stack_props(
            config,
            "workload-shapes",
            f"StackSets of the workload shapes ({len(plan.shapes)}) of OU-wide layers",
        ),
    )
    ipam = any(shape.layers.vpcs for shape in plan.shapes.values())
    for dependency in (*after, *(home_network if ipam else ())):
        shapes.add_stack_dependency(dependency)
    return tuple(defenses), shapes


def _identity(
    scope: Stage, config: LandingZoneConfig, organization: OrganizationLayer
) -> IdentityLayer:
    """The permission sets, then the assignments shard after shard (Identity Center limits
    the assignment calls in flight), each after the accounts exist. Nothing without permission
    sets: CloudFormation rejects a template without resources."""
    if config.identity is None or not config.identity.permission_sets:
        return IdentityLayer(None, ())
    org = config.organization
    center = config.identity.identity_center
    region = center.region or org.home_region
    account = _account_id(config, center.account or config.core_accounts.management)
    permission_sets = IdentityStack(
        scope,
        stack_name(org.name, "identity"),
        config=config,
        **_core_stack_props(
            config, "identity", "IAM Identity Center permission sets", region, account
        ),
    )
    shards = assignment_shards(config)
    assignments: list[IdentityAssignmentsStack] = []
    # Every shard has its stack, empty or not: a stack left out of the app would keep its
    # assignments deployed, and names never depend on how many shards are in use.
    for shard in range(config.identity.assignment_stacks):
        shard_assignments = shards.get(shard, [])
        role = f"identity-assignments-{shard + 1:02d}"
        stack = IdentityAssignmentsStack(
            scope,
            stack_name(org.name, role),
            config=config,
            assignments=shard_assignments,
            **_core_stack_props(
                config,
                role,
                f"Identity Center account assignments ({len(shard_assignments)})",
                region,
                account,
            ),
        )
        stack.add_stack_dependency(assignments[-1] if assignments else permission_sets)
        stack.add_stack_dependency(organization.accounts_ready)
        assignments.append(stack)
    return IdentityLayer(permission_sets, tuple(assignments))


def _delivery(
    scope: Stage, config: LandingZoneConfig, organization: OrganizationLayer
) -> tuple[PipelinesStack, ...]:
    """Per account running pipelines (default: shared services), the OIDC-only CI/CD deploy
    roles, once the account exists."""
    pipelines = {} if config.identity is None else config.identity.pipelines
    by_account: dict[str, dict[str, PipelineConfig]] = {}
    for name, pipeline in pipelines.items():
        owner = pipeline.account or config.core_accounts.shared_services
        by_account.setdefault(owner, {})[name] = pipeline
    stacks: list[PipelinesStack] = []
    for owner, owned in sorted(by_account.items()):
        role = f"pipelines-{owner}"
        stack = PipelinesStack(
            scope,
            stack_name(config.organization.name, role),
            config=config,
            pipelines=owned,
            **_core_stack_props(
                config,
                role,
                f"OIDC-only CI/CD deploy roles ({len(owned)})",
                account=_account_id(config, owner),
            ),
        )
        stack.add_stack_dependency(organization.accounts_ready)
        stacks.append(stack)
    return tuple(stacks)
