"""What every rule of the fintech pack declares: its id, its messages and a pure check."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules.resource import Resource

RuleResult: TypeAlias = NagRuleCompliance | list[str]
"""A verdict, or one finding per offending detail (the pack then reports ``<id>[<finding>]``)."""


@dataclass(frozen=True, kw_only=True)
class FintechRule:
    """One rule: its id and messages beside a pure function of one synthesized resource."""

    suffix: str
    """Completes the rule id ``Fintech-<suffix>``; acknowledgments name it, so it never changes."""

    info: str
    """Why a resource was reported."""

    explanation: str
    """Why the rule exists; shown in verbose reports."""

    level: NagMessageLevel
    """How the finding is reported (any finding fails synth, warnings included)."""

    resource_types: frozenset[str]
    """CloudFormation types the check can apply to; the pack calls it for these only."""

    check: Callable[[Resource], RuleResult]
    """COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE or findings for one resource; an exception is
    reported as a violation of the rule ("Rule threw an error during validation"), so what
    cannot be read fails closed."""
