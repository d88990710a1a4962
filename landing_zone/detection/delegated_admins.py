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

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_securityhub as securityhub
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common import AwsSdkCallHandler, pseudo
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
        _register_statement(
            "RegisterSecurityServicesDelegatedAdministrator",
            organization_id,
            admin_account_id,
            registered_principals,
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


def _register_statement(
    sid: str, organization_id: str, admin_account_id: str, principals: str | Sequence[str]
) -> iam.PolicyStatement:
    """``RegisterDelegatedAdministrator`` of ``admin_account_id`` for ``principals`` only."""
    return iam.PolicyStatement(
        sid=sid,
        actions=["organizations:RegisterDelegatedAdministrator"],
        resources=[
            f"arn:{pseudo.PARTITION}:organizations::{pseudo.ACCOUNT_ID}:account/"
            f"{organization_id}/{admin_account_id}"
        ],
        conditions={"StringEquals": {"organizations:ServicePrincipal": principals}},
    )


def _check_administrator(
    organization_id: str, admin_account_id: str, stack: Stack, *, instead: str
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
                f"deploys to; designate the {instead} account instead"
            )


def _validate(
    organization_id: str, admin_account_id: str, regions: Sequence[str], stack: Stack
) -> None:
    _check_administrator(organization_id, admin_account_id, stack, instead="security-tooling")
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


_IPAM_PRINCIPAL = "ipam.amazonaws.com"
_RAM_PRINCIPAL = "ram.amazonaws.com"


class IpamDelegation(Construct):
    """Makes ``admin_account_id`` (the network account) the organization's delegated IPAM
    administrator and lets AWS RAM share with the organization's OUs, for the management
    account's organization stack. One call at a time, after ``after`` (Organizations rejects
    concurrent changes, and both calls change Organizations on the caller's behalf):

    1. RAM ``EnableSharingWithAwsOrganization`` (``RamSharingWithOrganization``): without it a
       resource share can name accounts only, not OUs
       (https://docs.aws.amazon.com/ram/latest/APIReference/API_EnableSharingWithAwsOrganization.html;
       only the management account may call it);
    2. EC2 ``EnableIpamOrganizationAdminAccount`` (``IpamAdministrator``) in this stack's
       region (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableIpamOrganizationAdminAccount.html;
       the management account cannot be the IPAM administrator). The IPAM user guide asks for
       this API rather than Organizations' ``RegisterDelegatedAdministrator``, which would not
       create IPAM's service-linked role (https://docs.aws.amazon.com/vpc/latest/ipam/enable-integ-ipam.html),
       and the Organizations user guide says designating the IPAM administrator enables IPAM's
       trusted access too (https://docs.aws.amazon.com/organizations/latest/userguide/services-that-can-integrate-ipam.html).

    Neither call has a delete: disabling the IPAM administrator would stop IPAM from seeing the
    organization's VPCs, and turning RAM's organization sharing off would end every OU share.

    Not verified here (no AWS account): that trusted access for ``ipam.amazonaws.com`` is on
    after the call (documented, not observed); which region the call must be made in (this
    stack's, the IPAM's home region, is assumed); whether either call fails when its setting is
    already made (no error is ignored, so a re-created stack would show it); that the
    permissions below, taken from the two user guides, are all the calls need.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        organization_id: str,
        admin_account_id: str,
        after: Construct | None = None,
    ) -> None:
        """
        :param organization_id: The organization's id (``o-...``): Organizations authorizes the
            delegated administrator's registration on the account's ARN, which contains it.
        :param admin_account_id: The network account, which holds the organization's IPAM. Not
            the management account.
        :param after: The construct the first call waits for, such as the last registration of
            ``DelegatedAdministrators`` in the same stack. Default: none.
        """
        super().__init__(scope, construct_id)
        # The IPAM API reference: the management account cannot be the IPAM administrator.
        _check_administrator(organization_id, admin_account_id, Stack.of(self), instead="network")
        self.admin_account_id = admin_account_id
        handler = AwsSdkCallHandler.of(self)
        self.ram_sharing = handler.sdk_call(
            self,
            "RamSharingWithOrganization",
            on_update=cr.AwsSdkCall(
                service="RAM",
                action="enableSharingWithAwsOrganization",
                parameters={},
                physical_resource_id=cr.PhysicalResourceId.of("ram-sharing-with-organization"),
            ),
            statements=_ram_sharing_statements(),
            acknowledge_wildcard_resource=True,
        )
        if after is not None:
            self.ram_sharing.node.add_dependency(after)
        self.ipam_administrator = handler.sdk_call(
            self,
            "IpamAdministrator",
            on_update=cr.AwsSdkCall(
                service="EC2",
                action="enableIpamOrganizationAdminAccount",
                parameters={"DelegatedAdminAccountId": admin_account_id},
                physical_resource_id=cr.PhysicalResourceId.of(
                    f"ipam-delegated-admin-{admin_account_id}"
                ),
            ),
            statements=_ipam_delegation_statements(organization_id, admin_account_id),
            acknowledge_wildcard_resource=True,
        )
        self.ipam_administrator.node.add_dependency(self.ram_sharing)


def _ram_sharing_statements() -> list[iam.PolicyStatement]:
    # The RAM user guide's permissions for enabling sharing with AWS Organizations: RAM creates
    # its service-linked role and enables its trusted access with the caller's credentials.
    return [
        iam.PolicyStatement(
            sid="EnableRamSharingWithOrganization",
            # No resource type for either action.
            actions=["ram:EnableSharingWithAwsOrganization", "organizations:DescribeOrganization"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="EnableRamServiceAccess",
            actions=["organizations:EnableAWSServiceAccess"],
            resources=["*"],
            conditions={"StringEquals": {"organizations:ServicePrincipal": _RAM_PRINCIPAL}},
        ),
        iam.PolicyStatement(
            sid="CreateRamServiceLinkedRole",
            actions=["iam:CreateServiceLinkedRole"],
            resources=["*"],
            conditions={"StringEquals": {"iam:AWSServiceName": _RAM_PRINCIPAL}},
        ),
    ]


def _ipam_delegation_statements(
    organization_id: str, admin_account_id: str
) -> list[iam.PolicyStatement]:
    # The IPAM user guide's policy for integrating IPAM with AWS Organizations: IPAM enables its
    # trusted access, registers the administrator and creates its service-linked role in the
    # management account with the caller's credentials.
    return [
        iam.PolicyStatement(
            sid="EnableIpamOrganizationAdminAccount",
            # No resource type; it acts in this stack's region.
            actions=["ec2:EnableIpamOrganizationAdminAccount"],
            resources=["*"],
            conditions={"StringEquals": {"aws:RequestedRegion": pseudo.REGION}},
        ),
        iam.PolicyStatement(
            sid="EnableIpamServiceAccess",
            actions=["organizations:EnableAWSServiceAccess"],
            resources=["*"],
            conditions={"StringEquals": {"organizations:ServicePrincipal": _IPAM_PRINCIPAL}},
        ),
        _register_statement(
            "RegisterIpamDelegatedAdministrator",
            organization_id,
            admin_account_id,
            _IPAM_PRINCIPAL,
        ),
        iam.PolicyStatement(
            sid="CreateIpamServiceLinkedRole",
            actions=["iam:CreateServiceLinkedRole"],
            resources=["*"],
            conditions={"StringEquals": {"iam:AWSServiceName": _IPAM_PRINCIPAL}},
        ),
    ]
