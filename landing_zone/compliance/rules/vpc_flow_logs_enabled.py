"""VPCs must have a flow log of all their traffic, accepted and rejected.

Compliant: an ``AWS::EC2::FlowLog`` of the VPC's stack names the VPC by ``Ref`` in its
``ResourceId`` and has ``TrafficType: ALL``. cdk-nag's own rule (AwsSolutions-VPC7, and
VPCFlowLogsEnabled in the PCI DSS and NIST 800-53 packs) accepts a flow log of any traffic type;
this one does not, so a VPC without any flow log is reported by both.

Not seen, so non-compliant: a flow log of another stack or created outside CloudFormation (an
organization-wide one from AWS Config remediation, for instance), and flow logs of each subnet or
network interface instead of the VPC: a subnet added later would not be logged. Acknowledge the
finding with the reason when the VPC is logged elsewhere.

A flow log whose ``ResourceId`` holds the VPC's reference inside another intrinsic (``Fn::If``),
or whose ``TrafficType`` is not a literal string, cannot be read, and the rule does not pass it
(TypeError) unless another flow log of the template logs all the VPC's traffic.
"""

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import (
    get_property,
    literal_string,
    mentions,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = frozenset({"AWS::EC2::VPC"})

ALL_TRAFFIC = "ALL"

_FLOW_LOG = "AWS::EC2::FlowLog"


def vpc_flow_logs_enabled(resource: Resource) -> RuleResult:
    """Compliant when a flow log of the VPC's stack records all the VPC's traffic."""
    if resource.type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    vpc = resource.ref
    flow_logs = resource.template.related(_FLOW_LOG, "ResourceId")
    for flow_log in flow_logs.naming(vpc):
        traffic = get_property(flow_log.properties, "TrafficType")
        if traffic is not None and literal_string(traffic) == ALL_TRAFFIC:
            return NagRuleCompliance.COMPLIANT
    for flow_log in flow_logs.unclear():
        target = get_property(flow_log.properties, "ResourceId")
        if target != vpc and mentions(target, [vpc]):
            raise TypeError(
                f"cannot tell whether the flow log {flow_log.path} logs this VPC: its "
                f"ResourceId is {target!r}"
            )
    return NagRuleCompliance.NON_COMPLIANT


VPC_FLOW_LOGS_ENABLED = FintechRule(
    suffix="VpcFlowLogsEnabled",
    info=(
        "The VPC has no flow log in its stack that names it by Ref with TrafficType ALL (in "
        "CDK: ec2.Vpc(flow_logs={...: ec2.FlowLogOptions()}), whose traffic type defaults to "
        "ALL)."
    ),
    explanation=(
        "Flow logs are the record of who talked to whom inside the network: without them an "
        "intrusion, lateral movement or exfiltration leaves no network trace to investigate. "
        "Only ALL records both: REJECT-only logs miss every connection that got through, "
        "ACCEPT-only logs miss the scans that came before. Network traffic into and within the "
        "cardholder data environment is logged and monitored (PCI DSS 10.2.1, 11.5.1; NIST "
        "AU-2, AU-12, SI-4). cdk-nag's VPC7 and VPCFlowLogsEnabled accept any traffic type."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=vpc_flow_logs_enabled,
)
