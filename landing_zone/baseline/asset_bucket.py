"""The per-region buckets that serve a StackSet template's file assets to member accounts.

A StackSet template cannot read its Lambda code from the CDK bootstrap bucket: that bucket
exists in the deploying account's home region only, and Lambda reads a function's code from a
bucket in the function's own region. ``cdk-stacksets`` therefore takes one bucket per target
region, named ``<prefix>-<region>``: on every deployment of the StackSet's stack, a
``BucketDeployment`` it adds to that stack copies each asset from the bootstrap bucket into all
of them, and the template reads ``<prefix>-${AWS::Region}``.

What the deployer provides, in the account that deploys the StackSet (management account or
delegated StackSets administrator): a ``BaselineAssetBucket`` in each governed region, each in
a stack of that region (explicit env), deployed before the StackSet's stack. The baseline only
names these buckets: a stack cannot create buckets in other regions.

The code in these buckets runs in every member account as guardrail-exempt roles at the next
automatic deployment, and the management account is outside every SCP: only the bucket policy
keeps it unchanged. It lets nobody but the publishing roles
(``<prefix>asset-publisher-*``, the ``BucketDeployment`` handlers that
``asset_replication.acknowledge_asset_replication`` names) write or delete objects, and nobody
but the landing-zone principals (CloudFormation's execution role among them) change the bucket.

Why no ``S3ObjectVersion`` pin: ``cdk-stacksets`` writes one template for every region, whose
``Code`` names ``<prefix>-${AWS::Region}`` and the asset's key; a version id differs per bucket
and exists only once the ``BucketDeployment`` has copied the object, after synth, and
``cdk-stacksets`` has no way to put it into the template. The keys are content addresses (the
SHA-256 of the asset), so a template names the exact content it was synthesized with, and with
writes restricted to the publisher nobody else can put other content under that key; Lambda
copies the code when CloudFormation creates or updates a function, so a later overwrite could
only matter at a later deployment, which the same restriction covers. Versioning keeps every
overwritten object.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import Acknowledgment, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from landing_zone.baseline import _validation
from landing_zone.common import pseudo
from landing_zone.common.naming import pascal_case
from landing_zone.common.protection import (
    DEFAULT_LANDING_ZONE_PRINCIPALS,
    check_principals,
    deny_bucket_configuration,
    unless,
)
from landing_zone.common.tokens import is_unresolved

_BUCKET_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
_MAX_BUCKET_PREFIX_LENGTH = 63 - len("-ap-southeast-10")
"""S3 bucket names have at most 63 characters and ``-<region>`` follows the prefix; the longest
region name today has 14 characters, one more digit is headroom."""


ASSET_PUBLISHER = "asset-publisher"
"""Middle part of the names of the roles that publish assets: ``<prefix>asset-publisher-...``."""

ASSET_OBJECT_WRITES = (
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutObjectVersionAcl",
    "s3:ReplicateDelete",
    "s3:ReplicateObject",
)
"""Every way to put other content under an asset's key or to remove it (CopyObject and multipart
uploads are authorized as ``s3:PutObject``; replication from another bucket as
``s3:ReplicateObject``)."""


def asset_publisher_role_arns(prefix: str, account: str = pseudo.ACCOUNT_ID) -> str:
    """ARN pattern of the roles that publish assets in ``account``, for ``aws:PrincipalArn``."""
    return f"arn:{pseudo.PARTITION}:iam::{account}:role/{prefix}{ASSET_PUBLISHER}-*"


def asset_bucket_name(prefix: str, region: str) -> str:
    """Name of the asset bucket of ``region``: the name ``cdk-stacksets`` reads from."""
    return f"{prefix}-{region}"


def import_asset_buckets(
    scope: Construct, construct_id: str, prefix: str, regions: Sequence[str]
) -> list[s3.IBucket]:
    """The asset buckets ``<prefix>-<region>`` of ``regions``, imported into ``scope`` beside
    the ``StackSetStack`` ``construct_id`` that reads its code from them: cdk-stacksets needs
    them before the ``StackSetStack`` exists. The imports add nothing to any template."""
    validate_asset_bucket_prefix("asset_bucket_prefix", prefix)
    return [
        s3.Bucket.from_bucket_name(
            scope,
            f"{construct_id}AssetBucket{pascal_case(region)}",
            asset_bucket_name(prefix, region),
        )
        for region in _validation.regions("asset_regions", regions)
    ]


def validate_asset_bucket_prefix(prop: str, prefix: str) -> str:
    """``prefix`` if it can start the name of an asset bucket in every region."""
    if not _BUCKET_PREFIX.fullmatch(prefix) or len(prefix) > _MAX_BUCKET_PREFIX_LENGTH:
        raise ValueError(
            f"{prop}: {prefix!r} cannot start an S3 bucket name followed by '-<region>'; "
            f"allowed: 2 to {_MAX_BUCKET_PREFIX_LENGTH} lowercase letters, digits and hyphens, "
            "starting and ending with a letter or digit"
        )
    return prefix


class BaselineAssetBucket(Construct):
    """The bucket that serves StackSet file assets to every account of the organization in one
    region: named ``<bucket_name_prefix>-<region of the stack>``, readable (``s3:GetObject``)
    by principals of the organization only, TLS 1.2+ only, versioned, never public, retained.

    Place one in a stack of each governed region, in the account that deploys the StackSet.
    Only the publishing roles of that account (``<name_prefix>asset-publisher-*``, the
    ``BucketDeployment`` handlers ``cdk-stacksets`` adds to the StackSet's stack, named by
    ``asset_replication.acknowledge_asset_replication``) may write or delete objects
    (``DenyAssetWritesButByThePublisher``), and only ``landing_zone_principals`` may change the
    bucket's policy, versioning, lifecycle, replication or other configuration
    (``DenyBucketConfigurationChanges``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket_name_prefix: str,
        organization_id: str,
        name_prefix: str = "lz-",
        landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
    ) -> None:
        """
        :param bucket_name_prefix: The ``asset_bucket_prefix`` of the baseline. Bucket names
            are global: include something unique, such as the deploying account's id.
        :param organization_id: AWS Organizations id (``o-...``) whose principals may read.
        :param name_prefix: The landing zone's protected prefix, which names the publishing
            roles. Default: ``lz-``.
        :param landing_zone_principals: Role ARN patterns (``aws:PrincipalArn``) that may
            still change the bucket; the stack's deployer (CloudFormation's execution role)
            must match one. Default: ``DEFAULT_LANDING_ZONE_PRINCIPALS``; pass
            ``GuardrailParameters.landing_zone_role_arns`` of the config.
        """
        super().__init__(scope, construct_id)
        validate_asset_bucket_prefix("bucket_name_prefix", bucket_name_prefix)
        _validation.organization_id("organization_id", organization_id)
        principals = check_principals("landing_zone_principals", landing_zone_principals)
        region = Stack.of(self).region
        if is_unresolved(region):
            raise ValueError(
                f"{self.node.path}: the stack has no explicit region, but the bucket name ends "
                "with it; give the stack env=Environment(account=..., region=...)"
            )
        self.bucket = s3.Bucket(
            self,
            "Resource",
            bucket_name=asset_bucket_name(bucket_name_prefix, region),
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # S3 does not count a grant conditioned on aws:PrincipalOrgID as public, so it passes
        # Block Public Access. Lambda reads the code with the credentials of the member
        # account's StackSet execution role, which belongs to the organization.
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowOrganizationToReadStackSetAssets",
                principals=[iam.OrganizationPrincipal(organization_id)],
                actions=["s3:GetObject"],
                resources=[self.bucket.arn_for_objects("*")],
            )
        )
        self.publisher_role_arns = asset_publisher_role_arns(name_prefix, Stack.of(self).account)
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="DenyAssetWritesButByThePublisher",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=list(ASSET_OBJECT_WRITES),
                resources=[self.bucket.arn_for_objects("*")],
                conditions=unless([self.publisher_role_arns]),
            )
        )
        for statement in deny_bucket_configuration(self.bucket.bucket_arn, principals):
            self.bucket.add_to_resource_policy(statement)
        Validations.of(self.bucket).acknowledge(*_ACKNOWLEDGMENTS)


