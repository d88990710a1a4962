"""Composition of the landing zone's constructs into deployable stacks."""

from .landing_zone import build_landing_zone

__all__ = ["build_landing_zone"]
