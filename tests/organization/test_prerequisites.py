"""EnabledPolicyTypes and StackSetsTrustedAccess: scoped SDK calls through the stack's handler."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of

from landing_zone.common import AwsSdkCallHandler
from landing_zone.organization import EnabledPolicyTypes, PolicyType, StackSetsTrustedAccess

ORGANIZATION_ID = "o-a1b2c3d4e5"
ROOT_ID = "r-a1b2"
ROOT_ARN = {
    "Fn::Join": [
        "",
        [
            "arn:",
            {"Ref": "AWS::Partition"},
            ":organizations::",
            {"Ref": "AWS::AccountId"},
            f":root/{ORGANIZATION_ID}/{ROOT_ID}",
        ],
    ]
}


def _stack() -> Stack:
    return Stack(
        App(context=cdk_context()),
        "Organization",
        env=Environment(account="111111111111", region="eu-west-1"),
    )


def _enabled(stack: Stack, policy_types: list[PolicyType]) -> EnabledPolicyTypes:
    return EnabledPolicyTypes(
        stack,
        "EnabledPolicyTypes",
        organization_id=ORGANIZATION_ID,
        root_id=ROOT_ID,
        policy_types=policy_types,
    )


@pytest.fixture(scope="module")
def stack() -> Stack:
    stack = _stack()
    _enabled(stack, list(PolicyType))
    StackSetsTrustedAccess(stack, "StackSetsTrustedAccess")
    return stack


@pytest.fixture(scope="module")
def resources(stack: Stack) -> dict[str, dict[str, Any]]:
    return dict(Template.from_stack(stack).to_json()["Resources"])


def _sdk_calls(resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Logical id -> the Create call of every AwsCustomResource."""
    return {
        logical_id: json.loads(resource["Properties"]["Create"])
        for logical_id, resource in resources.items()
        if resource["Type"] == "Custom::AWS"
    }


