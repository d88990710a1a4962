"""The config-driven landing zone: every stack, built from one validated config.

The composition lives in ``landing_zone.stacks`` (the repository's top-level ``stacks/``,
installed under this package so that it never shadows a ``stacks`` package of your own).
"""

from __future__ import annotations

from landing_zone.stacks.landing_zone import (
    BaselinesLayer,
    DetectionLayer,
    IdentityLayer,
    LandingZone,
    LoggingLayer,
    NetworkLayer,
    OrganizationLayer,
)

__all__ = [
    "BaselinesLayer",
    "DetectionLayer",
    "IdentityLayer",
    "LandingZone",
    "LoggingLayer",
    "NetworkLayer",
    "OrganizationLayer",
]
