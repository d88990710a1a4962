"""The organization's IP address plan in Amazon VPC IP Address Manager (IPAM): one IPAM in the
network account, pools per environment and region shared through AWS RAM, and the lookup a
workload template uses to allocate its VPC's range from the pool of its region.

Pools, not literal ranges, let one StackSet template serve every account of a shape: IPAM hands
each account's VPC a range of the template's netmask that no other allocation of the pool holds.

AWS references:
- ``AWS::EC2::IPAM`` https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-ipam.html
- ``AWS::EC2::IPAMPool`` https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-ipampool.html
  (``Locale``, ``SourceIpamPoolId``, ``IpamScopeId`` and ``AddressFamily`` are create-only: the
  schema bundled with cfn-lint says so)
- ``AWS::RAM::ResourceShare`` https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ram-resourceshare.html
- ``DescribeIpamPools`` https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeIpamPools.html
- IPAM tiers (private IPv4 pools and sharing need the Advanced tier)
  https://aws.amazon.com/vpc/pricing/
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import CfnTag, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ram as ram
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.naming import pascal_case
from landing_zone.common.patterns import ACCOUNT_ID, REGION
from landing_zone.common.sdk_call_handler import AwsSdkCallHandler
from landing_zone.common.tokens import is_unresolved
from landing_zone.network import cidrs

ENVIRONMENTS = ("production", "non-production")
"""The environments that get pools of their own: production ranges never serve non-production
accounts, so routes and firewall rules can tell them apart by range."""

IPAM_TAG_PREFIX = "lz-ipam:"
"""Prefix of the tag keys the landing zone puts on its IPAM resources; the guardrails
(``protect-delegated-administration``) keep everyone else from setting or removing them."""

LANDING_ZONE_TAG_KEY = f"{IPAM_TAG_PREFIX}landing-zone"
"""Tag key whose value is the landing zone's name (config ``organization.name``)."""

ENVIRONMENT_TAG_KEY = f"{IPAM_TAG_PREFIX}environment"
"""Tag key whose value is the pool's environment (one of :data:`ENVIRONMENTS`)."""

REGION_TAG_KEY = f"{IPAM_TAG_PREFIX}region"
"""Tag key whose value is a regional pool's locale."""

DEFAULT_MIN_NETMASK = cidrs.MIN_VPC_PREFIX
DEFAULT_MAX_NETMASK = cidrs.MAX_SUBNET_PREFIX
"""Allocation bounds of the regional pools: the VPC sizes Amazon VPC accepts (/16 to /28)."""

_LANDING_ZONE = re.compile(r"[a-z][a-z0-9-]{1,31}")
_POOL_ID = re.compile(r"ipam-pool-[0-9a-f]{8,32}")
_OU_ARN = re.compile(
    r"arn:aws[a-z-]*:organizations::\d{12}:ou/o-[a-z0-9]{10,32}/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"
)
_ORGANIZATION_ARN = re.compile(
    r"arn:aws[a-z-]*:organizations::\d{12}:organization/o-[a-z0-9]{10,32}"
)


def pool_description(landing_zone: str, environment: str, region: str) -> str:
    """The description of the regional pool of ``environment`` in ``region``: what
    :class:`IpamPoolLookup` finds the pool by (``region`` may be ``pseudo.REGION``)."""
    return f"{landing_zone} {environment} VPC ranges in {region}"


@dataclass(frozen=True)
class IpamAllocation:
    """A VPC range VPC IPAM allocates at deploy time (``VpcTiers(ipam=...)``)."""

    pool_id: str
    """The pool's id: :attr:`IpamPoolLookup.pool_id` (a token) or a literal ``ipam-pool-...``."""
    netmask: int
    """The prefix length of the VPC's range, /16 to /28 (the tiers need /23 or larger over three
    zones: ``cidrs.tier_subnet_prefixes_for_netmask``)."""


