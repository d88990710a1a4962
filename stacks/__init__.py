"""Composition of the landing zone's constructs into deployable stacks.

Installed, this package is ``landing_zone.stacks``; its public entry point is
``landing_zone.LandingZone``.
"""

from __future__ import annotations

from aws_cdk import Stack, Stage

from landing_zone.config import LandingZoneConfig

from .landing_zone import LandingZone


def build_landing_zone(app: Stage, config: LandingZoneConfig) -> list[Stack]:
    """Adds the landing zone's stacks to ``app`` and returns them in deployment order.

    Kept for callers of earlier versions; ``LandingZone(app, config=config).stacks`` is the
    same."""
    return list(LandingZone(app, config=config).stacks)


__all__ = ["LandingZone", "build_landing_zone"]
