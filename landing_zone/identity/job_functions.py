"""The reference job functions, each a function that returns a ``PermissionSet``.

Each job function names what it allows; what it must never do is also denied explicitly, so
that a broader AWS managed policy, today's or a future version of it, cannot widen it. Every
job function denies :data:`SENSITIVE_ACTIONS` in sessions without MFA unless
``require_mfa_for_sensitive_actions=False`` (see ``PermissionSet`` for what that means in
Identity Center sessions). :data:`JOB_FUNCTIONS` summarizes them for the README; each function's
docstring ends with its summary.

Permission sets are account-agnostic: Identity Center copies them into every account they are
assigned to, so ARNs here leave the account open (``iam::*:role/...``) and rely on what IAM
itself scopes to the account (a role can only assume roles that trust it; ``iam:PassRole`` only
passes roles of its own account).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from constructs import Construct

from landing_zone.ai.bucket_names import is_pattern, substitute, validate_pattern
from landing_zone.ai.invocation import ACCOUNT_GUARDRAIL_ARN
from landing_zone.common import pseudo
from landing_zone.common.bedrock import (
    GUARDRAIL_CONDITION_KEY,
    INFERENCE_ACTIONS,
    is_embedding_model,
    model_arns,
)
from landing_zone.common.patterns import BEDROCK_MODEL_ID, BUCKET_NAME, IAM_ROLE_NAME
from landing_zone.identity.bootstrap import (
    LANDING_ZONE_CDK_QUALIFIER,
    landing_zone_role_pattern,
)
from landing_zone.identity.permission_set import (
    ADMINISTRATOR_ACCESS,
    LONG_LIVED_CREDENTIAL_ACTIONS,
    SENSITIVE_ACTIONS,
    CustomerManagedPolicy,
    PermissionSet,
    validate_permission_set_name,
)
from landing_zone.identity.pipeline_role import (
    CDK_BOOTSTRAP_ROLES,
    CDK_DEFAULT_QUALIFIER,
    validate_cdk_bootstrap_qualifier,
)

BREAK_GLASS_PERMISSION_SET_NAME = "BreakGlass"
"""Name of the break-glass permission set, which the break-glass alarm matches."""

BREAK_GLASS_MAX_SESSION = Duration.hours(1)
"""Longest break-glass session: every use pages, and the access is for the emergency only."""

VIEW_ONLY_ACCESS = "job-function/ViewOnlyAccess"
"""AWS managed policy to list and describe resources (metadata, not their content)."""

SECURITY_AUDIT = "SecurityAudit"
"""AWS managed policy to read the security configuration of every service."""

POWER_USER_ACCESS = "PowerUserAccess"
"""AWS managed policy allowing every action outside IAM, Organizations and Account management
(through ``NotAction``, which the Fintech pack does not see in AWS managed policies)."""

LOG_READ_ACTIONS = (
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
    "logs:DescribeQueries",
    "logs:FilterLogEvents",
    "logs:GetLogEvents",
    "logs:GetLogRecord",
    "logs:GetQueryResults",
    "logs:StartLiveTail",
    "logs:StartQuery",
    "logs:StopLiveTail",
    "logs:StopQuery",
)
"""Read log events, tail them and run Logs Insights queries."""

OBSERVABILITY_READ_ACTIONS = (
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStacks",
    "cloudformation:ListStacks",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
)
"""Follow deployments and read metrics and alarms."""

SECURITY_FINDINGS_READ_ACTIONS = (
    "access-analyzer:GetFinding",
    "access-analyzer:ListFindings",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:LookupEvents",
    "config:DescribeAggregateComplianceByConfigRules",
    "config:DescribeComplianceByConfigRule",
    "config:GetAggregateComplianceDetailsByConfigRule",
    "config:GetComplianceDetailsByConfigRule",
    "config:GetResourceConfigHistory",
    "config:SelectAggregateResourceConfig",
    "config:SelectResourceConfig",
    "guardduty:GetFindings",
    "guardduty:ListDetectors",
    "guardduty:ListFindings",
    "inspector2:ListFindings",
    "macie2:GetFindings",
    "macie2:ListFindings",
    "securityhub:DescribeHub",
    "securityhub:GetEnabledStandards",
    "securityhub:GetFindings",
    "securityhub:GetInsightResults",
    "securityhub:GetInsights",
)
"""Findings, compliance and event history of the detective services."""

AUDITOR_DENIED_VERBS: dict[str, tuple[str, ...]] = {
    "access-analyzer": ("Apply", "Create", "Delete", "Update"),
    "cloudtrail": ("Create", "Delete", "Deregister", "Disable", "Put", "Remove", "Stop", "Update"),
    "config": ("Delete", "Disassociate", "Put", "StartRemediation", "Stop"),
    "guardduty": ("Archive", "Create", "Delete", "Disable", "Disassociate", "Stop", "Update"),
    "inspector2": ("Create", "Delete", "Disable", "Update"),
    "logs": ("Create", "Delete", "Disassociate", "Put", "Unmask", "Update"),
    "macie2": ("Create", "Delete", "Disable", "Put", "Update"),
    "s3": ("Create", "Delete", "Put", "Update"),
    "securityhub": (
        "BatchDelete",
        "BatchDisable",
        "BatchImport",
        "BatchUpdate",
        "Create",
        "Delete",
        "Disable",
        "Disassociate",
        "Update",
    ),
}
"""Per service, the verbs of the actions that change or remove security evidence, denied to the
auditor as ``<service>:<Verb>*`` (logs ``Create*`` covers exports, ``Unmask`` reveals masked
data)."""

AUDITOR_DENIED_ACTIONS = tuple(
    f"{service}:{verb}*" for service, verbs in AUDITOR_DENIED_VERBS.items() for verb in verbs
)

ORGANIZATIONS_POLICY_WRITE_ACTIONS = (
    "organizations:AttachPolicy",
    "organizations:CreatePolicy",
    "organizations:DetachPolicy",
    "organizations:UpdatePolicy",
)
ORGANIZATIONS_READ_ACTIONS = (
    "organizations:DescribeAccount",
    "organizations:DescribeEffectivePolicy",
    "organizations:DescribeOrganization",
    "organizations:DescribeOrganizationalUnit",
    "organizations:DescribePolicy",
    "organizations:ListAccountsForParent",
    "organizations:ListChildren",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListParents",
    "organizations:ListPolicies",
    "organizations:ListPoliciesForTarget",
    "organizations:ListRoots",
    "organizations:ListTargetsForPolicy",
)
MANAGED_ORGANIZATION_POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")
"""Organization policy types the platform admin may write (``organizations:PolicyType``)."""

IAM_READ_ACTIONS = (
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListPolicies",
    "iam:ListRolePolicies",
    "iam:ListRoles",
)

DATA_ACCESS_ACTIONS = (
    "athena:GetQueryResults",
    "dynamodb:BatchGetItem",
    "dynamodb:ExportTableToPointInTime",
    "dynamodb:GetItem",
    "dynamodb:GetRecords",
    "dynamodb:PartiQLSelect",
    "dynamodb:Query",
    "dynamodb:Scan",
    "kinesis:GetRecords",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "logs:Unmask",
    "rds-data:BatchExecuteStatement",
    "rds-data:ExecuteStatement",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3express:CreateSession",
    "secretsmanager:BatchGetSecretValue",
    "secretsmanager:GetSecretValue",
    "sqs:ReceiveMessage",
)
"""Reads of customer data and secrets, denied to the platform admin. ``kms:Decrypt`` also
keeps SSM SecureString values and KMS-encrypted objects closed whatever service reads them on
the admin's behalf; ``kms:GenerateDataKey`` stays allowed, as it yields new keys, not data."""

