"""OrganizationConfigAggregator, PciDssConformancePack and OrganizationConfigRules."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.baseline.config_recorder import ConfigFrequency
from landing_zone.compliance import violations
from landing_zone.detection.aws_config import (
    ManagedRuleSpec,
    OrganizationConfigAggregator,
    OrganizationConfigRules,
    PciDssConformancePack,
)
from landing_zone.detection.pci_dss_rules import PCI_DSS_RULES, conformance_pack_template_body

ENV = Environment(account="333333333333", region="eu-west-1")


def _stack() -> Stack:
    return Stack(App(context=cdk_context()), "SecurityTooling", env=ENV)


def _only(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    found = template.find_resources(resource_type)
    assert len(found) == 1, f"{len(found)} {resource_type}"
    logical_id, resource = next(iter(found.items()))
    return logical_id, dict(resource)


# --- OrganizationConfigAggregator --------------------------------------------------------


def _aggregator_template(**props: Any) -> Template:
    stack = _stack()
    OrganizationConfigAggregator(stack, "Aggregator", **props)
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def aggregator_template() -> Template:
    return _aggregator_template()


def test_aggregator_covers_all_regions_of_the_organization(
    aggregator_template: Template,
) -> None:
    role_id, _ = _only(aggregator_template, "AWS::IAM::Role")
    policy_id, _ = _only(aggregator_template, "AWS::IAM::ManagedPolicy")
    _, aggregator = _only(aggregator_template, "AWS::Config::ConfigurationAggregator")
    assert aggregator["Properties"] == {
        "OrganizationAggregationSource": {
            "AllAwsRegions": True,
            "RoleArn": {"Fn::GetAtt": [role_id, "Arn"]},
        }
    }
    assert aggregator["DependsOn"] == [policy_id]


def test_aggregator_holds_no_data_so_is_not_retained(aggregator_template: Template) -> None:
    _, aggregator = _only(aggregator_template, "AWS::Config::ConfigurationAggregator")
    assert "DeletionPolicy" not in aggregator
    assert "UpdateReplacePolicy" not in aggregator


def test_aggregator_role_and_policy_names(aggregator_template: Template) -> None:
    _, role = _only(aggregator_template, "AWS::IAM::Role")
    assert "RoleName" not in role["Properties"]
    named = _aggregator_template(name="lz-config-aggregator")
    _, role = _only(named, "AWS::IAM::Role")
    _, policy = _only(named, "AWS::IAM::ManagedPolicy")
    assert role["Properties"]["RoleName"] == "lz-config-aggregator"
    assert policy["Properties"]["ManagedPolicyName"] == "lz-config-aggregator"


def test_aggregator_regions_override() -> None:
    template = _aggregator_template(regions=["eu-west-1", "eu-central-1"])
    _, aggregator = _only(template, "AWS::Config::ConfigurationAggregator")
    source = aggregator["Properties"]["OrganizationAggregationSource"]
    assert source["AwsRegions"] == ["eu-west-1", "eu-central-1"]
    assert "AllAwsRegions" not in source


def test_aggregator_role_is_for_config_only(aggregator_template: Template) -> None:
    _, role = _only(aggregator_template, "AWS::IAM::Role")
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "config.amazonaws.com"},
        }
    ]
    assert "ManagedPolicyArns" not in role["Properties"]
    assert "Policies" not in role["Properties"]
    aggregator_template.resource_count_is("AWS::IAM::Policy", 0)


def test_aggregator_role_may_only_read_the_organization(aggregator_template: Template) -> None:
    role_id, _ = _only(aggregator_template, "AWS::IAM::Role")
    _, policy = _only(aggregator_template, "AWS::IAM::ManagedPolicy")
    assert policy["Properties"]["Roles"] == [{"Ref": role_id}]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": [
                "organizations:DescribeOrganization",
                "organizations:ListAWSServiceAccessForOrganization",
                "organizations:ListAccounts",
                "organizations:ListDelegatedAdministrators",
            ],
            "Effect": "Allow",
            "Resource": "*",
            "Sid": "ReadOrganizationAccounts",
        }
    ]


@pytest.mark.parametrize(
    ("regions", "message"),
    [
        ([], "regions: got an empty list"),
        (["Europe"], "regions: 'Europe' is not a region name"),
        (["eu-west-1", "eu-west-1"], "regions: ['eu-west-1'] appear more than once"),
    ],
)
def test_rejects_impossible_aggregator_regions(regions: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        OrganizationConfigAggregator(_stack(), "Aggregator", regions=regions)


def test_rejects_aggregator_regions_as_a_string() -> None:
    with pytest.raises(TypeError, match="regions: expected a list"):
        OrganizationConfigAggregator(_stack(), "Aggregator", regions="eu-west-1")


# --- PciDssConformancePack ---------------------------------------------------------------


def _pack_template(**props: Any) -> Template:
    stack = _stack()
    PciDssConformancePack(stack, "PciDss", **{"include_global_resource_types": True, **props})
    return Template.from_stack(stack)


def test_home_region_pack_deploys_the_whole_catalog() -> None:
    _, pack = _only(_pack_template(), "AWS::Config::OrganizationConformancePack")
    assert pack["Properties"] == {
        "OrganizationConformancePackName": "landing-zone-pci-dss-v4",
        "TemplateBody": conformance_pack_template_body(include_global_resource_types=True),
    }


def test_other_regions_pack_leaves_global_rules_out() -> None:
    stack = _stack()
    pack = PciDssConformancePack(stack, "PciDss", include_global_resource_types=False)
    _, resource = _only(Template.from_stack(stack), "AWS::Config::OrganizationConformancePack")
    body = resource["Properties"]["TemplateBody"]
    assert body == conformance_pack_template_body(include_global_resource_types=False)
    assert "IAM_PASSWORD_POLICY" not in body
    assert pack.rules == tuple(rule for rule in PCI_DSS_RULES if not rule.global_resources)


def test_pack_overrides_reach_the_template() -> None:
    template = _pack_template(
        excluded_accounts=["444444444444", "555555555555"], pack_name="Pci-Dss-v4-0"
    )
    _, pack = _only(template, "AWS::Config::OrganizationConformancePack")
    assert pack["Properties"]["ExcludedAccounts"] == ["444444444444", "555555555555"]
    assert pack["Properties"]["OrganizationConformancePackName"] == "Pci-Dss-v4-0"


@pytest.mark.parametrize(
    ("props", "error", "message"),
    [
        ({"pack_name": "1-pci"}, ValueError, "pack_name: '1-pci' is not a conformance pack name"),
        ({"pack_name": "pci_dss"}, ValueError, "pack_name: 'pci_dss'"),
        ({"pack_name": "p" * 129}, ValueError, "pack_name: 'ppp"),
        ({"excluded_accounts": ["4444"]}, ValueError, "excluded_accounts: '4444' is not"),
        (
            {"excluded_accounts": ["444444444444"] * 2},
            ValueError,
            "excluded_accounts: ['444444444444'] appear more than once",
        ),
        (
            {"excluded_accounts": [f"{n:012d}" for n in range(1001)]},
            ValueError,
            "excluded_accounts: got 1001 accounts; AWS Config allows 1000",
        ),
        ({"excluded_accounts": "444444444444"}, TypeError, "excluded_accounts: expected a list"),
    ],
)
def test_rejects_impossible_packs(
    props: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        PciDssConformancePack(
            _stack(), "PciDss", **{"include_global_resource_types": True, **props}
        )


# --- OrganizationConfigRules -------------------------------------------------------------


VERSIONING = ManagedRuleSpec(identifier="S3_BUCKET_VERSIONING_ENABLED")
TAGS = ManagedRuleSpec(
    identifier="REQUIRED_TAGS",
    input_parameters={"tag2Key": "owner", "tag1Key": "data-class"},
    resource_types=("AWS::S3::Bucket", "AWS::DynamoDB::Table"),
    description="Every data store names its data class and owner",
)
ROOT_KEYS = ManagedRuleSpec(
    identifier="IAM_ROOT_ACCESS_KEY_CHECK",
    maximum_execution_frequency=ConfigFrequency.ONE_HOUR,
)


@pytest.fixture(scope="module")
def rules_template() -> Template:
    stack = _stack()
    OrganizationConfigRules(
        stack,
        "CustomRules",
        rules={
            "s3-bucket-versioning": VERSIONING,
            "required_tags": TAGS,
            "RootAccessKeys": ROOT_KEYS,
        },
        excluded_accounts=["444444444444"],
    )
    return Template.from_stack(stack)


def _rule_properties(template: Template, name: str) -> dict[str, Any]:
    found = [
        resource["Properties"]
        for resource in template.find_resources("AWS::Config::OrganizationConfigRule").values()
        if resource["Properties"]["OrganizationConfigRuleName"] == name
    ]
    assert len(found) == 1, f"{len(found)} rules {name!r}"
    return dict(found[0])


def test_one_organization_rule_per_entry(rules_template: Template) -> None:
    rules_template.resource_count_is("AWS::Config::OrganizationConfigRule", 3)


def test_minimal_rule_sets_only_its_identifier(rules_template: Template) -> None:
    assert _rule_properties(rules_template, "s3-bucket-versioning") == {
        "OrganizationConfigRuleName": "s3-bucket-versioning",
        "OrganizationManagedRuleMetadata": {"RuleIdentifier": "S3_BUCKET_VERSIONING_ENABLED"},
        "ExcludedAccounts": ["444444444444"],
    }


def test_rule_settings_reach_the_template(rules_template: Template) -> None:
    metadata = _rule_properties(rules_template, "required_tags")["OrganizationManagedRuleMetadata"]
    assert metadata == {
        "RuleIdentifier": "REQUIRED_TAGS",
        "InputParameters": '{"tag1Key":"data-class","tag2Key":"owner"}',
        "ResourceTypesScope": ["AWS::S3::Bucket", "AWS::DynamoDB::Table"],
        "Description": "Every data store names its data class and owner",
    }
    assert json.loads(metadata["InputParameters"]) == dict(TAGS.input_parameters)


def test_periodic_rule_frequency_reaches_the_template(rules_template: Template) -> None:
    metadata = _rule_properties(rules_template, "RootAccessKeys")["OrganizationManagedRuleMetadata"]
    assert metadata == {
        "RuleIdentifier": "IAM_ROOT_ACCESS_KEY_CHECK",
        "MaximumExecutionFrequency": "One_Hour",
    }


def test_rule_construct_ids_come_from_the_names() -> None:
    stack = _stack()
    rules = OrganizationConfigRules(
        stack, "CustomRules", rules={"s3-bucket-versioning": VERSIONING, "required_tags": TAGS}
    )
    assert {name: rule.node.id for name, rule in rules.rules.items()} == {
        "s3-bucket-versioning": "S3BucketVersioning",
        "required_tags": "RequiredTags",
    }


def test_no_rules_means_no_resources() -> None:
    rules = OrganizationConfigRules(_stack(), "CustomRules", rules={})
    assert rules.rules == {}
    assert rules.node.children == []


def test_frequency_accepts_the_api_value() -> None:
    """Config files give the frequency as text."""
    frequency: Any = "Six_Hours"
    spec = ManagedRuleSpec(
        identifier="IAM_ROOT_ACCESS_KEY_CHECK", maximum_execution_frequency=frequency
    )
    assert spec.maximum_execution_frequency is ConfigFrequency.SIX_HOURS


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"identifier": "s3-bucket-versioning"}, "identifier: 's3-bucket-versioning' is not"),
        ({"input_parameters": {"key": 1}}, "input_parameters: 'key'=1"),
        (
            {"input_parameters": {"key": "x" * 2048}},
            "input_parameters: 2058 characters of JSON; AWS Config allows 2048",
        ),
        ({"resource_types": ("Bucket",)}, "resource_types: 'Bucket' is not a resource type"),
        ({"resource_types": "AWS::S3::Bucket"}, "resource_types: got 'AWS::S3::Bucket'"),
        (
            {"resource_types": tuple(f"AWS::S3::Bucket{n}" for n in range(101))},
            "allowed: a list of at most 100 resource types",
        ),
        ({"maximum_execution_frequency": "Daily"}, "maximum_execution_frequency: got 'Daily'"),
        ({"description": "d" * 257}, "description: 257 characters; AWS Config allows 256"),
    ],
)
def test_rejects_impossible_rule_specs(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        ManagedRuleSpec(**{"identifier": "S3_BUCKET_VERSIONING_ENABLED", **props})


@pytest.mark.parametrize(
    ("rules", "error", "message"),
    [
        ({"-versioning": VERSIONING}, ValueError, "rules: '-versioning' is not"),
        ({"s3 versioning": VERSIONING}, ValueError, "rules: 's3 versioning' is not"),
        ({"r" * 65: VERSIONING}, ValueError, "is not an organization rule name"),
        (
            {"s3-versioning": VERSIONING, "s3_versioning": VERSIONING},
            ValueError,
            "rules: 's3_versioning' and 's3-versioning' differ only",
        ),
        (
            {"s3-versioning": "S3_BUCKET_VERSIONING_ENABLED"},
            TypeError,
            "expected a ManagedRuleSpec",
        ),
    ],
)
def test_rejects_impossible_rules(
    rules: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        OrganizationConfigRules(_stack(), "CustomRules", rules=rules)


def test_rejects_rules_with_invalid_excluded_accounts() -> None:
    with pytest.raises(ValueError, match=re.escape("excluded_accounts: '12' is not")):
        OrganizationConfigRules(
            _stack(), "CustomRules", rules={"v": VERSIONING}, excluded_accounts=["12"]
        )


# --- compliance --------------------------------------------------------------------------


def test_config_constructs_pass_the_compliance_packs() -> None:
    stack = _stack()
    OrganizationConfigAggregator(stack, "Aggregator", regions=["eu-west-1"])
    PciDssConformancePack(stack, "PciDss", include_global_resource_types=True)
    OrganizationConfigRules(stack, "CustomRules", rules={"required-tags": TAGS})
    assert violations(stack) == {}
