"""The OIDC-only CI/CD deploy roles of one account: GitHub's identity provider and one role per
pipeline, each under a permissions boundary of its own; and the landing zone's own deployer,
deployed once before the bootstrap (``scripts/bootstrap_templates.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from landing_zone.common.naming import pascal_case
from landing_zone.config import LandingZoneConfig
from landing_zone.config.identity import deployer_name, pipeline_role_name
from landing_zone.config.model import PipelineConfig
from landing_zone.identity import GitHubOidcProvider, PipelineDeployRole
from landing_zone.identity.bootstrap import LANDING_ZONE_CDK_QUALIFIER, LandingZoneDeployer
from landing_zone.identity.pipeline_role import GITHUB_ISSUER_HOST, CdkDeployBoundary


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
        prefix = config.guardrails.parameters.landing_zone_role_prefix
        for name, pipeline in pipelines.items():
            targets = [config.accounts[account].id or "" for account in pipeline.deploy_to]
            scope_ = Construct(self, pascal_case(name))
            boundary = CdkDeployBoundary(
                scope_,
                "Boundary",
                target_accounts=targets,
                cdk_bootstrap_qualifier=pipeline.cdk_qualifier,
                policy_name=f"{prefix}pipeline-{name}-boundary",
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
                cdk_bootstrap_policy_name=f"{prefix}pipeline-{name}-cdk-roles",
            )


class DeployerStack(Stack):
    """The landing-zone deployer of ``identity.deployer`` in the management account: the one
    principal its ``cdk-lzone-*`` bootstrap roles trust. It is deployed before those roles
    exist, so give it a synthesizer that needs no bootstrap (``BootstraplessSynthesizer``)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: LandingZoneConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        deployer = None if config.identity is None else config.identity.deployer
        name = deployer_name(config)
        if deployer is None or name is None:
            raise ValueError("identity.deployer: not set; allowed: the deployer's settings")
        provider: iam.IOidcProvider
        if deployer.create_oidc_provider:
            provider = GitHubOidcProvider(self, "GitHubOidcProvider").provider
        else:
            provider = iam.OidcProviderNative.from_oidc_provider_arn(
                self,
                "GitHubOidcProvider",
                f"arn:{self.partition}:iam::{self.account}:oidc-provider/{GITHUB_ISSUER_HOST}",
            )
        self.deployer = LandingZoneDeployer(
            self,
            "Deployer",
            role_name=name,
            repository=deployer.repository,
            environments=deployer.environments,
            provider=provider,
            qualifier=LANDING_ZONE_CDK_QUALIFIER,
            max_session_duration_hours=deployer.max_session_duration_hours,
        )
