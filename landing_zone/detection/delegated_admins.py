"""Trusted access and delegated administrators of the organization's security services.

Deployed once, in the management account's organization stack, in the home Region of the
security-tooling account. Everything here is one-way on purpose: deleting the construct makes no
call, because deregistering a delegated administrator or turning trusted access off switches
detection off for the whole organization (Security Hub even deletes its central configuration
policies). Undoing a registration is a deliberate act outside CloudFormation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, TypeVar

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_securityhub as securityhub
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common import AwsSdkCallHandler
from landing_zone.common.naming import pascal_case
from landing_zone.common.patterns import ACCOUNT_ID, ORGANIZATION_ID, REGION
from landing_zone.common.tokens import is_unresolved

_C = TypeVar("_C", bound=Construct)

# Organizations is a global service whose API lives in us-east-1 (aws partition).
_ORGANIZATIONS_REGION = "us-east-1"

TRUSTED_ACCESS_PRINCIPALS: dict[str, str] = {
    "cloudtrail.amazonaws.com": "CloudTrail",
    "config.amazonaws.com": "Config",
    "config-multiaccountsetup.amazonaws.com": "ConfigMultiAccountSetup",
    "access-analyzer.amazonaws.com": "AccessAnalyzer",
    "securityhub.amazonaws.com": "SecurityHub",
}
"""Service principals whose trusted access this construct enables, and their construct ids.

The organization trail, AWS Config (aggregator, organization rules and conformance packs) and
IAM Access Analyzer need it before anything else. ``AWS::SecurityHub::DelegatedAdmin`` documents
it as a prerequisite. GuardDuty and Macie enable their own trusted access when their
administrator is designated, as their user guides describe; Amazon Inspector is assumed to do
the same, since its guide asks the caller for ``organizations:EnableAWSServiceAccess`` (not
verified). StackSets has ``StackSetsTrustedAccess`` in the organization package.
"""

ORGANIZATIONS_DELEGATED_ADMINISTRATORS: dict[str, str] = {
    "config.amazonaws.com": "Config",
    "config-multiaccountsetup.amazonaws.com": "ConfigMultiAccountSetup",
    "access-analyzer.amazonaws.com": "AccessAnalyzer",
    "member.org.stacksets.cloudformation.amazonaws.com": "StackSets",
}
"""Service principals registered through Organizations ``RegisterDelegatedAdministrator``.

These services have no designation API of their own.
"""


class RegionalDesignation(NamedTuple):
    """A service that designates its administrator per Region with an API of its own."""

    name: str
    """Construct id prefix and attribute of :class:`DelegatedAdministrators`."""
    service: str
    """SDK client of the service."""
    action: str
    """The designating API call."""
    parameter: str
    """The call's parameter for the administrator account id."""
    already_designated: str
    """Error code of the call when the administrator is already designated (by an earlier
    deployment): the goal is met, so the call succeeds."""


REGIONAL_DESIGNATIONS = (
    # GuardDuty reports every client error, "already the delegated administrator" included, as
    # BadRequestException. A real failure still shows: the security-tooling stack then cannot
    # find or configure its detector.
    RegionalDesignation(
        "GuardDuty",
        "GuardDuty",
        "enableOrganizationAdminAccount",
        "AdminAccountId",
        "BadRequestException",
    ),
    # ConflictException: an administrator is already designated. Were it another account, the
    # security-tooling stack's calls would fail instead.
    RegionalDesignation(
        "Inspector",
        "Inspector2",
        "enableDelegatedAdminAccount",
        "delegatedAdminAccountId",
        "ConflictException",
    ),
    RegionalDesignation(
        "Macie", "Macie2", "enableOrganizationAdminAccount", "adminAccountId", "ConflictException"
    ),
)
"""GuardDuty, Amazon Inspector and Macie, designated in each governed Region, in this order."""

_SERVICE_DESIGNATED_PRINCIPALS = (
    "guardduty.amazonaws.com",
    "malware-protection.guardduty.amazonaws.com",
    "inspector2.amazonaws.com",
    "macie.amazonaws.com",
)
"""Principals that GuardDuty, Inspector and Macie enable and register with the caller's
credentials (forward access sessions) while designating their administrator. The malware
protection principal is listed because GuardDuty's malware protection is an Organizations trusted
service of its own; whether designation enables it is not documented."""


