"""Identity policies must not allow every action, nor every action of a service (``s3:*``)."""

from collections.abc import Iterator
from typing import Any

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import (
    IDENTITY_POLICY_TYPES,
    as_list,
    get_property,
    identity_policy_statements,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = IDENTITY_POLICY_TYPES


def iam_no_wildcard_actions(resource: Resource) -> RuleResult:
    """One finding per wildcard action (``Action::s3:*``) and per NotAction entry allowed.

    ``PermissionSet`` also runs it while it is built, on its resource read before synthesis
    (``construct_view``).
    """
    resource_type = resource.type
    if resource_type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    statements = identity_policy_statements(resource)
    # dict.fromkeys drops repeated findings and keeps their order, so reports are stable.
    findings = list(dict.fromkeys(f for statement in statements for f in _findings(statement)))
    return findings or NagRuleCompliance.COMPLIANT


def _findings(statement: Any) -> Iterator[str]:
    # Anything but an explicit Deny grants, so an unreadable Effect cannot slip through.
    if get_property(statement, "Effect") == "Deny":
        return
    for action in as_list(get_property(statement, "Action")):
        if _grants_whole_service(_literal_action(action)):
            yield f"Action::{action}"
    for action in as_list(get_property(statement, "NotAction")):
        # An allowed NotAction grants every other action of every service.
        yield f"NotAction::{_literal_action(action)}"


def _literal_action(action: Any) -> str:
    if not isinstance(action, str):
        raise TypeError(f"cannot check the action {action!r}: it is not a literal string")
    return action


def _grants_whole_service(action: str) -> bool:
    """``*``, ``s3:*``, ``S3:*`` or ``iam:?*``: wildcards only, where IAM names the action."""
    name = action.split(":", 1)[-1]
    return "*" in name and not name.strip("*?")


IAM_NO_WILDCARD_ACTIONS = FintechRule(
    suffix="IAMNoWildcardActions",
    info=(
        "The identity policy allows all actions, all actions of a service (such as 's3:*'), "
        "or everything but a NotAction list."
    ),
    explanation=(
        "A wildcard grants every action the service has or will add, including deleting data, "
        "changing its encryption and making it public. Least privilege (PCI DSS 7.1.2, NIST AC-6) "
        "needs the actions to be named; acknowledge a granular finding such as "
        "'Fintech-IAMNoWildcardActions[Action::s3:*]' where a role truly needs the wildcard."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=iam_no_wildcard_actions,
)
