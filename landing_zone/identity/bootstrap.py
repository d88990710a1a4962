"""One deployer: the landing zone's CDK bootstrap roles trust exactly one named role.

The landing zone deploys with its own CDK bootstrap qualifier (:data:`LANDING_ZONE_CDK_QUALIFIER`),
and the guardrails exempt its ``cdk-lzone-*`` roles: whoever can assume the deploy role deploys
anything as the ``AdministratorAccess`` execution role, SCPs or not. The CDK CLI's own bootstrap
template lets every principal of the bootstrapped account assume the deploy, publishing and
lookup roles (``Principal: {AWS: <account id>}``), and ``--trust`` adds whole other accounts.
Here those four roles are rewritten to trust one principal, the landing-zone deployer role
``<prefix>deployer`` of the management account (:class:`LandingZoneDeployer`), which only the
landing zone's own pipeline reaches, through GitHub's OIDC token for a protected deployment
environment.

:func:`landing_zone_bootstrap_template` is a pure function from the CDK CLI's template (parsed
YAML) to the customized one: the caller reads the CLI's file and writes the result
(``scripts/bootstrap_templates.py``). It fails closed: a role of the CLI's template that trusts
an AWS principal and is not one of the four it knows, or any trust that still names an account,
is an error, so a future CLI template cannot silently bring an account-wide trust back.
:func:`trusted_roles_bootstrap_template` does the same for any list of exact role ARNs: the
bootstrap of a production workload account trusts the deploy roles of its pipelines, not the
pipelines' account (``--trust``).

Why no human path: an "MFA-gated" trust (``aws:MultiFactorAuthPresent``) would match neither
Identity Center sessions, which are understood not to carry MFA in the request context (see
``PermissionSet``), nor anything but IAM users, which the guardrails deny. Emergency deployments
go through break glass, which may change the deployer's trust in the management account, and
pages the on-call on every call it makes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.patterns import ACCOUNT_ID, IAM_ROLE_NAME
from landing_zone.identity.pipeline_role import (
    CDK_BOOTSTRAP_ROLES,
    GITHUB_ISSUER_HOST,
    STS_AUDIENCE,
    github_subjects,
    validate_max_session_duration_hours,
)

LANDING_ZONE_CDK_QUALIFIER = "lzone"
"""The CDK bootstrap qualifier of the landing zone's own stacks."""

DEPLOYER_ROLE_SUFFIX = "deployer"
"""The deployer role is named ``<landing-zone role prefix>deployer`` unless told otherwise."""

BOOTSTRAP_VARIANT = "Fintech landing zone: one deployer"
"""The template's ``BootstrapVariant``: the CDK CLI refuses to overwrite a bootstrap stack of
another variant, so a plain ``cdk bootstrap`` cannot put the account-wide trust back."""

WORKLOAD_BOOTSTRAP_VARIANT = "Fintech landing zone: pipeline roles only"
"""The ``BootstrapVariant`` of a production workload account's bootstrap stack whose roles
trust the deploy roles of its pipelines alone (:func:`trusted_roles_bootstrap_template`)."""

BOOTSTRAP_ROLE_TAG = "aws-cdk:bootstrap-role"
"""Tag the CDK bootstrap template puts on each role, valued with its kind."""

TRUSTED_ACCOUNT_PARAMETERS = ("TrustedAccounts", "TrustedAccountsForLookup")
"""Parameters of the CLI's template (``--trust``, ``--trust-for-lookup``) that the customized
template keeps, as the CLI always passes them, but refuses unless empty."""


def landing_zone_bootstrap_roles(qualifier: str = LANDING_ZONE_CDK_QUALIFIER) -> tuple[str, ...]:
    """Name patterns of the bootstrap roles the deployer assumes, in any account and region."""
    return tuple(f"cdk-{qualifier}-{kind}-role-*" for kind in CDK_BOOTSTRAP_ROLES)


def landing_zone_role_pattern(qualifier: str = LANDING_ZONE_CDK_QUALIFIER) -> str:
    """Name pattern of every role of the landing zone's bootstrap stacks (``cdk-lzone-*``),
    which no job function may assume."""
    return f"cdk-{qualifier}-*"


def deployer_role_name(role_prefix: str) -> str:
    """The default name of the deployer role under the landing zone's role prefix."""
    return f"{role_prefix}{DEPLOYER_ROLE_SUFFIX}"