IDENTITY_AND_STACKSET_ADMINISTRATION_ACTIONS = (
    "cloudformation:CreateStackInstances",
    "cloudformation:CreateStackSet",
    "cloudformation:DeleteStackInstances",
    "cloudformation:DeleteStackSet",
    "cloudformation:ImportStacksToStackSet",
    "cloudformation:UpdateStackInstances",
    "cloudformation:UpdateStackSet",
    "identitystore:*",
    "sso-directory:*",
    "sso:*",
)
"""Denied to the platform admin, who is assigned the management account too: PowerUserAccess
excludes only IAM, Organizations and Account, so without this deny a platform admin could add
themselves to the break-glass group, rewrite a permission set, or change the baseline StackSet,
whose execution role the guardrails exempt."""

BILLING_CHANGE_ACTIONS = (
    "account:AcceptPrimaryEmailUpdate",
    "account:CloseAccount",
    "account:DeleteAlternateContact",
    "account:PutAccountName",
    "account:PutAlternateContact",
    "account:PutContactInformation",
    "account:StartPrimaryEmailUpdate",
    "aws-portal:Modify*",
    "billing:Put*",
    "billing:Redeem*",
    "billing:Update*",
    "ec2:PurchaseReservedInstancesOffering",
    "payments:*",
    "purchase-orders:Modify*",
    "purchase-orders:Update*",
    "rds:PurchaseReservedDBInstancesOffering",
    "savingsplans:CreateSavingsPlan",
    "tax:Put*",
    "tax:Update*",
)
"""Billing, payment, tax and account contact changes, account closure and purchases of
commitments, denied to the platform admin."""

SAGEMAKER_STUDIO_ACTIONS = (
    "sagemaker:DescribeDomain",
    "sagemaker:DescribeTrainingJob",
    "sagemaker:DescribeUserProfile",
    "sagemaker:ListApps",
    "sagemaker:ListDomains",
    "sagemaker:ListTrainingJobs",
    "sagemaker:ListUserProfiles",
)
"""Find one's Studio domain and user profile and follow training jobs; notebooks and training
jobs started in Studio run as the domain's execution role, not as the user."""

STUDIO_USER_TAG = "studiouserid"
"""Tag key that ties a SageMaker Studio user profile to one person: the profile carries it as a
resource tag, and Identity Center passes the same attribute as a session tag (attributes for
access control), so ``CreatePresignedDomainUrl`` opens only the caller's own profile. The
pattern of the AWS Machine Learning blog "Configuring Amazon SageMaker Studio for teams and
groups with complete resource isolation" (``sagemaker:ResourceTag/studiouserid`` equal to
``${aws:PrincipalTag/studiouserid}``)."""

SAGEMAKER_DEPLOY_ACTIONS = (
    "sagemaker:CreateEndpoint",
    "sagemaker:CreateEndpointConfig",
    "sagemaker:CreateModel",
    "sagemaker:UpdateEndpoint",
    "sagemaker:UpdateEndpointWeightsAndCapacities",
)
SAGEMAKER_DEPLOY_READ_ACTIONS = (
    "sagemaker:DescribeEndpoint",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:DescribeModel",
    "sagemaker:ListEndpointConfigs",
    "sagemaker:ListEndpoints",
    "sagemaker:ListModels",
)


_Function = TypeVar("_Function", bound=Callable[..., PermissionSet])


@dataclass(frozen=True, kw_only=True)
class JobFunctionDoc:
    """What a job function allows, denies and where it is assigned, for readers."""

    permission_set_name: str
    """Default name of its permission set."""
    allowed: str
    denied: str
    assigned_to: str


_MFA_NOTE = (
    "the sensitive actions (SENSITIVE_ACTIONS, Organizations policy, OU and delegation writes "
    "included) in sessions without MFA; minting long-lived credentials or identity providers "
    "(LONG_LIVED_CREDENTIAL_ACTIONS) and assuming the landing zone's cdk-lzone-* bootstrap "
    "roles (explicit deny)"
)

