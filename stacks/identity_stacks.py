"""IAM Identity Center: the permission sets of the job functions, and their account assignments
in stacks of their own, sharded so that no stack outgrows CloudFormation's limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnWaitConditionHandle, Stack
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from landing_zone.ai.invocation import guardrail_pin_policy_name
from landing_zone.config import LandingZoneConfig
from landing_zone.config.identity import AccountAssignment, guardrail_pin_regions
from landing_zone.config.model import IdentityConfig
from landing_zone.identity import (
    AccountAssignments,
    Assignment,
    CustomerManagedPolicy,
    PermissionSet,
)
from landing_zone.identity.job_functions import build_job_function


def permission_set_parameter_name(organization: str, permission_set: str) -> str:
    return f"/{organization}/landing-zone/identity/permission-sets/{permission_set}/arn"


def _identity(config: LandingZoneConfig) -> IdentityConfig:
    identity = config.identity
    assert identity is not None, "identity stacks are built only when the config has identity"
    return identity


class IdentityStack(Stack):
    """The permission sets, each with its ARN published as an SSM parameter for the
    assignment stacks (resolved at deploy time, no CloudFormation export)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: LandingZoneConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        identity = _identity(config)
        instance_arn = identity.identity_center.instance_arn
        prefix = config.guardrails.parameters.landing_zone_role_prefix
        self.permission_sets: dict[str, PermissionSet] = {}
        for name, settings in identity.permission_sets.items():
            # The construct id is the name itself: a new logical id would replace the
            # permission set, and with it every assignment of it.
            permission_set = build_job_function(
                self,
                name,
                job_function=settings.job_function,
                instance_arn=instance_arn,
                name=name,
                session_duration_hours=settings.session_duration_hours,
                description=settings.description,
                require_mfa_for_sensitive_actions=identity.require_mfa_for_sensitive_actions,
                training_data_buckets=settings.training_data_buckets,
                artifact_buckets=settings.artifact_buckets,
                models=settings.models,
                execution_role_names=settings.execution_role_names,
                # The AI permission sets: the policy each AI workload creates in its account
                # and region pins them to that account's published guardrail version.
                guardrail_pins=[
                    CustomerManagedPolicy(guardrail_pin_policy_name(prefix, region))
                    for region in guardrail_pin_regions(config, name)
                ],
            )
            ssm.StringParameter(
                permission_set,
                "ArnParameter",
                parameter_name=permission_set_parameter_name(config.organization.name, name),
                string_value=permission_set.arn,
                description=f"ARN of the {name} permission set, for the assignment stacks",
            )
            self.permission_sets[name] = permission_set


class IdentityAssignmentsStack(Stack):
    """One shard of the account assignments, created a few at a time."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LandingZoneConfig,
        assignments: Sequence[AccountAssignment],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        identity = _identity(config)
        self.assignments: AccountAssignments | None = None
        if not assignments:
            # CloudFormation needs a resource; removing the last assignment must still delete it.
            CfnWaitConditionHandle(self, "NoAssignments")
            return
        arns: dict[str, str] = {}
        parameters = Construct(self, "PermissionSetArns")
        for name in sorted({a.permission_set for a in assignments}):
            arns[name] = ssm.StringParameter.value_for_string_parameter(
                parameters,
                permission_set_parameter_name(config.organization.name, name),
            )
        self.assignments = AccountAssignments(
            self,
            "Assignments",
            instance_arn=identity.identity_center.instance_arn,
            lanes=identity.assignment_lanes,
            assignments=[
                Assignment(
                    construct_id=f"{a.permission_set}.{a.group}.{a.account}",
                    permission_set_arn=arns[a.permission_set],
                    principal_id=identity.groups[a.group],
                    account_id=config.accounts[a.account].id or "",
                )
                for a in assignments
            ],
        )
