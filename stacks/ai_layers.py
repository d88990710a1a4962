"""The controls an AI workload account gets in one region, from ``ai.workloads``: the approved
guardrail (enforced on every call if configured), model invocation logging to the account and
the log archive, alarms on its use, the training-data and artifact buckets, and agent
identity."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from landing_zone.ai import BedrockGuardrail
from landing_zone.ai.agent_identity import AgentIdentity
from landing_zone.ai.alarms import BedrockUsageAlarms
from landing_zone.ai.bucket_names import ACCOUNT_ID
from landing_zone.ai.invocation import (
    guarded_inference_statements,
    guardrail_pin_policy_name,
    guardrail_pin_statement,
    inference_profile_arns,
)
from landing_zone.ai.invocation_logging import ModelInvocationLogging
from landing_zone.ai.training_data import TrainingData, macie_key_policy_statement
from landing_zone.common import pseudo
from landing_zone.common.nag import granular_resource
from landing_zone.common.naming import MAX_IAM_NAME, bounded_name, pascal_case
from landing_zone.config import LandingZoneConfig
from landing_zone.config.ai import guardrail_props
from landing_zone.config.defense import logs_data_class
from landing_zone.config.guardrails import scp_parameters
from landing_zone.config.model import AiWorkloadConfig
from landing_zone.detection import EncryptedTopic
from landing_zone.edge.web_acl import account_log_bucket_name
from landing_zone.keys import DataClassKeys
from landing_zone.logging import names
from landing_zone.logging.account_log_bucket import LogArchiveCopy

from .alerting import subscriptions
from .logging_stacks import retention

TRAINING_ACCESS_LOG_PREFIX = "ml-access-logs-"
"""First part of the name of the bucket that receives the training buckets' access logs."""


def training_role_name(region: str) -> str:
    """The SageMaker training role of an AI workload; an ``ml_engineer`` permission set may pass
    it (``execution_role_names``). No landing-zone prefix: training jobs stay under every
    guardrail."""
    return f"sagemaker-training-{region}"


def inference_role_name(name: str, region: str) -> str:
    """An application role of ``ai.workloads.<name>.inference_roles``: IAM names are global in
    an account, so the region is part of it."""
    return f"bedrock-{name}-{region}"


