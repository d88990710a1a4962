"""SageMaker resources encrypt with a customer managed key and stay inside a VPC.

One finding per missing control (``Missing::<property>``), so each can be acknowledged alone:

- ``AWS::SageMaker::NotebookInstance``: ``KmsKeyId``, ``SubnetId``, ``DirectInternetAccess``
  ``Disabled``, ``RootAccess`` ``Disabled`` (both default to ``Enabled``), no
  ``LifecycleConfigName`` (lifecycle scripts run as root);
- ``AWS::SageMaker::Domain``: ``KmsKeyId``, ``AppNetworkAccessType`` ``VpcOnly`` (the default
  is ``PublicInternetOnly``);
- ``AWS::SageMaker::Model``: ``VpcConfig`` with subnets;
- ``AWS::SageMaker::EndpointConfig``: ``KmsKeyId`` (SageMaker refuses one for instance types with
  local NVMe storage, which hardware encrypts: acknowledge there);
- ``AWS::SageMaker::ProcessingJob``: a volume key, an output key, ``NetworkConfig.VpcConfig``
  and inter-container traffic encryption.

The same controls as the ``require-sagemaker-encryption-and-vpc`` and
``deny-sagemaker-root-and-internet`` SCPs, checked at synth in every account, SCP or not.
"""

from collections.abc import Iterator
from typing import Any

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import (
    as_list,
    deploys_a_value,
    get_property,
    literal_string,
    literal_true,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = frozenset(
    {
        "AWS::SageMaker::Domain",
        "AWS::SageMaker::EndpointConfig",
        "AWS::SageMaker::Model",
        "AWS::SageMaker::NotebookInstance",
        "AWS::SageMaker::ProcessingJob",
    }
)


def sagemaker_encrypted_and_vpc_bound(resource: Resource) -> RuleResult:
    """One ``Missing::<control>`` finding per control the resource lacks."""
    resource_type = resource.type
    if resource_type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    properties = resource.properties
    findings = [f"Missing::{control}" for control in _missing(resource_type, properties)]
    return findings or NagRuleCompliance.COMPLIANT


def _missing(resource_type: str, properties: Any) -> Iterator[str]:
    def has(value: Any, name: str) -> bool:
        return deploys_a_value(value, name)

    def equals(value: Any, expected: str) -> bool:
        return value is not None and literal_string(value) == expected

    if resource_type == "AWS::SageMaker::NotebookInstance":
        if not has(get_property(properties, "KmsKeyId"), "KmsKeyId"):
            yield "KmsKeyId"
        if not has(get_property(properties, "SubnetId"), "SubnetId"):
            yield "SubnetId"
        if not equals(get_property(properties, "DirectInternetAccess"), "Disabled"):
            yield "DirectInternetAccess"
        if not equals(get_property(properties, "RootAccess"), "Disabled"):
            yield "RootAccess"
        if has(get_property(properties, "LifecycleConfigName"), "LifecycleConfigName"):
            yield "NoLifecycleConfig"
    elif resource_type == "AWS::SageMaker::Domain":
        if not has(get_property(properties, "KmsKeyId"), "KmsKeyId"):
            yield "KmsKeyId"
        if not equals(get_property(properties, "AppNetworkAccessType"), "VpcOnly"):
            yield "AppNetworkAccessType"
    elif resource_type == "AWS::SageMaker::Model":
        if not _has_subnets(get_property(properties, "VpcConfig")):
            yield "VpcConfig"
    elif resource_type == "AWS::SageMaker::EndpointConfig":
        if not has(get_property(properties, "KmsKeyId"), "KmsKeyId"):
            yield "KmsKeyId"
    else:
        yield from _processing_job(properties)


def _processing_job(properties: Any) -> Iterator[str]:
    resources = get_property(properties, "ProcessingResources")
    cluster = None if resources is None else get_property(resources, "ClusterConfig")
    volume_key = None if cluster is None else get_property(cluster, "VolumeKmsKeyId")
    if not deploys_a_value(volume_key, "VolumeKmsKeyId"):
        yield "VolumeKmsKeyId"
    output = get_property(properties, "ProcessingOutputConfig")
    output_key = None if output is None else get_property(output, "KmsKeyId")
    if not deploys_a_value(output_key, "ProcessingOutputConfig.KmsKeyId"):
        yield "OutputKmsKeyId"
    network = get_property(properties, "NetworkConfig")
    if network is None or not _has_subnets(get_property(network, "VpcConfig")):
        yield "VpcConfig"
    encryption = (
        None if network is None else get_property(network, "EnableInterContainerTrafficEncryption")
    )
    if encryption is None or not literal_true(encryption, "EnableInterContainerTrafficEncryption"):
        yield "InterContainerTrafficEncryption"


def _has_subnets(vpc_config: Any) -> bool:
    if vpc_config is None:
        return False
    return bool(as_list(get_property(vpc_config, "Subnets")))


SAGEMAKER_ENCRYPTED_AND_VPC_BOUND = FintechRule(
    suffix="SageMakerEncryptedAndVpcBound",
    info=(
        "The SageMaker resource lacks a customer managed KMS key, a VPC, encrypted traffic "
        "between containers, or has root or direct internet access (see the finding's "
        "Missing::<control>)."
    ),
    explanation=(
        "Training data and model artifacts are cardholder-adjacent data: volumes and outputs "
        "are encrypted with keys the organization controls, jobs and endpoints reach nothing "
        "outside the VPC, and notebooks give no root or internet to their users (PCI DSS 1.3, "
        "3.5, 4.2; NIST SC-7, SC-8, SC-28, AC-6)."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=sagemaker_encrypted_and_vpc_bound,
)
