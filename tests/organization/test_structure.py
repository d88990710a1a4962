"""OrganizationalUnit and Account: native resources, retained, account creation serialized."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, CfnElement, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.organization import Account, OrganizationalUnit

ROOT_ID = "r-a1b2"


@pytest.fixture(scope="module")
def stack() -> Stack:
    stack = Stack(App(context=cdk_context()), "Organization")
    parent = OrganizationalUnit(stack, "Workloads", name="Workloads", parent_id=ROOT_ID)
    OrganizationalUnit(stack, "WorkloadsProd", name="Prod", parent_id=parent.organizational_unit_id)
    first = Account(
        stack,
        "PaymentsProd",
        account_name="payments-prod",
        email="aws-payments-prod@acme-pay.example",
        parent_id=parent.organizational_unit_id,
    )
    second = Account(
        stack,
        "PaymentsNonProd",
        account_name="payments-nonprod",
        email="aws-payments-nonprod@acme-pay.example",
        parent_id=ROOT_ID,
        role_name="lz-organization-access",
    )
    second.create_after(first)
    return stack


@pytest.fixture(scope="module")
def resources(stack: Stack) -> dict[str, dict[str, Any]]:
    return dict(Template.from_stack(stack).to_json()["Resources"])


def _logical_id(stack: Stack, construct_path: str) -> str:
    construct = stack.node.find_child(construct_path)
    resource = construct.node.default_child
    assert isinstance(resource, CfnElement)
    return str(stack.resolve(resource.logical_id))


def _of_type(resources: dict[str, dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in resources.items() if r["Type"] == kind}


# --- OrganizationalUnit ------------------------------------------------------------------


def test_ou_is_a_native_resource_under_its_parent(stack, resources) -> None:
    ou = resources[_logical_id(stack, "Workloads")]
    assert ou["Type"] == "AWS::Organizations::OrganizationalUnit"
    assert ou["Properties"] == {"Name": "Workloads", "ParentId": ROOT_ID}


def test_nested_ou_takes_its_parent_id_from_the_parent_resource(stack, resources) -> None:
    parent = _logical_id(stack, "Workloads")
    child = resources[_logical_id(stack, "WorkloadsProd")]
    assert child["Properties"] == {"Name": "Prod", "ParentId": {"Fn::GetAtt": [parent, "Id"]}}


def test_ou_is_retained_on_delete_and_replacement(resources) -> None:
    ous = _of_type(resources, "AWS::Organizations::OrganizationalUnit")
    assert len(ous) == 2
    for logical_id, ou in ous.items():
        assert ou["DeletionPolicy"] == "Retain", logical_id
        assert ou["UpdateReplacePolicy"] == "Retain", logical_id


def test_ou_exposes_its_id_as_a_token(stack) -> None:
    ou = stack.node.find_child("Workloads")
    assert isinstance(ou, OrganizationalUnit)
    assert stack.resolve(ou.organizational_unit_id) == {
        "Fn::GetAtt": [_logical_id(stack, "Workloads"), "Id"]
    }


# --- Account -----------------------------------------------------------------------------


def test_account_defaults(stack, resources) -> None:
    account = resources[_logical_id(stack, "PaymentsProd")]
    assert account["Type"] == "AWS::Organizations::Account"
    # No RoleName: Organizations creates its default OrganizationAccountAccessRole.
    assert account["Properties"] == {
        "AccountName": "payments-prod",
        "Email": "aws-payments-prod@acme-pay.example",
        "ParentIds": [{"Fn::GetAtt": [_logical_id(stack, "Workloads"), "Id"]}],
    }
    assert "DependsOn" not in account


def test_account_role_name_override(stack, resources) -> None:
    account = resources[_logical_id(stack, "PaymentsNonProd")]
    assert account["Properties"]["RoleName"] == "lz-organization-access"
    assert account["Properties"]["ParentIds"] == [ROOT_ID]


def test_account_is_retained_on_delete_and_replacement(resources) -> None:
    accounts = _of_type(resources, "AWS::Organizations::Account")
    assert len(accounts) == 2
    for logical_id, account in accounts.items():
        assert account["DeletionPolicy"] == "Retain", logical_id
        assert account["UpdateReplacePolicy"] == "Retain", logical_id


def test_create_after_makes_the_account_wait_for_the_other(stack, resources) -> None:
    account = resources[_logical_id(stack, "PaymentsNonProd")]
    assert account["DependsOn"] == [_logical_id(stack, "PaymentsProd")]


def test_account_exposes_its_id_as_a_token(stack) -> None:
    account = stack.node.find_child("PaymentsProd")
    assert isinstance(account, Account)
    assert stack.resolve(account.account_id) == {
        "Fn::GetAtt": [_logical_id(stack, "PaymentsProd"), "AccountId"]
    }


def _depends_on(stack: Stack, construct_id: str) -> list[str]:
    resources = Template.from_stack(stack).to_json()["Resources"]
    return list(resources[_logical_id(stack, construct_id)].get("DependsOn", []))


def test_an_ou_is_created_after_a_sibling_ou_it_is_ordered_after() -> None:
    stack = Stack(App(context=cdk_context()), "Organization")
    security = OrganizationalUnit(stack, "Security", name="Security", parent_id=ROOT_ID)
    sandbox = OrganizationalUnit(stack, "Sandbox", name="Sandbox", parent_id=ROOT_ID)
    suspended = OrganizationalUnit(stack, "Suspended", name="Suspended", parent_id=ROOT_ID)
    sandbox.create_after(security)
    suspended.create_after(sandbox)
    assert _depends_on(stack, "Sandbox") == [_logical_id(stack, "Security")]
    assert _depends_on(stack, "Suspended") == [_logical_id(stack, "Sandbox")]
    assert _depends_on(stack, "Security") == []


def test_an_ou_can_wait_for_an_account_and_an_account_for_an_ou() -> None:
    stack = Stack(App(context=cdk_context()), "Organization")
    account = Account(
        stack, "Audit", account_name="audit", email="aws-audit@acme-pay.example", parent_id=ROOT_ID
    )
    sandbox = OrganizationalUnit(stack, "Sandbox", name="Sandbox", parent_id=ROOT_ID)
    later = Account(
        stack, "Later", account_name="later", email="aws-later@acme-pay.example", parent_id=ROOT_ID
    )
    sandbox.create_after(account)
    later.create_after(sandbox)
    assert _depends_on(stack, "Sandbox") == [_logical_id(stack, "Audit")]
    assert _depends_on(stack, "Later") == [_logical_id(stack, "Sandbox")]


def test_rejects_ordering_an_ou_after_itself() -> None:
    stack = Stack(App(context=cdk_context()), "Organization")
    sandbox = OrganizationalUnit(stack, "Sandbox", name="Sandbox", parent_id=ROOT_ID)
    with pytest.raises(ValueError, match="create_after: got the OU itself"):
        sandbox.create_after(sandbox)
