"""The landing zone's mark on its stacks, with the organization's protected prefix."""

from __future__ import annotations

from aws_cdk import Stack

from landing_zone.common import ProtectedNamespace
from landing_zone.config import LandingZoneConfig


def mark_landing_zone(stack: Stack, config: LandingZoneConfig) -> ProtectedNamespace:
    """Marks ``stack`` as the landing zone's: ``Fintech-ProtectedNamespace`` then requires an
    explicit name on each function, role, policy, rule, topic, alarm, log group, queue, state
    machine and Config rule in it, and knows the prefix and deployment roles the guardrails
    exempt."""
    parameters = config.guardrails.parameters
    return ProtectedNamespace.mark(
        stack,
        prefix=parameters.landing_zone_role_prefix,
        exempt_role_names=[*parameters.deployment_role_names, *parameters.break_glass_role_names],
    )
