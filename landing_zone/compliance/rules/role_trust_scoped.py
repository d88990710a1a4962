"""IAM role trust policies must name who may assume the role: no wildcard, no unscoped token.

Findings, for each statement that allows (anything but an explicit Deny):

- ``Principal::*``: the statement trusts ``*``, alone or under a principal type
  (``{"AWS": "*"}``, ``{"AWS": ["111111111111", "*"]}``). Conditions are not weighed: whether
  ``aws:PrincipalOrgID`` or ``aws:SourceAccount`` truly scopes the statement is for a reviewer,
  who acknowledges ``Fintech-RoleTrustScoped[Principal::*]`` with the reason.
- ``NotPrincipal``: an allowed NotPrincipal trusts everyone it does not list.
- For a ``Federated`` principal allowed ``sts:AssumeRoleWithWebIdentity`` (also through
  ``sts:*``, ``*`` or an allowed NotAction that spares it): ``NoSubCondition`` or
  ``NoAudCondition`` when no scoping condition compares a key ending in ``:sub`` or ``:aud``, and
  ``Sub::<value>`` or ``Aud::<value>`` for a value that does not scope. For GitHub Actions
  (``token.actions.githubusercontent.com:sub``) a value scopes when it starts with
  ``repo:OWNER/REPO`` free of ``*`` and ``?``: any of a repository's branches, environments or
  pull requests may be trusted, never a guessed repository. For other providers the rule cannot
  tell which part names the workload, so only a value of wildcards alone is reported. Values are
  judged the same under StringEquals, where IAM reads ``*`` literally, for the policy to say what
  it means.

The audience is required because the client IDs an IAM OIDC provider accepts are set once for
every role of the account that trusts it; GitHub's and AWS's guides set ``:aud`` to
``sts.amazonaws.com`` in each trust policy. Scoping operators are StringEquals,
StringEqualsIgnoreCase and StringLike, optionally ``ForAnyValue:``. Negated operators scope
nothing; ``…IfExists`` and ``ForAllValues:`` pass a token without the claim, so they do not count.
Reported by design, to acknowledge with the reason: Amazon Cognito identity pool roles, which
scope by ``cognito-identity.amazonaws.com:aud`` (the pool) and ``:amr`` but not ``:sub``, and
providers without ``sub`` and ``aud`` keys (Login with Amazon, Facebook).

A principal given by an intrinsic (``Fn::GetAtt`` of a role, ``Fn::Join`` of an account ARN,
``Ref`` of an OIDC provider) names one principal: IAM takes ``*`` only as a whole value, and these
yield ARNs. ``Fn::If`` may yield ``*``, and a condition value or an action that is an intrinsic
cannot be compared: what the rule cannot read it does not pass (TypeError).
"""

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import (
    as_list,
    get_property,
    literal_object,
    literal_string,
    principal_is_everyone,
    statement_allows,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = frozenset({"AWS::IAM::Role"})

WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"

GITHUB_SUB_KEY = "token.actions.githubusercontent.com:sub"

_GITHUB_REPOSITORY = re.compile(r"repo:[^/:*?]+/[^/:*?]+(?::|$)")
"""The start of a GitHub ``sub`` claim that names one repository, ``repo:OWNER/REPO``."""

_SCOPING_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike"})

_REQUIRED_CLAIMS = ("Sub", "Aud")


def role_trust_scoped(resource: Resource) -> RuleResult:
    """One finding per wildcard principal, allowed NotPrincipal and unscoped web identity."""
    if resource.type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    document = get_property(resource.properties, "AssumeRolePolicyDocument")
    if isinstance(document, str):
        # CloudFormation also takes the trust policy as a JSON string.
        document = json.loads(document)
    # dict.fromkeys drops repeated findings and keeps their order, so reports are stable.
    findings = list(dict.fromkeys(_findings(document)))
    return findings or NagRuleCompliance.COMPLIANT


def _findings(document: Any) -> Iterator[str]:
    for statement in as_list(get_property(document, "Statement")):
        # Anything but an explicit Deny grants, so an unreadable Effect cannot slip through.
        if get_property(statement, "Effect") == "Deny":
            continue
        if get_property(statement, "NotPrincipal") is not None:
            yield "NotPrincipal"
        principal = get_property(statement, "Principal")
        if principal is None:
            continue
        if principal_is_everyone(principal):
            yield "Principal::*"
        if (
            isinstance(principal, Mapping)
            and get_property(principal, "Federated") is not None
            and _allows_web_identity(statement)
        ):
            yield from _web_identity_findings(statement)


def _allows_web_identity(statement: Any) -> bool:
    return statement_allows(statement, WEB_IDENTITY_ACTION)


def _web_identity_findings(statement: Any) -> Iterator[str]:
    conditions = list(_scoping_conditions(statement))
    for claim in _REQUIRED_CLAIMS:
        compared = [(key, value) for key, value in conditions if key.endswith(f":{claim.lower()}")]
        if not compared:
            yield f"No{claim}Condition"
        for key, value in compared:
            if not _scopes(key, literal_string(value)):
                yield f"{claim}::{value}"


def _scoping_conditions(statement: Any) -> Iterator[tuple[str, Any]]:
    """Each (lowercase key, value) a scoping operator of the statement compares."""
    condition = get_property(statement, "Condition")
    if condition is None:
        return
    for operator, block in literal_object(condition, "Condition").items():
        if operator.removeprefix("ForAnyValue:") not in _SCOPING_OPERATORS:
            continue
        for key, values in literal_object(block, operator).items():
            for value in as_list(values):
                yield key.lower(), value


def _scopes(key: str, value: str) -> bool:
    if key == GITHUB_SUB_KEY:
        return _GITHUB_REPOSITORY.match(value) is not None
    return bool(value.strip("*?"))


ROLE_TRUST_SCOPED = FintechRule(
    suffix="RoleTrustScoped",
    info=(
        "The IAM role's trust policy allows '*' or a NotPrincipal, or lets web identity "
        "(OIDC) tokens assume the role without StringEquals or StringLike conditions on both the "
        "provider's ':aud' and ':sub' keys, or with an ':aud' or ':sub' of wildcards only, or, "
        "for GitHub Actions, a ':sub' that does not name one repository ('repo:OWNER/REPO:...')."
    ),
    explanation=(
        "A role trusts whoever its trust policy names. '*' lets any AWS account call "
        "sts:AssumeRole, held back only by conditions a reviewer must verify. An OIDC issuer "
        "such as GitHub Actions mints tokens for every workflow of every customer: without a "
        "':sub' naming the workload, any repository on GitHub may assume the role, and without "
        "':aud' (sts.amazonaws.com, per GitHub's guide) the role takes whatever audience the "
        "account's provider is set to accept. Only named identities may reach cardholder data "
        "environments (PCI DSS 7.1, 7.2.3; NIST AC-3, AC-6, IA-8)."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=role_trust_scoped,
)
