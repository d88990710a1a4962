"""A CI/CD deploy role that only an OIDC web identity can assume: GitHub Actions by default.

``GitHubOidcProvider`` registers GitHub's token issuer with IAM; ``PipelineDeployRole`` trusts
exact workflow subjects of one repository (branches and/or deployment environments), never a
pattern, and always carries a permissions boundary.

The validation functions are module-level, named ``validate_<prop>(field, value)``, so that the
config layer can run the same checks and report the config path in ``field``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.patterns import ACCOUNT_ID
from landing_zone.common.tokens import is_unresolved

GITHUB_ISSUER_HOST = "token.actions.githubusercontent.com"
"""Host of GitHub Actions' OIDC token issuer, which prefixes its IAM condition keys."""

STS_AUDIENCE = "sts.amazonaws.com"
"""Audience that ``aws-actions/configure-aws-credentials`` requests for its tokens by default."""

CDK_DEFAULT_QUALIFIER = "hnb659fds"
"""Qualifier of the CDK bootstrap stack unless ``cdk bootstrap --qualifier`` chose another."""

CDK_BOOTSTRAP_ROLES = ("deploy", "file-publishing", "image-publishing", "lookup")
"""Bootstrap roles the CDK CLI assumes to deploy: named ``cdk-<qualifier>-<kind>-role-<account>-
<region>`` and tagged ``aws-cdk:bootstrap-role=<kind>`` by the bootstrap template."""

MAX_CDK_TARGET_ACCOUNTS = 16
"""Most accounts whose bootstrap roles fit one managed policy: IAM takes at most 6,144
characters, and each account adds four role ARNs of up to 89 characters."""

_WILDCARDS = ("*", "?")
_REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,38}/[A-Za-z0-9._-]{1,100}")
# git check-ref-format: no control characters, space, ~ ^ : ? * [ \ or "..", "@{", "//"; no
# component that starts with "." or ends with ".lock"; not "@"; and git branch refuses a
# leading "-".
_BAD_BRANCH = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|^[/.-]|[/.]$|/\.|\.lock(/|$)|^@$")
_LABEL = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
_ISSUER_HOST = re.compile(rf"{_LABEL}(\.{_LABEL})+(/[A-Za-z0-9._~-]+)*")
_CDK_QUALIFIER = re.compile(r"[A-Za-z0-9_-]{1,10}")


class GitHubOidcProvider(Construct):
    """The IAM OIDC identity provider for GitHub Actions tokens (a native
    ``AWS::IAM::OIDCProvider``, not the Lambda-backed ``iam.OpenIdConnectProvider``).

    IAM holds one provider per issuer URL in an account, and IAM is global: create it once per
    account, in one stack of one region (never in a template deployed to several regions), and
    pass ``provider`` to every ``PipelineDeployRole`` of the account. Where a provider for the
    issuer already exists, import it with ``iam.OidcProviderNative.from_oidc_provider_arn``
    instead. No certificate thumbprint is pinned: IAM obtains what it needs from the issuer.
    Deleting the construct deletes the provider, and every role trusting it stops working.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, audience: str = STS_AUDIENCE
    ) -> None:
        """
        :param audience: The client id (``aud`` claim) tokens must carry. Default:
            ``sts.amazonaws.com``, what ``aws-actions/configure-aws-credentials`` requests.
        """
        super().__init__(scope, construct_id)
        self.issuer_host = GITHUB_ISSUER_HOST
        """The issuer as IAM condition keys name it, for ``PipelineDeployRole.issuer_host``."""
        self.provider = iam.OidcProviderNative(
            self,
            "Resource",
            url=f"https://{GITHUB_ISSUER_HOST}",
            client_ids=[validate_audience("audience", audience)],
        )
        """The account's IAM OIDC identity provider for GitHub Actions."""


