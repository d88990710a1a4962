"""IpamDelegation: the network account becomes IPAM's delegated administrator and RAM may share
with OUs, one-way calls made one at a time after the other designations."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of, sdk_call

from landing_zone.compliance import violations
from landing_zone.detection.delegated_admins import DelegatedAdministrators, IpamDelegation

ORGANIZATION_ID = "o-a1b2c3d4e5"
NETWORK = "444444444444"
MANAGEMENT = "111111111111"


def _stack() -> Stack:
    return Stack(
        App(context=cdk_context()),
        "Organization",
        env=Environment(account=MANAGEMENT, region="eu-west-1"),
    )


@pytest.fixture(scope="module")
def delegation() -> IpamDelegation:
    stack = _stack()
    admins = DelegatedAdministrators(
        stack,
        "DelegatedAdministrators",
        organization_id=ORGANIZATION_ID,
        admin_account_id="333333333333",
        regions=["eu-west-1"],
    )
    return IpamDelegation(
        stack,
        "IpamDelegation",
        organization_id=ORGANIZATION_ID,
        admin_account_id=NETWORK,
        after=admins.registrations[-1],
    )


@pytest.fixture(scope="module")
def resources(delegation: IpamDelegation) -> dict[str, dict[str, Any]]:
    return dict(Template.from_stack(Stack.of(delegation)).to_json()["Resources"])


def _statements(resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    (policy,) = [r for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def test_enables_ram_sharing_with_the_organization(delegation, resources) -> None:
    assert sdk_call(resources, delegation.ram_sharing) == {
        "service": "RAM",
        "action": "enableSharingWithAwsOrganization",
        "parameters": {},
        "physicalResourceId": {"id": "ram-sharing-with-organization"},
    }


def test_designates_the_network_account_as_ipam_administrator(delegation, resources) -> None:
    assert sdk_call(resources, delegation.ipam_administrator) == {
        "service": "EC2",
        "action": "enableIpamOrganizationAdminAccount",
        "parameters": {"DelegatedAdminAccountId": NETWORK},
        "physicalResourceId": {"id": f"ipam-delegated-admin-{NETWORK}"},
    }


def test_calls_run_one_at_a_time_after_the_other_designations(delegation, resources) -> None:
    ram = resources[logical_id_of(delegation.ram_sharing)]
    ipam = resources[logical_id_of(delegation.ipam_administrator)]
    assert logical_id_of(delegation.ram_sharing) in ipam["DependsOn"]
    stack = Stack.of(delegation)
    admins = stack.node.find_child("DelegatedAdministrators")
    assert isinstance(admins, DelegatedAdministrators)
    assert logical_id_of(admins.registrations[-1]) in ram["DependsOn"]


def test_permissions_name_the_ipam_and_ram_principals_only(resources) -> None:
    statements = _statements(resources)
    assert statements["EnableIpamServiceAccess"]["Condition"] == {
        "StringEquals": {"organizations:ServicePrincipal": "ipam.amazonaws.com"}
    }
    assert statements["EnableRamServiceAccess"]["Condition"] == {
        "StringEquals": {"organizations:ServicePrincipal": "ram.amazonaws.com"}
    }
    assert statements["CreateIpamServiceLinkedRole"]["Condition"] == {
        "StringEquals": {"iam:AWSServiceName": "ipam.amazonaws.com"}
    }
    assert statements["CreateRamServiceLinkedRole"]["Condition"] == {
        "StringEquals": {"iam:AWSServiceName": "ram.amazonaws.com"}
    }
    registration = statements["RegisterIpamDelegatedAdministrator"]
    assert registration["Action"] == "organizations:RegisterDelegatedAdministrator"
    assert NETWORK in str(registration["Resource"])
    assert statements["EnableIpamOrganizationAdminAccount"]["Action"] == (
        "ec2:EnableIpamOrganizationAdminAccount"
    )


def test_no_permission_to_disable(resources) -> None:
    actions = str([s["Action"] for s in _statements(resources).values()])
    assert "Disable" not in actions
    assert "Deregister" not in actions


def test_compliance_zero_findings(delegation) -> None:
    assert violations(Stack.of(delegation)) == {}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"organization_id": "acme"}, "organization_id must be an organization id"),
        ({"admin_account_id": "4444"}, "admin_account_id must be a 12-digit account id"),
        ({"admin_account_id": MANAGEMENT}, "designate the network account instead"),
    ],
)
def test_rejects_bad_ids(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        IpamDelegation(
            _stack(),
            "IpamDelegation",
            **{"organization_id": ORGANIZATION_ID, "admin_account_id": NETWORK, **props},
        )
