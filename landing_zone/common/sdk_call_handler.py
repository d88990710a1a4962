"""The Lambda execution role and log group behind every ``AwsCustomResource`` of one stack.

``AwsCustomResource`` runs all its SDK calls in one singleton Lambda function per stack: the
first instance fixes the function's role and log group for all others. ``AwsSdkCallHandler`` is
that per-stack singleton made explicit, so that every SDK call of a stack shares one role
without the ``AWSLambdaBasicExecutionRole`` managed policy, one log group with a retention and a
customer managed key, and one place where the findings on the function itself are acknowledged.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.logging._key_policy import (
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
    ) -> None:
        """
        :param role_name: Name of the Lambda execution role. Default: a name CloudFormation
            generates. Guardrails (SCPs) exempt landing-zone roles by name prefix, so in an
            account under SCPs, create the handler first with a name that carries the prefix;
            in a template deployed to several regions of one account, put the region in it.
        :param function_name: Name of the Lambda function. Default: a name CloudFormation
            generates. With the landing-zone prefix, ``protect-landing-zone-roles`` keeps
            everyone else from invoking or changing the function, which runs with the role's
            exemptions. Changing it on a deployed stack changes the service token of every SDK
            call, which CloudFormation refuses to update: set it on new stacks only.
        """
        super().__init__(scope, construct_id)
        self.function_name = function_name
        self._function_acknowledged = False
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
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
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
        on_update: cr.AwsSdkCall,
        statements: Sequence[iam.PolicyStatement],
        acknowledge_wildcard_resource: bool = False,
        on_delete: cr.AwsSdkCall | None = None,
    ) -> cr.AwsCustomResource:
        """An ``AwsCustomResource`` calling ``on_update`` on create and update, and ``on_delete``
        (default: nothing) on delete.

        ``statements`` join the handler's policy before the call runs. Each needs a ``sid``
        unique in the stack, which names it for reviewers; controls use the API action, so a
        second instance of an account-wide control in one stack is rejected. Pass
        ``acknowledge_wildcard_resource`` only when the actions have no resource type.
        """
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
        self.policy.add_statements(*statements)
        if acknowledge_wildcard_resource and not self._wildcard_acknowledged:
            Validations.of(self.policy).acknowledge(_WILDCARD_RESOURCE_ACKNOWLEDGMENT)
            self._wildcard_acknowledged = True
        resource = cr.AwsCustomResource(
            scope,
            construct_id,
            on_update=on_update,
            on_delete=on_delete,
            function_name=self.function_name,
            role=self.role,
            log_group=self.log_group,
            # The SDK in the Lambda runtime has every call the landing zone makes; downloading one
            # from npm at deploy time would need internet access from every account.
            install_latest_aws_sdk=False,
        )
        # The call must not run before its permissions are attached to the shared role.
        resource.node.add_dependency(self.policy)
        self._acknowledge_function_findings()
        return resource

    def _acknowledge_function_findings(self) -> None:
        if not self._function_acknowledged:
            Validations.of(self._function()).acknowledge(*_HANDLER_FUNCTION_ACKNOWLEDGMENTS)
            self._function_acknowledged = True

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
