"""An AWS WAF web ACL for regional resources (Application Load Balancers, API Gateway REST APIs)
or for CloudFront distributions, with AWS managed rule groups, per-IP rate limiting, a block list
that incident response fills, and logging with credentials redacted.

WAF logs need a destination whose name starts with ``aws-waf-logs-`` (WAF developer guide,
"Logging web ACL traffic"), so the log archive's WORM bucket cannot receive them. For an S3
destination the developer guide also asks for a bucket "from the same account as you use to
manage the web ACL" (page "logging-s3"): WAF logs therefore go to a dedicated bucket in the
workload account, named by :func:`waf_log_bucket_name`, which may replicate to the log archive.
Whether WAF can write straight to a bucket of another account is not documented and not verified
here; the construct does not rely on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from aws_cdk import Stack
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from landing_zone.common.patterns import ACCOUNT_ID, REGION
from landing_zone.common.tokens import is_unresolved

Scope = Literal["REGIONAL", "CLOUDFRONT"]
"""Where a web ACL applies: ``REGIONAL`` for ALBs, API Gateway, AppSync, Cognito user pools and
the like in the stack's region; ``CLOUDFRONT`` for distributions, managed in us-east-1."""

SCOPES: tuple[Scope, ...] = ("REGIONAL", "CLOUDFRONT")

CLOUDFRONT_REGION = "us-east-1"
"""The only region where web ACLs of scope ``CLOUDFRONT`` can be created."""

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesAnonymousIpList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)
"""AWS managed rule groups (vendor ``AWS``) every web ACL evaluates, in this order: addresses
known for bots and threats, then anonymizing services (VPNs, Tor, hosting providers), then the
OWASP-style common rule set, known bad inputs (Log4Shell and the like) and SQL injection. The
cheap IP-based groups go first so that a blocked address costs no body inspection."""

BLOCK_LIST_PRIORITY = 0
MANAGED_RULE_GROUP_PRIORITIES = {
    group: priority for priority, group in enumerate(MANAGED_RULE_GROUPS, start=1)
}
RATE_LIMIT_PRIORITY = len(MANAGED_RULE_GROUPS) + 1
CUSTOM_RULE_MIN_PRIORITY = 100
"""Custom rules take priorities from here on: they run after the construct's rules, and the
construct can add a rule of its own below 100 without renumbering anyone's."""

BLOCK_LIST_RULE = "BlockList"
RATE_LIMIT_RULE = "RateLimitPerIp"

RATE_LIMIT_MIN = 10
RATE_LIMIT_MAX = 2_000_000_000
"""The range of a rate-based statement's ``Limit`` (CloudFormation resource schema of
``AWS::WAFv2::WebACL``, ``RateLimit``; the WAF guide: "The lowest limit setting allowed is 10")."""

RATE_LIMIT_WINDOW_SECONDS = 300
"""The rate-based rule counts each IP's requests over the last 5 minutes (WAF's default
evaluation window, written out so the template says it)."""

REDACTED_HEADERS = ("authorization", "cookie")
"""Headers WAF replaces with ``REDACTED`` in its logs: bearer tokens, basic credentials and
session cookies must not land in a log that many people can read."""

LOG_NAME_PREFIX = "aws-waf-logs-"
"""WAF accepts only logging destinations whose name starts with this."""

_LOG_DESTINATION = re.compile(
    r"arn:aws[a-z-]*:("
    rf"s3:::{LOG_NAME_PREFIX}[a-z0-9.-]+"
    rf"|logs:[a-z0-9-]+:\d{{12}}:log-group:{LOG_NAME_PREFIX}[A-Za-z0-9_./#-]+(:\*)?"
    rf"|firehose:[a-z0-9-]+:\d{{12}}:deliverystream/{LOG_NAME_PREFIX}[A-Za-z0-9_.-]+"
    r")"
)
_NAME = re.compile(r"[0-9A-Za-z_-]{1,117}")
"""Web ACL names WAF accepts (1-128 of these characters), less the block lists' suffixes."""
_ORGANIZATION_NAME = re.compile(r"[a-z][a-z0-9-]{0,30}[a-z0-9]")
_MAX_REGION_LENGTH = 15
"""The longest region name today (``us-isof-south-1``), assumed when the region is a token."""
_MAX_BUCKET_NAME_LENGTH = 63