def _statements(resources: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every IAM statement of every policy in the template, managed, inline or on a role."""
    documents = []
    for resource in resources.values():
        properties = resource.get("Properties", {})
        if resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            documents.append(properties["PolicyDocument"])
        if resource["Type"] == "AWS::IAM::Role":
            documents += [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
    return [statement for document in documents for statement in document["Statement"]]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def _handler_policy_id(stack: Stack) -> str:
    return logical_id_of(AwsSdkCallHandler.of(stack).policy)


# --- EnabledPolicyTypes ------------------------------------------------------------------


@pytest.mark.parametrize("policy_type", list(PolicyType))
def test_enables_each_policy_type_on_the_root(stack, resources, policy_type) -> None:
    enabled = stack.node.find_child("EnabledPolicyTypes")
    assert isinstance(enabled, EnabledPolicyTypes)
    resource = resources[logical_id_of(enabled.of(policy_type))]
    expected = {
        "service": "Organizations",
        "action": "enablePolicyType",
        "parameters": {"RootId": ROOT_ID, "PolicyType": policy_type.value},
        # Organizations' API lives in us-east-1, whatever the stack's region.
        "region": "us-east-1",
        "physicalResourceId": {"id": f"{ROOT_ID}-{policy_type.value}"},
        "ignoreErrorCodesMatching": "PolicyTypeAlreadyEnabledException",
    }
    assert json.loads(resource["Properties"]["Create"]) == expected
    assert json.loads(resource["Properties"]["Update"]) == expected
    # One-way on purpose: deleting the stack must not disable a policy type.
    assert "Delete" not in resource["Properties"]


def test_one_sdk_call_per_policy_type(resources) -> None:
    enabling = [
        call["parameters"]["PolicyType"]
        for call in _sdk_calls(resources).values()
        if call["action"] == "enablePolicyType"
    ]
    assert sorted(enabling) == sorted(t.value for t in PolicyType)


def test_calls_run_after_their_permissions_are_attached(stack, resources) -> None:
    policy = _handler_policy_id(stack)
    for logical_id in _sdk_calls(resources):
        # Through the function that runs the call (its service token).
        (function, _) = resources[logical_id]["Properties"]["ServiceToken"]["Fn::GetAtt"]
        assert policy in resources[function]["DependsOn"], logical_id


def test_enable_policy_type_is_granted_on_the_root_only(resources) -> None:
    granting = [
        s for s in _statements(resources) if "organizations:EnablePolicyType" in _actions(s)
    ]
    assert granting == [
        {
            "Sid": "EnablePolicyTypesOnRoot",
            "Effect": "Allow",
            "Action": "organizations:EnablePolicyType",
            "Resource": ROOT_ARN,
        }
    ]


def test_no_statement_grants_wildcard_actions(resources) -> None:
    statements = _statements(resources)
    assert statements
    for statement in statements:
        for action in _actions(statement):
            assert action != "*", statement
            assert not action.endswith(":*"), statement


def test_only_the_listed_policy_types_are_enabled() -> None:
    stack = _stack()
    _enabled(stack, [PolicyType.SERVICE_CONTROL_POLICY])
    calls = _sdk_calls(Template.from_stack(stack).to_json()["Resources"])
    assert [c["parameters"]["PolicyType"] for c in calls.values()] == ["SERVICE_CONTROL_POLICY"]


def test_rejects_of_a_policy_type_that_is_not_enabled() -> None:
    enabled = _enabled(_stack(), [PolicyType.SERVICE_CONTROL_POLICY])
    with pytest.raises(
        ValueError,
        match=r"policy type TAG_POLICY is not enabled here; enabled: SERVICE_CONTROL_POLICY",
    ):
        enabled.of(PolicyType.TAG_POLICY)


# --- StackSetsTrustedAccess ----------------------------------------------------------------


def test_trusted_access_activates_organizations_access(stack, resources) -> None:
    trusted = stack.node.find_child("StackSetsTrustedAccess")
    assert isinstance(trusted, StackSetsTrustedAccess)
    resource = resources[logical_id_of(trusted.resource)]
    expected = {
        "service": "CloudFormation",
        "action": "activateOrganizationsAccess",
        "parameters": {},
        "physicalResourceId": {"id": "stacksets-organizations-access"},
    }
    assert json.loads(resource["Properties"]["Create"]) == expected
    assert json.loads(resource["Properties"]["Update"]) == expected
    assert "Delete" not in resource["Properties"]


def test_trusted_access_may_create_only_the_stacksets_service_linked_role(resources) -> None:
    (creating,) = [
        s for s in _statements(resources) if "iam:CreateServiceLinkedRole" in _actions(s)
    ]
    assert _actions(creating) == ["iam:CreateServiceLinkedRole"]
    assert creating["Condition"] == {
        "StringEquals": {"iam:AWSServiceName": "stacksets.cloudformation.amazonaws.com"}
    }


def test_trusted_access_grants_exactly_the_actions_of_the_call(resources) -> None:
    own = [
        s
        for s in _statements(resources)
        if s.get("Sid") not in ("WriteOwnLogGroup", "EnablePolicyTypesOnRoot")
    ]
    assert sorted({action for s in own for action in _actions(s)}) == [
        "cloudformation:ActivateOrganizationsAccess",
        "iam:CreateServiceLinkedRole",
        "organizations:DescribeOrganization",
        "organizations:EnableAWSServiceAccess",
        "organizations:ListAWSServiceAccessForOrganization",
    ]
    assert all(s["Effect"] == "Allow" for s in own)


# --- the shared handler --------------------------------------------------------------------


def test_every_call_runs_in_the_one_handler_function_with_its_role(stack, resources) -> None:
    functions = {lid: r for lid, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
    assert len(functions) == 1
    ((function_id, function),) = functions.items()
    role = logical_id_of(AwsSdkCallHandler.of(stack).role)
    assert function["Properties"]["Role"] == {"Fn::GetAtt": [role, "Arn"]}
    calls = _sdk_calls(resources)
    assert len(calls) == len(PolicyType) + 1
    for logical_id in calls:
        token = resources[logical_id]["Properties"]["ServiceToken"]
        assert token == {"Fn::GetAtt": [function_id, "Arn"]}, logical_id
