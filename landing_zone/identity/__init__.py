"""Identity: IAM Identity Center permission sets of the job functions and their assignments, the
break-glass alarm, the IAM password policy of every account, the OIDC-only CI/CD deploy
role and the landing zone's one deployer."""

from landing_zone.identity.assignments import AccountAssignments, Assignment
from landing_zone.identity.bootstrap import LandingZoneDeployer, landing_zone_bootstrap_template
from landing_zone.identity.break_glass_alarm import BreakGlassAlarm
from landing_zone.identity.job_functions import (
    BREAK_GLASS_PERMISSION_SET_NAME,
    JOB_FUNCTIONS,
    JobFunctionDoc,
    break_glass,
    build_job_function,
    data_scientist,
    developer,
    incident_responder,
    ml_engineer,
    platform_admin,
    reserved_role_name_pattern,
    security_auditor,
)
from landing_zone.identity.password_policy import AccountPasswordPolicy
from landing_zone.identity.permission_set import (
    SENSITIVE_ACTIONS,
    CustomerManagedPolicy,
    PermissionSet,
)
from landing_zone.identity.pipeline_role import (
    CdkDeployBoundary,
    GitHubOidcProvider,
    PipelineDeployRole,
    github_subjects,
)

__all__ = [
    "BREAK_GLASS_PERMISSION_SET_NAME",
    "JOB_FUNCTIONS",
    "SENSITIVE_ACTIONS",
    "AccountAssignments",
    "AccountPasswordPolicy",
    "Assignment",
    "BreakGlassAlarm",
    "CdkDeployBoundary",
    "CustomerManagedPolicy",
    "GitHubOidcProvider",
    "JobFunctionDoc",
    "LandingZoneDeployer",
    "PermissionSet",
    "PipelineDeployRole",
    "break_glass",
    "build_job_function",
    "data_scientist",
    "developer",
    "github_subjects",
    "incident_responder",
    "landing_zone_bootstrap_template",
    "ml_engineer",
    "platform_admin",
    "reserved_role_name_pattern",
    "security_auditor",
]
