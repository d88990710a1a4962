"""The OIDC-only CI/CD deploy roles of one account: GitHub's identity provider and one role per
pipeline, each under a permissions boundary of its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Stack
from constructs import Construct

from landing_zone.common.naming import pascal_case
from landing_zone.config import LandingZoneConfig
from landing_zone.config.model import PipelineConfig
from landing_zone.identity import GitHubOidcProvider, PipelineDeployRole
from landing_zone.identity.pipeline_role import CdkDeployBoundary


def pipeline_role_name(pipeline: str) -> str:
    # Not the landing zone's role prefix: the guardrails must bind a workload deployer.
    return f"pipeline-{pipeline}-deploy"


class PipelinesStack(Stack):
    """The deploy roles of the pipelines whose ``account`` is this stack's account."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LandingZoneConfig,
        pipelines: Mapping[str, PipelineConfig],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # One provider per issuer and account; this stack is the only one that makes it.
        self.provider = GitHubOidcProvider(self, "GitHubOidcProvider")
        self.roles: dict[str, PipelineDeployRole] = {}
        for name, pipeline in pipelines.items():
            targets = [config.accounts[account].id or "" for account in pipeline.deploy_to]
            scope_ = Construct(self, pascal_case(name))
            boundary = CdkDeployBoundary(
                scope_,
                "Boundary",
                target_accounts=targets,
                cdk_bootstrap_qualifier=pipeline.cdk_qualifier,
            ).policy
            self.roles[name] = PipelineDeployRole(
                scope_,
                "Role",
                provider=self.provider.provider,
                repository=pipeline.repository,
                branches=pipeline.branches,
                environments=pipeline.environments,
                permissions_boundary=boundary,
                cdk_target_accounts=targets,
                cdk_bootstrap_qualifier=pipeline.cdk_qualifier,
                max_session_duration_hours=pipeline.max_session_duration_hours,
                role_name=pipeline_role_name(name),
            )
