"""VpcTiers: three subnet tiers, flow logs, the data tier's network ACL, endpoints for the
organization only, security groups closed to the internet but for HTTPS on load balancers."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of

from landing_zone.compliance import violations
from landing_zone.keys import DataClassKey
from landing_zone.logging.names import log_bucket_name
from landing_zone.network import (
    DEFAULT_INTERFACE_ENDPOINTS,
    VpcTiers,
    allow_ingress,
    availability_zones_context,
    check_ingress,
    load_balancer_security_group,
    overlapping,
)

ACCOUNT = "333333333333"
REGION = "eu-west-1"
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
ORGANIZATION_ID = "o-a1b2c3d4e5"
CIDR = "10.20.0.0/16"
APPLICATION_CIDRS = ["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"]


def _stack(*, env: bool = True) -> Stack:
    context = {**cdk_context(), **availability_zones_context(ACCOUNT, REGION, ZONES)}
    return Stack(
        App(context=context),
        "Network",
        env=Environment(account=ACCOUNT, region=REGION) if env else None,
    )


def _tiers(stack: Stack, **props: Any) -> VpcTiers:
    key = DataClassKey(stack, "LogsKey", data_class="logs", alias_prefix="acme", services=["logs"])
    bucket = s3.Bucket.from_bucket_name(stack, "LogBucket", log_bucket_name("acme", "222222222222"))
    return VpcTiers(
        stack,
        "Network",
        **{
            "cidr": CIDR,
            "organization_id": ORGANIZATION_ID,
            "log_key": key.key,
            "flow_log_bucket": bucket,
            **props,
        },
    )


def _template(**props: Any) -> Template:
    stack = _stack()
    _tiers(stack, **props)
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def template() -> Template:
    return _template()


def _subnets(template: Template) -> dict[str, dict[str, Any]]:
    """Logical id -> {tier, cidr, zone} of each subnet."""
    found = {}
    for logical_id, subnet in template.find_resources("AWS::EC2::Subnet").items():
        properties = subnet["Properties"]
        tags = {tag["Key"]: tag["Value"] for tag in properties["Tags"]}
        found[logical_id] = {
            "tier": tags["aws-cdk:subnet-name"],
            "cidr": properties["CidrBlock"],
            "zone": properties["AvailabilityZone"],
            "public_ip": properties["MapPublicIpOnLaunch"],
        }
    return found


def _tiers_routing_to(template: Template, target: str) -> set[str]:
    """Tiers whose route tables have a route to a ``target`` (``GatewayId``, ``NatGatewayId``)."""
    tables = {
        route["Properties"]["RouteTableId"]["Ref"]
        for route in template.find_resources("AWS::EC2::Route").values()
        if target in route["Properties"]
    }
    subnets = _subnets(template)
    return {
        subnets[association["Properties"]["SubnetId"]["Ref"]]["tier"]
        for association in template.find_resources("AWS::EC2::SubnetRouteTableAssociation").values()
        if association["Properties"]["RouteTableId"]["Ref"] in tables
    }


def _nacl_entries(template: Template) -> list[dict[str, Any]]:
    return [
        entry["Properties"]
        for entry in template.find_resources("AWS::EC2::NetworkAclEntry").values()
    ]


def test_three_tiers_over_three_zones_by_default(template: Template) -> None:
    subnets = _subnets(template).values()
    assert Counter(subnet["tier"] for subnet in subnets) == {
        "Public": 3,
        "Application": 3,
        "Data": 3,
    }
    for tier, prefix in (("Public", 21), ("Application", 19), ("Data", 20)):
        tier_subnets = [subnet for subnet in subnets if subnet["tier"] == tier]
        assert sorted(subnet["zone"] for subnet in tier_subnets) == ZONES
        assert {subnet["cidr"].split("/")[1] for subnet in tier_subnets} == {str(prefix)}
    assert sorted(s["cidr"] for s in subnets if s["tier"] == "Application") == APPLICATION_CIDRS
    cidrs = {f"subnet{index}": subnet["cidr"] for index, subnet in enumerate(subnets)}
    assert overlapping({"vpc": CIDR, **cidrs}) == [("vpc", name) for name in sorted(cidrs)]
    assert overlapping(cidrs) == []
    vpc = next(iter(template.find_resources("AWS::EC2::VPC").values()))["Properties"]
    assert vpc["CidrBlock"] == CIDR


def test_two_zones_are_enough() -> None:
    template = _template(availability_zones=ZONES[:2])
    subnets = _subnets(template).values()
    assert len(subnets) == 6
    assert {subnet["zone"] for subnet in subnets} == set(ZONES[:2])
    template = _template(max_azs=2)
    assert {subnet["zone"] for subnet in _subnets(template).values()} == set(ZONES[:2])


def test_only_the_public_tier_routes_to_the_internet(template: Template) -> None:
    assert _tiers_routing_to(template, "GatewayId") == {"Public"}
    assert _tiers_routing_to(template, "NatGatewayId") == set()
    assert not template.find_resources("AWS::EC2::NatGateway")
    # Load balancers only: an instance launched there gets no public IP.
    assert all(not subnet["public_ip"] for subnet in _subnets(template).values())


def test_application_tier_may_egress_through_nat_gateways() -> None:
    template = _template(subnet_types={"application": ec2.SubnetType.PRIVATE_WITH_EGRESS})
    assert len(template.find_resources("AWS::EC2::NatGateway")) == 3
    assert _tiers_routing_to(template, "NatGatewayId") == {"Application"}
    assert _tiers_routing_to(template, "GatewayId") == {"Public"}


def test_flow_logs_of_all_traffic_go_to_cloudwatch_and_the_log_archive(
    template: Template,
) -> None:
    flow_logs = {
        flow_log["Properties"]["LogDestinationType"]: flow_log["Properties"]
        for flow_log in template.find_resources("AWS::EC2::FlowLog").values()
    }
    assert set(flow_logs) == {"cloud-watch-logs", "s3"}
    assert {flow_log["TrafficType"] for flow_log in flow_logs.values()} == {"ALL"}
    assert {flow_log["ResourceType"] for flow_log in flow_logs.values()} == {"VPC"}
    destination = json.dumps(flow_logs["s3"]["LogDestination"])
    assert ":::acme-logs-222222222222/flow-logs/" in destination
    (group_id, group) = next(iter(template.find_resources("AWS::Logs::LogGroup").items()))
    assert flow_logs["cloud-watch-logs"]["LogGroupName"] == {"Ref": group_id}
    assert group["Properties"]["RetentionInDays"] == 365
    assert "KmsKeyId" in group["Properties"]
    assert group["DeletionPolicy"] == "Retain"
    role = flow_logs["cloud-watch-logs"]["DeliverLogsPermissionArn"]["Fn::GetAtt"][0]
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    assert policy["Properties"]["Roles"] == [{"Ref": role}]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Fn::GetAtt": [group_id, "Arn"]}


def test_custom_flow_log_format_applies_to_both_destinations() -> None:
    template = _template(
        flow_log_format=[ec2.LogFormat.SRC_ADDR, ec2.LogFormat.DST_ADDR, ec2.LogFormat.ACTION]
    )
    formats = {
        flow_log["Properties"]["LogFormat"]
        for flow_log in template.find_resources("AWS::EC2::FlowLog").values()
    }
    assert formats == {"${srcaddr} ${dstaddr} ${action}"}


def test_stateful_resources_keep_their_logical_ids() -> None:
    stack = _stack()
    tiers = _tiers(stack)
    assert logical_id_of(tiers.vpc) == "Network6E62CE96"
    assert logical_id_of(tiers.flow_log_group) == "NetworkFlowLogGroup4F8CEEEF"


def test_data_tier_accepts_only_the_application_tier_on_data_ports(template: Template) -> None:
    (acl_id,) = template.find_resources("AWS::EC2::NetworkAcl")
    associated = {
        association["Properties"]["SubnetId"]["Ref"]
        for association in template.find_resources("AWS::EC2::SubnetNetworkAclAssociation").values()
        if association["Properties"]["NetworkAclId"] == {"Ref": acl_id}
    }
    subnets = _subnets(template)
    assert {subnets[subnet]["tier"] for subnet in associated} == {"Data"}
    assert len(associated) == 3
    entries = _nacl_entries(template)
    assert all(entry["RuleAction"] == "allow" for entry in entries)
    inbound = {
        (entry["CidrBlock"], entry["PortRange"]["From"], entry["PortRange"]["To"])
        for entry in entries
        if not entry["Egress"]
    }
    assert inbound == {(cidr, port, port) for cidr in APPLICATION_CIDRS for port in (5432, 3306)}
    outbound = {
        (entry["CidrBlock"], entry["PortRange"]["From"], entry["PortRange"]["To"])
        for entry in entries
        if entry["Egress"]
    }
    assert outbound == {(cidr, 1024, 65535) for cidr in APPLICATION_CIDRS}
    assert {entry["Protocol"] for entry in entries} == {6}


def test_explicit_denies_come_before_every_allow() -> None:
    template = _template(explicit_denies=["10.20.96.0/24", "192.168.0.0/16"], data_ports=[5432])
    entries = _nacl_entries(template)
    denies = [entry for entry in entries if entry["RuleAction"] == "deny"]
    allows = [entry for entry in entries if entry["RuleAction"] == "allow"]
    assert {(entry["CidrBlock"], entry["Egress"]) for entry in denies} == {
        (cidr, egress) for cidr in ("10.20.96.0/24", "192.168.0.0/16") for egress in (True, False)
    }
    assert {entry["Protocol"] for entry in denies} == {-1}
    for egress in (True, False):
        assert max(e["RuleNumber"] for e in denies if e["Egress"] is egress) < min(
            e["RuleNumber"] for e in allows if e["Egress"] is egress
        )
    assert not [entry for entry in allows if entry["CidrBlock"] == "0.0.0.0/0"]


def test_default_security_group_is_stripped_of_its_rules(template: Template) -> None:
    (vpc_id,) = template.find_resources("AWS::EC2::VPC")
    (restrict,) = template.find_resources("Custom::VpcRestrictDefaultSG").values()
    assert restrict["Properties"]["DefaultSecurityGroupId"] == {
        "Fn::GetAtt": [vpc_id, "DefaultSecurityGroup"]
    }


def test_endpoints_serve_only_the_organization(template: Template) -> None:
    endpoints = template.find_resources("AWS::EC2::VPCEndpoint")
    services: dict[str, set[str]] = {"Interface": set(), "Gateway": set()}
    for endpoint in endpoints.values():
        properties = endpoint["Properties"]
        kind = properties.get("VpcEndpointType", "Gateway")
        services[kind].add(json.dumps(properties["ServiceName"]))
        statements = {s["Sid"]: s for s in properties["PolicyDocument"]["Statement"]}
        organization = statements["OrganizationPrincipalsToOrganizationResources"]
        assert organization["Effect"] == "Allow"
        # Escape 10: aws:PrincipalOrgID alone let the organization's credentials write to
        # another organization's buckets through the endpoint.
        assert organization["Condition"] == {
            "StringEquals": {
                "aws:PrincipalOrgID": ORGANIZATION_ID,
                "aws:ResourceOrgID": ORGANIZATION_ID,
            }
        }
        assert statements["AwsServicePrincipals"]["Condition"] == {
            "Bool": {"aws:PrincipalIsAWSService": "true"}
        }
        assert all(s["Effect"] == "Allow" for s in statements.values())
        if kind == "Interface":
            assert properties["PrivateDnsEnabled"] is True
            assert len(properties["SubnetIds"]) == 3
            assert all("Application" in subnet["Ref"] for subnet in properties["SubnetIds"])
        else:
            assert len(properties["RouteTableIds"]) == 6
    assert services["Interface"] == {
        json.dumps(f"com.amazonaws.{REGION}.{name}") for name in DEFAULT_INTERFACE_ENDPOINTS
    }
    assert len(services["Gateway"]) == 2
    assert {".s3" in name for name in services["Gateway"]} == {True, False}
    groups = template.find_resources("AWS::EC2::SecurityGroup")
    (group,) = groups.values()
    assert group["Properties"]["SecurityGroupIngress"] == [
        {
            "CidrIp": CIDR,
            "Description": "HTTPS from the VPC to the interface endpoints",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]


def _endpoint_statements(template: Template, service: str) -> dict[str, dict[str, Any]]:
    (endpoint,) = [
        e
        for e in template.find_resources("AWS::EC2::VPCEndpoint").values()
        if json.dumps(e["Properties"]["ServiceName"]).endswith(f'.{service}"')
        or f'".{service}"' in json.dumps(e["Properties"]["ServiceName"])
    ]
    return {s["Sid"]: s for s in endpoint["Properties"]["PolicyDocument"]["Statement"]}


def test_s3_endpoint_reads_only_the_documented_aws_owned_buckets(template: Template) -> None:
    statements = _endpoint_statements(template, "s3")
    assert set(statements) == {
        "OrganizationPrincipalsToOrganizationResources",
        "AwsServicePrincipals",
        "AwsOwnedPackagesAndImageLayers",
    }
    owned = statements["AwsOwnedPackagesAndImageLayers"]
    # Read only, no condition (ECR presigns layer URLs with an account of its own).
    assert owned["Action"] == "s3:GetObject"
    assert "Condition" not in owned
    resources = json.dumps(owned["Resource"])
    assert f":s3:::prod-{REGION}-starport-layer-bucket/*" in resources
    assert f":s3:::al2023-repos-{REGION}-de612dc2/*" in resources
    assert len(owned["Resource"]) == 7


def test_bedrock_runtime_endpoint_lets_the_organization_invoke_foundation_models(
    template: Template,
) -> None:
    statements = _endpoint_statements(template, "bedrock-runtime")
    models = statements["OrganizationPrincipalsToFoundationModels"]
    assert models["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    assert models["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION_ID}}
    assert ":bedrock:*::foundation-model/*" in json.dumps(models["Resource"])
    # No other endpoint carries an exception besides the S3 one.
    assert set(_endpoint_statements(template, "kms")) == {
        "OrganizationPrincipalsToOrganizationResources",
        "AwsServicePrincipals",
    }


def test_flow_log_role_policy_and_group_are_named_under_the_prefix(template: Template) -> None:
    roles = template.find_resources("AWS::IAM::Role").values()
    flow_log_roles = [r for r in roles if "vpc-flow-logs" in json.dumps(r)]
    assert [r["Properties"]["RoleName"] for r in flow_log_roles] == [
        f"lz-flow-logs-network-{REGION}"
    ]
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    assert policy["Properties"]["ManagedPolicyName"] == f"lz-flow-logs-network-{REGION}"
    (group,) = template.find_resources("AWS::Logs::LogGroup").values()
    assert group["Properties"]["LogGroupName"] == "lz-flow-logs-network"


def test_name_and_prefix_override_the_flow_log_names() -> None:
    template = _template(name="payments", name_prefix="acme-")
    (group,) = template.find_resources("AWS::Logs::LogGroup").values()
    assert group["Properties"]["LogGroupName"] == "acme-flow-logs-payments"
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    assert policy["Properties"]["ManagedPolicyName"] == f"acme-flow-logs-payments-{REGION}"


def test_interface_endpoints_from_config() -> None:
    template = _template(interface_endpoints=["kms", "bedrock-runtime"])
    services = {
        endpoint["Properties"]["ServiceName"]
        for endpoint in template.find_resources(
            "AWS::EC2::VPCEndpoint", {"Properties": {"VpcEndpointType": "Interface"}}
        ).values()
    }
    assert services == {f"com.amazonaws.{REGION}.kms", f"com.amazonaws.{REGION}.bedrock-runtime"}


@pytest.mark.parametrize(
    ("peer", "port"), [("0.0.0.0/0", 22), ("::/0", 22), ("0.0.0.0/0", 80), ("0.0.0.0/0", 443)]
)
def test_rejects_a_security_group_open_to_the_world(peer: str, port: int) -> None:
    with pytest.raises(ValueError, match=f"'{peer}' on port {port} opens the security group"):
        check_ingress(peer, port)
    if port != 443:
        with pytest.raises(ValueError, match="only port 443 on a public load balancer"):
            check_ingress(peer, port, public_load_balancer=True)


def test_allows_https_from_the_world_on_a_public_load_balancer_only() -> None:
    check_ingress("0.0.0.0/0", 443, public_load_balancer=True)
    check_ingress("::/0", 443, public_load_balancer=True)
    check_ingress("10.20.0.0/19", 22)
    stack = _stack()
    tiers = _tiers(stack)
    load_balancer_security_group(stack, "LoadBalancer", vpc=tiers.vpc)
    group = ec2.SecurityGroup(stack, "Workload", vpc=tiers.vpc)
    with pytest.raises(ValueError, match="opens the security group to the internet"):
        allow_ingress(group, "0.0.0.0/0", 8080, description="anyone")
    template = Template.from_stack(stack)
    (load_balancer,) = template.find_resources(
        "AWS::EC2::SecurityGroup",
        {"Properties": {"GroupDescription": "Internet-facing load balancer: HTTPS from anywhere"}},
    ).values()
    ingress = load_balancer["Properties"]["SecurityGroupIngress"]
    assert {(rule.get("CidrIp") or rule["CidrIpv6"], rule["FromPort"]) for rule in ingress} == {
        ("0.0.0.0/0", 443),
        ("::/0", 443),
    }
    assert violations(stack) == {}


def test_synth_looks_nothing_up() -> None:
    stack = _stack()
    _tiers(stack)
    app = stack.node.root
    assert isinstance(app, App)
    manifest = Path(app.synth().directory) / "manifest.json"
    assert "missing" not in json.loads(manifest.read_text())


def test_env_agnostic_stack_takes_named_zones_or_two() -> None:
    template = Template.from_stack(_with(_stack(env=False), max_azs=2))
    assert len(_subnets(template)) == 6
    template = Template.from_stack(_with(_stack(env=False), availability_zones=ZONES))
    assert len(_subnets(template)) == 9
    with pytest.raises(ValueError, match="max_azs: got 3 but the stack knows 2"):
        _tiers(_stack(env=False))


def _with(stack: Stack, **props: Any) -> Stack:
    _tiers(stack, **props)
    return stack


def test_no_compliance_findings() -> None:
    stack = _stack()
    _tiers(stack, subnet_types={"application": ec2.SubnetType.PRIVATE_WITH_EGRESS})
    assert violations(stack) == {}


def test_resource_count_leaves_room_in_the_stack(template: Template) -> None:
    resources = template.to_json()["Resources"]
    # 66 for the VPC tiers plus the test's key and alias; a stack holds 500 at most.
    assert len(resources) == 68


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"subnet_types": {"data": ec2.SubnetType.PUBLIC}}, "the data tier cannot be PUBLIC"),
        (
            {"subnet_types": {"data": ec2.SubnetType.PRIVATE_WITH_EGRESS}},
            "the data tier cannot be PRIVATE_WITH_EGRESS; allowed: PRIVATE_ISOLATED",
        ),
        (
            {"subnet_types": {"application": ec2.SubnetType.PUBLIC}},
            "the application tier cannot be PUBLIC",
        ),
        ({"subnet_types": {"database": ec2.SubnetType.PRIVATE_ISOLATED}}, "unknown tiers"),
        ({"max_azs": 1}, "max_azs: got 1; allowed: 2 to 6"),
        ({"max_azs": 7}, "max_azs: got 7; allowed: 2 to 6"),
        ({"availability_zones": ["eu-west-1a"]}, "availability_zones: got"),
        ({"availability_zones": ["eu-west-1a", "eu-west-1a"]}, "more than once"),
        ({"cidr": "10.20.0.0/24"}, "too small for three tiers"),
        ({"cidr": "10.20.1.0/16"}, "cidr: '10.20.1.0/16' is not an IPv4 network"),
        ({"organization_id": "acme"}, "organization_id: 'acme' is not an AWS Organizations id"),
        ({"data_ports": [0]}, "data_ports: got 0; allowed: TCP ports 1 to 65535"),
        ({"data_ports": []}, "data_ports: got"),
        ({"data_ports": [5432, 5432]}, "more than once"),
        ({"explicit_denies": ["10.0.0.1/8"]}, "explicit_denies: '10.0.0.1/8' is not"),
        ({"data_ports": list(range(5000, 5007))}, "would need 21 inbound rules"),
        ({"interface_endpoints": ["com.amazonaws.eu-west-1.kms"]}, "not an endpoint service"),
        ({"interface_endpoints": ["kms", "kms"]}, "more than once"),
        ({"flow_log_retention": logs.RetentionDays.INFINITE}, "flow_log_retention"),
        ({"name": "Payments"}, "name: 'Payments' cannot name the flow log role"),
        ({"name": "p" * 42}, "longer than IAM's 64 characters"),
    ],
)
def test_rejects_what_breaks_the_tiers(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _tiers(_stack(), **props)


def test_rejects_a_stack_that_would_look_its_zones_up() -> None:
    env = Environment(account=ACCOUNT, region=REGION)
    stack = Stack(App(context=cdk_context()), "Network", env=env)
    with pytest.raises(ValueError, match=f"availability-zones:account={ACCOUNT}:region={REGION}"):
        _tiers(stack, availability_zones=ZONES)


def test_log_key_takes_the_data_class_key_itself() -> None:
    stack = _stack()
    key = DataClassKey(stack, "LogsKey", data_class="logs", alias_prefix="acme", services=["logs"])
    bucket = s3.Bucket.from_bucket_name(stack, "LogBucket", log_bucket_name("acme", "222222222222"))
    VpcTiers(
        stack,
        "Network",
        cidr=CIDR,
        organization_id=ORGANIZATION_ID,
        log_key=key,
        flow_log_bucket=bucket,
    )
    (group,) = Template.from_stack(stack).find_resources("AWS::Logs::LogGroup").values()
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [logical_id_of(key.key), "Arn"]}


def test_rejects_a_log_key_that_is_no_key_at_the_call_site() -> None:
    with pytest.raises(TypeError, match=r"^log_key: got the string 'alias/acme/logs'"):
        _tiers(_stack(), log_key="alias/acme/logs")
