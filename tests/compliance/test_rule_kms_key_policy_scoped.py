import json
from collections.abc import Callable
from typing import Any, cast

import pytest
from aws_cdk import App, Aws, CfnParameter, CfnResource, Fn, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from cdk_nag import NagRuleCompliance
from conftest import cdk_context
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import kms_key_policy_scoped
from landing_zone.keys import DataClassKey

RULE = "Fintech-KmsKeyPolicyScoped"
ROOT = "arn:aws:iam::111111111111:root"
ADMINISTRATION = [
    "kms:CreateAlias",
    "kms:DescribeKey",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
]
CALLER_ACCOUNT = {"StringEquals": {"kms:CallerAccount": "111111111111"}}


@pytest.fixture
def stack() -> Stack:
    return Stack(App(context=cdk_context(), builtin_cloud_formation_validation=False), "Test")


def _allow(
    principal: object, actions: object = "kms:Decrypt", **elements: object
) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": principal,
        "Action": actions,
        "Resource": "*",
        **elements,
    }


def _administration() -> dict[str, Any]:
    return _allow({"AWS": ROOT}, ADMINISTRATION)


def _policy(*statements: dict[str, Any]) -> Callable[[Stack], CfnResource]:
    """An L1 key whose policy is the account root's administration and ``statements``."""
    return lambda stack: kms.CfnKey(
        stack,
        "Key",
        enable_key_rotation=True,
        key_policy={"Version": "2012-10-17", "Statement": [_administration(), *statements]},
    )


def _l2_key(**props: Any) -> Callable[[Stack], CfnResource]:
    def build(stack: Stack) -> CfnResource:
        return cast(CfnResource, kms.Key(stack, "Key", **props).node.default_child)

    return build


def _data_class_key(stack: Stack) -> CfnResource:
    key = DataClassKey(stack, "Ledger", data_class="ledger", alias_prefix="acme", services=["s3"])
    return cast(CfnResource, key.key.node.default_child)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_data_class_key, id="data-class-key"),
        pytest.param(
            _l2_key(
                policy=iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            principals=[iam.AccountRootPrincipal()],
                            actions=ADMINISTRATION,
                            resources=["*"],
                        )
                    ]
                )
            ),
            id="l2-named-actions",
        ),
        pytest.param(_policy(), id="administration-only"),
        pytest.param(
            _policy(_allow({"Service": "logs.eu-west-1.amazonaws.com"}, ["kms:Encrypt*"])),
            id="service-partial-wildcard",
        ),
        pytest.param(_policy(_allow("*", Condition=CALLER_ACCOUNT)), id="star-with-condition"),
        pytest.param(
            _policy(_allow({"AWS": "*"}, ["kms:Decrypt"], Condition=CALLER_ACCOUNT)),
            id="any-aws-with-condition",
        ),
        pytest.param(
            _policy(_allow({"AWS": Fn.get_att("Reader", "Arn")}, ["kms:Decrypt"])),
            id="principal-by-get-att",
        ),
        pytest.param(
            _policy({"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}),
            id="deny-star",
        ),
        pytest.param(
            lambda stack: CfnResource(
                stack,
                "Plain",
                type="AWS::KMS::Key",
                properties={"KeyPolicy": json.dumps({"Statement": [_administration()]})},
            ),
            id="plain-cfn-resource-json-string",
        ),
    ],
)
def test_scoped_key_policies_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert kms_key_policy_scoped(view(build(stack))) == NagRuleCompliance.COMPLIANT


