"""DelegatedAdministrators: trusted access and administrators, one serialized call at a time."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Token
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of, sdk_call

from landing_zone.compliance import violations
from landing_zone.detection.delegated_admins import (
    ORGANIZATIONS_DELEGATED_ADMINISTRATORS,
    TRUSTED_ACCESS_PRINCIPALS,
    DelegatedAdministrators,
)

ORGANIZATION_ID = "o-a1b2c3d4e5"
ADMIN = "333333333333"
REGIONS = ["eu-west-1", "eu-central-1"]
STACKSETS = "member.org.stacksets.cloudformation.amazonaws.com"


def _stack(region: str = "eu-west-1") -> Stack:
    # The management account: the administrator (333333333333) cannot be the stack's account.
    return Stack(
        App(context=cdk_context()),
        "Organization",
        env=Environment(account="111111111111", region=region),
    )


def _admins(stack: Stack, **overrides: Any) -> DelegatedAdministrators:
    props: dict[str, Any] = {
        "organization_id": ORGANIZATION_ID,
        "admin_account_id": ADMIN,
        "regions": REGIONS,
        **overrides,
    }
    return DelegatedAdministrators(stack, "DelegatedAdministrators", **props)


@pytest.fixture(scope="module")
def admins() -> DelegatedAdministrators:
    return _admins(_stack())


@pytest.fixture(scope="module")
def resources(admins: DelegatedAdministrators) -> dict[str, dict[str, Any]]:
    return dict(Template.from_stack(Stack.of(admins)).to_json()["Resources"])


def _statements(resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Sid -> statement of the handler's customer managed policy."""
    (policy,) = [r for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


# --- calls ---------------------------------------------------------------------------------


@pytest.mark.parametrize("principal", list(TRUSTED_ACCESS_PRINCIPALS))
def test_enables_trusted_access(admins, resources, principal) -> None:
    assert sdk_call(resources, admins.trusted_access[principal]) == {
        "service": "Organizations",
        "action": "enableAWSServiceAccess",
        "parameters": {"ServicePrincipal": principal},
        # Organizations' API lives in us-east-1, whatever the stack's Region.
        "region": "us-east-1",
        "physicalResourceId": {"id": f"trusted-access-{principal}"},
    }


def test_trusted_access_covers_the_services_that_do_not_enable_their_own() -> None:
    assert set(TRUSTED_ACCESS_PRINCIPALS) == {
        "cloudtrail.amazonaws.com",
        "config.amazonaws.com",
        "config-multiaccountsetup.amazonaws.com",
        "access-analyzer.amazonaws.com",
        "securityhub.amazonaws.com",
    }


@pytest.mark.parametrize("principal", list(ORGANIZATIONS_DELEGATED_ADMINISTRATORS))
def test_registers_the_administrator_through_organizations(admins, resources, principal) -> None:
    assert sdk_call(resources, admins.organizations_registrations[principal]) == {
        "service": "Organizations",
        "action": "registerDelegatedAdministrator",
        "parameters": {"AccountId": ADMIN, "ServicePrincipal": principal},
        "region": "us-east-1",
        "physicalResourceId": {"id": f"delegated-admin-{principal}-{ADMIN}"},
        "ignoreErrorCodesMatching": "AccountAlreadyRegisteredException",
    }


def test_organizations_registrations_are_config_access_analyzer_and_stacksets() -> None:
    assert set(ORGANIZATIONS_DELEGATED_ADMINISTRATORS) == {
        "config.amazonaws.com",
        "config-multiaccountsetup.amazonaws.com",
        "access-analyzer.amazonaws.com",
        STACKSETS,
    }


def test_exposes_the_stacksets_registration_for_wiring(admins) -> None:
    assert admins.stacksets_registration is admins.organizations_registrations[STACKSETS]


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize(
    ("attribute", "service", "action", "parameter", "ignored"),
    [
        (
            "guardduty",
            "GuardDuty",
            "enableOrganizationAdminAccount",
            "AdminAccountId",
            "BadRequestException",
        ),
        (
            "inspector",
            "Inspector2",
            "enableDelegatedAdminAccount",
            "delegatedAdminAccountId",
            "ConflictException",
        ),
        (
            "macie",
            "Macie2",
            "enableOrganizationAdminAccount",
            "adminAccountId",
            "ConflictException",
        ),
    ],
)
def test_designates_the_administrator_in_each_region(
    admins, resources, region, attribute, service, action, parameter, ignored
) -> None:
    assert sdk_call(resources, getattr(admins, attribute)[region]) == {
        "service": service,
        "action": action,
        "parameters": {parameter: ADMIN},
        "region": region,
        "physicalResourceId": {"id": f"{service.lower()}-delegated-admin-{region}-{ADMIN}"},
        "ignoreErrorCodesMatching": ignored,
    }


def test_security_hub_administrator_is_designated_once_in_the_home_region(admins, resources):
    hubs = {
        lid: r for lid, r in resources.items() if r["Type"] == "AWS::SecurityHub::DelegatedAdmin"
    }
    assert hubs == {
        logical_id_of(admins.security_hub): {
            "Type": "AWS::SecurityHub::DelegatedAdmin",
            "Properties": {"AdminAccountId": ADMIN},
            "DependsOn": [logical_id_of(admins.stacksets_registration)],
        }
    }


def test_one_sdk_call_per_principal_and_regional_service(resources) -> None:
    calls = [r for r in resources.values() if r["Type"] == "Custom::AWS"]
    expected = len(TRUSTED_ACCESS_PRINCIPALS) + len(ORGANIZATIONS_DELEGATED_ADMINISTRATORS)
    assert len(calls) == expected + 3 * len(REGIONS)


def test_every_call_runs_after_the_previous_one_and_the_policy(admins, resources) -> None:
    """Organizations rejects concurrent changes: the calls form one chain."""
    chain = [
        *admins.trusted_access.values(),
        *admins.organizations_registrations.values(),
        admins.security_hub,
        admins.guardduty["eu-west-1"],
        admins.inspector["eu-west-1"],
        admins.macie["eu-west-1"],
        admins.guardduty["eu-central-1"],
        admins.inspector["eu-central-1"],
        admins.macie["eu-central-1"],
    ]
    policy = next(lid for lid, r in resources.items() if r["Type"] == "AWS::IAM::ManagedPolicy")
    for previous, current in itertools.pairwise(chain):
        assert logical_id_of(previous) in resources[logical_id_of(current)]["DependsOn"]
    for construct in chain:
        resource = resources[logical_id_of(construct)]
        if resource["Type"] == "Custom::AWS":
            # Through the function that runs the call (its service token).
            (function, _) = resource["Properties"]["ServiceToken"]["Fn::GetAtt"]
            assert policy in resources[function]["DependsOn"]
    assert admins.registrations == chain[len(TRUSTED_ACCESS_PRINCIPALS) :]


def test_construct_ids_name_service_and_region(admins) -> None:
    assert admins.guardduty["eu-central-1"].node.path == (
        "Organization/DelegatedAdministrators/DelegatedAdministrator/GuardDutyEuCentral1"
    )
    assert admins.trusted_access["config-multiaccountsetup.amazonaws.com"].node.path == (
        "Organization/DelegatedAdministrators/TrustedAccess/ConfigMultiAccountSetup"
    )


# --- permissions ---------------------------------------------------------------------------

ACCOUNT_ARN = {
    "Fn::Join": [
        "",
        [
            "arn:",
            {"Ref": "AWS::Partition"},
            ":organizations::",
            {"Ref": "AWS::AccountId"},
            f":account/{ORGANIZATION_ID}/{ADMIN}",
        ],
    ]
}


def test_permissions_are_exactly_the_documented_ones(resources) -> None:
    statements = _statements(resources)
    assert statements.pop("WriteOwnLogGroup")
    assert statements == {
        "EnableSecurityServicesTrustedAccess": {
            "Sid": "EnableSecurityServicesTrustedAccess",
            "Effect": "Allow",
            "Action": "organizations:EnableAWSServiceAccess",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "organizations:ServicePrincipal": [
                        "access-analyzer.amazonaws.com",
                        "cloudtrail.amazonaws.com",
                        "config-multiaccountsetup.amazonaws.com",
                        "config.amazonaws.com",
                        "guardduty.amazonaws.com",
                        "inspector2.amazonaws.com",
                        "macie.amazonaws.com",
                        "malware-protection.guardduty.amazonaws.com",
                        "securityhub.amazonaws.com",
                    ]
                }
            },
        },
        "RegisterSecurityServicesDelegatedAdministrator": {
            "Sid": "RegisterSecurityServicesDelegatedAdministrator",
            "Effect": "Allow",
            "Action": "organizations:RegisterDelegatedAdministrator",
            # Only the administrator account of this organization.
            "Resource": ACCOUNT_ARN,
            "Condition": {
                "StringEquals": {
                    "organizations:ServicePrincipal": [
                        "access-analyzer.amazonaws.com",
                        "config-multiaccountsetup.amazonaws.com",
                        "config.amazonaws.com",
                        "guardduty.amazonaws.com",
                        "inspector2.amazonaws.com",
                        "macie.amazonaws.com",
                        "malware-protection.guardduty.amazonaws.com",
                        STACKSETS,
                    ]
                }
            },
        },
        "ReadOrganizationForSecurityServices": {
            "Sid": "ReadOrganizationForSecurityServices",
            "Effect": "Allow",
            "Action": [
                "organizations:DescribeAccount",
                "organizations:DescribeOrganization",
                "organizations:DescribeOrganizationalUnit",
                "organizations:ListAWSServiceAccessForOrganization",
                "organizations:ListAccounts",
                "organizations:ListDelegatedAdministrators",
            ],
            "Resource": "*",
        },
        "DesignateSecurityServicesAdministrator": {
            "Sid": "DesignateSecurityServicesAdministrator",
            "Effect": "Allow",
            "Action": [
                "guardduty:EnableOrganizationAdminAccount",
                "inspector2:EnableDelegatedAdminAccount",
                "macie2:EnableOrganizationAdminAccount",
            ],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": REGIONS}},
        },
    }