class PipelineDeployRole(Construct):
    """An IAM role for one repository's CI/CD workflows, reachable only through OIDC web
    identity (``sts:AssumeRoleWithWebIdentity``) from the given provider.

    The trust policy pins the token's audience and lists the exact subjects allowed
    (``StringEquals``, no pattern): ``repo:OWNER/NAME:ref:refs/heads/BRANCH`` for a job on a
    branch without an environment, ``repo:OWNER/NAME:environment:NAME`` for a job that names
    a deployment environment (GitHub then puts the environment in the subject instead of the
    branch). This is GitHub's default subject format: a repository or organization that
    customizes its subject claim needs other subjects. Matching is case-sensitive, so names must
    be given exactly as GitHub sends them. IAM limits a trust policy to 2,048 characters
    unless the quota is raised, which leaves room for about 30 subjects.

    The role has no password and no login profile, so nobody signs in to the console as it.
    What IAM cannot stop is a holder of its session credentials turning them into a console
    session through the federation endpoint (``getSigninToken``): that endpoint is not an IAM
    action a policy could deny. Such a session has exactly the role's permissions, no more, and
    lasts at most ``max_session_duration_hours``. ``sts:GetFederationToken`` needs IAM user
    credentials, so a role session cannot call it either way.

    IAM roles are global: deploy the construct in one region per account.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        provider: iam.IOidcProvider,
        repository: str,
        permissions_boundary: iam.IManagedPolicy,
        branches: Sequence[str] = (),
        environments: Sequence[str] = (),
        issuer_host: str = GITHUB_ISSUER_HOST,
        audience: str = STS_AUDIENCE,
        managed_policies: Sequence[iam.IManagedPolicy] = (),
        policy_document: iam.PolicyDocument | None = None,
        cdk_target_accounts: Sequence[str] = (),
        cdk_bootstrap_qualifier: str = CDK_DEFAULT_QUALIFIER,
        max_session_duration_hours: int = 1,
        role_name: str | None = None,
        cdk_bootstrap_policy_name: str | None = None,
    ) -> None:
        """
        :param provider: The account's IAM OIDC provider for the issuer, such as
            ``GitHubOidcProvider(...).provider`` or one imported by ARN.
        :param repository: ``OWNER/NAME`` of the repository whose workflows may assume the
            role, without wildcards.
        :param permissions_boundary: The most the role may ever do, whatever policies it gets
            later. Required: a deploy role is a standing path into the account.
        :param branches: Branches whose jobs (without an environment) may assume the role, by
            name (``main``, not ``refs/heads/main``). Default: none. At least one branch or
            environment is required.
        :param environments: GitHub deployment environments whose jobs may assume the role;
            protect them with required reviewers or branch rules in GitHub. Default: none.
        :param issuer_host: The issuer as it prefixes IAM condition keys: the provider's URL
            without ``https://``. Default: GitHub Actions' ``token.actions.githubusercontent.com``.
        :param audience: The ``aud`` claim tokens must carry, one of the provider's client ids.
            Default: ``sts.amazonaws.com``.
        :param managed_policies: Customer managed policies of what the pipeline may do.
            Default: none.
        :param policy_document: Further permissions, attached as a customer managed policy of
            this construct (the PCI DSS and NIST packs reject inline policies). Default: none.
        :param cdk_target_accounts: Accounts the pipeline deploys to with the CDK CLI: the role
            may assume their CDK bootstrap roles (deploy, file and image publishing, lookup) in
            any region, and nothing else there. Each account's bootstrap roles must trust this
            role: in production accounts by its exact ARN (``trusted_roles_bootstrap_template``;
            ``scripts/bootstrap_templates.py`` writes one per production target), elsewhere
            ``--trust`` of its account will do. At most 16. Default: none.
        :param cdk_bootstrap_qualifier: Qualifier of those bootstrap stacks. Default:
            ``hnb659fds``, the CDK default.
        :param max_session_duration_hours: Longest session, from 1 to 12 hours. Default: 1.
        :param role_name: Name of the role. Default: a name CloudFormation generates.
        :param cdk_bootstrap_policy_name: Name of the managed policy that lets the role assume
            the bootstrap roles; under the guardrails' protected prefix, only the landing zone
            can give it a new version. Default: a name CloudFormation generates.

        At least one of ``managed_policies``, ``policy_document`` and ``cdk_target_accounts``
        must grant something.
        """
        super().__init__(scope, construct_id)
        if permissions_boundary is None:
            raise ValueError(
                "permissions_boundary: got None; allowed: an iam.IManagedPolicy that caps what "
                "the deploy role may do"
            )
        if not (managed_policies or policy_document is not None or cdk_target_accounts):
            raise ValueError(
                "managed_policies, policy_document, cdk_target_accounts: got none; allowed: at "
                "least one, so that the role can deploy something"
            )
        issuer_host = validate_issuer_host("issuer_host", issuer_host)
        provider_issuer = provider.oidc_provider_issuer
        if not is_unresolved(provider_issuer) and provider_issuer != issuer_host:
            raise ValueError(
                f"issuer_host: got {issuer_host!r}; allowed: {provider_issuer!r}, the issuer of "
                "provider"
            )
        audience = validate_audience("audience", audience)
        self.subjects = github_subjects(repository, branches, environments)
        """The exact ``sub`` claims the trust policy accepts."""
        hours = validate_max_session_duration_hours(
            "max_session_duration_hours", max_session_duration_hours
        )
        accounts = validate_cdk_target_accounts("cdk_target_accounts", cdk_target_accounts)
        qualifier = validate_cdk_bootstrap_qualifier(
            "cdk_bootstrap_qualifier", cdk_bootstrap_qualifier
        )

        self.role = iam.Role(
            self,
            "Resource",
            assumed_by=iam.OpenIdConnectPrincipal(
                provider,
                {
                    "StringEquals": {
                        f"{issuer_host}:aud": audience,
                        f"{issuer_host}:sub": list(self.subjects),
                    }
                },
            ),
            description=f"CI/CD deployments of GitHub repository {repository}, through OIDC",
            permissions_boundary=permissions_boundary,
            managed_policies=list(managed_policies),
            max_session_duration=Duration.hours(hours),
            role_name=role_name,
        )
        """The deploy role, assumable only through the OIDC provider by the allowed repository
        refs and environments."""
        self.role_arn = self.role.role_arn
        """The deploy role's ARN (a token)."""

        self.policy: iam.ManagedPolicy | None = None
        """The managed policy of ``policy_document``; ``None`` without one."""
        if policy_document is not None:
            self.policy = iam.ManagedPolicy(
                self, "Policy", roles=[self.role], document=policy_document
            )

        self.cdk_bootstrap_policy: iam.ManagedPolicy | None = None
        """The policy that lets the role assume the CDK bootstrap roles of ``accounts``; ``None``
        without accounts."""
        if accounts:
            self.cdk_bootstrap_policy = self._cdk_bootstrap_policy(
                accounts, qualifier, cdk_bootstrap_policy_name
            )

    def _cdk_bootstrap_policy(
        self, accounts: Sequence[str], qualifier: str, name: str | None
    ) -> iam.ManagedPolicy:
        # Bootstrap role names end with the region, which the ARN leaves open; the account and
        # the kind of role are fixed, and the tag condition admits only roles the bootstrap
        # template made (never its cfn-exec role, which only CloudFormation may assume).
        role_names = [
            f"{account}:role/cdk-{qualifier}-{kind}-role-{account}-*"
            for account in accounts
            for kind in CDK_BOOTSTRAP_ROLES
        ]
        policy = iam.ManagedPolicy(
            self,
            "CdkBootstrapRoles",
            managed_policy_name=name,
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="AssumeCdkBootstrapRoles",
                    actions=["sts:AssumeRole"],
                    resources=[f"arn:{pseudo.PARTITION}:iam::{name}" for name in role_names],
                    conditions={
                        "StringEquals": {
                            "iam:ResourceTag/aws-cdk:bootstrap-role": list(CDK_BOOTSTRAP_ROLES)
                        }
                    },
                )
            ],
        )
        Validations.of(policy).acknowledge(
            *(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::{name}]",
                    reason=(
                        "CDK bootstrap role names end with the region they serve; the account "
                        "and the kind of role are fixed, and the aws-cdk:bootstrap-role tag "
                        "condition admits only the deploy, publishing and lookup roles."
                    ),
                )
                for name in role_names
            )
        )
        return policy