class WebAcl(Construct):
    """A web ACL that allows by default and blocks what its rules match, in priority order:

    0. **Block list** (``BlockList``): the IPv4 set :attr:`block_list` and the IPv6 set
       :attr:`block_list_ipv6`, created empty. Incident response blocks an address by calling
       ``wafv2:UpdateIPSet`` on them (name, id and scope are attributes here), without a
       deployment; a listed address is blocked before any other rule runs.
    1-5. **AWS managed rule groups** of :data:`MANAGED_RULE_GROUPS`, each with its own rules'
       actions (no override) and no pinned version, so AWS's default version applies.
    6. **Rate limit** (``RateLimitPerIp``): blocks an IP that sends more than ``rate_limit``
       requests in 5 minutes, until its rate falls back below.
    100+. ``custom_rules``.

    Every rule and the ACL publish CloudWatch metrics (the rule's name, the ACL's name) and keep
    sampled requests. The ACL logs to ``log_destination_arn`` with the ``authorization`` and
    ``cookie`` headers redacted.

    Not verified here (no AWS account): the managed groups' capacity adds up to about 1,200 WCU
    of the 1,500 a web ACL includes in its base price, so large custom rules may raise the
    price; the common rule set blocks request bodies above 8 KB (``SizeRestrictions_BODY``),
    which uploads may hit.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        log_destination_arn: str,
        web_acl_scope: Scope = "REGIONAL",
        name: str = "landing-zone",
        rate_limit: int = 2000,
        custom_rules: Sequence[wafv2.CfnWebACL.RuleProperty] = (),
        logging_filter: Mapping[str, Any] | None = None,
    ) -> None:
        """
        :param log_destination_arn: ARN of where WAF writes its logs, whose name must start
            with ``aws-waf-logs-``: an S3 bucket (``arn:<partition>:s3:::<bucket>``, in the
            account of the web ACL, see :func:`waf_log_bucket_name`), a CloudWatch Logs log
            group or a Data Firehose delivery stream. For ``CLOUDFRONT``, a log group or stream
            must be in us-east-1. Checked when it is not a token. A log group ARN may end in
            ``:*`` as CloudFormation's ``Arn`` attribute does; whether WAF accepts that suffix
            is unverified, the bare ARN is the documented form.
        :param web_acl_scope: ``REGIONAL`` or ``CLOUDFRONT``; ``CLOUDFRONT`` needs a stack in
            us-east-1. Default: ``REGIONAL``.
        :param name: Name of the web ACL, unique per account, region and scope; the IP sets are
            named ``<name>-block-ipv4`` and ``<name>-block-ipv6``. 1-117 letters, digits, ``_``
            or ``-``. Default: ``landing-zone``; pass another to deploy two ACLs of one scope
            in one account and region.
        :param rate_limit: Requests one IP may send in 5 minutes before it is blocked, 10 to
            2,000,000,000. Default: 2,000.
        :param custom_rules: Extra rules, evaluated after the construct's, with priorities of
            100 or more, each unique, names not among the construct's rules, and visibility
            configs with CloudWatch metrics and sampled requests on. Default: none.
        :param logging_filter: WAF's ``LoggingFilter`` in CloudFormation's casing
            (``DefaultBehavior``, ``Filters``), to drop some requests from the logs. Default:
            every request is logged.
        """
        super().__init__(scope, construct_id)
        _check_web_acl(
            web_acl_scope=web_acl_scope,
            region=Stack.of(self).region,
            name=name,
            rate_limit=rate_limit,
            log_destination_arn=log_destination_arn,
            custom_rules=custom_rules,
            logging_filter=logging_filter,
        )
        self.web_acl_scope: Scope = web_acl_scope
        """``REGIONAL`` or ``CLOUDFRONT``."""
        self.block_list = self._block_list(name, web_acl_scope, 4)
        """The IPv4 IP set the block-list rule blocks (the response playbooks add to it)."""
        self.block_list_ipv6 = self._block_list(name, web_acl_scope, 6)
        """The IPv6 IP set the block-list rule blocks."""
        self.resource = wafv2.CfnWebACL(
            self,
            "Resource",
            name=name,
            scope=web_acl_scope,
            default_action=wafv2.CfnWebACL.DefaultActionProperty(
                allow=wafv2.CfnWebACL.AllowActionProperty()
            ),
            visibility_config=_visibility(name),
            rules=[
                self._block_list_rule(),
                *(_managed_rule_group(group) for group in MANAGED_RULE_GROUPS),
                _rate_limit_rule(rate_limit),
                *custom_rules,
            ],
        )
        """The ``AWS::WAFv2::WebACL``."""
        self.web_acl_arn = self.resource.attr_arn
        """The web ACL's ARN (a token): associate it with load balancers or API stages."""
        self.logging = wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.resource.attr_arn,
            log_destination_configs=[log_destination_arn],
            redacted_fields=[
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": header})
                for header in REDACTED_HEADERS
            ],
            logging_filter=dict(logging_filter) if logging_filter is not None else None,
        )
        """The web ACL's logging configuration (to a ``WafLogBucket``)."""

    def associate(self, construct_id: str, resource_arn: str) -> wafv2.CfnWebACLAssociation:
        """Protect the regional resource ``resource_arn`` (an ALB, an API Gateway stage, ...)
        with this web ACL. A CloudFront distribution names its web ACL itself
        (``web_acl_id`` set to :attr:`web_acl_arn`), so this raises for ``CLOUDFRONT``."""
        if self.web_acl_scope != "REGIONAL":
            raise ValueError(
                f"associate: web_acl_scope is {self.web_acl_scope!r}; only REGIONAL web ACLs "
                "are associated here, a CloudFront distribution sets its web_acl_id to "
                "web_acl_arn instead"
            )
        return wafv2.CfnWebACLAssociation(
            self, construct_id, resource_arn=resource_arn, web_acl_arn=self.resource.attr_arn
        )

    def _block_list(self, name: str, web_acl_scope: Scope, version: int) -> wafv2.CfnIPSet:
        """The empty IP set ``<name>-block-ipv<version>`` (``BlockListIpv<version>``)."""
        return wafv2.CfnIPSet(
            self,
            f"BlockListIpv{version}",
            name=f"{name}-block-ipv{version}",
            description=f"IPv{version} addresses that incident response blocks",
            scope=web_acl_scope,
            ip_address_version=f"IPV{version}",
            # Playbooks add addresses with UpdateIPSet. CloudFormation sends this list again only
            # when a property of the set changes (unverified), so keep them fixed.
            addresses=[],
        )

    def _block_list_rule(self) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name=BLOCK_LIST_RULE,
            priority=BLOCK_LIST_PRIORITY,
            action=wafv2.CfnWebACL.RuleActionProperty(block=wafv2.CfnWebACL.BlockActionProperty()),
            statement=wafv2.CfnWebACL.StatementProperty(
                or_statement=wafv2.CfnWebACL.OrStatementProperty(
                    statements=[
                        wafv2.CfnWebACL.StatementProperty(
                            ip_set_reference_statement=wafv2.CfnWebACL.IPSetReferenceStatementProperty(
                                arn=ip_set.attr_arn
                            )
                        )
                        for ip_set in (self.block_list, self.block_list_ipv6)
                    ]
                )
            ),
            visibility_config=_visibility(BLOCK_LIST_RULE),
        )


