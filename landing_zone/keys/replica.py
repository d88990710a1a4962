"""Replicas of multi-Region data class keys in another region, for disaster recovery: data
encrypted in the primary region stays readable where it is restored or replicated."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common import AwsSdkCallHandler
from landing_zone.common.nag import granular_resource
from landing_zone.common.naming import pascal_case
from landing_zone.common.patterns import REGION
from landing_zone.common.protection import DEFAULT_LANDING_ZONE_PRINCIPALS
from landing_zone.keys.data_class_key import (
    PENDING_WINDOW_DAYS,
    check_days,
    check_name,
    check_services,
    data_class_key_policy,
)


class DataClassKeyReplica(Construct):
    """A replica (``Resource``, ``AWS::KMS::ReplicaKey``) in this stack's region of the
    multi-Region ``DataClassKey`` of ``data_class`` in ``primary_region``, with the same alias
    (``alias/<alias_prefix>/<data_class>``) and the same key policy as the primary's: use only
    through ``services`` of this account and region, administration by the account root, no
    ``kms:*``, changes denied to all but the landing zone's principals. Retained, with a
    deletion window. Its key material and rotation follow the
    primary.

    The primary's ARN (a random ``mrk-`` id) is read at deploy time: ``DescribePrimaryKey``
    calls ``kms:DescribeKey`` on the alias in ``primary_region`` through the stack's
    ``AwsSdkCallHandler``, allowed for that alias only (``kms:RequestAlias``). The primary must
    exist first; deploy this stack after the primary's.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data_class: str,
        alias_prefix: str,
        primary_region: str,
        services: Sequence[str] = (),
        pending_window_days: int = PENDING_WINDOW_DAYS[1],
        landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
    ) -> None:
        """
        :param data_class: The primary's data class; it names the alias.
        :param alias_prefix: The primary's alias prefix, such as the organization name.
        :param primary_region: Region of the primary key; not this stack's region.
        :param services: The primary's services (the replica's policy names the same).
        :param pending_window_days: Waiting period before KMS deletes the replica, 7-30 days.
            Default: 30.
        :param landing_zone_principals: Role ARN patterns that may still change the replica,
            as for the primary (``DataClassKey``). Default: ``DEFAULT_LANDING_ZONE_PRINCIPALS``.
        """
        super().__init__(scope, construct_id)
        check_name("data_class", data_class)
        check_name("alias_prefix", alias_prefix)
        check_services("services", services)
        check_days("pending_window_days", pending_window_days, PENDING_WINDOW_DAYS)
        stack = Stack.of(self)
        if not REGION.fullmatch(primary_region):
            raise ValueError(
                f"primary_region: got {primary_region!r}; allowed: a region name such as eu-west-1"
            )
        if primary_region == stack.region:
            raise ValueError(
                f"primary_region: got {primary_region!r}, the stack's own region; a replica "
                "lives in another region than its primary"
            )
        self.alias_name = f"alias/{alias_prefix}/{data_class}"
        """``alias/<alias_prefix>/<data_class>``, the same alias as the primary key's."""
        lookup = AwsSdkCallHandler.of(self).sdk_call(
            self,
            "DescribePrimaryKey",
            on_update=cr.AwsSdkCall(
                service="KMS",
                action="describeKey",
                parameters={"KeyId": self.alias_name},
                region=primary_region,
                physical_resource_id=cr.PhysicalResourceId.of(
                    f"{primary_region}:{self.alias_name}"
                ),
                output_paths=["KeyMetadata.Arn"],
            ),
            statements=[
                iam.PolicyStatement(
                    sid=f"DescribePrimaryKey{pascal_case(data_class)}",
                    actions=["kms:DescribeKey"],
                    resources=[f"arn:{stack.partition}:kms:{primary_region}:{stack.account}:key/*"],
                    conditions={"StringEquals": {"kms:RequestAlias": self.alias_name}},
                )
            ],
        )
        described = f"arn:{stack.partition}:kms:{primary_region}:{stack.account}:key/*"
        Validations.of(AwsSdkCallHandler.of(self).policy).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::{granular_resource(self, described)}]",
                reason=(
                    "The primary key's id is random (mrk-...) and unknown at synth; the "
                    "statement allows only kms:DescribeKey, only in the primary's region and "
                    "account, and only when the request names the data class alias "
                    "(kms:RequestAlias)."
                ),
            )
        )
        self.primary_key_arn = lookup.get_response_field("KeyMetadata.Arn")
        """The ARN of the primary key, looked up by its alias in the primary region (a token)."""
        self.resource = kms.CfnReplicaKey(
            self,
            "Resource",
            primary_key_arn=self.primary_key_arn,
            key_policy=data_class_key_policy(
                services, multi_region=True, landing_zone_principals=landing_zone_principals
            ),
            description=f"Replica of the key of the data class {data_class!r}",
            pending_window_in_days=Duration.days(pending_window_days).to_days(),
        )
        """The ``AWS::KMS::ReplicaKey``."""
        self.resource.apply_removal_policy(RemovalPolicy.RETAIN)
        self.alias = kms.CfnAlias(
            self, "Alias", alias_name=self.alias_name, target_key_id=self.resource.ref
        )
        """The ``AWS::KMS::Alias`` of the replica, named ``alias_name``."""
        self.key_id = self.resource.ref
        """The replica's key id (a token); multi-Region keys share it with the primary."""
        self.key_arn = self.resource.attr_arn
        """The replica's key ARN in this region (a token)."""
