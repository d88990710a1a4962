"""The defense-in-depth layers of an account and region: data class keys, VPC tiers, web ACLs
and TLS certificates. The network account gets them from its own stacks; every other account
through a StackSet of the management account, so workload accounts need no bootstrap."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import CfnWaitConditionHandle, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_s3 as s3
from cdk_stacksets import StackSetStack
from constructs import Construct

from landing_zone.baseline import BaselineStackSet
from landing_zone.baseline.asset_bucket import import_asset_buckets
from landing_zone.baseline.asset_replication import acknowledge_asset_replication
from landing_zone.common import RENAMED_HANDLER_LOGICAL_ID_SUFFIX, AwsSdkCallHandler
from landing_zone.common.naming import pascal_case
from landing_zone.config import LandingZoneConfig
from landing_zone.config.coverage import is_ou_wide
from landing_zone.config.defense import Placement, logs_data_class, waf_rules
from landing_zone.config.ipam import allocation_bounds, pool_principals, vpc_environment
from landing_zone.config.model import VpcConfig
from landing_zone.config.shapes import Shape
from landing_zone.edge import WebAcl
from landing_zone.edge.tls import TlsCertificate
from landing_zone.edge.waf_log_bucket import WafLogArchive, WafLogBucket
from landing_zone.keys import DataClassKeyReplica, DataClassKeys, DataClassKeySettings
from landing_zone.logging import names
from landing_zone.network import IpamAllocation, IpamPoolLookup, OrganizationIpam, VpcTiers
from landing_zone.network.cidrs import MAX_SUBNET_PREFIX, MIN_VPC_PREFIX

from .ai_layers import AiLayers
from .baselines_stack import asset_bucket_prefix
from .logging_stacks import retention
from .namespace import mark_landing_zone
from .naming import sdk_call_role_name
from .references import organizational_unit_id
from .sdk_calls import add_sdk_call_handler, named_sdk_call_handler


class DefenseLayers(Construct):
    """Keys, VPCs, web ACLs, certificates and AI controls of one :class:`Placement`, from
    config. A VPC with a ``cidr`` gets that range; an OU-wide one (``netmask``) a range VPC
    IPAM allocates when the stack is created, from the pool of its accounts' environment in the
    template's region (``IpamPoolLookup``), so one template serves every account of a shape."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LandingZoneConfig,
        placement: Placement,
    ) -> None:
        super().__init__(scope, construct_id)
        org = config.organization
        self.replicas: dict[str, DataClassKeyReplica] = {}
        self.vpcs: dict[str, VpcTiers] = {}
        self.waf_logs: WafLogBucket | None = None
        self.web_acls: dict[str, WebAcl] = {}
        self.certificates: dict[str, TlsCertificate] = {}
        self.ai: AiLayers | None = None
        if placement.replica_of is not None:
            for name, key in config.keys.classes.items():
                if key.multi_region:
                    self.replicas[name] = DataClassKeyReplica(
                        self,
                        f"{pascal_case(name)}Replica",
                        data_class=name,
                        alias_prefix=org.name,
                        primary_region=placement.replica_of,
                        services=key.services,
                        pending_window_days=key.pending_window_days,
                    )
            return
        self.keys = DataClassKeys(
            self,
            "DataClassKeys",
            alias_prefix=org.name,
            classes={
                name: DataClassKeySettings(
                    services=tuple(key.services),
                    rotation_days=key.rotation_days,
                    pending_window_days=key.pending_window_days,
                    multi_region=key.multi_region,
                )
                for name, key in config.keys.classes.items()
            },
        )
        if placement.vpcs:
            logs_class = logs_data_class(config)
            assert logs_class is not None, "config validation requires a logs data class"
            flow_log_bucket = s3.Bucket.from_bucket_name(
                self,
                "LogArchiveBucket",
                names.log_bucket_name(org.name, config.core_account_id("log_archive")),
            )
            pools: dict[str, IpamPoolLookup] = {}
            for name, vpc in placement.vpcs.items():
                self.vpcs[name] = VpcTiers(
                    self,
                    f"Vpc{pascal_case(name)}",
                    cidr=vpc.cidr,
                    ipam=None if vpc.cidr is not None else self._allocation(config, vpc, pools),
                    organization_id=org.id,
                    log_key=self.keys.key_for(logs_class).key,
                    flow_log_bucket=flow_log_bucket,
                    availability_zones=vpc.zones(placement.region),
                    subnet_types=(
                        {"application": ec2.SubnetType.PRIVATE_WITH_EGRESS}
                        if vpc.application_egress
                        else None
                    ),
                    data_ports=vpc.data_ports,
                    explicit_denies=vpc.explicit_denies,
                    interface_endpoints=vpc.interface_endpoints,
                    flow_log_retention=retention(vpc.flow_log_retention_days),
                )
        if placement.web_acls:
            log_bucket = config.logging.log_bucket
            self.waf_logs = WafLogBucket(
                self,
                "WafLogs",
                organization_name=org.name,
                object_lock_mode=(
                    s3.ObjectLockMode.COMPLIANCE
                    if log_bucket.object_lock_mode == "COMPLIANCE"
                    else s3.ObjectLockMode.GOVERNANCE
                ),
                retention_days=log_bucket.retention_days,
                archive=WafLogArchive(
                    bucket_name=names.log_bucket_name(
                        org.name, config.core_account_id("log_archive")
                    ),
                    account_id=config.core_account_id("log_archive"),
                    region=org.home_region,
                    key_alias=names.logs_key_alias(org.name),
                    replication_role_name=names.log_replication_role_name(
                        config.guardrails.parameters.landing_zone_role_prefix,
                        "waf",
                        placement.region,
                    ),
                ),
            )
            for name, web_acl in placement.web_acls.items():
                self.web_acls[name] = WebAcl(
                    self,
                    f"WebAcl{pascal_case(name)}",
                    log_destination_arn=self.waf_logs.bucket_arn,
                    web_acl_scope=web_acl.scope,
                    name=name,
                    rate_limit=web_acl.rate_limit,
                    custom_rules=waf_rules(web_acl),
                )
                # Our bucket policy first: WAF would otherwise write one of its own, which
                # CloudFormation then replaces.
                assert self.waf_logs.bucket.policy is not None
                self.web_acls[name].logging.node.add_dependency(self.waf_logs.bucket.policy)
        if placement.ai is not None:
            self.ai = AiLayers(
                self,
                "Ai",
                config=config,
                name=placement.ai[0],
                workload=placement.ai[1],
                keys=self.keys,
                region=placement.region,
                # An OU-wide workload's template serves many accounts, even when it is part of
                # a pinned account's own template.
                shared=is_ou_wide(placement.ai[1]),
            )
        for name, certificate in placement.certificates.items():
            zone = certificate.hosted_zone
            self.certificates[name] = TlsCertificate(
                self,
                f"Certificate{pascal_case(name)}",
                domain_name=certificate.domain_name,
                subject_alternative_names=certificate.subject_alternative_names,
                hosted_zone=None
                if zone is None
                else route53.HostedZone.from_hosted_zone_attributes(
                    self, f"Zone{pascal_case(name)}", hosted_zone_id=zone.id, zone_name=zone.name
                ),
            )

    def _allocation(
        self, config: LandingZoneConfig, vpc: VpcConfig, pools: dict[str, IpamPoolLookup]
    ) -> IpamAllocation:
        """An OU-wide VPC's range: from the pool of its accounts' environment in the region
        the template is deployed to, looked up once per environment and template."""
        environment = vpc_environment(config, vpc)
        assert environment is not None, "validated config: one environment"
        assert vpc.netmask is not None, "validated config: OU-wide VPCs have a netmask"
        if environment not in pools:
            pools[environment] = IpamPoolLookup(
                self,
                f"IpamPool{pascal_case(environment)}",
                landing_zone=config.organization.name,
                environment=environment,
            )
        return pools[environment].allocation(vpc.netmask)


