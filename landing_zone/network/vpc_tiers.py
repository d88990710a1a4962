"""A workload VPC in three tiers: public subnets for load balancers, application subnets for the
workloads, isolated data subnets for the data stores, with flow logs, a stateless network ACL
around the data tier and VPC endpoints that only the organization's principals may use.

Central egress and Transit Gateway attachments are out of scope: by default no subnet routes to
the internet except the public tier, and workloads reach AWS services through the endpoints.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping, Sequence

from aws_cdk import Acknowledgment, RemovalPolicy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.tokens import is_unresolved
from landing_zone.keys.key_input import KeyInput, as_key
from landing_zone.logging import names
from landing_zone.logging._validation import finite_retention
from landing_zone.logging._validation import organization_id as _organization_id
from landing_zone.network import cidrs
from landing_zone.network.ipam import IpamAllocation, check_ipam_allocation

TIER_SUBNET_TYPES: Mapping[str, ec2.SubnetType] = {
    "public": ec2.SubnetType.PUBLIC,
    "application": ec2.SubnetType.PRIVATE_ISOLATED,
    "data": ec2.SubnetType.PRIVATE_ISOLATED,
}
"""The default subnet type of each tier."""

ALLOWED_SUBNET_TYPES: Mapping[str, tuple[ec2.SubnetType, ...]] = {
    "public": (ec2.SubnetType.PUBLIC,),
    "application": (ec2.SubnetType.PRIVATE_ISOLATED, ec2.SubnetType.PRIVATE_WITH_EGRESS),
    "data": (ec2.SubnetType.PRIVATE_ISOLATED,),
}
"""What each tier may be: the data tier never routes to the internet, the application tier only
through NAT gateways."""

SUBNET_GROUP_NAMES = {"public": "Public", "application": "Application", "data": "Data"}
"""The CDK subnet group name of each tier (``SubnetSelection(subnet_group_name=...)``)."""

DEFAULT_INTERFACE_ENDPOINTS = (
    "kms",
    "sts",
    "logs",
    "secretsmanager",
    "ecr.api",
    "ecr.dkr",
    "bedrock-runtime",
    "sagemaker.api",
    "sagemaker.runtime",
)
"""Services reached through interface endpoints, as the suffix of
``com.amazonaws.<region>.<service>``."""

DEFAULT_DATA_PORTS = (5432, 3306)
"""PostgreSQL and MySQL / Aurora: the ports the data tier accepts from the application tier."""

EPHEMERAL_PORTS = (1024, 65535)
"""Ports of the responses the data tier sends back: the client's ephemeral port range (Linux
uses 32768-60999, ELB and NAT gateways 1024-65535, so the union)."""

NACL_RULES_PER_DIRECTION = 20
"""Amazon VPC's default quota of rules per network ACL and direction (adjustable to 40)."""

HTTPS = 443
WORLD = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))

AWS_OWNED_S3_OBJECTS = (
    # Amazon ECR keeps image layers in an AWS-owned bucket; a pull reads them through the S3
    # gateway endpoint with a URL an ECR account presigned (ECR user guide, "Minimum Amazon S3
    # bucket permissions for Amazon ECR").
    "prod-{region}-starport-layer-bucket",
    # Amazon Linux 2 and 2023 package repositories (EC2 user guide, kernel live patching; Amazon
    # Linux 2023 user guide), fetched without credentials.
    "packages.{region}.amazonaws.com",
    "repo.{region}.amazonaws.com",
    "amazonlinux.{region}.amazonaws.com",
    "amazonlinux-2-repos-{region}",
    "al2023-repos-{region}-de612dc2",
    "al2023-{region}",
)
"""AWS-owned buckets (``{region}`` is the VPC's) whose objects instances must still read through
the S3 gateway endpoint: they belong to no organization, so ``aws:ResourceOrgID`` never matches.
The list and its sources are AWS's data perimeter examples
(aws-samples/data-perimeter-policy-examples, ``vpc_endpoint_policies/s3_endpoint_policy.json``),
limited to container image layers and Amazon Linux packages; read-only."""

_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

_ALLOCATED_RANGE_INGRESS_RULES = (
    "AwsSolutions-EC23",
    "NIST.800.53.R5-EC2RestrictedCommonPorts",
    "NIST.800.53.R5-EC2RestrictedSSH",
    "PCI.DSS.321-EC2RestrictedCommonPorts",
    "PCI.DSS.321-EC2RestrictedSSH",
)
_ALLOCATED_RANGE_INGRESS = (
    "The endpoint security group's one ingress rule admits TCP 443 from the VPC's own range, "
    "which VPC IPAM allocates at deploy time (GetAtt VPC.CidrBlock): the rule cannot read it at "
    "synth. It is never the internet (the allocation comes from a private pool) and 443 is "
    "neither SSH nor a restricted common port."
)

