"""SecurityHubOrganization: aggregator, central configuration, one policy on the root."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Environment, Stack, Token
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of

from landing_zone.compliance import violations
from landing_zone.detection.security_hub import (
    DEFAULT_STANDARDS,
    SecurityHubOrganization,
    SecurityHubStandard,
)

ROOT_ID = "r-a1b2"
REGIONS = ["eu-west-1", "eu-central-1", "eu-north-1"]


def _stack(region: str | None = "eu-west-1") -> Stack:
    return Stack(
        App(context=cdk_context()),
        "SecurityTooling",
        env=Environment(account="333333333333", region=region),
    )


def _hub(stack: Stack, **overrides: Any) -> SecurityHubOrganization:
    props: dict[str, Any] = {"root_id": ROOT_ID, "linked_regions": REGIONS, **overrides}
    return SecurityHubOrganization(stack, "SecurityHub", **props)


def _standard_arn(path: str, region: str = "eu-west-1") -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, f":securityhub:{region}::standards/{path}"],
        ]
    }


@pytest.fixture(scope="module")
def hub() -> SecurityHubOrganization:
    return _hub(_stack())


@pytest.fixture(scope="module")
def resources(hub) -> dict[str, dict[str, Any]]:
    return dict(Template.from_stack(Stack.of(hub)).to_json()["Resources"])


def test_aggregates_the_linked_regions_into_the_home_region(hub, resources) -> None:
    assert resources[logical_id_of(hub.finding_aggregator)] == {
        "Type": "AWS::SecurityHub::FindingAggregator",
        "Properties": {
            "RegionLinkingMode": "SPECIFIED_REGIONS",
            # The home Region is the aggregation Region, not a linked one.
            "Regions": ["eu-central-1", "eu-north-1"],
        },
    }


def test_central_configuration_after_the_aggregator(hub, resources) -> None:
    assert resources[logical_id_of(hub.organization_configuration)] == {
        "Type": "AWS::SecurityHub::OrganizationConfiguration",
        "Properties": {
            "ConfigurationType": "CENTRAL",
            "AutoEnable": False,
            "AutoEnableStandards": "NONE",
        },
        "DependsOn": [logical_id_of(hub.finding_aggregator)],
    }


def test_policy_enables_the_four_standards_and_every_control(hub, resources) -> None:
    assert resources[logical_id_of(hub.policy)] == {
        "Type": "AWS::SecurityHub::ConfigurationPolicy",
        "Properties": {
            "Name": "landing-zone-security-baseline",
            "Description": (
                "Security Hub with aws-foundational-security-best-practices/v/1.0.0, "
                "cis-aws-foundations-benchmark/v/5.0.0, pci-dss/v/4.0.1, nist-800-53/v/5.0.0 "
                "and every control enabled"
            ),
            "ConfigurationPolicy": {
                "SecurityHub": {
                    "ServiceEnabled": True,
                    "EnabledStandardIdentifiers": [
                        _standard_arn("aws-foundational-security-best-practices/v/1.0.0"),
                        _standard_arn("cis-aws-foundations-benchmark/v/5.0.0"),
                        _standard_arn("pci-dss/v/4.0.1"),
                        _standard_arn("nist-800-53/v/5.0.0"),
                    ],
                    # Nothing disabled: every control on, new controls included.
                    "SecurityControlsConfiguration": {"DisabledSecurityControlIdentifiers": []},
                }
            },
        },
        "DependsOn": [logical_id_of(hub.organization_configuration)],
    }


def test_policy_is_associated_with_the_root(hub, resources) -> None:
    assert resources[logical_id_of(hub.root_association)] == {
        "Type": "AWS::SecurityHub::PolicyAssociation",
        "Properties": {
            "ConfigurationPolicyId": {"Fn::GetAtt": [logical_id_of(hub.policy), "Id"]},
            "TargetType": "ROOT",
            "TargetId": ROOT_ID,
        },
    }


def test_declares_no_hub_the_designation_already_enabled(resources) -> None:
    types = sorted(r["Type"] for r in resources.values())
    assert types == [
        "AWS::SecurityHub::ConfigurationPolicy",
        "AWS::SecurityHub::FindingAggregator",
        "AWS::SecurityHub::OrganizationConfiguration",
        "AWS::SecurityHub::PolicyAssociation",
    ]


def test_default_standards_are_fsbp_cis_pci_dss_and_nist() -> None:
    assert DEFAULT_STANDARDS == (
        SecurityHubStandard.AWS_FOUNDATIONAL_SECURITY_BEST_PRACTICES,
        SecurityHubStandard.CIS_AWS_FOUNDATIONS_5_0_0,
        SecurityHubStandard.PCI_DSS_4_0_1,
        SecurityHubStandard.NIST_800_53_REV_5,
    )


def test_standard_arn_carries_the_region() -> None:
    stack = _stack()
    arn = SecurityHubStandard.CIS_AWS_FOUNDATIONS_3_0_0.arn("eu-central-1")
    assert stack.resolve(arn) == _standard_arn(
        "cis-aws-foundations-benchmark/v/3.0.0", "eu-central-1"
    )


def test_standards_and_policy_name_override() -> None:
    stack = _stack()
    _hub(
        stack,
        standards=[
            SecurityHubStandard.PCI_DSS_4_0_1,
            SecurityHubStandard.CIS_AWS_FOUNDATIONS_3_0_0,
        ],
        policy_name="payments",
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::SecurityHub::ConfigurationPolicy",
        {
            "Name": "payments",
            "ConfigurationPolicy": {
                "SecurityHub": {
                    "EnabledStandardIdentifiers": [
                        _standard_arn("pci-dss/v/4.0.1"),
                        _standard_arn("cis-aws-foundations-benchmark/v/3.0.0"),
                    ]
                }
            },
        },
    )


def test_home_region_may_be_left_out_of_the_linked_regions() -> None:
    stack = _stack()
    _hub(stack, linked_regions=["eu-central-1"])
    Template.from_stack(stack).has_resource_properties(
        "AWS::SecurityHub::FindingAggregator", {"Regions": ["eu-central-1"]}
    )


def test_compliance_zero_findings(hub) -> None:
    assert violations(Stack.of(hub)) == {}


def test_accepts_a_root_id_token() -> None:
    stack = _stack()
    _hub(stack, root_id=CfnParameter(stack, "RootId").value_as_string)
    Template.from_stack(stack).has_resource_properties(
        "AWS::SecurityHub::PolicyAssociation", {"TargetId": {"Ref": "RootId"}}
    )


@pytest.mark.parametrize("root_id", ["root", "ou-a1b2-c3d4e5f6", "r-A1B2"])
def test_rejects_a_malformed_root_id(root_id) -> None:
    with pytest.raises(ValueError, match=rf"root_id must be an organization root id .*{root_id!r}"):
        _hub(_stack(), root_id=root_id)


@pytest.mark.parametrize("linked_regions", [["eu-west-1"], []], ids=["home-only", "none"])
def test_a_single_region_links_no_region(linked_regions) -> None:
    # CloudFormation has no NO_REGIONS mode: every other Region of the partition is excluded.
    stack = _stack()
    _hub(stack, linked_regions=linked_regions)
    aggregator = next(
        resource["Properties"]
        for resource in Template.from_stack(stack).to_json()["Resources"].values()
        if resource["Type"] == "AWS::SecurityHub::FindingAggregator"
    )
    assert aggregator["RegionLinkingMode"] == "ALL_REGIONS_EXCEPT_SPECIFIED"
    excluded = aggregator["Regions"]
    assert "eu-west-1" not in excluded
    assert {"eu-central-1", "us-east-1", "ap-southeast-2"} <= set(excluded)
    assert not [region for region in excluded if region.startswith(("cn-", "us-gov-"))]
    assert len(excluded) <= 50  # the property's maximum
    assert violations(stack) == {}


@pytest.mark.parametrize("region", ["Frankfurt", Token.as_string({"Ref": "Region"})])
def test_rejects_a_linked_region_that_is_not_a_literal_region_name(region) -> None:
    with pytest.raises(ValueError, match=r"linked_regions must hold literal Region names"):
        _hub(_stack(), linked_regions=["eu-central-1", region])


def test_rejects_a_repeated_linked_region() -> None:
    with pytest.raises(ValueError, match=r"linked_regions must not repeat a Region"):
        _hub(_stack(), linked_regions=["eu-central-1", "eu-central-1"])


def test_rejects_a_stack_without_a_region() -> None:
    with pytest.raises(ValueError, match=r"needs a stack with an explicit Region"):
        _hub(_stack(region=None))


def test_rejects_no_standards() -> None:
    with pytest.raises(ValueError, match=r"standards must name at least one standard"):
        _hub(_stack(), standards=[])


def test_rejects_a_repeated_standard() -> None:
    with pytest.raises(
        ValueError, match=r"standards must not repeat a standard, got PCI_DSS_4_0_1"
    ):
        _hub(
            _stack(),
            standards=[SecurityHubStandard.PCI_DSS_4_0_1, SecurityHubStandard.PCI_DSS_4_0_1],
        )


def test_rejects_an_empty_policy_name() -> None:
    with pytest.raises(ValueError, match=r"policy_name must not be empty"):
        _hub(_stack(), policy_name=" ")
