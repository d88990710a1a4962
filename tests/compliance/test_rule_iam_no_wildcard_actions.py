import json
from collections.abc import Callable
from typing import cast

import pytest
from aws_cdk import App, CfnResource, Fn, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_organizations as organizations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sso as sso
from cdk_nag import NagRuleCompliance
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import iam_no_wildcard_actions

RULE = "Fintech-IAMNoWildcardActions"
INSTANCE_ARN = "arn:aws:sso:::instance/ssoins-0123456789abcdef"


@pytest.fixture
def stack() -> Stack:
    return Stack(App(builtin_cloud_formation_validation=False), "Test")


def _document(*statements: dict[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(actions: str | list[str]) -> dict[str, object]:
    return {"Effect": "Allow", "Action": actions, "Resource": "*"}


def _role(*statements: dict[str, object]) -> Callable[[Stack], CfnResource]:
    def build(stack: Stack) -> CfnResource:
        role = iam.Role(
            stack,
            "Role",
            assumed_by=iam.AccountRootPrincipal(),
            inline_policies={"Inline": iam.PolicyDocument.from_json(_document(*statements))},
        )
        return cast(CfnResource, role.node.default_child)

    return build


def _managed_policy(document: object) -> Callable[[Stack], CfnResource]:
    return lambda stack: iam.CfnManagedPolicy(stack, "Managed", policy_document=document)


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        pytest.param(_role(_allow("s3:*")), ["Action::s3:*"], id="role-inline-s3"),
        pytest.param(
            _role(_allow(["S3:*", "s3:GetObject"]), _allow("*")),
            ["Action::S3:*", "Action::*"],
            id="role-any-case-and-star",
        ),
        pytest.param(_role(_allow("iam:*")), ["Action::iam:*"], id="service-wide-iam"),
        pytest.param(
            _managed_policy(_document(_allow("kms:?*"))), ["Action::kms:?*"], id="service-wide-?*"
        ),
        pytest.param(
            _role(_allow("s3:*"), _allow(["s3:GetObject", "s3:*"])),
            ["Action::s3:*"],
            id="repeated-finding-once",
        ),
        pytest.param(
            _role({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}),
            ["NotAction::iam:*"],
            id="allowed-not-action",
        ),
        pytest.param(
            _managed_policy(_document({"Action": "s3:*", "Resource": "*"})),
            ["Action::s3:*"],
            id="only-deny-is-exempt",
        ),
        pytest.param(
            _managed_policy({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}),
            ["Action::*"],
            id="managed-policy-single-statement",
        ),
        pytest.param(
            lambda stack: iam.CfnPolicy(
                stack,
                "Policy",
                policy_name="p",
                roles=["r"],
                policy_document=_document(_allow("*")),
            ),
            ["Action::*"],
            id="policy",
        ),
        pytest.param(
            lambda stack: iam.CfnUser(
                stack,
                "User",
                policies=[
                    iam.CfnUser.PolicyProperty(
                        policy_name="p", policy_document=_document(_allow(["dynamodb:*"]))
                    )
                ],
            ),
            ["Action::dynamodb:*"],
            id="user-inline",
        ),
        pytest.param(
            lambda stack: iam.CfnGroup(
                stack,
                "Group",
                policies=[
                    iam.CfnGroup.PolicyProperty(
                        policy_name="p", policy_document=_document(_allow("s3:*"))
                    )
                ],
            ),
            ["Action::s3:*"],
            id="group-inline",
        ),
        pytest.param(
            lambda stack: iam.CfnRolePolicy(
                stack,
                "RolePolicy",
                role_name="r",
                policy_name="p",
                policy_document=_document(_allow("s3:*")),
            ),
            ["Action::s3:*"],
            id="role-policy",
        ),
        pytest.param(
            lambda stack: iam.CfnUserPolicy(
                stack,
                "UserPolicy",
                user_name="u",
                policy_name="p",
                policy_document=_document(_allow("s3:*")),
            ),
            ["Action::s3:*"],
            id="user-policy",
        ),
        pytest.param(
            lambda stack: iam.CfnGroupPolicy(
                stack,
                "GroupPolicy",
                group_name="g",
                policy_name="p",
                policy_document=_document(_allow("s3:*")),
            ),
            ["Action::s3:*"],
            id="group-policy",
        ),
        pytest.param(
            lambda stack: sso.CfnPermissionSet(
                stack,
                "Set",
                instance_arn=INSTANCE_ARN,
                name="dev",
                inline_policy=_document(_allow("bedrock:*")),
            ),
            ["Action::bedrock:*"],
            id="permission-set-object",
        ),
        pytest.param(
            # CloudFormation takes the inline policy as a JSON string too; the L1 class does not.
            lambda stack: CfnResource(
                stack,
                "Set",
                type="AWS::SSO::PermissionSet",
                properties={
                    "InstanceArn": INSTANCE_ARN,
                    "Name": "dev",
                    "InlinePolicy": json.dumps(_document(_allow("s3:*"))),
                },
            ),
            ["Action::s3:*"],
            id="permission-set-json-string",
        ),
        pytest.param(
            lambda stack: CfnResource(
                stack,
                "Plain",
                type="AWS::IAM::Role",
                properties={
                    "AssumeRolePolicyDocument": _document(),
                    "Policies": [{"PolicyName": "p", "PolicyDocument": _document(_allow("s3:*"))}],
                },
            ),
            ["Action::s3:*"],
            id="plain-cfn-resource",
        ),
    ],
)
def test_reports_each_wildcard_action(
    stack: Stack, build: Callable[[Stack], CfnResource], expected: list[str]
) -> None:
    assert iam_no_wildcard_actions(view(build(stack))) == expected


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_role(_allow(["s3:GetObject", "s3:List*"])), id="named-and-partial"),
        pytest.param(
            _role({"Effect": "Deny", "Action": "*", "Resource": "*"}),
            id="deny-star",
        ),
        pytest.param(
            _role({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}),
            id="deny-not-action",
        ),
        pytest.param(
            lambda stack: sso.CfnPermissionSet(stack, "Set", instance_arn=INSTANCE_ARN, name="ro"),
            id="permission-set-without-inline-policy",
        ),
        pytest.param(
            lambda stack: cast(
                CfnResource,
                iam.Role(stack, "Role", assumed_by=iam.AccountRootPrincipal()).node.default_child,
            ),
            id="role-trust-policy-only",
        ),
    ],
)
def test_named_actions_and_denies_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert iam_no_wildcard_actions(view(build(stack))) == NagRuleCompliance.COMPLIANT


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(
            lambda stack: s3.CfnBucketPolicy(
                stack, "BucketPolicy", bucket="b", policy_document=_document(_allow("s3:*"))
            ),
            id="resource-policy",
        ),
        pytest.param(
            lambda stack: organizations.CfnPolicy(
                stack,
                "Scp",
                name="scp",
                type="SERVICE_CONTROL_POLICY",
                content=_document(_allow("*")),
            ),
            id="service-control-policy",
        ),
    ],
)
def test_other_policies_are_not_applicable(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert iam_no_wildcard_actions(view(build(stack))) == NagRuleCompliance.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(
            Fn.condition_if("Wide", _document(_allow("s3:*")), _document()),
            "not a literal object",
            id="conditional-document",
        ),
        pytest.param(
            _document(_allow(Fn.ref("ActionParameter"))),
            "not a literal string",
            id="action-from-parameter",
        ),
    ],
)
def test_rejects_a_policy_it_cannot_read(stack: Stack, document: object, message: str) -> None:
    policy = _managed_policy(document)(stack)

    resource = view(policy)
    with pytest.raises(TypeError, match=message):
        iam_no_wildcard_actions(resource)


def test_pack_reports_the_granular_id_on_the_role(stack: Stack) -> None:
    _role(_allow("s3:*"))(stack)

    assert violations(stack, [FintechChecks()]) == {
        "Fintech": [f"{RULE}[Action::s3:*]: Test/Role/Resource"]
    }


def test_pack_passes_a_least_privilege_role(stack: Stack) -> None:
    _role(_allow("s3:GetObject"))(stack)

    assert violations(stack, [FintechChecks()]) == {}