_SERVICE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*")
_AZ_COUNT = (2, 6)


class VpcTiers(Construct):
    """A VPC (``Resource``) with three subnet tiers in every availability zone.

    - **public** (group ``Public``): for internet-facing load balancers only, and the NAT
      gateways when the application tier has egress. Subnets do not assign public IPs, so an
      instance launched there stays unreachable; ``load_balancer_security_group`` is the one
      security group that may accept the internet (443 only).
    - **application** (group ``Application``): the workloads and the interface endpoints.
      Isolated by default: no route leaves the VPC, and AWS services are reached through the
      endpoints. ``PRIVATE_WITH_EGRESS`` adds a NAT gateway per zone in the public subnets.
    - **data** (group ``Data``): isolated, always. Its network ACL (``DataNetworkAcl``) denies
      ``explicit_denies`` first, then accepts only TCP on ``data_ports`` from the application
      subnets and lets responses (TCP 1024-65535) go back to them; everything else is denied.
      The data tier initiates nothing: it cannot reach the endpoints or another data subnet.

    Also: the default security group loses its rules (``restrict_default_security_group``: a
    stack-wide CDK custom resource, a Lambda function that revokes the rules at deploy; cdk-nag
    3.0.2 reports nothing on it because its Lambda rules match ``CfnFunction`` and CDK builds the
    function as a plain ``CfnResource``, so it is not acknowledged, only unchecked); flow logs
    of all traffic go to a CloudWatch Logs group (``FlowLogGroup``, encrypted with ``log_key``,
    retained) and to the log archive bucket under ``flow-logs/``; gateway endpoints for S3 and
    DynamoDB serve the application and data tiers; interface endpoints with private DNS sit in
    the application subnets behind ``EndpointSecurityGroup`` (443 from the VPC's range only).
    Every endpoint's policy (``endpoint_policy_statements``) allows requests of principals of
    ``organization_id`` to resources of that organization only (``aws:PrincipalOrgID`` and
    ``aws:ResourceOrgID``), so that credentials of the organization cannot write to another
    organization's bucket, or use its keys, through the endpoints; AWS service principals
    (``aws:PrincipalIsAWSService``, e.g. CloudFormation's presigned custom resource responses);
    and the AWS-owned resources that belong to no organization and that workloads must reach:
    ECR image layers and Amazon Linux repositories (reads, S3 endpoint), and Bedrock foundation
    models (invocations by the organization's principals, Bedrock runtime endpoint).

    The flow log role, its policy and log group are named under ``name_prefix``
    (``<prefix>flow-logs-<name>-<region>``, the log group ``<prefix>flow-logs-<name>``), so
    the guardrails that protect the landing zone's names cover them.

    Not verified here (no AWS account): that every service of ``interface_endpoints`` has an
    endpoint in the stack's region and zones; that the log archive bucket's policy and key let
    ``delivery.logs.amazonaws.com`` of this account write (``LogBuckets`` grants
    ``flow-logs/AWSLogs/*``); that ``log_key``'s policy lets CloudWatch Logs use it for this
    log group (``DataClassKey`` with the ``logs`` service does); that AWS services calling on
    the organization's behalf through an endpoint present an organization principal or a
    service principal; that requests to actions without a resource (``sts:GetCallerIdentity``,
    ``kms:ListAliases``) carry ``aws:ResourceOrgID``, as AWS's data perimeter examples, which
    apply the same condition to every action, assume.

    An env-specific stack must carry the availability zones in its context
    (``availability_zones_context``): CDK's VPC reads ``Stack.availability_zones`` even when the
    zones are given, and without the context that is a lookup that needs AWS credentials.

    **Range**: a literal ``cidr``, or ``ipam``: a range VPC IPAM allocates at deploy time from a
    pool (``IpAddresses.aws_ipam_allocation``), for a template shared by many accounts. With
    ``ipam`` no range is known at synth and none is written: the VPC gets ``Ipv4IpamPoolId`` and
    ``Ipv4NetmaskLength``, each subnet ``Fn::Select`` of ``Fn::Cidr`` of the VPC's
    ``GetAtt CidrBlock`` (aws-cdk-lib computes the offsets from the prefix lengths), the data
    network ACL's allows take the subnets' ranges (construct ids ``...FromApplication<n>`` /
    ``...ToApplication<n>``, n the application subnet's zone position, 1-based) and the endpoint
    security group takes ``GetAtt CidrBlock``. The VPC's ``CidrBlock``, ``Ipv4IpamPoolId`` and
    ``Ipv4NetmaskLength`` are create-only (CloudFormation's AWS::EC2::VPC schema), so a VPC
    never moves between the two modes without being replaced: a literal-range VPC keeps its
    template, byte for byte.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cidr: str | None = None,
        ipam: IpamAllocation | None = None,
        organization_id: str,
        log_key: KeyInput,
        flow_log_bucket: s3.IBucket,
        availability_zones: Sequence[str] | None = None,
        max_azs: int = 3,
        subnet_types: Mapping[str, ec2.SubnetType] | None = None,
        data_ports: Sequence[int] = DEFAULT_DATA_PORTS,
        explicit_denies: Sequence[str] = (),
        interface_endpoints: Sequence[str] = DEFAULT_INTERFACE_ENDPOINTS,
        flow_log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        flow_log_format: Sequence[ec2.LogFormat] | None = None,
        name: str | None = None,
        name_prefix: str = "lz-",
    ) -> None:
        """
        :param cidr: The VPC's IPv4 range, /16 to /23 for three zones (each tier's subnet size
            follows from it, see ``cidrs.tier_subnet_prefixes``). It must not overlap another
            VPC of the organization (``cidrs.overlapping`` over the config). Exactly one of
            ``cidr`` and ``ipam``.
        :param ipam: The pool (``IpamPoolLookup.pool_id`` or a literal ``ipam-pool-...``) and
            the prefix length (``netmask``, /16 to /23 for three zones) of a range VPC IPAM
            allocates when the stack is created. Exactly one of ``cidr`` and ``ipam``.
        :param organization_id: AWS Organizations id (``o-...``) whose principals may use the
            endpoints.
        :param log_key: Encrypts the flow log group; its policy must let CloudWatch Logs use it.
            A ``kms.IKey`` or the ``DataClassKey`` itself.
        :param flow_log_bucket: The log archive bucket; flow logs land under ``flow-logs/``.
        :param availability_zones: The zones to use, 2 to 6 distinct names. Default: the first
            ``max_azs`` zones of the stack.
        :param max_azs: How many of the stack's zones to use when ``availability_zones`` is not
            given, 2 to 6. Default: 3.
        :param subnet_types: Subnet type per tier, overriding ``TIER_SUBNET_TYPES``; the data
            tier accepts ``PRIVATE_ISOLATED`` only, the public tier ``PUBLIC`` only. Default:
            all private tiers isolated.
        :param data_ports: TCP ports the data tier accepts from the application subnets.
            Default: 5432 and 3306.
        :param explicit_denies: IPv4 ranges the data tier's network ACL denies in both
            directions before any allow. Default: none.
        :param interface_endpoints: Services to reach through interface endpoints. Default:
            ``DEFAULT_INTERFACE_ENDPOINTS``.
        :param flow_log_retention: How long the flow log group keeps events; never
            ``INFINITE``. Default: one year (PCI DSS 10.7 asks for one year).
        :param flow_log_format: Fields of each flow log record, for both destinations.
            Default: AWS's default format.
        :param name: The VPC's name (lowercase letters, digits, single hyphens), which names
            its flow log role, policy and log group. Default: the construct id in kebab case
            (``VpcPayments`` -> ``vpc-payments``).
        :param name_prefix: The landing zone's protected prefix
            (``GuardrailParameters.landing_zone_role_prefix``). Default: ``lz-``.
        """
        super().__init__(scope, construct_id)
        log_key = as_key("log_key", log_key)
        types = _subnet_types(subnet_types or {})
        zone_count = _zone_count(self, availability_zones, max_azs)
        ip_addresses, prefixes = _addresses(cidr, ipam, zone_count)
        _check_ports("data_ports", data_ports)
        denies = [cidrs.network("explicit_denies", deny) for deny in explicit_denies]
        _check_distinct("explicit_denies", [str(deny) for deny in denies])
        check_interface_endpoints(interface_endpoints)
        _organization_id("organization_id", organization_id)
        self.name = _check_name(name or _kebab(construct_id))
        """The VPC's name (``name``, else the construct id in kebab case)."""
        flow_logs_name = f"{name_prefix}flow-logs-{self.name}"
        region = Stack.of(self).region
        if not is_unresolved(region) and len(f"{flow_logs_name}-{region}") > 64:
            raise ValueError(
                f"name: {self.name!r} makes the flow log role {flow_logs_name}-{region} longer "
                "than IAM's 64 characters; allowed: a shorter name"
            )
        finite_retention(
            "flow_log_retention",
            flow_log_retention,
            "flow logs hold IP addresses, kept no longer than their purpose needs",
        )
        inbound_rules = len(denies) + zone_count * len(data_ports)
        if inbound_rules > NACL_RULES_PER_DIRECTION:
            raise ValueError(
                f"data_ports, explicit_denies: the data network ACL would need {inbound_rules} "
                f"inbound rules ({len(denies)} denies + {zone_count} application subnets x "
                f"{len(data_ports)} ports); allowed: at most {NACL_RULES_PER_DIRECTION}"
            )
        egress = types["application"] == ec2.SubnetType.PRIVATE_WITH_EGRESS
        self.vpc = ec2.Vpc(
            self,
            "Resource",
            ip_addresses=ip_addresses,
            availability_zones=list(availability_zones) if availability_zones else None,
            max_azs=None if availability_zones else max_azs,
            nat_gateways=zone_count if egress else 0,
            # Largest subnets first: each block then starts on a boundary of its own size.
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name=SUBNET_GROUP_NAMES[tier],
                    subnet_type=types[tier],
                    cidr_mask=prefixes[tier],
                    map_public_ip_on_launch=False if tier == "public" else None,
                )
                for tier in sorted(cidrs.TIERS, key=prefixes.__getitem__)
            ],
            restrict_default_security_group=True,
            enable_dns_hostnames=True,
            enable_dns_support=True,
        )
        """The ``ec2.Vpc`` with the three subnet tiers: give it to workloads that take an
        ``ec2.IVpc``."""
        for public_subnet in self.vpc.public_subnets:
            Validations.of(public_subnet).acknowledge(
                *(
                    Acknowledgment(
                        id=f"{rule}-VPCNoUnrestrictedRouteToIGW",
                        reason=(
                            "A public subnet of internet-facing load balancers (and NAT "
                            "gateways): its default route to the internet gateway is its "
                            "purpose. It assigns no public IPs, and the application and data "
                            "tiers have no such route."
                        ),
                    )
                    for rule in ("PCI.DSS.321", "NIST.800.53.R5")
                )
            )
        _acknowledge_default_security_group_provider(Stack.of(self))
        self.public_subnets = self._subnets("public")
        """Selects the public subnets (load balancers and NAT gateways only)."""
        self.application_subnets = self._subnets("application")
        """Selects the application subnets (private, egress through NAT)."""
        self.data_subnets = self._subnets("data")
        """Selects the data subnets (isolated: no route to the internet)."""

        self.flow_log_group = logs.LogGroup(
            self,
            "FlowLogGroup",
            log_group_name=flow_logs_name,
            encryption_key=log_key,
            retention=flow_log_retention,
            removal_policy=RemovalPolicy.RETAIN,
        )
        """The KMS-encrypted log group of the VPC flow logs."""
        self.flow_log_role = self._flow_log_role(f"{flow_logs_name}-{region}")
        """The role VPC Flow Logs delivers to ``flow_log_group`` with."""
        self.flow_logs = [
            ec2.FlowLog(
                self,
                flow_log_id,
                resource_type=ec2.FlowLogResourceType.from_vpc(self.vpc),
                traffic_type=ec2.FlowLogTrafficType.ALL,
                destination=destination,
                log_format=list(flow_log_format) if flow_log_format else None,
            )
            for flow_log_id, destination in (
                (
                    "FlowLogToCloudWatch",
                    ec2.FlowLogDestination.to_cloud_watch_logs(
                        self.flow_log_group,
                        # Immutable: the managed policy below grants the role, not an inline one.
                        self.flow_log_role.without_policy_updates(),
                    ),
                ),
                (
                    "FlowLogToLogArchive",
                    ec2.FlowLogDestination.to_s3(flow_log_bucket, f"{names.FLOW_LOGS_PREFIX}/"),
                ),
            )
        ]
        """The VPC's flow logs (all traffic)."""

        self.data_network_acl = self._data_network_acl(data_ports, denies, by_position=cidr is None)
        """The network ACL of the data subnets: the stateless second layer."""

        private = [self.application_subnets, self.data_subnets]
        self.gateway_endpoints = {
            name: self.vpc.add_gateway_endpoint(
                f"{_pascal(name)}Endpoint", service=service, subnets=private
            )
            for name, service in (
                ("s3", ec2.GatewayVpcEndpointAwsService.S3),
                ("dynamodb", ec2.GatewayVpcEndpointAwsService.DYNAMODB),
            )
        }
        """The gateway endpoints (S3, DynamoDB) by service name."""
        self.endpoint_security_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description="Interface endpoints: HTTPS from the VPC only",
            allow_all_outbound=False,
        )
        """The security group of the interface endpoints: HTTPS from the VPC only."""
        allow_ingress(
            self.endpoint_security_group,
            self.vpc.vpc_cidr_block if cidr is None else str(cidrs.network("cidr", cidr)),
            HTTPS,
            description="HTTPS from the VPC to the interface endpoints",
        )
        if cidr is None:
            Validations.of(self.endpoint_security_group).acknowledge(
                *(
                    Acknowledgment(id=rule, reason=_ALLOCATED_RANGE_INGRESS)
                    for rule in _ALLOCATED_RANGE_INGRESS_RULES
                )
            )
        self.interface_endpoints = {
            name: ec2.InterfaceVpcEndpoint(
                self,
                f"{_pascal(name)}Endpoint",
                vpc=self.vpc,
                service=ec2.InterfaceVpcEndpointAwsService(name),
                subnets=self.application_subnets,
                private_dns_enabled=True,
                security_groups=[self.endpoint_security_group],
                open=False,
            )
            for name in interface_endpoints
        }
        """The interface endpoints by service name."""
        for service, endpoint in (
            *self.gateway_endpoints.items(),
            *self.interface_endpoints.items(),
        ):
            for statement in endpoint_policy_statements(service, organization_id, region):
                endpoint.add_to_policy(statement)

    def _flow_log_role(self, name: str) -> iam.Role:
        """The role VPC Flow Logs assumes to write to the log group (``FlowLogRole``), granted
        by a customer managed policy (``FlowLogPolicy``): the packs reject inline policies."""
        role = iam.Role(
            self,
            "FlowLogRole",
            role_name=name,
            assumed_by=iam.ServicePrincipal(
                "vpc-flow-logs.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": pseudo.ACCOUNT_ID}},
            ),
            description="VPC Flow Logs writes the VPC's flow logs to their log group",
        )
        iam.ManagedPolicy(
            self,
            "FlowLogPolicy",
            managed_policy_name=name,
            description="Write the VPC's flow logs to their log group",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=[
                        "logs:CreateLogStream",
                        "logs:DescribeLogStreams",
                        "logs:PutLogEvents",
                    ],
                    resources=[self.flow_log_group.log_group_arn],
                )
            ],
        )
        return role

    def _subnets(self, tier: str) -> ec2.SubnetSelection:
        return ec2.SubnetSelection(subnet_group_name=SUBNET_GROUP_NAMES[tier])

    def _data_network_acl(
        self,
        data_ports: Sequence[int],
        denies: Sequence[ipaddress.IPv4Network],
        *,
        by_position: bool,
    ) -> ec2.NetworkAcl:
        """The data tier's network ACL. ``by_position``: name the allows after each
        application subnet's position (an allocated VPC, whose ranges are tokens) rather than
        its range (a literal VPC, whose construct ids predate this and stay as deployed)."""
        acl = ec2.NetworkAcl(
            self, "DataNetworkAcl", vpc=self.vpc, subnet_selection=self.data_subnets
        )
        Validations.of(acl).acknowledge(
            Acknowledgment(
                id="AwsSolutions-VPC3",
                reason=(
                    "The data subnets' network ACL is a stateless second layer on top of the "
                    "security groups, not instead of them: it admits only the data ports from "
                    "the application subnets and denies the configured ranges, so one "
                    "misconfigured security group does not expose the data tier (defense in "
                    "depth for the cardholder data environment's segmentation)."
                ),
            )
        )
        # Rule numbers: denies from 100, allows from 1000, so every deny is evaluated first.
        for number, deny in enumerate(denies, start=100):
            for direction in (ec2.TrafficDirection.INGRESS, ec2.TrafficDirection.EGRESS):
                acl.add_entry(
                    f"Deny{direction.name.title()}{_cidr_id(str(deny))}",
                    cidr=ec2.AclCidr.ipv4(str(deny)),
                    rule_number=number,
                    traffic=ec2.AclTraffic.all_traffic(),
                    direction=direction,
                    rule_action=ec2.Action.DENY,
                )
        application = self.vpc.select_subnets(subnet_group_name=SUBNET_GROUP_NAMES["application"])
        number = 1000
        for position, subnet in enumerate(application.subnets, start=1):
            source = ec2.AclCidr.ipv4(subnet.ipv4_cidr_block)
            # Renaming a deployed entry would create the new one before deleting the old, on the
            # same create-only rule number: literal VPCs keep their range-based ids.
            subnet_id = (
                f"Application{position}" if by_position else _cidr_id(subnet.ipv4_cidr_block)
            )
            for port in data_ports:
                acl.add_entry(
                    f"AllowPort{port}From{subnet_id}",
                    cidr=source,
                    rule_number=number,
                    traffic=ec2.AclTraffic.tcp_port(port),
                    direction=ec2.TrafficDirection.INGRESS,
                    rule_action=ec2.Action.ALLOW,
                )
                number += 1
            acl.add_entry(
                f"AllowResponsesTo{subnet_id}",
                cidr=source,
                rule_number=number,
                traffic=ec2.AclTraffic.tcp_port_range(*EPHEMERAL_PORTS),
                direction=ec2.TrafficDirection.EGRESS,
                rule_action=ec2.Action.ALLOW,
            )
            number += 1
        return acl


