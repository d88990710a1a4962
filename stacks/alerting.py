"""Alert endpoints and topic administrators from config, in the form the alerting constructs
take."""

from __future__ import annotations

from collections.abc import Sequence

from landing_zone.config import LandingZoneConfig
from landing_zone.config.guardrails import scp_parameters
from landing_zone.config.model import Subscription as ConfiguredSubscription
from landing_zone.detection import Subscription


def subscriptions(configured: Sequence[ConfiguredSubscription]) -> list[Subscription]:
    return [Subscription(protocol=s.protocol, endpoint=s.endpoint) for s in configured]


def administrator_arns(config: LandingZoneConfig) -> list[str]:
    """The principals that may change the landing zone's alert topics: the landing-zone
    principals of the guardrails (``lz-*`` roles, break-glass, the StackSets and landing-zone
    CDK deployment roles), the same list the SCPs exempt."""
    return list(scp_parameters(config).landing_zone_role_arns)


def break_glass_names(config: LandingZoneConfig) -> tuple[list[str], list[str]]:
    """The break-glass permission set names and break-glass IAM role names of the config."""
    identity = config.identity
    permission_sets = [] if identity is None else identity.permission_sets.items()
    return (
        [name for name, p in permission_sets if p.job_function == "break_glass"],
        list(config.guardrails.parameters.break_glass_role_names),
    )