def custom_rule(
    *,
    name: str,
    priority: int,
    action: Literal["block", "count"] = "block",
    country_codes: Sequence[str] = (),
    uri_path_starts_with: str | None = None,
    rate_limit: int | None = None,
) -> wafv2.CfnWebACL.RuleProperty:
    """A rule for ``custom_rules`` that blocks (or only counts) requests from ``country_codes``
    or whose URI path starts with ``uri_path_starts_with`` (exactly one of the two); with
    ``rate_limit``, only those of an IP that sent more than that many matching requests in
    5 minutes."""
    if bool(country_codes) == (uri_path_starts_with is not None):
        raise ValueError(
            f"custom rule {name!r}: give exactly one of country_codes and uri_path_starts_with; "
            f"received {list(country_codes)!r} and {uri_path_starts_with!r}"
        )
    match = (
        wafv2.CfnWebACL.StatementProperty(
            geo_match_statement=wafv2.CfnWebACL.GeoMatchStatementProperty(
                country_codes=list(country_codes)
            )
        )
        if country_codes
        else wafv2.CfnWebACL.StatementProperty(
            byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                positional_constraint="STARTS_WITH",
                search_string=uri_path_starts_with,
                text_transformations=[
                    wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="URL_DECODE")
                ],
            )
        )
    )
    statement = (
        match
        if rate_limit is None
        else wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                aggregate_key_type="IP",
                limit=rate_limit,
                evaluation_window_sec=RATE_LIMIT_WINDOW_SECONDS,
                scope_down_statement=match,
            )
        )
    )
    rule_action = (
        wafv2.CfnWebACL.RuleActionProperty(block=wafv2.CfnWebACL.BlockActionProperty())
        if action == "block"
        else wafv2.CfnWebACL.RuleActionProperty(count=wafv2.CfnWebACL.CountActionProperty())
    )
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=rule_action,
        statement=statement,
        visibility_config=_visibility(name),
    )


