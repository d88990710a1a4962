"""Compliance checks run at synth: cdk-nag packs, the project's own fintech pack and its rules."""

from landing_zone.compliance.checks import apply_compliance_checks, compliance_packs, violations
from landing_zone.compliance.fintech_checks import PACK_NAME, FintechChecks
from landing_zone.compliance.rules import FINTECH_RULES, FintechRule, RuleResult

__all__ = [
    "FINTECH_RULES",
    "PACK_NAME",
    "FintechChecks",
    "FintechRule",
    "RuleResult",
    "apply_compliance_checks",
    "compliance_packs",
    "violations",
]
