"""Names of the log archive's resources, derived from config so no stack needs a lookup.

Every account of the organization writes to the log archive, and the management account's trail
names its key, so the names are pure functions of the organization's name and account ids: a
stack in any account computes them without a cross-account lookup, an SSM parameter or an export.
The prefixes are the top-level "folders" of the log bucket, one per writing service; the bucket
policy grants each service its own prefix only.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from landing_zone.common import pseudo
from landing_zone.common.patterns import ACCOUNT_ID, REGION
from landing_zone.common.tokens import is_unresolved

CLOUDTRAIL_PREFIX = "cloudtrail"
"""Key prefix of the organization trail's log and digest files in the log bucket."""

CONFIG_PREFIX = "config"
"""Key prefix of AWS Config snapshots and history files in the Config bucket."""

FLOW_LOGS_PREFIX = "flow-logs"
"""Key prefix of VPC flow logs in the log bucket."""

BEDROCK_PREFIX = "bedrock"
"""Key prefix of Amazon Bedrock model invocation logs in the log bucket."""

GUARDDUTY_PREFIX = "guardduty"
"""Key prefix of exported GuardDuty findings in the log bucket."""

RESPONSE_PREFIX = "incident-response"
"""Key prefix of incident-response evidence records and drill reports in the log bucket."""

SOURCE_ACCOUNT = "${aws:SourceAccount}"
"""The account an AWS service principal acts for, as a policy variable: any single-valued global
condition key can be one (IAM user guide, "Policy variables"), and the services that deliver
here document ``aws:SourceAccount`` on their requests (VPC flow logs, AWS Config and Bedrock
model invocation logging bucket policies)."""


def own_account_keys(prefix: str) -> str:
    """Keys under ``prefix`` that a delivering service may write for the account it acts for:
    ``<prefix>/AWSLogs/${aws:SourceAccount}/*``, the ``AWSLogs/<account>/`` layout each of these
    services writes."""
    return f"{prefix}/AWSLogs/{SOURCE_ACCOUNT}/*"


WAF_LOGS_KEYS = "AWSLogs/*/WAFLogs/*"
"""Keys of WAF logs in the log bucket: S3 replication keeps the keys WAF gave them in the
account's own ``aws-waf-logs-`` bucket (``AWSLogs/<account>/WAFLogs/<region>/<acl>/...``)."""


@dataclass(frozen=True)
class ReplicatedLogs:
    """Logs that a service writes only to a bucket of its own account (an ``AccountLogBucket``)
    and that S3 replication copies into the log bucket, as a role of each account."""

    role: str
    """Middle part of the replication role's name:
    ``<landing zone role prefix><role>-<region>``."""
    own_keys: str
    """Keys the role of an account may write in the log bucket, with
    ``${aws:PrincipalAccount}`` for the account: never another account's logs."""
    sid: str
    """First part of the sids of the log archive's policy statements for these logs."""


REPLICATED_LOGS = {
    "waf": ReplicatedLogs(
        role="waf-log-replication",
        own_keys="AWSLogs/${aws:PrincipalAccount}/WAFLogs/*",
        sid="WafLogReplication",
    ),
    "bedrock": ReplicatedLogs(
        role="bedrock-log-replication",
        own_keys=f"{BEDROCK_PREFIX}/AWSLogs/${{aws:PrincipalAccount}}/*",
        sid="BedrockLogReplication",
    ),
}
"""The logs that reach the log archive by replication: WAF logs (``WafLogBucket``) and Bedrock
model invocation logs (``ModelInvocationLogging``)."""


def log_replication_role_name(role_prefix: str, logs: str, region: str) -> str:
    """The role that replicates ``logs`` (a key of ``REPLICATED_LOGS``) of ``region``; IAM names
    are global per account, so the region is part of it."""
    return f"{role_prefix}{REPLICATED_LOGS[logs].role}-{region}"


def log_replication_role_arns(role_prefix: str, logs: str) -> str:
    """The ARN pattern of the roles that replicate ``logs`` in any account, for
    ``aws:PrincipalArn``."""
    return f"arn:{pseudo.PARTITION}:iam::*:role/{role_prefix}{REPLICATED_LOGS[logs].role}-*"


