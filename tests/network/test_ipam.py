"""OrganizationIpam (the IPAM, its pools and RAM shares) and IpamPoolLookup (a member template's
create-only pool lookup)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import App, Aws, Environment, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.common import AwsSdkCallHandler
from landing_zone.compliance import violations
from landing_zone.network.ipam import (
    ENVIRONMENT_TAG_KEY,
    LANDING_ZONE_TAG_KEY,
    REGION_TAG_KEY,
    IpamAllocation,
    IpamPoolLookup,
    OrganizationIpam,
    pool_description,
)

NETWORK = "444444444444"
HOME = "eu-west-1"
REGIONS = ["eu-central-1", "eu-west-1"]
POOLS = {
    "eu-west-1": {"production": "10.64.0.0/12", "non-production": "10.96.0.0/12"},
    "eu-central-1": {"production": "10.128.0.0/12"},
}
PROD_OU = "arn:aws:organizations::111111111111:ou/o-a1b2c3d4e5/ou-ab12-cdef3456"
NONPROD_OU = "arn:aws:organizations::111111111111:ou/o-a1b2c3d4e5/ou-ab12-98765432"


def _stack() -> Stack:
    return Stack(
        App(context=cdk_context()), "Network", env=Environment(account=NETWORK, region=HOME)
    )


def _ipam(stack: Stack, **props: Any) -> OrganizationIpam:
    return OrganizationIpam(
        stack,
        "Ipam",
        **{
            "landing_zone": "acme-pay",
            "pools": POOLS,
            "operating_regions": REGIONS,
            "share_with": {"production": [PROD_OU], "non-production": [NONPROD_OU]},
            "min_netmask": 16,
            "max_netmask": 23,
            **props,
        },
    )


@pytest.fixture(scope="module")
def ipam_stack() -> Stack:
    stack = _stack()
    _ipam(stack)
    return stack


@pytest.fixture(scope="module")
def template(ipam_stack: Stack) -> Template:
    return Template.from_stack(ipam_stack)


def _tags(properties: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in properties.get("Tags", [])}


def test_one_advanced_ipam_over_the_governed_regions(template: Template) -> None:
    (ipam,) = template.find_resources("AWS::EC2::IPAM").values()
    assert ipam["Properties"]["OperatingRegions"] == [
        {"RegionName": "eu-central-1"},
        {"RegionName": "eu-west-1"},
    ]
    assert ipam["Properties"]["Tier"] == "advanced"


def test_top_level_pool_per_environment_holds_its_regional_ranges(template: Template) -> None:
    (ipam_id,) = template.find_resources("AWS::EC2::IPAM")
    pools = template.find_resources("AWS::EC2::IPAMPool")
    top = {
        _tags(p["Properties"])[ENVIRONMENT_TAG_KEY]: p["Properties"]
        for p in pools.values()
        if "Locale" not in p["Properties"]
    }
    assert sorted(top) == ["non-production", "production"]
    assert top["production"]["ProvisionedCidrs"] == [
        {"Cidr": "10.128.0.0/12"},
        {"Cidr": "10.64.0.0/12"},
    ]
    assert top["non-production"]["ProvisionedCidrs"] == [{"Cidr": "10.96.0.0/12"}]
    for properties in top.values():
        assert properties["IpamScopeId"] == {"Fn::GetAtt": [ipam_id, "PrivateDefaultScopeId"]}
        assert "AllocationMinNetmaskLength" not in properties


def test_regional_pools_take_their_range_from_the_top_level_pool(template: Template) -> None:
    pools = template.find_resources("AWS::EC2::IPAMPool")
    top_ids = {
        _tags(p["Properties"])[ENVIRONMENT_TAG_KEY]: logical_id
        for logical_id, p in pools.items()
        if "Locale" not in p["Properties"]
    }
    regional = {
        (p["Properties"]["Locale"], _tags(p["Properties"])[ENVIRONMENT_TAG_KEY]): p["Properties"]
        for p in pools.values()
        if "Locale" in p["Properties"]
    }
    assert sorted(regional) == [
        ("eu-central-1", "production"),
        ("eu-west-1", "non-production"),
        ("eu-west-1", "production"),
    ]
    for (region, environment), properties in regional.items():
        assert properties["SourceIpamPoolId"] == {
            "Fn::GetAtt": [top_ids[environment], "IpamPoolId"]
        }
        assert properties["ProvisionedCidrs"] == [{"Cidr": POOLS[region][environment]}]
        assert properties["AutoImport"] is True
        assert properties["AllocationMinNetmaskLength"] == 16
        assert properties["AllocationMaxNetmaskLength"] == 23
        assert "AllocationDefaultNetmaskLength" not in properties
        assert properties["Description"] == pool_description("acme-pay", environment, region)
        assert _tags(properties) == {
            LANDING_ZONE_TAG_KEY: "acme-pay",
            ENVIRONMENT_TAG_KEY: environment,
            REGION_TAG_KEY: region,
        }


def test_each_environment_is_shared_with_its_principals_only(template: Template) -> None:
    pools = template.find_resources("AWS::EC2::IPAMPool")
    shares = {
        s["Properties"]["Name"]: s["Properties"]
        for s in template.find_resources("AWS::RAM::ResourceShare").values()
    }
    assert sorted(shares) == ["lz-ipam-non-production", "lz-ipam-production"]
    production = shares["lz-ipam-production"]
    assert production["Principals"] == [PROD_OU]
    assert production["AllowExternalPrincipals"] is False
    shared = {arn["Fn::GetAtt"][0] for arn in production["ResourceArns"]}
    assert {
        (pools[i]["Properties"]["Locale"], _tags(pools[i]["Properties"])[ENVIRONMENT_TAG_KEY])
        for i in shared
    } == {("eu-central-1", "production"), ("eu-west-1", "production")}
    assert shares["lz-ipam-non-production"]["Principals"] == [NONPROD_OU]


def test_no_share_without_principals() -> None:
    stack = _stack()
    _ipam(stack, share_with=None)
    assert Template.from_stack(stack).find_resources("AWS::RAM::ResourceShare") == {}


def test_default_netmask_and_prefix() -> None:
    stack = _stack()
    ipam = _ipam(stack, default_netmask=20, name_prefix="acme-")
    properties = Template.from_stack(stack).to_json()["Resources"][
        stack.get_logical_id(ipam.regional_pool("eu-west-1", "production"))
    ]["Properties"]
    assert properties["AllocationDefaultNetmaskLength"] == 20
    names = [s.name for s in ipam.shares.values()]
    assert names == ["acme-ipam-production", "acme-ipam-non-production"]
    with pytest.raises(KeyError, match="no non-production pool in eu-central-1"):
        ipam.regional_pool("eu-central-1", "non-production")


def test_ipam_stack_has_no_compliance_findings(ipam_stack: Stack) -> None:
    assert violations(ipam_stack) == {}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"landing_zone": "Acme"}, "landing_zone: got 'Acme'"),
        ({"operating_regions": ["eu-central-1"]}, "leaves out this stack's region 'eu-west-1'"),
        ({"operating_regions": []}, "operating_regions: got []"),
        ({"operating_regions": [HOME, HOME]}, "given more than once"),
        ({"pools": {}}, "pools: got no pool"),
        ({"pools": {"us-east-1": {"production": "10.0.0.0/12"}}}, "'us-east-1' is not an operat"),
        ({"pools": {HOME: {"staging": "10.0.0.0/12"}}}, "pools.eu-west-1: got 'staging'"),
        ({"pools": {HOME: {"production": "10.0.0.1/12"}}}, "pools.eu-west-1.production: '10.0."),
        (
            {
                "pools": {
                    HOME: {"production": "10.0.0.0/12"},
                    "eu-central-1": {"production": "10.8.0.0/16"},
                }
            },
            "pools.eu-west-1.production: '10.0.0.0/12' overlaps pools.eu-central-1.production",
        ),
        ({"pools": {HOME: {"production": "10.0.0.0/24"}}}, "cannot hold one VPC of /23"),
        ({"min_netmask": 24, "max_netmask": 23}, "min_netmask no longer than max_netmask"),
        ({"max_netmask": 29}, "max_netmask: got 29"),
        ({"default_netmask": 24}, "default_netmask: got /24; allowed: /16 to /23"),
        ({"share_with": {"staging": [PROD_OU]}}, "share_with: got 'staging'"),
        (
            {
                "pools": {HOME: {"production": "10.64.0.0/12"}},
                "share_with": {"non-production": [PROD_OU]},
            },
            "share_with: 'non-production' has no pool to share",
        ),
        ({"share_with": {"production": []}}, "share_with.production: got []"),
        ({"share_with": {"production": ["ou-ab12-cdef3456"]}}, "got 'ou-ab12-cdef3456'"),
        ({"share_with": {"production": [PROD_OU, PROD_OU]}}, "given more than once"),
        ({"name_prefix": ""}, "name_prefix: got ''"),
    ],
)
def test_rejects_a_plan_ipam_cannot_hold(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _ipam(_stack(), **props)


def test_accepts_account_and_organization_principals() -> None:
    stack = _stack()
    organization = "arn:aws:organizations::111111111111:organization/o-a1b2c3d4e5"
    _ipam(stack, share_with={"production": [organization, "555555555555"]})
    shares = Template.from_stack(stack).find_resources("AWS::RAM::ResourceShare")
    (share,) = shares.values()
    assert share["Properties"]["Principals"] == [organization, "555555555555"]


# --- IpamPoolLookup ---------------------------------------------------------------------------


def _member_stack() -> tuple[Stack, AwsSdkCallHandler]:
    stack = Stack(App(context=cdk_context()), "Member")
    handler = AwsSdkCallHandler(
        stack,
        AwsSdkCallHandler.ID,
        role_name="lz-sdk-defenses",
        function_name="lz-sdk-defenses",
        policy_name="lz-sdk-defenses",
    )
    return stack, handler


@pytest.fixture(scope="module")
def lookup_stack() -> Stack:
    stack, handler = _member_stack()
    IpamPoolLookup(
        stack, "ProductionPool", landing_zone="acme-pay", environment="production", handler=handler
    )
    return stack


def test_lookup_describes_the_pool_of_its_region_on_create_only(lookup_stack: Stack) -> None:
    template = Template.from_stack(lookup_stack)
    (custom,) = template.find_resources("Custom::AWS").values()
    properties = custom["Properties"]
    assert "Update" not in properties
    assert "Delete" not in properties
    before, region, after = properties["Create"]["Fn::Join"][1]
    assert region == {"Ref": "AWS::Region"}
    call = json.loads(f"{before}eu-west-1{after}")
    assert call == {
        "action": "describeIpamPools",
        "service": "EC2",
        "outputPaths": ["IpamPools.0.IpamPoolId"],
        "parameters": {
            "Filters": [
                {"Name": "description", "Values": ["acme-pay production VPC ranges in eu-west-1"]},
                {"Name": "address-family", "Values": ["ipv4"]},
            ]
        },
        "physicalResourceId": {"id": "ipam-pool-acme-pay-production"},
    }
    assert call["parameters"]["Filters"][0]["Values"] == [
        pool_description("acme-pay", "production", "eu-west-1")
    ]


def test_lookup_may_only_describe_pools_in_its_region(lookup_stack: Stack) -> None:
    template = Template.from_stack(lookup_stack)
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::ManagedPolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement.get("Sid") == "DescribeIpamPoolsProduction"
    ]
    assert statements == [
        {
            "Sid": "DescribeIpamPoolsProduction",
            "Effect": "Allow",
            "Action": "ec2:DescribeIpamPools",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": {"Ref": "AWS::Region"}}},
        }
    ]


def test_lookup_stack_has_no_compliance_findings(lookup_stack: Stack) -> None:
    assert violations(lookup_stack) == {}


def test_lookup_gives_an_allocation_of_its_pool() -> None:
    stack, handler = _member_stack()
    lookup = IpamPoolLookup(
        stack, "Pool", landing_zone="acme-pay", environment="non-production", handler=handler
    )
    allocation = lookup.allocation(21)
    assert allocation == IpamAllocation(pool_id=lookup.pool_id, netmask=21)
    assert stack.resolve(lookup.pool_id)["Fn::GetAtt"][1] == "IpamPools.0.IpamPoolId"
    assert Aws.REGION in lookup.description
    with pytest.raises(ValueError, match=r"ipam\.netmask: got 30"):
        lookup.allocation(30)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"environment": "staging"}, "environment: got 'staging'"),
        ({"landing_zone": "A"}, "landing_zone: got 'A'"),
    ],
)
def test_lookup_rejects_unknown_names(props: dict[str, Any], message: str) -> None:
    stack, handler = _member_stack()
    with pytest.raises(ValueError, match=message):
        IpamPoolLookup(
            stack,
            "Pool",
            **{
                "landing_zone": "acme-pay",
                "environment": "production",
                "handler": handler,
                **props,
            },
        )
