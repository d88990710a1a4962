"""IAM Identity Center permission sets must not keep account sessions longer than MAX_SESSION.

Absent and ``AWS::NoValue`` are compliant: IAM Identity Center then applies its default of one
hour. A literal must be an ISO-8601 duration of hours, minutes and seconds in that order, each
a whole number (``PT8H``, ``PT90M``, ``PT1H30M``, ``PT43200S``); anything else, such as ``P1D``,
``PT1.5H`` or ``pt1h``, is non-compliant as malformed, even where IAM Identity Center would read
it, so that reviewers read the limit plainly.

A duration given by a parameter or another intrinsic cannot be compared: as everywhere in the
pack (see ``_cfn``), what the rule cannot read it does not pass, so the check raises TypeError
and the pack reports that as a violation of the rule, which a reviewed acknowledgment can waive.

MAX_SESSION is IAM Identity Center's own ceiling (it takes 1 to 12 hours), so today the rule
fails at synth what deployment would reject; it is the place to lower the limit.
"""

import re
from datetime import timedelta
from typing import Any

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import (
    deploys_a_value,
    get_property,
    is_intrinsic,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = frozenset({"AWS::SSO::PermissionSet"})

MAX_SESSION = timedelta(hours=12)
"""The longest session a permission set may grant in an AWS account."""

_DURATION = re.compile(r"PT(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?")


def permission_set_session_duration(resource: Resource) -> RuleResult:
    """Compliant when SessionDuration is absent or a duration of at most MAX_SESSION."""
    if resource.type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    value = get_property(resource.properties, "SessionDuration")
    if not deploys_a_value(value, "SessionDuration"):
        return NagRuleCompliance.COMPLIANT
    seconds = _duration_seconds(value)
    if seconds is None or seconds > MAX_SESSION.total_seconds():
        return NagRuleCompliance.NON_COMPLIANT
    return NagRuleCompliance.COMPLIANT


def _duration_seconds(value: Any) -> int | None:
    """The length of the literal duration ``value`` in seconds, or None when it is malformed.

    Whole seconds as an int, not a timedelta: ``PT100000000000H`` overflows a timedelta.
    """
    if is_intrinsic(value):
        raise TypeError(f"cannot check SessionDuration: {value!r} is not a literal duration")
    match = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


PERMISSION_SET_SESSION_DURATION = FintechRule(
    suffix="PermissionSetSessionDuration",
    info=(
        "The IAM Identity Center permission set has a SessionDuration longer than "
        f"{MAX_SESSION.total_seconds() / 3600:g} hours, or one that is not an ISO-8601 duration "
        "of whole hours, minutes and seconds such as PT8H."
    ),
    explanation=(
        "The session duration is how long a user keeps an AWS account session opened with the "
        "permission set before signing in again. Ending the user's access portal session does "
        "not end it, so it bounds what a stolen or forgotten session can do and how often the "
        "user re-authenticates (PCI DSS 8.1.8, NIST AC-12, IA-11); set no more than the work on "
        "the account needs."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=permission_set_session_duration,
)
