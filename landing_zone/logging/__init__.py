"""Central logging: the WORM log archive, the organization trail and its CIS alarms."""

from landing_zone.logging import names
from landing_zone.logging.account_log_bucket import AccountLogBucket, LogArchiveCopy, LogWriter
from landing_zone.logging.log_archive import LogArchive
from landing_zone.logging.log_archive_key import LogArchiveKey
from landing_zone.logging.log_buckets import (
    DEFAULT_LOG_LIFECYCLE,
    AccessLogBucket,
    ConfigDeliveryBucket,
    LogArchiveBucket,
    LogLifecycle,
    ResponseEvidence,
)
from landing_zone.logging.names import ReplicatedLogs
from landing_zone.logging.organization_trail import DataEventScope, OrganizationTrail
from landing_zone.logging.trail_alarms import CIS_TRAIL_ALARMS, TrailAlarmControl, TrailAlarms

__all__ = [
    "CIS_TRAIL_ALARMS",
    "DEFAULT_LOG_LIFECYCLE",
    "AccessLogBucket",
    "AccountLogBucket",
    "ConfigDeliveryBucket",
    "DataEventScope",
    "LogArchive",
    "LogArchiveBucket",
    "LogArchiveCopy",
    "LogArchiveKey",
    "LogLifecycle",
    "LogWriter",
    "OrganizationTrail",
    "ReplicatedLogs",
    "ResponseEvidence",
    "TrailAlarmControl",
    "TrailAlarms",
    "names",
]