class NetworkStack(Stack):
    """The network account's layers in one region."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LandingZoneConfig,
        placement: Placement,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        if placement.replica_of is not None:
            # The replicas' lookups run as a named landing-zone role, as in every core stack.
            add_sdk_call_handler(self, config)
        self.layers = DefenseLayers(self, "Layers", config=config, placement=placement)
        home = placement.region == config.organization.home_region
        self.ipam = _organization_ipam(self, config) if home else None


def _organization_ipam(stack: Stack, config: LandingZoneConfig) -> OrganizationIpam | None:
    """The organization's IPAM (``network.ipam``) in the network account's home-region stack:
    its pools serve the OU-wide VPCs, whose netmasks bound the allocations."""
    ipam = config.network.ipam
    if ipam is None:
        return None
    # Validated configs with pools have OU-wide VPCs; without, Amazon VPC's own limits.
    shortest, longest = allocation_bounds(config) or (MIN_VPC_PREFIX, MAX_SUBNET_PREFIX)
    return OrganizationIpam(
        stack,
        "Ipam",
        landing_zone=config.organization.name,
        pools={r: {str(e): c for e, c in by_env.items()} for r, by_env in ipam.pools.items()},
        operating_regions=config.organization.governed_regions,
        share_with=pool_principals(config),
        min_netmask=shortest,
        max_netmask=longest,
        name_prefix=config.guardrails.parameters.landing_zone_role_prefix,
    )


class WorkloadDefenses(StackSetStack):
    """The StackSet template of one workload account and region, or of every account of a
    workload shape in a region (``placement.account`` None): its :class:`DefenseLayers`.
    Its custom resource (the one that strips the default security group's rules) reads its
    code from the baseline asset bucket of the region."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LandingZoneConfig,
        placement: Placement,
        description: str | None = None,
    ) -> None:
        """
        :param description: The template's description. Default: names the placement's
            account and region (a shape's template must be given one that names no account).
        """
        prefix = asset_bucket_prefix(config)
        buckets = import_asset_buckets(scope, construct_id, prefix, [placement.region])
        super().__init__(scope, construct_id, asset_buckets=buckets, asset_bucket_prefix=prefix)
        self.asset_regions = (placement.region,)
        self.template_options.description = description or (
            f"{config.organization.name} landing zone: keys, network and edge of account "
            f"{placement.account} in {placement.region}"
        )
        allocated = any(vpc.cidr is None for vpc in placement.vpcs.values())
        if placement.ai is not None or placement.replica_of is not None or allocated:
            add_workload_sdk_call_handler(self, config, placement)
        mark_landing_zone(self, config)
        self.layers = DefenseLayers(self, "Layers", config=config, placement=placement)
        acknowledge_asset_replication(self, buckets)


