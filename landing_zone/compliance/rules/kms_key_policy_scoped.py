"""KMS key policies must name each principal's actions and scope any wildcard principal.

Non-compliant when a statement that allows (anything but an explicit Deny):

- grants every KMS action to any principal, the account root included: an ``Action`` pattern
  that covers ``kms:*`` (``kms:*``, ``*``, ``KMS:*``, ``k*``), or an allowed ``NotAction`` that
  does not list it; or
- trusts everyone without a ``Condition``: ``Principal`` ``*``, ``*`` under a principal type
  (``{"AWS": "*"}``, ``{"AWS": ["111111111111", "*"]}``), or an allowed ``NotPrincipal``. Any
  condition passes: whether it truly scopes the statement (``kms:CallerAccount``,
  ``aws:PrincipalOrgID``) is for the reviewer of the policy.

The account root is not exempt. ``kms:*`` for ``arn:aws:iam::<account>:root`` is the one
statement of KMS's default key policy, which CloudFormation applies when ``KeyPolicy`` is absent
(it is optional), and CDK's ``kms.Key`` writes that statement itself when given no ``policy``: any
IAM principal of the account that an identity policy allows may then decrypt, create grants and
rewrite the key policy. A key without ``KeyPolicy`` is therefore non-compliant. Give the account
root the administration actions only and name each use, as the landing zone's own keys do
(``landing_zone.common.key_policy``).

A principal given by an intrinsic (``Fn::GetAtt`` of a role, ``Fn::Join`` of an account ARN)
names one principal; ``Fn::If`` may yield ``*``. A key policy, action or condition the rule
cannot read it does not pass (TypeError).
"""

import json
from typing import Any

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import (
    as_list,
    deploys_a_value,
    get_property,
    principal_is_everyone,
    statement_allows,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = frozenset({"AWS::KMS::Key"})

ALL_KMS_ACTIONS = "kms:*"


def kms_key_policy_scoped(resource: Resource) -> RuleResult:
    """Compliant when a key policy is set and none of its allowed statements grants ``kms:*``
    or trusts everyone without a condition."""
    if resource.type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    document = get_property(resource.properties, "KeyPolicy")
    if not deploys_a_value(document, "KeyPolicy"):
        return NagRuleCompliance.NON_COMPLIANT
    if isinstance(document, str):
        # CloudFormation also takes the key policy as a JSON string.
        document = json.loads(document)
    scoped = not any(_too_broad(statement) for statement in _allowed_statements(document))
    return NagRuleCompliance.COMPLIANT if scoped else NagRuleCompliance.NON_COMPLIANT


def _allowed_statements(document: Any) -> list[Any]:
    # Anything but an explicit Deny grants, so an unreadable Effect cannot slip through.
    return [
        statement
        for statement in as_list(get_property(document, "Statement"))
        if get_property(statement, "Effect") != "Deny"
    ]


def _too_broad(statement: Any) -> bool:
    # Both are read, so an unreadable principal fails whatever the actions are.
    everyone = _trusts_everyone(statement) and not _has_condition(statement)
    return statement_allows(statement, ALL_KMS_ACTIONS) or everyone


def _trusts_everyone(statement: Any) -> bool:
    """Whether the statement has a NotPrincipal, or a Principal of ``*`` alone or under a
    principal type."""
    if get_property(statement, "NotPrincipal") is not None:
        return True
    return principal_is_everyone(get_property(statement, "Principal"))


def _has_condition(statement: Any) -> bool:
    condition = get_property(statement, "Condition")
    return deploys_a_value(condition, "Condition") and bool(condition)


KMS_KEY_POLICY_SCOPED = FintechRule(
    suffix="KmsKeyPolicyScoped",
    info=(
        "The KMS key has no KeyPolicy, so KMS's default one gives the account root kms:*, or "
        "its key policy allows kms:* (also '*' or a NotAction) to a principal, the account root "
        "included, or allows '*' or a NotPrincipal without a Condition (in CDK: "
        "kms.Key(policy=iam.PolicyDocument(...)) naming the actions of each principal)."
    ),
    explanation=(
        "kms:* includes kms:Decrypt, kms:CreateGrant and kms:PutKeyPolicy. Given to the account "
        "root, as KMS's and CDK's default key policies do, it lets every IAM principal of the "
        "account whose identity policy allows it decrypt all data under the key, hand the key "
        "to others through grants, or rewrite the key policy; a wildcard principal without a "
        "condition opens the key to every AWS account. Access to cryptographic keys is "
        "restricted to the fewest custodians and uses necessary (PCI DSS 3.6.1, 7.2.2; NIST "
        "SC-12, AC-3, AC-6)."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=kms_key_policy_scoped,
)
