"""Amazon Macie for the whole organization, run from its delegated administrator.

``MacieOrganization`` goes in the security-tooling account, in every governed Region.
"""

from __future__ import annotations

from aws_cdk import Aws, Token
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common import AwsSdkCallHandler

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