JOB_FUNCTIONS: dict[str, JobFunctionDoc] = {
    "developer": JobFunctionDoc(
        permission_set_name="Developer",
        allowed=(
            "Deploy with the CDK CLI through the account's CDK bootstrap roles (deploy, file "
            "and image publishing; not lookup, which can read data) and nothing else to "
            "assume; read CloudWatch Logs "
            "(including Logs Insights and live tail), metrics, alarms and CloudFormation stack "
            "events; list and describe resources (AWS managed job-function/ViewOnlyAccess)."
        ),
        denied=(
            f"Every IAM action (explicit deny of iam:*); {_MFA_NOTE}; anything not allowed, "
            "such as reading S3 objects or table items. A CDK deployment runs as the account's "
            "cfn-exec role and can do what it allows (AdministratorAccess unless bootstrapped "
            "with --cloudformation-execution-policies): scope it in non-production accounts."
        ),
        assigned_to="Non-production accounts only (OUs with environment: non-production).",
    ),
    "security_auditor": JobFunctionDoc(
        permission_set_name="SecurityAuditor",
        allowed=(
            "Read-only everywhere: AWS managed SecurityAudit and job-function/ViewOnlyAccess, "
            "CloudTrail event history, CloudWatch Logs (including Logs Insights), AWS Config "
            "compliance and configuration history, and the findings of Security Hub, "
            "GuardDuty, Inspector, Macie and IAM Access Analyzer."
        ),
        denied=(
            "Creating, changing, stopping, disabling or deleting anything of CloudTrail, "
            "Config, Security Hub, GuardDuty, Inspector, Macie, Access Analyzer, CloudWatch "
            "Logs (including exports and unmasking) and S3, finding updates and archiving "
            f"included (explicit deny); {_MFA_NOTE}."
        ),
        assigned_to="Every account but the management account.",
    ),
    "platform_admin": JobFunctionDoc(
        permission_set_name="PlatformAdmin",
        allowed=(
            "Build and run infrastructure: AWS managed PowerUserAccess (every service but IAM, "
            "Organizations and Account management), the CDK deploy and publishing roles, "
            "reading IAM roles and policies, writing service control and resource control "
            "policies (create, update, attach; in sessions with MFA only) and reading the "
            "organization's structure."
        ),
        denied=(
            "Customer data: S3 object reads, DynamoDB item reads, queries, scans, exports and "
            "stream reads, RDS Data API statements, KMS Decrypt and ReEncryptFrom, secret "
            "values, unmasking logs, SQS, Kinesis and Athena result reads; billing, payment, tax "
            "and account contact changes, closing the account, reservation and Savings Plans "
            "purchases; Identity Center, Identity Store and StackSet administration (explicit "
            f"deny); IAM writes (not granted); {_MFA_NOTE}. The MFA-gated actions "
            "include writing, attaching, detaching and deleting SCPs. Not covered by IAM: "
            "running code on a workload (SSM sessions, Lambda code updates) or changing a "
            "database password reaches its data; review "
            "such calls in CloudTrail."
        ),
        assigned_to=(
            "Every account but the management account, which no job function but break glass "
            "reaches; the organization policy statement takes effect in a delegated "
            "administrator for Organizations policies only."
        ),
    ),
    "incident_responder": JobFunctionDoc(
        permission_set_name="IncidentResponder",
        allowed=(
            "What the security auditor reads, plus the incident-response workflows of the "
            "security-tooling account: read their executions (DescribeExecution, "
            "GetExecutionHistory, ListExecutions), answer an approval (SendTaskSuccess and "
            "SendTaskFailure with the task token the page carries) and start a "
            "lz-response-* workflow (a rollback with the recorded execution id)."
        ),
        denied=(
            "Everything the security auditor may not do (explicit deny), every other state "
            "machine, changing or stopping a workflow (guardrail); "
            f"{_MFA_NOTE}."
        ),
        assigned_to="The security-tooling account only, to the on-call responders.",
    ),
    "break_glass": JobFunctionDoc(
        permission_set_name=BREAK_GLASS_PERMISSION_SET_NAME,
        allowed=(
            "Everything (AWS managed AdministratorAccess), in sessions of at most one hour; "
            "every API call of a session raises a high-severity alert."
        ),
        denied=(
            "Nothing by its own policy (the MFA deny of the other job functions is off, so "
            "break glass can repair a key policy or an SCP); the guardrails (SCPs) still "
            "apply in member accounts."
        ),
        assigned_to="Every account, to the break-glass group only.",
    ),
    "data_scientist": JobFunctionDoc(
        permission_set_name="DataScientist",
        allowed=(
            "Invoke the named Bedrock foundation models only through the landing zone's "
            "published guardrail version of the account (pinned by lz-guardrail-pin-<region>; "
            "embedding models without); list and read the named training-data "
            "and artifact buckets (KMS decryption only through S3 for those buckets); open "
            "their own SageMaker Studio user profile (studiouserid tag equal to their session's) "
            "and follow training jobs."
        ),
        denied=(
            "Any other bucket or model, writing or deleting objects, S3 wildcards of any kind; "
            f"{_MFA_NOTE}."
        ),
        assigned_to="AI non-production accounts only.",
    ),
    "ml_engineer": JobFunctionDoc(
        permission_set_name="MLEngineer",
        allowed=(
            "Invoke the named Bedrock foundation models only through the landing zone's "
            "published guardrail version of the account (pinned by lz-guardrail-pin-<region>; "
            "embedding models without); read the named training-data buckets, "
            "read and write objects of the named artifact buckets; create and update SageMaker "
            "models, endpoint configurations and endpoints, passing only the named execution "
            "roles to SageMaker."
        ),
        denied=(
            "Any other bucket or model, deleting objects, S3 wildcards of any kind, passing any "
            f"other role; {_MFA_NOTE}."
        ),
        assigned_to="AI production accounts.",
    ),
}
"""Job function -> its summary, in the order the README lists them."""


def _summarized(job_function: str) -> Callable[[_Function], _Function]:
    """Append the job function's summary in :data:`JOB_FUNCTIONS` to its docstring, so the
    summary is written once."""

    def summarize(function: _Function) -> _Function:
        doc = JOB_FUNCTIONS[job_function]
        function.__doc__ = "\n".join(
            (
                inspect.cleandoc(function.__doc__ or ""),
                "",
                f"ALLOWED   {doc.allowed}",
                f"DENIED    {doc.denied}",
                f"ASSIGNED  {doc.assigned_to}",
            )
        )
        return function

    return summarize


@_summarized("developer")
def developer(
    scope: Construct,
    construct_id: str,
    *,
    instance_arn: str,
    name: str = JOB_FUNCTIONS["developer"].permission_set_name,
    description: str | None = None,
    session_duration: Duration | None = None,
    require_mfa_for_sensitive_actions: bool = True,
    cdk_bootstrap_qualifier: str = CDK_DEFAULT_QUALIFIER,
) -> PermissionSet:
    """Deploy through the CDK and read logs, in non-production accounts.

    :param cdk_bootstrap_qualifier: Qualifier of the accounts' CDK bootstrap stacks. Default:
        ``hnb659fds``. Which accounts' bootstrap roles a session can reach is decided by their
        trust: bootstrap production accounts without ``--trust`` of non-production accounts.

    The other parameters are those of every job function: ``instance_arn`` of Identity Center;
    ``name``, ``description`` and ``session_duration`` (default 1 hour, at most 12) of the
    permission set; ``require_mfa_for_sensitive_actions`` (default on).
    """
    return _permission_set(
        scope,
        construct_id,
        instance_arn=instance_arn,
        name=name,
        description=description
        or "Developers: deploy through the CDK and read logs in non-production accounts.",
        session_duration=session_duration,
        require_mfa_for_sensitive_actions=require_mfa_for_sensitive_actions,
        aws_managed_policies=[VIEW_ONLY_ACCESS],
        statements=[
            _assume_cdk_bootstrap_roles(cdk_bootstrap_qualifier),
            iam.PolicyStatement(
                sid="ReadLogsMetricsAndStacks",
                actions=[*LOG_READ_ACTIONS, *OBSERVABILITY_READ_ACTIONS],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="DenyIam", effect=iam.Effect.DENY, actions=["iam:*"], resources=["*"]
            ),
        ],
    )


