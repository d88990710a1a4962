"""WAF web ACLs must log their traffic and block with AWS's common rule set.

Findings, each acknowledged on its own (``Fintech-WebAclLoggedAndProtected[NoLogging]``):

- ``NoLogging``: no ``AWS::WAFv2::LoggingConfiguration`` of the web ACL's stack names the ACL by
  ``Fn::GetAtt <id>.Arn`` in its ``ResourceArn``. ``Ref`` does not name it: a web ACL's ``Ref``
  is ``name|id|scope``, not an ARN (CloudFormation reference of ``AWS::WAFv2::WebACL``). Not
  seen, so reported: logging configured in another stack, by Firewall Manager or outside
  CloudFormation; acknowledge with the reason. Whether a ``LoggingFilter`` drops requests is not
  weighed.
- ``NoCommonRuleSet``: no rule of the ACL's ``Rules`` has, as its own statement, a
  ``ManagedRuleGroupStatement`` with ``VendorName: AWS`` and ``Name:
  AWSManagedRulesCommonRuleSet`` and an ``OverrideAction`` other than ``Count``, which would
  only count what the group matches. Top-level statements only: the group inside a rule group
  of the customer's, or in a ``ScopeDownStatement``, is not seen. The group's own
  ``RuleActionOverrides``, ``ExcludedRules`` and scope-down statement are not weighed: turning
  single rules to Count is how teams handle false positives, and a reviewer judges how many.

A logging configuration whose ``ResourceArn`` holds the ACL's logical id inside another
intrinsic (``Fn::If``), or a rule, statement, vendor, name or override action that is not
written in the template, cannot be read, and the rule does not pass it (TypeError).
"""

from collections.abc import Iterator
from typing import Any

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import (
    as_list,
    get_property,
    literal_string,
    mentions,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = frozenset({"AWS::WAFv2::WebACL"})

COMMON_RULE_SET = ("AWS", "AWSManagedRulesCommonRuleSet")
"""``VendorName`` and ``Name`` of the managed rule group every web ACL must block with."""

_LOGGING_CONFIGURATION = "AWS::WAFv2::LoggingConfiguration"


def web_acl_logged_and_protected(resource: Resource) -> RuleResult:
    """``NoLogging`` and ``NoCommonRuleSet`` findings, or compliant."""
    if resource.type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    findings = list(_findings(resource))
    return findings or NagRuleCompliance.COMPLIANT


def _findings(web_acl: Resource) -> Iterator[str]:
    if not _logged(web_acl):
        yield "NoLogging"
    rules = as_list(get_property(web_acl.properties, "Rules"))
    if not any(_blocks_with_common_rule_set(rule) for rule in rules):
        yield "NoCommonRuleSet"


def _logged(web_acl: Resource) -> bool:
    logical_id = web_acl.logical_id
    arn = {"Fn::GetAtt": [logical_id, "Arn"]}
    configurations = web_acl.template.related(_LOGGING_CONFIGURATION, "ResourceArn")
    if configurations.naming(arn):
        return True
    for configuration in configurations.unclear():
        target = get_property(configuration.properties, "ResourceArn")
        if target != arn and target != {"Ref": logical_id} and mentions(target, [logical_id]):
            raise TypeError(
                f"cannot tell whether the logging configuration {configuration.path} logs this "
                f"web ACL: its ResourceArn is {target!r}"
            )
    return False


def _blocks_with_common_rule_set(rule: Any) -> bool:
    statement = get_property(rule, "Statement")
    group = None if statement is None else get_property(statement, "ManagedRuleGroupStatement")
    if group is None:
        return False
    names = (
        literal_string(get_property(group, "VendorName")),
        literal_string(get_property(group, "Name")),
    )
    if names != COMMON_RULE_SET:
        return False
    override = get_property(rule, "OverrideAction")
    # Absent, WAF rejects the rule at deployment: it needs None or Count for a rule group.
    return override is None or get_property(override, "Count") is None


WEB_ACL_LOGGED_AND_PROTECTED = FintechRule(
    suffix="WebAclLoggedAndProtected",
    info=(
        "The WAF web ACL has no logging configuration in its stack naming it by Fn::GetAtt Arn "
        "(NoLogging), or no top-level rule of the AWS managed group AWSManagedRulesCommonRuleSet "
        "whose OverrideAction is not Count (NoCommonRuleSet) (in CDK: "
        "landing_zone.edge.WebAcl has both)."
    ),
    explanation=(
        "A public-facing web application is protected by an automated solution that blocks "
        "web-based attacks, or alerts on them for immediate investigation, and generates audit "
        "logs (PCI DSS 6.4.2, 10.2.1; NIST SC-7, SI-4, AU-12). The common rule set is AWS's "
        "baseline against the OWASP Top 10 (cross-site scripting, local file inclusion, "
        "oversized bodies); in Count mode it only counts. Without logs nobody can tell which "
        "requests were blocked or allowed during an attack. cdk-nag's WAFv2LoggingEnabled checks "
        "logging only."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=web_acl_logged_and_protected,
)
