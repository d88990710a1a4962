"""Identity: the IAM password policy of every account and the OIDC-only CI/CD deploy role."""

from landing_zone.identity.password_policy import AccountPasswordPolicy
from landing_zone.identity.pipeline_role import (
    GitHubOidcProvider,
    PipelineDeployRole,
    github_subjects,
)

__all__ = [
    "AccountPasswordPolicy",
    "GitHubOidcProvider",
    "PipelineDeployRole",
    "github_subjects",
]
