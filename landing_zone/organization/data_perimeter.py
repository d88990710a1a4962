"""Data perimeter guardrails as resource control policies (RCPs).

SCPs cap what our principals may do; RCPs cap what anyone, including principals outside the
organization and anonymous callers, may do to our resources, whatever a bucket, key or queue
policy says. The guardrails follow AWS's data perimeter examples
(aws-samples/data-perimeter-policy-examples, aws-samples/resource-control-policy-examples).

RCP syntax differs from SCPs: statements are ``Deny`` only (``Allow`` is reserved for the
AWS-managed ``RCPFullAWSAccess``), ``Principal`` must be ``"*"`` (narrow it with conditions,
never ``NotPrincipal``), and only the services in :data:`RCP_SERVICES` are governed.
"""

from __future__ import annotations

from dataclasses import dataclass

from landing_zone.common.patterns import ACCOUNT_ID, ORGANIZATION_ID

from .guardrails import Guardrail, GuardrailCatalog, PolicyStatement, PolicyType, deny_statement

RCP_SERVICES: tuple[str, ...] = (
    "aoss",
    "cognito-identity",
    "cognito-idp",
    "dynamodb",
    "ecr",
    "kms",
    "logs",
    "s3",
    "secretsmanager",
    "sqs",
    "sts",
)
"""Service prefixes that resource control policies apply to (AWS Organizations User Guide,
"Resource control policies": S3, STS, KMS, SQS, Secrets Manager, Cognito, CloudWatch Logs,
DynamoDB, ECR and OpenSearch Serverless)."""

_ALL_RCP_ACTIONS = tuple(f"{service}:*" for service in RCP_SERVICES)


# Services whose data an outsider must never reach. Cognito is left out on purpose: end users
# of the fintech's apps sign in through Cognito without being organization principals.
_PERIMETER_ACTIONS: tuple[str, ...] = (
    "aoss:*",
    "dynamodb:*",
    "ecr:*",
    "kms:*",
    "logs:*",
    "s3:*",
    "secretsmanager:*",
    "sqs:*",
    # The STS actions that an identity in another organization could call against us. Web
    # identity and SAML federation are absent because federated callers carry no
    # aws:PrincipalOrgID; SetSourceIdentity and TagSession because those federations use them.
    "sts:AssumeRole",
    "sts:DecodeAuthorizationMessage",
    "sts:GetAccessKeyInfo",
    "sts:GetFederationToken",
    "sts:GetServiceBearerToken",
    "sts:GetSessionToken",
    "sts:SetContext",
)


@dataclass(frozen=True, kw_only=True)
class DataPerimeterParameters:
    """What the RCP guardrails need to know about the organization."""

    organization_id: str
    """The AWS Organizations id (``o-`` and 10-32 lowercase letters or digits)."""

    trusted_account_ids: tuple[str, ...] = ()
    """Accounts outside the organization allowed through the identity perimeter and, as
    callers of AWS services, through the confused-deputy protection: vendors that assume a
    role in our accounts, AWS-owned accounts such as the Elastic Load Balancing log-delivery
    account of older Regions. Default: none."""

    def __post_init__(self) -> None:
        if not ORGANIZATION_ID.fullmatch(self.organization_id):
            raise ValueError(
                "organization_id must be an AWS Organizations id: 'o-' followed by 10-32 "
                f"lowercase letters or digits, received {self.organization_id!r}"
            )
        if isinstance(self.trusted_account_ids, str):
            raise ValueError(
                "trusted_account_ids must be a tuple of account ids, "
                f"received the string {self.trusted_account_ids!r}"
            )
        for account_id in self.trusted_account_ids:
            if not ACCOUNT_ID.fullmatch(account_id):
                raise ValueError(
                    "trusted_account_ids must hold 12-digit AWS account ids, "
                    f"received {account_id!r}"
                )
        duplicates = sorted(
            {
                account
                for account in self.trusted_account_ids
                if self.trusted_account_ids.count(account) > 1
            }
        )
        if duplicates:
            raise ValueError(f"trusted_account_ids lists {', '.join(duplicates)} more than once")


def _enforce_tls(_: DataPerimeterParameters) -> list[PolicyStatement]:
    # BoolIfExists: a request without the key (none should) is treated as insecure.
    return [
        deny_statement(
            "EnforceTls",
            principal="*",
            action=_ALL_RCP_ACTIONS,
            condition={"BoolIfExists": {"aws:SecureTransport": "false"}},
        )
    ]


def _not_ours(
    org_key: str, account_key: str, params: DataPerimeterParameters
) -> dict[str, str | list[str]]:
    # Inside one condition operator, keys are ANDed: the statement applies only when the
    # caller is outside the organization *and* not a trusted account.
    keys: dict[str, str | list[str]] = {org_key: params.organization_id}
    if params.trusted_account_ids:
        keys[account_key] = list(params.trusted_account_ids)
    return keys


def _enforce_org_identities(params: DataPerimeterParameters) -> list[PolicyStatement]:
    # IfExists: anonymous callers carry neither key, so they are denied too. AWS service
    # principals are let through here and held to our organization by
    # enforce-confused-deputy-protection.
    return [
        deny_statement(
            "EnforceOrgIdentities",
            principal="*",
            action=_PERIMETER_ACTIONS,
            condition={
                "StringNotEqualsIfExists": _not_ours(
                    "aws:PrincipalOrgID", "aws:PrincipalAccount", params
                ),
                "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
            },
        )
    ]


def _enforce_confused_deputy_protection(params: DataPerimeterParameters) -> list[PolicyStatement]:
    # Applies only when a service principal acts and says on whose behalf (aws:SourceAccount
    # present); integrations that carry no source, such as KMS grants bound by encryption
    # context, are unaffected.
    return [
        deny_statement(
            "EnforceConfusedDeputyProtection",
            principal="*",
            action=_ALL_RCP_ACTIONS,
            condition={
                "StringNotEqualsIfExists": _not_ours(
                    "aws:SourceOrgID", "aws:SourceAccount", params
                ),
                "Null": {"aws:SourceAccount": "false"},
                "Bool": {"aws:PrincipalIsAWSService": "true"},
            },
        )
    ]


DATA_PERIMETER_GUARDRAILS: GuardrailCatalog[DataPerimeterParameters] = GuardrailCatalog(
    PolicyType.RESOURCE_CONTROL_POLICY,
    (
        Guardrail(
            name="enforce-tls",
            threat=(
                "A client, partner or misconfigured service reads or writes our data over "
                "plain HTTP, where it can be observed or altered in transit."
            ),
            build=_enforce_tls,
        ),
        Guardrail(
            name="enforce-org-identities",
            threat=(
                "A bucket, key, queue or secret policy mistake grants access to an account "
                "outside the organization or to anyone, and data leaves through it."
            ),
            build=_enforce_org_identities,
        ),
        Guardrail(
            name="enforce-confused-deputy-protection",
            threat=(
                "Another AWS customer points an AWS service (CloudTrail, Config, log delivery) "
                "at our resources, and the service acts on them on that customer's behalf."
            ),
            build=_enforce_confused_deputy_protection,
        ),
    ),
)
"""Every RCP guardrail, by name, in catalog order."""


def data_perimeter_statements(name: str, params: DataPerimeterParameters) -> list[PolicyStatement]:
    """Return the RCP statements of the data perimeter guardrail ``name``.

    :raises UnknownGuardrailError: if ``name`` is not in :data:`DATA_PERIMETER_GUARDRAILS`.
    """
    return DATA_PERIMETER_GUARDRAILS[name].statements(params)
