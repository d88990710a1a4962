"""TrailAlarms: the CIS metric filters and alarms on the trail's log group."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.compliance import violations
from landing_zone.logging import CIS_TRAIL_ALARMS, TrailAlarms
from landing_zone.logging.trail_alarms import TRAIL_INTEGRITY_ALARMS, kebab_case

TOPIC = "arn:aws:sns:eu-central-1:111111111111:security-alarms"
PAGING = "arn:aws:sns:eu-central-1:111111111111:security-pages"

# The patterns of the Security Hub user guide, controls CloudWatch.1-14, written out again here
# so that an edit of the module's copy fails this test.
EXPECTED_PATTERNS = {
    "RootUserUsage": (
        '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && '
        '$.eventType !="AwsServiceEvent"}'
    ),
    "UnauthorizedApiCalls": (
        '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}'
    ),
    "ConsoleSignInWithoutMfa": (
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
        '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }'
    ),
    "IamPolicyChanges": (
        "{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || "
        "($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || "
        "($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || "
        "($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || "
        "($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || "
        "($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || "
        "($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || "
        "($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}"
    ),
    "CloudTrailChanges": (
        "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) "
        "|| ($.eventName=StartLogging) || ($.eventName=StopLogging)}"
    ),
    "ConsoleAuthenticationFailures": (
        '{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}'
    ),
    "KmsKeyDisabledOrScheduledForDeletion": (
        "{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || "
        "($.eventName=ScheduleKeyDeletion))}"
    ),
    "S3BucketPolicyChanges": (
        "{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || "
        "($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || "
        "($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || "
        "($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || "
        "($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}"
    ),
    "ConfigChanges": (
        "{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || "
        "($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || "
        "($.eventName=PutConfigurationRecorder))}"
    ),
    "SecurityGroupChanges": (
        "{($.eventName=AuthorizeSecurityGroupIngress) || "
        "($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) "
        "|| ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || "
        "($.eventName=DeleteSecurityGroup)}"
    ),
    "NetworkAclChanges": (
        "{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || "
        "($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || "
        "($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}"
    ),
    "NetworkGatewayChanges": (
        "{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || "
        "($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || "
        "($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}"
    ),
    "RouteTableChanges": (
        "{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || "
        "($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || "
        "($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || "
        "($.eventName=DisassociateRouteTable)}"
    ),
    "VpcChanges": (
        "{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) "
        "|| ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) "
        "|| ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) "
        "|| ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || "
        "($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}"
    ),
}


def _stack(**props: Any) -> tuple[Stack, TrailAlarms]:
    stack = Stack(
        App(context=cdk_context()),
        "Organization",
        env=Environment(account="111111111111", region="eu-central-1"),
    )
    alarms = TrailAlarms(
        stack,
        "TrailAlarms",
        log_group=logs.LogGroup.from_log_group_name(stack, "TrailLogs", "organization-trail"),
        alarm_topic=sns.Topic.from_topic_arn(stack, "Topic", TOPIC),
        **props,
    )
    return stack, alarms


@pytest.fixture(scope="module")
def built() -> tuple[Stack, TrailAlarms]:
    return _stack()


def _by_id(stack: Stack, resource_type: str) -> dict[str, Any]:
    return dict(Template.from_stack(stack).find_resources(resource_type))


def test_one_filter_and_alarm_per_security_hub_control(built: tuple[Stack, TrailAlarms]) -> None:
    stack, alarms = built
    assert [c.security_hub_control for c in CIS_TRAIL_ALARMS] == [
        f"CloudWatch.{n}" for n in range(1, 15)
    ]
    integrity = [c.name for c in TRAIL_INTEGRITY_ALARMS]
    assert list(alarms.alarms) == [*EXPECTED_PATTERNS, *integrity]
    assert len(_by_id(stack, "AWS::Logs::MetricFilter")) == 14 + len(integrity)
    assert len(_by_id(stack, "AWS::CloudWatch::Alarm")) == 14 + len(integrity)


@pytest.mark.parametrize("name", list(EXPECTED_PATTERNS))
def test_filter_pattern_is_the_prescribed_one(built: tuple[Stack, TrailAlarms], name: str) -> None:
    stack, alarms = built
    logical_id = stack.resolve(alarms.metric_filters[name].node.default_child.logical_id)  # type: ignore[union-attr]
    metric_filter = _by_id(stack, "AWS::Logs::MetricFilter")[logical_id]["Properties"]
    assert metric_filter == {
        "FilterName": f"lz-cis-{kebab_case(name)}",
        "FilterPattern": EXPECTED_PATTERNS[name],
        "LogGroupName": "organization-trail",
        "MetricTransformations": [
            {"MetricName": name, "MetricNamespace": "LandingZone/CloudTrail", "MetricValue": "1"}
        ],
    }


@pytest.mark.parametrize("control", CIS_TRAIL_ALARMS, ids=lambda c: c.name)
def test_alarm_fires_on_the_first_event_and_notifies_the_topic(
    built: tuple[Stack, TrailAlarms], control: Any
) -> None:
    stack, alarms = built
    logical_id = stack.resolve(alarms.alarms[control.name].node.default_child.logical_id)  # type: ignore[union-attr]
    assert _by_id(stack, "AWS::CloudWatch::Alarm")[logical_id]["Properties"] == {
        "AlarmActions": [TOPIC],
        "AlarmDescription": f"{control.security_hub_control}: {control.description}",
        "AlarmName": f"lz-cis-{kebab_case(control.name)}",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "MetricName": control.name,
        "Namespace": "LandingZone/CloudTrail",
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
    }


def test_construct_ids_are_control_names(built: tuple[Stack, TrailAlarms]) -> None:
    _, alarms = built
    assert (
        alarms.alarms["RootUserUsage"].node.path == "Organization/TrailAlarms/RootUserUsage/Alarm"
    )
    assert (
        alarms.metric_filters["VpcChanges"].node.path
        == "Organization/TrailAlarms/VpcChanges/Filter"
    )


def test_metric_namespace_override() -> None:
    stack, _ = _stack(metric_namespace="Acme/Trail")
    for metric_filter in _by_id(stack, "AWS::Logs::MetricFilter").values():
        (transformation,) = metric_filter["Properties"]["MetricTransformations"]
        assert transformation["MetricNamespace"] == "Acme/Trail"
    for alarm in _by_id(stack, "AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["Namespace"] == "Acme/Trail"


@pytest.mark.parametrize("namespace", ["", "AWS/CloudTrail"])
def test_rejects_reserved_or_empty_namespaces(namespace: str) -> None:
    with pytest.raises(ValueError, match=f"metric_namespace: got {namespace!r}"):
        _stack(metric_namespace=namespace)


def test_alarms_pass_the_compliance_packs(built: tuple[Stack, TrailAlarms]) -> None:
    stack, _ = built
    assert violations(stack) == {}


# --- the landing zone's own alarms and the protected names ---------------------------------


def test_names_are_under_the_prefix() -> None:
    stack, _ = _stack(name_prefix="acme-")
    for resource_type, key in (
        ("AWS::Logs::MetricFilter", "FilterName"),
        ("AWS::CloudWatch::Alarm", "AlarmName"),
    ):
        names = [r["Properties"][key] for r in _by_id(stack, resource_type).values()]
        assert len(names) == 16
        assert all(name.startswith(("acme-cis-", "acme-trail-")) for name in names)


def test_rejects_a_prefix_no_name_can_bear() -> None:
    with pytest.raises(ValueError, match="name_prefix: got 'lz:'"):
        _stack(name_prefix="lz:")


@pytest.mark.parametrize(
    ("name", "events"),
    [
        (
            "CloudTrailSelectorChanges",
            ["PutEventSelectors", "PutInsightSelectors", "StopEventDataStoreIngestion"],
        ),
        (
            "OrganizationsPolicyChanges",
            [
                "CreatePolicy",
                "UpdatePolicy",
                "AttachPolicy",
                "DetachPolicy",
                "DeletePolicy",
                "EnablePolicyType",
                "DisablePolicyType",
                "RegisterDelegatedAdministrator",
                "DeregisterDelegatedAdministrator",
            ],
        ),
    ],
)
def test_integrity_alarms_watch_what_the_cis_set_misses_and_page(
    name: str, events: list[str]
) -> None:
    stack, alarms = _stack(paging_topic=sns.Topic.from_topic_arn(Stack(), "Paging", PAGING))
    control = next(c for c in TRAIL_INTEGRITY_ALARMS if c.name == name)
    for event in events:
        assert f"($.eventName={event})" in control.filter_pattern
        assert event not in EXPECTED_PATTERNS["CloudTrailChanges"]
    logical_id = stack.resolve(alarms.alarms[name].node.default_child.logical_id)  # type: ignore[union-attr]
    alarm = _by_id(stack, "AWS::CloudWatch::Alarm")[logical_id]["Properties"]
    assert alarm["AlarmActions"] == [PAGING]
    assert alarm["AlarmName"] == f"lz-trail-{kebab_case(name)}"
    assert alarm["AlarmDescription"].startswith("Landing zone: ")
