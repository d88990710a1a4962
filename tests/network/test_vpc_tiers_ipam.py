"""VpcTiers with a range VPC IPAM allocates: the template carries no range of its own, so one
template serves every account; the literal-range mode keeps its construct ids."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.common import AwsSdkCallHandler
from landing_zone.compliance import violations
from landing_zone.compliance.assembly import acknowledged_in_tree
from landing_zone.keys import DataClassKey
from landing_zone.logging.names import log_bucket_name
from landing_zone.network import VpcTiers, availability_zones_context
from landing_zone.network.cidrs import tier_subnet_prefixes_for_netmask
from landing_zone.network.ipam import IpamAllocation, IpamPoolLookup

REGION = "eu-west-1"
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
ORGANIZATION_ID = "o-a1b2c3d4e5"
POOL_ID = "ipam-pool-0123456789abcdef0"
NETMASK = 20
CIDR_TEXT = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/\d{1,2}")
CONSTANT_RANGES = {
    "0.0.0.0/0",  # the public tier's default route to the internet gateway
    "255.255.255.255/32",  # aws-cdk-lib's placeholder egress rule of a closed security group
}


def _stack(account: str = "333333333333") -> Stack:
    context = {**cdk_context(), **availability_zones_context(account, REGION, ZONES)}
    return Stack(App(context=context), "Network", env=Environment(account=account, region=REGION))


def _tiers(stack: Stack, **props: Any) -> VpcTiers:
    key = DataClassKey(stack, "LogsKey", data_class="logs", alias_prefix="acme", services=["logs"])
    bucket = s3.Bucket.from_bucket_name(stack, "LogBucket", log_bucket_name("acme", "222222222222"))
    return VpcTiers(
        stack,
        "Network",
        **{
            "ipam": IpamAllocation(pool_id=POOL_ID, netmask=NETMASK),
            "organization_id": ORGANIZATION_ID,
            "log_key": key.key,
            "flow_log_bucket": bucket,
            "name": "workload",
            **props,
        },
    )


@pytest.fixture(scope="module")
def stack() -> Stack:
    stack = _stack()
    _tiers(stack)
    return stack


@pytest.fixture(scope="module")
def template(stack: Stack) -> Template:
    return Template.from_stack(stack)


def _vpc_id(template: Template) -> str:
    (vpc_id,) = template.find_resources("AWS::EC2::VPC")
    return vpc_id


def test_vpc_allocates_its_range_from_the_pool(template: Template) -> None:
    vpc = template.find_resources("AWS::EC2::VPC")[_vpc_id(template)]["Properties"]
    assert vpc["Ipv4IpamPoolId"] == POOL_ID
    assert vpc["Ipv4NetmaskLength"] == NETMASK
    assert "CidrBlock" not in vpc


def test_subnets_are_carved_from_the_allocated_range(template: Template) -> None:
    vpc_id = _vpc_id(template)
    prefixes = tier_subnet_prefixes_for_netmask(NETMASK, len(ZONES))
    group_prefix = {"Public": prefixes["public"], "Application": prefixes["application"]}
    group_prefix["Data"] = prefixes["data"]
    seen: dict[str, list[int]] = {}
    for subnet in template.find_resources("AWS::EC2::Subnet").values():
        properties = subnet["Properties"]
        group = next(t["Value"] for t in properties["Tags"] if t["Key"] == "aws-cdk:subnet-name")
        index, (cidr,) = (
            properties["CidrBlock"]["Fn::Select"][0],
            [properties["CidrBlock"]["Fn::Select"][1]],
        )
        source, _count, host_bits = cidr["Fn::Cidr"]
        assert source == {"Fn::GetAtt": [vpc_id, "CidrBlock"]}
        assert 32 - int(host_bits) == group_prefix[group]
        seen.setdefault(group, []).append(index)
    assert {group: len(indexes) for group, indexes in seen.items()} == {
        "Public": 3,
        "Application": 3,
        "Data": 3,
    }


def test_data_acl_allows_the_application_subnets_by_position(template: Template) -> None:
    entries = template.find_resources("AWS::EC2::NetworkAclEntry")
    allows = {
        logical_id: entry["Properties"]
        for logical_id, entry in entries.items()
        if entry["Properties"]["RuleAction"] == "allow"
    }
    # 3 application subnets x (2 data ports + responses).
    assert len(allows) == 9
    for position in (1, 2, 3):
        ids = [i for i in allows if f"Application{position}" in i]
        assert len(ids) == 3, ids
    for properties in allows.values():
        assert "Fn::Select" in properties["CidrBlock"]
    ports = sorted(p["PortRange"]["From"] for p in allows.values() if p["Egress"] is False)
    assert ports == [3306] * 3 + [5432] * 3


def test_endpoint_security_group_admits_the_allocated_range(template: Template) -> None:
    vpc_id = _vpc_id(template)
    groups = [
        group["Properties"]
        for group in template.find_resources("AWS::EC2::SecurityGroup").values()
        if group["Properties"]["GroupDescription"].startswith("Interface endpoints")
    ]
    (group,) = groups
    (ingress,) = group["SecurityGroupIngress"]
    assert ingress["CidrIp"] == {"Fn::GetAtt": [vpc_id, "CidrBlock"]}
    assert ingress["FromPort"] == ingress["ToPort"] == 443


def test_no_literal_range_but_the_constant_ones(template: Template) -> None:
    text = json.dumps(template.to_json())
    assert set(CIDR_TEXT.findall(text)) == CONSTANT_RANGES
    assert '"10.' not in text


def test_explicit_denies_stay_literal() -> None:
    stack = _stack()
    _tiers(stack, explicit_denies=["192.168.0.0/16"])
    text = json.dumps(Template.from_stack(stack).to_json())
    assert set(CIDR_TEXT.findall(text)) == {*CONSTANT_RANGES, "192.168.0.0/16"}


def _network_resources(stack: Stack) -> dict[str, Any]:
    # The test's env-specific stack writes its account into the test's key policy and CDK's
    # default security group provider; a StackSet template is env-agnostic.
    resources = Template.from_stack(stack).to_json()["Resources"]
    return {
        logical_id: resource
        for logical_id, resource in resources.items()
        if resource["Type"].startswith("AWS::EC2::")
    }


def test_two_accounts_get_the_same_network() -> None:
    first, second = _stack("333333333333"), _stack("444444444444")
    _tiers(first)
    _tiers(second)
    network = _network_resources(first)
    assert len(network) > 50
    assert network == _network_resources(second)


def test_no_compliance_findings(stack: Stack) -> None:
    assert violations(stack) == {}


def test_pool_lookup_feeds_the_vpc() -> None:
    stack = _stack()
    handler = AwsSdkCallHandler(
        stack, AwsSdkCallHandler.ID, role_name="lz-sdk-x", function_name="lz-sdk-x"
    )
    lookup = IpamPoolLookup(
        stack, "Pool", landing_zone="acme-pay", environment="production", handler=handler
    )
    _tiers(stack, ipam=lookup.allocation(NETMASK))
    template = Template.from_stack(stack)
    (lookup_id,) = template.find_resources("Custom::AWS")
    vpc = template.find_resources("AWS::EC2::VPC")[_vpc_id(template)]["Properties"]
    assert vpc["Ipv4IpamPoolId"] == {"Fn::GetAtt": [lookup_id, "IpamPools.0.IpamPoolId"]}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"cidr": "10.20.0.0/16"}, "cidr, ipam: got cidr='10.20.0.0/16' and ipam=IpamAllocation"),
        ({"ipam": None}, "cidr, ipam: got cidr=None and ipam=None; allowed: exactly one"),
        ({"ipam": IpamAllocation(pool_id="pool-1", netmask=20)}, "ipam.pool_id: got 'pool-1'"),
        ({"ipam": IpamAllocation(pool_id=POOL_ID, netmask=15)}, "ipam.netmask: got 15"),
        ({"ipam": IpamAllocation(pool_id=POOL_ID, netmask=24)}, "netmask: /24 is too small"),
    ],
)
def test_rejects_what_cannot_be_allocated(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _tiers(_stack(), **props)


def test_literal_range_keeps_its_range_based_ids_and_no_acknowledgment() -> None:
    stack = _stack()
    tiers = _tiers(stack, ipam=None, cidr="10.20.0.0/16")
    resources = Template.from_stack(stack).to_json()["Resources"]
    entries = [i for i, r in resources.items() if r["Type"] == "AWS::EC2::NetworkAclEntry"]
    assert not [i for i in entries if "Application" in i]
    assert len([i for i in entries if "AllowPort5432From1020" in i]) == 3
    (group,) = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::EC2::SecurityGroup"
        and r["Properties"]["GroupDescription"].startswith("Interface endpoints")
    ]
    assert group["Properties"]["SecurityGroupIngress"][0]["CidrIp"] == "10.20.0.0/16"
    assert "AwsSolutions-EC23" not in acknowledged_in_tree(tiers.endpoint_security_group)


def test_allocated_range_acknowledges_what_the_rules_cannot_read() -> None:
    tiers = _tiers(_stack())
    acknowledged = acknowledged_in_tree(tiers.endpoint_security_group)
    assert {
        "AwsSolutions-EC23",
        "NIST.800.53.R5-EC2RestrictedCommonPorts",
        "PCI.DSS.321-EC2RestrictedSSH",
    } <= acknowledged
