"""The SDK-call handler of a core stack, named so the guardrails recognize and protect it."""

from __future__ import annotations

from aws_cdk import Stack

from landing_zone.common import RENAMED_HANDLER_LOGICAL_ID_SUFFIX, AwsSdkCallHandler
from landing_zone.config import LandingZoneConfig

from .naming import sdk_call_role_name


def add_sdk_call_handler(stack: Stack, config: LandingZoneConfig) -> AwsSdkCallHandler:
    """Creates the stack's handler before any construct asks for it with ``.of``.

    SCPs deny the handler's calls (Block Public Access, security service settings) to every
    role but the landing zone's own, which carry the configured name prefix; the function, its
    log group and its policy carry the same name, so that the SCPs also keep everyone else from
    invoking the function, changing its code or writing a new version of its policy.
    """
    prefix = f"{config.organization.name}-"
    role = stack.stack_name.removeprefix(prefix)
    return named_sdk_call_handler(
        stack,
        sdk_call_role_name(config.guardrails.parameters.landing_zone_role_prefix, role),
        logical_id_suffix=RENAMED_HANDLER_LOGICAL_ID_SUFFIX,
    )


def named_sdk_call_handler(stack: Stack, name: str, *, logical_id_suffix: str) -> AwsSdkCallHandler:
    """The stack's handler with one protected ``name`` for its role, function (and so log group)
    and managed policy."""
    return AwsSdkCallHandler(
        stack,
        AwsSdkCallHandler.ID,
        role_name=name,
        function_name=name,
        policy_name=name,
        logical_id_suffix=logical_id_suffix,
    )