@_summarized("security_auditor")
def security_auditor(
    scope: Construct,
    construct_id: str,
    *,
    instance_arn: str,
    name: str = JOB_FUNCTIONS["security_auditor"].permission_set_name,
    description: str | None = None,
    session_duration: Duration | None = None,
    require_mfa_for_sensitive_actions: bool = True,
) -> PermissionSet:
    """Read security configuration, logs and findings everywhere; change nothing.

    The parameters are those of every job function (see :func:`developer`).
    """
    return _permission_set(
        scope,
        construct_id,
        instance_arn=instance_arn,
        name=name,
        description=description
        or "Security auditors: read-only on logs, Config, Security Hub and CloudTrail.",
        session_duration=session_duration,
        require_mfa_for_sensitive_actions=require_mfa_for_sensitive_actions,
        aws_managed_policies=[SECURITY_AUDIT, VIEW_ONLY_ACCESS],
        statements=_security_auditor_statements(),
    )


def _security_auditor_statements(
    *extra: iam.PolicyStatement,
) -> list[iam.PolicyStatement]:
    """Read findings and logs, ``extra``, and never change security evidence: the security
    auditor's policy, which the incident responder extends."""
    return [
        iam.PolicyStatement(
            sid="ReadFindingsAndLogs",
            actions=[*SECURITY_FINDINGS_READ_ACTIONS, *LOG_READ_ACTIONS],
            resources=["*"],
        ),
        *extra,
        iam.PolicyStatement(
            sid="DenyChangesToSecurityEvidence",
            effect=iam.Effect.DENY,
            actions=list(AUDITOR_DENIED_ACTIONS),
            resources=["*"],
        ),
    ]


RESPONSE_WORKFLOW_PREFIX = "lz-response-"
"""Names of the incident-response state machines (landing_zone.response)."""

APPROVAL_ACTIONS = ("states:SendTaskFailure", "states:SendTaskHeartbeat", "states:SendTaskSuccess")
"""How an incident responder answers an approval. Identity Center sessions carry no
``aws:MultiFactorAuthPresent`` key, so MFA is what Identity Center asks at sign-in (README,
MFA), not a condition here."""


@_summarized("incident_responder")
def incident_responder(
    scope: Construct,
    construct_id: str,
    *,
    instance_arn: str,
    name: str = JOB_FUNCTIONS["incident_responder"].permission_set_name,
    description: str | None = None,
    session_duration: Duration | None = None,
    require_mfa_for_sensitive_actions: bool = True,
    workflow_prefix: str = RESPONSE_WORKFLOW_PREFIX,
) -> PermissionSet:
    """Follow, approve and roll back the incident-response workflows; change nothing else.

    Task tokens have no resource in IAM (``states:SendTask*`` take ``*``), so the
    protect-delegated-administration guardrail denies them in the security-tooling account
    to everyone but this permission set and the landing zone's roles, and the page that
    carries the token goes to the paging topic's subscribers only.

    :param workflow_prefix: Name prefix of the state machines it may start. Default:
        ``lz-response-``.

    The other parameters are those of every job function (see :func:`developer`).
    """
    workflows = f"arn:{pseudo.PARTITION}:states:*:*:stateMachine:{workflow_prefix}*"
    executions = f"arn:{pseudo.PARTITION}:states:*:*:execution:{workflow_prefix}*"
    return _permission_set(
        scope,
        construct_id,
        instance_arn=instance_arn,
        name=name,
        description=description
        or "Incident responders: follow, approve and roll back the response workflows.",
        session_duration=session_duration,
        require_mfa_for_sensitive_actions=require_mfa_for_sensitive_actions,
        aws_managed_policies=[SECURITY_AUDIT, VIEW_ONLY_ACCESS],
        statements=_security_auditor_statements(
            iam.PolicyStatement(
                sid="FollowResponseWorkflows",
                actions=[
                    "states:DescribeExecution",
                    "states:DescribeStateMachine",
                    "states:GetExecutionHistory",
                    "states:ListExecutions",
                ],
                resources=[workflows, executions],
            ),
            iam.PolicyStatement(
                sid="StartResponseWorkflows",
                actions=["states:StartExecution"],
                resources=[workflows],
            ),
            iam.PolicyStatement(
                # Task tokens have no resource type in IAM: only "*" matches them.
                sid="AnswerApprovals",
                actions=list(APPROVAL_ACTIONS),
                resources=["*"],
            ),
        ),
    )


@_summarized("platform_admin")
def platform_admin(
    scope: Construct,
    construct_id: str,
    *,
    instance_arn: str,
    name: str = JOB_FUNCTIONS["platform_admin"].permission_set_name,
    description: str | None = None,
    session_duration: Duration | None = None,
    require_mfa_for_sensitive_actions: bool = True,
    cdk_bootstrap_qualifier: str = CDK_DEFAULT_QUALIFIER,
) -> PermissionSet:
    """Manage infrastructure and the organization's SCPs and RCPs, without access to data.

    Organization policy writes are limited to SCPs and RCPs by ``organizations:PolicyType``
    (unverified against a live organization: where Organizations leaves the key out of a
    request, the allow does not match and the call is denied). With
    ``require_mfa_for_sensitive_actions`` on, ``DetachPolicy`` and ``DeletePolicy`` stay denied
    in Identity Center sessions: SCPs are then detached through the organization stack.

    :param cdk_bootstrap_qualifier: Qualifier of the accounts' CDK bootstrap stacks. Default:
        ``hnb659fds``.

    The other parameters are those of every job function (see :func:`developer`).
    """
    return _permission_set(
        scope,
        construct_id,
        instance_arn=instance_arn,
        name=name,
        description=description
        or "Platform administrators: infrastructure and SCPs, no customer data or billing.",
        session_duration=session_duration,
        require_mfa_for_sensitive_actions=require_mfa_for_sensitive_actions,
        aws_managed_policies=[POWER_USER_ACCESS],
        statements=[
            _assume_cdk_bootstrap_roles(cdk_bootstrap_qualifier),
            iam.PolicyStatement(
                sid="WriteOrganizationPolicies",
                actions=list(ORGANIZATIONS_POLICY_WRITE_ACTIONS),
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "organizations:PolicyType": list(MANAGED_ORGANIZATION_POLICY_TYPES)
                    }
                },
            ),
            iam.PolicyStatement(
                sid="ReadOrganizationAndIam",
                actions=[*ORGANIZATIONS_READ_ACTIONS, *IAM_READ_ACTIONS],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="DenyDataAccess",
                effect=iam.Effect.DENY,
                actions=list(DATA_ACCESS_ACTIONS),
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="DenyBillingChanges",
                effect=iam.Effect.DENY,
                actions=list(BILLING_CHANGE_ACTIONS),
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="DenyIdentityAndStackSetAdministration",
                effect=iam.Effect.DENY,
                actions=list(IDENTITY_AND_STACKSET_ADMINISTRATION_ACTIONS),
                resources=["*"],
            ),
        ],
    )


