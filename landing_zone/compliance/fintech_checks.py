"""The project's own cdk-nag pack, run beside the AwsSolutions, PCI DSS and NIST 800-53 packs."""

from typing import cast

import jsii
from aws_cdk import CfnResource, PolicyValidationPluginReport
from cdk_nag import IApplyRule, NagMessageLevel, NagPack, NagRuleCompliance
from constructs import IConstruct

from landing_zone.compliance.rules import FINTECH_RULES, FintechRule, RuleResult
from landing_zone.compliance.rules._cfn import check_run
from landing_zone.compliance.rules.protected_namespace import start_check_run

PACK_NAME = "Fintech"
"""Prefix of every rule id (``Fintech-<suffix>``) and the plugin name in validation reports."""


# Each rule applied is a round trip into Node, so a resource meets only the rules for its type.
_RULES_BY_TYPE = {
    resource_type: tuple(rule for rule in FINTECH_RULES if resource_type in rule.resource_types)
    for rule in FINTECH_RULES
    for resource_type in rule.resource_types
}


class FintechChecks(NagPack):
    """The fintech rules as a cdk-nag pack, registered with ``Validations.of(app).add_plugins``.

    Findings are acknowledged with the plain rule id, such as
    ``Fintech-StatefulResourceRetained`` or ``Fintech-IAMNoWildcardActions[Action::s3:*]``, never
    the ``Fintech::…`` form the CDK CLI suggests: see ``landing_zone.compliance.checks``.
    """

    def __init__(
        self,
        scope: IConstruct | None = None,
        *,
        verbose: bool | None = None,
        write_suppressions_to_cloud_formation: bool | None = None,
    ) -> None:
        """Create the pack.

        :param scope: where to write acknowledgments into template metadata, when asked to.
        :param verbose: add each rule's explanation to its findings. Default: info only.
        :param write_suppressions_to_cloud_formation: write acknowledged rule ids and reasons
            under ``cdk_nag`` in the Metadata of each resource of ``scope``. Default: not written.
        """
        super().__init__(
            scope,
            verbose=verbose,
            write_suppressions_to_cloud_formation=write_suppressions_to_cloud_formation,
        )
        self._pack_name = PACK_NAME
        # Fintech-ProtectedNamespace reads each stack's roles once per pack: a pack checks the
        # tree once (at synth, or in a test's violations()), as the tree is then.
        start_check_run()

    @property
    def name(self) -> str:
        return PACK_NAME

    def validate_scope(self, scope: IConstruct) -> PolicyValidationPluginReport:
        # One run over a tree that does not change while it runs (cdk-nag's validate, at synth,
        # calls this too): the rules that look for related resources (flow logs, bucket
        # policies, logging configurations) read each stack's once per run, not per resource.
        # Fintech-ProtectedNamespace reads each stack's names once per run, too.
        start_check_run()
        with check_run():
            return super().validate_scope(scope)

    def _check_resource(self, node: CfnResource) -> None:
        for rule in _RULES_BY_TYPE.get(node.cfn_resource_type, ()):
            if _passes(rule, node):
                continue
            # The generated protocol makes every member settable, as TypeScript interfaces are;
            # cdk-nag only reads them, so read-only properties are enough.
            self._apply_rule(cast(IApplyRule, _AppliedRule(rule, node)))


def _passes(rule: FintechRule, node: CfnResource) -> bool:
    """Whether ``rule`` finds nothing on ``node``, decided in Python.

    cdk-nag's ``applyRule`` records nothing for a compliant or not applicable resource (nor for
    an empty list of findings), but reaching it costs several round trips to Node per rule and
    resource. Only a finding or an error goes on to ``applyRule``, which runs the rule again
    and handles acknowledgments and errors as it always does.
    """
    try:
        result = rule.check(node)
    except Exception:  # cdk-nag reports it when the rule runs again in applyRule
        return False
    if isinstance(result, list):
        return not result
    return result in (NagRuleCompliance.COMPLIANT, NagRuleCompliance.NOT_APPLICABLE)


@jsii.implements(IApplyRule)
class _AppliedRule:
    """A rule bound to one resource, in the shape cdk-nag's ``applyRule`` reads through jsii.

    jsii reads members, not instance attributes, hence the properties.
    """

    def __init__(self, rule: FintechRule, node: CfnResource) -> None:
        self._rule = rule
        self._node = node

    @property
    def node(self) -> CfnResource:
        return self._node

    @property
    def info(self) -> str:
        return self._rule.info

    @property
    def explanation(self) -> str:
        return self._rule.explanation

    @property
    def level(self) -> NagMessageLevel:
        return self._rule.level

    @property
    def rule_suffix_override(self) -> str:
        return self._rule.suffix

    def rule(self, node: CfnResource) -> RuleResult:
        return self._rule.check(node)
