"""What every rule of the fintech pack declares: its id, its messages and a pure check."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from aws_cdk import CfnResource
from cdk_nag import NagMessageLevel, NagRuleCompliance

RuleResult: TypeAlias = NagRuleCompliance | list[str]
"""A verdict, or one finding per offending detail (cdk-nag then reports ``<id>[<finding>]``)."""


@dataclass(frozen=True, kw_only=True)
class FintechRule:
    """One rule: metadata for cdk-nag beside a pure function of one CloudFormation resource."""

    suffix: str
    """Completes the rule id ``Fintech-<suffix>``; acknowledgments name it, so it never changes."""

    info: str
    """Why a resource was reported."""

    explanation: str
    """Why the rule exists; shown in verbose reports."""

    level: NagMessageLevel
    """How the finding is reported (any finding fails synth, warnings included)."""

    resource_types: frozenset[str]
    """CloudFormation types the check can apply to; the pack calls it for these only, because
    each call crosses into Node and costs milliseconds, for thousands of resources."""

    check: Callable[[CfnResource], RuleResult]
    """COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE or findings for one resource; an exception is
    reported by cdk-nag as a violation of the rule, so what cannot be read fails closed."""