def check_ipam_allocation(allocation: IpamAllocation) -> None:
    """Raise ValueError unless ``allocation`` names a pool id (a token or ``ipam-pool-...``) and
    a netmask of /16 to /28; whether the tiers fit is the tier math's to say."""
    pool_id = allocation.pool_id
    if not isinstance(pool_id, str) or (
        not is_unresolved(pool_id) and not _POOL_ID.fullmatch(pool_id)
    ):
        raise ValueError(
            f"ipam.pool_id: got {pool_id!r}; allowed: an IPAM pool id such as "
            "'ipam-pool-0123456789abcdef0', or IpamPoolLookup.pool_id"
        )
    _check_netmask("ipam.netmask", allocation.netmask)


class OrganizationIpam(Construct):
    """The organization's IPAM (``Resource``, Advanced tier, ``OperatingRegions`` = the governed
    regions), for the home-region stack of the network account, the delegated IPAM administrator
    (``IpamDelegation`` in the organization stack designates it).

    In the IPAM's private default scope (``GetAtt PrivateDefaultScopeId``):

    - per environment of ``pools``, a top-level pool (``<Environment>Pool``, no locale)
      provisioned with that environment's ranges of every region;
    - per region and environment, a regional pool (``<Environment><Region>Pool``) with
      ``Locale`` = the region, provisioned from the top-level pool with the configured range,
      allocations of ``min_netmask`` to ``max_netmask``, and ``AutoImport``, so that VPCs
      created inside its range before the pool existed (or outside IPAM) become allocations and
      the range is never handed out twice. Its description is :func:`pool_description`, by which
      :class:`IpamPoolLookup` finds it, and it is tagged with :data:`LANDING_ZONE_TAG_KEY`,
      :data:`ENVIRONMENT_TAG_KEY` and :data:`REGION_TAG_KEY`.

    Per environment with principals in ``share_with``, an ``AWS::RAM::ResourceShare``
    (``<Environment>Share``, named ``<name_prefix>ipam-<environment>``) shares that
    environment's regional pools with those principals only (``AllowExternalPrincipals:
    false``); RAM attaches its default IPAM pool permission, which lets the principals allocate
    from the pools, not change them. OU principals need RAM sharing with the organization
    (``IpamDelegation``).

    The shares are made in this stack's region, the IPAM's home region, where the IPAM user
    guide says IPAM pool shares must be made
    (https://docs.aws.amazon.com/vpc/latest/ipam/share-pool-ipam.html); RAM shares a pool by
    putting a resource policy on it (``ec2:PutResourcePolicy``), which the deploying role needs.

    Not verified here (no AWS account): that the stack's region must be an operating region;
    that CloudFormation finishes provisioning a top-level pool's ranges before the regional
    pools take theirs from it; that ``AutoImport`` imports VPCs of member accounts (the IPAM
    user guide says the delegated IPAM monitors the whole organization).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        landing_zone: str,
        pools: Mapping[str, Mapping[str, str]],
        operating_regions: Sequence[str],
        share_with: Mapping[str, Sequence[str]] | None = None,
        min_netmask: int = DEFAULT_MIN_NETMASK,
        max_netmask: int = DEFAULT_MAX_NETMASK,
        default_netmask: int | None = None,
        name_prefix: str = "lz-",
    ) -> None:
        """
        :param landing_zone: The landing zone's name (config ``organization.name``), in every
            pool's description and tags: member templates find their pool by it.
        :param pools: Region -> environment (:data:`ENVIRONMENTS`) -> IPv4 range of that
            environment's pool in that region. No two ranges overlap; each holds at least one
            VPC of ``max_netmask``.
        :param operating_regions: The regions the IPAM manages (the governed regions); every
            region of ``pools`` and this stack's region among them.
        :param share_with: Environment -> RAM principals (OU or organization ARNs, account
            ids) that may allocate from its regional pools. Default: no share.
        :param min_netmask: The shortest prefix (largest VPC) a regional pool allocates.
            Default: 16.
        :param max_netmask: The longest prefix (smallest VPC) a regional pool allocates.
            Default: 28.
        :param default_netmask: The prefix of an allocation that names none. Default: none (a
            VPC must name its netmask; ``VpcTiers`` always does).
        :param name_prefix: The landing zone's protected prefix, which names the RAM shares
            (the guardrails keep everyone else from changing shares of that name). Default:
            ``lz-``.
        """
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        _check_landing_zone(landing_zone)
        regions = _check_regions(operating_regions, stack.region)
        networks = _check_pools(pools, regions)
        _check_bounds(min_netmask, max_netmask, default_netmask, networks)
        shares = _check_share_with(share_with or {}, networks)
        if not isinstance(name_prefix, str) or not re.fullmatch(
            r"[A-Za-z0-9_.-]{1,32}", name_prefix
        ):
            raise ValueError(
                f"name_prefix: got {name_prefix!r}; allowed: 1-32 letters, digits or '_.-'"
            )
        self.landing_zone = landing_zone
        """The landing zone's name, which the pool descriptions carry (``IpamPoolLookup`` finds
        pools by it)."""

        self.ipam = ec2.CfnIPAM(
            self,
            "Resource",
            description=f"{landing_zone}: the organization's VPC address plan",
            operating_regions=[
                ec2.CfnIPAM.IpamOperatingRegionProperty(region_name=region) for region in regions
            ],
            # Private IPv4 pools and sharing them are Advanced tier features.
            tier="advanced",
            tags=_tags(landing_zone),
        )
        """The ``AWS::EC2::IPAM`` of the organization."""
        self.private_scope_id = self.ipam.attr_private_default_scope_id
        """The IPAM's private default scope id (a token)."""

        environments = sorted(
            {environment for by_environment in networks.values() for environment in by_environment},
            key=ENVIRONMENTS.index,
        )
        self.top_level_pools: dict[str, ec2.CfnIPAMPool] = {}
        """The top-level pool of each environment, by environment."""
        self.regional_pools: dict[str, dict[str, ec2.CfnIPAMPool]] = {}
        """The regional pools, by environment then region."""
        for environment in environments:
            ranges = sorted(
                str(by_environment[environment])
                for by_environment in networks.values()
                if environment in by_environment
            )
            # No allocation bounds here: the regional pools' ranges are allocations of this one.
            top = ec2.CfnIPAMPool(
                self,
                f"{pascal_case(environment)}Pool",
                address_family="ipv4",
                ipam_scope_id=self.private_scope_id,
                description=f"{landing_zone} {environment} VPC ranges",
                provisioned_cidrs=[
                    ec2.CfnIPAMPool.ProvisionedCidrProperty(cidr=cidr) for cidr in ranges
                ],
                tags=_tags(landing_zone, environment),
            )
            self.top_level_pools[environment] = top
            for region, by_environment in networks.items():
                if environment not in by_environment:
                    continue
                self.regional_pools.setdefault(region, {})[environment] = ec2.CfnIPAMPool(
                    self,
                    f"{pascal_case(environment)}{pascal_case(region)}Pool",
                    address_family="ipv4",
                    ipam_scope_id=self.private_scope_id,
                    source_ipam_pool_id=top.attr_ipam_pool_id,
                    locale=region,
                    description=pool_description(landing_zone, environment, region),
                    provisioned_cidrs=[
                        ec2.CfnIPAMPool.ProvisionedCidrProperty(
                            cidr=str(by_environment[environment])
                        )
                    ],
                    allocation_min_netmask_length=min_netmask,
                    allocation_max_netmask_length=max_netmask,
                    allocation_default_netmask_length=default_netmask,
                    auto_import=True,
                    tags=_tags(landing_zone, environment, region),
                )

        self.shares: dict[str, ram.CfnResourceShare] = {}
        """The RAM share of each environment's regional pools, by environment."""
        for environment, principals in shares.items():
            self.shares[environment] = ram.CfnResourceShare(
                self,
                f"{pascal_case(environment)}Share",
                name=f"{name_prefix}ipam-{environment}",
                resource_arns=[
                    by_environment[environment].attr_arn
                    for _, by_environment in sorted(self.regional_pools.items())
                    if environment in by_environment
                ],
                principals=list(principals),
                allow_external_principals=False,
                tags=_tags(landing_zone, environment),
            )

    def regional_pool(self, region: str, environment: str) -> ec2.CfnIPAMPool:
        """The pool VPCs of ``environment`` accounts in ``region`` allocate from."""
        try:
            return self.regional_pools[region][environment]
        except KeyError:
            have = ", ".join(
                f"{r}/{e}"
                for r, by_environment in sorted(self.regional_pools.items())
                for e in by_environment
            )
            raise KeyError(f"no {environment} pool in {region}; pools: {have}") from None


