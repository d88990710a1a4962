"""How the reference app wires logging and detection: which account and region holds what, what
deploys first, and that stacks find each other's resources by derived names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from aws_cdk import App
from conftest import EXAMPLE_CONFIG, ReferenceApp, cdk_context, template_text

from landing_zone.config import LandingZoneConfig, parse_config
from stacks import build_landing_zone

LOG_BUCKET = "acme-pay-logs-222222222222"
CONFIG_BUCKET = "acme-pay-config-222222222222"
KEY_ALIAS_ARN = "arn:${AWS::Partition}:kms:eu-west-1:222222222222:alias/acme-pay/logs"


def _resources(template: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == resource_type]


def _dependencies(reference_app: ReferenceApp, name: str) -> set[str]:
    return {s.stack_name for s in reference_app.stacks[name].dependencies}


def test_trail_delivers_to_the_log_archive_with_its_key(reference_app: ReferenceApp) -> None:
    (trail,) = _resources(
        reference_app.template("acme-pay-organization-trail"), "AWS::CloudTrail::Trail"
    )
    properties = trail["Properties"]
    assert properties["S3BucketName"] == LOG_BUCKET
    assert template_text(properties["KMSKeyId"]) == KEY_ALIAS_ARN
    assert properties["IsOrganizationTrail"] is True
    assert properties["IsMultiRegionTrail"] is True
    assert properties["EnableLogFileValidation"] is True


def test_trail_waits_for_the_log_archive(reference_app: ReferenceApp) -> None:
    assert "acme-pay-log-archive" in _dependencies(reference_app, "acme-pay-organization-trail")


def _topic_subscriptions(template: dict[str, Any], topic_id: str) -> set[str]:
    return {
        r["Properties"]["Endpoint"]
        for r in _resources(template, "AWS::SNS::Subscription")
        if r["Properties"]["TopicArn"] == {"Ref": topic_id}
    }


def test_every_cis_alarm_notifies_the_encrypted_alarm_topic(reference_app: ReferenceApp) -> None:
    template = reference_app.template("acme-pay-organization-trail")
    topics = {lid: r for lid, r in template["Resources"].items() if r["Type"] == "AWS::SNS::Topic"}
    (topic_id,) = [lid for lid in topics if lid.startswith("AlarmTopic")]
    cis = [
        r
        for lid, r in template["Resources"].items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        and lid.startswith("TrailAlarms")
        and r["Properties"]["AlarmName"].startswith("lz-cis-")
    ]
    assert len(cis) == 14
    for alarm in cis:
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
    for topic in topics.values():
        assert "KmsMasterKeyId" in topic["Properties"]
    # Alert endpoints only: organization-wide AccessDenied alarms must not page the on-call.
    assert _topic_subscriptions(template, topic_id) == {"secops@acme-pay.example"}


def test_break_glass_use_pages_the_on_call(reference_app: ReferenceApp) -> None:
    template = reference_app.template("acme-pay-organization-trail")
    (paging_id,) = [
        lid
        for lid, r in template["Resources"].items()
        if r["Type"] == "AWS::SNS::Topic" and lid.startswith("PagingTopic")
    ]
    (alarm,) = [
        r
        for lid, r in template["Resources"].items()
        if r["Type"] == "AWS::CloudWatch::Alarm" and lid.startswith("BreakGlassAlarm")
    ]
    assert alarm["Properties"]["AlarmActions"] == [{"Ref": paging_id}]
    (metric_filter,) = [
        r
        for lid, r in template["Resources"].items()
        if r["Type"] == "AWS::Logs::MetricFilter" and lid.startswith("BreakGlassAlarm")
    ]
    pattern = metric_filter["Properties"]["FilterPattern"]
    # The BreakGlass permission set in every account, and the guardrails' break-glass role.
    assert '"AWSReservedSSO_BreakGlass_*"' in pattern
    assert '"lz-break-glass"' in pattern
    config = reference_app.config.detection.alerting
    endpoints = {s.endpoint for s in (*config.alert_subscriptions, *config.paging_subscriptions)}
    assert _topic_subscriptions(template, paging_id) == endpoints
    assert len(endpoints) > 1


def test_config_recorders_deliver_to_the_config_bucket(reference_app: ReferenceApp) -> None:
    for name in [
        "acmepaybaselinesAccountBaselineC4804E87.stackset",
        "acme-pay-management-baseline-eu-west-1",
        "acme-pay-management-baseline-us-east-1",
    ]:
        (channel,) = _resources(reference_app.template(name), "AWS::Config::DeliveryChannel")
        assert channel["Properties"]["S3BucketName"] == CONFIG_BUCKET, name
        assert channel["Properties"]["S3KeyPrefix"] == "config", name


def test_log_archive_holds_the_derived_bucket_names(reference_app: ReferenceApp) -> None:
    names = {
        b["Properties"]["BucketName"]
        for b in _resources(reference_app.template("acme-pay-log-archive"), "AWS::S3::Bucket")
    }
    assert names == {LOG_BUCKET, CONFIG_BUCKET, "acme-pay-s3-access-logs-222222222222"}


def test_log_bucket_follows_the_configured_object_lock(reference_app: ReferenceApp) -> None:
    (bucket,) = [
        b
        for b in _resources(reference_app.template("acme-pay-log-archive"), "AWS::S3::Bucket")
        if b["Properties"]["BucketName"] == LOG_BUCKET
    ]
    rule = bucket["Properties"]["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert rule == {"Mode": "COMPLIANCE", "Days": 400}


@pytest.mark.parametrize("region", ["eu-west-1", "eu-central-1", "us-east-1"])
def test_security_tooling_waits_for_admin_rights_log_archive_and_recorders(
    reference_app: ReferenceApp, region: str
) -> None:
    assert _dependencies(reference_app, f"acme-pay-security-tooling-{region}") >= {
        "acme-pay-organization",
        "acme-pay-log-archive",
        "acme-pay-baselines",
        "acme-pay-management-baseline-eu-west-1",
        "acme-pay-management-baseline-eu-central-1",
        "acme-pay-management-baseline-us-east-1",
    }


def test_home_region_holds_security_hub_aggregator_and_alerts(reference_app: ReferenceApp) -> None:
    home = reference_app.template("acme-pay-security-tooling-eu-west-1")
    (aggregator,) = _resources(home, "AWS::SecurityHub::FindingAggregator")
    assert sorted(aggregator["Properties"]["Regions"]) == ["eu-central-1", "us-east-1"]
    assert len(_resources(home, "AWS::Config::ConfigurationAggregator")) == 1
    assert len(_resources(home, "AWS::SNS::Topic")) == 2
    types = {a["Properties"]["Type"] for a in _resources(home, "AWS::AccessAnalyzer::Analyzer")}
    assert types == {"ORGANIZATION", "ORGANIZATION_UNUSED_ACCESS"}


@pytest.mark.parametrize("region", ["eu-central-1", "us-east-1"])
def test_other_regions_forward_findings_and_skip_global_resources(
    reference_app: ReferenceApp, region: str
) -> None:
    template = reference_app.template(f"acme-pay-security-tooling-{region}")
    assert _resources(template, "AWS::SecurityHub::FindingAggregator") == []
    # Only the topic of the forwarder's dead-letter alarm, told to the alert endpoints.
    assert len(_resources(template, "AWS::SNS::Topic")) == 1
    endpoints = {
        s["Properties"]["Endpoint"] for s in _resources(template, "AWS::SNS::Subscription")
    }
    assert endpoints == {"secops@acme-pay.example"}
    (forward,) = [
        r
        for r in _resources(template, "AWS::Events::Rule")
        if r["Properties"].get("Name") == "lz-guardduty-findings-forwarder"
    ]
    assert "eu-west-1" in template_text(forward["Properties"]["Targets"][0]["Arn"])
    types = {a["Properties"]["Type"] for a in _resources(template, "AWS::AccessAnalyzer::Analyzer")}
    assert types == {"ORGANIZATION"}


def test_guardduty_exports_to_the_log_archive_in_every_region(reference_app: ReferenceApp) -> None:
    for region in ["eu-west-1", "eu-central-1", "us-east-1"]:
        template = reference_app.template(f"acme-pay-security-tooling-{region}")
        (destination,) = _resources(template, "AWS::GuardDuty::PublishingDestination")
        properties = destination["Properties"]["DestinationProperties"]
        assert template_text(properties["DestinationArn"]).endswith(f":::{LOG_BUCKET}/guardduty/")
        assert template_text(properties["KmsKeyArn"]) == KEY_ALIAS_ARN


def test_custom_config_rules_are_deployed_to_the_organization(
    reference_app: ReferenceApp,
) -> None:
    template = reference_app.template("acme-pay-security-tooling-eu-west-1")
    identifiers = sorted(
        r["Properties"]["OrganizationManagedRuleMetadata"]["RuleIdentifier"]
        for r in _resources(template, "AWS::Config::OrganizationConfigRule")
    )
    assert identifiers == ["CLOUDTRAIL_S3_DATAEVENTS_ENABLED", "S3_DEFAULT_ENCRYPTION_KMS"]


def test_malware_protection_goes_to_the_buckets_account(reference_app: ReferenceApp) -> None:
    name = "acme-pay-malware-protection-payments-prod-eu-west-1"
    stack = reference_app.stacks[name]
    assert (stack.account, stack.region) == ("666666666666", "eu-west-1")
    (plan,) = _resources(reference_app.template(name), "AWS::GuardDuty::MalwareProtectionPlan")
    bucket = plan["Properties"]["ProtectedResource"]["S3Bucket"]["BucketName"]
    assert bucket == "acme-pay-kyc-uploads-666666666666"
    assert {s.stack_name for s in stack.dependencies} >= {
        f"acme-pay-security-tooling-{r}" for r in ["eu-west-1", "eu-central-1", "us-east-1"]
    }


def _variant(edit: Callable[[dict[str, Any]], None]) -> LandingZoneConfig:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    edit(data)
    return parse_config(yaml.safe_dump(data), "t.yaml")


def test_no_malware_protection_stack_without_protected_buckets() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["detection"]["guardduty"]["malware_protection_buckets"] = []

    stacks = build_landing_zone(App(context=cdk_context()), _variant(edit))
    assert not [s for s in stacks if "malware-protection" in s.stack_name]


def test_protected_buckets_are_grouped_by_account_and_region() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["detection"]["guardduty"]["malware_protection_buckets"] = [
            {"account": "payments-prod", "bucket": "uploads-a"},
            {"account": "payments-prod", "bucket": "uploads-b"},
            {"account": "payments-prod", "bucket": "uploads-c", "region": "us-east-1"},
        ]

    stacks = build_landing_zone(App(context=cdk_context()), _variant(edit))
    protection = {
        s.stack_name: len(s.node.children) for s in stacks if "malware-protection" in s.stack_name
    }
    assert sorted(protection) == [
        "acme-pay-malware-protection-payments-prod-eu-west-1",
        "acme-pay-malware-protection-payments-prod-us-east-1",
    ]
