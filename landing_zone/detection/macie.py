"""Amazon Macie for the whole organization, run from its delegated administrator.

``MacieOrganization`` goes in the security-tooling account, in every governed Region, and so do
``MacieMembers``, which enrol the accounts that were members before.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws, Token
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common import AwsSdkCallHandler
from landing_zone.common.patterns import ACCOUNT_ID, EMAIL_ADDRESS

FINDING_PUBLISHING_FREQUENCIES = ("FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS")
"""Values Macie accepts for how often updated policy findings are published."""


class MacieOrganization(Construct):
    """Macie in the delegated administrator account, auto-enabled for accounts that join.

    Deploy it in the security-tooling account, in every governed Region, after
    ``DelegatedAdministrators`` has designated the account there. Designating the administrator
    enables Macie in that account and Region (the Macie user guide says so), so an
    ``AWS::Macie::Session`` would fail to create a second one; this construct updates the
    existing session instead (``UpdateMacieSession``: enabled, publishing frequency), then turns
    on ``UpdateOrganizationConfiguration`` ``autoEnable``.

    ``autoEnable`` reaches only accounts that join the organization afterwards. Accounts that
    were members before stay without Macie until the administrator adds and enables them
    (``CreateMember``, or "Enable" for all accounts in the Macie console).

    Deleting the construct makes no call: Macie stays on.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        finding_publishing_frequency: str = "FIFTEEN_MINUTES",
    ) -> None:
        """
        :param finding_publishing_frequency: How often updates of policy findings are published
            to Security Hub and EventBridge. Default: ``FIFTEEN_MINUTES``, the fastest. One of
            :data:`FINDING_PUBLISHING_FREQUENCIES`.
        """
        super().__init__(scope, construct_id)
        if (
            not Token.is_unresolved(finding_publishing_frequency)
            and finding_publishing_frequency not in FINDING_PUBLISHING_FREQUENCIES
        ):
            raise ValueError(
                f"finding_publishing_frequency must be one of "
                f"{', '.join(FINDING_PUBLISHING_FREQUENCIES)}, got "
                f"{finding_publishing_frequency!r}"
            )
        handler = AwsSdkCallHandler.of(self)
        self.session = handler.sdk_call(
            self,
            "Session",
            on_update=cr.AwsSdkCall(
                service="Macie2",
                action="updateMacieSession",
                parameters={
                    "findingPublishingFrequency": finding_publishing_frequency,
                    "status": "ENABLED",
                },
                physical_resource_id=cr.PhysicalResourceId.of(
                    f"{Aws.ACCOUNT_ID}-{Aws.REGION}-macie-session"
                ),
            ),
            statements=[
                iam.PolicyStatement(
                    sid="ConfigureMacieOrganization",
                    # Neither action has a resource type; both act in this stack's Region.
                    actions=["macie2:UpdateMacieSession", "macie2:UpdateOrganizationConfiguration"],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:RequestedRegion": Aws.REGION}},
                )
            ],
            acknowledge_wildcard_resource=True,
        )
        self.organization_configuration = handler.sdk_call(
            self,
            "OrganizationConfiguration",
            on_update=cr.AwsSdkCall(
                service="Macie2",
                action="updateOrganizationConfiguration",
                parameters={"autoEnable": True},
                physical_resource_id=cr.PhysicalResourceId.of(
                    f"{Aws.ACCOUNT_ID}-{Aws.REGION}-macie-organization-configuration"
                ),
            ),
            statements=[],
        )
        # The administrator's own Macie must be enabled before it manages the organization.
        self.organization_configuration.node.add_dependency(self.session)


MAX_MEMBERS_PER_CONSTRUCT = 300
"""Most member accounts one ``MacieMembers`` adds: one custom resource each, and a stack holds
at most 500 resources (the landing zone keeps every stack under 400)."""


class MacieMembers(Construct):
    """Adds accounts of the organization as Macie members of the delegated administrator.

    ``MacieOrganization`` auto-enables Macie for accounts that join the organization after it
    ran; the accounts that were members before need ``CreateMember`` from the administrator,
    once per account and Region, which also enables Macie in the member account (accounts of
    the administrator's organization are associated without an invitation). Each account is one
    SDK call through the stack's ``AwsSdkCallHandler``, made one after another: Macie throttles
    its member APIs, and a parallel burst of hundreds of calls would fail part of them.

    Deploy it in the security-tooling account, in each governed Region, after
    ``MacieOrganization``. An account that is already a member (auto-enabled when it joined)
    makes the call fail with ``ConflictException``, which is ignored (*unverified*: the Macie
    API reference lists ``ConflictException`` for ``CreateMember`` without saying when).
    ``AWS::Macie::Member`` would do the same natively, but its create fails for an account that
    is already a member, which every account created after ``autoEnable`` is. Removing an
    account from ``members`` or deleting the construct makes no call: the account stays a
    member, and the guardrail ``protect-security-services`` denies ``macie2:DeleteMember``.
    """

    def __init__(self, scope: Construct, construct_id: str, *, members: Mapping[str, str]) -> None:
        """
        :param members: Account id -> the account's email address (``CreateMember`` requires
            both), at most :data:`MAX_MEMBERS_PER_CONSTRUCT`. Literal values: each account is a
            resource named after its id.
        """
        super().__init__(scope, construct_id)
        _check_members(members)
        handler = AwsSdkCallHandler.of(self)
        self.members: dict[str, cr.AwsCustomResource] = {}
        previous: cr.AwsCustomResource | None = None
        for number, (account_id, email) in enumerate(sorted(members.items())):
            member = handler.sdk_call(
                self,
                f"Member{account_id}",
                on_update=cr.AwsSdkCall(
                    service="Macie2",
                    action="createMember",
                    parameters={"account": {"accountId": account_id, "email": email}},
                    physical_resource_id=cr.PhysicalResourceId.of(
                        f"{account_id}-{Aws.REGION}-macie-member"
                    ),
                    ignore_error_codes_matching="^ConflictException$",
                    output_paths=["arn"],
                ),
                statements=[]
                if number
                else [
                    iam.PolicyStatement(
                        sid="AddMacieMembers",
                        # CreateMember has no resource type; it acts in this stack's Region.
                        actions=["macie2:CreateMember"],
                        resources=["*"],
                        conditions={"StringEquals": {"aws:RequestedRegion": Aws.REGION}},
                    )
                ],
                acknowledge_wildcard_resource=not number,
            )
            if previous is not None:
                member.node.add_dependency(previous)
            self.members[account_id] = member
            previous = member


def _check_members(members: Mapping[str, str]) -> None:
    if not members:
        raise ValueError("members must name at least one account id -> email, got none")
    if len(members) > MAX_MEMBERS_PER_CONSTRUCT:
        raise ValueError(
            f"members holds {len(members)} accounts; allowed: at most "
            f"{MAX_MEMBERS_PER_CONSTRUCT} per MacieMembers (one resource each): split them "
            "over several stacks"
        )
    for account_id, email in members.items():
        if Token.is_unresolved(account_id) or not ACCOUNT_ID.fullmatch(account_id):
            raise ValueError(
                f"members: keys must be literal 12-digit account ids, got {account_id!r}"
            )
        if Token.is_unresolved(email) or not EMAIL_ADDRESS.fullmatch(email):
            raise ValueError(
                f"members: the email of {account_id} must be a literal email address, got {email!r}"
            )