def waf_log_bucket_name(organization_name: str, account_id: str, region: str) -> str:
    """Name of the bucket that receives the WAF logs of ``account_id`` in ``region``:
    ``aws-waf-logs-<organization>-<account>-<region>`` (see ``account_log_bucket_name``)."""
    return account_log_bucket_name(LOG_NAME_PREFIX, organization_name, account_id, region)


def account_log_bucket_name(
    prefix: str, organization_name: str, account_id: str, region: str
) -> str:
    """``<prefix><organization>-<account>-<region>``, at most 63 characters: the organization
    name is shortened to fit; account and region keep the name unique. Account and region may be
    tokens (a StackSet template); the length then holds for regions of up to 15 characters."""
    if not _ORGANIZATION_NAME.fullmatch(organization_name):
        raise ValueError(
            f"organization_name must be 2-32 lowercase letters, digits or hyphens, starting with "
            f"a letter and ending with a letter or digit; received {organization_name!r}"
        )
    if not is_unresolved(account_id) and not ACCOUNT_ID.fullmatch(account_id):
        raise ValueError(f"account_id must be a 12-digit AWS account id; received {account_id!r}")
    region_is_token = is_unresolved(region)
    if not region_is_token and not REGION.fullmatch(region):
        raise ValueError(f"region must be a region name such as 'eu-west-1'; received {region!r}")
    region_length = _MAX_REGION_LENGTH if region_is_token else len(region)
    room = _MAX_BUCKET_NAME_LENGTH - len(prefix) - 12 - region_length - 2
    organization = organization_name[:room].rstrip("-")
    return f"{prefix}{organization}-{account_id}-{region}"


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True,
        metric_name=metric_name,
        sampled_requests_enabled=True,
    )


def _managed_rule_group(group: str) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=group,
        priority=MANAGED_RULE_GROUP_PRIORITIES[group],
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=group
            )
        ),
        visibility_config=_visibility(group),
    )


def _rate_limit_rule(rate_limit: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=RATE_LIMIT_RULE,
        priority=RATE_LIMIT_PRIORITY,
        action=wafv2.CfnWebACL.RuleActionProperty(block=wafv2.CfnWebACL.BlockActionProperty()),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                aggregate_key_type="IP",
                limit=rate_limit,
                evaluation_window_sec=RATE_LIMIT_WINDOW_SECONDS,
            )
        ),
        visibility_config=_visibility(RATE_LIMIT_RULE),
    )


