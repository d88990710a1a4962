"""TrainingData: KMS, TLS-only, versioned training-data and artifact buckets, a SageMaker role
limited to them, Macie scans (scheduled and before training) and GuardDuty malware scans."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from aws_cdk import App, Duration, Environment, Stack, Token
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of, sdk_call, template_text
from constructs import Construct

from landing_zone.ai.training_data import (
    MACIE_KEY_SID,
    SCAN_TAG_ACTIONS,
    TrainingData,
    macie_key_policy_statement,
)
from landing_zone.common.protection import BUCKET_CONFIGURATION_ACTIONS
from landing_zone.compliance import violations
from landing_zone.keys import DataClassKey

ENV = Environment(account="888888888888", region="eu-west-1")
TRAINING = ("acme-ml-training-data-888888888888", "acme-ml-features-888888888888")
ARTIFACTS = ("acme-ml-artifacts-888888888888",)
ACCESS_LOGS = "acme-ml-access-logs-888888888888"
ADMINS = ("arn:aws:iam::*:role/lz-*", "arn:aws:iam::*:role/stacksets-exec-*")
ALL_BUCKETS = (*TRAINING, *ARTIFACTS)


def _stack(env: Environment | None = ENV) -> Stack:
    return Stack(App(context=cdk_context()), "Ai", env=env)


def _training_data(stack: Stack | None = None, **overrides: Any) -> TrainingData:
    stack = stack or _stack()
    ai_key = DataClassKey(
        stack,
        "AiKey",
        data_class="ai-artifacts",
        alias_prefix="acme",
        services=["s3", "sagemaker", "bedrock"],
        additional_key_policy_statements=[macie_key_policy_statement()],
    )
    logs_key = DataClassKey(
        stack, "LogsKey", data_class="logs", alias_prefix="acme", services=["logs"]
    )
    props: dict[str, Any] = {
        "training_data_bucket_names": TRAINING,
        "artifact_bucket_names": ARTIFACTS,
        "encryption_key": ai_key.key,
        "access_log_bucket_name": ACCESS_LOGS,
        "log_key": logs_key.key,
        "landing_zone_role_arns": ADMINS,
        **overrides,
    }
    return TrainingData(stack, "TrainingData", **props)


def _template(construct: TrainingData) -> dict[str, Any]:
    return dict(Template.from_stack(Stack.of(construct)).to_json())


@pytest.fixture(scope="module")
def construct() -> TrainingData:
    return _training_data()


@pytest.fixture(scope="module")
def template(construct: TrainingData) -> dict[str, Any]:
    return _template(construct)


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(template["Resources"])


def _of_type(resources: dict[str, dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in resources.items() if r["Type"] == kind}


def _key_id(construct: TrainingData) -> str:
    return logical_id_of(cast(Construct, construct.encryption_key))


def _bucket_ids(construct: TrainingData) -> dict[str, str]:
    """Logical id -> bucket name, for every training-data and artifact bucket."""
    return {logical_id_of(bucket): name for name, bucket in construct.buckets.items()}


def _bucket_policy(resources: dict[str, dict[str, Any]], bucket_id: str) -> list[dict[str, Any]]:
    (policy,) = [
        p
        for p in _of_type(resources, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_statements(resources: dict[str, dict[str, Any]], role_id: str) -> list[dict[str, Any]]:
    """Statements of every policy attached to the role: managed ones, and inline ones (which
    there must be none of)."""
    statements = []
    for policy in _of_type(resources, "AWS::IAM::ManagedPolicy").values():
        if {"Ref": role_id} in policy["Properties"].get("Roles", []):
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    role = resources[role_id]["Properties"]
    assert "Policies" not in role
    assert "ManagedPolicyArns" not in role
    return statements


def _resource_texts(statement: dict[str, Any]) -> list[str]:
    return [template_text(r) for r in _as_list(statement["Resource"])]


# --- buckets ------------------------------------------------------------------------------


def test_buckets_have_the_configured_names_and_pinned_logical_ids(construct: TrainingData) -> None:
    assert set(construct.training_data_buckets) == set(TRAINING)
    assert set(construct.artifact_buckets) == set(ARTIFACTS)
    # Stateful: a changed logical id would replace (and orphan) a bucket full of data.
    assert _bucket_ids(construct) == {
        "TrainingDataTrainingDataAcmeMlTrainingData888888888888F1B309D1": TRAINING[0],
        "TrainingDataTrainingDataAcmeMlFeatures88888888888805E75FEE": TRAINING[1],
        "TrainingDataArtifactsAcmeMlArtifacts8888888888887F5C70DD": ARTIFACTS[0],
    }
    assert logical_id_of(construct.access_log_bucket) == "TrainingDataAccessLogs2D323844"


def test_buckets_are_kms_encrypted_versioned_private_logged_and_retained(
    construct: TrainingData, resources: dict[str, dict[str, Any]]
) -> None:
    key_id = _key_id(construct)
    access_logs_id = logical_id_of(construct.access_log_bucket)
    for bucket_id, name in _bucket_ids(construct).items():
        bucket = resources[bucket_id]
        properties = bucket["Properties"]
        assert properties["BucketName"] == name
        assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
            {
                "BucketKeyEnabled": True,
                "ServerSideEncryptionByDefault": {
                    "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
                    "SSEAlgorithm": "aws:kms",
                },
            }
        ]
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert properties["OwnershipControls"] == {
            "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
        }
        assert properties["LoggingConfiguration"]["DestinationBucketName"] == {
            "Ref": access_logs_id
        }
        assert properties["LoggingConfiguration"]["LogFilePrefix"] == f"{name}/"
        assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
        # Object Lock is a deliberate no (see the class docstring).
        assert "ObjectLockEnabled" not in properties


def _noncurrent_days(resources: dict[str, dict[str, Any]], bucket_id: str) -> int:
    (rule,) = resources[bucket_id]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert "ExpirationInDays" not in rule
    return int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])


def test_noncurrent_versions_expire_sooner_for_training_data_than_for_artifacts(
    construct: TrainingData, resources: dict[str, dict[str, Any]]
) -> None:
    days = {
        name: _noncurrent_days(resources, bucket_id)
        for bucket_id, name in _bucket_ids(construct).items()
    }
    assert days == {TRAINING[0]: 30, TRAINING[1]: 30, ARTIFACTS[0]: 365}


def test_noncurrent_version_days_can_be_set() -> None:
    construct = _training_data(
        training_data_noncurrent_version_days=7, artifact_noncurrent_version_days=730
    )
    resources = _template(construct)["Resources"]
    assert {
        name: _noncurrent_days(resources, bucket_id)
        for bucket_id, name in _bucket_ids(construct).items()
    } == {TRAINING[0]: 7, TRAINING[1]: 7, ARTIFACTS[0]: 730}


def test_bucket_policies_deny_plain_http_and_tls_below_1_2(
    construct: TrainingData, resources: dict[str, dict[str, Any]]
) -> None:
    for bucket_id in _bucket_ids(construct):
        conditions = [
            s["Condition"]
            for s in _bucket_policy(resources, bucket_id)
            if s["Effect"] == "Deny" and s["Principal"] == {"AWS": "*"} and s["Action"] == "s3:*"
        ]
        assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
        assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in conditions


def test_only_landing_zone_roles_change_bucket_settings_or_delete_artifact_versions(
    construct: TrainingData, resources: dict[str, dict[str, Any]]
) -> None:
    not_landing_zone = {"ArnNotLike": {"aws:PrincipalArn": list(ADMINS)}}
    for bucket_id, name in _bucket_ids(construct).items():
        statements = {s.get("Sid"): s for s in _bucket_policy(resources, bucket_id)}
        settings = statements["DenyBucketConfigurationChanges"]
        assert (settings["Effect"], settings["Principal"]) == ("Deny", {"AWS": "*"})
        assert set(settings["Action"]) == set(BUCKET_CONFIGURATION_ACTIONS)
        assert {
            "s3:DeleteBucket",
            "s3:PutBucketVersioning",
            "s3:PutLifecycleConfiguration",
        } <= set(settings["Action"])
        assert settings["Resource"] == {"Fn::GetAtt": [bucket_id, "Arn"]}
        assert settings["Condition"] == not_landing_zone
        versions = statements.get("DenyDeletingArtifactVersions")
        if name in ARTIFACTS:
            assert versions is not None
            assert (versions["Effect"], versions["Action"]) == ("Deny", "s3:DeleteObjectVersion")
            assert template_text(versions["Resource"]) == f"${{{bucket_id}.Arn}}/*"
            assert versions["Condition"] == not_landing_zone
        else:
            # Erasing personal data from training data must stay possible.
            assert versions is None


def test_only_guardduty_changes_the_scan_result_tags(
    construct: TrainingData, resources: dict[str, dict[str, Any]]
) -> None:
    scanner_role = {
        resources[logical_id_of(p.resource)]["Properties"]["ProtectedResource"]["S3Bucket"][
            "BucketName"
        ]: logical_id_of(p.role)
        for p in construct.malware_protection
    }
    for bucket_id, name in _bucket_ids(construct).items():
        statements = {s.get("Sid"): s for s in _bucket_policy(resources, bucket_id)}
        tags = statements["OnlyGuardDutyTagsScanResults"]
        assert (tags["Effect"], tags["Principal"]) == ("Deny", {"AWS": "*"})
        assert set(tags["Action"]) == set(SCAN_TAG_ACTIONS)
        assert tags["Condition"] == {
            "ArnNotEquals": {"aws:PrincipalArn": {"Fn::GetAtt": [scanner_role[name], "Arn"]}}
        }


# --- training role ------------------------------------------------------------------------


def test_only_sagemaker_of_this_account_and_region_assumes_the_training_role(
    construct: TrainingData, resources: dict[str, dict[str, Any]]
) -> None:
    role = resources[logical_id_of(construct.training_role)]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "888888888888"},
        "ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:eu-west-1:888888888888:*"},
    }


def _s3_grants(statements: list[dict[str, Any]], ids: dict[str, str]) -> set[tuple[str, str]]:
    """(action, bucket name or 'name/*') for every S3 action the statements allow."""
    names = {f"${{{lid}.Arn}}": name for lid, name in ids.items()}
    grants = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            if not action.startswith("s3:"):
                continue
            for resource in _resource_texts(statement):
                arn, _, objects = resource.partition("/")
                # KeyError: a resource other than the named buckets.
                grants.add((action, names[arn] + ("/" + objects if objects else "")))
    return grants


def test_training_role_reaches_exactly_the_named_buckets(
    construct: TrainingData, resources: dict[str, dict[str, Any]]
) -> None:
    statements = _role_statements(resources, logical_id_of(construct.training_role))
    assert _s3_grants(statements, _bucket_ids(construct)) == {
        *(("s3:ListBucket", name) for name in ALL_BUCKETS),
        *(("s3:GetObject", f"{name}/*") for name in TRAINING),
        *(("s3:GetObject", f"{name}/*") for name in ARTIFACTS),
        *(("s3:PutObject", f"{name}/*") for name in ARTIFACTS),
    }
    # Every read, of training data and of artifacts alike, needs GuardDuty's clean verdict.
    reads = [s for s in statements if "s3:GetObject" in _as_list(s["Action"])]
    assert {s["Sid"] for s in reads} == {"ReadScannedTrainingData", "ReadScannedArtifacts"}
    for read in reads:
        assert _as_list(read["Action"]) == ["s3:GetObject"]
        assert read["Condition"] == {
            "StringEquals": {"s3:ExistingObjectTag/GuardDutyMalwareScanStatus": "NO_THREATS_FOUND"}
        }


def test_training_role_has_no_wildcard_actions_deletes_or_other_services(
    construct: TrainingData, resources: dict[str, dict[str, Any]]
) -> None:
    statements = _role_statements(resources, logical_id_of(construct.training_role))
    actions = {a for s in statements for a in _as_list(s["Action"])}
    assert not [a for a in actions if "*" in a]
    assert not [a for a in actions if a.startswith("s3:Delete") or "Tagging" in a]
    assert {a.split(":")[0] for a in actions} == {"s3", "kms", "ecr", "logs", "ec2"}
    assert "iam:PassRole" not in actions
    assert all("NotAction" not in s and "NotResource" not in s for s in statements)
    # Resource "*" only where IAM knows no resource type.
    unscoped = {a for s in statements if s["Resource"] == "*" for a in _as_list(s["Action"])}
    assert unscoped == {
        "ecr:GetAuthorizationToken",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
    }


def test_training_role_uses_the_ai_key_only_through_s3_for_these_buckets(
    construct: TrainingData, resources: dict[str, dict[str, Any]]
) -> None:
    statements = _role_statements(resources, logical_id_of(construct.training_role))
    (kms_statement,) = [s for s in statements if any(a.startswith("kms:") for a in s["Action"])]
    assert kms_statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms_statement["Resource"] == {"Fn::GetAtt": [_key_id(construct), "Arn"]}
    assert kms_statement["Condition"]["StringEquals"] == {
        "kms:ViaService": "s3.eu-west-1.amazonaws.com"
    }
    contexts = [
        template_text(c)
        for c in kms_statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:s3:arn"]
    ]
    assert sorted(contexts) == sorted(
        f"${{{lid}.Arn}}{suffix}" for lid in _bucket_ids(construct) for suffix in ("", "/*")
    )


def test_training_role_logs_pulls_and_networks_in_this_account_and_region_only(
    construct: TrainingData, resources: dict[str, dict[str, Any]]
) -> None:
    statements = {
        s["Sid"]: s for s in _role_statements(resources, logical_id_of(construct.training_role))
    }
    assert statements["PullTrainingImagesOfThisAccount"]["Resource"] == (
        "arn:aws:ecr:eu-west-1:888888888888:repository/*"
    )
    assert statements["WriteSageMakerLogs"]["Resource"] == (
        "arn:aws:logs:eu-west-1:888888888888:log-group:/aws/sagemaker/*"
    )
    assert statements["DescribeNetworkForVpcJobs"]["Condition"] == {
        "StringEquals": {"aws:RequestedRegion": "eu-west-1"}
    }
    assert statements["ManageNetworkInterfacesOfVpcJobs"]["Resource"] == [
        f"arn:aws:ec2:eu-west-1:888888888888:{kind}/*"
        for kind in ("network-interface", "security-group", "subnet")
    ]


def test_training_role_without_artifact_buckets_only_reads() -> None:
    construct = _training_data(artifact_bucket_names=())
    resources = _template(construct)["Resources"]
    statements = _role_statements(resources, logical_id_of(construct.training_role))
    assert _s3_grants(statements, _bucket_ids(construct)) == {
        *(("s3:ListBucket", name) for name in TRAINING),
        *(("s3:GetObject", f"{name}/*") for name in TRAINING),
    }
    assert not construct.artifact_buckets
    assert len(construct.malware_protection) == len(TRAINING)


def test_training_role_name_can_be_set() -> None:
    construct = _training_data(training_role_name="acme-sagemaker-training-eu-west-1")
    role = _template(construct)["Resources"][logical_id_of(construct.training_role)]
    assert role["Properties"]["RoleName"] == "acme-sagemaker-training-eu-west-1"


def test_no_inline_policies_anywhere(resources: dict[str, dict[str, Any]]) -> None:
    assert not _of_type(resources, "AWS::IAM::Policy")
    assert not [r for r in _of_type(resources, "AWS::IAM::Role").values() if "Policies" in r]


# --- Macie --------------------------------------------------------------------------------


def _job_properties(construct: TrainingData) -> dict[str, Any]:
    resources = _template(construct)["Resources"]
    return dict(resources[logical_id_of(construct.classification_job)]["Properties"])


def _create(properties: dict[str, Any]) -> dict[str, Any]:
    create = json.loads(template_text(properties["Create"]))
    assert json.loads(template_text(properties["Update"])) == create
    return dict(create)


def test_scheduled_job_scans_the_training_data_daily_from_creation(
    resources: dict[str, dict[str, Any]], construct: TrainingData
) -> None:
    properties = resources[logical_id_of(construct.classification_job)]["Properties"]
    call = _create(properties)
    assert (call["service"], call["action"]) == ("Macie2", "createClassificationJob")
    parameters = call["parameters"]
    assert parameters["jobType"] == "SCHEDULED"
    assert parameters["scheduleFrequency"] == {"dailySchedule": {}}
    assert parameters["initialRun"] is True
    assert parameters["managedDataIdentifierSelector"] == "ALL"
    assert parameters["samplingPercentage"] == 100
    assert parameters["s3JobDefinition"] == {
        "bucketDefinitions": [{"accountId": "${AWS::AccountId}", "buckets": sorted(TRAINING)}]
    }
    # Artifacts are written by training, not trained on: not in the scan.
    assert not set(ARTIFACTS) & set(json.dumps(parameters).split('"'))
    # The SDK makes a client token per call; see test_a_changed_definition_replaces_the_job.
    assert "clientToken" not in parameters
    # The physical id is the new job's id, which the delete call cancels.
    assert call["physicalResourceId"] == {"responsePath": "jobId"}


def test_deleting_or_replacing_the_job_cancels_it(
    resources: dict[str, dict[str, Any]], construct: TrainingData
) -> None:
    properties = resources[logical_id_of(construct.classification_job)]["Properties"]
    delete = json.loads(properties["Delete"])
    assert (delete["service"], delete["action"]) == ("Macie2", "updateClassificationJob")
    assert delete["parameters"] == {"jobId": "PHYSICAL:RESOURCEID:", "jobStatus": "CANCELLED"}
    assert delete["ignoreErrorCodesMatching"] == (
        "^(ResourceNotFoundException|ValidationException)$"
    )


def test_job_runs_after_its_permissions_buckets_and_findings_publication(
    resources: dict[str, dict[str, Any]], construct: TrainingData
) -> None:
    job = resources[logical_id_of(construct.classification_job)]
    depends = set(job["DependsOn"])
    assert logical_id_of(construct.findings_publication) in depends
    assert {logical_id_of(b) for b in construct.training_data_buckets.values()} <= depends
    # The permissions: the call's function (its service token) waits for the handler's policy.
    (function, _) = job["Properties"]["ServiceToken"]["Fn::GetAtt"]
    assert any(d.startswith("AwsSdkCallHandlerPolicy") for d in resources[function]["DependsOn"])


def _job_name(construct: TrainingData) -> str:
    return str(_create(_job_properties(construct))["parameters"]["name"])


def test_a_changed_definition_replaces_the_job(construct: TrainingData) -> None:
    """CloudFormation updates the resource when the call changes; the update creates a new job,
    whose id becomes the physical id, so CloudFormation deletes (cancels) the old one. The job
    name carries a digest of the definition, so every change of it changes the call."""
    name = _job_name(construct)
    assert name.startswith("training-data-scan-")
    fewer_buckets = _job_name(_training_data(training_data_bucket_names=TRAINING[:1]))
    more_buckets = _job_name(
        _training_data(training_data_bucket_names=(*TRAINING, "acme-ml-extra-888888888888"))
    )
    weekly = _job_name(_training_data(scan_weekday="MONDAY"))
    recommended = _job_name(_training_data(managed_data_identifiers="RECOMMENDED"))
    assert len({name, fewer_buckets, more_buckets, weekly, recommended}) == 5


def test_reordering_the_buckets_changes_nothing(construct: TrainingData) -> None:
    reordered = _training_data(training_data_bucket_names=tuple(reversed(TRAINING)))
    assert _job_properties(reordered)["Create"] == _job_properties(construct)["Create"]
    assert _bucket_ids(reordered) == _bucket_ids(construct)


def test_scheduled_job_can_run_weekly() -> None:
    parameters = _create(_job_properties(_training_data(scan_weekday="SUNDAY")))["parameters"]
    assert parameters["scheduleFrequency"] == {"weeklySchedule": {"dayOfWeek": "SUNDAY"}}


def test_macie_findings_are_published_to_security_hub(
    resources: dict[str, dict[str, Any]], construct: TrainingData
) -> None:
    assert sdk_call(resources, construct.findings_publication) == {
        "service": "Macie2",
        "action": "putFindingsPublicationConfiguration",
        "parameters": {
            "securityHubConfiguration": {
                "publishClassificationFindings": True,
                "publishPolicyFindings": True,
            }
        },
        "physicalResourceId": {"id": "${AWS::AccountId}-${AWS::Region}-macie-findings-publication"},
    }


def test_handler_may_create_and_cancel_jobs_of_this_account_and_region_only(
    resources: dict[str, dict[str, Any]],
) -> None:
    (policy,) = [
        p
        for lid, p in _of_type(resources, "AWS::IAM::ManagedPolicy").items()
        if lid.startswith("AwsSdkCallHandlerPolicy")
    ]
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    jobs = statements["CreateAndCancelTrainingDataScan"]
    assert jobs["Action"] == ["macie2:CreateClassificationJob", "macie2:UpdateClassificationJob"]
    assert template_text(jobs["Resource"]) == (
        "arn:${AWS::Partition}:macie2:${AWS::Region}:${AWS::AccountId}:classification-job/*"
    )
    publication = statements["PublishMacieFindingsToSecurityHub"]
    assert publication["Action"] == "macie2:PutFindingsPublicationConfiguration"
    assert publication["Condition"] == {
        "StringEquals": {"aws:RequestedRegion": {"Ref": "AWS::Region"}}
    }


def test_macie_may_decrypt_through_s3_only(construct: TrainingData) -> None:
    resources = _template(construct)["Resources"]
    key = resources[_key_id(construct)]["Properties"]["KeyPolicy"]
    (statement,) = [s for s in key["Statement"] if s.get("Sid") == MACIE_KEY_SID]
    assert statement["Action"] == "kms:Decrypt"
    assert statement["Principal"] == {"AWS": "*"}
    conditions = {k: template_text(v) for k, v in statement["Condition"]["StringEquals"].items()}
    assert conditions == {
        "aws:PrincipalArn": (
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/"
            "macie.amazonaws.com/AWSServiceRoleForAmazonMacie"
        ),
        "kms:CallerAccount": "${AWS::AccountId}",
        "kms:ViaService": "s3.${AWS::Region}.amazonaws.com",
    }


# --- on-demand scan -----------------------------------------------------------------------


def _state_machine(resources: dict[str, dict[str, Any]], construct: TrainingData) -> Any:
    return resources[logical_id_of(construct.on_demand_scan)]["Properties"]


def _definition(resources: dict[str, dict[str, Any]], construct: TrainingData) -> Any:
    return json.loads(template_text(_state_machine(resources, construct)["DefinitionString"]))


def test_on_demand_scan_creates_a_one_time_job_over_the_training_data(
    resources: dict[str, dict[str, Any]], construct: TrainingData
) -> None:
    definition = _definition(resources, construct)
    assert definition["StartAt"] == "CreateScan"
    create = definition["States"]["CreateScan"]
    assert create["Resource"] == (
        "arn:${AWS::Partition}:states:::aws-sdk:macie2:createClassificationJob"
    )
    parameters = create["Parameters"]
    assert parameters["JobType"] == "ONE_TIME"
    assert "ScheduleFrequency" not in parameters
    assert parameters["S3JobDefinition"] == {
        "BucketDefinitions": [{"AccountId": "${AWS::AccountId}", "Buckets": sorted(TRAINING)}]
    }
    assert parameters["ManagedDataIdentifierSelector"] == "ALL"
    # A retried create returns the job of this execution instead of starting another.
    assert parameters["ClientToken.$"] == "$$.Execution.Name"
    assert create["ResultPath"] == "$.scan"


def test_on_demand_scan_polls_until_the_job_completes(
    resources: dict[str, dict[str, Any]], construct: TrainingData
) -> None:
    states = _definition(resources, construct)["States"]
    assert states["CreateScan"]["Next"] == "WaitForScan"
    assert states["WaitForScan"] == {"Type": "Wait", "Seconds": 300, "Next": "DescribeScan"}
    describe = states["DescribeScan"]
    assert describe["Resource"].endswith(":aws-sdk:macie2:describeClassificationJob")
    assert describe["Parameters"] == {"JobId.$": "$.scan.jobId"}
    assert describe["Next"] == "ScanFinished?"
    finished = states["ScanFinished?"]
    # Anything but a finished job (RUNNING, IDLE, PAUSED...) waits and polls again.
    assert finished["Default"] == "WaitForScan"
    outcomes = {c["StringEquals"]: c["Next"] for c in finished["Choices"]}
    assert outcomes == {"COMPLETE": "ScanHadErrors?", "CANCELLED": "ScanCancelled"}
    assert states["ScanCancelled"]["Type"] == "Fail"
    errors = states["ScanHadErrors?"]
    assert errors["Default"] == "ListScanFindings"
    (error_choice,) = errors["Choices"]
    assert error_choice["Next"] == "ScanIncomplete"
    assert {"Variable": "$.job.LastRunErrorStatus.Code", "StringEquals": "ERROR"} in error_choice[
        "And"
    ]
    assert states["ScanIncomplete"]["Type"] == "Fail"
    for task in ("CreateScan", "DescribeScan", "ListScanFindings"):
        (retry,) = states[task]["Retry"]
        assert "Macie2.ThrottlingException" in retry["ErrorEquals"]


def test_on_demand_scan_fails_on_unarchived_findings_of_its_job(
    resources: dict[str, dict[str, Any]], construct: TrainingData
) -> None:
    definition = _definition(resources, construct)
    states = definition["States"]
    findings = states["ListScanFindings"]
    assert findings["Resource"].endswith(":aws-sdk:macie2:listFindings")
    assert findings["Parameters"]["FindingCriteria"] == {
        "Criterion": {
            "classificationDetails.jobId": {"Eq.$": "States.Array($.scan.jobId)"},
            "archived": {"Eq": ["false"]},
        }
    }
    assert findings["Next"] == "SensitiveDataFound?"
    (found,) = states["SensitiveDataFound?"]["Choices"]
    assert found == {
        "Variable": "$.findings.findingIds[0]",
        "IsPresent": True,
        "Next": "SensitiveDataFound",
    }
    assert states["SensitiveDataFound"]["Type"] == "Fail"
    assert states["SensitiveDataFound?"]["Default"] == "ScanPassed"
    assert definition["TimeoutSeconds"] == 24 * 3600


def test_on_demand_scan_may_pass_with_findings() -> None:
    construct = _training_data(fail_on_sensitive_data=False, scan_timeout=Duration.hours(72))
    definition = _definition(_template(construct)["Resources"], construct)
    assert definition["States"]["ListScanFindings"]["Next"] == "ScanPassed"
    assert "SensitiveDataFound" not in definition["States"]
    assert definition["TimeoutSeconds"] == 72 * 3600


def test_on_demand_scan_logs_everything_encrypted_and_traces(
    resources: dict[str, dict[str, Any]], construct: TrainingData
) -> None:
    properties = _state_machine(resources, construct)
    assert properties["TracingConfiguration"] == {"Enabled": True}
    assert properties["LoggingConfiguration"]["Level"] == "ALL"
    (destination,) = properties["LoggingConfiguration"]["Destinations"]
    group_id = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    group = resources[group_id]
    assert group["Properties"]["RetentionInDays"] == 365
    assert group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0].startswith("LogsKey")
    assert group["DeletionPolicy"] == "Retain"


def test_on_demand_scan_role_runs_macie_scans_only(
    resources: dict[str, dict[str, Any]], construct: TrainingData
) -> None:
    role_id = _state_machine(resources, construct)["RoleArn"]["Fn::GetAtt"][0]
    (trust,) = resources[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "states.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "888888888888"}
    statements = {s["Sid"]: s for s in _role_statements(resources, role_id)}
    macie = {
        a for s in statements.values() for a in _as_list(s["Action"]) if a.startswith("macie2:")
    }
    assert macie == {
        "macie2:CreateClassificationJob",
        "macie2:DescribeClassificationJob",
        "macie2:ListFindings",
    }
    assert template_text(statements["CreateAndFollowPreTrainingScans"]["Resource"]) == (
        "arn:${AWS::Partition}:macie2:${AWS::Region}:${AWS::AccountId}:classification-job/*"
    )
    assert statements["ListPreTrainingScanFindings"]["Condition"] == {
        "StringEquals": {"aws:RequestedRegion": "eu-west-1"}
    }
    # Nothing that could change the job's scope or reach data: no cancel, no S3, no KMS.
    actions = {a for s in statements.values() for a in _as_list(s["Action"])}
    assert "macie2:UpdateClassificationJob" not in actions
    assert not [a for a in actions if a.split(":")[0] in {"s3", "kms", "iam"} or "*" in a]


# --- GuardDuty ----------------------------------------------------------------------------


def test_every_bucket_has_a_malware_protection_plan(
    resources: dict[str, dict[str, Any]], construct: TrainingData
) -> None:
    plans = _of_type(resources, "AWS::GuardDuty::MalwareProtectionPlan")
    protected = {
        p["Properties"]["ProtectedResource"]["S3Bucket"]["BucketName"]: p for p in plans.values()
    }
    assert set(protected) == set(ALL_BUCKETS)
    assert len(construct.malware_protection) == len(ALL_BUCKETS)
    ids = {name: lid for lid, name in _bucket_ids(construct).items()}
    for name, plan in protected.items():
        assert plan["Properties"]["Actions"] == {"Tagging": {"Status": "ENABLED"}}
        # After the bucket, which the plan names literally.
        assert ids[name] in plan["DependsOn"]
    key_arn = {"Fn::GetAtt": [_key_id(construct), "Arn"]}
    for protection in construct.malware_protection:
        statements = _role_statements(resources, logical_id_of(protection.role))
        (decrypt,) = [s for s in statements if s["Sid"] == "AllowDecryptForMalwareScan"]
        assert decrypt["Resource"] == key_arn


# --- compliance ---------------------------------------------------------------------------


def test_no_compliance_findings(construct: TrainingData) -> None:
    assert violations(Stack.of(construct)) == {}


def test_no_compliance_findings_in_a_stackset_template() -> None:
    """Account and region are tokens in a StackSet template; acknowledgments must still match."""
    stack = _stack(env=None)
    construct = _training_data(stack)
    assert Token.is_unresolved(stack.account)
    assert violations(stack) == {}
    statements = _role_statements(
        _template(construct)["Resources"], logical_id_of(construct.training_role)
    )
    (pull,) = [s for s in statements if s["Sid"] == "PullTrainingImagesOfThisAccount"]
    assert template_text(pull["Resource"]) == (
        "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*"
    )


def test_one_per_stack() -> None:
    stack = _stack()
    _training_data(stack)
    with pytest.raises(ValueError, match="already granted"):
        TrainingData(
            stack,
            "Second",
            training_data_bucket_names=["acme-other-888888888888"],
            artifact_bucket_names=[],
            encryption_key=DataClassKey(stack, "K", data_class="ai", alias_prefix="bb").key,
            access_log_bucket_name="acme-other-logs-888888888888",
            log_key=DataClassKey(stack, "L", data_class="logs", alias_prefix="bb").key,
            landing_zone_role_arns=ADMINS,
        )


# --- rejected input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        (
            {"training_data_bucket_names": ()},
            r"training_data_bucket_names: got none; allowed: at least one",
        ),
        (
            {"training_data_bucket_names": "acme-ml-training-data"},
            r"training_data_bucket_names: got the string 'acme-ml-training-data'",
        ),
        (
            {"training_data_bucket_names": ("Acme_Training",)},
            r"training_data_bucket_names\[0\]: 'Acme_Training' is not an S3 bucket name; "
            r"allowed: 3-63 lowercase",
        ),
        (
            {"artifact_bucket_names": ("ab",)},
            r"artifact_bucket_names\[0\]: 'ab' is not an S3 bucket name",
        ),
        (
            {"artifact_bucket_names": ("acme..artifacts",)},
            r"artifact_bucket_names\[0\]: 'acme..artifacts' is not an S3 bucket name",
        ),
        (
            {"training_data_bucket_names": (TRAINING[0], TRAINING[0])},
            r"training_data_bucket_names: \['acme-ml-training-data-888888888888'\] appear more "
            r"than once; allowed: each once",
        ),
        (
            {"artifact_bucket_names": (TRAINING[1],)},
            r"artifact_bucket_names: \['acme-ml-features-888888888888'\] are also in "
            r"training_data_bucket_names; allowed: each bucket in one list only",
        ),
        (
            {
                "training_data_bucket_names": ("acme.ml-data",),
                "artifact_bucket_names": ("acme-ml.data",),
            },
            r"bucket names 'acme.ml-data' and 'acme-ml.data' differ only in",
        ),
        (
            {"training_data_bucket_names": (Token.as_string({"Ref": "Names"}),)},
            r"training_data_bucket_names\[0\]: got '\$\{Token\[.*\]\}'; allowed: a literal",
        ),
        (
            {"access_log_bucket_name": TRAINING[0]},
            r"access_log_bucket_name: 'acme-ml-training-data-888888888888' is also a",
        ),
        (
            {"access_log_bucket_name": "Logs"},
            r"access_log_bucket_name: 'Logs' is not an S3 bucket name",
        ),
        ({"landing_zone_role_arns": ()}, r"landing_zone_role_arns: got \(\); allowed: a non-empty"),
        (
            {"landing_zone_role_arns": ("lz-*",)},
            r"landing_zone_role_arns\[0\]: got 'lz-\*'; allowed: an IAM role ARN pattern",
        ),
        (
            {"scan_weekday": "FUNDAY"},
            r"scan_weekday: got 'FUNDAY'; allowed: None \(daily\) or one of MONDAY",
        ),
        (
            {"managed_data_identifiers": "NONE"},
            r"managed_data_identifiers: got 'NONE'; allowed: ALL or RECOMMENDED",
        ),
        (
            {"scan_timeout": Duration.minutes(5)},
            r"scan_timeout: got 5 minutes; allowed: more than 5 minutes",
        ),
        (
            {"log_retention": logs.RetentionDays.INFINITE},
            r"log_retention: got RetentionDays.INFINITE; allowed: a finite retention",
        ),
        (
            {"training_data_noncurrent_version_days": 0},
            r"training_data_noncurrent_version_days: got 0; allowed: a whole number of days",
        ),
        (
            {"artifact_noncurrent_version_days": 1.5},
            r"artifact_noncurrent_version_days: got 1.5; allowed: a whole number of days",
        ),
    ],
)
def test_rejects_invalid_input(overrides: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        _training_data(**overrides)