def deployer_role_arn(*, partition: str, management_account_id: str, role_name: str) -> str:
    """The ARN of the deployer role, as the bootstrap roles' trust names it."""
    if not ACCOUNT_ID.fullmatch(management_account_id):
        raise ValueError(
            f"management_account_id: got {management_account_id!r}; allowed: a 12-digit account id"
        )
    return f"arn:{partition}:iam::{management_account_id}:role/{validate_role_name(role_name)}"


def validate_role_name(value: str, field: str = "role_name") -> str:
    """``value`` if IAM accepts it as a role name without a path or wildcard."""
    if not isinstance(value, str) or not IAM_ROLE_NAME.fullmatch(value):
        raise ValueError(
            f"{field}: got {value!r}; allowed: an IAM role name (1 to 64 letters, digits or "
            "'+=,.@_-'), without wildcards"
        )
    return value


def partition_of(region: str) -> str:
    """The partition of ``region`` (``aws``, ``aws-cn``, ``aws-us-gov``)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@-]{1,64}", re.ASCII)


def landing_zone_bootstrap_template(
    cdk_template: Mapping[str, Any], *, deployer_role_arn: str
) -> dict[str, Any]:
    """The CDK CLI's bootstrap template with its deploy, file-publishing, image-publishing and
    lookup roles trusting ``deployer_role_arn`` alone (see
    :func:`trusted_roles_bootstrap_template`), for the landing zone's own ``lzone`` stacks."""
    if not isinstance(deployer_role_arn, str) or not _ROLE_ARN.fullmatch(deployer_role_arn):
        raise ValueError(
            f"deployer_role_arn: got {deployer_role_arn!r}; allowed: the exact ARN of one IAM "
            "role, such as 'arn:aws:iam::111111111111:role/lz-deployer'"
        )
    return trusted_roles_bootstrap_template(
        cdk_template,
        trusted_role_arns=[deployer_role_arn],
        variant=BOOTSTRAP_VARIANT,
        description=(
            "CDK bootstrap of the landing zone: its deploy, publishing and lookup roles trust "
            f"{deployer_role_arn} only"
        ),
    )


def trusted_roles_bootstrap_template(
    cdk_template: Mapping[str, Any],
    *,
    trusted_role_arns: Sequence[str],
    variant: str,
    description: str,
) -> dict[str, Any]:
    """The CDK CLI's bootstrap template with its deploy, file-publishing, image-publishing and
    lookup roles trusting exactly ``trusted_role_arns`` (``sts:AssumeRole`` without an external
    id, no ``sts:TagSession``: session tags could feed ``aws:PrincipalTag`` conditions), never
    an account, their own included.

    Also: ``--trust`` and ``--trust-for-lookup`` are refused by a template rule instead of being
    ignored in silence, and ``BootstrapVariant`` defaults to ``variant``. The execution role
    keeps its trust of the CloudFormation service alone. Raises ``ValueError`` when an ARN is not
    one exact role, when the CLI's template has another role trusting an AWS principal, misses
    one of the four, or when any role of the result would still trust an account.
    """
    arns = list(trusted_role_arns) if not isinstance(trusted_role_arns, str) else []
    bad = [arn for arn in arns if not isinstance(arn, str) or not _ROLE_ARN.fullmatch(arn)]
    if not arns or bad or len(set(arns)) != len(arns):
        raise ValueError(
            f"trusted_role_arns: got {trusted_role_arns!r}; allowed: exact IAM role ARNs, each "
            "once, such as 'arn:aws:iam::111111111111:role/lz-deployer'"
        )
    template = copy.deepcopy(dict(cdk_template))
    resources: dict[str, Any] = template.get("Resources", {})
    found: dict[str, str] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::IAM::Role":
            continue
        properties = resource.get("Properties", {})
        kind = _bootstrap_role_kind(properties)
        if kind in CDK_BOOTSTRAP_ROLES:
            properties["AssumeRolePolicyDocument"] = _roles_trust(arns)
            found[kind] = logical_id
        elif _aws_principals(properties.get("AssumeRolePolicyDocument")):
            raise ValueError(
                f"Resources.{logical_id}: the CDK bootstrap template has a role trusting an AWS "
                "principal that the landing zone does not know; allowed: only the deploy, "
                "publishing and lookup roles, which are rewritten to trust the deployer"
            )
    missing = [kind for kind in CDK_BOOTSTRAP_ROLES if kind not in found]
    if missing:
        raise ValueError(
            f"cdk_template: no role tagged {BOOTSTRAP_ROLE_TAG}={', '.join(missing)}; allowed: "
            "the CDK CLI's bootstrap template (cdk bootstrap --show-template)"
        )
    parameters = template.setdefault("Parameters", {})
    for name in TRUSTED_ACCOUNT_PARAMETERS:
        if name in parameters:
            parameters[name]["Description"] = (
                "Not used: the bootstrap roles trust named roles only; must stay empty"
            )
    if "DenyExternalId" in parameters:
        parameters["DenyExternalId"]["Description"] = (
            "Not used: the bootstrap roles always refuse an external id (no deputies)"
        )
    if "BootstrapVariant" in parameters:
        parameters["BootstrapVariant"]["Default"] = variant
    template.setdefault("Rules", {})["NamedRolesOnly"] = {
        # Fn::EachMemberEquals over a CommaDelimitedList: the CLI passes "" when --trust is not
        # given. (CloudFormation template rules, "Rule functions"; unverified against a live
        # deployment.)
        "Assertions": [
            {
                "Assert": {"Fn::EachMemberEquals": [{"Ref": name}, ""]},
                "AssertDescription": (
                    f"{name} must be empty: these bootstrap roles trust {', '.join(arns)} "
                    "and no account"
                ),
            }
            for name in TRUSTED_ACCOUNT_PARAMETERS
            if name in parameters
        ]
    }
    _drop_unused_conditions(template)
    template["Description"] = description
    account_trusts = roles_trusting_accounts(template)
    if account_trusts:
        raise ValueError(
            f"Resources: {', '.join(account_trusts)} still trust an account; allowed: the "
            "deployer role only"
        )
    return template


