"""What a guardrail-exempt role runs, and what the landing zone owns, has a protected name.

The guardrails (SCPs) exempt roles by name (the landing-zone prefix, ``lz-`` by default, and
the deployment roles such as ``stacksets-exec-*``) and protect resources by name: only
landing-zone principals may change ``function:<prefix>*``, ``policy/<prefix>*`` and the like.
Anything an exempt role runs or is granted under another name is an escape: an account
administrator rewrites the function's code, or writes a new default version of the policy, and
acts with the role's exemptions.

Findings:

- ``GeneratedName`` on a Lambda function or Step Functions state machine whose role is exempt,
  or on a customer managed policy attached (``Roles``) to an exempt role, without a name;
  ``OutsidePrefix::<name>`` when named outside the prefix.
- ``ManagedPolicy::<policy>`` on an exempt role whose ``ManagedPolicyArns`` lists a customer
  managed policy outside the prefix (AWS managed policies, ``arn:<partition>:iam::aws:policy/``,
  cannot be changed by an account and pass).
- ``GeneratedName`` on a resource of a protected kind (function, role, managed policy, event
  rule, topic, alarm, metric filter, log group, queue, state machine, Config rule) without a
  name, in a landing-zone stack: one marked with ``landing_zone.common.ProtectedNamespace``.
  The landing zone marks its stacks; the other stacks of a library user's app are the user's,
  whose generated names are theirs to choose, so a mark (not a guess from the roles a stack
  holds: a workload stack may hold a deployment role) decides. The first two checks apply in
  every stack: an exempt role is an escape route wherever it is.

The prefix and the exempt role names come from the stack's ``ProtectedNamespace`` mark, else
the guardrails' defaults. Role references are read from the template: ``Fn::GetAtt`` of a role
of the stack, or an ARN; a role or a name given by another intrinsic (a parameter) cannot be
read, and the rule does not pass it (TypeError).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import as_list, get_property, is_intrinsic
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource, Template

NAME_PROPERTIES = {
    "AWS::Lambda::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Events::Rule": "Name",
    "AWS::SNS::Topic": "TopicName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::CompositeAlarm": "AlarmName",
    "AWS::Logs::MetricFilter": "FilterName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::Config::ConfigRule": "ConfigRuleName",
}
"""The protected kinds and the property that names each."""

RESOURCE_TYPES = frozenset(NAME_PROPERTIES)

_RUN_AS = {"AWS::Lambda::Function": "Role", "AWS::StepFunctions::StateMachine": "RoleArn"}
"""What runs as a role, and the property that names the role."""

_EXEMPT_ROLE_LINKS = frozenset({*_RUN_AS, "AWS::IAM::ManagedPolicy", "AWS::IAM::Role"})
"""Kinds that link a role to what it runs or is granted: checked in every stack."""

GENERATED = "GeneratedName"
_NO_VALUE = {"Ref": "AWS::NoValue"}
_AWS_MANAGED = ":iam::aws:policy/"


@dataclass(frozen=True)
class _Namespace:
    """What the rule knows about one template, read once per template."""

    prefix: str
    exempt_role_names: tuple[str, ...]
    role_names: Mapping[str, str | None]
    """Logical id of each role of the template: its name, None when generated."""
    policy_names: Mapping[str, str | None]
    """Logical id of each customer managed policy of the template: its name, None when
    generated."""
    landing_zone: bool

    def exempt(self, role_name: str | None) -> bool:
        if role_name is None:
            return False
        return role_name.startswith(self.prefix) or any(
            fnmatchcase(role_name, pattern) for pattern in self.exempt_role_names
        )

    def outside(self, name: str | None) -> str | None:
        """The finding for the name of something an exempt role runs or is granted."""
        if name is None:
            return GENERATED
        return None if name.startswith(self.prefix) else f"OutsidePrefix::{name}"


def _namespace(template: Template) -> _Namespace:
    """The template's stack mark, and the names of its roles and customer managed policies.

    A role or policy whose name cannot be read makes every check of the template raise
    (TypeError): an exempt role could hide behind it.
    """
    mark = template.stack_mark()
    roles: dict[str, str | None] = {}
    policies: dict[str, str | None] = {}
    for resource in template:
        kind = resource.type
        if kind not in ("AWS::IAM::Role", "AWS::IAM::ManagedPolicy"):
            continue
        name = _name(resource, NAME_PROPERTIES[kind])
        (roles if kind == "AWS::IAM::Role" else policies)[resource.logical_id] = name
    return _Namespace(
        mark.prefix, mark.exempt_role_names, roles, policies, landing_zone=mark.landing_zone
    )


def _name(resource: Resource, name_property: str) -> str | None:
    """The name as written (``Fn::Join`` and ``Fn::Sub`` rendered with ``${...}`` for
    references), or None when CloudFormation generates it."""
    value = get_property(resource.properties, name_property)
    if value is None or value == _NO_VALUE:
        return None
    return _text(value, name_property)


def _text(value: Any, what: str) -> str:
    if isinstance(value, str):
        return value
    if is_intrinsic(value):
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(_part(part, what) for part in parts)
        if "Fn::Sub" in value:
            template = value["Fn::Sub"]
            return str(template[0] if isinstance(template, list) else template)
    raise TypeError(f"cannot read {what}: {value!r}")


def _part(value: Any, what: str) -> str:
    if is_intrinsic(value) and "Ref" in value:
        return "${" + str(value["Ref"]) + "}"
    if is_intrinsic(value) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return "${" + (".".join(target) if isinstance(target, list) else str(target)) + "}"
    return _text(value, what)


def _role_name(namespace: _Namespace, reference: Any) -> str | None:
    """The name of the role ``reference`` (``Fn::GetAtt`` ``Arn``, ``Ref`` or an ARN) names."""
    if reference is None:
        return None
    if is_intrinsic(reference) and "Fn::GetAtt" in reference:
        target = reference["Fn::GetAtt"]
        logical_id = target[0] if isinstance(target, list) else str(target).split(".", 1)[0]
        return namespace.role_names.get(logical_id)
    if is_intrinsic(reference) and "Ref" in reference:
        logical_id = str(reference["Ref"])
        if logical_id in namespace.role_names:
            return namespace.role_names[logical_id]
    arn = _text(reference, "the role")
    return arn.rsplit("/", 1)[-1] if ":role/" in arn else arn


def protected_namespace(resource: Resource) -> RuleResult:
    """Findings on what an exempt role runs or is granted, and on generated names of the
    landing zone's protected kinds."""
    resource_type = resource.type
    if resource_type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    template = resource.template
    namespace = template.cached(_namespace, lambda: _namespace(template))
    if not namespace.landing_zone and resource_type not in _EXEMPT_ROLE_LINKS:
        return NagRuleCompliance.COMPLIANT
    properties = resource.properties
    name = _name(resource, NAME_PROPERTIES[resource_type])
    findings: list[str] = []
    if resource_type in _RUN_AS:
        role = _role_name(namespace, get_property(properties, _RUN_AS[resource_type]))
        if namespace.exempt(role) and (finding := namespace.outside(name)) is not None:
            findings.append(finding)
    elif resource_type == "AWS::IAM::ManagedPolicy":
        roles = as_list(get_property(properties, "Roles"))
        if (
            any(namespace.exempt(_role_name(namespace, role)) for role in roles)
            and (finding := namespace.outside(name)) is not None
        ):
            findings.append(finding)
    elif resource_type == "AWS::IAM::Role" and namespace.exempt(name):
        findings.extend(
            f"ManagedPolicy::{policy}"
            for arn in as_list(get_property(properties, "ManagedPolicyArns"))
            if (policy := _outside_policy(namespace, arn)) is not None
        )
    if name is None and namespace.landing_zone and GENERATED not in findings:
        findings.append(GENERATED)
    return findings or NagRuleCompliance.COMPLIANT