class IpamPoolLookup(Construct):
    """The id (:attr:`pool_id`, a token) of the landing zone's regional pool of ``environment``
    in this stack's region, for a member-account template: an SDK call (``Resource``, through
    the stack's named ``AwsSdkCallHandler``) of EC2 ``DescribeIpamPools`` filtered by the pool's
    description (:func:`pool_description` with ``pseudo.REGION``) and address family, made **when
    the stack is created only**. The VPC's ``Ipv4IpamPoolId`` is create-only, so re-reading the
    pool later could replace the VPC: the call has no update (``sdk_call(on_create=...)``, no
    ``Update`` property), and should its properties ever change, the update returns no pool id
    and CloudFormation fails the stack update where the VPC reads it instead of replacing the
    VPC (aws/aws-cdk#7061 shows that failure for attributes of a create-only call).

    The filter is the description, not the tags: whether the owner's tags of a RAM-shared pool
    are visible to the accounts it is shared with was not found documented for IPAM pools.
    That ``DescribeIpamPools`` in a member account returns
    pools shared with it through RAM is read from the IPAM user guide (shared pools let the
    principals "allocate CIDRs from the pool ... from their respective accounts",
    https://docs.aws.amazon.com/vpc/latest/ipam/share-pool-ipam.html) and is not verified here;
    nor is the ``description`` filter name (AWS's API reference lists no filter
    names; Terraform's and Pulumi's documented examples filter shared pools by ``description``).
    When no pool matches, the stack fails at create, before any VPC exists. When several match,
    the first is taken: an administrator of the member account who created an IPAM and a pool
    of that description in the account itself could have the VPC allocate from it, unless a
    guardrail keeps IPAM administration to the landing zone there (``protect-delegated-
    administration`` does so only where it is attached).

    ``ec2:DescribeIpamPools`` has no resource type in the Service Authorization Reference, so
    the statement allows it on ``*``, in this stack's region only.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        landing_zone: str,
        environment: str,
        handler: AwsSdkCallHandler | None = None,
    ) -> None:
        """
        :param landing_zone: The landing zone's name, as given to :class:`OrganizationIpam`.
        :param environment: The environment of the accounts the template serves
            (:data:`ENVIRONMENTS`).
        :param handler: The stack's named SDK-call handler (``stacks/sdk_calls.py``).
            Default: ``AwsSdkCallHandler.of(self)``, which must then already exist with its
            protected names.
        """
        super().__init__(scope, construct_id)
        _check_landing_zone(landing_zone)
        _check_environment("environment", environment)
        handler = handler or AwsSdkCallHandler.of(self)
        self.description = pool_description(landing_zone, environment, pseudo.REGION)
        """The description of the pool this lookup finds."""
        # Create only: a later change of the pool (or of this lookup) must never reach the VPC,
        # whose pool id is create-only: an update would replace it.
        self.resource = handler.sdk_call(
            self,
            "Resource",
            on_create=cr.AwsSdkCall(
                service="EC2",
                action="describeIpamPools",
                parameters={
                    "Filters": [
                        {"Name": "description", "Values": [self.description]},
                        {"Name": "address-family", "Values": ["ipv4"]},
                    ]
                },
                physical_resource_id=cr.PhysicalResourceId.of(
                    f"ipam-pool-{landing_zone}-{environment}"
                ),
                output_paths=["IpamPools.0.IpamPoolId"],
            ),
            statements=[
                iam.PolicyStatement(
                    sid=f"DescribeIpamPools{pascal_case(environment)}",
                    actions=["ec2:DescribeIpamPools"],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:RequestedRegion": pseudo.REGION}},
                )
            ],
            acknowledge_wildcard_resource=True,
        )
        """The custom resource that looks the pool up once, on create (``DescribeIpamPools``)."""
        self.pool_id = self.resource.get_response_field("IpamPools.0.IpamPoolId")
        """The id of the pool found (a token)."""

    def allocation(self, netmask: int) -> IpamAllocation:
        """A VPC range of prefix length ``netmask`` from the pool (``VpcTiers(ipam=...)``)."""
        allocation = IpamAllocation(pool_id=self.pool_id, netmask=netmask)
        check_ipam_allocation(allocation)
        return allocation


def _tags(
    landing_zone: str, environment: str | None = None, region: str | None = None
) -> list[CfnTag]:
    tags = [CfnTag(key=LANDING_ZONE_TAG_KEY, value=landing_zone)]
    if environment is not None:
        tags.append(CfnTag(key=ENVIRONMENT_TAG_KEY, value=environment))
    if region is not None:
        tags.append(CfnTag(key=REGION_TAG_KEY, value=region))
    return tags


def _check_landing_zone(landing_zone: str) -> None:
    if not isinstance(landing_zone, str) or not _LANDING_ZONE.fullmatch(landing_zone):
        raise ValueError(
            f"landing_zone: got {landing_zone!r}; allowed: 2-32 lowercase letters, digits or "
            "hyphens, starting with a letter (config organization.name)"
        )


def _check_environment(prop: str, environment: str) -> None:
    if environment not in ENVIRONMENTS:
        raise ValueError(f"{prop}: got {environment!r}; allowed: {', '.join(ENVIRONMENTS)}")


def _check_netmask(prop: str, netmask: int) -> None:
    low, high = cidrs.MIN_VPC_PREFIX, cidrs.MAX_SUBNET_PREFIX
    if isinstance(netmask, bool) or not isinstance(netmask, int) or not low <= netmask <= high:
        raise ValueError(f"{prop}: got {netmask!r}; allowed: a VPC prefix length, {low} to {high}")


def _check_regions(operating_regions: Sequence[str], stack_region: str) -> list[str]:
    if isinstance(operating_regions, str) or not operating_regions:
        raise ValueError(
            f"operating_regions: got {operating_regions!r}; allowed: one or more region names"
        )
    for region in operating_regions:
        if not isinstance(region, str) or not REGION.fullmatch(region):
            raise ValueError(
                f"operating_regions: got {region!r}; allowed: literal region names such as "
                "eu-west-1 (they name the pools)"
            )
    repeated = sorted({r for r in operating_regions if list(operating_regions).count(r) > 1})
    if repeated:
        raise ValueError(f"operating_regions: {repeated} given more than once; allowed: each once")
    if not is_unresolved(stack_region) and stack_region not in operating_regions:
        raise ValueError(
            f"operating_regions: {list(operating_regions)} leaves out this stack's region "
            f"{stack_region!r}, the IPAM's home region; allowed: a list that includes it"
        )
    return sorted(operating_regions)


def _check_pools(
    pools: Mapping[str, Mapping[str, str]], regions: Sequence[str]
) -> dict[str, dict[str, ipaddress.IPv4Network]]:
    if not pools:
        raise ValueError("pools: got no pool; allowed: region -> environment -> IPv4 range")
    networks: dict[str, dict[str, ipaddress.IPv4Network]] = {}
    named: dict[str, str] = {}
    for region in sorted(pools):
        if region not in regions:
            raise ValueError(
                f"pools: region {region!r} is not an operating region; allowed: "
                f"{', '.join(regions)}"
            )
        by_environment = pools[region]
        if not by_environment:
            raise ValueError(f"pools.{region}: got no range; allowed: environment -> IPv4 range")
        for environment, cidr in by_environment.items():
            _check_environment(f"pools.{region}", environment)
            prop = f"pools.{region}.{environment}"
            if is_unresolved(cidr):
                raise ValueError(f"{prop}: got a token; allowed: a literal IPv4 range")
            networks.setdefault(region, {})[environment] = cidrs.network(prop, cidr)
            named[prop] = cidr
    for first, second in cidrs.overlapping(named):
        raise ValueError(
            f"{second}: {named[second]!r} overlaps {first} ({named[first]!r}); allowed: ranges "
            "no other pool holds, so that no two VPCs get the same addresses"
        )
    return networks


def _check_bounds(
    min_netmask: int,
    max_netmask: int,
    default_netmask: int | None,
    networks: Mapping[str, Mapping[str, ipaddress.IPv4Network]],
) -> None:
    _check_netmask("min_netmask", min_netmask)
    _check_netmask("max_netmask", max_netmask)
    if min_netmask > max_netmask:
        raise ValueError(
            f"min_netmask, max_netmask: got /{min_netmask} and /{max_netmask}; allowed: "
            "min_netmask no longer than max_netmask"
        )
    if default_netmask is not None:
        _check_netmask("default_netmask", default_netmask)
        if not min_netmask <= default_netmask <= max_netmask:
            raise ValueError(
                f"default_netmask: got /{default_netmask}; allowed: /{min_netmask} to "
                f"/{max_netmask} (min_netmask to max_netmask)"
            )
    for region, by_environment in networks.items():
        for environment, network in by_environment.items():
            if cidrs.pool_capacity(str(network), max_netmask) == 0:
                raise ValueError(
                    f"pools.{region}.{environment}: {str(network)!r} cannot hold one VPC of "
                    f"/{max_netmask}; allowed: a /{max_netmask} or larger range"
                )


def _check_share_with(
    share_with: Mapping[str, Sequence[str]],
    networks: Mapping[str, Mapping[str, ipaddress.IPv4Network]],
) -> dict[str, list[str]]:
    pooled = {environment for by_environment in networks.values() for environment in by_environment}
    shares: dict[str, list[str]] = {}
    for environment in share_with:
        _check_environment("share_with", environment)
    for environment in sorted(share_with, key=ENVIRONMENTS.index):
        if environment not in pooled:
            raise ValueError(
                f"share_with: {environment!r} has no pool to share; allowed: "
                f"{', '.join(sorted(pooled))}"
            )
        principals = share_with[environment]
        if isinstance(principals, str) or not principals:
            raise ValueError(
                f"share_with.{environment}: got {principals!r}; allowed: one or more OU or "
                "organization ARNs or account ids"
            )
        for principal in principals:
            if is_unresolved(principal):
                continue
            if not (
                _OU_ARN.fullmatch(principal)
                or _ORGANIZATION_ARN.fullmatch(principal)
                or ACCOUNT_ID.fullmatch(principal)
            ):
                raise ValueError(
                    f"share_with.{environment}: got {principal!r}; allowed: OU ARNs "
                    "(arn:aws:organizations::<management>:ou/o-.../ou-...), the organization's "
                    "ARN or 12-digit account ids"
                )
        repeated = sorted({p for p in principals if list(principals).count(p) > 1})
        if repeated:
            raise ValueError(
                f"share_with.{environment}: {repeated} given more than once; allowed: each once"
            )
        shares[environment] = list(principals)
    return shares


__all__ = [
    "ENVIRONMENTS",
    "ENVIRONMENT_TAG_KEY",
    "IPAM_TAG_PREFIX",
    "LANDING_ZONE_TAG_KEY",
    "REGION_TAG_KEY",
    "IpamAllocation",
    "IpamPoolLookup",
    "OrganizationIpam",
    "check_ipam_allocation",
    "pool_description",
]
