"""Amazon Macie for the whole organization, run from its delegated administrator.

``MacieOrganization`` goes in the security-tooling account, in every governed Region, and so does
``MacieMembers``, which enrols the accounts that were in the organization before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import (
    Acknowledgment,
    CustomResource,
    Duration,
    RemovalPolicy,
    Stack,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common import AwsSdkCallHandler, pseudo
from landing_zone.common.key_policy import administered_key, logs_service_statement
from landing_zone.common.patterns import ACCOUNT_ID, EMAIL_ADDRESS
from landing_zone.common.protected_names import check_prefix, checked_name
from landing_zone.common.protected_namespace import DEFAULT_PREFIX
from landing_zone.common.tokens import is_unresolved

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
            not is_unresolved(finding_publishing_frequency)
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
                    f"{pseudo.ACCOUNT_ID}-{pseudo.REGION}-macie-session"
                ),
            ),
            statements=[
                iam.PolicyStatement(
                    sid="ConfigureMacieOrganization",
                    # Neither action has a resource type; both act in this stack's Region.
                    actions=["macie2:UpdateMacieSession", "macie2:UpdateOrganizationConfiguration"],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:RequestedRegion": pseudo.REGION}},
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
                    f"{pseudo.ACCOUNT_ID}-{pseudo.REGION}-macie-organization-configuration"
                ),
            ),
            statements=[],
        )
        # The administrator's own Macie must be enabled before it manages the organization.
        self.organization_configuration.node.add_dependency(self.session)


MAX_MEMBERS_BYTES = 400_000
"""Most bytes the member list (compact JSON) may take. CloudFormation passes it to the function
twice on an update (new and old properties), and Lambda accepts at most 1 MB for an asynchronous
invocation (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html; *unverified* that
CloudFormation invokes a custom resource's function asynchronously, the stricter case); the list
also sits in the stack's template, which may be at most 1 MB (CloudFormation quotas). About
7,000 accounts with 40-character emails."""

RUNTIME_DIRECTORY = Path(__file__).parent / "runtime"
"""The enrolment function's code: standard library and boto3 only."""

_LOG_RETENTION = logs.RetentionDays.ONE_YEAR
"""PCI DSS 10.7 keeps audit trail history for at least a year; the function logs each account it
adds."""

_NO_VPC = (
    "The function only calls the Macie and Lambda APIs and the CloudFormation response URL; it "
    "reaches no workload. The security-tooling account has no VPC, and one here would need NAT "
    "or interface endpoints in every governed region for no network it protects."
)
_FUNCTION_ACKNOWLEDGMENTS = (
    Acknowledgment(
        id="NIST.800.53.R5-LambdaConcurrency",
        reason=(
            "CloudFormation invokes the function once per stack operation that changes the "
            "member list (and the function itself at most three times more): reserving "
            "concurrency would take it from the account's other functions for nothing."
        ),
    ),
    Acknowledgment(
        id="NIST.800.53.R5-LambdaDLQ",
        reason=(
            "Every failure is answered to CloudFormation, which fails and rolls back the "
            "stack operation; a dead letter queue would hold requests nobody replays."
        ),
    ),
    Acknowledgment(id="NIST.800.53.R5-LambdaInsideVPC", reason=_NO_VPC),
    Acknowledgment(id="PCI.DSS.321-LambdaInsideVPC", reason=_NO_VPC),
)


class MacieMembers(Construct):
    """Adds accounts of the organization as Macie members of the delegated administrator: one
    custom resource for the whole list, whatever its length.

    ``MacieOrganization`` auto-enables Macie for accounts that join the organization after it
    ran; the accounts that were members before need ``CreateMember`` from the administrator,
    once per account and Region, which also enables Macie in the member account (accounts of
    the administrator's organization are associated without an invitation). The custom
    resource ``Custom::MacieMembers`` holds the list (account id -> email, sorted by id); on
    create and on every update its function lists the current members (``ListMembers``) and
    calls ``CreateMember`` for each listed account that is not one, one after another and
    slower when Macie throttles (``landing_zone.detection.runtime.macie_members``). An account
    that became a member meanwhile makes the call fail with ``ConflictException``, which is
    passed over (*unverified*: the Macie API reference lists ``ConflictException`` for
    ``CreateMember`` without saying when). A 15-minute invocation that runs out of time hands
    the rest on to the next one, for at most an hour, CloudFormation's limit for a custom
    resource.

    Removing an account from ``members`` or deleting the construct makes no call: the account
    stays a member, and the guardrail ``protect-security-services`` denies
    ``macie2:DeleteMember``.

    The function, its role, its managed policy and its log group are all named
    ``<name_prefix>macie-members-<region>``: the guardrails exempt roles with the prefix and
    keep everyone else from invoking, changing or re-permissioning what carries it.

    Deploy it in the security-tooling account, in each governed Region, after
    ``MacieOrganization``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        members: Mapping[str, str],
        name_prefix: str = DEFAULT_PREFIX,
    ) -> None:
        """
        :param members: Account id -> the account's email address (``CreateMember`` requires
            both), literal values, at most :data:`MAX_MEMBERS_BYTES` as compact JSON.
        :param name_prefix: Prefix of every name: the guardrails' ``landing_zone_role_prefix``.
            Default: ``lz-``, the guardrails' default.
        """
        super().__init__(scope, construct_id)
        listed = _check_members(members)
        name = f"{check_prefix(name_prefix)}macie-members-{Stack.of(self).region}"
        description = "Adds the organization's existing accounts as Macie members"
        # Administration for the account, use for CloudWatch Logs only: no kms:*.
        self.log_key = administered_key(
            self,
            "LogKey",
            description="Encrypts the logs of the landing zone's Macie member enrolment",
            statements=[logs_service_statement()],
        )
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=f"/aws/lambda/{name}",
            encryption_key=self.log_key,
            retention=_LOG_RETENTION,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.role = iam.Role(
            self,
            "Role",
            role_name=checked_name("role", name),
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=description,
        )
        function_arn = (
            f"arn:{pseudo.PARTITION}:lambda:{pseudo.REGION}:{pseudo.ACCOUNT_ID}:function:{name}"
        )
        # One customer managed policy: AWSLambdaBasicExecutionRole would allow writing to any
        # log group.
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=checked_name("managed policy", name),
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="WriteOwnLogGroup",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_group.log_group_arn],
                ),
                iam.PolicyStatement(
                    sid="AddMacieMembers",
                    # Neither action has a resource type; both act in this stack's Region.
                    actions=["macie2:CreateMember", "macie2:ListMembers"],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:RequestedRegion": pseudo.REGION}},
                ),
                iam.PolicyStatement(
                    sid="ContinueInNextInvocation",
                    actions=["lambda:InvokeFunction"],
                    # By name: the function's own ARN attribute would make it depend on itself.
                    resources=[function_arn],
                ),
            ],
        )
        Validations.of(self.policy).acknowledge(_WILDCARD_RESOURCE_ACKNOWLEDGMENT)
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=name,
            description=description,
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            code=lambda_.Code.from_asset(
                str(RUNTIME_DIRECTORY), exclude=["__pycache__", "*.pyc", "__init__.py"]
            ),
            handler="macie_members.handler",
            # Lambda's longest: the function hands what is left to its next invocation.
            timeout=Duration.minutes(15),
            memory_size=256,
            # The managed policy grants everything: no inline policy on the role.
            role=self.role.without_policy_updates(),
            log_group=self.log_group,
        )
        self.function.node.add_dependency(self.policy)
        Validations.of(self.function).acknowledge(*_FUNCTION_ACKNOWLEDGMENTS)
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.function.function_arn,
            resource_type="Custom::MacieMembers",
            properties={"Members": listed},
            # CloudFormation's longest wait, which the function's invocations add up to.
            service_timeout=Duration.hours(1),
        )


_WILDCARD_RESOURCE_ACKNOWLEDGMENT = Acknowledgment(
    id="AwsSolutions-IAM5[Resource::*]",
    reason=(
        "macie2:CreateMember and macie2:ListMembers have no resource type in the Service "
        "Authorization Reference, so IAM only accepts Resource '*'; the statement is narrowed "
        "to this stack's region by aws:RequestedRegion."
    ),
)


def _check_members(members: Mapping[str, str]) -> dict[str, str]:
    """``members`` sorted by account id, or a ValueError naming the first bad entry."""
    if not members:
        raise ValueError("members must name at least one account id -> email, got none")
    for account_id, email in members.items():
        if is_unresolved(account_id) or not ACCOUNT_ID.fullmatch(account_id):
            raise ValueError(
                f"members: keys must be literal 12-digit account ids, got {account_id!r}"
            )
        if is_unresolved(email) or not EMAIL_ADDRESS.fullmatch(email):
            raise ValueError(
                f"members: the email of {account_id} must be a literal email address, got {email!r}"
            )
    listed = dict(sorted(members.items()))
    size = len(json.dumps(listed, separators=(",", ":")))
    if size > MAX_MEMBERS_BYTES:
        raise ValueError(
            f"members takes {size} bytes as JSON ({len(listed)} accounts); allowed: at most "
            f"{MAX_MEMBERS_BYTES}, what one custom resource request can carry"
        )
    return listed