def endpoint_policy_statements(
    service: str, organization_id: str, region: str
) -> list[iam.PolicyStatement]:
    """The endpoint policy of ``service`` (``s3``, ``dynamodb`` or an interface endpoint's
    suffix such as ``kms``) for a VPC in ``region``: AWS's data perimeter pattern
    (aws-samples/data-perimeter-policy-examples, ``vpc_endpoint_policies``), an identity and a
    resource perimeter with the documented exceptions.

    - ``OrganizationPrincipalsToOrganizationResources``: ``aws:PrincipalOrgID`` and
      ``aws:ResourceOrgID`` are ``organization_id`` (IAM user guide: ``aws:ResourceOrgID`` is
      the organization of the account that owns the resource, absent when that account is in
      no organization, so a bucket of a standalone account fails it too);
    - ``AwsServicePrincipals``: requests signed by an AWS service principal;
    - ``s3`` only, ``AwsOwnedPackagesAndImageLayers``: ``s3:GetObject`` on
      ``AWS_OWNED_S3_OBJECTS`` of ``region``, whoever signs (ECR presigns layer URLs with an
      account of its own, Amazon Linux repositories are read anonymously);
    - ``bedrock-runtime`` only, ``OrganizationPrincipalsToFoundationModels``: the
      organization's principals may invoke foundation models, which AWS owns (their ARNs have
      no account), in any region a cross-region inference profile routes to.

    The statements are frozen and shared by every endpoint policy with the same arguments:
    each new statement costs round trips to Node, for the ten or so endpoints of each of
    hundreds of VPCs. A policy document copies nothing, so sharing leaves each policy as it
    would be with statements of its own.
    """
    return [
        *_perimeter_statements(organization_id),
        *(_aws_owned_objects_statements(region) if service == "s3" else ()),
        *(_foundation_model_statements(organization_id) if service == "bedrock-runtime" else ()),
    ]