@_summarized("break_glass")
def break_glass(
    scope: Construct,
    construct_id: str,
    *,
    instance_arn: str,
    name: str = BREAK_GLASS_PERMISSION_SET_NAME,
    description: str | None = None,
    session_duration: Duration | None = None,
    require_mfa_for_sensitive_actions: bool = False,
) -> PermissionSet:
    """Emergency administrator access: the only job function with ``AdministratorAccess``.

    The alarm that pages on every use is built elsewhere (``BreakGlassAlarm``) and matches the
    role name :func:`reserved_role_name_pattern` gives: keep ``name`` in step with it.

    ``require_mfa_for_sensitive_actions`` is off by default, unlike the other job functions:
    break glass exists to repair what the others cannot (a key policy that locks everyone out,
    a wrong SCP), and Identity Center sessions may never carry MFA in the request context
    (see :class:`PermissionSet`). What stands in for it: the group is the only one allowed to
    hold the permission set, sessions last at most an hour, and every call pages the on-call.

    :param session_duration: At most 1 hour. Default: 1 hour.

    The other parameters are those of every job function (see :func:`developer`).
    """
    if (
        session_duration is not None
        and not session_duration.is_unresolved()
        and session_duration.to_seconds(integral=False) > BREAK_GLASS_MAX_SESSION.to_seconds()
    ):
        raise ValueError(
            f"session_duration: got {session_duration.to_human_string()}; allowed: at most "
            f"{BREAK_GLASS_MAX_SESSION.to_human_string()} for break-glass access"
        )
    return _permission_set(
        scope,
        construct_id,
        instance_arn=instance_arn,
        name=name,
        description=description
        or "Break-glass emergency administrator access. Every use raises a high-severity alert.",
        session_duration=session_duration,
        require_mfa_for_sensitive_actions=require_mfa_for_sensitive_actions,
        aws_managed_policies=[ADMINISTRATOR_ACCESS],
        statements=[],
        allow_administrator_access=True,
    )


@_summarized("data_scientist")
def data_scientist(
    scope: Construct,
    construct_id: str,
    *,
    instance_arn: str,
    models: Sequence[str],
    training_data_buckets: Sequence[str] = (),
    artifact_buckets: Sequence[str] = (),
    guardrail_pins: Sequence[CustomerManagedPolicy] = (),
    name: str = JOB_FUNCTIONS["data_scientist"].permission_set_name,
    description: str | None = None,
    session_duration: Duration | None = None,
    require_mfa_for_sensitive_actions: bool = True,
) -> PermissionSet:
    """Experiment with the named models and data, in AI non-production accounts.

    :param models: Bedrock foundation model ids, such as
        ``anthropic.claude-3-5-sonnet-20240620-v1:0``; at least one, no wildcards. Inference
        profiles (``us.anthropic...``) are not covered.
    :param training_data_buckets: Buckets whose objects may be listed and read. Default: none.
    :param artifact_buckets: Buckets of model artifacts, read only here. Default: none.
    :param guardrail_pins: The customer managed policies that pin inference to the published
        guardrail version of each account (``guardrail_pin_policy_name``: the AI workloads
        create one per account and region). The inline policy accepts any numbered version of
        a guardrail of the account, because it is the same in every account; these Denies make
        it the approved one. Each must exist in every assigned account. Default: none.

    The other parameters are those of every job function (see :func:`developer`).
    """
    training = validate_bucket_names("training_data_buckets", training_data_buckets)
    artifacts = validate_bucket_names("artifact_buckets", artifact_buckets)
    return _permission_set(
        scope,
        construct_id,
        instance_arn=instance_arn,
        name=name,
        description=description
        or "Data scientists: named Bedrock models and buckets, SageMaker Studio, non-production.",
        session_duration=session_duration,
        require_mfa_for_sensitive_actions=require_mfa_for_sensitive_actions,
        aws_managed_policies=[],
        customer_managed_policies=guardrail_pins,
        statements=[
            *_invoke_models(validate_model_ids("models", models)),
            *_read_buckets(_buckets(training, artifacts)),
            iam.PolicyStatement(
                sid="OpenOwnSageMakerStudioProfile",
                actions=["sagemaker:CreatePresignedDomainUrl"],
                resources=[f"arn:{pseudo.PARTITION}:sagemaker:*:*:user-profile/*/*"],
                # A session without the tag matches nothing: the policy variable has no value.
                conditions={
                    "StringEquals": {
                        f"sagemaker:ResourceTag/{STUDIO_USER_TAG}": (
                            f"${{aws:PrincipalTag/{STUDIO_USER_TAG}}}"
                        )
                    }
                },
            ),
            iam.PolicyStatement(
                sid="FollowSageMakerStudioAndTraining",
                actions=list(SAGEMAKER_STUDIO_ACTIONS),
                resources=["*"],
            ),
        ],
    )


