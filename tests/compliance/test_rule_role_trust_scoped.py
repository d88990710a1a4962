import json
from collections.abc import Callable, Mapping
from typing import cast

import pytest
from aws_cdk import App, CfnParameter, CfnResource, Fn, Stack
from aws_cdk import aws_iam as iam
from cdk_nag import NagRuleCompliance
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import role_trust_scoped

RULE = "Fintech-RoleTrustScoped"
GITHUB = "token.actions.githubusercontent.com"
GITHUB_PROVIDER = f"arn:aws:iam::111111111111:oidc-provider/{GITHUB}"
EKS = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
AUDIENCE_VALUE = "sts.amazonaws.com"
AUDIENCE = {"StringEquals": {f"{GITHUB}:aud": AUDIENCE_VALUE}}
MAIN = "repo:acme/payments:ref:refs/heads/main"


@pytest.fixture
def stack() -> Stack:
    return Stack(App(builtin_cloud_formation_validation=False), "Test")


def _role(principal: iam.IPrincipal) -> Callable[[Stack], CfnResource]:
    def build(stack: Stack) -> CfnResource:
        role = iam.Role(stack, "Role", assumed_by=principal)
        return cast(CfnResource, role.node.default_child)

    return build


def _trust(*statements: dict[str, object]) -> Callable[[Stack], CfnResource]:
    return lambda stack: iam.CfnRole(
        stack,
        "Role",
        assume_role_policy_document={"Version": "2012-10-17", "Statement": list(statements)},
    )


def _assume(principal: object, **elements: object) -> dict[str, object]:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **elements}


def _web_identity(
    condition: Mapping[str, object] | None = None,
    *,
    action: object = "sts:AssumeRoleWithWebIdentity",
    federated: object = GITHUB_PROVIDER,
) -> dict[str, object]:
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"Federated": federated},
        "Action": action,
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


def _github(sub: object, operator: str = "StringLike") -> dict[str, object]:
    """A GitHub Actions statement with the audience GitHub's guide sets, and ``sub``."""
    condition: dict[str, dict[str, object]] = {"StringEquals": {f"{GITHUB}:aud": AUDIENCE_VALUE}}
    condition.setdefault(operator, {})[f"{GITHUB}:sub"] = sub
    return _web_identity(condition)


