"""The per-stack SDK-call handler: its names, and logical ids that move with a renamed one."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of

from landing_zone.common import RENAMED_HANDLER_LOGICAL_ID_SUFFIX, AwsSdkCallHandler

NAME = "lz-sdk-test"


def _stack() -> Stack:
    return Stack(App(context=cdk_context()), "Test")


def _call(handler: AwsSdkCallHandler) -> cr.AwsCustomResource:
    return handler.sdk_call(
        handler,
        "EbsEncryption",
        on_update=cr.AwsSdkCall(
            service="EC2",
            action="EnableEbsEncryptionByDefault",
            physical_resource_id=cr.PhysicalResourceId.of("ebs"),
        ),
        statements=[
            iam.PolicyStatement(
                sid="EnableEbsEncryptionByDefault",
                actions=["ec2:EnableEbsEncryptionByDefault"],
                resources=["*"],
            )
        ],
        acknowledge_wildcard_resource=True,
    )


def _one(template: Template, resource_type: str) -> dict[str, Any]:
    (resource,) = template.find_resources(resource_type).values()
    return dict(resource["Properties"])


def test_names_the_function_its_policy_and_its_log_group() -> None:
    stack = _stack()
    _call(
        AwsSdkCallHandler(
            stack, AwsSdkCallHandler.ID, role_name=NAME, function_name=NAME, policy_name=NAME
        )
    )
    template = Template.from_stack(stack)
    assert _one(template, "AWS::Lambda::Function")["FunctionName"] == NAME
    assert _one(template, "AWS::IAM::ManagedPolicy")["ManagedPolicyName"] == NAME
    assert _one(template, "AWS::IAM::Role")["RoleName"] == NAME
    # Lambda's own log group name: the protected /aws/lambda/<prefix>* pattern covers it.
    assert _one(template, "AWS::Logs::LogGroup")["LogGroupName"] == f"/aws/lambda/{NAME}"


def test_generates_names_by_default() -> None:
    stack = _stack()
    _call(AwsSdkCallHandler.of(stack))
    template = Template.from_stack(stack)
    assert "FunctionName" not in _one(template, "AWS::Lambda::Function")
    assert "ManagedPolicyName" not in _one(template, "AWS::IAM::ManagedPolicy")
    assert "LogGroupName" not in _one(template, "AWS::Logs::LogGroup")


def test_logical_id_suffix_moves_every_call_to_a_new_logical_id() -> None:
    plain, renamed = _stack(), _stack()
    before = logical_id_of(_call(AwsSdkCallHandler.of(plain)))
    after = logical_id_of(
        _call(
            AwsSdkCallHandler(
                renamed,
                AwsSdkCallHandler.ID,
                function_name=NAME,
                logical_id_suffix=RENAMED_HANDLER_LOGICAL_ID_SUFFIX,
            )
        )
    )
    assert after == f"{before}{RENAMED_HANDLER_LOGICAL_ID_SUFFIX}"
    resources = Template.from_stack(renamed).find_resources("Custom::AWS")
    assert list(resources) == [after]


@pytest.mark.parametrize("suffix", ["V-2", "with space", "x" * 33])
def test_rejects_a_suffix_that_is_no_logical_id(suffix: str) -> None:
    with pytest.raises(ValueError, match="logical_id_suffix must be letters and digits"):
        AwsSdkCallHandler(_stack(), AwsSdkCallHandler.ID, logical_id_suffix=suffix)


_LOOKUP = cr.AwsSdkCall(
    service="EC2",
    action="describeIpamPools",
    physical_resource_id=cr.PhysicalResourceId.of("pool"),
    output_paths=["IpamPools.0.IpamPoolId"],
)
_DESCRIBE = iam.PolicyStatement(sid="Describe", actions=["ec2:DescribeIpamPools"], resources=["*"])


def test_on_create_makes_the_call_on_create_only() -> None:
    stack = _stack()
    handler = AwsSdkCallHandler(stack, AwsSdkCallHandler.ID, function_name=NAME)
    handler.sdk_call(
        handler,
        "Lookup",
        on_create=_LOOKUP,
        statements=[_DESCRIBE],
        acknowledge_wildcard_resource=True,
    )
    properties = _one(Template.from_stack(stack), "Custom::AWS")
    assert "describeIpamPools" in str(properties["Create"])
    assert "Update" not in properties


@pytest.mark.parametrize(
    "calls", [{}, {"on_update": _LOOKUP, "on_create": _LOOKUP}], ids=["neither", "both"]
)
def test_takes_exactly_one_of_on_update_and_on_create(calls: dict[str, Any]) -> None:
    handler = AwsSdkCallHandler(_stack(), AwsSdkCallHandler.ID, function_name=NAME)
    with pytest.raises(ValueError, match=r"give on_update .* or on_create"):
        handler.sdk_call(handler, "Lookup", statements=[_DESCRIBE], **calls)


def test_no_call_runs_before_the_shared_policy_is_attached() -> None:
    # One DependsOn on the function instead of one per call: every call's custom resource
    # takes its service token from the function, so CloudFormation orders policy -> function
    # -> call on create and update, and the reverse on delete.
    stack = _stack()
    handler = AwsSdkCallHandler(stack, AwsSdkCallHandler.ID)
    _call(handler)
    template = Template.from_stack(stack).to_json()["Resources"]
    (policy,) = [
        key for key, value in template.items() if value["Type"] == "AWS::IAM::ManagedPolicy"
    ]
    (function,) = [
        key for key, value in template.items() if value["Type"] == "AWS::Lambda::Function"
    ]
    (call,) = [value for value in template.values() if value["Type"] == "Custom::AWS"]
    assert policy in template[function]["DependsOn"]
    assert call["Properties"]["ServiceToken"] == {"Fn::GetAtt": [function, "Arn"]}


def test_a_wildcard_statement_needs_the_acknowledgment_flag() -> None:
    # Another call's acknowledgment of AwsSolutions-IAM5[Resource::*] covers the whole shared
    # policy: without this check a later wildcard grant would hide behind it.
    handler = AwsSdkCallHandler(_stack(), AwsSdkCallHandler.ID)
    _call(handler)
    with pytest.raises(ValueError, match=r"'PutBucketPolicy' allows every resource"):
        handler.sdk_call(
            handler,
            "BucketPolicy",
            on_update=cr.AwsSdkCall(
                service="S3",
                action="PutBucketPolicy",
                physical_resource_id=cr.PhysicalResourceId.of("policy"),
            ),
            statements=[
                iam.PolicyStatement(
                    sid="PutBucketPolicy", actions=["s3:PutBucketPolicy"], resources=["*"]
                )
            ],
        )