@_summarized("ml_engineer")
def ml_engineer(
    scope: Construct,
    construct_id: str,
    *,
    instance_arn: str,
    models: Sequence[str],
    training_data_buckets: Sequence[str] = (),
    artifact_buckets: Sequence[str] = (),
    execution_role_names: Sequence[str] = (),
    guardrail_pins: Sequence[CustomerManagedPolicy] = (),
    name: str = JOB_FUNCTIONS["ml_engineer"].permission_set_name,
    description: str | None = None,
    session_duration: Duration | None = None,
    require_mfa_for_sensitive_actions: bool = True,
) -> PermissionSet:
    """Deploy models to SageMaker endpoints and use the named models, in AI production accounts.

    :param models: Bedrock foundation model ids; at least one, no wildcards.
    :param training_data_buckets: Buckets whose objects may be listed and read. Default: none.
    :param artifact_buckets: Buckets of model artifacts, whose objects may be listed, read and
        written (not deleted). Default: none.
    :param execution_role_names: Roles that SageMaker models may run as, by name; they may be
        passed to SageMaker and to nothing else. Default: none, and then ``CreateModel`` fails,
        as SageMaker needs ``iam:PassRole`` on the model's execution role.
    :param guardrail_pins: The customer managed policies that pin inference to the published
        guardrail version of each account (``guardrail_pin_policy_name``: the AI workloads
        create one per account and region). The inline policy accepts any numbered version of
        a guardrail of the account, because it is the same in every account; these Denies make
        it the approved one. Each must exist in every assigned account. Default: none.

    The other parameters are those of every job function (see :func:`developer`).
    """
    training = validate_bucket_names("training_data_buckets", training_data_buckets)
    artifacts = validate_bucket_names("artifact_buckets", artifact_buckets)
    roles = validate_role_names("execution_role_names", execution_role_names)
    sagemaker_arn = f"arn:{pseudo.PARTITION}:sagemaker:*:*"
    statements = [
        *_invoke_models(validate_model_ids("models", models)),
        *_read_buckets(_buckets(training, artifacts)),
        *_write_objects(artifacts),
        iam.PolicyStatement(
            sid="DeploySageMakerEndpoints",
            actions=list(SAGEMAKER_DEPLOY_ACTIONS),
            resources=[
                f"{sagemaker_arn}:{kind}/*" for kind in ("endpoint", "endpoint-config", "model")
            ],
        ),
        iam.PolicyStatement(
            sid="ReadSageMakerEndpoints",
            actions=list(SAGEMAKER_DEPLOY_READ_ACTIONS),
            resources=["*"],
        ),
    ]
    if roles:
        statements.append(
            iam.PolicyStatement(
                sid="PassExecutionRolesToSageMaker",
                actions=["iam:PassRole"],
                resources=[f"arn:{pseudo.PARTITION}:iam::*:role/{role}" for role in roles],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            )
        )
    return _permission_set(
        scope,
        construct_id,
        instance_arn=instance_arn,
        name=name,
        description=description
        or "ML engineers: deploy SageMaker endpoints, named Bedrock models and buckets.",
        session_duration=session_duration,
        require_mfa_for_sensitive_actions=require_mfa_for_sensitive_actions,
        aws_managed_policies=[],
        customer_managed_policies=guardrail_pins,
        statements=statements,
    )


_AI_JOB_FUNCTIONS = ("data_scientist", "ml_engineer")
_JOB_FUNCTIONS_TAKING = {
    "training_data_buckets": _AI_JOB_FUNCTIONS,
    "artifact_buckets": _AI_JOB_FUNCTIONS,
    "models": _AI_JOB_FUNCTIONS,
    "guardrail_pins": _AI_JOB_FUNCTIONS,
    "execution_role_names": ("ml_engineer",),
}
"""Parameter of ``build_job_function`` -> the job functions that take it."""


def build_job_function(
    scope: Construct,
    construct_id: str,
    *,
    job_function: str,
    instance_arn: str,
    name: str,
    session_duration_hours: int = 1,
    description: str | None = None,
    require_mfa_for_sensitive_actions: bool = True,
    training_data_buckets: Sequence[str] = (),
    artifact_buckets: Sequence[str] = (),
    models: Sequence[str] = (),
    execution_role_names: Sequence[str] = (),
    guardrail_pins: Sequence[CustomerManagedPolicy] = (),
) -> PermissionSet:
    """The permission set of ``job_function`` (a key of :data:`JOB_FUNCTIONS`), from the
    config's settings of one permission set. The AI parameters apply to ``data_scientist``
    and ``ml_engineer`` only, ``execution_role_names`` to ``ml_engineer`` only."""
    if job_function not in JOB_FUNCTIONS:
        raise ValueError(
            f"job_function: got {job_function!r}; allowed: one of {', '.join(JOB_FUNCTIONS)}"
        )
    session_duration = Duration.hours(session_duration_hours)
    given = [
        field
        for field, values in (
            ("training_data_buckets", training_data_buckets),
            ("artifact_buckets", artifact_buckets),
            ("models", models),
            ("execution_role_names", execution_role_names),
            ("guardrail_pins", guardrail_pins),
        )
        if values and job_function not in _JOB_FUNCTIONS_TAKING[field]
    ]
    if given:
        raise ValueError(
            f"{', '.join(given)}: given for job function {job_function!r}; allowed: only for "
            f"{' and '.join(_JOB_FUNCTIONS_TAKING[given[0]])}"
        )
    if job_function == "data_scientist":
        return data_scientist(
            scope,
            construct_id,
            instance_arn=instance_arn,
            name=name,
            description=description,
            session_duration=session_duration,
            require_mfa_for_sensitive_actions=require_mfa_for_sensitive_actions,
            models=models,
            training_data_buckets=training_data_buckets,
            artifact_buckets=artifact_buckets,
            guardrail_pins=guardrail_pins,
        )
    if job_function == "ml_engineer":
        return ml_engineer(
            scope,
            construct_id,
            instance_arn=instance_arn,
            name=name,
            description=description,
            session_duration=session_duration,
            require_mfa_for_sensitive_actions=require_mfa_for_sensitive_actions,
            models=models,
            training_data_buckets=training_data_buckets,
            artifact_buckets=artifact_buckets,
            execution_role_names=execution_role_names,
            guardrail_pins=guardrail_pins,
        )
    builder = {
        "developer": developer,
        "security_auditor": security_auditor,
        "incident_responder": incident_responder,
        "platform_admin": platform_admin,
        "break_glass": break_glass,
    }[job_function]
    return builder(
        scope,
        construct_id,
        instance_arn=instance_arn,
        name=name,
        description=description,
        session_duration=session_duration,
        # Break glass must be able to repair what MFA-protected actions guard; see break_glass.
        require_mfa_for_sensitive_actions=require_mfa_for_sensitive_actions
        and job_function != "break_glass",
    )


def reserved_role_name_pattern(name: str) -> str:
    """The IAM role name pattern of permission set ``name`` in every account it is assigned
    to: Identity Center names the role ``AWSReservedSSO_<name>_<suffix>``."""
    return f"AWSReservedSSO_{validate_permission_set_name('name', name)}_*"


