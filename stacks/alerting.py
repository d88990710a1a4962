"""Alert endpoints from config, in the form the alerting constructs take."""

from __future__ import annotations

from collections.abc import Sequence

from landing_zone.config.model import Subscription as ConfiguredSubscription
from landing_zone.detection import Subscription


def subscriptions(configured: Sequence[ConfiguredSubscription]) -> list[Subscription]:
    return [Subscription(protocol=s.protocol, endpoint=s.endpoint) for s in configured]
