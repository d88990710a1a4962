"""The project's own check pack, run beside the AwsSolutions, PCI DSS and NIST 800-53 packs.

Unlike the cdk-nag packs, which walk the construct tree in Node and call back into Python for
each resource, this pack is a CDK policy-validation plugin: after synthesis it reads every
template of the assembly once, in Python (``landing_zone.compliance.assembly``), and runs each
rule on the resources of its types. Findings, their ids, messages and acknowledgments are
cdk-nag's: a finding is ``Fintech-<suffix>`` or ``Fintech-<suffix>[<detail>]``, a rule that
raises is a finding that it could not check the resource, and both are acknowledged with
``Validations.of(construct).acknowledge``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import jsii
from aws_cdk import (
    Aspects,
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Stage,
)
from cdk_nag import NagMessageLevel, NagRuleCompliance, WriteNagSuppressionsToCloudFormationAspect
from constructs import IConstruct

from landing_zone.compliance.acknowledgments import check_acknowledgments
from landing_zone.compliance.assembly import (
    acknowledged_in_metadata,
    acknowledged_in_tree,
    assembly_acknowledgments,
    assembly_templates,
    read_json,
    stack_marks,
    stack_templates,
    synthesize,
    tree_resources,
)
from landing_zone.compliance.rules import FINTECH_RULES, FintechRule
from landing_zone.compliance.rules.resource import UNMARKED, Resource, Template

PACK_NAME = "Fintech"
"""Prefix of every rule id (``Fintech-<suffix>``) and the plugin name in validation reports."""

RULE_ERROR = "Rule threw an error during validation."
"""Start of the description of a finding whose rule raised (cdk-nag's wording)."""

_RULE_ERROR_TERSE = "This is generally caused by a parameter referencing an intrinsic function."

_RULES_BY_TYPE: dict[str, tuple[FintechRule, ...]] = {
    resource_type: tuple(rule for rule in FINTECH_RULES if resource_type in rule.resource_types)
    for rule in FINTECH_RULES
    for resource_type in rule.resource_types
}

Acknowledged = Callable[[Resource], frozenset[str]]
"""The rule ids acknowledged on a resource (its own and its ancestors')."""


@dataclass(frozen=True)
class Finding:
    """One unacknowledged finding: a rule id (``Fintech-<suffix>[<detail>]``) on a resource."""

    rule_id: str
    description: str
    severity: str
    resource: Resource


@jsii.implements(IPolicyValidationPlugin)
class FintechChecks:
    """The fintech rules, registered with ``Validations.of(app).add_plugins``.

    Findings are acknowledged with the plain rule id, such as
    ``Fintech-StatefulResourceRetained`` or ``Fintech-IAMNoWildcardActions[Action::s3:*]``, never
    the ``Fintech::…`` form the CDK CLI suggests: see ``landing_zone.compliance.checks``. At
    synth the pack reads acknowledgments from the template metadata that cdk-nag's
    ``WriteNagSuppressionsToCloudFormationAspect`` writes (``cdk_nag.rules_to_suppress``), which
    the pack adds when given a scope and ``write_suppressions_to_cloud_formation``;
    ``validate_scope`` reads them from the construct tree.
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
        :param verbose: add each rule's explanation to its findings, and the error of a rule
            that could not check a resource. Default: info only.
        :param write_suppressions_to_cloud_formation: write acknowledged rule ids and reasons
            under ``cdk_nag`` in the Metadata of each resource of ``scope``, where the pack
            reads them at synth. Default: not written, so no acknowledgment counts at synth.
        """
        self._verbose = bool(verbose)
        if scope is not None and write_suppressions_to_cloud_formation:
            Aspects.of(scope).add(WriteNagSuppressionsToCloudFormationAspect())

    @property
    def name(self) -> str:
        return PACK_NAME

    @property
    def rule_ids(self) -> list[str]:
        return [f"{PACK_NAME}-{rule.suffix}" for rule in FINTECH_RULES]

    @property
    def version(self) -> str | None:
        return None

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        """Check every template of the assembly (CDK calls this after synthesis).

        Violating resources are named by template and logical id, which CDK maps to construct
        paths in its report. A manifest or template that cannot be read raises, which CDK
        reports as a failure of the plugin, so synth fails; so does an acknowledgment of a rule
        id that no applied pack defines (``acknowledgments.UnknownAcknowledgmentError``).
        """
        check_acknowledgments(assembly_acknowledgments(Path(p) for p in context.template_paths))
        files = assembly_templates(Path(path) for path in context.template_paths)
        marks = stack_marks(context.app_construct, {file.name for file in files})
        templates = [Template(file.name, read_json(file), marks[file.name]) for file in files]
        full_paths = {file.name: str(file) for file in files}
        return self._report(
            self.check(templates, acknowledged_in_metadata),
            lambda resource: PolicyViolatingResource(
                locations=["Properties"],
                resource_logical_id=resource.logical_id,
                template_path=full_paths[resource.template.name],
            ),
        )

    def validate_scope(self, scope: IConstruct) -> PolicyValidationPluginReport:
        """The findings on the resources under ``scope``, named by construct path (tests).

        Synthesizes the app of ``scope`` into its own output directory, again when constructs
        were added or removed since its last synthesis (CDK's own test of a changed tree: a
        change of properties alone is not seen), and reads acknowledgments from the construct
        tree like cdk-nag's ``validate_scope``, so that nothing needs to be written into
        templates. An acknowledgment under ``scope`` of a rule id that no applied pack defines
        raises ``acknowledgments.UnknownAcknowledgmentError``. Afterwards the app holds that
        assembly: a later ``app.synth()`` or
        ``Template.from_stack`` after adding constructs raises, as after any synthesis.
        """
        app = scope.node.root
        if not isinstance(app, Stage):
            raise TypeError(f"{scope.node.path!r} is not in an App or Stage")
        synthesized = stack_templates(synthesize(app))
        under = f"/{scope.node.path}/" if scope.node.path else "/"
        check_acknowledgments(
            ack for ack in assembly_acknowledgments(synthesized) if f"{ack.path}/".startswith(under)
        )
        files = assembly_templates(synthesized)
        tree = tree_resources(scope)
        templates = [
            Template(
                file.name,
                read_json(file),
                tree.marks.get(file.name, UNMARKED),
                tree.paths.get(file.name, {}),
            )
            for file in files
        ]
        checked = {(name, logical_id) for name, ids in tree.paths.items() for logical_id in ids}
        found = {
            (template.name, resource.logical_id) for template in templates for resource in template
        }
        if missing := sorted(checked - found):
            raise LookupError(f"resources of the tree missing from the assembly: {missing}")
        acknowledged: dict[str, frozenset[str]] = {}

        def in_tree(resource: Resource) -> frozenset[str]:
            path = resource.path
            if path not in acknowledged:
                acknowledged[path] = acknowledged_in_tree(tree.constructs[path])
            return acknowledged[path]

        return self._report(
            self.check(templates, in_tree, only=checked),
            lambda resource: PolicyViolatingResource(
                locations=["Properties"], construct_path=resource.path
            ),
        )

    def check(
        self,
        templates: Iterable[Template],
        acknowledged: Acknowledged,
        only: set[tuple[str, str]] | None = None,
    ) -> list[Finding]:
        """The unacknowledged findings of every rule on every resource of ``templates``, or on
        those of ``only`` (template name, logical id), in template order."""
        findings: list[Finding] = []
        for template in templates:
            for resource in template:
                if only is not None and (template.name, resource.logical_id) not in only:
                    continue
                for rule in _RULES_BY_TYPE.get(resource.type, ()):
                    findings.extend(self._findings(rule, resource, acknowledged))
        return findings

    def _findings(
        self, rule: FintechRule, resource: Resource, acknowledged: Acknowledged
    ) -> Iterator[Finding]:
        rule_id = f"{PACK_NAME}-{rule.suffix}"
        severity = "error" if rule.level == NagMessageLevel.ERROR else "warning"
        try:
            result = rule.check(resource)
        except Exception as error:  # what a rule cannot read fails closed, acknowledgeable
            if rule_id not in acknowledged(resource):
                detail = str(error) if self._verbose else _RULE_ERROR_TERSE
                yield Finding(rule_id, f"{RULE_ERROR} {detail}", severity, resource)
            return
        if result == NagRuleCompliance.NON_COMPLIANT:
            ids = [rule_id]
        elif isinstance(result, list):
            ids = [f"{rule_id}[{finding}]" for finding in result]
        else:
            return
        description = f"{rule.info} {rule.explanation}" if self._verbose else rule.info
        yield from (
            Finding(finding_id, description, severity, resource)
            for finding_id in ids
            if finding_id not in acknowledged(resource)
        )

    @staticmethod
    def _report(
        findings: Sequence[Finding], locate: Callable[[Resource], PolicyViolatingResource]
    ) -> PolicyValidationPluginReport:
        """One violation per rule id, with every resource it was found on (cdk-nag's shape)."""
        grouped: dict[str, list[Finding]] = {}
        for finding in findings:
            grouped.setdefault(finding.rule_id, []).append(finding)
        violations = [
            PolicyViolation(
                rule_name=rule_id,
                description=group[0].description,
                severity=group[0].severity,
                violating_resources=[locate(finding.resource) for finding in group],
            )
            for rule_id, group in grouped.items()
        ]
        return PolicyValidationPluginReport(success=not violations, violations=violations)
