"""Amazon Inspector for the whole organization, run from its delegated administrator.

``InspectorOrganization`` goes in the security-tooling account, in every governed Region.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common import AwsSdkCallHandler, pseudo
from landing_zone.common.patterns import ACCOUNT_ID
from landing_zone.common.tokens import is_unresolved

SCAN_TYPES = ("EC2", "ECR", "LAMBDA", "LAMBDA_CODE")
"""Amazon Inspector scan types turned on: EC2 instances, ECR images, Lambda functions
(packages) and Lambda code."""

ENABLE_BATCH_SIZE = 100
"""Most account ids one Inspector ``Enable`` call takes."""

_SERVICE_LINKED_ROLES = {
    "inspector2.amazonaws.com": "AWSServiceRoleForAmazonInspector2",
    "agentless.inspector2.amazonaws.com": "AWSServiceRoleForAmazonInspector2Agentless",
}


class InspectorOrganization(Construct):
    """Amazon Inspector EC2, ECR, Lambda and Lambda code scanning for every account.

    Deploy it in the security-tooling account, in every governed Region, after
    ``DelegatedAdministrators`` has designated the account there. Three kinds of calls, one
    after the other:

    * ``UpdateOrganizationConfiguration``: accounts that join the organization get every scan
      type of :data:`SCAN_TYPES` automatically;
    * ``Enable`` for the administrator account itself;
    * ``Enable`` for ``account_ids``, the accounts that were members before: the organization
      setting only reaches new accounts. In batches of :data:`ENABLE_BATCH_SIZE`, in sorted
      order, named ``Members1``, ``Members2``... Adding an account can move others to the next
      batch, which then calls ``Enable`` again for all of its accounts: harmless, ``Enable`` is
      idempotent. ``Enable`` reports accounts it could not enable in its response instead of
      failing; the call still succeeds, so check coverage in the Inspector console. Enabling
      members relies on Inspector having associated the organization's accounts with the
      administrator when it was designated (not verified; ``AssociateMember`` would otherwise
      be needed first).

    Deleting the construct makes no call: scanning stays on.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        account_ids: Sequence[str] = (),
    ) -> None:
        """
        :param account_ids: Member accounts that existed before the organization setting was
            made (usually every member account in the config). Default: none, right for an
            organization whose accounts are all created after this construct.
        """
        super().__init__(scope, construct_id)
        members = _sorted_account_ids(account_ids)
        handler = AwsSdkCallHandler.of(self)
        self.organization_configuration = handler.sdk_call(
            self,
            "OrganizationConfiguration",
            on_update=cr.AwsSdkCall(
                service="Inspector2",
                action="updateOrganizationConfiguration",
                parameters={
                    "autoEnable": {"ec2": True, "ecr": True, "lambda": True, "lambdaCode": True}
                },
                physical_resource_id=cr.PhysicalResourceId.of(
                    f"{pseudo.ACCOUNT_ID}-{pseudo.REGION}-inspector-organization-configuration"
                ),
            ),
            statements=[
                iam.PolicyStatement(
                    sid="ConfigureInspectorOrganization",
                    # Neither action has a resource type; both act in this stack's Region.
                    actions=["inspector2:Enable", "inspector2:UpdateOrganizationConfiguration"],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:RequestedRegion": pseudo.REGION}},
                ),
                iam.PolicyStatement(
                    sid="CreateInspectorServiceLinkedRoles",
                    # Enabling scans in this account creates Inspector's service-linked roles.
                    actions=["iam:CreateServiceLinkedRole"],
                    resources=[
                        f"arn:{pseudo.PARTITION}:iam::{pseudo.ACCOUNT_ID}:role/aws-service-role/"
                        f"{service}/{role}"
                        for service, role in _SERVICE_LINKED_ROLES.items()
                    ],
                    conditions={
                        "StringEquals": {"iam:AWSServiceName": list(_SERVICE_LINKED_ROLES)}
                    },
                ),
            ],
            acknowledge_wildcard_resource=True,
        )
        self.admin_account = handler.sdk_call(
            self,
            "AdminAccount",
            on_update=_enable(
                [pseudo.ACCOUNT_ID], f"{pseudo.ACCOUNT_ID}-{pseudo.REGION}-inspector-admin"
            ),
            statements=[],
        )
        self.admin_account.node.add_dependency(self.organization_configuration)
        self.member_batches: list[cr.AwsCustomResource] = []
        previous = self.admin_account
        for number, start in enumerate(range(0, len(members), ENABLE_BATCH_SIZE), start=1):
            batch = handler.sdk_call(
                self,
                f"Members{number}",
                on_update=_enable(
                    members[start : start + ENABLE_BATCH_SIZE],
                    f"{pseudo.ACCOUNT_ID}-{pseudo.REGION}-inspector-members-{number}",
                ),
                statements=[],
            )
            # One batch at a time: Inspector throttles its account-level APIs.
            batch.node.add_dependency(previous)
            self.member_batches.append(batch)
            previous = batch


def _enable(account_ids: Sequence[str], physical_id: str) -> cr.AwsSdkCall:
    return cr.AwsSdkCall(
        service="Inspector2",
        action="enable",
        parameters={"accountIds": list(account_ids), "resourceTypes": list(SCAN_TYPES)},
        physical_resource_id=cr.PhysicalResourceId.of(physical_id),
        # The response lists every account, past the 4 KB CloudFormation takes back from a
        # custom resource: keep one field of it.
        output_paths=["accounts.0.accountId"],
    )


def _sorted_account_ids(account_ids: Sequence[str]) -> list[str]:
    for account_id in account_ids:
        if is_unresolved(account_id) or not ACCOUNT_ID.fullmatch(account_id):
            raise ValueError(
                f"account_ids must hold literal 12-digit account ids (they are batched at "
                f"synth), got {account_id!r}"
            )
    repeated = sorted({a for a in account_ids if list(account_ids).count(a) > 1})
    if repeated:
        raise ValueError(f"account_ids must not repeat an account, got {', '.join(repeated)}")
    return sorted(account_ids)
