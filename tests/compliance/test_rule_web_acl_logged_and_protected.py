from collections.abc import Callable

import pytest
from aws_cdk import App, CfnParameter, CfnResource, Fn, Stack, Token
from aws_cdk import aws_wafv2 as wafv2
from cdk_nag import NagRuleCompliance
from conftest import cdk_context
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import web_acl_logged_and_protected
from landing_zone.edge import WebAcl

RULE = "Fintech-WebAclLoggedAndProtected"
DESTINATION = "arn:aws:s3:::aws-waf-logs-acme-111111111111-eu-west-1"
COMMON = "AWSManagedRulesCommonRuleSet"
COUNT = wafv2.CfnWebACL.OverrideActionProperty(count={})
VISIBILITY = wafv2.CfnWebACL.VisibilityConfigProperty(
    cloud_watch_metrics_enabled=True, metric_name="acl", sampled_requests_enabled=True
)


@pytest.fixture
def stack() -> Stack:
    return Stack(App(context=cdk_context(), builtin_cloud_formation_validation=False), "Test")


def _managed(
    name: str = COMMON, *, vendor: str = "AWS", override: object = None
) -> wafv2.CfnWebACL.RuleProperty:
    """A rule of the managed rule group ``name``, leaving the actions of its rules alone
    (OverrideAction None) unless ``override`` is given."""
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=1,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={})
        if override is None
        else override,
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name=vendor, name=name
            )
        ),
        visibility_config=VISIBILITY,
    )


def _geo_block() -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name="GeoBlock",
        priority=2,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            geo_match_statement=wafv2.CfnWebACL.GeoMatchStatementProperty(country_codes=["KP"])
        ),
        visibility_config=VISIBILITY,
    )


def _acl(
    *rules: wafv2.CfnWebACL.RuleProperty, logged_by: Callable[[wafv2.CfnWebACL], str] | None = None
) -> Callable[[Stack], CfnResource]:
    """An L1 web ACL of ``rules``, logged by a configuration whose ResourceArn is
    ``logged_by(acl)`` (not logged when None)."""

    def build(stack: Stack) -> CfnResource:
        acl = wafv2.CfnWebACL(
            stack,
            "Acl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=VISIBILITY,
            rules=list(rules),
        )
        if logged_by is not None:
            wafv2.CfnLoggingConfiguration(
                stack,
                "Logging",
                resource_arn=logged_by(acl),
                log_destination_configs=[DESTINATION],
            )
        return acl

    return build


def _arn(acl: wafv2.CfnWebACL) -> str:
    return acl.attr_arn


def _logged(*rules: wafv2.CfnWebACL.RuleProperty) -> Callable[[Stack], CfnResource]:
    return _acl(*rules, logged_by=_arn)


def _web_acl(stack: Stack) -> CfnResource:
    return WebAcl(stack, "WebAcl", log_destination_arn=DESTINATION).resource


PLAIN_VISIBILITY = {
    "CloudWatchMetricsEnabled": True,
    "MetricName": "acl",
    "SampledRequestsEnabled": True,
}


def _plain_acl(stack: Stack) -> CfnResource:
    """Plain resources with CloudFormation's own keys."""
    acl = CfnResource(
        stack,
        "Plain",
        type="AWS::WAFv2::WebACL",
        properties={
            "Scope": "REGIONAL",
            "DefaultAction": {"Allow": {}},
            "VisibilityConfig": PLAIN_VISIBILITY,
            "Rules": [
                {
                    "Name": COMMON,
                    "Priority": 1,
                    "OverrideAction": {"None": {}},
                    "Statement": {
                        "ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": COMMON}
                    },
                    "VisibilityConfig": PLAIN_VISIBILITY,
                }
            ],
        },
    )
    CfnResource(
        stack,
        "PlainLogging",
        type="AWS::WAFv2::LoggingConfiguration",
        properties={
            "ResourceArn": acl.get_att("Arn"),
            "LogDestinationConfigs": [DESTINATION],
        },
    )
    return acl


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_web_acl, id="landing-zone-web-acl"),
        pytest.param(_logged(_managed()), id="l1"),
        pytest.param(
            _logged(_managed("AWSManagedRulesSQLiRuleSet"), _geo_block(), _managed()),
            id="among-other-rules",
        ),
        pytest.param(_plain_acl, id="plain-cfn-resources"),
    ],
)
def test_logged_acls_blocking_with_the_common_rule_set_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert web_acl_logged_and_protected(view(build(stack))) == NagRuleCompliance.COMPLIANT