def test_no_permission_to_deregister_or_disable(resources) -> None:
    actions = json.dumps(_statements(resources))
    for forbidden in ("Deregister", "Disable", "Delete", ":*"):
        assert forbidden not in actions


def test_compliance_zero_findings(admins) -> None:
    assert violations(Stack.of(admins)) == {}


# --- rejected props ------------------------------------------------------------------------


def test_accepts_tokens_for_ids() -> None:
    stack = _stack()
    admins = _admins(
        stack,
        organization_id=Token.as_string({"Ref": "OrganizationId"}),
        admin_account_id=Token.as_string({"Ref": "AdminAccount"}),
    )
    assert admins.admin_account_id.startswith("${Token")


def test_rejects_a_malformed_organization_id() -> None:
    with pytest.raises(ValueError, match=r"organization_id must be .* got 'a1b2c3d4e5'"):
        _admins(_stack(), organization_id="a1b2c3d4e5")


def test_rejects_a_malformed_admin_account_id() -> None:
    with pytest.raises(ValueError, match=r"admin_account_id must be a 12-digit .* got '3333'"):
        _admins(_stack(), admin_account_id="3333")


def test_rejects_the_management_account_as_administrator() -> None:
    with pytest.raises(ValueError, match=r"'111111111111' is the management account"):
        _admins(_stack(), admin_account_id="111111111111")


def test_rejects_no_regions() -> None:
    with pytest.raises(ValueError, match=r"regions must name at least one Region"):
        _admins(_stack(), regions=[])


@pytest.mark.parametrize("region", ["Europe", "eu_west_1", Token.as_string({"Ref": "Region"})])
def test_rejects_a_region_that_is_not_a_literal_region_name(region) -> None:
    with pytest.raises(ValueError, match=r"regions must hold literal Region names"):
        _admins(_stack(), regions=["eu-west-1", region])


def test_rejects_a_repeated_region() -> None:
    with pytest.raises(ValueError, match=r"must not repeat a Region, got eu-west-1 twice"):
        _admins(_stack(), regions=["eu-west-1", "eu-central-1", "eu-west-1"])


def test_rejects_regions_without_the_stack_region() -> None:
    with pytest.raises(ValueError, match=r"must include this stack's Region 'eu-west-1'"):
        _admins(_stack(), regions=["eu-central-1"])
