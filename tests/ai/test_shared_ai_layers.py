"""An AI workload's template shared by many accounts (``AiLayers(shared=True)`` with bucket-name
patterns): no account id and no account name anywhere in it, the same template whichever
account the workload names, and still compliant."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template
from conftest import EXAMPLE_CONFIG, cdk_context, logical_id_of, template_text

from landing_zone.compliance import violations
from landing_zone.config import LandingZoneConfig, load_config
from landing_zone.config.model import AiWorkloadConfig
from landing_zone.keys import DataClassKeys, DataClassKeySettings
from stacks.ai_layers import AiLayers

REGION = "eu-west-1"
WORKLOAD = "assistant"
"""The workload's name: shape-level, unlike the names of the accounts it is deployed to."""
TRAINING = "acme-pay-ml-training-{account_id}"
ARTIFACTS = "acme-pay-ml-artifacts-{region}-{account_id}"
WORKLOAD_ACCOUNTS = ("ml-prod", "ml-nonprod")


@cache
def _config() -> LandingZoneConfig:
    return load_config(EXAMPLE_CONFIG)


def _workload(account: str, **changes: Any) -> AiWorkloadConfig:
    # model_copy does not validate: the config's bucket-name type takes patterns only once the
    # config change that goes with this work is in.
    base = _config().ai.workloads["ml-prod"]
    return base.model_copy(
        update={
            "account": account,
            "training_data_buckets": [TRAINING],
            "artifact_buckets": [ARTIFACTS],
            "agents": None,
            **changes,
        }
    )


def _layers(workload: AiWorkloadConfig, *, shared: bool = True) -> AiLayers:
    config = _config()
    stack = Stack(App(context=cdk_context()), "Shared")
    keys = DataClassKeys(
        stack,
        "DataClassKeys",
        alias_prefix=config.organization.name,
        classes={
            name: DataClassKeySettings(
                services=tuple(key.services),
                rotation_days=key.rotation_days,
                pending_window_days=key.pending_window_days,
                multi_region=key.multi_region,
            )
            for name, key in config.keys.classes.items()
        },
    )
    return AiLayers(
        stack,
        "Ai",
        config=config,
        name=WORKLOAD,
        workload=workload,
        keys=keys,
        region=REGION,
        shared=shared,
    )


@cache
def _shared(account: str) -> tuple[AiLayers, str]:
    layers = _layers(_workload(account))
    stack = Stack.of(layers)
    template = App.of(stack).synth().get_stack_by_name(stack.stack_name).template  # type: ignore[union-attr]
    return layers, json.dumps(template, sort_keys=True)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _resources(account: str = "ml-prod") -> dict[str, dict[str, Any]]:
    return dict(json.loads(_shared(account)[1])["Resources"])


def test_no_account_id_of_a_workload_account_anywhere() -> None:
    config = _config()
    text = _shared("ml-prod")[1]
    found = set(re.findall(r"(?<![0-9])[0-9]{12}(?![0-9])", text))
    # The log archive's id is an organization-wide constant (the copy of the invocation logs).
    assert found <= {config.core_account_id("log_archive")}
    for name in WORKLOAD_ACCOUNTS:
        account_id = config.accounts[name].id
        assert account_id is not None
        assert account_id not in text


def test_no_account_name_anywhere() -> None:
    text = _shared("ml-prod")[1].lower()
    # Also as construct ids and CDK's Name tags spell them: MlProd, mlprod.
    compact = re.sub(r"[^a-z0-9]", "", text)
    config = _config()
    # The core accounts are organization-wide (the log archive gets the invocation logs' copy).
    core = set(config.core_accounts.model_dump().values())
    names = [name for name in config.accounts if name not in core]
    assert set(WORKLOAD_ACCOUNTS) <= set(names)
    for name in names:
        assert name not in text, name
        assert re.sub(r"[^a-z0-9]", "", name) not in compact, name


def test_the_same_template_whichever_account_the_workload_names() -> None:
    assert _shared("ml-prod")[1] == _shared("ml-nonprod")[1]


def test_no_compliance_findings() -> None:
    layers, _ = _shared("ml-prod")
    assert violations(Stack.of(layers)) == {}


def test_buckets_are_named_from_the_pseudo_parameters_with_stable_logical_ids() -> None:
    layers, _ = _shared("ml-prod")
    training_data = layers.training_data
    assert training_data is not None
    resources = _resources()
    names = {
        name: template_text(resources[logical_id_of(bucket)]["Properties"]["BucketName"])
        for name, bucket in training_data.buckets.items()
    }
    assert names == {
        TRAINING: "acme-pay-ml-training-${AWS::AccountId}",
        ARTIFACTS: "acme-pay-ml-artifacts-${AWS::Region}-${AWS::AccountId}",
    }
    # Pinned: the logical id of a bucket is its identity; it comes from the pattern.
    assert {name: logical_id_of(bucket) for name, bucket in training_data.buckets.items()} == {
        TRAINING: "AiTrainingDataTrainingDataAcmePayMlTrainingAccountId73A557D0",
        ARTIFACTS: "AiTrainingDataArtifactsAcmePayMlArtifactsRegionAccountId3E9836F6",
    }
    access_logs = resources[logical_id_of(training_data.access_log_bucket)]["Properties"]
    assert template_text(access_logs["BucketName"]) == (
        "ml-access-logs-acme-pay-${AWS::AccountId}-eu-west-1"
    )
    for name, bucket in training_data.buckets.items():
        logging = resources[logical_id_of(bucket)]["Properties"]["LoggingConfiguration"]
        assert template_text(logging["LogFilePrefix"]) == names[name] + "/"


