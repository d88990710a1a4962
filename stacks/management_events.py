"""The management account's sensitive events, paged from the security-tooling account.

No SCP applies in the management account: alarms there can be silenced by whoever they watch.
One stack in the security-tooling account's home region holds the rules and the paging topic
(protected by the guardrails' names); one small stack per region of the management account
forwards that account's events to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aws_cdk import Stack, Stage
from constructs import Construct

from landing_zone.config import LandingZoneConfig
from landing_zone.detection import ManagementEventAlarms, ManagementEventForwarder

from .alerting import administrator_arns, break_glass_names, subscriptions
from .namespace import mark_landing_zone
from .naming import stack_name

GLOBAL_SERVICE_EVENTS_REGION = "us-east-1"
"""Where EventBridge receives the CloudTrail events of global services (AWS Organizations,
IAM, console sign-in; EventBridge user guide, "Events from AWS services")."""


def forwarder_regions(config: LandingZoneConfig) -> list[str]:
    """The governed regions and, for the global services' events, ``us-east-1``."""
    return sorted({*config.organization.governed_regions, GLOBAL_SERVICE_EVENTS_REGION})


class ManagementEventAlarmsStack(Stack):
    """In the security-tooling account's home region: the event bus the management account
    forwards to and the rules that page on its sensitive events."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: LandingZoneConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        mark_landing_zone(self, config)
        alerting = config.detection.alerting
        permission_sets, roles = break_glass_names(config)
        self.alarms = ManagementEventAlarms(
            self,
            "ManagementEventAlarms",
            management_account_id=config.core_account_id("management"),
            break_glass_permission_sets=permission_sets,
            break_glass_role_names=roles,
            # A page: the paging endpoints, and the alert endpoints for the record.
            paging_subscriptions=subscriptions(
                list(dict.fromkeys([*alerting.alert_subscriptions, *alerting.paging_subscriptions]))
            ),
            name_prefix=config.guardrails.parameters.landing_zone_role_prefix,
            administrator_arns=administrator_arns(config),
        )


class ManagementEventForwarderStack(Stack):
    """In the management account, one region: its events to the security-tooling account."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: LandingZoneConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        mark_landing_zone(self, config)
        prefix = config.guardrails.parameters.landing_zone_role_prefix
        self.forwarder = ManagementEventForwarder(
            self,
            "ManagementEventForwarder",
            event_bus_arn=ManagementEventAlarms.event_bus_arn_for(
                config.core_account_id("security_tooling"),
                config.organization.home_region,
                prefix,
            ),
            name_prefix=prefix,
            alarm_subscriptions=subscriptions(config.detection.alerting.alert_subscriptions),
            administrator_arns=administrator_arns(config),
        )


def build_management_event_stacks(
    scope: Stage,
    config: LandingZoneConfig,
    stack_props: Callable[..., dict[str, object]],
    *,
    after: Sequence[Stack],
) -> list[Stack]:
    """Adds the alarms stack and one forwarder stack per ``forwarder_regions`` to ``scope``;
    ``stack_props(role, description, region, account)`` gives each stack's properties. The
    alarms stack is deployed after ``after`` (the security-tooling account must exist), the
    forwarders after it. Returns the stacks in deployment order."""
    org = config.organization
    alarms = ManagementEventAlarmsStack(
        scope,
        stack_name(org.name, "management-events"),
        config=config,
        **stack_props(
            "management-events",
            "management account events paged from the security-tooling account",
            org.home_region,
            config.core_account_id("security_tooling"),
        ),
    )
    for dependency in after:
        alarms.add_stack_dependency(dependency)
    stacks: list[Stack] = [alarms]
    for region in forwarder_regions(config):
        role = f"management-events-forwarder-{region}"
        forwarder = ManagementEventForwarderStack(
            scope,
            stack_name(org.name, role),
            config=config,
            **stack_props(
                role,
                f"management account events of {region} to the security-tooling account",
                region,
                config.core_account_id("management"),
            ),
        )
        forwarder.add_stack_dependency(alarms)
        stacks.append(forwarder)
    return stacks