def _check_web_acl(
    *,
    web_acl_scope: str,
    region: str,
    name: str,
    rate_limit: int,
    log_destination_arn: str,
    custom_rules: Sequence[wafv2.CfnWebACL.RuleProperty],
    logging_filter: Mapping[str, Any] | None,
) -> None:
    """Raise ValueError naming the first parameter WAF would reject at deploy time."""
    if web_acl_scope not in SCOPES:
        raise ValueError(
            f"web_acl_scope must be one of {', '.join(SCOPES)}; received {web_acl_scope!r}"
        )
    if web_acl_scope == "CLOUDFRONT" and not is_unresolved(region) and region != CLOUDFRONT_REGION:
        raise ValueError(
            f"web_acl_scope 'CLOUDFRONT' needs a stack in {CLOUDFRONT_REGION}; the stack's region "
            f"is {region!r}"
        )
    if not _NAME.fullmatch(name):
        raise ValueError(f"name must be 1-117 letters, digits, '_' or '-'; received {name!r}")
    if isinstance(rate_limit, bool) or not RATE_LIMIT_MIN <= rate_limit <= RATE_LIMIT_MAX:
        raise ValueError(
            f"rate_limit must be {RATE_LIMIT_MIN}-{RATE_LIMIT_MAX:,} requests per 5 minutes; "
            f"received {rate_limit!r}"
        )
    if not is_unresolved(log_destination_arn) and not _LOG_DESTINATION.fullmatch(
        log_destination_arn
    ):
        raise ValueError(
            "log_destination_arn must be the ARN of an S3 bucket, a CloudWatch Logs log group or "
            f"a Data Firehose delivery stream whose name starts with {LOG_NAME_PREFIX!r}; "
            f"received {log_destination_arn!r}"
        )
    check_custom_rules(custom_rules)
    if logging_filter is not None and (
        logging_filter.get("DefaultBehavior") not in ("KEEP", "DROP")
        or not logging_filter.get("Filters")
    ):
        raise ValueError(
            "logging_filter must have DefaultBehavior 'KEEP' or 'DROP' and one or more Filters; "
            f"received {dict(logging_filter)!r}"
        )


def check_custom_rules(custom_rules: Sequence[wafv2.CfnWebACL.RuleProperty]) -> None:
    """Raise ValueError unless the rules' names and priorities leave the construct's alone and
    each publishes metrics and sampled requests."""
    reserved = (BLOCK_LIST_RULE, *MANAGED_RULE_GROUPS, RATE_LIMIT_RULE)
    names: set[str] = set()
    priorities: set[int] = set()
    for rule in custom_rules:
        if rule.name in reserved or rule.name in names:
            raise ValueError(
                f"custom_rules: rule names must be unique and none of the construct's "
                f"({', '.join(reserved)}); received {rule.name!r} more than once or reserved"
            )
        names.add(rule.name)
        priority = rule.priority
        if is_unresolved(priority):
            continue
        if priority < CUSTOM_RULE_MIN_PRIORITY or priority in priorities:
            raise ValueError(
                f"custom_rules: rule {rule.name!r} has priority {priority!r}; custom rules need "
                f"unique priorities of {CUSTOM_RULE_MIN_PRIORITY} or more (0-"
                f"{RATE_LIMIT_PRIORITY} are the construct's rules), taken: {sorted(priorities)}"
            )
        priorities.add(int(priority))
        visibility = rule.visibility_config
        if isinstance(visibility, wafv2.CfnWebACL.VisibilityConfigProperty) and not (
            visibility.cloud_watch_metrics_enabled is True
            and visibility.sampled_requests_enabled is True
        ):
            raise ValueError(
                f"custom_rules: rule {rule.name!r} must have cloud_watch_metrics_enabled and "
                "sampled_requests_enabled set to True in its visibility_config; received "
                f"{visibility.cloud_watch_metrics_enabled!r} and "
                f"{visibility.sampled_requests_enabled!r}"
            )