def _other_acl_logged(stack: Stack) -> CfnResource:
    _web_acl(stack)
    return _acl(_managed())(stack)


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        pytest.param(_acl(_managed()), ["NoLogging"], id="not-logged"),
        # A web ACL's Ref is "name|id|scope", not the ARN WAF needs.
        pytest.param(_acl(_managed(), logged_by=lambda acl: acl.ref), ["NoLogging"], id="ref"),
        pytest.param(_other_acl_logged, ["NoLogging"], id="another-acl-logged"),
        pytest.param(_logged(), ["NoCommonRuleSet"], id="no-rules"),
        pytest.param(_logged(_geo_block()), ["NoCommonRuleSet"], id="custom-rule-only"),
        pytest.param(
            _logged(_managed("AWSManagedRulesSQLiRuleSet")),
            ["NoCommonRuleSet"],
            id="other-managed-group",
        ),
        pytest.param(_logged(_managed(override=COUNT)), ["NoCommonRuleSet"], id="counted"),
        pytest.param(
            _logged(_managed(vendor="ThirdParty")), ["NoCommonRuleSet"], id="other-vendor"
        ),
        pytest.param(_acl(_geo_block()), ["NoLogging", "NoCommonRuleSet"], id="neither"),
    ],
)
def test_reports_missing_logging_and_common_rule_set(
    stack: Stack, build: Callable[[Stack], CfnResource], expected: list[str]
) -> None:
    assert web_acl_logged_and_protected(view(build(stack))) == expected


def _vendor_from_parameter(stack: Stack) -> CfnResource:
    return _logged(_managed(vendor=CfnParameter(stack, "Vendor").value_as_string))(stack)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            _acl(
                _managed(),
                logged_by=lambda acl: Token.as_string(
                    Fn.condition_if("Logged", acl.attr_arn, "arn:aws:wafv2:other")
                ),
            ),
            "cannot tell whether the logging configuration Test/Logging logs this web ACL",
            id="resource-arn-conditional",
        ),
        pytest.param(
            _vendor_from_parameter,
            "cannot check .*Ref.*: it is not a literal string",
            id="vendor-from-parameter",
        ),
        pytest.param(
            _logged(_managed(override=Fn.condition_if("Trial", {"Count": {}}, {"None": {}}))),
            "cannot read 'Count': .* not a literal object",
            id="override-conditional",
        ),
    ],
)
def test_rejects_a_web_acl_it_cannot_read(
    stack: Stack, build: Callable[[Stack], CfnResource], message: str
) -> None:
    acl = build(stack)

    resource = view(acl)
    with pytest.raises(TypeError, match=message):
        web_acl_logged_and_protected(resource)


def test_other_resources_are_not_applicable(stack: Stack) -> None:
    ip_set = wafv2.CfnIPSet(
        stack, "Blocked", scope="REGIONAL", ip_address_version="IPV4", addresses=[]
    )

    assert web_acl_logged_and_protected(view(ip_set)) == NagRuleCompliance.NOT_APPLICABLE


def test_pack_reports_the_granular_id_on_the_counting_acl(stack: Stack) -> None:
    _logged(_managed(override=COUNT))(stack)

    assert violations(stack, [FintechChecks()]) == {
        "Fintech": [f"{RULE}[NoCommonRuleSet]: Test/Acl"]
    }


def test_pack_passes_the_landing_zone_web_acl(stack: Stack) -> None:
    _web_acl(stack)

    assert violations(stack, [FintechChecks()]) == {}
