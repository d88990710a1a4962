"""Workload networking: VPC tiers, their address plan and security group checks."""

from landing_zone.network.cidrs import overlapping, tier_subnet_prefixes
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
    "TIER_SUBNET_TYPES",
    "VpcTiers",
    "allow_ingress",
    "availability_zones_context",
    "check_ingress",
    "load_balancer_security_group",
    "overlapping",
    "tier_subnet_prefixes",
]
