"""The customer managed key of one data class, with a key policy written statement by statement.

The account root administers the key and nothing more; principals of the account use it only
through the AWS services of its data class (``kms:ViaService``), and CloudWatch Logs, which
encrypts as its own service principal, only for log groups of this account and region. Nobody
gets ``kms:*``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.key_policy import (
    KEY_ADMINISTRATION_SID,
    LOGS_SID,
    checked_statements,
    key_administration_statement,
    logs_service_statement,
    use_through_services_statement,
)
from landing_zone.common.protection import (
    DEFAULT_LANDING_ZONE_PRINCIPALS,
    check_principals,
    deny_key_changes,
)

NAME = re.compile(r"(?=.{2,31}\Z)[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*")
"""A data class or alias prefix: 2-31 lowercase letters, digits and single hyphens, each
hyphen-separated part starting with a letter (so the PascalCase construct id is unique)."""

VIA_SERVICES = (
    "bedrock",
    "dynamodb",
    "ec2",
    "rds",
    "s3",
    "sagemaker",
    "secretsmanager",
    "sns",
    "sqs",
    "ssm",
)
"""Services through which principals of the account may use a key (``kms:ViaService``
``<service>.<region>.amazonaws.com``); ``ec2`` covers EBS volumes and snapshots."""

LOGS_SERVICE = "logs"
"""CloudWatch Logs encrypts log groups as its own service principal, not through ViaService."""

SERVICES = tuple(sorted((*VIA_SERVICES, LOGS_SERVICE)))
"""Every service a data class key may name."""

ROTATION_DAYS = (90, 365)
"""KMS accepts a rotation period of 90-2560 days; the landing zone rotates at least yearly."""
PENDING_WINDOW_DAYS = (7, 30)
"""The waiting period KMS accepts before it deletes a key."""

USE_ACTIONS = (
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)
"""The cryptographic actions the L2 key's ``grant_encrypt_decrypt`` grants (the union of its
encrypt and decrypt actions), so its IAM grants take effect through the services."""

USE_THROUGH_SERVICES_SID = "UseThroughServicesInThisAccount"
ATTACH_THROUGH_SERVICES_SID = "AttachToResourcesThroughServicesInThisAccount"
REPLICATION_SID = "ReplicationByThisAccount"
_KEY_SIDS = (
    KEY_ADMINISTRATION_SID,
    USE_THROUGH_SERVICES_SID,
    ATTACH_THROUGH_SERVICES_SID,
    LOGS_SID,
    REPLICATION_SID,
)


@dataclass(frozen=True, kw_only=True)
class DataClassKeySettings:
    """The parameters of one :class:`DataClassKey` besides its names, for constructs that
    create keys per data class."""

    services: Sequence[str] = field(default_factory=tuple)
    rotation_days: int = 365
    pending_window_days: int = 30
    multi_region: bool = False

    def __post_init__(self) -> None:
        check_services("services", self.services)
        check_days("rotation_days", self.rotation_days, ROTATION_DAYS)
        check_days("pending_window_days", self.pending_window_days, PENDING_WINDOW_DAYS)


class DataClassKey(Construct):
    """Symmetric KMS key of one data class (``Resource``), rotated, retained, with the alias
    ``alias/<alias_prefix>/<data_class>``.

    Its key policy:

    - ``KeyAdministrationByThisAccount``: the account root may administer the key (no
      cryptographic operation, no grants, rotation cannot be turned off);
    - ``UseThroughServicesInThisAccount`` (when ``services`` names one besides ``logs``):
      principals of this account whose IAM policies allow it may encrypt, decrypt, re-encrypt
      and generate data keys, but only through those services in this region
      (``kms:ViaService``, ``kms:CallerAccount``);
    - ``AttachToResourcesThroughServicesInThisAccount``: the same principals may let those
      services create grants for AWS resources (``kms:GrantIsForAWSResource``), which EBS, RDS,
      DynamoDB and SageMaker need to keep using the key for a volume or a database;
    - ``CloudWatchLogsOfThisAccountAndRegion`` (when ``services`` names ``logs``): CloudWatch
      Logs may use the key for log groups of this account and region only (the encryption
      context ``aws:logs:arn``, as the CloudWatch Logs user guide documents);
    - ``ReplicationByThisAccount`` (multi-Region keys only): the account root may replicate the
      key and move its primary Region, for disaster recovery;
    - ``additional_key_policy_statements``;
    - ``DenyKeyChangesOutsideTheLandingZone`` and ``DenyGrantsOutsideTheLandingZone``: nobody
      but ``landing_zone_principals`` may change the policy, disable, delete, replicate or
      re-tag the key, move its alias, or create a grant that is not for an AWS resource
      (``protection.deny_key_changes``), so an account administrator cannot take the key
      over or point ``alias/<alias_prefix>/<data_class>`` at a key of their own.

    **What ``grant_*`` yields.** For a grantee of this account (a role, user or group of a stack
    in the same account and region) the methods add an IAM policy to the grantee that allows
    the actions on this key's ARN only, and leave the key policy alone. Through
    ``UseThroughServicesInThisAccount`` that policy takes effect only when the request comes
    through one of ``services``: the grantee can read an S3 object encrypted with the key, but a
    direct ``kms:Decrypt`` call is denied. With no service besides ``logs``, an IAM grant has no
    effect. A grantee of another account (an ``AccountPrincipal``, an imported role) gets a key
    policy statement without a sid naming it, with the actions and ``Resource: *`` and no
    condition, so that account's IAM policies decide, and its principals may call KMS directly,
    not only through the services; no IAM policy is written for it. Grants to a
    service principal or to a wildcard principal are rejected: they would add a key policy
    statement without conditions; give the service a statement with ``aws:SourceAccount`` or
    ``aws:SourceArn`` through ``additional_key_policy_statements`` instead.
    """

    @classmethod
    def from_settings(
        cls,
        scope: Construct,
        construct_id: str,
        *,
        data_class: str,
        alias_prefix: str,
        settings: DataClassKeySettings,
        landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
    ) -> DataClassKey:
        """A ``DataClassKey`` with the parameters ``settings`` holds."""
        return cls(
            scope,
            construct_id,
            data_class=data_class,
            alias_prefix=alias_prefix,
            services=settings.services,
            rotation_period=Duration.days(settings.rotation_days),
            pending_window=Duration.days(settings.pending_window_days),
            multi_region=settings.multi_region,
            landing_zone_principals=landing_zone_principals,
        )

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data_class: str,
        alias_prefix: str,
        services: Sequence[str] = (),
        rotation_period: Duration | None = None,
        pending_window: Duration | None = None,
        multi_region: bool = False,
        additional_key_policy_statements: Sequence[iam.PolicyStatement] = (),
        landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
    ) -> None:
        """
        :param data_class: What the key encrypts, such as ``logs`` or ``ai-artifacts``; it
            names the alias and the key's description.
        :param alias_prefix: First part of the alias, such as the organization name ``acme``
            (alias ``alias/acme/<data_class>``). ``aws`` is reserved by AWS.
        :param services: Services that may use the key in this account and region, among
            ``SERVICES`` (e.g. ``s3``, ``ec2`` for EBS, ``logs``). Default: none, so only
            ``additional_key_policy_statements`` allow cryptographic use.
        :param rotation_period: Time between automatic rotations of the key material, a whole
            number of days from 90 to 365. Default: 365 days. Rotation is always on.
        :param pending_window: Waiting period before KMS deletes the key once it is scheduled
            for deletion (the key itself is retained when removed from the stack), 7 to 30
            days. Default: 30 days.
        :param multi_region: Create a multi-Region primary key, which replica keys in other
            Regions (created elsewhere) share for disaster recovery. Cannot change after
            creation. Default: a single-Region key.
        :param additional_key_policy_statements: Further key policy statements, e.g. a
            cross-account reader role or an AWS service principal with ``aws:SourceArn``.
            Default: none. Each needs a sid of its own; an Allow of ``kms:*``, of a
            ``NotAction``, to a ``NotPrincipal``, or to a wildcard principal without a condition
            is rejected.
        :param landing_zone_principals: Role ARN patterns (``aws:PrincipalArn``) that may still
            change the key; the role that deploys it must match one, or KMS's policy lockout
            check rejects the key. Default: ``DEFAULT_LANDING_ZONE_PRINCIPALS`` (``lz-*``, the
            StackSets execution roles, ``cdk-lzone-cfn-exec-role-*``); pass
            ``GuardrailParameters.landing_zone_role_arns`` of the config.
        """
        super().__init__(scope, construct_id)
        check_name("data_class", data_class)
        check_name("alias_prefix", alias_prefix)
        if alias_prefix == "aws":
            raise ValueError("alias_prefix: 'aws' is reserved for AWS managed keys; received 'aws'")
        check_services("services", services)
        rotation = rotation_period or Duration.days(ROTATION_DAYS[1])
        window = pending_window or Duration.days(PENDING_WINDOW_DAYS[1])
        check_duration_days("rotation_period", rotation, ROTATION_DAYS)
        check_duration_days("pending_window", window, PENDING_WINDOW_DAYS)
        extra = checked_statements(
            self,
            "additional_key_policy_statements",
            additional_key_policy_statements,
            reserved_sids=_KEY_SIDS,
        )
        self.data_class = data_class
        """The data class the key encrypts (``logs``, ``data``, ...)."""
        self.services = tuple(sorted(set(services)))
        """The services (short names such as ``s3``) through which principals of the account may use
        the key, sorted."""
        self.alias_name = f"alias/{alias_prefix}/{data_class}"
        """``alias/<alias_prefix>/<data_class>``, the alias the key is created with."""
        policy = data_class_key_policy(
            services,
            multi_region=multi_region,
            extra=extra,
            landing_zone_principals=landing_zone_principals,
        )
        self.key = kms.Key(
            self,
            "Resource",
            description=f"Encrypts data of the data class {data_class!r}",
            enable_key_rotation=True,
            rotation_period=rotation,
            pending_window=window,
            multi_region=multi_region,
            removal_policy=RemovalPolicy.RETAIN,
            policy=policy,
            alias=self.alias_name,
        )
        """The ``kms.Key``. The landing zone's constructs also take the ``DataClassKey`` itself
        where they take a key; aws-cdk-lib's constructs need this attribute."""

    def grant_encrypt_decrypt(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` encrypt and decrypt with the key (see the class for what that
        allows)."""
        return self.key.grant_encrypt_decrypt(self._named(grantee))

    def grant_encrypt(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` encrypt and generate data keys with the key."""
        return self.key.grant_encrypt(self._named(grantee))

    def grant_decrypt(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` decrypt with the key."""
        return self.key.grant_decrypt(self._named(grantee))

    def _named(self, grantee: iam.IGrantable) -> iam.IGrantable:
        fragment = Stack.of(self).resolve(grantee.grant_principal.policy_fragment.principal_json)
        kinds = set(fragment)
        if kinds - {"AWS"} or "*" in fragment.get("AWS", ()):
            raise ValueError(
                f"grantee: {fragment!r} is a service or wildcard principal, which a grant would "
                "put into the key policy without a condition; allowed: IAM roles, users, groups "
                "or accounts; give services a statement with aws:SourceAccount or aws:SourceArn "
                "through additional_key_policy_statements"
            )
        return grantee


def data_class_key_policy(
    services: Sequence[str],
    *,
    multi_region: bool = False,
    extra: Sequence[iam.PolicyStatement] = (),
    landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
) -> iam.PolicyDocument:
    """The key policy of a data class key that names ``services`` (see ``DataClassKey``)."""
    principals = check_principals("landing_zone_principals", landing_zone_principals)
    via_services = sorted(set(services) - {LOGS_SERVICE})
    return iam.PolicyDocument(
        statements=[
            key_administration_statement(),
            *(_replication_statements() if multi_region else ()),
            *_via_service_statements(via_services),
            *([logs_service_statement()] if LOGS_SERVICE in services else []),
            *extra,
            *deny_key_changes(principals),
        ]
    )


def _via_service_statements(services: Sequence[str]) -> list[iam.PolicyStatement]:
    if not services:
        return []
    through_services = {
        "kms:ViaService": [f"{service}.{pseudo.REGION}.amazonaws.com" for service in services],
        "kms:CallerAccount": pseudo.ACCOUNT_ID,
    }
    return [
        use_through_services_statement(USE_THROUGH_SERVICES_SID, services, USE_ACTIONS),
        iam.PolicyStatement(
            sid=ATTACH_THROUGH_SERVICES_SID,
            principals=[iam.AccountRootPrincipal()],
            actions=["kms:CreateGrant"],
            resources=["*"],
            conditions={
                "StringEquals": through_services,
                "Bool": {"kms:GrantIsForAWSResource": "true"},
            },
        ),
    ]


def _replication_statements() -> list[iam.PolicyStatement]:
    # KMS authorizes ReplicateKey on the primary key and UpdatePrimaryRegion on primary and
    # replica; neither is part of the key administration actions.
    return [
        iam.PolicyStatement(
            sid=REPLICATION_SID,
            principals=[iam.AccountRootPrincipal()],
            actions=["kms:ReplicateKey", "kms:UpdatePrimaryRegion"],
            resources=["*"],
        )
    ]


def check_name(prop: str, value: str) -> str:
    """``value`` if it is a data class or alias prefix name."""
    if not NAME.fullmatch(value):
        raise ValueError(
            f"{prop}: got {value!r}; allowed: 2-31 lowercase letters, digits and single "
            "hyphens, starting with a letter, each part after a hyphen starting with a letter"
        )
    return value


def check_services(prop: str, services: Iterable[str]) -> None:
    if isinstance(services, str):
        raise TypeError(f"{prop}: expected a list of service names, got the string {services!r}")
    unknown = [service for service in services if service not in SERVICES]
    if unknown:
        raise ValueError(f"{prop}: got {unknown!r}; allowed: any of {', '.join(SERVICES)}")


def check_days(prop: str, value: int, bounds: tuple[int, int]) -> int:
    minimum, maximum = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValueError(
            f"{prop}: got {value!r}; allowed: a whole number of days from {minimum} to {maximum}"
        )
    return value


def check_duration_days(prop: str, value: Duration, bounds: tuple[int, int]) -> None:
    if value.is_unresolved():
        return
    minimum, maximum = bounds
    try:
        days: float | None = value.to_days()
    except RuntimeError:  # jsii raises when the duration is no whole number of days
        days = None
    if days is None or not minimum <= days <= maximum:
        raise ValueError(
            f"{prop}: got {value.to_human_string()}; allowed: a whole number of days from "
            f"{minimum} to {maximum}"
        )