def roles_trusting_accounts(template: Mapping[str, Any]) -> list[str]:
    """Logical ids of the template's roles whose trust names an account rather than one role:
    an account id, an account root ARN, ``AWS::AccountId``, a parameter (``--trust``), a
    wildcard or any other expression whose value is not a role ARN known now."""
    found = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::IAM::Role":
            continue
        principals = _aws_principals(resource.get("Properties", {}).get("AssumeRolePolicyDocument"))
        if any(not (isinstance(p, str) and _ROLE_ARN.fullmatch(p)) for p in principals):
            found.append(logical_id)
    return sorted(found)


def _drop_unused_conditions(template: dict[str, Any]) -> None:
    """Remove the conditions only the replaced trusts used (``HasTrustedAccountsForLookup``,
    ``ShouldDenyExternalId``), so that linters see no dead parts."""
    conditions: dict[str, Any] = template.get("Conditions", {})
    while True:
        rest = {key: value for key, value in template.items() if key != "Conditions"}
        used = _referenced_conditions([rest, list(conditions.values())])
        unused = [name for name in conditions if name not in used]
        if not unused:
            return
        for name in unused:
            del conditions[name]


def _referenced_conditions(value: Any) -> set[str]:
    """Names of the conditions ``value`` refers to (``Fn::If`` and ``Condition``)."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "Fn::If" and isinstance(item, list) and item:
                found.add(str(item[0]))
            if key == "Condition" and isinstance(item, str):
                found.add(item)
            found |= _referenced_conditions(item)
    elif isinstance(value, list):
        for item in value:
            found |= _referenced_conditions(item)
    return found


def _bootstrap_role_kind(properties: Mapping[str, Any]) -> str | None:
    for tag in properties.get("Tags", []):
        if isinstance(tag, Mapping) and tag.get("Key") == BOOTSTRAP_ROLE_TAG:
            value = tag.get("Value")
            return value if isinstance(value, str) else None
    return None


def _roles_trust(role_arns: Sequence[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "NamedRolesOnly",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": role_arns[0] if len(role_arns) == 1 else list(role_arns)},
                # As the CLI's template does by default: the roles are not for deputies.
                "Condition": {"Null": {"sts:ExternalId": "true"}},
            }
        ],
    }


def _aws_principals(document: Any) -> list[Any]:
    """Every ``Principal.AWS`` value of a trust policy, intrinsics included (a ``Fn::If`` is
    searched in both branches), so an expression counts as an untrusted principal."""
    found: list[Any] = []

    def statements(value: Any) -> list[Any]:
        if isinstance(value, list):
            return [s for item in value for s in statements(item)]
        if isinstance(value, Mapping) and list(value) == ["Fn::If"]:
            _, when_true, when_false = value["Fn::If"]
            return statements(when_true) + statements(when_false)
        return [value] if isinstance(value, Mapping) else []

    if not isinstance(document, Mapping):
        return found
    for statement in statements(document.get("Statement", [])):
        principal = statement.get("Principal")
        if principal == "*":
            found.append("*")
        elif isinstance(principal, Mapping) and "AWS" in principal:
            value = principal["AWS"]
            found.extend(value if isinstance(value, list) else [value])
    return found


class LandingZoneDeployer(Construct):
    """The one principal the landing zone's bootstrap roles trust: a role of the management
    account that only the landing zone's pipeline can assume, through GitHub's OIDC token for
    one of ``environments`` of ``repository`` (protect them with required reviewers), and that
    can do nothing but assume the landing zone's deploy, publishing and lookup roles.

    Deploy it once, in one region of the management account, before bootstrapping: IAM refuses
    a trust policy that names a role that does not exist, and a deleted and recreated deployer
    is no longer the principal the bootstrap roles trust (IAM stores the role's unique id; IAM
    User Guide, "AWS JSON policy elements: Principal", IAM role principals); bootstrap again
    after replacing it. IAM is global: one per account.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        role_name: str,
        repository: str,
        environments: Sequence[str],
        provider: iam.IOidcProvider,
        qualifier: str = LANDING_ZONE_CDK_QUALIFIER,
        max_session_duration_hours: int = 1,
    ) -> None:
        """
        :param role_name: Name of the role, under the landing zone's role prefix (the
            guardrails protect ``<prefix>*`` roles), such as ``lz-deployer``.
        :param repository: ``OWNER/NAME`` of the landing zone's own repository.
        :param environments: GitHub deployment environments whose jobs may deploy; at least
            one. Branches are not accepted: any workflow run on a branch would get the role.
        :param provider: The management account's IAM OIDC provider for GitHub Actions.
        :param qualifier: The landing zone's CDK bootstrap qualifier. Default: ``lzone``.
        :param max_session_duration_hours: Longest session, 1 to 12. Default: 1 (the CLI
            assumes the bootstrap roles again as it needs).
        """
        super().__init__(scope, construct_id)
        if isinstance(environments, str) or not environments:
            raise ValueError(
                "environments: got none; allowed: at least one GitHub deployment environment "
                "(with required reviewers); branches are not accepted for the deployer"
            )
        self.subjects = github_subjects(repository, (), environments)
        """The exact ``sub`` claims the trust policy accepts."""
        name = validate_role_name(role_name)
        roles = landing_zone_bootstrap_roles(qualifier)
        resources = [f"arn:{pseudo.PARTITION}:iam::*:role/{role}" for role in roles]
        self.boundary = iam.ManagedPolicy(
            self,
            "Boundary",
            managed_policy_name=f"{name}-boundary",
            description="Boundary of the landing-zone deployer: its bootstrap roles only",
            statements=[
                iam.PolicyStatement(
                    sid="AssumeLandingZoneBootstrapRolesOnly",
                    actions=["sts:AssumeRole"],
                    resources=resources,
                )
            ],
        )
        """The permissions boundary of the deployer role, ``<name>-boundary``."""
        self.role = iam.Role(
            self,
            "Resource",
            role_name=name,
            assumed_by=iam.OpenIdConnectPrincipal(
                provider,
                {
                    "StringEquals": {
                        f"{GITHUB_ISSUER_HOST}:aud": STS_AUDIENCE,
                        f"{GITHUB_ISSUER_HOST}:sub": list(self.subjects),
                    }
                },
            ),
            description=f"Deploys the landing zone from {repository} through OIDC, nothing else",
            permissions_boundary=self.boundary,
            max_session_duration=Duration.hours(
                validate_max_session_duration_hours(
                    "max_session_duration_hours", max_session_duration_hours
                )
            ),
        )
        """The deployer role, named ``name``."""
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=f"{name}-policy",
            description="The landing-zone deployer assumes its bootstrap roles, nothing else",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="AssumeLandingZoneBootstrapRoles",
                    actions=["sts:AssumeRole"],
                    resources=resources,
                    # Only roles the bootstrap template made, never its cfn-exec role, which
                    # CloudFormation alone assumes.
                    conditions={
                        "StringEquals": {
                            f"iam:ResourceTag/{BOOTSTRAP_ROLE_TAG}": list(CDK_BOOTSTRAP_ROLES)
                        }
                    },
                )
            ],
        )
        """The deployer role's managed policy, ``<name>-policy``."""
        reason = (
            "Bootstrap role names end with the account and region they serve, which are not "
            "known before the accounts exist; the kind of role is fixed, the bootstrap tag is "
            "required, and those roles trust this role alone."
        )
        for policy in (self.boundary, self.policy):
            Validations.of(policy).acknowledge(
                *(
                    Acknowledgment(
                        id=f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/{role}]",
                        reason=reason,
                    )
                    for role in roles
                )
            )