def _github_role(condition: Mapping[str, object]) -> Callable[[Stack], CfnResource]:
    """The role CDK builds for GitHub Actions, trusting the account's OIDC provider by Ref."""

    def build(stack: Stack) -> CfnResource:
        provider = iam.OidcProviderNative(
            stack, "GitHub", url=f"https://{GITHUB}", client_ids=["sts.amazonaws.com"]
        )
        return _role(iam.OpenIdConnectPrincipal(provider, condition))(stack)

    return build


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_role(iam.ServicePrincipal("lambda.amazonaws.com")), id="service"),
        pytest.param(_role(iam.AccountRootPrincipal()), id="account-root-joined"),
        pytest.param(_role(iam.AccountPrincipal("222222222222")), id="other-account"),
        pytest.param(
            lambda stack: _role(
                iam.ArnPrincipal(
                    iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal()).role_arn
                )
            )(stack),
            id="role-by-get-att",
        ),
        pytest.param(
            _trust(_assume({"AWS": ["arn:aws:iam::222222222222:root", "333333333333"]})),
            id="account-list",
        ),
        pytest.param(
            _trust(_assume("*", Effect="Deny"), _assume({"Service": "ec2.amazonaws.com"})),
            id="deny-star",
        ),
        pytest.param(
            _github_role(
                {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com", f"{GITHUB}:sub": MAIN}}
            ),
            id="github-cdk-principal-by-ref",
        ),
        pytest.param(_trust(_github(MAIN)), id="github-branch"),
        pytest.param(_trust(_github("repo:acme/payments:environment:prod")), id="github-env"),
        pytest.param(_trust(_github("repo:acme/payments:*")), id="github-any-ref-of-the-repo"),
        pytest.param(
            _trust(_github([MAIN, "repo:acme/ledger:environment:prod"])), id="github-two-repos"
        ),
        pytest.param(_trust(_github(MAIN, "ForAnyValue:StringLike")), id="github-for-any-value"),
        pytest.param(
            _trust(
                _web_identity(
                    {
                        "StringEquals": {
                            f"{EKS}:aud": "sts.amazonaws.com",
                            f"{EKS}:sub": "system:serviceaccount:payments:*",
                        }
                    },
                    federated=Fn.get_att("EksProvider", "Arn"),
                )
            ),
            id="other-provider-partial-wildcard",
        ),
        pytest.param(
            _trust(
                _web_identity(
                    action="sts:AssumeRoleWithSAML",
                    federated="arn:aws:iam::111111111111:saml-provider/Okta",
                )
            ),
            id="saml",
        ),
        pytest.param(
            lambda stack: CfnResource(
                stack,
                "Plain",
                type="AWS::IAM::Role",
                properties={
                    "AssumeRolePolicyDocument": json.dumps({"Statement": [_github(MAIN)]}),
                },
            ),
            id="plain-cfn-resource-json-string",
        ),
    ],
)
def test_named_principals_and_scoped_tokens_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert role_trust_scoped(view(build(stack))) == NagRuleCompliance.COMPLIANT


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        pytest.param(_role(iam.StarPrincipal()), ["Principal::*"], id="star"),
        pytest.param(_role(iam.AnyPrincipal()), ["Principal::*"], id="any-aws"),
        pytest.param(
            _trust(_assume({"AWS": ["222222222222", "*"]})), ["Principal::*"], id="in-aws-list"
        ),
        # Strict: whether the condition truly scopes the wildcard is for a reviewer to say.
        pytest.param(
            _trust(
                _assume(
                    {"AWS": "*"},
                    Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abcdef1234"}},
                )
            ),
            ["Principal::*"],
            id="org-condition",
        ),
        pytest.param(
            _trust({"Principal": "*", "Action": "sts:AssumeRole"}),
            ["Principal::*"],
            id="only-deny-is-exempt",
        ),
        pytest.param(
            _trust({"Effect": "Allow", "NotPrincipal": {"AWS": "222222222222"}, "Action": "*"}),
            ["NotPrincipal"],
            id="allowed-not-principal",
        ),
        pytest.param(
            _github_role(AUDIENCE), ["NoSubCondition"], id="github-cdk-principal-without-sub"
        ),
        pytest.param(
            _trust(_web_identity()), ["NoSubCondition", "NoAudCondition"], id="no-condition"
        ),
        pytest.param(
            _trust(_web_identity({"StringLike": {f"{GITHUB}:sub": MAIN}})),
            ["NoAudCondition"],
            id="no-audience",
        ),
        pytest.param(
            _trust(_github("repo:acme/*:ref:refs/heads/main")),
            ["Sub::repo:acme/*:ref:refs/heads/main"],
            id="github-any-repo-of-the-owner",
        ),
        pytest.param(
            _trust(_github("repo:acme/payments*:*")),
            ["Sub::repo:acme/payments*:*"],
            id="github-repo-prefix",
        ),
        pytest.param(
            _trust(_github("repo:acme/pay?ents:*")),
            ["Sub::repo:acme/pay?ents:*"],
            id="github-repo-single-character",
        ),
        pytest.param(_trust(_github("*")), ["Sub::*"], id="github-star"),
        pytest.param(_trust(_github("repo:*")), ["Sub::repo:*"], id="github-any-repo"),
        pytest.param(
            _trust(_github("ref:refs/heads/main")),
            ["Sub::ref:refs/heads/main"],
            id="github-no-repository",
        ),
        # IAM reads '*' literally here, which still does not name a repository.
        pytest.param(_trust(_github("*", "StringEquals")), ["Sub::*"], id="github-equals-star"),
        pytest.param(
            _trust(_github([MAIN, "repo:*/payments:*"])),
            ["Sub::repo:*/payments:*"],
            id="github-one-value-of-two",
        ),
        pytest.param(
            _trust(
                _web_identity(
                    {"StringEquals": {f"{EKS}:aud": "sts.amazonaws.com", f"{EKS}:sub": "*"}}
                )
            ),
            ["Sub::*"],
            id="other-provider-star",
        ),
        pytest.param(
            _trust(_web_identity({"StringLike": {f"{GITHUB}:aud": "*", f"{GITHUB}:sub": MAIN}})),
            ["Aud::*"],
            id="any-audience",
        ),
        pytest.param(
            _trust(_github("repo:evil/payments:*", "StringNotLike")),
            ["NoSubCondition"],
            id="negated-operator",
        ),
        pytest.param(
            _trust(_github(MAIN, "StringLikeIfExists")),
            ["NoSubCondition"],
            id="if-exists-passes-a-token-without-sub",
        ),
        pytest.param(
            _trust(_github(MAIN, "ForAllValues:StringLike")),
            ["NoSubCondition"],
            id="for-all-values-passes-a-token-without-sub",
        ),
        pytest.param(_trust(_github([])), ["NoSubCondition"], id="sub-compared-with-nothing"),
        pytest.param(
            _trust(_web_identity(action=["sts:TagSession", "sts:AssumeRoleWithWebIdentity"])),
            ["NoSubCondition", "NoAudCondition"],
            id="action-list",
        ),
        pytest.param(
            _trust(_web_identity(action="sts:*")),
            ["NoSubCondition", "NoAudCondition"],
            id="sts-star",
        ),
        pytest.param(
            _trust(_web_identity(action="*")), ["NoSubCondition", "NoAudCondition"], id="star"
        ),
        pytest.param(
            _trust(_web_identity(action="STS:AssumeRoleWith*")),
            ["NoSubCondition", "NoAudCondition"],
            id="any-case-partial-wildcard",
        ),
        pytest.param(
            _trust(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": GITHUB_PROVIDER},
                    "NotAction": "sts:AssumeRoleWithSAML",
                }
            ),
            ["NoSubCondition", "NoAudCondition"],
            id="allowed-not-action",
        ),
        pytest.param(
            _trust(_web_identity({}, federated="*")),
            ["Principal::*", "NoSubCondition", "NoAudCondition"],
            id="any-federated",
        ),
        pytest.param(
            _trust(_github("*"), _github("*"), _assume("*")),
            ["Sub::*", "Principal::*"],
            id="repeated-finding-once",
        ),
    ],
)
def test_reports_each_unscoped_trust(
    stack: Stack, build: Callable[[Stack], CfnResource], expected: list[str]
) -> None:
    assert role_trust_scoped(view(build(stack))) == expected


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            _trust(_assume(Fn.condition_if("Open", "*", {"AWS": "222222222222"}))),
            "cannot read Principal: .* not a literal object",
            id="conditional-principal",
        ),
        pytest.param(
            _trust(_assume({"AWS": ["222222222222", Fn.condition_if("Open", "*", "333")]})),
            "cannot check the principal .* may yield '\\*'",
            id="conditional-principal-entry",
        ),
        pytest.param(
            lambda stack: _trust(
                _github(Fn.join("", ["repo:", CfnParameter(stack, "Repo").value_as_string, ":*"]))
            )(stack),
            "cannot check .*Fn::Join.*: it is not a literal string",
            id="sub-from-parameter",
        ),
        pytest.param(
            _trust(_web_identity(cast(Mapping[str, object], Fn.get_att("Conditions", "Value")))),
            "cannot read Condition: .* not a literal object",
            id="conditions-from-cfn-json",
        ),
        pytest.param(
            lambda stack: _trust(
                _web_identity(action=CfnParameter(stack, "Action").value_as_string)
            )(stack),
            "cannot check .*Ref.*: it is not a literal string",
            id="action-from-parameter",
        ),
    ],
)
def test_rejects_a_trust_policy_it_cannot_read(
    stack: Stack, build: Callable[[Stack], CfnResource], message: str
) -> None:
    role = build(stack)

    resource = view(role)
    with pytest.raises(TypeError, match=message):
        role_trust_scoped(resource)


def test_other_resources_are_not_applicable(stack: Stack) -> None:
    policy = iam.CfnManagedPolicy(
        stack,
        "Managed",
        policy_document={"Statement": [_assume("*")]},
    )

    assert role_trust_scoped(view(policy)) == NagRuleCompliance.NOT_APPLICABLE


def test_pack_reports_the_granular_id_on_the_role(stack: Stack) -> None:
    _github_role(AUDIENCE)(stack)

    assert violations(stack, [FintechChecks()]) == {
        "Fintech": [f"{RULE}[NoSubCondition]: Test/Role/Resource"]
    }


def test_pack_passes_a_role_scoped_to_one_repository(stack: Stack) -> None:
    _github_role({**AUDIENCE, "StringLike": {f"{GITHUB}:sub": MAIN}})(stack)

    assert violations(stack, [FintechChecks()]) == {}
