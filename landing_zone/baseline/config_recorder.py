"""AWS Config in one account and region: recorder, delivery channel and the service-linked role.

Part of the account baseline, a template a StackSet deploys to every account and governed region,
so nothing here names an account or a region: the global IAM resource types are recorded where
the region the stack runs in equals ``global_resources_region``, decided by a CloudFormation
condition at deploy time.
"""

from __future__ import annotations

import re
from enum import StrEnum

from aws_cdk import CfnCondition, Fn
from aws_cdk import aws_config as config
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.patterns import BUCKET_NAME, REGION
from landing_zone.common.sdk_call_handler import AwsSdkCallHandler
from landing_zone.common.tokens import is_unresolved

CONFIG_SERVICE_PRINCIPAL = "config.amazonaws.com"

SERVICE_LINKED_ROLE_NAME = "AWSServiceRoleForConfig"
"""The role AWS Config records with when a recorder names it (the AWS managed policy
``AWSConfigServiceRolePolicy`` is attached to it by AWS and kept current as Config adds types)."""


class ConfigFrequency(StrEnum):
    """How often AWS Config delivers snapshots, or evaluates a periodic rule at most.

    The values are the API's ``MaximumExecutionFrequency`` values, shared by the delivery
    channel's ``DeliveryFrequency`` and a rule's ``MaximumExecutionFrequency``.
    """

    ONE_HOUR = "One_Hour"
    THREE_HOURS = "Three_Hours"
    SIX_HOURS = "Six_Hours"
    TWELVE_HOURS = "Twelve_Hours"
    TWENTY_FOUR_HOURS = "TwentyFour_Hours"


_KEY_PREFIX = re.compile(r"[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*")
_KMS_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_-]+")


