"""MacieOrganization: the administrator's session, then auto-enable for new accounts; MacieMembers:
the accounts that were in the organization before, one list-driven resource for all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of, sdk_call

from landing_zone.common import AwsSdkCallHandler
from landing_zone.compliance import violations
from landing_zone.detection.macie import MacieMembers, MacieOrganization


def _stack() -> Stack:
    return Stack(
        App(context=cdk_context()),
        "SecurityTooling",
        env=Environment(account="333333333333", region="eu-west-1"),
    )


@pytest.fixture(scope="module")
def macie() -> MacieOrganization:
    return MacieOrganization(_stack(), "Macie")


@pytest.fixture(scope="module")
def resources(macie) -> dict[str, dict[str, Any]]:
    return dict(Template.from_stack(Stack.of(macie)).to_json()["Resources"])


def test_updates_the_session_the_designation_created(macie, resources) -> None:
    assert sdk_call(resources, macie.session) == {
        "service": "Macie2",
        "action": "updateMacieSession",
        "parameters": {"findingPublishingFrequency": "FIFTEEN_MINUTES", "status": "ENABLED"},
        "physicalResourceId": {"id": "${AWS::AccountId}-${AWS::Region}-macie-session"},
    }
    # No AWS::Macie::Session: the designation enabled Macie, a second session would fail.
    assert not [r for r in resources.values() if r["Type"] == "AWS::Macie::Session"]


def test_auto_enables_new_accounts_after_the_session(macie, resources) -> None:
    assert sdk_call(resources, macie.organization_configuration) == {
        "service": "Macie2",
        "action": "updateOrganizationConfiguration",
        "parameters": {"autoEnable": True},
        "physicalResourceId": {
            "id": "${AWS::AccountId}-${AWS::Region}-macie-organization-configuration"
        },
    }
    depends_on = resources[logical_id_of(macie.organization_configuration)]["DependsOn"]
    assert logical_id_of(macie.session) in depends_on


def test_permissions(macie, resources) -> None:
    policy = resources[logical_id_of(AwsSdkCallHandler.of(macie).policy)]
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert statements.pop("WriteOwnLogGroup")
    assert statements == {
        "ConfigureMacieOrganization": {
            "Sid": "ConfigureMacieOrganization",
            "Effect": "Allow",
            "Action": ["macie2:UpdateMacieSession", "macie2:UpdateOrganizationConfiguration"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": {"Ref": "AWS::Region"}}},
        }
    }


def test_finding_publishing_frequency_override() -> None:
    stack = _stack()
    macie = MacieOrganization(stack, "Macie", finding_publishing_frequency="SIX_HOURS")
    resources = dict(Template.from_stack(stack).to_json()["Resources"])
    parameters = sdk_call(resources, macie.session)["parameters"]
    assert parameters["findingPublishingFrequency"] == "SIX_HOURS"


def test_compliance_zero_findings(macie) -> None:
    assert violations(Stack.of(macie)) == {}


def test_rejects_an_unknown_finding_publishing_frequency() -> None:
    with pytest.raises(ValueError, match=r"finding_publishing_frequency must be one of .*'DAILY'"):
        MacieOrganization(_stack(), "Macie", finding_publishing_frequency="DAILY")


# --- MacieMembers ---------------------------------------------------------------------------

MEMBERS = {
    "666666666666": "payments-prod@acme-pay.example",
    "444444444444": "network@acme-pay.example",
    "555555555555": "shared@acme-pay.example",
}
NAME = "lz-macie-members-eu-west-1"


@pytest.fixture(scope="module")
def members() -> MacieMembers:
    return MacieMembers(_stack(), "MacieMembers", members=MEMBERS)


@pytest.fixture(scope="module")
def member_resources(members) -> dict[str, dict[str, Any]]:
    return dict(Template.from_stack(Stack.of(members)).to_json()["Resources"])


def test_one_resource_lists_every_account_sorted(members, member_resources) -> None:
    enrolments = [r for r in member_resources.values() if r["Type"] == "Custom::MacieMembers"]
    assert len(enrolments) == 1
    properties = member_resources[logical_id_of(members.resource)]["Properties"]
    assert properties["Members"] == dict(sorted(MEMBERS.items()))
    assert list(properties["Members"]) == sorted(MEMBERS)
    assert properties["ServiceToken"] == {"Fn::GetAtt": [logical_id_of(members.function), "Arn"]}
    # CloudFormation's longest wait: the function's invocations add up to it.
    assert properties["ServiceTimeout"] == "3600"
    # No SDK call per account any more.
    assert not [r for r in member_resources.values() if r["Type"] == "Custom::AWS"]


def test_the_resource_count_does_not_grow_with_the_accounts(member_resources) -> None:
    many = {f"{n:012d}": f"aws-{n}@acme-pay.example" for n in range(100_000, 101_000)}
    stack = _stack()
    MacieMembers(stack, "MacieMembers", members=many)
    resources = Template.from_stack(stack).to_json()["Resources"]
    assert sorted(r["Type"] for r in resources.values()) == sorted(
        r["Type"] for r in member_resources.values()
    )


def test_function_role_policy_and_logs_carry_the_protected_name(members, member_resources) -> None:
    function = member_resources[logical_id_of(members.function)]["Properties"]
    assert function["FunctionName"] == NAME
    assert function["Handler"] == "macie_members.handler"
    assert function["Timeout"] == 900
    assert member_resources[logical_id_of(members.role)]["Properties"]["RoleName"] == NAME
    policy = member_resources[logical_id_of(members.policy)]["Properties"]
    assert policy["ManagedPolicyName"] == NAME
    log_group = member_resources[logical_id_of(members.log_group)]
    assert log_group["Properties"]["LogGroupName"] == f"/aws/lambda/{NAME}"
    assert log_group["DeletionPolicy"] == "Retain"
    # The role has no inline policy: the protected managed policy grants everything.
    assert not [r for r in member_resources.values() if r["Type"] == "AWS::IAM::Policy"]


def test_name_prefix_override() -> None:
    stack = _stack()
    members = MacieMembers(stack, "MacieMembers", members=MEMBERS, name_prefix="acme-lz-")
    resources = Template.from_stack(stack).to_json()["Resources"]
    function = resources[logical_id_of(members.function)]["Properties"]
    assert function["FunctionName"] == "acme-lz-macie-members-eu-west-1"


def test_member_permissions_are_list_create_and_its_own_invocation(members, member_resources):
    policy = member_resources[logical_id_of(members.policy)]
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert statements.pop("WriteOwnLogGroup")["Action"] == [
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ]
    assert statements == {
        "AddMacieMembers": {
            "Sid": "AddMacieMembers",
            "Effect": "Allow",
            "Action": ["macie2:CreateMember", "macie2:ListMembers"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": {"Ref": "AWS::Region"}}},
        },
        "ContinueInNextInvocation": {
            "Sid": "ContinueInNextInvocation",
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":lambda:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        f":function:{NAME}",
                    ],
                ]
            },
        },
    }
    # Nothing deletes or disassociates a member.
    assert "DeleteMember" not in json.dumps(member_resources)


def test_the_function_code_is_the_runtime_only(members) -> None:
    asset = Stack.of(members).node.find_child("MacieMembers").node.find_child("Function")
    staged = {
        path.name
        for path in Path(
            cast(Any, asset.node.find_child("Code").node.find_child("Stage")).absolute_staged_path
        ).iterdir()
    }
    assert staged == {"macie_members.py"}


def test_members_compliance_zero_findings(members) -> None:
    assert violations(Stack.of(members)) == {}


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({}, "at least one account"),
        ({"12345": "a@b.example"}, "literal 12-digit account ids, got '12345'"),
        ({"666666666666": "not-an-email"}, "must be a literal email address"),
        (
            {f"{n:012d}": f"account-{n}@acme-pay.example" for n in range(10_000)},
            r"members takes \d+ bytes as JSON \(10000 accounts\); allowed: at most 400000",
        ),
    ],
)
def test_rejects_bad_members(members: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MacieMembers(_stack(), "MacieMembers", members=members)


def test_rejects_a_bad_name_prefix() -> None:
    with pytest.raises(ValueError, match="name_prefix: got 'lz/'"):
        MacieMembers(_stack(), "MacieMembers", members=MEMBERS, name_prefix="lz/")
