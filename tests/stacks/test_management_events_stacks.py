"""The reference app evaluates the management account's events in the security-tooling account:
alarms there, a forwarder in every region of the management account plus us-east-1."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from conftest import ReferenceApp

from landing_zone.common import ProtectedNamespace
from landing_zone.compliance import violations
from stacks.management_events import forwarder_regions

MANAGEMENT = "111111111111"
SECURITY_TOOLING = "333333333333"


def _resources(template: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == resource_type]


def test_alarms_live_in_the_security_tooling_home_region(reference_app: ReferenceApp) -> None:
    stack = reference_app.stacks["acme-pay-management-events"]
    assert (stack.account, stack.region) == (
        reference_app.config.core_account_id("security_tooling"),
        reference_app.config.organization.home_region,
    )
    assert stack.account != reference_app.config.core_account_id("management")
    template = reference_app.template("acme-pay-management-events")
    names = sorted(r["Properties"]["Name"] for r in _resources(template, "AWS::Events::Rule"))
    assert names == [
        "lz-management-alert-path-changes",
        "lz-management-break-glass",
        "lz-management-cloudtrail-changes",
        "lz-management-landing-zone-iam",
        "lz-management-organizations-policies",
        "lz-management-root-use",
    ]
    # The paging endpoints are subscribed, as for every page.
    endpoints = {
        r["Properties"]["Endpoint"] for r in _resources(template, "AWS::SNS::Subscription")
    }
    alerting = reference_app.config.detection.alerting
    assert {s.endpoint for s in alerting.paging_subscriptions} <= endpoints


def test_a_forwarder_in_every_governed_region_and_us_east_1(reference_app: ReferenceApp) -> None:
    regions = forwarder_regions(reference_app.config)
    assert "us-east-1" in regions
    assert set(reference_app.config.organization.governed_regions) <= set(regions)
    alarms = reference_app.stacks["acme-pay-management-events"]
    for region in regions:
        name = f"acme-pay-management-events-forwarder-{region}"
        stack = reference_app.stacks[name]
        assert (stack.account, stack.region) == (
            reference_app.config.core_account_id("management"),
            region,
        )
        assert alarms in stack.dependencies
        (rule,) = _resources(reference_app.template(name), "AWS::Events::Rule")
        (target,) = rule["Properties"]["Targets"]
        assert target["Arn"] == {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    f":events:{alarms.region}:{alarms.account}:event-bus/lz-management-events",
                ],
            ]
        }


def test_topics_of_the_trail_stack_deny_changes_to_non_landing_zone_principals(
    reference_app: ReferenceApp,
) -> None:
    template = reference_app.template("acme-pay-organization-trail")
    names = sorted(r["Properties"]["TopicName"] for r in _resources(template, "AWS::SNS::Topic"))
    assert names == ["lz-cloudtrail-alarms", "lz-cloudtrail-paging"]
    for policy in _resources(template, "AWS::SNS::TopicPolicy"):
        (deny,) = [
            s
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if s.get("Sid") == "DenyChangesButByLandingZone"
        ]
        exempt = deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
        assert "arn:aws:iam::*:role/lz-*" in exempt
        # The deployer must keep updating the stack.
        deployer = f"arn:aws:iam::{MANAGEMENT}:role/cdk-lzone-cfn-exec-role-{MANAGEMENT}-eu-west-1"
        assert any(fnmatchcase(deployer, pattern) for pattern in exempt)


def test_new_stacks_stay_small(reference_app: ReferenceApp) -> None:
    for name in reference_app.stacks:
        if name.startswith("acme-pay-management-events"):
            assert len(reference_app.template(name)["Resources"]) < 400


def test_stacks_are_marked_so_the_protected_namespace_rule_applies(
    reference_app: ReferenceApp,
) -> None:
    names = [n for n in reference_app.stacks if n.startswith("acme-pay-management-events")]
    names.append("acme-pay-organization-trail")
    for name in names:
        assert reference_app.stacks[name].node.try_find_child(ProtectedNamespace.ID), name
        # Marked, so every generated name would be a finding: the trail's log group keeps its
        # name, acknowledged beside it with its reason.
        assert violations(reference_app.stacks[name]) == {}, name
    trail = reference_app.template("acme-pay-organization-trail")
    (log_group,) = [r for r in trail["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert "LogGroupName" not in log_group["Properties"]