def test_malware_scans_name_the_bucket_of_the_account() -> None:
    layers, _ = _shared("ml-prod")
    assert layers.training_data is not None
    resources = _resources()
    plans = {
        template_text(r["Properties"]["ProtectedResource"]["S3Bucket"]["BucketName"]): r
        for r in resources.values()
        if r["Type"] == "AWS::GuardDuty::MalwareProtectionPlan"
    }
    assert set(plans) == {
        "acme-pay-ml-training-${AWS::AccountId}",
        "acme-pay-ml-artifacts-${AWS::Region}-${AWS::AccountId}",
    }
    for protection in layers.training_data.malware_protection:
        role = resources[logical_id_of(protection.role)]["Properties"]
        policy = resources[logical_id_of(protection.policy)]["Properties"]
        bucket = template_text(role["Description"]).rsplit(" ", 1)[1]
        assert bucket in plans
        assert template_text(role["RoleName"]) == f"lz-s3-scan-{bucket}"
        assert template_text(policy["ManagedPolicyName"]) == f"lz-s3-scan-{bucket}"
        (scan,) = [
            s for s in policy["PolicyDocument"]["Statement"] if s["Sid"] == "AllowMalwareScan"
        ]
        objects = {template_text(r) for r in _as_list(scan["Resource"])}
        assert objects == {f"arn:${{AWS::Partition}}:s3:::{bucket}/*"}


def test_macie_scans_the_training_bucket_of_the_account() -> None:
    layers, _ = _shared("ml-prod")
    assert layers.training_data is not None
    resources = _resources()
    job = resources[logical_id_of(layers.training_data.classification_job)]["Properties"]
    create = template_text(job["Create"])
    assert template_text(job["Update"]) == create
    definition = json.loads(create)["parameters"]["s3JobDefinition"]["bucketDefinitions"]
    assert definition == [
        {"accountId": "${AWS::AccountId}", "buckets": ["acme-pay-ml-training-${AWS::AccountId}"]}
    ]
    machine = resources[logical_id_of(layers.training_data.on_demand_scan)]["Properties"]
    scan = json.loads(template_text(machine["DefinitionString"]))["States"]["CreateScan"]
    assert scan["Parameters"]["S3JobDefinition"]["BucketDefinitions"] == [
        {"AccountId": "${AWS::AccountId}", "Buckets": ["acme-pay-ml-training-${AWS::AccountId}"]}
    ]


def test_inference_roles_trust_services_of_the_account_itself() -> None:
    layers, _ = _shared("ml-prod")
    resources = _resources()
    (role,) = layers.inference_roles.values()
    properties = resources[logical_id_of(role)]["Properties"]
    (statement,) = properties["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
    assert WORKLOAD in properties["Description"]


def test_not_shared_keeps_the_accounts_id_from_the_config() -> None:
    layers = _layers(
        _workload(
            "ml-prod",
            training_data_buckets=["acme-pay-ml-training-data-888888888888"],
            artifact_buckets=[],
        ),
        shared=False,
    )
    (role,) = layers.inference_roles.values()
    document = Stack.of(layers).resolve(role.assume_role_policy.to_json())  # type: ignore[union-attr]
    (statement,) = document["Statement"]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "888888888888"}}


@pytest.mark.parametrize(
    "changes",
    [
        {"training_data_buckets": ["acme-pay-ml-training-data-888888888888"]},
        {"artifact_buckets": ["acme-pay-ml-artifacts-{region}"]},
    ],
)
def test_shared_rejects_bucket_names_without_the_account_id(changes: dict[str, Any]) -> None:
    with pytest.raises(
        ValueError,
        match=(
            r"^ai\.workloads\.assistant: shared template with bucket names \['acme-pay-ml-"
            r".*allowed: only patterns with \{account_id\}"
        ),
    ):
        _layers(_workload("ml-prod", **changes))


def test_a_long_pattern_gives_scanner_names_that_fit_in_every_account() -> None:
    # 44 + 12 = 56 characters: lz-s3-scan-<bucket> would be 67 in every account.
    long_name = "acme-pay-ml-training-data-for-the-assistant-{account_id}"
    layers = _layers(_workload("ml-prod", training_data_buckets=[long_name], artifact_buckets=[]))
    assert layers.training_data is not None
    (protection,) = layers.training_data.malware_protection
    resources = Template.from_stack(Stack.of(layers)).to_json()["Resources"]
    role = resources[logical_id_of(protection.role)]["Properties"]
    name = template_text(role["RoleName"])
    assert name.startswith("lz-s3-scan-acme-pay-ml-training-data-")
    assert name.endswith("-${AWS::AccountId}")
    assert len(name.replace("${AWS::AccountId}", "123456789012")) == 64
    policy = resources[logical_id_of(protection.policy)]["Properties"]
    assert template_text(policy["ManagedPolicyName"]) == name
