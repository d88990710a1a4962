"""MacieOrganization: the administrator's session, then auto-enable for new accounts; MacieMembers:
the accounts that were members before, one after another."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of, sdk_call

from landing_zone.common import AwsSdkCallHandler
from landing_zone.compliance import violations
from landing_zone.detection.macie import MAX_MEMBERS_PER_CONSTRUCT, MacieMembers, MacieOrganization


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


@pytest.fixture(scope="module")
def members() -> MacieMembers:
    return MacieMembers(_stack(), "MacieMembers", members=MEMBERS)


@pytest.fixture(scope="module")
def member_resources(members) -> dict[str, dict[str, Any]]:
    return dict(Template.from_stack(Stack.of(members)).to_json()["Resources"])


def test_adds_each_account_as_a_member_with_its_email(members, member_resources) -> None:
    assert sorted(members.members) == sorted(MEMBERS)
    for account_id, email in MEMBERS.items():
        call = sdk_call(member_resources, members.members[account_id])
        assert call["action"] == "createMember"
        assert call["parameters"] == {"account": {"accountId": account_id, "email": email}}
        assert call["physicalResourceId"] == {"id": f"{account_id}-${{AWS::Region}}-macie-member"}
        # An account auto-enabled when it joined is already a member: not a failure.
        assert call["ignoreErrorCodesMatching"] == "^ConflictException$"


def test_members_are_added_one_after_another(members, member_resources) -> None:
    ids = [logical_id_of(members.members[a]) for a in sorted(MEMBERS)]
    assert not set(member_resources[ids[0]].get("DependsOn", [])) & set(ids)
    for previous, current in itertools.pairwise(ids):
        assert previous in member_resources[current]["DependsOn"]


def test_member_permission_is_create_member_in_this_region_only(members, member_resources) -> None:
    policy = member_resources[logical_id_of(AwsSdkCallHandler.of(members).policy)]
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert statements.pop("WriteOwnLogGroup")
    assert statements == {
        "AddMacieMembers": {
            "Sid": "AddMacieMembers",
            "Effect": "Allow",
            "Action": "macie2:CreateMember",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": {"Ref": "AWS::Region"}}},
        }
    }


def test_members_compliance_zero_findings(members) -> None:
    assert violations(Stack.of(members)) == {}


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({}, "at least one account"),
        ({"12345": "a@b.example"}, "literal 12-digit account ids, got '12345'"),
        ({"666666666666": "not-an-email"}, "must be a literal email address"),
        (
            {f"{n:012d}": "a@b.example" for n in range(MAX_MEMBERS_PER_CONSTRUCT + 1)},
            f"holds {MAX_MEMBERS_PER_CONSTRUCT + 1} accounts",
        ),
    ],
)
def test_rejects_bad_members(members: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MacieMembers(_stack(), "MacieMembers", members=members)
