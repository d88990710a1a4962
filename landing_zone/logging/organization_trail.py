"""The organization's CloudTrail trail, in the management account's home region."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, TypeAlias

from aws_cdk import Acknowledgment, RemovalPolicy, Stack, Validations
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.key_policy import (
    administered_key,
    logs_service_statement,
)
from landing_zone.common.patterns import BUCKET_NAME
from landing_zone.common.protected_names import protected_name
from landing_zone.common.tokens import is_unresolved
from landing_zone.logging import _validation, names

DataEventScope: TypeAlias = Literal["all", "none"] | Sequence[str]
"""Which data events of a kind the trail records: all, none, or those of the listed resources
(S3 bucket names, Lambda function ARNs)."""

_LAMBDA_FUNCTION_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?"
)
_MAX_SELECTOR_VALUES = 500
"""CloudTrail's limit on the values of all advanced event selectors of one trail."""


class OrganizationTrail(Construct):
    """One CloudTrail trail for every account and region of the organization.

    Log file validation on; management events (read and write) plus S3 object and Lambda
    invoke data events as scoped; delivered to the log archive's WORM bucket under
    ``cloudtrail/``, encrypted with the log archive key (by its alias ARN, which CloudTrail
    accepts as ``KMSKeyId``; *unverified* for an alias of another account), and to a
    CloudWatch Logs log group with a retention, encrypted with a key of this account, for the
    ``TrailAlarms``. Trail, log group and key are retained when the stack is deleted.

    Deploy it in the management account's home region, whose trail ARN the log archive's key
    and bucket policies name, after the ``LogArchive`` and after trusted access for CloudTrail
    is enabled in AWS Organizations.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        organization_id: str,
        organization_name: str,
        log_archive_account_id: str,
        log_archive_region: str | None = None,
        s3_data_events: DataEventScope = "all",
        lambda_data_events: DataEventScope = "all",
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        minimum_log_retention_days: int = 365,
        name_prefix: str = "lz-",
    ) -> None:
        """
        :param organization_id: AWS Organizations id (``o-...``); it names the trail's log
            streams.
        :param organization_name: The config's organization name; it names the trail, the log
            bucket and the key alias.
        :param log_archive_account_id: Account of the ``LogArchive``.
        :param log_archive_region: Region of the ``LogArchive``. Default: this stack's region,
            since both live in the home region.
        :param s3_data_events: S3 object-level events to record: ``"all"`` (default: every
            read and write of cardholder or training data is on record, PCI DSS 10.2.1),
            ``"none"``, or a list of bucket names. ``"all"`` leaves out the log archive's log
            and access-log buckets, whose writes the trail's own deliveries cause. Data events
            are billed per event: narrow the scope where volume makes ``"all"`` costly.
        :param lambda_data_events: Lambda ``Invoke`` events to record: ``"all"`` (default),
            ``"none"``, or a list of function ARNs, matched exactly (list a version's or
            alias's ARN to record invocations through it).
        :param log_retention: Retention of the CloudWatch Logs copy; the S3 copy is kept by
            the log archive. Default: one year.
        :param minimum_log_retention_days: Floor for ``log_retention``. Default: 365 (PCI DSS
            10.5.1). ``RetentionDays.INFINITE`` passes the floor but not the fintech pack's
            LogGroupRetentionAndKms rule.
        :param name_prefix: Prefix of the names of the trail's CloudWatch Logs role and its
            policy (with the region, IAM names being global). Default: ``lz-``.
        """
        super().__init__(scope, construct_id)
        _validation.organization_id("organization_id", organization_id)
        _validation.account_id("log_archive_account_id", log_archive_account_id)
        _validation.days("minimum_log_retention_days", minimum_log_retention_days)
        stack = Stack.of(self)
        archive_region = _validation.region(
            "log_archive_region", log_archive_region or stack.region
        )
        log_bucket = names.log_bucket_name(organization_name, log_archive_account_id)
        selectors = event_selectors(
            organization_name=organization_name,
            log_archive_account_id=log_archive_account_id,
            s3_data_events=s3_data_events,
            lambda_data_events=lambda_data_events,
        )
        trail_name = names.organization_trail_name(organization_name)

        self.log_key = administered_key(
            self,
            "LogKey",
            description="Encrypts the CloudWatch Logs copy of the organization trail",
            statements=[logs_service_statement()],
        )
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            encryption_key=self.log_key,
            retention=log_retention,
            removal_policy=RemovalPolicy.RETAIN,
        )
        _check_retention(self.log_group, minimum_log_retention_days)

        trail_arn = names.organization_trail_arn(organization_name, stack.account, stack.region)
        # Named under the prefix like everything the landing zone runs, although no SCP reaches
        # the management account: there only break-glass and the deployer hold IAM rights, and
        # ManagementEventAlarms pages on changes of landing-zone roles from the security-tooling
        # account. The trail, its log group and key keep their names: renaming would replace
        # retained resources (the old ones kept, orphaned), and the log archive's bucket and key
        # policies admit the trail by its ARN.
        iam_name = protected_name("role", name_prefix, f"organization-trail-logs-{stack.region}")
        self.role = iam.Role(
            self,
            "CloudWatchLogsRole",
            role_name=iam_name,
            description="Lets the organization trail write to its CloudWatch Logs log group",
            assumed_by=iam.ServicePrincipal(
                "cloudtrail.amazonaws.com",
                conditions={
                    "StringEquals": {
                        "aws:SourceArn": trail_arn,
                        "aws:SourceAccount": pseudo.ACCOUNT_ID,
                    }
                },
            ),
        )
        # A managed policy rather than the role's inline default policy: PCI DSS and NIST
        # packs want permissions reusable and reviewable on their own.
        self.policy = iam.ManagedPolicy(
            self,
            "CloudWatchLogsPolicy",
            managed_policy_name=iam_name,
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="WriteOrganizationTrailLogStreams",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=list(_log_stream_patterns(self.log_group, organization_id)),
                )
            ],
        )
        Validations.of(self.policy).acknowledge(
            *_log_stream_acknowledgments(self.log_group, organization_id)
        )

        self.trail = cloudtrail.CfnTrail(
            self,
            "Resource",
            trail_name=trail_name,
            is_logging=True,
            is_organization_trail=True,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            s3_bucket_name=log_bucket,
            s3_key_prefix=names.CLOUDTRAIL_PREFIX,
            kms_key_id=names.logs_key_alias_arn(
                organization_name, log_archive_account_id, archive_region
            ),
            cloud_watch_logs_log_group_arn=self.log_group.log_group_arn,
            cloud_watch_logs_role_arn=self.role.role_arn,
            advanced_event_selectors=selectors,
        )
        self.trail.apply_removal_policy(RemovalPolicy.RETAIN)
        # CloudTrail checks at creation that the role can already write to the log group.
        self.trail.node.add_dependency(self.policy)
        self.trail_arn = self.trail.attr_arn


def _log_stream_patterns(log_group: logs.LogGroup, organization_id: str) -> dict[str, str]:
    """The log streams CloudTrail creates, by their name pattern in cdk-nag's notation.

    The CloudTrail user guide names them ``<account>_CloudTrail_<region>…`` for the trail's own
    account and ``<organization id>_…`` for the organization's member accounts.
    """
    streams = (
        f"arn:{pseudo.PARTITION}:logs:{pseudo.REGION}:{pseudo.ACCOUNT_ID}:log-group:"
        f"{log_group.log_group_name}:log-stream:"
    )
    group = f"<{Stack.of(log_group).get_logical_id(_cfn_log_group(log_group))}>"
    nag = f"arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:{group}:log-stream:"
    return {
        f"{streams}{pseudo.ACCOUNT_ID}_CloudTrail_{pseudo.REGION}*": (
            f"{nag}<AWS::AccountId>_CloudTrail_<AWS::Region>*"
        ),
        f"{streams}{organization_id}_*": f"{nag}{organization_id}_*",
    }


def _log_stream_acknowledgments(
    log_group: logs.LogGroup, organization_id: str
) -> list[Acknowledgment]:
    reason = (
        "CloudTrail names the log streams of an organization trail itself, after the account, "
        "the organization and the region, with a suffix of its own; the wildcard covers only "
        "those two documented name prefixes, in this trail's log group."
    )
    return [
        Acknowledgment(id=f"AwsSolutions-IAM5[Resource::{pattern}]", reason=reason)
        for pattern in _log_stream_patterns(log_group, organization_id).values()
    ]


def _cfn_log_group(log_group: logs.LogGroup) -> logs.CfnLogGroup:
    cfn = log_group.node.default_child
    if not isinstance(cfn, logs.CfnLogGroup):
        raise TypeError(f"{log_group.node.path} has no CfnLogGroup as its default child")
    return cfn


def _check_retention(log_group: logs.LogGroup, minimum_days: int) -> None:
    days = _cfn_log_group(log_group).retention_in_days
    if days is not None and days < minimum_days:
        raise ValueError(
            f"log_retention: got {days} days, below minimum_log_retention_days "
            f"({minimum_days}); allowed: a RetentionDays of at least {minimum_days} days"
        )


def event_selectors(
    *,
    organization_name: str,
    log_archive_account_id: str,
    s3_data_events: DataEventScope,
    lambda_data_events: DataEventScope,
) -> list[cloudtrail.CfnTrail.AdvancedEventSelectorProperty]:
    """The trail's advanced event selectors, or a ValueError naming the scope that cannot be.

    Public so that whoever takes the scopes from a user (the config's cross-checks) rejects
    exactly what the trail would, before any stack is built.
    """
    log_bucket = names.log_bucket_name(organization_name, log_archive_account_id)
    return _event_selectors(
        s3_scope=_scope(
            "s3_data_events",
            s3_data_events,
            BUCKET_NAME,
            "S3 bucket names",
            never=(log_bucket,),
        ),
        lambda_scope=_scope(
            "lambda_data_events", lambda_data_events, _LAMBDA_FUNCTION_ARN, "function ARNs"
        ),
        excluded_buckets=(
            log_bucket,
            names.access_log_bucket_name(organization_name, log_archive_account_id),
        ),
    )


def _scope(
    prop: str,
    value: DataEventScope,
    pattern: re.Pattern[str],
    allowed: str,
    *,
    never: Sequence[str] = (),
) -> Literal["all", "none"] | tuple[str, ...]:
    expected = f"'all', 'none' or a non-empty list of {allowed}"
    if isinstance(value, str):
        if value == "all":
            return "all"
        if value == "none":
            return "none"
        raise ValueError(f"{prop}: got {value!r}; allowed: {expected}")
    values = tuple(value)
    if not values:
        raise ValueError(f"{prop}: got an empty list; allowed: {expected}")
    for item in values:
        if not isinstance(item, str) or (not is_unresolved(item) and not pattern.fullmatch(item)):
            raise ValueError(f"{prop}: {item!r} is not one of {allowed}; allowed: {expected}")
        if item in never:
            raise ValueError(
                f"{prop}: {item!r} is the log bucket; its data events would record the trail's "
                "own deliveries, each of which is a new data event"
            )
    duplicates = sorted({item for item in values if values.count(item) > 1})
    if duplicates:
        raise ValueError(f"{prop}: {duplicates} appear more than once; list each once")
    return values


def _event_selectors(
    *,
    s3_scope: Literal["all", "none"] | tuple[str, ...],
    lambda_scope: Literal["all", "none"] | tuple[str, ...],
    excluded_buckets: Sequence[str],
) -> list[cloudtrail.CfnTrail.AdvancedEventSelectorProperty]:
    """Management events (read and write, as no ``readOnly`` field narrows them), data events
    (the ones of listed resources or all), and reads of the excluded log buckets, each in one
    advanced event selector."""
    field = cloudtrail.CfnTrail.AdvancedFieldSelectorProperty
    selectors = [
        cloudtrail.CfnTrail.AdvancedEventSelectorProperty(
            name="ManagementEvents",
            field_selectors=[field(field="eventCategory", equal_to=["Management"])],
        )
    ]
    objects = f"arn:{pseudo.PARTITION}:s3:::"
    if s3_scope == "all":
        selectors.append(
            _data_selector(
                "S3DataEvents",
                "AWS::S3::Object",
                field(
                    field="resources.ARN",
                    not_starts_with=[f"{objects}{bucket}/" for bucket in excluded_buckets],
                ),
            )
        )
    elif s3_scope != "none":
        selectors.append(
            _data_selector(
                "S3DataEvents",
                "AWS::S3::Object",
                field(
                    field="resources.ARN",
                    starts_with=[f"{objects}{bucket}/" for bucket in s3_scope],
                ),
            )
        )
    # Reads of the audit logs themselves are always recorded (PCI DSS 10.2.1.3), whatever the S3
    # scope; their writes are not, or the trail would log its own deliveries without end.
    selectors.append(
        cloudtrail.CfnTrail.AdvancedEventSelectorProperty(
            name="LogArchiveReads",
            field_selectors=[
                field(field="eventCategory", equal_to=["Data"]),
                field(field="resources.type", equal_to=["AWS::S3::Object"]),
                field(field="readOnly", equal_to=["true"]),
                field(
                    field="resources.ARN",
                    starts_with=[f"{objects}{bucket}/" for bucket in excluded_buckets],
                ),
            ],
        )
    )
    if lambda_scope == "all":
        selectors.append(_data_selector("LambdaDataEvents", "AWS::Lambda::Function", None))
    elif lambda_scope != "none":
        selectors.append(
            _data_selector(
                "LambdaDataEvents",
                "AWS::Lambda::Function",
                field(field="resources.ARN", equal_to=list(lambda_scope)),
            )
        )
    # Each data selector holds its category, its resource type and its listed resources; the
    # management selector one value, the log-archive reads three plus the log buckets.
    values = (
        1
        + 3
        + len(excluded_buckets)
        + sum(
            2 + len(listed)
            for listed in (
                excluded_buckets if s3_scope == "all" else s3_scope,
                () if lambda_scope == "all" else lambda_scope,
            )
            if listed != "none"
        )
    )
    if values > _MAX_SELECTOR_VALUES:
        raise ValueError(
            f"s3_data_events, lambda_data_events: the event selectors hold {values} values; "
            f"allowed: at most {_MAX_SELECTOR_VALUES} per trail (CloudTrail quota)"
        )
    return selectors


def _data_selector(
    name: str,
    resource_type: str,
    resources: cloudtrail.CfnTrail.AdvancedFieldSelectorProperty | None,
) -> cloudtrail.CfnTrail.AdvancedEventSelectorProperty:
    field = cloudtrail.CfnTrail.AdvancedFieldSelectorProperty
    return cloudtrail.CfnTrail.AdvancedEventSelectorProperty(
        name=name,
        field_selectors=[
            field(field="eventCategory", equal_to=["Data"]),
            field(field="resources.type", equal_to=[resource_type]),
            *([resources] if resources else []),
        ],
    )
