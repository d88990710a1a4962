from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, CfnResource, Stack
from aws_cdk import aws_sagemaker as sagemaker
from cdk_nag import NagRuleCompliance
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import sagemaker_encrypted_and_vpc_bound

RULE = "Fintech-SageMakerEncryptedAndVpcBound"
KEY = "arn:aws:kms:eu-west-1:888888888888:key/11111111-2222-3333-4444-555555555555"
ROLE = "arn:aws:iam::888888888888:role/lz-sagemaker-execution"
VPC = {"Subnets": ["subnet-0123456789abcdef0"], "SecurityGroupIds": ["sg-0123456789abcdef0"]}


@pytest.fixture
def stack() -> Stack:
    return Stack(App(builtin_cloud_formation_validation=False), "Test")


def _resource(resource_type: str, **properties: Any) -> Callable[[Stack], CfnResource]:
    return lambda stack: CfnResource(stack, "Resource", type=resource_type, properties=properties)


NOTEBOOK = {
    "InstanceType": "ml.t3.medium",
    "RoleArn": ROLE,
    "KmsKeyId": KEY,
    "SubnetId": "subnet-0123456789abcdef0",
    "SecurityGroupIds": ["sg-0123456789abcdef0"],
    "DirectInternetAccess": "Disabled",
    "RootAccess": "Disabled",
}
PROCESSING = {
    "AppSpecification": {"ImageUri": "image"},
    "RoleArn": ROLE,
    "ProcessingResources": {
        "ClusterConfig": {
            "InstanceCount": 1,
            "InstanceType": "ml.m5.xlarge",
            "VolumeSizeInGB": 30,
            "VolumeKmsKeyId": KEY,
        }
    },
    "ProcessingOutputConfig": {"KmsKeyId": KEY, "Outputs": []},
    "NetworkConfig": {"VpcConfig": VPC, "EnableInterContainerTrafficEncryption": True},
}


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_resource("AWS::SageMaker::NotebookInstance", **NOTEBOOK), id="notebook"),
        pytest.param(
            _resource(
                "AWS::SageMaker::Domain",
                AuthMode="IAM",
                DomainName="d",
                DefaultUserSettings={},
                KmsKeyId=KEY,
                AppNetworkAccessType="VpcOnly",
            ),
            id="domain",
        ),
        pytest.param(
            _resource("AWS::SageMaker::Model", ExecutionRoleArn=ROLE, VpcConfig=VPC), id="model"
        ),
        pytest.param(
            _resource("AWS::SageMaker::EndpointConfig", ProductionVariants=[], KmsKeyId=KEY),
            id="endpoint-config",
        ),
        pytest.param(_resource("AWS::SageMaker::ProcessingJob", **PROCESSING), id="processing"),
    ],
)
def test_encrypted_vpc_bound_resources_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert sagemaker_encrypted_and_vpc_bound(view(build(stack))) == NagRuleCompliance.COMPLIANT


@pytest.mark.parametrize(
    ("build", "findings"),
    [
        pytest.param(
            _resource(
                "AWS::SageMaker::NotebookInstance", InstanceType="ml.t3.medium", RoleArn=ROLE
            ),
            [
                "Missing::KmsKeyId",
                "Missing::SubnetId",
                "Missing::DirectInternetAccess",
                "Missing::RootAccess",
            ],
            id="notebook-with-defaults",
        ),
        pytest.param(
            _resource(
                "AWS::SageMaker::NotebookInstance", **{**NOTEBOOK, "LifecycleConfigName": "boot"}
            ),
            ["Missing::NoLifecycleConfig"],
            id="notebook-lifecycle-config",
        ),
        pytest.param(
            _resource(
                "AWS::SageMaker::Domain",
                AuthMode="IAM",
                DomainName="d",
                DefaultUserSettings={},
                KmsKeyId=KEY,
            ),
            ["Missing::AppNetworkAccessType"],
            id="domain-on-the-internet",
        ),
        pytest.param(
            _resource("AWS::SageMaker::Model", ExecutionRoleArn=ROLE),
            ["Missing::VpcConfig"],
            id="model-outside-a-vpc",
        ),
        pytest.param(
            _resource("AWS::SageMaker::EndpointConfig", ProductionVariants=[]),
            ["Missing::KmsKeyId"],
            id="endpoint-config-without-key",
        ),
        pytest.param(
            _resource(
                "AWS::SageMaker::ProcessingJob",
                **{
                    **PROCESSING,
                    "NetworkConfig": {"VpcConfig": VPC},
                    "ProcessingOutputConfig": {"Outputs": []},
                },
            ),
            ["Missing::OutputKmsKeyId", "Missing::InterContainerTrafficEncryption"],
            id="processing-without-output-key-or-encryption",
        ),
    ],
)
def test_each_missing_control_is_a_finding(
    stack: Stack, build: Callable[[Stack], CfnResource], findings: list[str]
) -> None:
    assert sagemaker_encrypted_and_vpc_bound(view(build(stack))) == findings


def test_the_pack_reports_an_l1_notebook_with_root_access(stack: Stack) -> None:
    sagemaker.CfnNotebookInstance(
        stack,
        "Notebook",
        instance_type="ml.t3.medium",
        role_arn=ROLE,
        kms_key_id=KEY,
        subnet_id="subnet-0123456789abcdef0",
        security_group_ids=["sg-0123456789abcdef0"],
        direct_internet_access="Disabled",
        root_access="Enabled",
    )
    found = violations(stack, packs=[FintechChecks()])
    assert f"{RULE}[Missing::RootAccess]: Test/Notebook" in found["Fintech"], found
