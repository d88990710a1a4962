"""Account-level controls that CloudFormation has no resource type for, made with SDK calls.

Both controls are fail-secure: deleting them (a stack instance removed when an account leaves a
targeted OU, a construct removed from the baseline) makes no call, so the account keeps the
control. Undoing one is a deliberate act outside CloudFormation.
"""

from __future__ import annotations

from aws_cdk import Annotations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.sdk_call_handler import AwsSdkCallHandler

PUBLIC_ACCESS_BLOCK_RELAXED_WARNING = "@landing-zone/baseline:publicAccessBlockRelaxed"
"""Warning id raised when a setting of the account's S3 public access block is turned off."""


class AccountPublicAccessBlock(Construct):
    """S3 Block Public Access for the whole account the stack is deployed to (S3 Control
    ``PutPublicAccessBlock``), all four settings on by default.

    The setting is account-wide, not regional: a stack instance in each region puts the same
    configuration, which is idempotent. Deleting the construct leaves the block in place: lifting
    it would expose every bucket of the account whose policy or ACL grants public access, and a
    StackSet deletes stack instances on its own when an account moves out of a targeted OU.
    Where an organization-level S3 policy manages Block Public Access, S3 rejects the call.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        block_public_acls: bool = True,
        ignore_public_acls: bool = True,
        block_public_policy: bool = True,
        restrict_public_buckets: bool = True,
    ) -> None:
        """
        :param block_public_acls: Reject requests that set a public ACL. Default: on.
        :param ignore_public_acls: Ignore public ACLs on buckets and objects. Default: on.
        :param block_public_policy: Reject bucket policies that grant public access.
            Default: on.
        :param restrict_public_buckets: Only AWS services and the bucket owner's account may
            use a bucket with a public policy. Default: on.

        Turning a setting off adds the warning ``@landing-zone/baseline:publicAccessBlockRelaxed``,
        which synth with ``--strict`` fails on until it is acknowledged.
        """
        super().__init__(scope, construct_id)
        configuration = {
            "BlockPublicAcls": block_public_acls,
            "IgnorePublicAcls": ignore_public_acls,
            "BlockPublicPolicy": block_public_policy,
            "RestrictPublicBuckets": restrict_public_buckets,
        }
        relaxed = sorted(name for name, enabled in configuration.items() if not enabled)
        if relaxed:
            Annotations.of(self).add_warning_v2(
                PUBLIC_ACCESS_BLOCK_RELAXED_WARNING,
                f"S3 Block Public Access is off for {', '.join(relaxed)} in every account of "
                "the baseline; acknowledge this warning with the reason",
            )
        handler = AwsSdkCallHandler.of(self)
        self.resource = handler.sdk_call(
            self,
            "Resource",
            on_update=cr.AwsSdkCall(
                service="S3Control",
                action="PutPublicAccessBlock",
                parameters={
                    "AccountId": pseudo.ACCOUNT_ID,
                    "PublicAccessBlockConfiguration": configuration,
                },
                physical_resource_id=cr.PhysicalResourceId.of(
                    f"{pseudo.ACCOUNT_ID}-s3-account-public-access-block"
                ),
            ),
            statements=[
                iam.PolicyStatement(
                    sid="PutAccountPublicAccessBlock",
                    actions=["s3:PutAccountPublicAccessBlock"],
                    resources=["*"],
                    conditions={"StringEquals": {"s3:ResourceAccount": pseudo.ACCOUNT_ID}},
                )
            ],
            acknowledge_wildcard_resource=True,
        )


class EbsDefaultEncryption(Construct):
    """EBS encryption by default in the account and region the stack is deployed to (EC2
    ``EnableEbsEncryptionByDefault``), optionally with a customer managed default key
    (``ModifyEbsDefaultKmsKeyId``).

    Deleting the construct leaves encryption on and the default key as it is: turning
    encryption off would let new volumes and snapshot copies be created in clear.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kms_key: kms.IKey | None = None,
    ) -> None:
        """
        :param kms_key: Symmetric customer managed key that new volumes are encrypted with
            unless their creator names another. Its key policy must let the account's
            principals use it through EC2 (``kms:ViaService``): a volume cannot be created
            with a key its creator cannot use, and a disabled or deleted default key stops
            every instance launch that relies on it. Default: the default key is not managed,
            so the account keeps its current one (the AWS managed key ``aws/ebs`` unless
            someone changed it). Removing the key later also leaves it the default.
        """
        super().__init__(scope, construct_id)
        handler = AwsSdkCallHandler.of(self)
        self.resource = handler.sdk_call(
            self,
            "Resource",
            on_update=cr.AwsSdkCall(
                service="EC2",
                action="EnableEbsEncryptionByDefault",
                physical_resource_id=cr.PhysicalResourceId.of(
                    f"{pseudo.ACCOUNT_ID}-{pseudo.REGION}-ebs-encryption-by-default"
                ),
            ),
            statements=[_regional_ec2_statement("EnableEbsEncryptionByDefault")],
            acknowledge_wildcard_resource=True,
        )
        self.default_kms_key: cr.AwsCustomResource | None = None
        if kms_key is not None:
            self.default_kms_key = handler.sdk_call(
                self,
                "DefaultKmsKey",
                on_update=cr.AwsSdkCall(
                    service="EC2",
                    action="ModifyEbsDefaultKmsKeyId",
                    parameters={"KmsKeyId": kms_key.key_arn},
                    physical_resource_id=cr.PhysicalResourceId.of(
                        f"{pseudo.ACCOUNT_ID}-{pseudo.REGION}-ebs-default-kms-key"
                    ),
                ),
                statements=[_regional_ec2_statement("ModifyEbsDefaultKmsKeyId")],
                acknowledge_wildcard_resource=True,
            )
            # EC2 only accepts a default key once encryption by default is on.
            self.default_kms_key.node.add_dependency(self.resource)


def _regional_ec2_statement(action: str) -> iam.PolicyStatement:
    """EC2 ``action`` on the settings of the stack's own region only."""
    return iam.PolicyStatement(
        sid=action,
        actions=[f"ec2:{action}"],
        resources=["*"],
        conditions={"StringEquals": {"ec2:Region": pseudo.REGION}},
    )