_ACCESS_LOGGED = (
    "The bucket holds only public build artifacts (SDK call handler code), read-only for the "
    "organization and written only by CloudFormation deployments, which CloudTrail management "
    "events already record; server access logs would need another log bucket in every region "
    "of the management account. Object-level reads become auditable through the organization "
    "trail's S3 data events once the log archive is deployed."
)
_REPRODUCIBLE = (
    "The bucket holds build artifacts only: every deployment of the StackSet's stack "
    "republishes each object from the CDK app, and each region has its own bucket by design."
)
_SSE_S3 = (
    "The objects are the open source code bundles of the AWS SDK custom resources, no customer "
    "or cardholder data. Lambda reads them with each member account's StackSet execution role: "
    "SSE-KMS would need kms:Decrypt for every account of the organization, and "
    "kms:GenerateDataKey for the role of the BucketDeployment that cdk-stacksets creates "
    "without exposing its policy. For code, integrity is what matters: versioning, TLS-only "
    "access and writes by the named publishing roles only (bucket policy)."
)
_ACKNOWLEDGMENTS = (
    Acknowledgment(id="AwsSolutions-S1", reason=_ACCESS_LOGGED),
    Acknowledgment(id="NIST.800.53.R5-S3BucketLoggingEnabled", reason=_ACCESS_LOGGED),
    Acknowledgment(id="PCI.DSS.321-S3BucketLoggingEnabled", reason=_ACCESS_LOGGED),
    Acknowledgment(id="NIST.800.53.R5-S3BucketReplicationEnabled", reason=_REPRODUCIBLE),
    Acknowledgment(id="PCI.DSS.321-S3BucketReplicationEnabled", reason=_REPRODUCIBLE),
    Acknowledgment(id="NIST.800.53.R5-S3DefaultEncryptionKMS", reason=_SSE_S3),
    Acknowledgment(id="PCI.DSS.321-S3DefaultEncryptionKMS", reason=_SSE_S3),
    Acknowledgment(id="Fintech-S3BucketKMSEncryption", reason=_SSE_S3),
)
