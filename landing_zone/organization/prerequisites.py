"""Organization settings CloudFormation has no resource for, made with scoped SDK calls.

Both are one-way on purpose: deleting the stack leaves policy types enabled and
trusted access on, because turning either off would detach every guardrail or
orphan every service-managed StackSet of the organization.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common import AwsSdkCallHandler, pseudo

from .guardrails import PolicyType

_STACKSETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"

# Organizations is a global service whose API lives in us-east-1 (aws partition).
_ORGANIZATIONS_REGION = "us-east-1"


class EnabledPolicyTypes(Construct):
    """Enables organization policy types on the root, so policies of those types can attach.

    Make every policy depend on :meth:`of` its type: CloudFormation cannot attach a
    policy whose type is disabled.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        organization_id: str,
        root_id: str,
        policy_types: Sequence[PolicyType],
    ) -> None:
        super().__init__(scope, construct_id)
        handler = AwsSdkCallHandler.of(self)
        root_arn = (
            f"arn:{pseudo.PARTITION}:organizations::{pseudo.ACCOUNT_ID}:root/"
            f"{organization_id}/{root_id}"
        )
        statement = iam.PolicyStatement(
            sid="EnablePolicyTypesOnRoot",
            actions=["organizations:EnablePolicyType"],
            resources=[root_arn],
        )
        self._enabled: dict[PolicyType, cr.AwsCustomResource] = {}
        for index, policy_type in enumerate(policy_types):
            self._enabled[policy_type] = handler.sdk_call(
                self,
                policy_type.value,
                on_update=cr.AwsSdkCall(
                    service="Organizations",
                    action="enablePolicyType",
                    parameters={"RootId": root_id, "PolicyType": policy_type.value},
                    region=_ORGANIZATIONS_REGION,
                    physical_resource_id=cr.PhysicalResourceId.of(f"{root_id}-{policy_type.value}"),
                    # Enabling is idempotent in effect; the API just reports it as an error.
                    ignore_error_codes_matching="PolicyTypeAlreadyEnabledException",
                ),
                statements=[statement] if index == 0 else [],
            )

    def of(self, policy_type: PolicyType) -> cr.AwsCustomResource:
        """The SDK call that enables ``policy_type``."""
        if policy_type not in self._enabled:
            raise ValueError(
                f"policy type {policy_type.value} is not enabled here; enabled: "
                f"{', '.join(t.value for t in self._enabled)}"
            )
        return self._enabled[policy_type]


class StackSetsTrustedAccess(Construct):
    """Activates trusted access between CloudFormation StackSets and Organizations.

    Service-managed StackSets (the account baseline) need it, and only the management
    account can activate it.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.resource = AwsSdkCallHandler.of(self).sdk_call(
            self,
            "Resource",
            on_update=cr.AwsSdkCall(
                service="CloudFormation",
                action="activateOrganizationsAccess",
                parameters={},
                physical_resource_id=cr.PhysicalResourceId.of("stacksets-organizations-access"),
            ),
            statements=[
                iam.PolicyStatement(
                    sid="ActivateStackSetsOrganizationsAccess",
                    # None of these actions has a resource type or a narrowing condition key.
                    actions=[
                        "cloudformation:ActivateOrganizationsAccess",
                        "organizations:DescribeOrganization",
                        "organizations:ListAWSServiceAccessForOrganization",
                    ],
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="EnableStackSetsServiceAccess",
                    # CloudFormation enables its service access in Organizations for the caller.
                    actions=["organizations:EnableAWSServiceAccess"],
                    resources=["*"],
                    conditions={
                        "StringEquals": {"organizations:ServicePrincipal": _STACKSETS_PRINCIPAL}
                    },
                ),
                iam.PolicyStatement(
                    sid="CreateStackSetsServiceLinkedRole",
                    actions=["iam:CreateServiceLinkedRole"],
                    resources=[
                        f"arn:{pseudo.PARTITION}:iam::{pseudo.ACCOUNT_ID}:role/aws-service-role/"
                        "stacksets.cloudformation.amazonaws.com/"
                        "AWSServiceRoleForCloudFormationStackSetsOrgAdmin"
                    ],
                    conditions={
                        "StringEquals": {
                            "iam:AWSServiceName": "stacksets.cloudformation.amazonaws.com"
                        }
                    },
                ),
            ],
            acknowledge_wildcard_resource=True,
        )
        """The custom resource that activates trusted access of StackSets
        (``ActivateOrganizationsAccess``)."""
