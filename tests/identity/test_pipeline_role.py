"""GitHubOidcProvider and PipelineDeployRole: a deploy role reachable only through OIDC."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import App, Aws, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of, template_text

from landing_zone.compliance import violations
from landing_zone.identity import GitHubOidcProvider, PipelineDeployRole, github_subjects
from landing_zone.identity.pipeline_role import (
    CDK_BOOTSTRAP_ROLES,
    MAX_CDK_TARGET_ACCOUNTS,
    CdkDeployBoundary,
    validate_branches,
    validate_repository,
)

REPOSITORY = "acme-pay/payments-api"
ISSUER = "token.actions.githubusercontent.com"
IMPORTED_PROVIDER_ARN = f"arn:aws:iam::111111111111:oidc-provider/{ISSUER}"
PARAMETER_ARN = "arn:aws:ssm:eu-west-1:111111111111:parameter/payments-api/version"


def _stack() -> Stack:
    return Stack(
        App(context=cdk_context()),
        "Pipeline",
        env=Environment(account="111111111111", region="eu-west-1"),
    )


def _role(stack: Stack, **overrides: Any) -> PipelineDeployRole:
    props: dict[str, Any] = {
        "provider": iam.OidcProviderNative.from_oidc_provider_arn(
            stack, "Provider", IMPORTED_PROVIDER_ARN
        ),
        "repository": REPOSITORY,
        "branches": ["main"],
        "permissions_boundary": iam.ManagedPolicy.from_managed_policy_name(
            stack, "Boundary", "lz-pipeline-boundary"
        ),
        "cdk_target_accounts": ["222222222222"],
    }
    return PipelineDeployRole(stack, "DeployRole", **{**props, **overrides})


def _resources(construct: Any) -> dict[str, dict[str, Any]]:
    return dict(Template.from_stack(Stack.of(construct)).to_json()["Resources"])


def _role_properties(role: PipelineDeployRole) -> dict[str, Any]:
    return dict(_resources(role)[logical_id_of(role.role)]["Properties"])


@pytest.fixture(scope="module")
def full() -> PipelineDeployRole:
    """Every kind of subject and permission, with a provider created beside the role."""
    stack = _stack()
    github = GitHubOidcProvider(stack, "GitHub")
    return _role(
        stack,
        provider=github.provider,
        issuer_host=github.issuer_host,
        branches=["main", "release/2026.1"],
        environments=["production"],
        cdk_target_accounts=["222222222222", "333333333333"],
        managed_policies=[
            iam.ManagedPolicy.from_managed_policy_name(stack, "Deploy", "payments-deploy")
        ],
        policy_document=iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[PARAMETER_ARN])
            ]
        ),
    )


@pytest.fixture(scope="module")
def full_resources(full) -> dict[str, dict[str, Any]]:
    return _resources(full)


# --- GitHubOidcProvider --------------------------------------------------------------------


def test_provider_is_the_native_resource_for_github_and_sts(full_resources) -> None:
    providers = [r for r in full_resources.values() if r["Type"] == "AWS::IAM::OIDCProvider"]
    assert [provider["Properties"] for provider in providers] == [
        {"Url": f"https://{ISSUER}", "ClientIdList": ["sts.amazonaws.com"]}
    ]
    # The Lambda-backed iam.OpenIdConnectProvider would add a custom resource and a function.
    assert {resource["Type"] for resource in full_resources.values()} == {
        "AWS::IAM::OIDCProvider",
        "AWS::IAM::Role",
        "AWS::IAM::ManagedPolicy",
    }


def test_provider_audience_can_be_changed() -> None:
    github = GitHubOidcProvider(_stack(), "GitHub", audience="https://github.com/acme-pay")
    assert _resources(github)[logical_id_of(github.provider)]["Properties"]["ClientIdList"] == [
        "https://github.com/acme-pay"
    ]


# --- trust policy --------------------------------------------------------------------------


def test_trust_allows_only_web_identity_for_exact_subjects(full, full_resources) -> None:
    provider_id = next(
        logical_id
        for logical_id, resource in full_resources.items()
        if resource["Type"] == "AWS::IAM::OIDCProvider"
    )
    trust = full_resources[logical_id_of(full.role)]["Properties"]["AssumeRolePolicyDocument"]
    assert trust == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Effect": "Allow",
                "Principal": {"Federated": {"Ref": provider_id}},
                "Condition": {
                    "StringEquals": {
                        f"{ISSUER}:aud": "sts.amazonaws.com",
                        f"{ISSUER}:sub": [
                            f"repo:{REPOSITORY}:ref:refs/heads/main",
                            f"repo:{REPOSITORY}:ref:refs/heads/release/2026.1",
                            f"repo:{REPOSITORY}:environment:production",
                        ],
                    }
                },
            }
        ],
    }
    assert full.subjects == tuple(
        trust["Statement"][0]["Condition"]["StringEquals"][f"{ISSUER}:sub"]
    )


def test_trust_admits_no_wildcard_no_other_principal_and_no_other_action(
    full_resources,
) -> None:
    """Read back from the template: what the trust policy must never allow."""
    for resource in full_resources.values():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for statement in resource["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            assert list(statement["Principal"]) == ["Federated"]
            assert "*" not in json.dumps(statement["Principal"])
            assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"  # no sts:TagSession
            assert list(statement["Condition"]) == ["StringEquals"]  # no StringLike
            values = json.dumps(statement["Condition"])
            assert "*" not in values
            assert "?" not in values
            assert statement["Condition"]["StringEquals"][f"{ISSUER}:aud"] == "sts.amazonaws.com"


def test_trusts_an_imported_provider_by_its_arn() -> None:
    role = _role(_stack(), environments=["production"], branches=[])
    statement = _role_properties(role)["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Federated": IMPORTED_PROVIDER_ARN}
    assert statement["Condition"]["StringEquals"][f"{ISSUER}:sub"] == [
        f"repo:{REPOSITORY}:environment:production"
    ]


def test_condition_keys_follow_the_issuer_host() -> None:
    stack = _stack()
    host = "token.actions.githubusercontent.com/acme"
    provider = iam.OidcProviderNative.from_oidc_provider_arn(
        stack, "EnterpriseProvider", f"arn:aws:iam::111111111111:oidc-provider/{host}"
    )
    role = _role(stack, provider=provider, issuer_host=host, audience="https://github.com/acme")
    condition = _role_properties(role)["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition == {
        "StringEquals": {
            f"{host}:aud": "https://github.com/acme",
            f"{host}:sub": [f"repo:{REPOSITORY}:ref:refs/heads/main"],
        }
    }


def test_github_subjects_lists_branches_then_environments() -> None:
    assert github_subjects("octo-org/octo.repo_1", ["main"], ["prod", "Staging EU"]) == (
        "repo:octo-org/octo.repo_1:ref:refs/heads/main",
        "repo:octo-org/octo.repo_1:environment:prod",
        "repo:octo-org/octo.repo_1:environment:Staging EU",
    )


# --- role ----------------------------------------------------------------------------------


def test_role_carries_the_boundary_and_a_one_hour_session(full) -> None:
    properties = _role_properties(full)
    assert template_text(properties["PermissionsBoundary"]) == (
        "arn:aws:iam::111111111111:policy/lz-pipeline-boundary"
    )
    assert properties["MaxSessionDuration"] == 3600
    assert "RoleName" not in properties
    assert "Policies" not in properties  # no inline policy
    assert full.role_arn == full.role.role_arn


def test_session_duration_and_name_can_be_set() -> None:
    role = _role(_stack(), max_session_duration_hours=12, role_name="payments-api-deploy")
    properties = _role_properties(role)
    assert properties["MaxSessionDuration"] == 43200
    assert properties["RoleName"] == "payments-api-deploy"


def test_permissions_are_customer_managed_policies_only(full, full_resources) -> None:
    properties = full_resources[logical_id_of(full.role)]["Properties"]
    attached = [template_text(arn) for arn in properties["ManagedPolicyArns"]]
    assert attached == ["arn:aws:iam::111111111111:policy/payments-deploy"]
    assert full.policy is not None
    assert full_resources[logical_id_of(full.policy)]["Properties"]["PolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [{"Action": "ssm:GetParameter", "Effect": "Allow", "Resource": PARAMETER_ARN}],
    }
    role_ref = {"Ref": logical_id_of(full.role)}
    for resource in full_resources.values():
        assert resource["Type"] != "AWS::IAM::Policy"
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            assert resource["Properties"]["Roles"] == [role_ref]


def test_may_assume_only_the_bootstrap_roles_of_the_target_accounts(full, full_resources) -> None:
    assert full.cdk_bootstrap_policy is not None
    document = full_resources[logical_id_of(full.cdk_bootstrap_policy)]["Properties"][
        "PolicyDocument"
    ]
    [statement] = document["Statement"]
    resources = sorted(template_text(resource) for resource in statement["Resource"])
    assert resources == sorted(
        f"arn:${{AWS::Partition}}:iam::{account}:role/cdk-hnb659fds-{kind}-role-{account}-*"
        for account in ("222222222222", "333333333333")
        for kind in ("deploy", "file-publishing", "image-publishing", "lookup")
    )
    assert {key: value for key, value in statement.items() if key != "Resource"} == {
        "Sid": "AssumeCdkBootstrapRoles",
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Condition": {
            "StringEquals": {
                "iam:ResourceTag/aws-cdk:bootstrap-role": [
                    "deploy",
                    "file-publishing",
                    "image-publishing",
                    "lookup",
                ]
            }
        },
    }
    assert not any("cfn-exec" in resource for resource in resources)


def test_bootstrap_qualifier_can_be_changed() -> None:
    role = _role(_stack(), cdk_bootstrap_qualifier="payments")
    assert role.cdk_bootstrap_policy is not None
    statement = _resources(role)[logical_id_of(role.cdk_bootstrap_policy)]["Properties"][
        "PolicyDocument"
    ]["Statement"][0]
    assert sorted(template_text(resource) for resource in statement["Resource"]) == [
        f"arn:${{AWS::Partition}}:iam::222222222222:role/cdk-payments-{kind}-role-222222222222-*"
        for kind in CDK_BOOTSTRAP_ROLES
    ]


def test_no_bootstrap_policy_without_target_accounts() -> None:
    stack = _stack()
    deploy = iam.ManagedPolicy.from_managed_policy_name(stack, "Deploy", "payments-deploy")
    role = _role(stack, cdk_target_accounts=[], managed_policies=[deploy])
    assert role.cdk_bootstrap_policy is None
    assert role.policy is None
    Template.from_stack(stack).resource_count_is("AWS::IAM::ManagedPolicy", 0)


def test_the_most_target_accounts_fit_one_managed_policy() -> None:
    """IAM counts a managed policy's characters without whitespace, up to 6,144; measured with
    the longest qualifier and a long partition name."""
    accounts = [f"{index:012d}" for index in range(MAX_CDK_TARGET_ACCOUNTS)]
    role = _role(_stack(), cdk_target_accounts=accounts, cdk_bootstrap_qualifier="q" * 10)
    assert role.cdk_bootstrap_policy is not None
    document = _resources(role)[logical_id_of(role.cdk_bootstrap_policy)]["Properties"][
        "PolicyDocument"
    ]
    document["Statement"][0]["Resource"] = [
        template_text(resource).replace("${AWS::Partition}", "aws-us-gov")
        for resource in document["Statement"][0]["Resource"]
    ]
    assert len(json.dumps(document, separators=(",", ":"))) <= 6144


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("repository", "message"),
    [
        ("acme-pay/*", r"contains the wildcard '\*'"),
        ("acme-pay/payments-?", r"contains the wildcard '\?'"),
        ("*", r"contains the wildcard '\*'"),
        ("acme-pay", r"is not a GitHub repository"),
        ("acme-pay/payments/api", r"is not a GitHub repository"),
        ("-acme/payments", r"is not a GitHub repository"),
        ("acme-pay/..", r"is not a GitHub repository"),
        ("acme pay/payments", r"is not a GitHub repository"),
    ],
)
def test_rejects_a_repository_that_is_not_exact(repository, message) -> None:
    with pytest.raises(
        ValueError,
        match=f"^repository: '{re.escape(repository)}' {message}",
    ):
        _role(_stack(), repository=repository)


@pytest.mark.parametrize(
    ("branch", "message"),
    [
        ("release/*", r"contains the wildcard '\*'; allowed: an exact branch name"),
        ("feature-?", r"contains the wildcard '\?'"),
        ("refs/heads/main", r"allowed: the branch name without 'refs/heads/'"),
        ("a..b", "is not a branch name git accepts"),
        ("has space", "is not a branch name git accepts"),
        (".hidden", "is not a branch name git accepts"),
        ("topic.lock", "is not a branch name git accepts"),
        ("ends/", "is not a branch name git accepts"),
        ("", "is not a branch name git accepts"),
    ],
)
def test_rejects_a_branch_that_is_not_exact(branch, message) -> None:
    with pytest.raises(ValueError, match=rf"^branches\[1\]: .*{message}"):
        _role(_stack(), branches=["main", branch])


@pytest.mark.parametrize("environment", ["prod*", "prod?", "", " production", "prod\n"])
def test_rejects_an_environment_that_is_not_exact(environment) -> None:
    with pytest.raises(ValueError, match=r"^environments\[0\]: "):
        _role(_stack(), environments=[environment])


def test_rejects_a_role_without_branch_or_environment() -> None:
    with pytest.raises(ValueError, match=r"^branches, environments: both are empty"):
        _role(_stack(), branches=[], environments=[])


def test_rejects_repeated_subjects_and_a_string_for_a_list() -> None:
    with pytest.raises(ValueError, match=r"^branches: \['main'\] appear more than once"):
        _role(_stack(), branches=["main", "main"])
    with pytest.raises(ValueError, match=r"^environments: got the string 'production'"):
        _role(_stack(), environments="production")


def test_rejects_values_unknown_at_synth() -> None:
    stack = _stack()
    with pytest.raises(ValueError, match=r"^repository: got .*known at synth"):
        _role(stack, repository=Aws.ACCOUNT_ID)


def test_rejects_a_role_without_boundary() -> None:
    with pytest.raises(ValueError, match=r"^permissions_boundary: got None"):
        _role(_stack(), permissions_boundary=None)


def test_rejects_a_role_without_permissions() -> None:
    with pytest.raises(
        ValueError, match=r"^managed_policies, policy_document, cdk_target_accounts: got none"
    ):
        _role(_stack(), cdk_target_accounts=[])


def test_rejects_an_issuer_host_other_than_the_providers() -> None:
    with pytest.raises(ValueError, match=f"^issuer_host: got 'gitlab.com'; allowed: '{ISSUER}'"):
        _role(_stack(), issuer_host="gitlab.com")


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"issuer_host": f"https://{ISSUER}"}, "^issuer_host: .* is not an issuer host"),
        ({"audience": "*"}, r"^audience: '\*' contains the wildcard"),
        ({"audience": ""}, "^audience: got ''; allowed: 1 to 255 characters"),
        (
            {"max_session_duration_hours": 0},
            "^max_session_duration_hours: got 0; allowed: ",
        ),
        ({"max_session_duration_hours": 13}, "^max_session_duration_hours: got 13"),
        ({"cdk_target_accounts": ["2222"]}, r"^cdk_target_accounts\[0\]: got '2222'"),
        ({"cdk_bootstrap_qualifier": "q" * 11}, "^cdk_bootstrap_qualifier: got 'q{11}'"),
        ({"cdk_bootstrap_qualifier": "hnb*"}, "^cdk_bootstrap_qualifier: got 'hnb\\*'"),
        (
            {"cdk_target_accounts": [f"{i:012d}" for i in range(MAX_CDK_TARGET_ACCOUNTS + 1)]},
            f"^cdk_target_accounts: got {MAX_CDK_TARGET_ACCOUNTS + 1} accounts; allowed: at most",
        ),
    ],
)
def test_rejects_other_props_out_of_range(props, message) -> None:
    with pytest.raises(ValueError, match=message):
        _role(_stack(), **props)


def test_validators_name_the_field_they_are_given() -> None:
    """The config layer passes the path of the field it checks."""
    with pytest.raises(ValueError, match=r"^pipelines\[0\]\.repository: 'a/\*' contains"):
        validate_repository("pipelines[0].repository", "a/*")
    with pytest.raises(ValueError, match=r"^pipelines\[0\]\.branches\[0\]: 'x\*' contains"):
        validate_branches("pipelines[0].branches", ["x*"])


# --- compliance ----------------------------------------------------------------------------


def test_passes_the_compliance_packs(full) -> None:
    assert violations(Stack.of(full)) == {}


# --- CdkDeployBoundary ----------------------------------------------------------------------


def test_boundary_allows_only_the_target_accounts_cdk_roles() -> None:
    stack = _stack()
    CdkDeployBoundary(stack, "Boundary", target_accounts=["666666666666", "777777777777"])
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRole"
    assert [template_text(r) for r in statement["Resource"]] == [
        "arn:${AWS::Partition}:iam::666666666666:role/cdk-hnb659fds-*",
        "arn:${AWS::Partition}:iam::777777777777:role/cdk-hnb659fds-*",
    ]
    assert violations(stack) == {}


@pytest.mark.parametrize(
    ("accounts", "qualifier", "message"),
    [([], "hnb659fds", "at least one account"), (["666666666666"], "bad qualifier!", "qualifier")],
)
def test_boundary_rejects(accounts: list[str], qualifier: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CdkDeployBoundary(
            _stack(), "Boundary", target_accounts=accounts, cdk_bootstrap_qualifier=qualifier
        )
