"""Fintech landing zone for AWS: CDK constructs for a regulated multi-account organization.

``from landing_zone import LandingZone`` gives the config-driven landing zone (every stack from
one config); the constructs are in the subpackages (``landing_zone.keys``, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from landing_zone.landing_zone import LandingZone

__all__ = ["LandingZone"]


def __getattr__(name: str) -> object:
    # Imported on first use: the composition loads every construct and starts jsii's Node
    # process, which `import landing_zone.config` (the schema command, the report) never needs.
    if name == "LandingZone":
        from landing_zone.landing_zone import LandingZone

        return LandingZone
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
