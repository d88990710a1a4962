"""The Lambda execution role and log group behind every ``AwsCustomResource`` of one stack.

``AwsCustomResource`` runs all its SDK calls in one singleton Lambda function per stack: the
first instance fixes the function's role and log group for all others. ``AwsSdkCallHandler`` is
that per-stack singleton made explicit, so that every SDK call of a stack shares one role
without the ``AWSLambdaBasicExecutionRole`` managed policy, one log group with a retention and a
customer managed key, and one place where the findings on the function itself are acknowledged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import (
    Acknowledgment,
    CfnResource,
    CustomResource,
    RemovalPolicy,
    Stack,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common.key_policy import (
    administered_key,
    logs_service_statement,
)

LOG_RETENTION = logs.RetentionDays.ONE_YEAR
"""PCI DSS 10.7 keeps audit trail history for at least a year; the handler logs every SDK call."""

_NO_VPC = (
    "The handler only calls AWS APIs that change account settings, and the CloudFormation "
    "response URL; it reaches no workload. It runs in accounts that have no VPC (the "
    "management account, every new member account through the baseline), where a VPC would "
    "need NAT or interface endpoints in every account and region."
)
_HANDLER_FUNCTION_ACKNOWLEDGMENTS = (
    Acknowledgment(
        id="NIST.800.53.R5-LambdaConcurrency",
        reason=(
            "CloudFormation invokes this custom resource handler a few times per stack "
            "operation. Reserved concurrency would fail deployments in new accounts, "
            "whose low default concurrency quota leaves nothing to reserve below the "
            "unreserved minimum."
        ),
    ),
    Acknowledgment(
        id="NIST.800.53.R5-LambdaDLQ",
        reason=(
            "A failed SDK call fails the custom resource, so CloudFormation rolls the stack "
            "back (and a StackSet operation reports the account as failed). A dead "
            "letter queue in every account and region would hold events nobody replays."
        ),
    ),
    Acknowledgment(id="NIST.800.53.R5-LambdaInsideVPC", reason=_NO_VPC),
    Acknowledgment(id="PCI.DSS.321-LambdaInsideVPC", reason=_NO_VPC),
)

RENAMED_HANDLER_LOGICAL_ID_SUFFIX = "Lz"
"""``logical_id_suffix`` of the landing zone's handlers that got their protected names after
release (core stacks, the baseline StackSet, workload key replicas): their calls are created
anew under the named function. None of those calls has a delete call, so the old ones' deletion
switches nothing off (tests/upgrade/test_upgrade_window.py checks it against the release)."""

_LOGICAL_ID_SUFFIX = re.compile(r"[A-Za-z0-9]{1,32}")

_WILDCARD_RESOURCE_ACKNOWLEDGMENT = Acknowledgment(
    id="AwsSolutions-IAM5[Resource::*]",
    reason=(
        "The SDK calls change account- or organization-level settings: their actions have no "
        "resource type in the Service Authorization Reference, so IAM only accepts Resource "
        "'*'. Where the service offers a condition key (the account, the region, the service "
        "principal) the statement is narrowed by it; every action is named exactly."
    ),
)


class AwsSdkCallHandler(Construct):
    """Role, log group and log key shared by the ``AwsCustomResource`` SDK calls of a stack.

    Get it with ``AwsSdkCallHandler.of(scope)`` and create SDK calls with ``sdk_call``: a second
    handler in the same stack would fight the first over the one singleton Lambda function.
    """

    ID = "AwsSdkCallHandler"
    """Construct id of the handler, a direct child of its stack."""

    def __init__(
        self,
        scope: Stack,
        construct_id: str,
        *,
        role_name: str | None = None,
        function_name: str | None = None,
        policy_name: str | None = None,
        logical_id_suffix: str = "",
    ) -> None:
        """
        :param role_name: Name of the Lambda execution role. Default: a name CloudFormation
            generates. Guardrails (SCPs) exempt landing-zone roles by name prefix, so in an
            account under SCPs, create the handler first with a name that carries the prefix;
            in a template deployed to several regions of one account, put the region in it.
        :param function_name: Name of the Lambda function; its log group is then
            ``/aws/lambda/<function_name>``. Default: names CloudFormation generates. With the
            landing-zone prefix, ``protect-landing-zone-roles`` keeps everyone else from
            invoking or changing the function, which runs with the role's exemptions. Changing
            it on a deployed stack replaces the function, hence the service token of every SDK
            call, which CloudFormation cannot update in place: change ``logical_id_suffix`` with
            it.
        :param policy_name: Name of the customer managed policy on the role (IAM names are per
            account: put the region in it where the template runs in several). Default: a name
            CloudFormation generates. With the landing-zone prefix the guardrails keep everyone
            else from writing a new version of it.
        :param logical_id_suffix: Appended to the logical id of every SDK call's custom
            resource. Default: none. A new suffix makes CloudFormation create each call anew,
            with the current function, and then delete the old one through the old function:
            the only way to move deployed SDK calls to a renamed function. The old calls' delete
            path runs (``on_delete``), so only a call whose ``on_delete`` does not switch a
            control off may move this way.
        """
        if logical_id_suffix and not _LOGICAL_ID_SUFFIX.fullmatch(logical_id_suffix):
            raise ValueError(
                "logical_id_suffix must be letters and digits (a CloudFormation logical id); "
                f"received {logical_id_suffix!r}"
            )
        super().__init__(scope, construct_id)
        self.function_name = function_name
        self.logical_id_suffix = logical_id_suffix
        self._function_prepared = False
        self._wildcard_acknowledged = False
        # Administration for the account, use for CloudWatch Logs only (below): no kms:*.
        self.log_key = administered_key(
            self,
            "LogKey",
            description="Encrypts the logs of the landing zone's AWS SDK calls in this stack",
        )
        # CloudWatch Logs encrypts with the key on behalf of log groups of this account and
        # region only (the documented key policy for encrypted log groups).
        self.log_key.add_to_resource_policy(
            logs_service_statement("AllowCloudWatchLogsOfThisAccountAndRegion")
        )
        # Lambda's own log group name for the function, so the protected function prefix covers
        # its logs too. Naming it replaces a generated-name group: the old one is retained
        # with its records.
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=None if function_name is None else f"/aws/lambda/{function_name}",
            encryption_key=self.log_key,
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Runs the AWS SDK calls of the landing zone's custom resources",
            role_name=role_name,
        )
        # One customer managed policy for every call: a role takes at most 10 managed policies,
        # and AWSLambdaBasicExecutionRole would allow writing to any log group.
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=policy_name,
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="WriteOwnLogGroup",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_group.log_group_arn],
                )
            ],
        )
        self._statement_owners: dict[str, str] = {"WriteOwnLogGroup": self.node.path}

    @classmethod
    def of(cls, scope: Construct) -> AwsSdkCallHandler:
        """The handler of the stack that contains ``scope``, created on first use."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(cls.ID)
        if existing is None:
            return cls(stack, cls.ID)
        if not isinstance(existing, AwsSdkCallHandler):
            raise TypeError(
                f"{stack.node.path}/{cls.ID} is a {type(existing).__name__}; the id is reserved "
                "for the AwsSdkCallHandler of the stack"
            )
        return existing

    def sdk_call(
        self,
        scope: Construct,
        construct_id: str,
        *,
        on_update: cr.AwsSdkCall | None = None,
        statements: Sequence[iam.PolicyStatement],
        acknowledge_wildcard_resource: bool = False,
        on_delete: cr.AwsSdkCall | None = None,
        on_create: cr.AwsSdkCall | None = None,
    ) -> cr.AwsCustomResource:
        """An ``AwsCustomResource`` calling ``on_update`` on create and update, or ``on_create``
        on create only (a lookup whose later change must not reach what reads it), and
        ``on_delete`` (default: nothing) on delete. Give exactly one of ``on_update`` and
        ``on_create``.

        ``statements`` join the handler's policy before the call runs. Each needs a ``sid``
        unique in the stack, which names it for reviewers; controls use the API action, so a
        second instance of an account-wide control in one stack is rejected. Pass
        ``acknowledge_wildcard_resource`` only when the actions have no resource type; a
        statement on every resource (``*``) without it is rejected, since the stack's one
        acknowledgment covers the whole shared policy.
        """
        if (on_update is None) == (on_create is None):
            raise ValueError(
                f"{scope.node.path}/{construct_id}: give on_update (a call on create and update) "
                "or on_create (on create only), not both or neither"
            )
        for statement in statements:
            sid = statement.sid
            if not sid:
                raise ValueError(f"{scope.node.path}/{construct_id}: every statement needs a sid")
            if sid in self._statement_owners:
                raise ValueError(
                    f"{scope.node.path}/{construct_id}: the statement {sid!r} is already granted "
                    f"for {self._statement_owners[sid]}; each setting is made once per stack"
                )
            self._statement_owners[sid] = f"{scope.node.path}/{construct_id}"
            # The stack's one acknowledgment of AwsSolutions-IAM5[Resource::*] covers the whole
            # shared policy: a wildcard statement without the flag would hide behind another
            # call's.
            if not acknowledge_wildcard_resource and "*" in statement.resources:
                raise ValueError(
                    f"{scope.node.path}/{construct_id}: the statement {sid!r} allows every "
                    "resource ('*'); allowed: the resources it needs, or "
                    "acknowledge_wildcard_resource=True when its actions have no resource type"
                )
        self.policy.add_statements(*statements)
        if acknowledge_wildcard_resource and not self._wildcard_acknowledged:
            Validations.of(self.policy).acknowledge(_WILDCARD_RESOURCE_ACKNOWLEDGMENT)
            self._wildcard_acknowledged = True
        resource = cr.AwsCustomResource(
            scope,
            construct_id,
            on_create=on_create,
            on_update=on_update,
            on_delete=on_delete,
            function_name=self.function_name,
            role=self.role,
            log_group=self.log_group,
            # The SDK in the Lambda runtime has every call the landing zone makes; downloading one
            # from npm at deploy time would need internet access from every account.
            install_latest_aws_sdk=False,
        )
        if self.logical_id_suffix:
            custom = resource.node.default_child
            assert isinstance(custom, CustomResource), "AwsCustomResource wraps a CustomResource"
            cfn = custom.node.default_child
            assert isinstance(cfn, CfnResource), "a CustomResource wraps a CfnResource"
            cfn.override_logical_id(f"{Stack.of(cfn).get_logical_id(cfn)}{self.logical_id_suffix}")
        self._prepare_function()
        return resource

    def _prepare_function(self) -> None:
        """Once per handler, on the first call: the function that runs every call waits for
        the shared policy, so no call runs before its permissions are attached to the role.
        Each call's custom resource depends on the function (its service token), hence on the
        policy: one dependency in the template instead of one per call, the same order on
        create, update (the policy gains a call's statement before the call runs) and delete."""
        if not self._function_prepared:
            function = self._function()
            function.node.add_dependency(self.policy)
            Validations.of(function).acknowledge(*_HANDLER_FUNCTION_ACKNOWLEDGMENTS)
            self._function_prepared = True

    def _function(self) -> lambda_.Function:
        """The singleton function ``AwsCustomResource`` created with this handler's role."""
        for child in Stack.of(self).node.children:
            if (
                isinstance(child, lambda_.Function)
                and child.role is not None
                and child.role.node.path == self.role.node.path
            ):
                return child
        raise LookupError(f"no AwsCustomResource function uses {self.role.node.path}")
