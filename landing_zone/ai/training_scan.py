"""The Macie side of ``TrainingData``: the scheduled sensitive data discovery job over the
training-data buckets, findings published to Security Hub, and the on-demand scan a training
pipeline runs before it trains."""

from __future__ import annotations

import hashlib
import json
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

from landing_zone.ai.bucket_names import expand
from landing_zone.common import AwsSdkCallHandler, pseudo
from landing_zone.common.nag import granular_resource
from landing_zone.common.step_functions import LOG_DELIVERY_ACTIONS, TRACING_ACTIONS

MANAGED_DATA_IDENTIFIER_SELECTORS = ("ALL", "RECOMMENDED")
"""Managed data identifier sets a Macie job may use (``managedDataIdentifierSelector``)."""

WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
"""Days a weekly Macie job may run on (``weeklySchedule.dayOfWeek``)."""

MACIE_KEY_SID = "MacieReadsTrainingData"

DEFAULT_SCAN_TIMEOUT = Duration.hours(24)
"""How long ``on_demand_scan`` waits for its Macie job by default."""

SCAN_POLL_INTERVAL = Duration.minutes(5)
"""Time between two polls of the on-demand scan's Macie job."""

_MACIE_RETRY_ERRORS = ["Macie2.ThrottlingException", "Macie2.InternalServerException"]


def job_definition(
    training_bucket_names: Sequence[str], managed_data_identifiers: str
) -> dict[str, object]:
    """The definition both Macie jobs share: every object of the training-data buckets
    (names or patterns, expanded) of this account, with ``managed_data_identifiers``."""
    return {
        "s3JobDefinition": {
            "bucketDefinitions": [
                {
                    "accountId": pseudo.ACCOUNT_ID,
                    "buckets": [expand(n) for n in sorted(training_bucket_names)],
                }
            ]
        },
        "managedDataIdentifierSelector": managed_data_identifiers,
        "samplingPercentage": 100,
    }


def findings_publication(scope: Construct, handler: AwsSdkCallHandler) -> cr.AwsCustomResource:
    """Macie publishes sensitive data and policy findings of this account and region to
    Security Hub (``PutFindingsPublicationConfiguration``)."""
    return handler.sdk_call(
        scope,
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


def classification_job(
    scope: Construct,
    handler: AwsSdkCallHandler,
    job_definition: Mapping[str, object],
    schedule: Mapping[str, object],
    *,
    training_data_buckets: Mapping[str, s3.IBucket],
    findings_publication: cr.AwsCustomResource,
) -> cr.AwsCustomResource:
    """The scheduled Macie job over ``training_data_buckets``, replaced (the old one cancelled)
    when its definition changes."""
    # Literal parts only: a token's text changes between synths without any change.
    literal = {**job_definition, "s3JobDefinition": sorted(training_data_buckets)}
    digest = hashlib.sha256(
        json.dumps({**literal, "scheduleFrequency": schedule}, sort_keys=True).encode()
    ).hexdigest()[:16]
    jobs = _classification_jobs()
    job = handler.sdk_call(
        scope,
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
    Validations.of(handler.policy).acknowledge(_jobs_acknowledgment(scope, "the handler"))
    # Findings of the first run go to Security Hub; Macie checks the buckets exist.
    job.node.add_dependency(findings_publication)
    for bucket in training_data_buckets.values():
        job.node.add_dependency(bucket)
    return job


def on_demand_scan(
    scope: Construct,
    job_definition: Mapping[str, object],
    *,
    log_key: kms.IKey,
    log_retention: logs.RetentionDays,
    fail_on_sensitive_data: bool,
    timeout: Duration,
    name_prefix: str | None,
) -> sfn.StateMachine:
    """The Step Functions state machine that runs a ``ONE_TIME`` Macie job over the training
    data and fails unless it completes clean (``TrainingData`` documents when)."""
    stack = Stack.of(scope)
    jobs = _classification_jobs()
    create = tasks.CallAwsService(
        scope,
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
        scope,
        "DescribeScan",
        service="macie2",
        action="describeClassificationJob",
        parameters={"JobId": sfn.JsonPath.string_at("$.scan.jobId")},
        iam_resources=[jobs],
        result_path="$.job",
    )
    list_findings = tasks.CallAwsService(
        scope,
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
    succeed = sfn.Succeed(scope, "ScanPassed")
    after_findings: sfn.IChainable = (
        sfn.Choice(scope, "SensitiveDataFound?")
        .when(
            sfn.Condition.is_present("$.findings.findingIds[0]"),
            sfn.Fail(
                scope,
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
    wait = sfn.Wait(scope, "WaitForScan", time=sfn.WaitTime.duration(SCAN_POLL_INTERVAL))
    finished = (
        sfn.Choice(scope, "ScanFinished?")
        .when(
            sfn.Condition.string_equals("$.job.JobStatus", "COMPLETE"),
            sfn.Choice(scope, "ScanHadErrors?")
            .when(
                sfn.Condition.and_(
                    sfn.Condition.is_present("$.job.LastRunErrorStatus.Code"),
                    sfn.Condition.string_equals("$.job.LastRunErrorStatus.Code", "ERROR"),
                ),
                sfn.Fail(
                    scope,
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
                scope,
                "ScanCancelled",
                error="ScanCancelled",
                cause="The Macie job was cancelled before it completed",
            ),
        )
        .otherwise(wait)
    )
    definition = create.next(wait.next(describe.next(finished)))

    role = iam.Role(
        scope,
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
        role_name=prefixed_name(name_prefix, f"training-data-scan-{stack.region}"),
    )
    policy = iam.ManagedPolicy(
        scope,
        "OnDemandScanPolicy",
        managed_policy_name=prefixed_name(name_prefix, f"training-data-scan-{stack.region}"),
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
        _jobs_acknowledgment(scope, "the on-demand scan"),
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
        scope,
        "OnDemandScanLogs",
        log_group_name=prefixed_name(name_prefix, "training-data-scan"),
        encryption_key=log_key,
        retention=log_retention,
        removal_policy=RemovalPolicy.RETAIN,
    )
    state_machine = sfn.StateMachine(
        scope,
        "OnDemandScan",
        state_machine_name=prefixed_name(name_prefix, "training-data-scan"),
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


def prefixed_name(name_prefix: str | None, name: str) -> str | None:
    """``name`` under ``name_prefix``, or ``None`` (CloudFormation names it) without a prefix."""
    return None if name_prefix is None else f"{name_prefix}{name}"


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


def schedule(weekday: str | None) -> dict[str, object]:
    """The ``scheduleFrequency`` of the scheduled job: daily, or weekly on ``weekday``."""
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
