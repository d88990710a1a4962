"""The buckets of ``TrainingData``: training-data and artifact buckets with their protective
bucket policies, and one GuardDuty malware protection plan per bucket, whose scan tag alone
lets the training role read an object."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from landing_zone.ai.bucket_names import (
    bounded_pattern,
    expand,
    id_name,
    is_pattern,
    validate_pattern,
)
from landing_zone.common.naming import MAX_IAM_NAME
from landing_zone.common.protection import deny_bucket_configuration, unless
from landing_zone.common.tokens import is_unresolved

# The module, not the package: landing_zone.detection imports the baselines, which import the
# job functions, which import this domain.
from landing_zone.detection.guardduty import S3MalwareProtection
from landing_zone.keys.defaults import bucket_encryption
from landing_zone.logging import _validation

CLEAN_SCAN_STATUS = "NO_THREATS_FOUND"
"""The ``GuardDutyMalwareScanStatus`` tag value of an object GuardDuty scanned and found clean."""

SCAN_TAG_ACTIONS = (
    "s3:DeleteObjectTagging",
    "s3:DeleteObjectVersionTagging",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
)
"""Object tag changes only GuardDuty's scanner may make: a forged ``NO_THREATS_FOUND`` tag would
let the training role read an unscanned object (``s3:PutObject`` with tags needs
``s3:PutObjectTagging`` too)."""

_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}|\*):role/[A-Za-z0-9+=,.@_*/-]{1,512}")
_BUCKET_PART = re.compile(r"[.-]")
_NOT_REPLICATED = (
    "Training data and model artifacts stay in the account and region of the workload that "
    "owns them: a cross-region copy of training data, which may hold personal data, is a data "
    "residency decision of that workload's disaster recovery plan, not of the landing zone. "
    "Versioning keeps every overwritten or deleted object recoverable in the region."
)


def bucket_construct_id(kind: str, name: str) -> str:
    """The construct id ``<kind><Name>`` for the bucket named (or patterned) ``name``: from the
    name or pattern, never from an account id."""
    return f"{kind}{_pascal(id_name(name))}"


def training_bucket(
    scope: Construct,
    construct_id: str,
    name: str,
    *,
    admins: Sequence[str],
    noncurrent_days: int,
    encryption_key: kms.IKey,
    access_log_bucket: s3.IBucket,
) -> s3.Bucket:
    """A training-data or artifact bucket as ``TrainingData`` documents it, whose settings only
    ``admins`` may change."""
    bucket = s3.Bucket(
        scope,
        construct_id,
        bucket_name=expand(name),
        versioned=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=RemovalPolicy.RETAIN,
        server_access_logs_bucket=access_log_bucket,
        server_access_logs_prefix=f"{expand(name)}/",
        target_object_key_format=s3.TargetObjectKeyFormat.partitioned_prefix(
            s3.PartitionDateSource.EVENT_TIME
        ),
        lifecycle_rules=[
            s3.LifecycleRule(
                id="ExpireNoncurrentVersions",
                noncurrent_version_expiration=Duration.days(noncurrent_days),
                expired_object_delete_marker=True,
                abort_incomplete_multipart_upload_after=Duration.days(7),
            )
        ],
        **bucket_encryption(encryption_key),
    )
    # The same bucket settings as the log buckets: the version history, the access logs
    # and the policy holding these denies must outlast any account administrator.
    for statement in deny_bucket_configuration(bucket.bucket_arn, admins):
        bucket.add_to_resource_policy(statement)
    Validations.of(bucket).acknowledge(
        Acknowledgment(id="NIST.800.53.R5-S3BucketReplicationEnabled", reason=_NOT_REPLICATED),
        Acknowledgment(id="PCI.DSS.321-S3BucketReplicationEnabled", reason=_NOT_REPLICATED),
    )
    return bucket


def deny_deleting_artifact_versions(bucket: s3.Bucket, admins: Sequence[str]) -> None:
    """Deny deleting object versions of the artifact ``bucket`` to all but ``admins``, so an
    overwritten (possibly poisoned) artifact keeps its original until the lifecycle expires
    it."""
    bucket.add_to_resource_policy(
        iam.PolicyStatement(
            sid="DenyDeletingArtifactVersions",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["s3:DeleteObjectVersion"],
            resources=[bucket.arn_for_objects("*")],
            conditions=unless(admins),
        )
    )


def malware_protection(
    scope: Construct,
    buckets: Mapping[str, s3.Bucket],
    *,
    encryption_key: kms.IKey,
    name_prefix: str | None,
) -> list[S3MalwareProtection]:
    """One GuardDuty malware protection plan per bucket of ``buckets`` (by configured name), and
    in each bucket policy a deny of object tag changes to all but that plan's role."""
    protections = []
    for name, bucket in buckets.items():
        protection = S3MalwareProtection(
            scope,
            bucket_construct_id("MalwareProtection", name),
            bucket_name=expand(name),
            kms_key_arn=encryption_key.key_arn,
            name=None
            if name_prefix is None
            else expand(bounded_pattern(f"{name_prefix}s3-scan-{name}", MAX_IAM_NAME)),
        )
        # The plan names the bucket literally; GuardDuty checks it exists. The bucket alone:
        # its policy names the plan's role.
        cfn_bucket = bucket.node.default_child
        assert cfn_bucket is not None
        protection.node.add_dependency(cfn_bucket)
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyGuardDutyTagsScanResults",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=list(SCAN_TAG_ACTIONS),
                resources=[bucket.arn_for_objects("*")],
                conditions={"ArnNotEquals": {"aws:PrincipalArn": protection.role.role_arn}},
            )
        )
        protections.append(protection)
    return protections