class CdkDeployBoundary(Construct):
    """A permissions boundary for a CDK deploy role: it may assume the CDK bootstrap roles of
    its target accounts and nothing else, whatever policies are attached to the role later.

    A boundary is a ceiling, not a grant: ``PipelineDeployRole`` itself names each bootstrap
    role kind and requires the bootstrap tag; the boundary keeps the role inside the target
    accounts' ``cdk-<qualifier>-*`` roles, so neither IAM, Organizations nor data in the role's
    own account is reachable through it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        target_accounts: Sequence[str],
        cdk_bootstrap_qualifier: str = CDK_DEFAULT_QUALIFIER,
        policy_name: str | None = None,
    ) -> None:
        """
        :param target_accounts: Accounts whose CDK bootstrap roles are within the boundary.
        :param cdk_bootstrap_qualifier: Qualifier of their bootstrap stacks. Default:
            ``hnb659fds``.
        :param policy_name: Name of the boundary policy; under the guardrails' protected
            prefix, only the landing zone can widen it. Default: a name CloudFormation
            generates.
        """
        super().__init__(scope, construct_id)
        accounts = validate_cdk_target_accounts("target_accounts", target_accounts)
        if not accounts:
            raise ValueError("target_accounts: got none; allowed: at least one account id")
        qualifier = validate_cdk_bootstrap_qualifier(
            "cdk_bootstrap_qualifier", cdk_bootstrap_qualifier
        )
        names = [f"{account}:role/cdk-{qualifier}-*" for account in accounts]
        self.policy = iam.ManagedPolicy(
            self,
            "Resource",
            managed_policy_name=policy_name,
            description="Permissions boundary of a CI/CD deploy role: CDK bootstrap roles only",
            statements=[
                iam.PolicyStatement(
                    sid="AssumeTargetAccountCdkRoles",
                    actions=["sts:AssumeRole"],
                    resources=[f"arn:{pseudo.PARTITION}:iam::{name}" for name in names],
                )
            ],
        )
        """The managed policy that is the boundary, named ``policy_name``."""
        Validations.of(self.policy).acknowledge(
            *(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::{name}]",
                    reason=(
                        "A permissions boundary is a ceiling, not a grant: the role's own "
                        "policy names each bootstrap role kind and requires its "
                        "aws-cdk:bootstrap-role tag; the boundary keeps the role inside the "
                        "target accounts' CDK roles whatever is attached to it later."
                    ),
                )
                for name in names
            )
        )


def github_subjects(
    repository: str, branches: Sequence[str], environments: Sequence[str]
) -> tuple[str, ...]:
    """The ``sub`` claims GitHub Actions sends for jobs of ``repository`` on ``branches``
    (without an environment) and for jobs in ``environments``, each value checked first."""
    repository = validate_repository("repository", repository)
    branches = validate_branches("branches", branches)
    environments = validate_environments("environments", environments)
    if not branches and not environments:
        raise ValueError(
            "branches, environments: both are empty; allowed: at least one branch or "
            "environment whose jobs may assume the role"
        )
    return (
        *(f"repo:{repository}:ref:refs/heads/{branch}" for branch in branches),
        *(f"repo:{repository}:environment:{environment}" for environment in environments),
    )


def validate_repository(field: str, value: str) -> str:
    """``value`` if it is an exact GitHub ``OWNER/NAME``."""
    _literal_without_wildcards(field, value, "an exact 'owner/name' repository")
    name = value.partition("/")[2]
    if not _REPOSITORY.fullmatch(value) or name in (".", ".."):
        raise ValueError(
            f"{field}: {value!r} is not a GitHub repository; allowed: 'owner/name', the owner "
            "1 to 39 letters, digits, '-' or '_' not starting with '-' or '_', the name 1 to "
            "100 letters, digits, '.', '-' or '_'"
        )
    return value


def validate_branches(field: str, values: Sequence[str]) -> tuple[str, ...]:
    """Distinct branch names that git accepts, without wildcards or a ``refs/`` prefix."""
    return _distinct(field, values, _validate_branch)


def validate_environments(field: str, values: Sequence[str]) -> tuple[str, ...]:
    """Distinct GitHub deployment environment names, without wildcards."""
    return _distinct(field, values, _validate_environment)


def validate_issuer_host(field: str, value: str) -> str:
    """``value`` if it is an issuer as IAM condition keys name it: host and optional path."""
    _literal_without_wildcards(field, value, "an issuer host such as " + repr(GITHUB_ISSUER_HOST))
    if not _ISSUER_HOST.fullmatch(value):
        raise ValueError(
            f"{field}: {value!r} is not an issuer host; allowed: the provider's URL without "
            f"'https://', such as {GITHUB_ISSUER_HOST!r}"
        )
    return value


def validate_audience(field: str, value: str) -> str:
    """``value`` if it is an exact audience (client id) of at most 255 characters."""
    _literal_without_wildcards(field, value, "an exact audience such as " + repr(STS_AUDIENCE))
    if not 0 < len(value) <= 255 or value != value.strip():
        raise ValueError(
            f"{field}: got {value!r}; allowed: 1 to 255 characters without surrounding spaces"
        )
    return value


def validate_cdk_target_accounts(field: str, values: Sequence[str]) -> tuple[str, ...]:
    """At most :data:`MAX_CDK_TARGET_ACCOUNTS` distinct 12-digit account ids."""
    accounts = _distinct(field, values, _validate_account_id)
    if len(accounts) > MAX_CDK_TARGET_ACCOUNTS:
        raise ValueError(
            f"{field}: got {len(accounts)} accounts; allowed: at most {MAX_CDK_TARGET_ACCOUNTS}, "
            "as their bootstrap role ARNs must fit one managed policy (6,144 characters); use "
            "one deploy role per group of accounts"
        )
    return accounts


def validate_cdk_bootstrap_qualifier(field: str, value: str) -> str:
    """``value`` if the CDK bootstrap template accepts it as a qualifier."""
    if is_unresolved(value) or not _CDK_QUALIFIER.fullmatch(value):
        raise ValueError(
            f"{field}: got {value!r}; allowed: 1 to 10 letters, digits, '-' or '_' (the "
            "bootstrap template's Qualifier), known at synth"
        )
    return value


def validate_max_session_duration_hours(field: str, value: int) -> int:
    """``value`` if IAM accepts it as a role's maximum session duration in hours (1 to 12)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
        raise ValueError(f"{field}: got {value!r}; allowed: an integer from 1 to 12")
    return value


