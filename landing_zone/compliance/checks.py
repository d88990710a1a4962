"""The cdk-nag packs the landing zone is held to, how they are registered, and a test helper.

Acknowledging a finding:
``Validations.of(construct).acknowledge(Acknowledgment(id=..., reason=...))`` with the plain rule
id, such as ``AwsSolutions-S1``, ``Fintech-StatefulResourceRetained`` or
``Fintech-IAMNoWildcardActions[Action::s3:*]``. The CDK CLI prints "Acknowledge with
'Fintech::Fintech-…'", but cdk-nag 3.0.2 only recognizes the plain form: ``acknowledge`` stores a
plain id as ``Annotation::<id>``, and cdk-nag (and the Fintech pack, which reads the ids
cdk-nag's aspect writes into template metadata) strips ``Annotation::`` before comparing, so the
finding is dropped both in ``validate_scope`` (tests) and at synth. A ``Fintech::`` id, like any
id that is no rule of the packs applied (a typo, a rule of another pack), silences nothing in the
packs, so the check refuses it, at synth and in ``violations``, naming the construct and the id
(``landing_zone.compliance.acknowledgments``).
"""

from collections.abc import Callable, Sequence
from typing import Protocol, cast

from aws_cdk import App, IPolicyValidationPlugin, PolicyValidationPluginReport, Validations
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks
from constructs import IConstruct

from landing_zone.compliance.fintech_checks import FintechChecks


class CompliancePack(Protocol):
    """A check pack: a cdk-nag ``NagPack`` or the Fintech pack."""

    @property
    def name(self) -> str: ...

    def validate_scope(self, scope: IConstruct) -> PolicyValidationPluginReport: ...


_PACK_TYPES: tuple[Callable[..., CompliancePack], ...] = (
    AwsSolutionsChecks,
    PCIDSS321Checks,
    NIST80053R5Checks,
    FintechChecks,
)


def compliance_packs(scope: IConstruct | None) -> list[CompliancePack]:
    """One instance of each pack, verbose, writing acknowledgments into the metadata of ``scope``.

    The metadata (``cdk_nag.rules_to_suppress``: id and reason) is how reviewers and reports see
    acknowledged findings: the packs drop them before CDK's validation report (the Fintech pack
    reads them there at synth). Without a scope nothing is written, which is what checking a tree
    without changing it needs.
    """
    return [
        pack_type(scope, verbose=True, write_suppressions_to_cloud_formation=True)
        for pack_type in _PACK_TYPES
    ]


def apply_compliance_checks(app: App) -> list[str]:
    """Run every pack at synth, where any finding fails it; return the pack names."""
    packs = compliance_packs(app)
    Validations.of(app).add_plugins(*(cast(IPolicyValidationPlugin, pack) for pack in packs))
    return [pack.name for pack in packs]


def violations(
    scope: IConstruct, packs: Sequence[CompliancePack] | None = None
) -> dict[str, list[str]]:
    """Unacknowledged findings under ``scope`` as ``{pack: ["<rule id>: <construct path>", ...]}``.

    Only packs with findings appear, so ``assert violations(stack) == {}`` passes on a compliant
    stack and otherwise fails with a readable diff. ``packs`` defaults to ``compliance_packs``.
    """
    found: dict[str, list[str]] = {}
    for pack in packs if packs is not None else compliance_packs(None):
        report = pack.validate_scope(scope)
        entries = sorted(
            f"{violation.rule_name}: {resource.construct_path}"
            for violation in report.violations
            for resource in violation.violating_resources
        )
        if entries:
            found[pack.name] = entries
    return found