def add_workload_sdk_call_handler(
    stack: WorkloadDefenses, config: LandingZoneConfig, placement: Placement
) -> AwsSdkCallHandler:
    """The named handler of a workload template's SDK calls (the AI layers' invocation logging
    and Macie settings, the key replicas' lookups of their primary, the IPAM pool lookups of
    VPCs whose ranges IPAM allocates).

    The guardrails deny those calls to every role but the landing zone's own and keep everyone
    else from invoking or changing a function, or writing a policy version, under the prefix.
    Names are per account (IAM) and region (Lambda), and each account and region has one
    template. The AI handler had its function name when released, so its calls keep their
    logical ids; the replicas' handler got its names later, so their calls move to new ones.
    """
    part = "ai" if placement.ai is not None else "defenses"
    name = sdk_call_role_name(
        config.guardrails.parameters.landing_zone_role_prefix, f"{part}-{placement.region}"
    )
    return named_sdk_call_handler(
        stack,
        name,
        logical_id_suffix="" if placement.ai is not None else RENAMED_HANDLER_LOGICAL_ID_SUFFIX,
    )


class WorkloadDefensesStack(Stack):
    """One service-managed StackSet per workload account and region of ``placements``, each
    aimed at that account alone (its OU, filtered to the account). Without placements the stack
    keeps a placeholder, so removing the last one still deletes its StackSet."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LandingZoneConfig,
        placements: Mapping[tuple[str, str], Placement],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.templates: dict[tuple[str, str], WorkloadDefenses] = {}
        self.stack_sets: dict[tuple[str, str], BaselineStackSet] = {}
        if not placements:
            CfnWaitConditionHandle(self, "NoPlacements")
        for (account_name, region), placement in placements.items():
            role = f"{pascal_case(account_name)}{pascal_case(region)}"
            template = WorkloadDefenses(self, f"Defenses{role}", config=config, placement=placement)
            account = config.accounts[account_name]
            assert account.id is not None, "config validation requires the account id"
            self.templates[(account_name, region)] = template
            self.stack_sets[(account_name, region)] = BaselineStackSet(
                self,
                f"Defenses{role}StackSet",
                baseline=template,
                **config.delivery.stackset_operations.stack_set_props(),
                target_organizational_unit_ids=[organizational_unit_id(self, config, account.ou)],
                target_account_ids=[account.id],
                regions=[region],
                stack_set_name=f"{config.organization.name}-defenses-{account_name}-{region}",
                description=(
                    f"Fintech landing zone keys, network and edge of {account_name} in {region}"
                ),
            )
        for (account_name, region), placement in placements.items():
            primary = self.stack_sets.get((account_name, placement.replica_of or ""))
            if primary is not None:
                # Replicas read their primary keys, which the primary's StackSet creates.
                self.stack_sets[(account_name, region)].node.add_dependency(primary)


class WorkloadShapesStack(Stack):
    """One service-managed StackSet per workload shape and region
    (:func:`landing_zone.config.shapes.workload_plan`): a template that names no account, aimed
    at the shape's OUs, whole with automatic deployment or filtered to its accounts. Key
    replicas follow their shape's primary keys. Without shapes the stack keeps a placeholder,
    so removing the last one still leaves a deployable stack (its StackSets are retained)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LandingZoneConfig,
        shapes: Mapping[tuple[str, str], Shape],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        org = config.organization
        self.templates: dict[tuple[str, str], WorkloadDefenses] = {}
        self.stack_sets: dict[tuple[str, str], BaselineStackSet] = {}
        if not shapes:
            CfnWaitConditionHandle(self, "NoShapes")
        # Primaries before their replicas, which wait for them.
        for key, shape in sorted(shapes.items(), key=lambda item: item[1].layers.replica_of or ""):
            account_ids = [] if shape.ou_wide else shape.listed_account_ids(config)
            if not shape.ou_wide and not account_ids:
                # Without a list the StackSet would take the whole OUs, other templates'
                # accounts among them: it comes once an id of its accounts is in the config.
                continue
            what = "key replicas" if shape.layers.replica_of else "keys, network and AI layers"
            template = WorkloadDefenses(
                self,
                shape.construct_id,
                config=config,
                placement=shape.layers,
                description=(
                    f"{org.name} landing zone: {what} of workload shape {shape.name} in "
                    f"{shape.region}"
                ),
            )
            primary = (
                None
                if shape.layers.replica_of is None
                else self.stack_sets.get((shape.name, shape.layers.replica_of))
            )
            self.templates[key] = template
            self.stack_sets[key] = BaselineStackSet(
                self,
                f"{shape.construct_id}StackSet",
                baseline=template,
                **config.delivery.stackset_operations.stack_set_props(),
                target_organizational_unit_ids=[
                    organizational_unit_id(self, config, ou) for ou in shape.organizational_units
                ],
                target_account_ids=account_ids,
                regions=[shape.region],
                stack_set_name=shape.stack_set_name(org.name),
                description=(
                    f"Fintech landing zone {what} of workload shape {shape.name} in {shape.region}"
                ),
                after=() if primary is None else (primary,),
                # An account that leaves the shape's OUs (moved to Suspended during an incident,
                # say) keeps its stack: flow logs, network ACLs and endpoints are not removed
                # by an OU move, and a move into another shape fails on the existing names
                # instead of racing a deletion. Retire such a stack by hand.
                retain_stacks_on_account_removal=True,
            )