def _literal_without_wildcards(field: str, value: Any, allowed: str) -> None:
    """Reject what is not a string known at synth, and strings with an IAM wildcard: the trust
    policy is only as narrow as the values checked here."""
    if not isinstance(value, str) or is_unresolved(value):
        raise ValueError(f"{field}: got {value!r}; allowed: {allowed}, known at synth")
    wildcards = [wildcard for wildcard in _WILDCARDS if wildcard in value]
    if wildcards:
        raise ValueError(
            f"{field}: {value!r} contains the wildcard {wildcards[0]!r}; allowed: {allowed}, "
            "as the trust policy admits exact subjects only"
        )


def _validate_branch(field: str, value: str) -> None:
    _literal_without_wildcards(field, value, "an exact branch name such as 'main'")
    if value.startswith("refs/"):
        raise ValueError(
            f"{field}: got {value!r}; allowed: the branch name without 'refs/heads/', such as "
            "'main'"
        )
    if not value or _BAD_BRANCH.search(value):
        raise ValueError(
            f"{field}: {value!r} is not a branch name git accepts; allowed: no spaces or any of "
            "~ ^ : [ \\, no '..', '//' or '@{', not starting with '/', '.' or '-', not ending "
            "with '/', '.' or '.lock'"
        )


def _validate_environment(field: str, value: str) -> None:
    _literal_without_wildcards(field, value, "an exact environment name such as 'production'")
    if not 0 < len(value) <= 255 or value != value.strip() or not value.isprintable():
        raise ValueError(
            f"{field}: got {value!r}; allowed: a GitHub environment name of 1 to 255 printable "
            "characters without surrounding spaces"
        )


def _validate_account_id(field: str, value: str) -> None:
    if not isinstance(value, str) or is_unresolved(value) or not ACCOUNT_ID.fullmatch(value):
        raise ValueError(f"{field}: got {value!r}; allowed: a 12-digit account id known at synth")


def _distinct(
    field: str, values: Sequence[str], validate: Callable[[str, str], None]
) -> tuple[str, ...]:
    if isinstance(values, str):
        raise ValueError(f"{field}: got the string {values!r}; allowed: a list of strings")
    for index, value in enumerate(values):
        validate(f"{field}[{index}]", value)
    duplicates = sorted({value for value in values if list(values).count(value) > 1})
    if duplicates:
        raise ValueError(f"{field}: {duplicates} appear more than once; allowed: each once")
    return tuple(values)