@functools.cache
def _perimeter_statements(organization_id: str) -> tuple[iam.PolicyStatement, ...]:
    return (
        iam.PolicyStatement(
            sid="OrganizationPrincipalsToOrganizationResources",
            principals=[iam.AnyPrincipal()],
            actions=["*"],
            resources=["*"],
            conditions={
                "StringEquals": {
                    "aws:PrincipalOrgID": organization_id,
                    "aws:ResourceOrgID": organization_id,
                }
            },
        ).freeze(),
        iam.PolicyStatement(
            sid="AwsServicePrincipals",
            principals=[iam.AnyPrincipal()],
            actions=["*"],
            resources=["*"],
            conditions={"Bool": {"aws:PrincipalIsAWSService": "true"}},
        ).freeze(),
    )


@functools.cache
def _aws_owned_objects_statements(region: str) -> tuple[iam.PolicyStatement, ...]:
    return (
        iam.PolicyStatement(
            sid="AwsOwnedPackagesAndImageLayers",
            principals=[iam.AnyPrincipal()],
            actions=["s3:GetObject"],
            resources=[
                f"arn:{pseudo.PARTITION}:s3:::{bucket.format(region=region)}/*"
                for bucket in AWS_OWNED_S3_OBJECTS
            ],
        ).freeze(),
    )


