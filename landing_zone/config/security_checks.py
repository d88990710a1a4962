"""Cross-field checks of the logging and detection sections."""

from __future__ import annotations

from collections.abc import Iterator

from landing_zone.baseline.config_recorder import ConfigFrequency
from landing_zone.common.patterns import EMAIL_ADDRESS, is_https_url
from landing_zone.detection.aws_config import ManagedRuleSpec
from landing_zone.logging.organization_trail import event_selectors

from .coverage import under
from .errors import ConfigIssue, duplicate_issues
from .model import SEVERITIES, ConfigRuleConfig, LandingZoneConfig


def check_logging(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    bucket = config.logging.log_bucket
    where = ("logging", "log_bucket")
    if bucket.retention_days < bucket.minimum_retention_days:
        yield ConfigIssue(
            (*where, "retention_days"),
            f"is below minimum_retention_days ({bucket.minimum_retention_days}); allowed: "
            f"{bucket.minimum_retention_days} days or more",
            bucket.retention_days,
        )
    glacier = bucket.glacier_instant_retrieval_after_days
    if bucket.deep_archive_after_days is not None and bucket.deep_archive_after_days <= glacier:
        yield ConfigIssue(
            (*where, "deep_archive_after_days"),
            f"must be later than glacier_instant_retrieval_after_days ({glacier}), or null",
            bucket.deep_archive_after_days,
        )
    if bucket.expire_after_days is not None:
        floor = max(bucket.retention_days, glacier + 1, (bucket.deep_archive_after_days or 0) + 1)
        if bucket.expire_after_days < floor:
            yield ConfigIssue(
                (*where, "expire_after_days"),
                f"must be at least {floor}: not before the Object Lock retention "
                f"({bucket.retention_days} days) and after every storage class transition",
                bucket.expire_after_days,
            )
    trail = config.logging.trail
    if trail.cloudwatch_logs_retention_days < bucket.minimum_retention_days:
        yield ConfigIssue(
            ("logging", "trail", "cloudwatch_logs_retention_days"),
            f"is below logging.log_bucket.minimum_retention_days "
            f"({bucket.minimum_retention_days}); allowed: a CloudWatch retention of at least "
            "that many days",
            trail.cloudwatch_logs_retention_days,
        )
    repeated = [
        issue
        for field in ("s3_data_events", "lambda_data_events")
        if isinstance(scope := getattr(trail, field), list)
        for issue in duplicate_issues(("logging", "trail", field), scope)
    ]
    yield from repeated
    log_archive = config.accounts.get(config.core_accounts.log_archive)
    if repeated or log_archive is None or log_archive.id is None:
        return  # reported at their own paths already
    # What else the trail rejects (the log bucket listed, the selector quota), in its words.
    try:
        event_selectors(
            organization_name=config.organization.name,
            log_archive_account_id=log_archive.id,
            s3_data_events=trail.s3_data_events,
            lambda_data_events=trail.lambda_data_events,
        )
    except ValueError as error:
        yield ConfigIssue(("logging", "trail"), str(error), has_value=False)


QUARANTINE_GUARDRAIL = "deny-all-except-landing-zone"
"""The SCP that leaves an OU's accounts able to do nothing: the one way to keep an OU out of the
account baseline (the reference config's ``Suspended``)."""


def _ous_without_baseline(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    """An OU outside ``baselines.organizational_units`` is an error, not a warning: its accounts,
    and every account moved into it later, would run without AWS Config recording, the IAM
    controls, the S3 public access block, EBS encryption by default and backups, which a PCI DSS
    environment must show for every account in scope. CI fails on an error; a warning in a synth
    log is read by nobody. An OU that is quarantined (``deny-all-except-landing-zone``, itself
    or a parent) needs no baseline: nothing can run there."""
    targets = config.baselines.organizational_units
    quarantined = [
        target
        for target, guardrails in config.guardrails.service_control_policies.items()
        if QUARANTINE_GUARDRAIL in guardrails
    ]
    for path in config.organizational_units:
        if under(path, targets) or under(path, quarantined):
            continue
        yield ConfigIssue(
            ("organizational_units", path),
            "gets no account baseline: neither it nor a parent OU is in "
            f"baselines.organizational_units ({', '.join(targets)}), so its accounts (and any "
            "account added to it later) would have no AWS Config recorder, IAM controls, public "
            f"access block, EBS default encryption or backups; allowed: add {path!r} or a parent "
            "OU to baselines.organizational_units, or quarantine it with "
            f"guardrails.service_control_policies.{path}: [{QUARANTINE_GUARDRAIL}]",
            path,
        )


def check_baselines(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    yield from _ous_without_baseline(config)
    scan = config.baselines.backup.malware_scan
    if scan is not None:
        yield from duplicate_issues(
            ("baselines", "backup", "malware_scan", "resource_types"), scan.resource_types
        )


def check_detection(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    alerting = config.detection.alerting
    if SEVERITIES.index(alerting.paging_severity) < SEVERITIES.index(alerting.minimum_severity):
        yield ConfigIssue(
            ("detection", "alerting", "paging_severity"),
            f"is below minimum_severity ({alerting.minimum_severity}); allowed: "
            f"{', '.join(SEVERITIES[SEVERITIES.index(alerting.minimum_severity) :])}",
            alerting.paging_severity,
        )
    for topic in ("alert_subscriptions", "paging_subscriptions"):
        for index, subscription in enumerate(getattr(alerting, topic)):
            endpoint = ("detection", "alerting", topic, index, "endpoint")
            if subscription.protocol == "email" and not EMAIL_ADDRESS.fullmatch(
                subscription.endpoint
            ):
                yield ConfigIssue(
                    endpoint, "must be an email address (protocol email)", subscription.endpoint
                )
            if subscription.protocol == "https" and not is_https_url(subscription.endpoint):
                yield ConfigIssue(
                    endpoint, "must be an https:// URL (protocol https)", subscription.endpoint
                )
    for topic in ("alert_subscriptions", "paging_subscriptions"):
        yield from duplicate_issues(
            ("detection", "alerting", topic),
            [subscription.endpoint for subscription in getattr(alerting, topic)],
        )
    yield from _config_rules(config)
    governed = config.organization.governed_regions
    seen: set[str] = set()
    for index, protected in enumerate(config.detection.guardduty.malware_protection_buckets):
        where = ("detection", "guardduty", "malware_protection_buckets", index)
        account = config.accounts.get(protected.account)
        if account is None:
            yield ConfigIssue(
                (*where, "account"),
                f"is not an account name; allowed: one of {', '.join(config.accounts)}",
                protected.account,
            )
        elif account.id is None:
            yield ConfigIssue(
                (*where, "account"),
                f"has no id yet; the malware protection plan is deployed into the bucket's "
                f"account, so fill in accounts.{protected.account}.id first",
                protected.account,
            )
        if protected.region is not None and protected.region not in governed:
            yield ConfigIssue(
                (*where, "region"),
                f"must be one of the governed regions ({', '.join(governed)})",
                protected.region,
            )
        if protected.bucket in seen:
            yield ConfigIssue(
                (*where, "bucket"),
                "is listed more than once; list each bucket once",
                protected.bucket,
            )
        seen.add(protected.bucket)


def managed_rule_spec(rule: ConfigRuleConfig) -> ManagedRuleSpec:
    """The organization Config rule a configured rule becomes."""
    return ManagedRuleSpec(
        identifier=rule.identifier,
        input_parameters=dict(rule.input_parameters),
        resource_types=tuple(rule.resource_types),
        maximum_execution_frequency=None
        if rule.maximum_execution_frequency is None
        else ConfigFrequency(rule.maximum_execution_frequency),
    )


def _config_rules(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    seen: dict[str, str] = {}
    for name, rule in config.detection.aws_config.rules.items():
        where = ("detection", "aws_config", "rules", name)
        # Construct ids come from the name's words, whatever their case.
        key = "".join(name.lower().split("-"))
        if key in seen:
            yield ConfigIssue(
                where,
                f"differs from the rule {seen[key]!r} only in hyphens or letter case; "
                "name them apart",
                name,
            )
        seen.setdefault(key, name)
        try:
            managed_rule_spec(rule)
        except ValueError as error:
            yield ConfigIssue(where, str(error), has_value=False)
