"""Training-data and model-artifact buckets of an AI workload account, the SageMaker role that
trains from one into the other, Macie scans of the training data (scheduled, and on demand
before training) and GuardDuty malware scans of every new object."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.ai.bucket_names import (
    bounded_pattern,
    expand,
    id_name,
    is_pattern,
    validate_pattern,
)
from landing_zone.common import AwsSdkCallHandler, pseudo
from landing_zone.common.nag import granular_resource
from landing_zone.common.naming import MAX_IAM_NAME
from landing_zone.common.protection import deny_bucket_configuration, unless
from landing_zone.common.step_functions import LOG_DELIVERY_ACTIONS, TRACING_ACTIONS
from landing_zone.common.tokens import is_unresolved
from landing_zone.detection import S3MalwareProtection
from landing_zone.keys.defaults import bucket_encryption
from landing_zone.logging import _validation
from landing_zone.logging.log_buckets import AccessLogBucket

MANAGED_DATA_IDENTIFIER_SELECTORS = ("ALL", "RECOMMENDED")
"""Managed data identifier sets a Macie job may use (``managedDataIdentifierSelector``)."""

WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
"""Days a weekly Macie job may run on (``weeklySchedule.dayOfWeek``)."""

CLEAN_SCAN_STATUS = "NO_THREATS_FOUND"
"""The ``GuardDutyMalwareScanStatus`` tag value of an object GuardDuty scanned and found clean."""

MACIE_KEY_SID = "MacieReadsTrainingData"

SCAN_TAG_ACTIONS = (
    "s3:DeleteObjectTagging",
    "s3:DeleteObjectVersionTagging",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
)
"""Object tag changes only GuardDuty's scanner may make: a forged ``NO_THREATS_FOUND`` tag would
let the training role read an unscanned object (``s3:PutObject`` with tags needs
``s3:PutObjectTagging`` too)."""

DEFAULT_SCAN_TIMEOUT = Duration.hours(24)
"""How long ``on_demand_scan`` waits for its Macie job by default."""

_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}|\*):role/[A-Za-z0-9+=,.@_*/-]{1,512}")
_BUCKET_PART = re.compile(r"[.-]")
_SCAN_POLL_INTERVAL = Duration.minutes(5)
_MACIE_RETRY_ERRORS = ["Macie2.ThrottlingException", "Macie2.InternalServerException"]
_NOT_REPLICATED = (
    "Training data and model artifacts stay in the account and region of the workload that "
    "owns them: a cross-region copy of training data, which may hold personal data, is a data "
    "residency decision of that workload's disaster recovery plan, not of the landing zone. "
    "Versioning keeps every overwritten or deleted object recoverable in the region."
)


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
        encryption_key: kms.IKey,
        access_log_bucket_name: str,
        log_key: kms.IKey,
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
            (:func:`macie_key_policy_statement`).
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
        self._name_prefix = name_prefix
        training, artifacts = check_bucket_names(training_data_bucket_names, artifact_bucket_names)
        _validation.bucket_name("access_log_bucket_name", access_log_bucket_name)
        if access_log_bucket_name in (*training, *artifacts):
            raise ValueError(
                f"access_log_bucket_name: {access_log_bucket_name!r} is also a training-data or "
                "artifact bucket; allowed: a bucket name of its own"
            )
        admins = _role_arns("landing_zone_role_arns", landing_zone_role_arns)
        schedule = _schedule(scan_weekday)
        if managed_data_identifiers not in MANAGED_DATA_IDENTIFIER_SELECTORS:
            raise ValueError(
                f"managed_data_identifiers: got {managed_data_identifiers!r}; allowed: "
                f"{' or '.join(MANAGED_DATA_IDENTIFIER_SELECTORS)}"
            )
        if not scan_timeout.is_unresolved() and scan_timeout.to_seconds() <= (
            _SCAN_POLL_INTERVAL.to_seconds()
        ):
            raise ValueError(
                f"scan_timeout: got {scan_timeout.to_human_string()}; allowed: more than "
                f"{_SCAN_POLL_INTERVAL.to_human_string()}, the time between two polls of the job"
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
        self.access_log_bucket = AccessLogBucket(
            self, "AccessLogs", bucket_name=access_log_bucket_name
        ).bucket
        self.training_data_buckets: dict[str, s3.Bucket] = {
            name: self._bucket(
                f"TrainingData{_pascal(id_name(name))}",
                name,
                admins,
                training_data_noncurrent_version_days,
            )
            for name in training
        }
        self.artifact_buckets: dict[str, s3.Bucket] = {
            name: self._bucket(
                f"Artifacts{_pascal(id_name(name))}", name, admins, artifact_noncurrent_version_days
            )
            for name in artifacts
        }
        for bucket in self.artifact_buckets.values():
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
        self.malware_protection = self._malware_protection()
        self.training_role = self._training_role(training, artifacts, training_role_name)
        handler = AwsSdkCallHandler.of(self)
        self.findings_publication = self._findings_publication(handler)
        job_definition = {
            "s3JobDefinition": {
                "bucketDefinitions": [
                    {
                        "accountId": pseudo.ACCOUNT_ID,
                        "buckets": [expand(n) for n in sorted(training)],
                    }
                ]
            },
            "managedDataIdentifierSelector": managed_data_identifiers,
            "samplingPercentage": 100,
        }
        self.classification_job = self._classification_job(handler, job_definition, schedule)
        self.classification_job_id = self.classification_job.get_response_field("jobId")
        """The id of the scheduled Macie job (a token)."""
        self.on_demand_scan = self._on_demand_scan(
            job_definition,
            log_key=log_key,
            log_retention=log_retention,
            fail_on_sensitive_data=fail_on_sensitive_data,
            timeout=scan_timeout,
        )

    @property
    def buckets(self) -> dict[str, s3.Bucket]:
        """Every training-data and artifact bucket by its configured name (the pattern, for a
        pattern)."""
        return {**self.training_data_buckets, **self.artifact_buckets}

    def _bucket(
        self, construct_id: str, name: str, admins: list[str], noncurrent_days: int
    ) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            construct_id,
            bucket_name=expand(name),
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=RemovalPolicy.RETAIN,
            server_access_logs_bucket=self.access_log_bucket,
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
            **bucket_encryption(self.encryption_key),
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

    def _malware_protection(self) -> list[S3MalwareProtection]:
        protections = []
        for name, bucket in self.buckets.items():
            protection = S3MalwareProtection(
                self,
                f"MalwareProtection{_pascal(id_name(name))}",
                bucket_name=expand(name),
                kms_key_arn=self.encryption_key.key_arn,
                name=None
                if self._name_prefix is None
                else expand(bounded_pattern(f"{self._name_prefix}s3-scan-{name}", MAX_IAM_NAME)),
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

    def _training_role(
        self, training: Sequence[str], artifacts: Sequence[str], role_name: str | None
    ) -> iam.Role:
        stack = Stack.of(self)
        role = iam.Role(
            self,
            "TrainingRole",
            role_name=role_name,
            assumed_by=iam.ServicePrincipal(
                "sagemaker.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": (
                            f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}:*"
                        )
                    },
                },
            ),
            description="SageMaker training: reads the training data, writes the artifacts",
        )
        bucket_arns = [self.buckets[name].bucket_arn for name in (*training, *artifacts)]
        statements = [
            iam.PolicyStatement(
                sid="ListTrainingDataAndArtifacts",
                actions=["s3:ListBucket"],
                resources=bucket_arns,
            ),
            iam.PolicyStatement(
                sid="ReadScannedTrainingData",
                actions=["s3:GetObject"],
                resources=[self.buckets[name].arn_for_objects("*") for name in training],
                # Only what GuardDuty scanned and found clean; unscanned objects fail the job.
                conditions={
                    "StringEquals": {
                        "s3:ExistingObjectTag/GuardDutyMalwareScanStatus": CLEAN_SCAN_STATUS
                    }
                },
            ),
            *(
                [
                    # A restored or uploaded checkpoint is read only once GuardDuty found it
                    # clean, like training data; what training writes is scanned in turn.
                    iam.PolicyStatement(
                        sid="ReadScannedArtifacts",
                        actions=["s3:GetObject"],
                        resources=[self.buckets[name].arn_for_objects("*") for name in artifacts],
                        conditions={
                            "StringEquals": {
                                "s3:ExistingObjectTag/GuardDutyMalwareScanStatus": (
                                    CLEAN_SCAN_STATUS
                                )
                            }
                        },
                    ),
                    iam.PolicyStatement(
                        sid="WriteArtifacts",
                        actions=["s3:PutObject"],
                        resources=[self.buckets[name].arn_for_objects("*") for name in artifacts],
                    ),
                ]
                if artifacts
                else []
            ),
            iam.PolicyStatement(
                sid="UseAiKeyThroughS3ForTheseBuckets",
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[self.encryption_key.key_arn],
                conditions={
                    "StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"},
                    # With S3 Bucket Keys the context is the bucket's ARN, else the object's.
                    "ArnLike": {
                        "kms:EncryptionContext:aws:s3:arn": [
                            arn for bucket in bucket_arns for arn in (bucket, f"{bucket}/*")
                        ]
                    },
                },
            ),
            iam.PolicyStatement(
                sid="GetEcrAuthorizationToken",
                # GetAuthorizationToken has no resource type.
                actions=["ecr:GetAuthorizationToken"],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="PullTrainingImagesOfThisAccount",
                actions=[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                resources=[_repositories(stack)],
            ),
            iam.PolicyStatement(
                sid="WriteSageMakerLogs",
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                ],
                resources=[_sagemaker_logs(stack)],
            ),
            iam.PolicyStatement(
                sid="DescribeNetworkForVpcJobs",
                # The EC2 Describe actions have no resource type.
                actions=[
                    "ec2:DescribeDhcpOptions",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcs",
                ],
                resources=["*"],
                conditions={"StringEquals": {"aws:RequestedRegion": stack.region}},
            ),
            iam.PolicyStatement(
                sid="ManageNetworkInterfacesOfVpcJobs",
                actions=[
                    "ec2:CreateNetworkInterface",
                    "ec2:CreateNetworkInterfacePermission",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DeleteNetworkInterfacePermission",
                ],
                resources=list(_network_resources(stack).values()),
            ),
        ]
        policy = iam.ManagedPolicy(
            self,
            "TrainingPolicy",
            managed_policy_name=self._named(f"sagemaker-training-{stack.region}"),
            roles=[role],
            statements=statements,
        )
        wildcards = {
            **{
                f"{self.buckets[name].bucket_arn}/*": (
                    "SageMaker reads every object of the training-data bucket that GuardDuty "
                    "found clean; object keys are chosen by the data owners"
                )
                for name in training
            },
            **{
                f"{self.buckets[name].bucket_arn}/*": (
                    "training jobs write model artifacts and checkpoints under keys they choose"
                )
                for name in artifacts
            },
            _repositories(stack): (
                "training images come from this account's ECR repositories only; which ones "
                "is the workload's choice"
            ),
            _sagemaker_logs(stack): (
                "SageMaker names its log groups and streams after the job (/aws/sagemaker/"
                "TrainingJobs and others); only that prefix"
            ),
            **{
                arn: (
                    f"SageMaker attaches network interfaces to the {kind}s a VPC-bound job names; "
                    "this account and region only"
                )
                for kind, arn in _network_resources(stack).items()
            },
        }
        Validations.of(policy).acknowledge(
            *(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::{granular_resource(self, resource)}]",
                    reason=f"Training role: {why}.",
                )
                for resource, why in wildcards.items()
            ),
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=(
                    "ecr:GetAuthorizationToken and the EC2 Describe actions have no resource "
                    "type in the Service Authorization Reference, so IAM only accepts '*'; the "
                    "Describe actions are limited to this region."
                ),
            ),
        )
        return role

    def _findings_publication(self, handler: AwsSdkCallHandler) -> cr.AwsCustomResource:
        return handler.sdk_call(
            self,
            "FindingsPublication",
            on_update=cr.AwsSdkCall(
                service="Macie2",
                action="putFindingsPublicationConfiguration",
                parameters={
                    "securityHubConfiguration": {
                        "publishClassificationFindings": True,
                        "publishPolicyFindings": True,
                    }
                },
                physical_resource_id=cr.PhysicalResourceId.of(
                    f"{pseudo.ACCOUNT_ID}-{pseudo.REGION}-macie-findings-publication"
                ),
            ),
            statements=[
                iam.PolicyStatement(
                    sid="PublishMacieFindingsToSecurityHub",
                    # The action has no resource type; it acts in this stack's region.
                    actions=["macie2:PutFindingsPublicationConfiguration"],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:RequestedRegion": pseudo.REGION}},
                )
            ],
            acknowledge_wildcard_resource=True,
        )

    def _classification_job(
        self,
        handler: AwsSdkCallHandler,
        job_definition: Mapping[str, object],
        schedule: Mapping[str, object],
    ) -> cr.AwsCustomResource:
        # Literal parts only: a token's text changes between synths without any change.
        literal = {**job_definition, "s3JobDefinition": sorted(self.training_data_buckets)}
        digest = hashlib.sha256(
            json.dumps({**literal, "scheduleFrequency": schedule}, sort_keys=True).encode()
        ).hexdigest()[:16]
        jobs = _classification_jobs()
        job = handler.sdk_call(
            self,
            "ClassificationJob",
            on_update=cr.AwsSdkCall(
                service="Macie2",
                action="createClassificationJob",
                # No clientToken: the SDK makes one per call, so a definition that comes back
                # (A, B, A) gets a new job instead of the cancelled one of that token.
                parameters={
                    **job_definition,
                    "name": f"training-data-scan-{digest}",
                    "description": "Landing zone: scheduled scan of the training-data buckets",
                    "jobType": "SCHEDULED",
                    "scheduleFrequency": schedule,
                    "initialRun": True,
                },
                physical_resource_id=cr.PhysicalResourceId.from_response("jobId"),
                output_paths=["jobArn", "jobId"],
            ),
            on_delete=cr.AwsSdkCall(
                service="Macie2",
                action="updateClassificationJob",
                parameters={"jobId": cr.PhysicalResourceIdReference(), "jobStatus": "CANCELLED"},
                # After a failed create the physical id is no job id; a gone job needs nothing.
                ignore_error_codes_matching="^(ResourceNotFoundException|ValidationException)$",
            ),
            statements=[
                iam.PolicyStatement(
                    sid="CreateAndCancelTrainingDataScan",
                    actions=["macie2:CreateClassificationJob", "macie2:UpdateClassificationJob"],
                    resources=[jobs],
                )
            ],
        )
        Validations.of(handler.policy).acknowledge(_jobs_acknowledgment(self, "the handler"))
        # Findings of the first run go to Security Hub; Macie checks the buckets exist.
        job.node.add_dependency(self.findings_publication)
        for bucket in self.training_data_buckets.values():
            job.node.add_dependency(bucket)
        return job

    def _on_demand_scan(
        self,
        job_definition: Mapping[str, object],
        *,
        log_key: kms.IKey,
        log_retention: logs.RetentionDays,
        fail_on_sensitive_data: bool,
        timeout: Duration,
    ) -> sfn.StateMachine:
        stack = Stack.of(self)
        jobs = _classification_jobs()
        create = tasks.CallAwsService(
            self,
            "CreateScan",
            service="macie2",
            action="createClassificationJob",
            # AWS SDK integrations take the API's members in PascalCase.
            parameters={
                **_pascal_members(job_definition),
                "ClientToken": sfn.JsonPath.execution_name,
                "Name": sfn.JsonPath.format("pre-training-scan-{}", sfn.JsonPath.execution_name),
                "Description": "Landing zone: scan of the training-data buckets before training",
                "JobType": "ONE_TIME",
            },
            iam_resources=[jobs],
            result_selector={
                "jobId": sfn.JsonPath.string_at("$.JobId"),
                "jobArn": sfn.JsonPath.string_at("$.JobArn"),
            },
            result_path="$.scan",
        )
        describe = tasks.CallAwsService(
            self,
            "DescribeScan",
            service="macie2",
            action="describeClassificationJob",
            parameters={"JobId": sfn.JsonPath.string_at("$.scan.jobId")},
            iam_resources=[jobs],
            result_path="$.job",
        )
        list_findings = tasks.CallAwsService(
            self,
            "ListScanFindings",
            service="macie2",
            action="listFindings",
            parameters={
                "FindingCriteria": {
                    "Criterion": {
                        "classificationDetails.jobId": {
                            "Eq": sfn.JsonPath.array(sfn.JsonPath.string_at("$.scan.jobId"))
                        },
                        "archived": {"Eq": ["false"]},
                    }
                },
                "MaxResults": 50,
            },
            iam_resources=["*"],
            result_selector={"findingIds": sfn.JsonPath.list_at("$.FindingIds")},
            result_path="$.findings",
        )
        for task in (create, describe, list_findings):
            task.add_retry(
                errors=_MACIE_RETRY_ERRORS,
                interval=Duration.seconds(10),
                max_attempts=5,
                backoff_rate=2,
            )
        succeed = sfn.Succeed(self, "ScanPassed")
        after_findings: sfn.IChainable = (
            sfn.Choice(self, "SensitiveDataFound?")
            .when(
                sfn.Condition.is_present("$.findings.findingIds[0]"),
                sfn.Fail(
                    self,
                    "SensitiveDataFound",
                    error="SensitiveDataFound",
                    cause_path=sfn.JsonPath.format(
                        "Macie reported sensitive data in the training data: review the "
                        "findings of job {} before training",
                        sfn.JsonPath.string_at("$.scan.jobId"),
                    ),
                ),
            )
            .otherwise(succeed)
            if fail_on_sensitive_data
            else succeed
        )
        wait = sfn.Wait(self, "WaitForScan", time=sfn.WaitTime.duration(_SCAN_POLL_INTERVAL))
        finished = (
            sfn.Choice(self, "ScanFinished?")
            .when(
                sfn.Condition.string_equals("$.job.JobStatus", "COMPLETE"),
                sfn.Choice(self, "ScanHadErrors?")
                .when(
                    sfn.Condition.and_(
                        sfn.Condition.is_present("$.job.LastRunErrorStatus.Code"),
                        sfn.Condition.string_equals("$.job.LastRunErrorStatus.Code", "ERROR"),
                    ),
                    sfn.Fail(
                        self,
                        "ScanIncomplete",
                        error="ScanIncomplete",
                        cause_path=sfn.JsonPath.format(
                            "Macie job {} could not analyze some objects (access or decryption "
                            "errors), so the training data is not known to be clean",
                            sfn.JsonPath.string_at("$.scan.jobId"),
                        ),
                    ),
                )
                .otherwise(list_findings.next(after_findings)),
            )
            .when(
                sfn.Condition.string_equals("$.job.JobStatus", "CANCELLED"),
                sfn.Fail(
                    self,
                    "ScanCancelled",
                    error="ScanCancelled",
                    cause="The Macie job was cancelled before it completed",
                ),
            )
            .otherwise(wait)
        )
        definition = create.next(wait.next(describe.next(finished)))

        role = iam.Role(
            self,
            "OnDemandScanRole",
            assumed_by=iam.ServicePrincipal(
                "states.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": (
                            f"arn:{stack.partition}:states:{stack.region}:{stack.account}:"
                            "stateMachine:*"
                        )
                    },
                },
            ),
            description="Runs the Macie scan of the training data before training",
            role_name=self._named(f"training-data-scan-{stack.region}"),
        )
        policy = iam.ManagedPolicy(
            self,
            "OnDemandScanPolicy",
            managed_policy_name=self._named(f"training-data-scan-{stack.region}"),
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    sid="CreateAndFollowPreTrainingScans",
                    actions=["macie2:CreateClassificationJob", "macie2:DescribeClassificationJob"],
                    resources=[jobs],
                ),
                iam.PolicyStatement(
                    sid="ListPreTrainingScanFindings",
                    # ListFindings has no resource type.
                    actions=["macie2:ListFindings"],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:RequestedRegion": stack.region}},
                ),
                iam.PolicyStatement(
                    sid="DeliverStateMachineLogs",
                    actions=list(LOG_DELIVERY_ACTIONS),
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="WriteStateMachineTraces",
                    actions=list(TRACING_ACTIONS),
                    resources=["*"],
                ),
            ],
        )
        Validations.of(policy).acknowledge(
            _jobs_acknowledgment(self, "the on-demand scan"),
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=(
                    "macie2:ListFindings (limited to this region), the CloudWatch Logs delivery "
                    "actions Step Functions needs for logging and the X-Ray write actions have "
                    "no resource type in the Service Authorization Reference, so IAM only "
                    "accepts '*'."
                ),
            ),
        )
        log_group = logs.LogGroup(
            self,
            "OnDemandScanLogs",
            log_group_name=self._named("training-data-scan"),
            encryption_key=log_key,
            retention=log_retention,
            removal_policy=RemovalPolicy.RETAIN,
        )
        state_machine = sfn.StateMachine(
            self,
            "OnDemandScan",
            state_machine_name=self._named("training-data-scan"),
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            # The managed policy above grants the role; no inline default policy.
            role=role.without_policy_updates(),
            timeout=timeout,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL),
            comment="Scans the training-data buckets with Macie; start it before training",
        )
        state_machine.node.add_dependency(policy)
        return state_machine

    def _named(self, name: str) -> str | None:
        return None if self._name_prefix is None else f"{self._name_prefix}{name}"


def macie_key_policy_statement() -> iam.PolicyStatement:
    """The key policy statement that lets Macie's service-linked role of the key's account
    decrypt objects of S3 buckets encrypted with the key, which its scans must read; the role's
    AWS managed policy grants no KMS action.

    For the ``ai-artifacts`` key's ``additional_key_policy_statements``. The role is matched on
    ``aws:PrincipalArn`` rather than named as principal, because KMS rejects a key policy that
    names a role that does not exist yet, and Macie creates its role only when it is enabled.
    """
    return iam.PolicyStatement(
        sid=MACIE_KEY_SID,
        principals=[iam.AnyPrincipal()],
        actions=["kms:Decrypt"],
        resources=["*"],
        conditions={
            "StringEquals": {
                "aws:PrincipalArn": (
                    f"arn:{pseudo.PARTITION}:iam::{pseudo.ACCOUNT_ID}:role/aws-service-role/"
                    "macie.amazonaws.com/AWSServiceRoleForAmazonMacie"
                ),
                "kms:CallerAccount": pseudo.ACCOUNT_ID,
                "kms:ViaService": f"s3.{pseudo.REGION}.amazonaws.com",
            }
        },
    )


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


def _role_arns(prop: str, arns: Sequence[str]) -> list[str]:
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


def _schedule(weekday: str | None) -> dict[str, object]:
    if weekday is None:
        return {"dailySchedule": {}}
    if weekday not in WEEKDAYS:
        raise ValueError(
            f"scan_weekday: got {weekday!r}; allowed: None (daily) or one of {', '.join(WEEKDAYS)}"
        )
    return {"weeklySchedule": {"dayOfWeek": weekday}}


def _pascal_members(members: Mapping[str, object]) -> dict[str, object]:
    """``members`` with every key capitalized, nested ones too: Step Functions' AWS SDK
    integrations name the members of an API that uses camelCase so."""
    return {key[:1].upper() + key[1:]: _pascal_value(value) for key, value in members.items()}


def _pascal_value(value: object) -> object:
    if isinstance(value, Mapping):
        return _pascal_members(value)
    if isinstance(value, list):
        return [_pascal_value(item) for item in value]
    return value


def _classification_jobs() -> str:
    return f"arn:{pseudo.PARTITION}:macie2:{pseudo.REGION}:{pseudo.ACCOUNT_ID}:classification-job/*"


def _jobs_acknowledgment(scope: Construct, who: str) -> Acknowledgment:
    return Acknowledgment(
        id=f"AwsSolutions-IAM5[Resource::{granular_resource(scope, _classification_jobs())}]",
        reason=(
            f"Macie assigns the job id when {who} creates the job, so the policy cannot name "
            "it; only Macie jobs of this account and region."
        ),
    )


def _repositories(stack: Stack) -> str:
    return f"arn:{stack.partition}:ecr:{stack.region}:{stack.account}:repository/*"


def _sagemaker_logs(stack: Stack) -> str:
    return f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:/aws/sagemaker/*"


def _network_resources(stack: Stack) -> dict[str, str]:
    prefix = f"arn:{stack.partition}:ec2:{stack.region}:{stack.account}"
    return {
        kind: f"{prefix}:{kind}/*" for kind in ("network-interface", "security-group", "subnet")
    }