@pytest.mark.parametrize(
    "build",
    [
        # CDK writes KMS's default key policy: the account root may do kms:*.
        pytest.param(_l2_key(), id="l2-default-policy"),
        pytest.param(
            lambda stack: kms.CfnKey(stack, "Key", enable_key_rotation=True),
            id="key-policy-absent",
        ),
        pytest.param(
            lambda stack: kms.CfnKey(stack, "Key", key_policy=Aws.NO_VALUE),
            id="key-policy-no-value",
        ),
        pytest.param(_policy(_allow({"AWS": ROOT}, "kms:*")), id="root-kms-star"),
        pytest.param(_policy(_allow({"AWS": ROOT}, ["kms:Decrypt", "*"])), id="star-in-list"),
        pytest.param(_policy(_allow({"AWS": ROOT}, "KMS:*")), id="any-case"),
        pytest.param(_policy(_allow({"AWS": ROOT}, "k*")), id="pattern-covering-kms-star"),
        pytest.param(
            _policy(_allow({"Service": "logs.amazonaws.com"}, "kms:*", Condition=CALLER_ACCOUNT)),
            id="service-kms-star-with-condition",
        ),
        pytest.param(
            _policy(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ROOT},
                    "NotAction": "kms:Decrypt",
                    "Resource": "*",
                }
            ),
            id="allowed-not-action",
        ),
        pytest.param(_policy(_allow("*")), id="star-principal"),
        pytest.param(_policy(_allow({"AWS": "*"})), id="any-aws"),
        pytest.param(_policy(_allow({"AWS": ["222222222222", "*"]})), id="star-in-aws-list"),
        pytest.param(_policy(_allow("*", Condition={})), id="empty-condition"),
        pytest.param(
            _policy({"NotPrincipal": {"AWS": ROOT}, "Action": "kms:Decrypt", "Resource": "*"}),
            id="allowed-not-principal-without-effect",
        ),
    ],
)
def test_broad_or_default_key_policies_are_non_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert kms_key_policy_scoped(view(build(stack))) == NagRuleCompliance.NON_COMPLIANT


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda stack: kms.CfnKey(
                stack,
                "Key",
                key_policy=Fn.condition_if(
                    "Shared", {"Statement": [_allow("*")]}, {"Statement": [_administration()]}
                ),
            ),
            "cannot check KeyPolicy: .* may leave it unset",
            id="key-policy-conditional",
        ),
        pytest.param(
            lambda stack: kms.CfnKey(stack, "Key", key_policy=Fn.get_att("Policy", "Document")),
            "cannot read 'Statement': .* not a literal object",
            id="key-policy-from-custom-resource",
        ),
        pytest.param(
            lambda stack: _policy(
                _allow({"AWS": ROOT}, CfnParameter(stack, "Action").value_as_string)
            )(stack),
            "cannot check .*Ref.*: it is not a literal string",
            id="action-from-parameter",
        ),
        pytest.param(
            _policy(_allow({"AWS": ["222222222222", Fn.condition_if("Open", "*", ROOT)]})),
            "cannot check the principal .* may yield '\\*'",
            id="conditional-principal-entry",
        ),
        pytest.param(
            _policy(_allow(Fn.condition_if("Open", "*", {"AWS": ROOT}))),
            "cannot read Principal: .* not a literal object",
            id="conditional-principal",
        ),
        pytest.param(
            _policy(_allow("*", Condition=Fn.condition_if("Scoped", CALLER_ACCOUNT, Aws.NO_VALUE))),
            "cannot check Condition: .* may leave it unset",
            id="conditional-condition",
        ),
    ],
)
def test_rejects_a_key_policy_it_cannot_read(
    stack: Stack, build: Callable[[Stack], CfnResource], message: str
) -> None:
    key = build(stack)

    resource = view(key)
    with pytest.raises(TypeError, match=message):
        kms_key_policy_scoped(resource)


def test_other_resources_are_not_applicable(stack: Stack) -> None:
    bucket = s3.CfnBucket(stack, "Bucket")

    assert kms_key_policy_scoped(view(bucket)) == NagRuleCompliance.NOT_APPLICABLE


def test_pack_reports_the_key_with_cdks_default_policy(stack: Stack) -> None:
    kms.Key(stack, "Key", enable_key_rotation=True)

    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RULE}: Test/Key/Resource"]}


def test_pack_passes_the_data_class_key(stack: Stack) -> None:
    _data_class_key(stack)

    assert violations(stack, [FintechChecks()]) == {}