def check_bucket_names(
    training_data_bucket_names: Sequence[str], artifact_bucket_names: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Raise ``ValueError`` unless the bucket names are what ``TrainingData`` can build: valid
    names or patterns (``bucket_names.validate_pattern``), not tokens, each once, at least one
    training-data bucket, and distinct once ``.`` and ``-`` are dropped and placeholders are
    read as words (construct ids are derived from them). Return both lists as tuples."""
    training = _bucket_names("training_data_bucket_names", training_data_bucket_names)
    artifacts = _bucket_names("artifact_bucket_names", artifact_bucket_names)
    if not training:
        raise ValueError("training_data_bucket_names: got none; allowed: at least one bucket name")
    both = sorted(set(training) & set(artifacts))
    if both:
        raise ValueError(
            f"artifact_bucket_names: {both} are also in training_data_bucket_names; "
            "allowed: each bucket in one list only"
        )
    _check_unique_ids(training, artifacts)
    return training, artifacts


def _bucket_names(prop: str, names: Sequence[str]) -> tuple[str, ...]:
    if isinstance(names, str):
        raise ValueError(f"{prop}: got the string {names!r}; allowed: a list of bucket names")
    for index, name in enumerate(names):
        if not isinstance(name, str) or is_unresolved(name):
            raise ValueError(
                f"{prop}[{index}]: got {name!r}; allowed: a literal bucket name or a pattern "
                "with {account_id} or {region}, not a token (construct ids and GuardDuty's "
                "plans are derived from it)"
            )
        if is_pattern(name):
            validate_pattern(f"{prop}[{index}]", name)
        else:
            _validation.bucket_name(f"{prop}[{index}]", name)
    duplicates = sorted({name for name in names if list(names).count(name) > 1})
    if duplicates:
        raise ValueError(f"{prop}: {duplicates} appear more than once; allowed: each once")
    return tuple(names)


def _pascal(bucket_name: str) -> str:
    return "".join(part.capitalize() for part in _BUCKET_PART.split(bucket_name))


def _check_unique_ids(*groups: Sequence[str]) -> None:
    seen: dict[str, str] = {}
    for name in (name for group in groups for name in group):
        other = seen.setdefault(_pascal(id_name(name)), name)
        if other != name:
            raise ValueError(
                f"bucket names {other!r} and {name!r} differ only in '.' and '-' (or a "
                "placeholder and its name), which the construct ids drop; allowed: names that "
                "differ otherwise"
            )


def role_arns(prop: str, arns: Sequence[str]) -> list[str]:
    """``arns`` if it is a non-empty list of IAM role ARN patterns."""
    if isinstance(arns, str) or not arns:
        raise ValueError(
            f"{prop}: got {arns!r}; allowed: a non-empty list of role ARN patterns such as "
            "'arn:aws:iam::*:role/lz-*'"
        )
    for index, arn in enumerate(arns):
        if not isinstance(arn, str) or not _ROLE_ARN.fullmatch(arn):
            raise ValueError(
                f"{prop}[{index}]: got {arn!r}; allowed: an IAM role ARN pattern such as "
                "'arn:aws:iam::*:role/lz-*'"
            )
    return list(arns)
