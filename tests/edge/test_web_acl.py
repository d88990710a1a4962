"""WebAcl: managed rule groups, rate limit, incident-response block list, redacted logging."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Aws, Environment, Stack
from aws_cdk import aws_wafv2 as wafv2
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of

from landing_zone.compliance import violations
from landing_zone.edge import MANAGED_RULE_GROUPS, WebAcl, waf_log_bucket_name
from landing_zone.edge.web_acl import custom_rule

ENV = Environment(account="333333333333", region="eu-west-1")
S3_DESTINATION = "arn:aws:s3:::aws-waf-logs-acme-333333333333-eu-west-1"
ALB_ARN = (
    "arn:aws:elasticloadbalancing:eu-west-1:333333333333:loadbalancer/app/web/0123456789abcdef"
)


def _stack(region: str = "eu-west-1") -> Stack:
    return Stack(
        App(context=cdk_context()), "Edge", env=Environment(account=ENV.account, region=region)
    )


def _web_acl(stack: Stack | None = None, **props: Any) -> WebAcl:
    props.setdefault("log_destination_arn", S3_DESTINATION)
    return WebAcl(stack or _stack(), "WebAcl", **props)


def _template(**props: Any) -> Template:
    return Template.from_stack(Stack.of(_web_acl(**props)))


@pytest.fixture(scope="module")
def template() -> Template:
    return _template()


def _only(template: Template, resource_type: str) -> dict[str, Any]:
    found = template.find_resources(resource_type)
    assert len(found) == 1, f"{len(found)} {resource_type}"
    return dict(next(iter(found.values()))["Properties"])


def _rules(template: Template) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in _only(template, "AWS::WAFv2::WebACL")["Rules"]}


def _custom_rule(name: str, priority: int, *, metrics: bool = True) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block=wafv2.CfnWebACL.BlockActionProperty()),
        statement=wafv2.CfnWebACL.StatementProperty(
            geo_match_statement=wafv2.CfnWebACL.GeoMatchStatementProperty(country_codes=["KP"])
        ),
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=metrics,
            metric_name=name,
            sampled_requests_enabled=True,
        ),
    )


def test_web_acl_allows_by_default_with_metrics_and_samples(template: Template) -> None:
    acl = _only(template, "AWS::WAFv2::WebACL")
    assert acl["DefaultAction"] == {"Allow": {}}
    assert acl["Scope"] == "REGIONAL"
    assert acl["Name"] == "landing-zone"
    assert acl["VisibilityConfig"] == {
        "CloudWatchMetricsEnabled": True,
        "MetricName": "landing-zone",
        "SampledRequestsEnabled": True,
    }
    for rule in acl["Rules"]:
        assert rule["VisibilityConfig"] == {
            "CloudWatchMetricsEnabled": True,
            "MetricName": rule["Name"],
            "SampledRequestsEnabled": True,
        }


def test_block_list_rule_comes_first_and_blocks_both_ip_sets(template: Template) -> None:
    acl = _only(template, "AWS::WAFv2::WebACL")
    first = min(acl["Rules"], key=lambda rule: rule["Priority"])
    assert first["Name"] == "BlockList"
    assert first["Priority"] == 0
    assert first["Action"] == {"Block": {}}
    references = [
        statement["IPSetReferenceStatement"]["Arn"]["Fn::GetAtt"]
        for statement in first["Statement"]["OrStatement"]["Statements"]
    ]
    ip_sets = template.find_resources("AWS::WAFv2::IPSet")
    assert sorted(references) == sorted([logical_id, "Arn"] for logical_id in ip_sets)
    versions = {
        ip_set["Properties"]["IPAddressVersion"]: ip_set["Properties"]
        for ip_set in ip_sets.values()
    }
    assert versions["IPV4"]["Name"] == "landing-zone-block-ipv4"
    assert versions["IPV6"]["Name"] == "landing-zone-block-ipv6"
    for ip_set in versions.values():
        assert ip_set["Addresses"] == []
        assert ip_set["Scope"] == "REGIONAL"


def test_block_list_is_exposed_for_playbooks() -> None:
    acl = _web_acl()
    assert acl.block_list.ip_address_version == "IPV4"
    assert acl.block_list.name == "landing-zone-block-ipv4"
    assert acl.block_list_ipv6.ip_address_version == "IPV6"
    stack = Stack.of(acl)
    assert stack.resolve(acl.block_list.attr_arn) == {
        "Fn::GetAtt": [logical_id_of(acl.block_list), "Arn"]
    }
    # Pinned: a new logical id would replace the set and drop the addresses playbooks added.
    assert logical_id_of(acl.block_list) == "WebAclBlockListIpv4F8D9ECD4"
    assert logical_id_of(acl.block_list_ipv6) == "WebAclBlockListIpv60BCD005D"


EXPECTED_GROUP_PRIORITIES = [
    ("AWSManagedRulesAmazonIpReputationList", 1),
    ("AWSManagedRulesAnonymousIpList", 2),
    ("AWSManagedRulesCommonRuleSet", 3),
    ("AWSManagedRulesKnownBadInputsRuleSet", 4),
    ("AWSManagedRulesSQLiRuleSet", 5),
]


@pytest.mark.parametrize(("group", "priority"), EXPECTED_GROUP_PRIORITIES)
def test_managed_rule_group_runs_with_its_own_actions(
    template: Template, group: str, priority: int
) -> None:
    rule = _rules(template)[group]
    assert rule["Priority"] == priority
    assert rule["Statement"] == {"ManagedRuleGroupStatement": {"Name": group, "VendorName": "AWS"}}
    assert rule["OverrideAction"] == {"None": {}}
    assert "Action" not in rule


def test_every_managed_rule_group_is_tested() -> None:
    assert tuple(group for group, _ in EXPECTED_GROUP_PRIORITIES) == MANAGED_RULE_GROUPS


def test_rate_rule_blocks_per_ip_after_the_managed_groups(template: Template) -> None:
    rule = _rules(template)["RateLimitPerIp"]
    assert rule["Priority"] == 6
    assert rule["Action"] == {"Block": {}}
    assert rule["Statement"] == {
        "RateBasedStatement": {
            "AggregateKeyType": "IP",
            "EvaluationWindowSec": 300,
            "Limit": 2000,
        }
    }


def test_rate_limit_can_be_set() -> None:
    rule = _rules(_template(rate_limit=10))["RateLimitPerIp"]
    assert rule["Statement"]["RateBasedStatement"]["Limit"] == 10


def test_custom_rules_follow_the_construct_rules() -> None:
    template = _template(custom_rules=[_custom_rule("GeoBlock", 100)])
    rules = _rules(template)
    assert len(rules) == 8
    assert rules["GeoBlock"]["Priority"] == 100
    assert rules["GeoBlock"]["Statement"] == {"GeoMatchStatement": {"CountryCodes": ["KP"]}}


def test_logging_redacts_credentials_and_goes_to_an_aws_waf_logs_destination(
    template: Template,
) -> None:
    logging = _only(template, "AWS::WAFv2::LoggingConfiguration")
    assert logging["LogDestinationConfigs"] == [S3_DESTINATION]
    assert logging["RedactedFields"] == [
        {"SingleHeader": {"Name": "authorization"}},
        {"SingleHeader": {"Name": "cookie"}},
    ]
    web_acl = next(iter(template.find_resources("AWS::WAFv2::WebACL")))
    assert logging["ResourceArn"] == {"Fn::GetAtt": [web_acl, "Arn"]}
    assert "LoggingFilter" not in logging  # every request is logged


@pytest.mark.parametrize(
    "destination",
    [
        "arn:aws:logs:eu-west-1:333333333333:log-group:aws-waf-logs-edge",
        "arn:aws:logs:eu-west-1:333333333333:log-group:aws-waf-logs-edge:*",
        "arn:aws:firehose:eu-west-1:333333333333:deliverystream/aws-waf-logs-edge",
        f"arn:{Aws.PARTITION}:s3:::aws-waf-logs-edge",
    ],
)
def test_log_destination_may_be_a_log_group_a_stream_or_a_token(destination: str) -> None:
    logging = _only(_template(log_destination_arn=destination), "AWS::WAFv2::LoggingConfiguration")
    assert len(logging["LogDestinationConfigs"]) == 1


def test_logging_filter_is_passed_through() -> None:
    only_blocked = {
        "DefaultBehavior": "DROP",
        "Filters": [
            {
                "Behavior": "KEEP",
                "Requirement": "MEETS_ANY",
                "Conditions": [{"ActionCondition": {"Action": "BLOCK"}}],
            }
        ],
    }
    logging = _only(_template(logging_filter=only_blocked), "AWS::WAFv2::LoggingConfiguration")
    assert logging["LoggingFilter"] == only_blocked


def test_association_protects_a_regional_resource() -> None:
    acl = _web_acl()
    acl.associate("Alb", ALB_ARN)
    association = _only(Template.from_stack(Stack.of(acl)), "AWS::WAFv2::WebACLAssociation")
    assert association == {
        "ResourceArn": ALB_ARN,
        "WebACLArn": {"Fn::GetAtt": [logical_id_of(acl), "Arn"]},
    }


def test_cloudfront_web_acl_in_us_east_1() -> None:
    acl = _web_acl(_stack("us-east-1"), web_acl_scope="CLOUDFRONT")
    template = Template.from_stack(Stack.of(acl))
    assert _only(template, "AWS::WAFv2::WebACL")["Scope"] == "CLOUDFRONT"
    for ip_set in template.find_resources("AWS::WAFv2::IPSet").values():
        assert ip_set["Properties"]["Scope"] == "CLOUDFRONT"


def test_cloudfront_web_acl_in_an_environment_agnostic_stack() -> None:
    stack = Stack(App(context=cdk_context()), "Edge")
    acl = _web_acl(stack, web_acl_scope="CLOUDFRONT")
    assert acl.web_acl_scope == "CLOUDFRONT"


def test_rejects_cloudfront_outside_us_east_1() -> None:
    with pytest.raises(ValueError, match="web_acl_scope 'CLOUDFRONT' needs a stack in us-east-1"):
        _web_acl(web_acl_scope="CLOUDFRONT")


def test_rejects_unknown_scope() -> None:
    with pytest.raises(ValueError, match="web_acl_scope must be one of REGIONAL, CLOUDFRONT"):
        _web_acl(web_acl_scope="GLOBAL")


def test_rejects_association_on_cloudfront() -> None:
    acl = _web_acl(_stack("us-east-1"), web_acl_scope="CLOUDFRONT")
    with pytest.raises(ValueError, match="associate: web_acl_scope is 'CLOUDFRONT'"):
        acl.associate("Distribution", "arn:aws:cloudfront::333333333333:distribution/E1")


@pytest.mark.parametrize("rate_limit", [9, 2_000_000_001, 0, True])
def test_rejects_rate_limit_out_of_range(rate_limit: int) -> None:
    with pytest.raises(ValueError, match=r"rate_limit must be 10-2,000,000,000 .* received"):
        _web_acl(rate_limit=rate_limit)


def test_accepts_rate_limit_bounds() -> None:
    _web_acl(rate_limit=10)
    _web_acl(rate_limit=2_000_000_000)


@pytest.mark.parametrize(
    "destination",
    [
        "arn:aws:s3:::acme-logs-333333333333",  # the log archive bucket: no prefix
        "arn:aws:s3:::aws-waf-logs-edge/prefix",
        "arn:aws:logs:eu-west-1:333333333333:log-group:/aws/waf/edge",
        "arn:aws:firehose:eu-west-1:333333333333:deliverystream/waf-logs",
        "arn:aws:kinesis:eu-west-1:333333333333:stream/aws-waf-logs-edge",
        "aws-waf-logs-edge",
    ],
)
def test_rejects_destination_without_the_prefix(destination: str) -> None:
    with pytest.raises(ValueError, match="log_destination_arn must be the ARN of"):
        _web_acl(log_destination_arn=destination)


def test_rejects_duplicate_custom_priorities() -> None:
    with pytest.raises(ValueError, match="rule 'Second' has priority 100"):
        _web_acl(custom_rules=[_custom_rule("First", 100), _custom_rule("Second", 100)])


@pytest.mark.parametrize("priority", [0, 6, 99])
def test_rejects_custom_priority_among_the_construct_rules(priority: int) -> None:
    with pytest.raises(ValueError, match=f"has priority {priority}; custom rules need"):
        _web_acl(custom_rules=[_custom_rule("GeoBlock", priority)])


@pytest.mark.parametrize("name", ["BlockList", "RateLimitPerIp", "AWSManagedRulesSQLiRuleSet"])
def test_rejects_custom_rule_named_like_a_construct_rule(name: str) -> None:
    with pytest.raises(ValueError, match=f"received {name!r} more than once or reserved"):
        _web_acl(custom_rules=[_custom_rule(name, 100)])


def test_rejects_duplicate_custom_rule_names() -> None:
    with pytest.raises(ValueError, match="received 'GeoBlock' more than once"):
        _web_acl(custom_rules=[_custom_rule("GeoBlock", 100), _custom_rule("GeoBlock", 101)])


def test_rejects_custom_rule_without_metrics() -> None:
    with pytest.raises(ValueError, match="rule 'GeoBlock' must have cloud_watch_metrics_enabled"):
        _web_acl(custom_rules=[_custom_rule("GeoBlock", 100, metrics=False)])


@pytest.mark.parametrize("name", ["", "landing zone", "a" * 118])
def test_rejects_bad_name(name: str) -> None:
    with pytest.raises(ValueError, match="name must be 1-117 letters"):
        _web_acl(name=name)


def test_rejects_logging_filter_without_filters() -> None:
    with pytest.raises(ValueError, match="logging_filter must have DefaultBehavior"):
        _web_acl(logging_filter={"DefaultBehavior": "DROP", "Filters": []})


def test_waf_log_bucket_name_is_deterministic_and_fits() -> None:
    assert (
        waf_log_bucket_name("acme", "333333333333", "eu-west-1")
        == "aws-waf-logs-acme-333333333333-eu-west-1"
    )
    longest = waf_log_bucket_name("a" * 31 + "b", "333333333333", "ap-southeast-1")
    assert longest.startswith("aws-waf-logs-aaaa")
    assert longest.endswith("-333333333333-ap-southeast-1")
    assert len(longest) == 63
    # A hyphen where the organization name is cut never doubles the separator.
    cut = waf_log_bucket_name("a" * 21 + "-bcd", "333333333333", "ap-southeast-1")
    assert "--" not in cut


def test_waf_log_bucket_name_takes_tokens_for_a_stackset() -> None:
    name = waf_log_bucket_name("a" * 32, Aws.ACCOUNT_ID, Aws.REGION)
    resolved = Stack(App(context=cdk_context()), "Names").resolve(name)
    parts = resolved["Fn::Join"][1]
    literal = "".join(part for part in parts if isinstance(part, str))
    assert literal.startswith("aws-waf-logs-")
    assert len(literal) + 12 + 15 <= 63  # with a 12-digit account and a 15-character region


@pytest.mark.parametrize(
    ("organization", "account", "region", "parameter"),
    [
        ("Acme", "333333333333", "eu-west-1", "organization_name"),
        ("acme", "3333", "eu-west-1", "account_id"),
        ("acme", "333333333333", "Europe", "region"),
    ],
)
def test_waf_log_bucket_name_rejects_bad_input(
    organization: str, account: str, region: str, parameter: str
) -> None:
    with pytest.raises(ValueError, match=f"{parameter} must be"):
        waf_log_bucket_name(organization, account, region)


def test_no_compliance_findings() -> None:
    acl = _web_acl()
    acl.associate("Alb", ALB_ARN)
    assert violations(Stack.of(acl)) == {}


def test_compliance_packs_flag_a_web_acl_without_logging() -> None:
    """The check above can fail: the NIST and PCI packs look for the logging configuration."""
    stack = _stack()
    wafv2.CfnWebACL(
        stack,
        "Bare",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(
            allow=wafv2.CfnWebACL.AllowActionProperty()
        ),
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name="bare", sampled_requests_enabled=True
        ),
    )
    assert "WAFv2LoggingEnabled" in str(violations(stack))


# --- rules from config -----------------------------------------------------------------------


def test_custom_rule_blocks_countries() -> None:
    rule = custom_rule(name="Sanctioned", priority=100, country_codes=["KP", "IR"])
    rules = _rules(_template(custom_rules=[rule]))
    assert rules["Sanctioned"]["Priority"] == 100
    assert rules["Sanctioned"]["Action"] == {"Block": {}}
    assert rules["Sanctioned"]["Statement"] == {"GeoMatchStatement": {"CountryCodes": ["KP", "IR"]}}
    assert rules["Sanctioned"]["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True


def test_custom_rule_rate_limits_a_path_and_can_only_count() -> None:
    rule = custom_rule(
        name="Login",
        priority=110,
        action="count",
        uri_path_starts_with="/login",
        rate_limit=100,
    )
    login = _rules(_template(custom_rules=[rule]))["Login"]
    assert login["Action"] == {"Count": {}}
    rate = login["Statement"]["RateBasedStatement"]
    assert rate["Limit"] == 100
    assert rate["AggregateKeyType"] == "IP"
    match = rate["ScopeDownStatement"]["ByteMatchStatement"]
    assert match["PositionalConstraint"] == "STARTS_WITH"
    assert match["SearchString"] == "/login"
    assert match["FieldToMatch"] == {"UriPath": {}}


@pytest.mark.parametrize(
    "props",
    [{}, {"country_codes": ["KP"], "uri_path_starts_with": "/admin"}],
)
def test_custom_rule_needs_exactly_one_match(props: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="exactly one of country_codes and uri_path_starts_with"):
        custom_rule(name="Bad", priority=100, **props)