@functools.cache
def _foundation_model_statements(organization_id: str) -> tuple[iam.PolicyStatement, ...]:
    return (
        iam.PolicyStatement(
            sid="OrganizationPrincipalsToFoundationModels",
            principals=[iam.AnyPrincipal()],
            actions=["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            resources=[f"arn:{pseudo.PARTITION}:bedrock:*::foundation-model/*"],
            conditions={"StringEquals": {"aws:PrincipalOrgID": organization_id}},
        ).freeze(),
    )


def availability_zones_context(
    account: str, region: str, availability_zones: Sequence[str]
) -> dict[str, list[str]]:
    """Context that answers CDK's availability-zone lookup for ``account`` and ``region``, for
    ``App(context=...)`` or ``cdk.context.json``: with it, synth needs no AWS credentials."""
    return {f"availability-zones:account={account}:region={region}": list(availability_zones)}


def check_ingress(peer_cidr: str, port: int, *, public_load_balancer: bool = False) -> None:
    """Raise ValueError unless a security group may accept ``port`` from ``peer_cidr``: the whole
    internet (``0.0.0.0/0``, ``::/0``) only on 443 and only for a public load balancer."""
    _check_ports("port", [port])
    if is_unresolved(peer_cidr):
        return
    try:
        peer = ipaddress.ip_network(peer_cidr)
    except ValueError:
        raise ValueError(
            f"peer_cidr: {peer_cidr!r} is not an IPv4 or IPv6 network in CIDR notation"
        ) from None
    if peer in WORLD and not (public_load_balancer and port == HTTPS):
        raise ValueError(
            f"peer_cidr: {peer_cidr!r} on port {port} opens the security group to the internet; "
            "allowed: only port 443 on a public load balancer's security group "
            "(public_load_balancer=True)"
        )


def allow_ingress(
    security_group: ec2.ISecurityGroup,
    peer_cidr: str,
    port: int,
    *,
    description: str,
    public_load_balancer: bool = False,
) -> None:
    """Let ``security_group`` accept TCP ``port`` from ``peer_cidr``, after ``check_ingress``."""
    check_ingress(peer_cidr, port, public_load_balancer=public_load_balancer)
    peer = (
        ec2.Peer.ipv6(peer_cidr)
        if not is_unresolved(peer_cidr) and ":" in peer_cidr
        else ec2.Peer.ipv4(peer_cidr)
    )
    security_group.add_ingress_rule(peer, ec2.Port.tcp(port), description)


def load_balancer_security_group(
    scope: Construct, construct_id: str, *, vpc: ec2.IVpc
) -> ec2.SecurityGroup:
    """A security group for an internet-facing load balancer: HTTPS from anywhere, nothing else
    in, no egress until targets are added (the ELB constructs add rules to each target)."""
    group = ec2.SecurityGroup(
        scope,
        construct_id,
        vpc=vpc,
        description="Internet-facing load balancer: HTTPS from anywhere",
        allow_all_outbound=False,
    )
    for world in WORLD:
        allow_ingress(
            group,
            str(world),
            HTTPS,
            description="HTTPS from the internet",
            public_load_balancer=True,
        )
    Validations.of(group).acknowledge(
        Acknowledgment(
            id="AwsSolutions-EC23",
            reason=(
                "The security group of an internet-facing load balancer: it accepts HTTPS "
                "(443) only, which check_ingress enforces; WAF and TLS policies protect it."
            ),
        )
    )
    return group


def _addresses(
    cidr: str | None, ipam: IpamAllocation | None, zone_count: int
) -> tuple[ec2.IIpAddresses, dict[str, int]]:
    """The VPC's address source and each tier's subnet prefix length, from exactly one of a
    literal ``cidr`` and an IPAM allocation."""
    if (cidr is None) == (ipam is None):
        raise ValueError(
            f"cidr, ipam: got cidr={cidr!r} and ipam={ipam!r}; allowed: exactly one, a literal "
            "range (cidr) or an allocation from a VPC IPAM pool (ipam)"
        )
    if cidr is not None:
        if is_unresolved(cidr):
            raise ValueError(
                f"cidr: got the unresolved token {cidr!r}; allowed: a literal range, or ipam "
                "for a range known only at deploy time"
            )
        return ec2.IpAddresses.cidr(cidr), cidrs.tier_subnet_prefixes(cidr, zone_count)
    assert ipam is not None
    check_ipam_allocation(ipam)
    prefixes = cidrs.tier_subnet_prefixes_for_netmask(ipam.netmask, zone_count)
    addresses = ec2.IpAddresses.aws_ipam_allocation(
        ipv4_ipam_pool_id=ipam.pool_id, ipv4_netmask_length=ipam.netmask
    )
    return addresses, prefixes


def _subnet_types(overrides: Mapping[str, ec2.SubnetType]) -> dict[str, ec2.SubnetType]:
    unknown = sorted(set(overrides) - set(cidrs.TIERS))
    if unknown:
        raise ValueError(
            f"subnet_types: unknown tiers {unknown}; allowed: {', '.join(cidrs.TIERS)}"
        )
    types = {**TIER_SUBNET_TYPES, **overrides}
    for tier, subnet_type in types.items():
        if subnet_type not in ALLOWED_SUBNET_TYPES[tier]:
            allowed = ", ".join(t.name for t in ALLOWED_SUBNET_TYPES[tier])
            raise ValueError(
                f"subnet_types: the {tier} tier cannot be {subnet_type.name}; allowed: {allowed}"
            )
    return types


def _zone_count(scope: Construct, availability_zones: Sequence[str] | None, max_azs: int) -> int:
    """How many zones the VPC spans; ValueError when outside 2-6 or when synth would look the
    stack's zones up."""
    low, high = _AZ_COUNT
    stack = Stack.of(scope)
    agnostic = is_unresolved(stack.account) or is_unresolved(stack.region)
    if not agnostic:
        (key,) = availability_zones_context(stack.account, stack.region, [])
        if stack.node.try_get_context(key) is None:
            raise ValueError(
                f"{scope.node.path}: the stack's context has no {key!r}, so CDK would look "
                "the availability zones up with AWS credentials at synth; add "
                "availability_zones_context(account, region, zones) to the app's context"
            )
    if availability_zones is not None:
        if isinstance(availability_zones, str) or not low <= len(availability_zones) <= high:
            raise ValueError(
                f"availability_zones: got {availability_zones!r}; allowed: {low} to {high} "
                "zone names"
            )
        _check_distinct("availability_zones", availability_zones)
        return len(availability_zones)
    if isinstance(max_azs, bool) or not low <= max_azs <= high:
        raise ValueError(f"max_azs: got {max_azs!r}; allowed: {low} to {high}")
    known = len(stack.availability_zones)
    if known < max_azs:
        raise ValueError(
            f"max_azs: got {max_azs} but the stack knows {known} availability zones; allowed: "
            f"at most {known}, or name the zones in availability_zones"
        )
    return max_azs


def _check_ports(prop: str, ports: Sequence[int]) -> None:
    if isinstance(ports, str) or not ports:
        raise ValueError(f"{prop}: got {ports!r}; allowed: one or more TCP ports")
    for port in ports:
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValueError(f"{prop}: got {port!r}; allowed: TCP ports 1 to 65535")
    _check_distinct(prop, [str(port) for port in ports])


def check_interface_endpoints(services: Sequence[str]) -> None:
    """Raise ValueError unless ``services`` are distinct endpoint service suffixes."""
    if isinstance(services, str):
        raise ValueError(f"interface_endpoints: got {services!r}; allowed: a list of services")
    for service in services:
        if not _SERVICE.fullmatch(service) or service.startswith("com."):
            raise ValueError(
                f"interface_endpoints: {service!r} is not an endpoint service suffix; allowed: "
                "lowercase names such as 'kms' or 'ecr.api'"
            )
    _check_distinct("interface_endpoints", services)


def _check_distinct(prop: str, values: Sequence[str]) -> None:
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:
        raise ValueError(f"{prop}: {repeated} given more than once; allowed: each once")


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"name: {name!r} cannot name the flow log role and log group; allowed: lowercase "
            "letters and digits, in parts separated by single hyphens"
        )
    return name


def _kebab(construct_id: str) -> str:
    """``VpcPayments`` -> ``vpc-payments``: the default name of a VPC from its construct id."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", construct_id).lower()


def _pascal(service: str) -> str:
    """``ecr.api`` -> ``EcrApi``, ``bedrock-runtime`` -> ``BedrockRuntime``: stable ids."""
    return "".join(part.title() for part in re.split(r"[.-]", service))


def _cidr_id(cidr: str) -> str:
    """``10.0.0.0/19`` -> ``10.0.0.0-19``: a construct id cannot contain ``/``."""
    return cidr.replace("/", "-")


_DEFAULT_SG_PROVIDER = "Custom::VpcRestrictDefaultSGCustomResourceProvider"


def _acknowledge_default_security_group_provider(stack: Stack) -> None:
    """aws-cdk-lib's singleton provider behind ``restrict_default_security_group`` names its role
    and function itself; no prop reaches them."""
    provider = stack.node.try_find_child(_DEFAULT_SG_PROVIDER)
    if provider is None:
        return
    Validations.of(provider).acknowledge(
        Acknowledgment(
            id="Fintech-ProtectedNamespace[GeneratedName]",
            reason=(
                "aws-cdk-lib's provider that strips the default security group's rules names "
                "its role and function itself. Neither is exempt from any guardrail (the names "
                "match no landing-zone pattern), and the role may only revoke rules of the "
                "default security group: an administrator who rewrote the function would gain "
                "nothing they cannot do directly. tests/upgrade keeps it from being replaced, "
                "since its delete restores the default rules."
            ),
        )
    )
