"""Cross-field checks of the logging and detection sections."""

from __future__ import annotations

from collections.abc import Iterator

from landing_zone.common.patterns import EMAIL_ADDRESS, is_https_url

from .errors import ConfigIssue, duplicate_issues
from .model import SEVERITIES, LandingZoneConfig


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
    if isinstance(trail.s3_data_events, list):
        yield from duplicate_issues(("logging", "trail", "s3_data_events"), trail.s3_data_events)
    if isinstance(trail.lambda_data_events, list):
        yield from duplicate_issues(
            ("logging", "trail", "lambda_data_events"), trail.lambda_data_events
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