def validate_model_ids(field: str, values: Sequence[str]) -> tuple[str, ...]:
    """At least one distinct Bedrock foundation model id, without wildcards."""
    models = _distinct_matching(
        field,
        values,
        BEDROCK_MODEL_ID,
        "a Bedrock foundation model id such as 'anthropic.claude-3-5-sonnet-20240620-v1:0', "
        "without wildcards",
    )
    if not models:
        raise ValueError(f"{field}: got none; allowed: at least one Bedrock model id")
    return models


def validate_bucket_names(field: str, values: Sequence[str]) -> tuple[str, ...]:
    """Distinct S3 bucket names, without wildcards. A name may be a pattern with
    ``{account_id}`` and ``{region}`` (``landing_zone.ai.bucket_names``): the bucket of that
    name in the account and region of each request."""
    checked = _distinct_strings(field, values)
    for index, value in enumerate(checked):
        if is_pattern(value):
            validate_pattern(f"{field}[{index}]", value)
        elif not BUCKET_NAME.fullmatch(value):
            raise ValueError(
                f"{field}[{index}]: got {value!r}; allowed: an S3 bucket name (3 to 63 lowercase "
                "letters, digits, '.' or '-'), without wildcards, or a pattern with {account_id} "
                "or {region}"
            )
    return checked


def validate_role_names(field: str, values: Sequence[str]) -> tuple[str, ...]:
    """Distinct IAM role names, without wildcards or paths."""
    return _distinct_matching(
        field,
        values,
        IAM_ROLE_NAME,
        "an IAM role name (1 to 64 letters, digits or '+=,.@_-'), without wildcards",
    )


def _distinct_matching(
    field: str, values: Sequence[str], pattern: re.Pattern[str], allowed: str
) -> tuple[str, ...]:
    """``values``, each once and each matching ``pattern`` (``allowed`` says what it takes)."""
    checked = _distinct_strings(field, values)
    for index, value in enumerate(checked):
        if not pattern.fullmatch(value):
            raise ValueError(f"{field}[{index}]: got {value!r}; allowed: {allowed}")
    return checked