class AiLayers(Construct):
    """The AI controls of workload ``name`` (``workload``) in this stack's account and region,
    encrypted with the ``ai.key_class`` key of ``keys``.

    With ``shared``, the template is one that many accounts share (a StackSet template deployed
    to every account of some OUs): the account's own id comes from the ``AWS::AccountId``
    pseudo parameter (the access-log bucket's name, the inference roles' ``aws:SourceAccount``),
    ``workload.account`` is not read, and every training-data and artifact bucket name must be
    a pattern with ``{account_id}``, or the second account's buckets would collide with the
    first's. Nothing in the template then names an account: descriptions and display names
    name the workload ``name``, which is shared by those accounts. Without ``shared`` (default)
    the account is ``workload.account``, named by its id from the config, as before.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LandingZoneConfig,
        name: str,
        workload: AiWorkloadConfig,
        keys: DataClassKeys,
        region: str,
        shared: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        if shared:
            _check_shared_buckets(name, workload)
        org = config.organization
        # What enforces, records or alerts is named under the guardrails' protected prefix.
        prefix = config.guardrails.parameters.landing_zone_role_prefix
        ai_key = keys.key_for(config.ai.key_class).key
        logs_class = logs_data_class(config)
        assert logs_class is not None, "config validation requires a logs data class"
        self.guardrail = BedrockGuardrail(
            self, "Guardrail", kms_key=ai_key, **guardrail_props(config.ai.guardrail)
        )
        self.enforced = (
            self.guardrail.enforce_in_account(
                excluded_models=config.guardrails.parameters.guardrail_exempt_bedrock_models
            )
            if config.ai.guardrail.enforce_in_account
            else None
        )
        # The AI permission sets (data_scientist, ml_engineer) are one policy for every account,
        # and each account's guardrail has its own ARN: they reference this policy by name
        # (Identity Center attaches it in each assigned account), which pins their sessions here
        # to this account's published version. Attached to nothing in the template.
        self.guardrail_pin = iam.ManagedPolicy(
            self,
            "GuardrailPin",
            managed_policy_name=guardrail_pin_policy_name(prefix, region),
            description=f"Pins the AI permission sets to the published guardrail ({name})",
            statements=[
                guardrail_pin_statement(
                    guardrail_version_arn=self.guardrail.version_arn,
                    region=region,
                    exempt_model_ids=config.guardrails.parameters.guardrail_exempt_bedrock_models,
                )
            ],
        )
        log_bucket = config.logging.log_bucket
        log_archive = config.core_account_id("log_archive")
        self.invocation_logging = ModelInvocationLogging(
            self,
            "InvocationLogging",
            organization_name=org.name,
            log_key=keys.key_for(logs_class).key,
            retention=retention(workload.invocation_log_retention_days),
            object_lock_mode=s3.ObjectLockMode[log_bucket.object_lock_mode],
            retention_days=log_bucket.retention_days,
            name_prefix=prefix,
            archive=LogArchiveCopy(
                bucket_name=names.log_bucket_name(org.name, log_archive),
                account_id=log_archive,
                region=org.home_region,
                key_alias=names.logs_key_alias(org.name),
                replication_role_name=names.log_replication_role_name(
                    config.guardrails.parameters.landing_zone_role_prefix, "bedrock", region
                ),
            ),
        )
        # CloudWatch alarms publish to a topic of their own account.
        self.alarm_topic = EncryptedTopic(
            self,
            "AlarmTopic",
            display_name=f"{org.name} AI alarms: {name}",
            topic_name=f"{prefix}ai-alarms",
            subscriptions=subscriptions(config.detection.alerting.alert_subscriptions),
        )
        self.replication_alarm = self.invocation_logging.bucket.alarm_on_replication_failures(
            "ReplicationFailures", topic=self.alarm_topic.topic
        )
        alarms = workload.alarms
        self.alarms = BedrockUsageAlarms(
            self,
            "UsageAlarms",
            topic=self.alarm_topic.topic,
            guardrail_arn=self.guardrail.guardrail_arn,
            guardrail_version=self.guardrail.version_number,
            invocation_log_group=self.invocation_logging.log_group,
            intervention_rate_percent=alarms.intervention_rate_percent,
            minimum_invocations=alarms.minimum_invocations,
            invocations_per_principal=alarms.invocations_per_principal,
            rule_name=f"{prefix}bedrock-invocations-per-principal",
            alarm_name_prefix=prefix,
        )
        self.training_data = None
        account_id = pseudo.ACCOUNT_ID if shared else _account_id(config, name, workload)
        if workload.training_data_buckets:
            # Macie's scans read the training data, which the AI key encrypts.
            ai_key.add_to_resource_policy(macie_key_policy_statement())
            self.training_data = TrainingData(
                self,
                "TrainingData",
                training_data_bucket_names=workload.training_data_buckets,
                artifact_bucket_names=workload.artifact_buckets,
                encryption_key=ai_key,
                access_log_bucket_name=account_log_bucket_name(
                    TRAINING_ACCESS_LOG_PREFIX, org.name, account_id, region
                ),
                log_key=keys.key_for(logs_class).key,
                landing_zone_role_arns=scp_parameters(config).landing_zone_role_arns,
                training_role_name=training_role_name(region),
                name_prefix=prefix,
                scan_weekday=None
                if workload.macie_scan_day == "DAILY"
                else workload.macie_scan_day,
            )
        self.inference_roles: dict[str, iam.Role] = {}
        for role_name, role in workload.inference_roles.items():
            self.inference_roles[role_name] = iam.Role(
                self,
                f"InferenceRole{pascal_case(role_name)}",
                role_name=inference_role_name(role_name, region),
                assumed_by=iam.ServicePrincipal(
                    f"{role.assumed_by}.amazonaws.com",
                    # ECS and SageMaker name the account they assume the role for; Lambda's
                    # execution roles are documented without these keys.
                    conditions=None
                    if role.assumed_by == "lambda"
                    else {"StringEquals": {"aws:SourceAccount": account_id}},
                ),
                description=f"Invokes Bedrock models only through the approved guardrail ({name})",
            )
            # A managed policy: PCI DSS and NIST packs refuse inline ones.
            # The role stays under the guardrails; its policy, which makes it use the guardrail,
            # is the landing zone's.
            policy = iam.ManagedPolicy(
                self,
                f"InferencePolicy{pascal_case(role_name)}",
                managed_policy_name=bounded_name(
                    f"{prefix}{inference_role_name(role_name, region)}", MAX_IAM_NAME
                ),
                roles=[self.inference_roles[role_name]],
                statements=guarded_inference_statements(
                    guardrail_arn=self.guardrail.guardrail_arn,
                    guardrail_version_arn=self.guardrail.version_arn,
                    model_ids=role.models,
                    guardrail_key_arn=ai_key.key_arn,
                ),
            )
            for model in role.models:
                Validations.of(policy).acknowledge(
                    Acknowledgment(
                        id=(
                            "AwsSolutions-IAM5[Resource::"
                            f"{granular_resource(self, inference_profile_arns(model))}]"
                        ),
                        reason=(
                            f"The cross-Region inference profiles of {model} (eu., us., ...) in "
                            "this account: Bedrock names a profile by its geography, and the "
                            "guardrail condition still applies to every call through one."
                        ),
                    )
                )
        agents = workload.agents
        self.agents = (
            None
            if agents is None
            else AgentIdentity(
                self,
                "Agents",
                tools=agents.tools,
                agents=agents.agents,
                domain_prefix=agents.domain_prefix,
            )
        )


def _check_shared_buckets(name: str, workload: AiWorkloadConfig) -> None:
    literal = [
        bucket
        for bucket in (*workload.training_data_buckets, *workload.artifact_buckets)
        if ACCOUNT_ID not in bucket
    ]
    if literal:
        raise ValueError(
            f"ai.workloads.{name}: shared template with bucket names {literal}; allowed: only "
            f"patterns with {ACCOUNT_ID} (bucket names are global, so every account of a shared "
            "template needs its own)"
        )


def _account_id(config: LandingZoneConfig, name: str, workload: AiWorkloadConfig) -> str:
    if workload.account is None:
        raise ValueError(
            f"ai.workloads.{name}: no account; allowed: shared=True for a workload of many "
            "accounts (its account id is then the template's AWS::AccountId)"
        )
    account_id = config.accounts[workload.account].id
    assert account_id is not None, "config validation requires the account id"
    return account_id