def _outside_policy(namespace: _Namespace, arn: Any) -> str | None:
    """How to name the managed policy ``arn`` in a finding, when it is a customer managed
    policy outside the prefix."""
    if is_intrinsic(arn) and "Ref" in arn and str(arn["Ref"]) in namespace.policy_names:
        logical_id = str(arn["Ref"])
        return None if namespace.outside(namespace.policy_names[logical_id]) is None else logical_id
    text = _text(arn, "ManagedPolicyArns")
    if _AWS_MANAGED in text:
        return None
    name = text.rsplit("/", 1)[-1]
    return None if name.startswith(namespace.prefix) else text


PROTECTED_NAMESPACE = FintechRule(
    suffix="ProtectedNamespace",
    info=(
        "A guardrail-exempt role (named with the landing-zone prefix or as a deployment role) "
        "runs a Lambda function, or has a customer managed policy, whose name is generated or "
        "outside the prefix; or a function, role, managed policy, rule, topic, alarm, metric "
        "filter, log group, queue, state machine or Config rule of a landing-zone stack has a "
        "generated name."
    ),
    explanation=(
        "The guardrails exempt the landing zone's roles by name and protect its resources by "
        "name (<prefix>*). A function an exempt role runs under another name can be rewritten, "
        "and a policy attached to it given a new default version, by any account "
        "administrator, who then acts as the exempt role: turning off S3 Block Public Access "
        "or GuardDuty in every account. A generated name cannot be protected by an SCP at all. "
        "Name it under the prefix (AwsSdkCallHandler function_name and policy_name), or mark "
        "the stack's ProtectedNamespace with the prefix in use (PCI DSS 7.2, 10.3.2; NIST AC-6, "
        "AU-9, CM-5)."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=protected_namespace,
)