def _distinct_strings(field: str, values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise ValueError(f"{field}: got the string {values!r}; allowed: a list of strings")
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise ValueError(f"{field}[{index}]: got {value!r}; allowed: a string")
    duplicates = sorted({value for value in values if list(values).count(value) > 1})
    if duplicates:
        raise ValueError(f"{field}: {duplicates} appear more than once; allowed: each once")
    return tuple(values)


def _permission_set(
    scope: Construct,
    construct_id: str,
    *,
    instance_arn: str,
    name: str,
    description: str,
    session_duration: Duration | None,
    require_mfa_for_sensitive_actions: bool,
    aws_managed_policies: Sequence[str],
    statements: Sequence[iam.PolicyStatement],
    allow_administrator_access: bool = False,
    customer_managed_policies: Sequence[CustomerManagedPolicy] = (),
) -> PermissionSet:
    # Every job function but break glass: no credentials that outlive the session, and no way
    # into the landing zone's own bootstrap roles, whatever its allows or AWS managed policies
    # say (PowerUserAccess allows sts:*).
    mfa_protected = SENSITIVE_ACTIONS if require_mfa_for_sensitive_actions else ()
    if not allow_administrator_access:
        statements = [*statements, *_deny_persistence_and_landing_zone_deployment()]
        # Denied outright already: naming them again would only spend the inline quota.
        mfa_protected = tuple(a for a in mfa_protected if a not in LONG_LIVED_CREDENTIAL_ACTIONS)
    return PermissionSet(
        scope,
        construct_id,
        instance_arn=instance_arn,
        name=name,
        description=description,
        session_duration=session_duration,
        aws_managed_policies=aws_managed_policies,
        customer_managed_policies=customer_managed_policies,
        inline_policy=iam.PolicyDocument(statements=list(statements)) if statements else None,
        mfa_protected_actions=mfa_protected,
        allow_administrator_access=allow_administrator_access,
    )


def _deny_persistence_and_landing_zone_deployment() -> list[iam.PolicyStatement]:
    return [
        iam.PolicyStatement(
            sid="DenyLongLivedCredentials",
            effect=iam.Effect.DENY,
            actions=list(LONG_LIVED_CREDENTIAL_ACTIONS),
            resources=["*"],
        ),
        # The landing zone's bootstrap roles trust its deployer role only; this deny holds even
        # if one of them is bootstrapped with an account-wide trust by mistake.
        iam.PolicyStatement(
            sid="DenyLandingZoneBootstrapRoles",
            effect=iam.Effect.DENY,
            actions=["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
            resources=[
                f"arn:{pseudo.PARTITION}:iam::*:role/{landing_zone_role_pattern(LANDING_ZONE_CDK_QUALIFIER)}"
            ],
        ),
    ]


CDK_DEPLOY_ROLES = tuple(kind for kind in CDK_BOOTSTRAP_ROLES if kind != "lookup")
"""The bootstrap roles a person deploys with. Not the lookup role: it carries AWS managed
ReadOnlyAccess, which reads S3 objects and table items the job functions are denied; context
lookups belong in ``cdk.context.json`` or the pipeline."""


def _assume_cdk_bootstrap_roles(qualifier: str) -> iam.PolicyStatement:
    """Assume the CDK deploy and publishing roles (never the lookup role, see
    :data:`CDK_DEPLOY_ROLES`, nor the cfn-exec role, which only CloudFormation may assume), in
    whichever account trusts the session."""
    qualifier = validate_cdk_bootstrap_qualifier("cdk_bootstrap_qualifier", qualifier)
    if qualifier == LANDING_ZONE_CDK_QUALIFIER:
        raise ValueError(
            f"cdk_bootstrap_qualifier: got {qualifier!r}; allowed: any qualifier but the landing "
            "zone's own, whose roles only the landing-zone deployer may assume"
        )
    return iam.PolicyStatement(
        sid="AssumeCdkBootstrapRoles",
        actions=["sts:AssumeRole"],
        resources=[
            f"arn:{pseudo.PARTITION}:iam::*:role/cdk-{qualifier}-{kind}-role-*"
            for kind in CDK_DEPLOY_ROLES
        ],
        conditions={
            "StringEquals": {"iam:ResourceTag/aws-cdk:bootstrap-role": list(CDK_DEPLOY_ROLES)}
        },
    )


def _buckets(*groups: Sequence[str]) -> tuple[str, ...]:
    """The buckets of ``groups``, each once, in order."""
    return tuple(dict.fromkeys(bucket for group in groups for bucket in group))


def _bucket_arn(bucket: str) -> str:
    return f"arn:{pseudo.PARTITION}:s3:::{_bucket_in_session_account(bucket)}"


def _bucket_in_session_account(bucket: str) -> str:
    """``bucket``, with a pattern's placeholders as IAM policy variables: a permission set is
    one policy for every account it is assigned to, so ``{account_id}`` must become the
    account of the session when the policy is evaluated, not the Identity Center stack's.

    IAM User Guide, "IAM policy elements: Variables and tags"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html):
    variables may stand in the resource portion of a ``Resource`` ARN (after the fifth colon,
    which for S3 is the whole bucket name) and in string conditions, and global condition
    keys may be used as variables. "AWS global condition context keys"
    (reference_policies_condition-keys.html): ``aws:PrincipalAccount`` and
    ``aws:RequestedRegion`` are always in the request context. That ``aws:RequestedRegion`` is
    the bucket's region for every S3 request (and for the KMS calls S3 makes for it) is not
    verified here; where it is not, access is denied, never widened. No wildcard: the
    variables match exactly one bucket name per account and region."""
    return substitute(bucket, account_id="${aws:PrincipalAccount}", region="${aws:RequestedRegion}")


def _through_s3(buckets: Sequence[str]) -> dict[str, dict[str, object]]:
    """KMS conditions: a request S3 makes on the caller's behalf, for objects of ``buckets``
    (S3 puts the object's or, with bucket keys, the bucket's ARN in the encryption context)."""
    return {
        "StringLike": {
            "kms:ViaService": f"s3.*.{pseudo.URL_SUFFIX}",
            "kms:EncryptionContext:aws:s3:arn": [
                arn
                for bucket in buckets
                for arn in (_bucket_arn(bucket), f"{_bucket_arn(bucket)}/*")
            ],
        }
    }


def _invoke_models(models: Sequence[str]) -> list[iam.PolicyStatement]:
    # Permission sets are the same in every account, and each account's guardrail has its own
    # id: require a numbered version of a guardrail of the account the session is in. Which
    # version is the approved one, the customer managed policies of ``guardrail_pins`` say,
    # one per account and region (guardrail_pin_statement).
    guarded = [model for model in models if not is_embedding_model(model)]
    embeddings = [model for model in models if is_embedding_model(model)]
    statements = [
        iam.PolicyStatement(
            sid="DescribeNamedModels",
            actions=["bedrock:GetFoundationModel"],
            resources=[_model_arns(model)[0] for model in models],
        ),
        iam.PolicyStatement(
            sid="ListFoundationModels", actions=["bedrock:ListFoundationModels"], resources=["*"]
        ),
    ]
    if guarded:
        statements.append(
            iam.PolicyStatement(
                sid="InvokeNamedModelsThroughAGuardrail",
                actions=list(INFERENCE_ACTIONS),
                resources=[arn for model in guarded for arn in _model_arns(model)],
                conditions={"StringLike": {GUARDRAIL_CONDITION_KEY: ACCOUNT_GUARDRAIL_ARN}},
            ),
        )
        # Bedrock requires both of whoever uses a guardrail in inference, and the guardrails of
        # the landing zone are encrypted with a customer managed key (the AI key).
        own_account = {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}
        statements += [
            iam.PolicyStatement(
                sid="ApplyGuardrailsOfTheAccount",
                actions=["bedrock:ApplyGuardrail"],
                resources=[f"arn:{pseudo.PARTITION}:bedrock:*:*:guardrail/*"],
                conditions=own_account,
            ),
            iam.PolicyStatement(
                sid="DecryptGuardrailsThroughBedrock",
                actions=["kms:Decrypt"],
                resources=[f"arn:{pseudo.PARTITION}:kms:*:*:key/*"],
                conditions={
                    **own_account,
                    "StringLike": {"kms:ViaService": f"bedrock.*.{pseudo.URL_SUFFIX}"},
                },
            ),
        ]
    if embeddings:
        statements.append(
            iam.PolicyStatement(
                sid="InvokeNamedEmbeddingModels",
                actions=list(INFERENCE_ACTIONS),
                resources=[arn for model in embeddings for arn in _model_arns(model)],
            )
        )
    return statements


def _model_arns(model: str) -> list[str]:
    # Inference profiles of any account: they take no resource policy, so only the session's
    # own account's profiles can be used (and the ARN stays a plain ARN for linters).
    return model_arns(model, partition=pseudo.PARTITION)


def _object_statements(
    sid: str, actions: Sequence[str], resources: Callable[[str], str], buckets: Sequence[str]
) -> list[iam.PolicyStatement]:
    """``actions`` on ``resources(bucket)`` of each bucket: literal names as named; pattern
    names (``{account_id}``) in a statement of their own that also requires the bucket to be
    the session's account's (``aws:ResourceAccount``). A pattern name is computable for every
    account, so anyone, inside the organization or not, could create it first in an account of
    their own; the session must not read or write there."""
    literal = [bucket for bucket in buckets if not is_pattern(bucket)]
    patterns = [bucket for bucket in buckets if is_pattern(bucket)]
    statements = []
    if literal:
        statements.append(
            iam.PolicyStatement(
                sid=sid, actions=list(actions), resources=[resources(b) for b in literal]
            )
        )
    if patterns:
        statements.append(
            iam.PolicyStatement(
                sid=f"{sid}InOwnAccount",
                actions=list(actions),
                resources=[resources(bucket) for bucket in patterns],
                conditions={"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}},
            )
        )
    return statements


def _read_buckets(buckets: Sequence[str]) -> list[iam.PolicyStatement]:
    if not buckets:
        return []
    return [
        *_object_statements("ListNamedBuckets", ["s3:ListBucket"], _bucket_arn, buckets),
        *_object_statements(
            "ReadNamedBuckets", ["s3:GetObject"], lambda b: f"{_bucket_arn(b)}/*", buckets
        ),
        iam.PolicyStatement(
            sid="DecryptThroughS3ForNamedBuckets",
            actions=["kms:Decrypt"],
            resources=["*"],
            conditions=_through_s3(buckets),
        ),
    ]


def _write_objects(buckets: Sequence[str]) -> list[iam.PolicyStatement]:
    if not buckets:
        return []
    return [
        *_object_statements(
            "WriteArtifacts", ["s3:PutObject"], lambda b: f"{_bucket_arn(b)}/*", buckets
        ),
        iam.PolicyStatement(
            sid="EncryptThroughS3ForArtifacts",
            actions=["kms:GenerateDataKey"],
            resources=["*"],
            conditions=_through_s3(buckets),
        ),
    ]
