from collections.abc import Callable
from typing import cast

import pytest
from aws_cdk import App, CfnParameter, CfnResource, Fn, Stack, Token
from aws_cdk import aws_ec2 as ec2
from cdk_nag import NagRuleCompliance
from conftest import cdk_context
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import vpc_flow_logs_enabled

RULE = "Fintech-VpcFlowLogsEnabled"
LOG_GROUP_ARN = "arn:aws:logs:eu-west-1:111111111111:log-group:vpc-flow-logs"
ROLE_ARN = "arn:aws:iam::111111111111:role/flow-logs"


@pytest.fixture
def stack() -> Stack:
    return Stack(App(context=cdk_context(), builtin_cloud_formation_validation=False), "Test")


def _l2_vpc(
    traffic_type: ec2.FlowLogTrafficType | None = None, *, logged: bool = True
) -> Callable[[Stack], CfnResource]:
    def build(stack: Stack) -> CfnResource:
        flow_logs = {"All": ec2.FlowLogOptions(traffic_type=traffic_type)} if logged else None
        vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0, flow_logs=flow_logs)
        return cast(CfnResource, vpc.node.default_child)

    return build


def _flow_log(
    stack: Stack, resource_id: str, traffic_type: object = "ALL", resource_type: str = "VPC"
) -> None:
    ec2.CfnFlowLog(
        stack,
        "FlowLog",
        resource_id=resource_id,
        resource_type=resource_type,
        traffic_type=cast(str, traffic_type),
        log_destination=LOG_GROUP_ARN,
        deliver_logs_permission_arn=ROLE_ARN,
    )


def _cfn_vpc(traffic_type: object = "ALL") -> Callable[[Stack], CfnResource]:
    """An L1 VPC with an L1 flow log of ``traffic_type`` naming it by Ref."""

    def build(stack: Stack) -> CfnResource:
        vpc = ec2.CfnVPC(stack, "Vpc", cidr_block="10.0.0.0/16")
        _flow_log(stack, vpc.ref, traffic_type)
        return vpc

    return build


def _plain_vpc(stack: Stack) -> CfnResource:
    vpc = CfnResource(stack, "Plain", type="AWS::EC2::VPC", properties={"CidrBlock": "10.0.0.0/16"})
    CfnResource(
        stack,
        "PlainFlowLog",
        type="AWS::EC2::FlowLog",
        properties={
            "ResourceId": vpc.ref,
            "ResourceType": "VPC",
            "TrafficType": "ALL",
            "LogDestination": LOG_GROUP_ARN,
            "DeliverLogsPermissionArn": ROLE_ARN,
        },
    )
    return vpc


def _two_flow_logs(stack: Stack) -> CfnResource:
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=1,
        nat_gateways=0,
        flow_logs={
            "Rejected": ec2.FlowLogOptions(traffic_type=ec2.FlowLogTrafficType.REJECT),
            "All": ec2.FlowLogOptions(),
        },
    )
    return cast(CfnResource, vpc.node.default_child)


@pytest.mark.parametrize(
    "build",
    [
        # The L2 flow log records all traffic unless told otherwise.
        pytest.param(_l2_vpc(), id="l2-default-traffic-type"),
        pytest.param(_l2_vpc(ec2.FlowLogTrafficType.ALL), id="l2-all"),
        pytest.param(_two_flow_logs, id="reject-and-all"),
        pytest.param(_cfn_vpc(), id="l1"),
        pytest.param(_plain_vpc, id="plain-cfn-resources"),
    ],
)
def test_vpcs_logging_all_traffic_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert vpc_flow_logs_enabled(view(build(stack))) == NagRuleCompliance.COMPLIANT


def _vpc_beside_a_logged_vpc(stack: Stack) -> CfnResource:
    _l2_vpc()(stack)
    return ec2.CfnVPC(stack, "Other", cidr_block="10.1.0.0/16")


def _subnet_flow_log(stack: Stack) -> CfnResource:
    vpc = ec2.CfnVPC(stack, "Vpc", cidr_block="10.0.0.0/16")
    subnet = ec2.CfnSubnet(stack, "Subnet", vpc_id=vpc.ref, cidr_block="10.0.0.0/24")
    _flow_log(stack, subnet.ref, resource_type="Subnet")
    return vpc


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_l2_vpc(logged=False), id="l2-without-flow-log"),
        pytest.param(_l2_vpc(ec2.FlowLogTrafficType.REJECT), id="l2-reject-only"),
        pytest.param(_l2_vpc(ec2.FlowLogTrafficType.ACCEPT), id="l2-accept-only"),
        pytest.param(_cfn_vpc(traffic_type=None), id="traffic-type-absent"),
        # CloudFormation enumerates ALL, ACCEPT and REJECT in capitals.
        pytest.param(_cfn_vpc(traffic_type="all"), id="traffic-type-lowercase"),
        pytest.param(_vpc_beside_a_logged_vpc, id="flow-log-of-another-vpc"),
        pytest.param(_subnet_flow_log, id="flow-log-of-a-subnet"),
    ],
)
def test_vpcs_without_a_flow_log_of_all_traffic_are_non_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert vpc_flow_logs_enabled(view(build(stack))) == NagRuleCompliance.NON_COMPLIANT


def _conditional_flow_log(stack: Stack) -> CfnResource:
    vpc = ec2.CfnVPC(stack, "Vpc", cidr_block="10.0.0.0/16")
    _flow_log(stack, Token.as_string(Fn.condition_if("Logged", vpc.ref, "vpc-0123456789abcdef0")))
    return vpc


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            _conditional_flow_log,
            "cannot tell whether the flow log Test/FlowLog logs this VPC",
            id="resource-id-conditional",
        ),
        pytest.param(
            lambda stack: _cfn_vpc(CfnParameter(stack, "Traffic").value_as_string)(stack),
            "cannot check .*Ref.*: it is not a literal string",
            id="traffic-type-from-parameter",
        ),
    ],
)
def test_rejects_a_flow_log_it_cannot_read(
    stack: Stack, build: Callable[[Stack], CfnResource], message: str
) -> None:
    vpc = build(stack)

    resource = view(vpc)
    with pytest.raises(TypeError, match=message):
        vpc_flow_logs_enabled(resource)


def test_other_resources_are_not_applicable(stack: Stack) -> None:
    vpc = ec2.CfnVPC(stack, "Vpc", cidr_block="10.0.0.0/16")
    subnet = ec2.CfnSubnet(stack, "Subnet", vpc_id=vpc.ref, cidr_block="10.0.0.0/24")

    assert vpc_flow_logs_enabled(view(subnet)) == NagRuleCompliance.NOT_APPLICABLE


def test_pack_reports_the_vpc_logging_rejected_traffic_only(stack: Stack) -> None:
    _cfn_vpc(traffic_type="REJECT")(stack)

    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RULE}: Test/Vpc"]}


def test_pack_passes_the_vpc_logging_all_traffic(stack: Stack) -> None:
    _cfn_vpc()(stack)

    assert violations(stack, [FintechChecks()]) == {}