class ConfigRecorder(Construct):
    """Records every supported resource type continuously and delivers to a central bucket.

    - The configuration recorder (``Resource``) uses the service-linked role
      ``AWSServiceRoleForConfig``, created first by an SDK call (``ServiceLinkedRole``) through the
      stack's ``AwsSdkCallHandler``: IAM is global, so the stack instances of the other regions
      of the account find it taken, which the call ignores. Deleting the construct keeps the role,
      which other regions' recorders may still use.
    - It records all supported resource types, current and future, with ``CONTINUOUS``
      recording: PCI DSS 10.2 and 11.5.2 want every change, not a daily sample. The global IAM
      types (users, groups, roles, customer managed policies) are recorded in
      ``global_resources_region`` only, so each IAM change is one configuration item, not one
      per region. AWS Config cannot record them in regions it launched in after February 2022,
      so ``global_resources_region`` must be an older region.
    - The delivery channel (``DeliveryChannel``) writes configuration history and snapshots to
      ``delivery_bucket_name`` under ``<key_prefix>/AWSLogs/<account>/Config/<region>/``.
      CloudFormation starts the recorder once the delivery channel exists (the
      ``AWS::Config::ConfigurationRecorder`` documentation), so there is no separate status
      resource; the channel is created after the recorder because AWS Config refuses a channel
      while no recorder exists.

    Not verified here (no AWS account): the bucket's policy must let ``config.amazonaws.com``
    write under the prefix for the organization's accounts, and the bucket's (or
    ``kms_key_arn``'s) key policy must let it generate data keys; AWS Config uses the
    service principal, not the role, for a bucket in another account. An account can hold one
    customer managed recorder per region: a recorder created outside this template (by AWS
    Control Tower, for example) makes the stack instance fail.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        delivery_bucket_name: str,
        global_resources_region: str,
        key_prefix: str = "config",
        delivery_frequency: ConfigFrequency = ConfigFrequency.TWENTY_FOUR_HOURS,
        kms_key_arn: str | None = None,
    ) -> None:
        """
        :param delivery_bucket_name: Name of the central bucket (in the log archive account)
            the delivery channel writes to.
        :param global_resources_region: The one region where the global IAM resource types are
            recorded, normally the landing zone's home region.
        :param key_prefix: Key prefix of every object the channel writes. Default: ``config``.
        :param delivery_frequency: How often a full configuration snapshot is delivered.
            Default: every 24 hours. Every change is still recorded as it happens and delivered
            in the history files every six hours, and rules evaluate changes as they happen;
            the snapshot is a periodic inventory (PCI DSS 12.5.1), and hourly snapshots of every
            account and region would multiply the objects kept for years in the log archive
            without recording anything the history does not.
        :param kms_key_arn: Key AWS Config encrypts the delivered objects with. Default: none
            named, so the bucket's default encryption (SSE-KMS with the log archive's key)
            applies.
        """
        super().__init__(scope, construct_id)
        _check_bucket_name(delivery_bucket_name)
        _check_region(global_resources_region)
        _check_key_prefix(key_prefix)
        frequency = _frequency("delivery_frequency", delivery_frequency)
        if kms_key_arn is not None:
            _check_kms_key_arn(kms_key_arn)

        self.service_linked_role = AwsSdkCallHandler.of(self).sdk_call(
            self,
            "ServiceLinkedRole",
            on_update=cr.AwsSdkCall(
                service="IAM",
                action="createServiceLinkedRole",
                parameters={"AWSServiceName": CONFIG_SERVICE_PRINCIPAL},
                physical_resource_id=cr.PhysicalResourceId.of(
                    f"{pseudo.ACCOUNT_ID}-{SERVICE_LINKED_ROLE_NAME}"
                ),
                # The role is account-wide and the template runs in every region: all but the
                # first call find the name taken, which IAM reports as InvalidInput. The
                # parameters are constant, so no other input can be invalid.
                ignore_error_codes_matching="^InvalidInput(Exception)?$",
                output_paths=["Role.Arn"],
            ),
            statements=[
                iam.PolicyStatement(
                    sid="CreateConfigServiceLinkedRole",
                    actions=["iam:CreateServiceLinkedRole"],
                    resources=[service_linked_role_arn()],
                    conditions={"StringEquals": {"iam:AWSServiceName": CONFIG_SERVICE_PRINCIPAL}},
                )
            ],
        )

        self.records_global_resources = CfnCondition(
            self,
            "RecordsGlobalResources",
            expression=Fn.condition_equals(pseudo.REGION, global_resources_region),
        )
        self.resource = config.CfnConfigurationRecorder(
            self,
            "Resource",
            role_arn=service_linked_role_arn(),
            recording_group=config.CfnConfigurationRecorder.RecordingGroupProperty(
                all_supported=True,
                include_global_resource_types=Fn.condition_if(
                    self.records_global_resources.logical_id, True, False
                ),
                recording_strategy=config.CfnConfigurationRecorder.RecordingStrategyProperty(
                    use_only="ALL_SUPPORTED_RESOURCE_TYPES"
                ),
            ),
            recording_mode=config.CfnConfigurationRecorder.RecordingModeProperty(
                recording_frequency="CONTINUOUS"
            ),
        )
        self.resource.node.add_dependency(self.service_linked_role)

        self.delivery_channel = config.CfnDeliveryChannel(
            self,
            "DeliveryChannel",
            s3_bucket_name=delivery_bucket_name,
            s3_key_prefix=key_prefix,
            s3_kms_key_arn=kms_key_arn,
            config_snapshot_delivery_properties=(
                config.CfnDeliveryChannel.ConfigSnapshotDeliveryPropertiesProperty(
                    delivery_frequency=frequency.value
                )
            ),
        )
        self.delivery_channel.node.add_dependency(self.resource)


def service_linked_role_arn() -> str:
    """ARN of AWS Config's service-linked role in the account the stack is deployed to."""
    return (
        f"arn:{pseudo.PARTITION}:iam::{pseudo.ACCOUNT_ID}:role/aws-service-role/"
        f"{CONFIG_SERVICE_PRINCIPAL}/{SERVICE_LINKED_ROLE_NAME}"
    )


def _frequency(prop: str, value: ConfigFrequency | str) -> ConfigFrequency:
    try:
        return ConfigFrequency(value)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in ConfigFrequency)
        raise ValueError(f"{prop}: got {value!r}; allowed: {allowed}") from None


def _check_bucket_name(value: str) -> None:
    if is_unresolved(value):
        return
    if not BUCKET_NAME.fullmatch(value) or ".." in value:
        raise ValueError(
            f"delivery_bucket_name: {value!r} is not an S3 bucket name; allowed: 3 to 63 "
            "lowercase letters, digits, dots and hyphens, starting and ending with a letter or "
            "digit"
        )


def _check_region(value: str) -> None:
    if not is_unresolved(value) and not REGION.fullmatch(value):
        raise ValueError(
            f"global_resources_region: {value!r} is not a region name; allowed: a region such "
            "as 'eu-west-1'"
        )


def _check_key_prefix(value: str) -> None:
    if is_unresolved(value):
        return
    if not _KEY_PREFIX.fullmatch(value) or len(value) > 256:
        raise ValueError(
            f"key_prefix: {value!r} is not a key prefix; allowed: up to 256 letters, digits and "
            "!_.*'()- in segments separated by single '/', without a leading or trailing '/'"
        )


def _check_kms_key_arn(value: str) -> None:
    if not is_unresolved(value) and not _KMS_KEY_ARN.fullmatch(value):
        raise ValueError(
            f"kms_key_arn: {value!r} is not a KMS key ARN; allowed: "
            "'arn:aws:kms:<region>:<account>:key/<id>' or an alias ARN"
        )
