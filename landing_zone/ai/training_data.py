"""Training-data and model-artifact buckets of an AI workload account, the SageMaker role that
trains from one into the other, Macie scans of the training data (scheduled, and on demand
before training) and GuardDuty malware scans of every new object.

The construct composes three jobs, one module each: ``training_buckets`` (the buckets, their
policies and the malware protection plans), ``training_role`` (the SageMaker role) and
``training_scan`` (the Macie jobs and the on-demand scan)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from landing_zone.ai.training_buckets import (
    CLEAN_SCAN_STATUS,
    SCAN_TAG_ACTIONS,
    bucket_construct_id,
    check_bucket_names,
    deny_deleting_artifact_versions,
    malware_protection,
    role_arns,
    training_bucket,
)
from landing_zone.ai.training_role import training_role
from landing_zone.ai.training_scan import (
    DEFAULT_SCAN_TIMEOUT,
    MACIE_KEY_SID,
    MANAGED_DATA_IDENTIFIER_SELECTORS,
    SCAN_POLL_INTERVAL,
    WEEKDAYS,
    classification_job,
    findings_publication,
    job_definition,
    macie_key_policy_statement,
    on_demand_scan,
    prefixed_name,
    schedule,
)
from landing_zone.common import AwsSdkCallHandler
from landing_zone.keys.key_input import KeyInput, as_key
from landing_zone.logging import _validation
from landing_zone.logging.log_buckets import AccessLogBucket

__all__ = [
    "CLEAN_SCAN_STATUS",
    "DEFAULT_SCAN_TIMEOUT",
    "MACIE_KEY_SID",
    "MANAGED_DATA_IDENTIFIER_SELECTORS",
    "SCAN_TAG_ACTIONS",
    "WEEKDAYS",
    "TrainingData",
    "check_bucket_names",
    "macie_key_policy_statement",
]


class TrainingData(Construct):
    """The S3 side of model training in an AI workload account and region.

    **Buckets.** One per name of ``training_data_bucket_names`` (``training_data_buckets``) and
    of ``artifact_bucket_names`` (``artifact_buckets``), with exactly that name: SSE-KMS with
    ``encryption_key`` and an S3 Bucket Key, versioned, Block Public Access, ACLs disabled,
    TLS 1.2 or later only, server access logs to ``access_log_bucket`` (an ``AccessLogBucket``,
    SSE-S3 as S3 requires of log destinations), retained when the stack goes. Noncurrent
    versions expire after ``training_data_noncurrent_version_days`` (an erased record must
    really go) or ``artifact_noncurrent_version_days`` (the history of artifacts is evidence).
    Each bucket policy denies changing the bucket's versioning, Object Lock, lifecycle,
    encryption, logging or policy, and deleting it, to everyone but ``landing_zone_role_arns``;
    artifact buckets also deny deleting object versions, so an overwritten (possibly poisoned)
    artifact keeps its original until the lifecycle expires it. Object Lock is not used: with
    version deletes denied by the policy, GOVERNANCE mode stops nobody the policy does not
    already stop (whoever may lift the deny may also bypass governance), it needs a checksum on
    every upload (unverified for SageMaker's output upload) and cannot be turned off again.

    **Training role.** ``training_role``, assumed only by SageMaker of this account and region:
    reads the training-data and artifact buckets (only objects GuardDuty tagged
    ``NO_THREATS_FOUND``), writes the artifact buckets (no delete), uses ``encryption_key`` only
    through S3 for those buckets, pulls images from this account's ECR repositories, writes
    ``/aws/sagemaker/*`` logs and manages the network interfaces of VPC-bound jobs. No
    ``s3:*``, no bucket besides these.

    **Macie.** ``classification_job``, a scheduled sensitive data discovery job over the
    training-data buckets (daily, or weekly on ``scan_weekday``; first run at creation), made
    with ``CreateClassificationJob`` through the stack's ``AwsSdkCallHandler``. Macie jobs can
    be neither changed nor deleted: the physical id is the job id, and a changed definition
    (buckets, schedule, identifiers; the job name carries its digest) creates a new job, after
    which CloudFormation deletes the old resource, which cancels that job
    (``UpdateClassificationJob`` ``CANCELLED``), as does deleting the construct.
    ``on_demand_scan``, a Step Functions state machine (no Lambda), runs a ``ONE_TIME`` job over
    the same buckets and polls it until it completes; it fails when the job is cancelled,
    reports errors (objects it could not analyze) or, with ``fail_on_sensitive_data``, has
    findings. A training pipeline starts it and trains only when it succeeds.
    ``findings_publication`` turns on publishing sensitive data and policy findings to Security
    Hub in this account and region (``PutFindingsPublicationConfiguration``; Macie publishes
    sensitive data findings only when asked to). The route to the alert topic is then: Macie
    -> Security Hub of this member account -> the Security Hub administrator (security tooling)
    -> ``FindingAlerts`` ("Security Hub Findings - Imported" at or above its severity) -> alert
    topic. *Unverified* (no AWS account): that route end to end, and that Macie lists a job's
    findings (``ListFindings`` by ``classificationDetails.jobId``) by the time the job is
    ``COMPLETE``.

    Macie must be enabled in the account and region (organization auto-enable from the security
    tooling account does it), and its service-linked role must be able to decrypt with
    ``encryption_key``: give the key :func:`macie_key_policy_statement`.

    **GuardDuty.** ``malware_protection``, one ``S3MalwareProtection`` plan per bucket, which
    scans every new object and tags it ``GuardDutyMalwareScanStatus``. Each bucket policy lets
    only its plan's role change object tags, so the training role's condition on that tag cannot
    be met by a forged one; an object that is not (yet) scanned clean fails the training job.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        training_data_bucket_names: Sequence[str],
        artifact_bucket_names: Sequence[str],
        encryption_key: KeyInput,
        access_log_bucket_name: str,
        log_key: KeyInput,
        landing_zone_role_arns: Sequence[str],
        training_role_name: str | None = None,
        scan_weekday: str | None = None,
        managed_data_identifiers: str = "ALL",
        fail_on_sensitive_data: bool = True,
        scan_timeout: Duration = DEFAULT_SCAN_TIMEOUT,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        training_data_noncurrent_version_days: int = 30,
        artifact_noncurrent_version_days: int = 365,
        name_prefix: str | None = None,
    ) -> None:
        """
        :param training_data_bucket_names: Names of the training-data buckets, at least one, as
            the config names them (the AI job functions' ``training_data_buckets``). A name may
            be a pattern with ``{account_id}`` and ``{region}`` (``bucket_names``), which the
            template fills in with the pseudo parameters, so that one template serves many
            accounts; construct ids then come from the pattern, never from an account id.
        :param artifact_bucket_names: Names or patterns of the model-artifact buckets (the
            config's ``artifact_buckets``); may be empty. No name may be in both lists.
        :param encryption_key: The account's ``ai-artifacts`` key. Its policy must let
            principals of the account use it through S3 (a ``DataClassKey`` with service
            ``s3`` does) and Macie's service-linked role decrypt
            (:func:`macie_key_policy_statement`). A ``kms.IKey`` or the ``DataClassKey`` itself.
        :param access_log_bucket_name: Name of the bucket created for the buckets' server
            access logs.
        :param log_key: Encrypts the log group of ``on_demand_scan``; its policy must let
            CloudWatch Logs use it (the ``logs`` data class key does).
        :param landing_zone_role_arns: ARN patterns (``arn:aws:iam::*:role/lz-*``) of the roles
            that alone may change the buckets' settings and delete artifact versions; they must
            include the role that deploys this template (the StackSet execution role), or
            CloudFormation cannot update the buckets. The account's root user can always
            replace a bucket policy.
        :param training_role_name: Name of the training role, which pipelines pass to SageMaker
            (the ml_engineer job function's ``execution_role_names``). Not under the
            landing-zone prefix: the guardrails exempt those roles. In a template deployed to
            several regions of one account, put the region in it. Default: a name
            CloudFormation generates.
        :param scan_weekday: Run the scheduled Macie job weekly on this day (one of
            :data:`WEEKDAYS`). Default: daily.
        :param managed_data_identifiers: ``ALL`` or ``RECOMMENDED``. Default: ``ALL``. A model
            can repeat any personal data it was trained on and cannot be made to forget it, so
            the scan before training errs towards reporting too much; Macie charges per byte
            scanned, not per identifier.
        :param fail_on_sensitive_data: Whether ``on_demand_scan`` fails when its job has
            unarchived findings. Default: true, training waits for a person to review them
            (archive the findings or remove the data). With false it succeeds and returns the
            first finding ids.
        :param scan_timeout: Longest run of ``on_demand_scan`` before it fails (``States.Timeout``),
            more than the 5 minutes between two polls. Default: 24 hours.
        :param log_retention: Retention of the state machine's log group; never ``INFINITE``.
            Default: one year.
        :param training_data_noncurrent_version_days: Days after which an overwritten or
            deleted version of training data is deleted. Default: 30, so that erasing personal
            data completes within a month while a mistake can still be undone.
        :param artifact_noncurrent_version_days: The same for artifacts. Default: 365.
        :param name_prefix: The guardrails' protected prefix, which nobody but the landing zone
            may change: the malware scanners' roles and policies are then
            ``<prefix>s3-scan-<bucket>`` (cut to 64 characters with a hash), the training
            role's policy ``<prefix>sagemaker-training-<region>``, and the on-demand scan's
            role and policy ``<prefix>training-data-scan-<region>``, its state machine and log
            group ``<prefix>training-data-scan``. Default: names CloudFormation generates.
        """
        super().__init__(scope, construct_id)
        encryption_key = as_key("encryption_key", encryption_key)
        log_key = as_key("log_key", log_key)
        training, artifacts = check_bucket_names(training_data_bucket_names, artifact_bucket_names)
        _validation.bucket_name("access_log_bucket_name", access_log_bucket_name)
        if access_log_bucket_name in (*training, *artifacts):
            raise ValueError(
                f"access_log_bucket_name: {access_log_bucket_name!r} is also a training-data or "
                "artifact bucket; allowed: a bucket name of its own"
            )
        admins = role_arns("landing_zone_role_arns", landing_zone_role_arns)
        scan_schedule = schedule(scan_weekday)
        if managed_data_identifiers not in MANAGED_DATA_IDENTIFIER_SELECTORS:
            raise ValueError(
                f"managed_data_identifiers: got {managed_data_identifiers!r}; allowed: "
                f"{' or '.join(MANAGED_DATA_IDENTIFIER_SELECTORS)}"
            )
        if not scan_timeout.is_unresolved() and scan_timeout.to_seconds() <= (
            SCAN_POLL_INTERVAL.to_seconds()
        ):
            raise ValueError(
                f"scan_timeout: got {scan_timeout.to_human_string()}; allowed: more than "
                f"{SCAN_POLL_INTERVAL.to_human_string()}, the time between two polls of the job"
            )
        _validation.finite_retention(
            "log_retention", log_retention, "scan logs name buckets and findings of the account"
        )
        for prop, days in (
            ("training_data_noncurrent_version_days", training_data_noncurrent_version_days),
            ("artifact_noncurrent_version_days", artifact_noncurrent_version_days),
        ):
            _validation.days(prop, days)

        self.encryption_key = encryption_key
        """The key of every training-data and artifact bucket (``encryption_key``)."""
        self.access_log_bucket = AccessLogBucket(
            self, "AccessLogs", bucket_name=access_log_bucket_name
        ).bucket
        """The bucket of the buckets' server access logs."""
        self.training_data_buckets: dict[str, s3.Bucket] = {
            name: training_bucket(
                self,
                bucket_construct_id("TrainingData", name),
                name,
                admins=admins,
                noncurrent_days=training_data_noncurrent_version_days,
                encryption_key=encryption_key,
                access_log_bucket=self.access_log_bucket,
            )
            for name in training
        }
        """The training-data buckets by configured name (the pattern, for a pattern)."""
        self.artifact_buckets: dict[str, s3.Bucket] = {
            name: training_bucket(
                self,
                bucket_construct_id("Artifacts", name),
                name,
                admins=admins,
                noncurrent_days=artifact_noncurrent_version_days,
                encryption_key=encryption_key,
                access_log_bucket=self.access_log_bucket,
            )
            for name in artifacts
        }
        """The artifact buckets by configured name (the pattern, for a pattern)."""
        for bucket in self.artifact_buckets.values():
            deny_deleting_artifact_versions(bucket, admins)
        self.malware_protection = malware_protection(
            self, self.buckets, encryption_key=encryption_key, name_prefix=name_prefix
        )
        """One GuardDuty ``S3MalwareProtection`` plan per bucket."""
        self.training_role = training_role(
            self,
            training_data_buckets=self.training_data_buckets,
            artifact_buckets=self.artifact_buckets,
            encryption_key=encryption_key,
            role_name=training_role_name,
            policy_name=prefixed_name(name_prefix, f"sagemaker-training-{Stack.of(self).region}"),
        )
        """The role SageMaker training jobs run as."""
        handler = AwsSdkCallHandler.of(self)
        self.findings_publication = findings_publication(self, handler)
        """The custom resource that publishes Macie findings to Security Hub."""
        definition = job_definition(training, managed_data_identifiers)
        self.classification_job = classification_job(
            self,
            handler,
            definition,
            scan_schedule,
            training_data_buckets=self.training_data_buckets,
            findings_publication=self.findings_publication,
        )
        """The custom resource of the scheduled Macie job."""
        self.classification_job_id = self.classification_job.get_response_field("jobId")
        """The id of the scheduled Macie job (a token)."""
        self.on_demand_scan = on_demand_scan(
            self,
            definition,
            log_key=log_key,
            log_retention=log_retention,
            fail_on_sensitive_data=fail_on_sensitive_data,
            timeout=scan_timeout,
            name_prefix=name_prefix,
        )
        """The state machine a training pipeline starts before it trains."""

    @property
    def buckets(self) -> dict[str, s3.Bucket]:
        """Every training-data and artifact bucket by its configured name (the pattern, for a
        pattern)."""
        return {**self.training_data_buckets, **self.artifact_buckets}
