"""InspectorOrganization: auto-enable, the administrator, existing members in batches."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Token
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of, sdk_call, template_text

from landing_zone.common import AwsSdkCallHandler
from landing_zone.compliance import violations
from landing_zone.detection.guardduty import GuardDutyOrganization
from landing_zone.detection.inspector import InspectorOrganization
from landing_zone.detection.macie import MacieOrganization

SCANS = ["EC2", "ECR", "LAMBDA", "LAMBDA_CODE"]


def _stack() -> Stack:
    return Stack(
        App(context=cdk_context()),
        "SecurityTooling",
        env=Environment(account="333333333333", region="eu-west-1"),
    )


def _resources(stack: Stack) -> dict[str, dict[str, Any]]:
    return dict(Template.from_stack(stack).to_json()["Resources"])


@pytest.fixture(scope="module")
def inspector() -> InspectorOrganization:
    return InspectorOrganization(_stack(), "Inspector")


@pytest.fixture(scope="module")
def resources(inspector) -> dict[str, dict[str, Any]]:
    return _resources(Stack.of(inspector))


def test_new_accounts_get_every_scan_type(inspector, resources) -> None:
    assert sdk_call(resources, inspector.organization_configuration) == {
        "service": "Inspector2",
        "action": "updateOrganizationConfiguration",
        "parameters": {
            "autoEnable": {"ec2": True, "ecr": True, "lambda": True, "lambdaCode": True}
        },
        "physicalResourceId": {
            "id": "${AWS::AccountId}-${AWS::Region}-inspector-organization-configuration"
        },
    }


def test_enables_the_administrator_itself_after_the_organization_setting(
    inspector, resources
) -> None:
    assert sdk_call(resources, inspector.admin_account) == {
        "service": "Inspector2",
        "action": "enable",
        "parameters": {"accountIds": ["${AWS::AccountId}"], "resourceTypes": SCANS},
        "outputPaths": ["accounts.0.accountId"],
        "physicalResourceId": {"id": "${AWS::AccountId}-${AWS::Region}-inspector-admin"},
    }
    depends_on = resources[logical_id_of(inspector.admin_account)]["DependsOn"]
    assert logical_id_of(inspector.organization_configuration) in depends_on


def test_no_member_batches_without_existing_accounts(inspector, resources) -> None:
    assert inspector.member_batches == []
    assert sum(r["Type"] == "Custom::AWS" for r in resources.values()) == 2


def test_permissions(inspector, resources) -> None:
    policy = resources[logical_id_of(AwsSdkCallHandler.of(inspector).policy)]
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert statements["ConfigureInspectorOrganization"] == {
        "Sid": "ConfigureInspectorOrganization",
        "Effect": "Allow",
        "Action": ["inspector2:Enable", "inspector2:UpdateOrganizationConfiguration"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": {"Ref": "AWS::Region"}}},
    }
    roles = statements["CreateInspectorServiceLinkedRoles"]
    assert roles["Action"] == "iam:CreateServiceLinkedRole"
    assert sorted(template_text(arn) for arn in roles["Resource"]) == [
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/"
        "agentless.inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2Agentless",
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/"
        "inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2",
    ]
    assert roles["Condition"] == {
        "StringEquals": {
            "iam:AWSServiceName": [
                "inspector2.amazonaws.com",
                "agentless.inspector2.amazonaws.com",
            ]
        }
    }
    assert set(statements) == {
        "WriteOwnLogGroup",
        "ConfigureInspectorOrganization",
        "CreateInspectorServiceLinkedRoles",
    }


def test_existing_members_are_enabled_in_sorted_batches_of_100() -> None:
    accounts = [f"{n:012d}" for n in range(205, 0, -1)]
    inspector = InspectorOrganization(_stack(), "Inspector", account_ids=accounts)
    resources = _resources(Stack.of(inspector))
    assert [batch.node.id for batch in inspector.member_batches] == [
        "Members1",
        "Members2",
        "Members3",
    ]
    calls = [sdk_call(resources, batch) for batch in inspector.member_batches]
    assert [call["parameters"]["accountIds"] for call in calls] == [
        sorted(accounts)[:100],
        sorted(accounts)[100:200],
        sorted(accounts)[200:],
    ]
    assert {tuple(call["parameters"]["resourceTypes"]) for call in calls} == {tuple(SCANS)}
    assert [call["physicalResourceId"]["id"] for call in calls] == [
        f"${{AWS::AccountId}}-${{AWS::Region}}-inspector-members-{n}" for n in (1, 2, 3)
    ]
    # One batch at a time, after the administrator.
    previous = inspector.admin_account
    for batch in inspector.member_batches:
        assert logical_id_of(previous) in resources[logical_id_of(batch)]["DependsOn"]
        previous = batch


def test_coexists_with_guardduty_and_macie_in_one_stack() -> None:
    """Their statements join one handler policy, so their sids must not collide."""
    stack = _stack()
    GuardDutyOrganization(stack, "GuardDuty", export_bucket_arn=None, export_kms_key_arn=None)
    InspectorOrganization(stack, "Inspector", account_ids=["444444444444"])
    MacieOrganization(stack, "Macie")
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.resource_count_is("AWS::IAM::ManagedPolicy", 1)
    assert violations(stack) == {}


def test_compliance_zero_findings() -> None:
    stack = _stack()
    InspectorOrganization(stack, "Inspector", account_ids=["444444444444", "555555555555"])
    assert violations(stack) == {}


@pytest.mark.parametrize("account_id", ["4444", "44444444444a", Token.as_string({"Ref": "A"})])
def test_rejects_an_account_id_that_is_not_a_literal_account_id(account_id) -> None:
    with pytest.raises(ValueError, match=r"account_ids must hold literal 12-digit account ids"):
        InspectorOrganization(_stack(), "Inspector", account_ids=["444444444444", account_id])


def test_rejects_a_repeated_account_id() -> None:
    with pytest.raises(ValueError, match=r"must not repeat an account, got 444444444444"):
        InspectorOrganization(_stack(), "Inspector", account_ids=["444444444444"] * 2)
