"""Workload networking: VPC tiers, their address plan (literal or from VPC IPAM) and security
group checks."""

from landing_zone.network.cidrs import (
    overlapping,
    pool_capacity,
    tier_subnet_prefixes,
    tier_subnet_prefixes_for_netmask,
)
from landing_zone.network.ipam import (
    ENVIRONMENTS,
    IpamAllocation,
    IpamPoolLookup,
    OrganizationIpam,
    pool_description,
)
from landing_zone.network.vpc_tiers import (
    DEFAULT_DATA_PORTS,
    DEFAULT_INTERFACE_ENDPOINTS,
    TIER_SUBNET_TYPES,
    VpcTiers,
    allow_ingress,
    availability_zones_context,
    check_ingress,
    load_balancer_security_group,
)

__all__ = [
    "DEFAULT_DATA_PORTS",
    "DEFAULT_INTERFACE_ENDPOINTS",
    "ENVIRONMENTS",
    "TIER_SUBNET_TYPES",
    "IpamAllocation",
    "IpamPoolLookup",
    "OrganizationIpam",
    "VpcTiers",
    "allow_ingress",
    "availability_zones_context",
    "check_ingress",
    "load_balancer_security_group",
    "overlapping",
    "pool_capacity",
    "pool_description",
    "tier_subnet_prefixes",
    "tier_subnet_prefixes_for_netmask",
]
