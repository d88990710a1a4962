"""MacieOrganization: the administrator's session, then auto-enable for new accounts."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of, sdk_call

from landing_zone.common import AwsSdkCallHandler
from landing_zone.compliance import violations
from landing_zone.detection.macie import MacieOrganization


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