class DelegatedAdministrators(Construct):
    """Makes ``admin_account_id`` the delegated administrator of the security services.

    In order, one call at a time (Organizations rejects concurrent changes, and the service
    APIs below change Organizations on the caller's behalf):

    1. trusted access for :data:`TRUSTED_ACCESS_PRINCIPALS`;
    2. ``RegisterDelegatedAdministrator`` for :data:`ORGANIZATIONS_DELEGATED_ADMINISTRATORS`
       (AWS Config, its multi-account setup, IAM Access Analyzer, CloudFormation StackSets);
    3. Security Hub with ``AWS::SecurityHub::DelegatedAdmin`` in this stack's Region only: with
       central configuration, Security Hub sets the same administrator in every linked Region;
    4. in each of ``regions``: GuardDuty ``EnableOrganizationAdminAccount``, Amazon Inspector
       ``EnableDelegatedAdminAccount`` and Macie ``EnableOrganizationAdminAccount``. Designating
       the administrator also enables GuardDuty, Security Hub and Macie in the administrator
       account in that Region (their user guides say so), which is why the detection constructs
       configure the existing detector, hub and Macie session instead of creating them.

    The stack's Region is the security-tooling home Region and must be one of ``regions``.
    Deleting the construct makes no call. SDK calls that find their registration already done
    succeed (``AccountAlreadyRegisteredException`` and the codes of
    :data:`REGIONAL_DESIGNATIONS` are ignored), so the stack can be re-created; whether
    ``AWS::SecurityHub::DelegatedAdmin`` accepts an administrator that is already designated is
    not verified.

    Wiring: the StackSets registration (:attr:`stacksets_registration`) needs StackSets trusted
    access first; make it depend on ``StackSetsTrustedAccess`` of the same stack. Stacks in the
    security-tooling account deploy after this stack.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        organization_id: str,
        admin_account_id: str,
        regions: Sequence[str],
    ) -> None:
        """
        :param organization_id: The organization's id (``o-...``): Organizations authorizes
            ``RegisterDelegatedAdministrator`` on the account's ARN, which contains it.
        :param admin_account_id: The security-tooling account. Not the management account:
            Security Hub central configuration rejects it, and the services recommend against it.
        :param regions: The governed Regions, where GuardDuty, Inspector and Macie get their
            administrator. Literal Region names, at least one, no repeats, including this
            stack's Region.
        """
        super().__init__(scope, construct_id)
        _validate(organization_id, admin_account_id, regions, Stack.of(self))
        self.admin_account_id = admin_account_id
        handler = AwsSdkCallHandler.of(self)
        # Every call waits for the handler's policy, so the statements join it once, up front.
        statements = _statements(organization_id, admin_account_id, regions)
        self._previous: Construct | None = None

        self.trusted_access: dict[str, cr.AwsCustomResource] = {}
        trusted = Construct(self, "TrustedAccess")
        for principal, name in TRUSTED_ACCESS_PRINCIPALS.items():
            self.trusted_access[principal] = self._serial(
                handler.sdk_call(
                    trusted,
                    name,
                    on_update=_organizations_call(
                        "enableAWSServiceAccess",
                        {"ServicePrincipal": principal},
                        f"trusted-access-{principal}",
                    ),
                    statements=statements if not self.trusted_access else [],
                    acknowledge_wildcard_resource=True,
                )
            )

        registered = Construct(self, "DelegatedAdministrator")
        self.organizations_registrations: dict[str, cr.AwsCustomResource] = {}
        for principal, name in ORGANIZATIONS_DELEGATED_ADMINISTRATORS.items():
            self.organizations_registrations[principal] = self._serial(
                handler.sdk_call(
                    registered,
                    name,
                    on_update=_organizations_call(
                        "registerDelegatedAdministrator",
                        {"AccountId": admin_account_id, "ServicePrincipal": principal},
                        f"delegated-admin-{principal}-{admin_account_id}",
                        # The account is already registered for this service: the goal is met.
                        ignore="AccountAlreadyRegisteredException",
                    ),
                    statements=[],
                )
            )
        self.stacksets_registration = self.organizations_registrations[
            "member.org.stacksets.cloudformation.amazonaws.com"
        ]

        self.security_hub = self._serial(
            securityhub.CfnDelegatedAdmin(
                registered, "SecurityHub", admin_account_id=admin_account_id
            )
        )

        self.guardduty: dict[str, cr.AwsCustomResource] = {}
        self.inspector: dict[str, cr.AwsCustomResource] = {}
        self.macie: dict[str, cr.AwsCustomResource] = {}
        designated = {"GuardDuty": self.guardduty, "Inspector": self.inspector, "Macie": self.macie}
        for region in regions:
            for designation in REGIONAL_DESIGNATIONS:
                designated[designation.name][region] = self._serial(
                    handler.sdk_call(
                        registered,
                        f"{designation.name}{pascal_case(region)}",
                        on_update=cr.AwsSdkCall(
                            service=designation.service,
                            action=designation.action,
                            parameters={designation.parameter: admin_account_id},
                            region=region,
                            physical_resource_id=cr.PhysicalResourceId.of(
                                f"{designation.service.lower()}-delegated-admin-{region}-"
                                f"{admin_account_id}"
                            ),
                            ignore_error_codes_matching=designation.already_designated,
                        ),
                        statements=[],
                    )
                )

        self.registrations: list[Construct] = [
            *self.organizations_registrations.values(),
            self.security_hub,
            *(
                call
                for region in regions
                for call in (self.guardduty[region], self.inspector[region], self.macie[region])
            ),
        ]
        """Every registration, in the order they run: the last one finishes after all."""

    def _serial(self, construct: _C) -> _C:
        """``construct`` runs after the previous call of this construct."""
        if self._previous is not None:
            construct.node.add_dependency(self._previous)
        self._previous = construct
        return construct


def _organizations_call(
    action: str, parameters: dict[str, str], physical_id: str, *, ignore: str | None = None
) -> cr.AwsSdkCall:
    return cr.AwsSdkCall(
        service="Organizations",
        action=action,
        parameters=parameters,
        region=_ORGANIZATIONS_REGION,
        physical_resource_id=cr.PhysicalResourceId.of(physical_id),
        ignore_error_codes_matching=ignore,
    )


def _statements(
    organization_id: str, admin_account_id: str, regions: Sequence[str]
) -> list[iam.PolicyStatement]:
    registered_principals = sorted(
        {*ORGANIZATIONS_DELEGATED_ADMINISTRATORS, *_SERVICE_DESIGNATED_PRINCIPALS}
    )
    in_regions = {"StringEquals": {"aws:RequestedRegion": list(regions)}}
    return [
        iam.PolicyStatement(
            sid="EnableSecurityServicesTrustedAccess",
            actions=["organizations:EnableAWSServiceAccess"],
            # The action has no resource type; the service principal condition narrows it.
            resources=["*"],
            conditions={
                "StringEquals": {
                    "organizations:ServicePrincipal": sorted(
                        {*TRUSTED_ACCESS_PRINCIPALS, *_SERVICE_DESIGNATED_PRINCIPALS}
                    )
                }
            },
        ),
        iam.PolicyStatement(
            sid="RegisterSecurityServicesDelegatedAdministrator",
            actions=["organizations:RegisterDelegatedAdministrator"],
            resources=[
                f"arn:{Aws.PARTITION}:organizations::{Aws.ACCOUNT_ID}:account/"
                f"{organization_id}/{admin_account_id}"
            ],
            conditions={"StringEquals": {"organizations:ServicePrincipal": registered_principals}},
        ),
        iam.PolicyStatement(
            sid="ReadOrganizationForSecurityServices",
            # GuardDuty, Inspector and Macie document these reads for whoever designates their
            # administrator; the services make them with the caller's credentials.
            actions=[
                "organizations:DescribeAccount",
                "organizations:DescribeOrganization",
                "organizations:DescribeOrganizationalUnit",
                "organizations:ListAWSServiceAccessForOrganization",
                "organizations:ListAccounts",
                "organizations:ListDelegatedAdministrators",
            ],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="DesignateSecurityServicesAdministrator",
            # None of the three actions has a resource type; they run in the governed Regions.
            actions=[
                "guardduty:EnableOrganizationAdminAccount",
                "inspector2:EnableDelegatedAdminAccount",
                "macie2:EnableOrganizationAdminAccount",
            ],
            resources=["*"],
            conditions=in_regions,
        ),
    ]


def _validate(
    organization_id: str, admin_account_id: str, regions: Sequence[str], stack: Stack
) -> None:
    if not is_unresolved(organization_id) and not ORGANIZATION_ID.fullmatch(organization_id):
        raise ValueError(
            f"organization_id must be an organization id like o-a1b2c3d4e5, got {organization_id!r}"
        )
    if not is_unresolved(admin_account_id):
        if not ACCOUNT_ID.fullmatch(admin_account_id):
            raise ValueError(
                f"admin_account_id must be a 12-digit account id, got {admin_account_id!r}"
            )
        if not is_unresolved(stack.account) and stack.account == admin_account_id:
            raise ValueError(
                f"admin_account_id {admin_account_id!r} is the management account this stack "
                "deploys to; designate the security-tooling account instead"
            )
    if not regions:
        raise ValueError("regions must name at least one Region, got an empty list")
    for region in regions:
        if is_unresolved(region) or not REGION.fullmatch(region):
            raise ValueError(
                f"regions must hold literal Region names like eu-west-1 (they name the "
                f"constructs), got {region!r}"
            )
    repeated = sorted({region for region in regions if list(regions).count(region) > 1})
    if repeated:
        raise ValueError(f"regions must not repeat a Region, got {', '.join(repeated)} twice")
    if not is_unresolved(stack.region) and stack.region not in regions:
        raise ValueError(
            f"regions must include this stack's Region {stack.region!r}, the home Region "
            f"where Security Hub gets its administrator, got {', '.join(regions)}"
        )