def check_replicated_logs(replicated_logs: Collection[str], role_prefix: str | None) -> str:
    """The role prefix that names the replication roles of ``replicated_logs``; raise if those
    name logs that are not in ``REPLICATED_LOGS``, or if they are given without a prefix."""
    unknown = sorted(set(replicated_logs) - set(REPLICATED_LOGS))
    if unknown:
        raise ValueError(
            f"replicated_logs: got {unknown}; allowed: {', '.join(sorted(REPLICATED_LOGS))}"
        )
    if replicated_logs and not role_prefix:
        raise ValueError("log_replication_role_prefix: required when replicated_logs are given")
    return role_prefix or ""


_ORGANIZATION_NAME = re.compile(r"[a-z][a-z0-9-]{0,30}[a-z0-9]")
"""The config's organization slug: 2-32 characters, so every bucket name below fits in 63."""

_RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
"""S3 rejects bucket names that start with these."""


def log_bucket_name(organization_name: str, log_archive_account_id: str) -> str:
    """The WORM bucket of CloudTrail, VPC flow logs, Bedrock invocation logs and GuardDuty."""
    return _bucket_name(organization_name, "logs", log_archive_account_id)


def access_log_bucket_name(organization_name: str, log_archive_account_id: str) -> str:
    """The bucket that receives the S3 server access logs of the log archive's buckets."""
    return _bucket_name(organization_name, "s3-access-logs", log_archive_account_id)


def config_bucket_name(organization_name: str, log_archive_account_id: str) -> str:
    """The bucket of AWS Config delivery channels: Config cannot deliver to an Object Lock
    bucket, so its history lives beside the WORM bucket rather than in it."""
    return _bucket_name(organization_name, "config", log_archive_account_id)


def logs_key_alias(organization_name: str) -> str:
    """Alias of the customer managed key that encrypts the log archive."""
    return f"alias/{_organization(organization_name)}/logs"


def logs_key_alias_arn(organization_name: str, log_archive_account_id: str, region: str) -> str:
    """ARN of the logs key alias, for services of other accounts that encrypt with the key."""
    return (
        f"arn:{pseudo.PARTITION}:kms:{_region(region)}:"
        f"{_account(log_archive_account_id)}:{logs_key_alias(organization_name)}"
    )


def organization_trail_name(organization_name: str) -> str:
    """Name of the organization's CloudTrail trail."""
    return f"{_organization(organization_name)}-organization-trail"


def organization_trail_arn(organization_name: str, management_account_id: str, region: str) -> str:
    """ARN of the organization trail, which lives in the management account's home region."""
    return (
        f"arn:{pseudo.PARTITION}:cloudtrail:{_region(region)}:{_account(management_account_id)}:"
        f"trail/{organization_trail_name(organization_name)}"
    )


def _organization(organization_name: str) -> str:
    """``organization_name`` if it can start the landing zone's bucket names."""
    if not _ORGANIZATION_NAME.fullmatch(organization_name) or organization_name.startswith(
        _RESERVED_BUCKET_PREFIXES
    ):
        raise ValueError(
            f"organization_name: {organization_name!r} cannot name the log archive's buckets; "
            "allowed: 2-32 lowercase letters, digits or hyphens, starting with a letter, ending "
            f"with a letter or digit, not starting with {', '.join(_RESERVED_BUCKET_PREFIXES)}"
        )
    return organization_name


def _bucket_name(organization_name: str, purpose: str, account_id: str) -> str:
    return f"{_organization(organization_name)}-{purpose}-{_account(account_id)}"


def _account(account_id: str) -> str:
    if not is_unresolved(account_id) and not ACCOUNT_ID.fullmatch(account_id):
        raise ValueError(f"account id: {account_id!r} is not a 12-digit AWS account id")
    return account_id


def _region(region: str) -> str:
    if not is_unresolved(region) and not REGION.fullmatch(region):
        raise ValueError(f"region: {region!r} is not a region name such as 'eu-west-1'")
    return region
