"""The per-account baseline: the template a StackSet deploys to every account of targeted OUs."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_s3 as s3
from cdk_stacksets import StackSetStack
from constructs import Construct

from landing_zone.baseline import _validation
from landing_zone.baseline.account_controls import AccountPublicAccessBlock, EbsDefaultEncryption
from landing_zone.baseline.asset_bucket import asset_bucket_name, validate_asset_bucket_prefix
from landing_zone.baseline.asset_replication import acknowledge_asset_replication


class AccountBaseline(StackSetStack):
    """Account-level controls for every account and region a ``BaselineStackSet`` targets.

    Holds the S3 account public access block and EBS encryption by default; later controls are
    added to it as children. The template is region- and account-agnostic: it is synthesized
    once and deployed everywhere, so controls read ``Aws.ACCOUNT_ID`` and ``Aws.REGION``.

    Its custom resources need a Lambda code asset in every region it is deployed to, read from
    the bucket ``<asset_bucket_prefix>-<region>``; see ``asset_bucket``. Create it in the
    stack that holds its ``BaselineStackSet``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        asset_bucket_prefix: str,
        asset_regions: Sequence[str],
    ) -> None:
        """
        :param asset_bucket_prefix: Prefix of the ``BaselineAssetBucket`` names, one bucket
            ``<prefix>-<region>`` per region in ``asset_regions``.
        :param asset_regions: Regions with an asset bucket: the regions the baseline may be
            deployed to (a ``BaselineStackSet`` rejects any other).
        """
        validate_asset_bucket_prefix("asset_bucket_prefix", asset_bucket_prefix)
        regions = _validation.regions("asset_regions", asset_regions)
        # cdk-stacksets needs the buckets before the StackSetStack exists, so they are imported
        # beside it; the import adds nothing to any template.
        buckets = [
            s3.Bucket.from_bucket_name(
                scope,
                f"{construct_id}AssetBucket{_pascal(region)}",
                asset_bucket_name(asset_bucket_prefix, region),
            )
            for region in regions
        ]
        super().__init__(
            scope,
            construct_id,
            asset_buckets=buckets,
            asset_bucket_prefix=asset_bucket_prefix,
        )
        self.asset_bucket_prefix = asset_bucket_prefix
        self.asset_regions = regions
        self.template_options.description = (
            "Fintech landing zone account baseline: account-level controls deployed by a "
            "service-managed StackSet"
        )
        self.public_access_block = AccountPublicAccessBlock(self, "S3AccountPublicAccessBlock")
        self.ebs_default_encryption = EbsDefaultEncryption(self, "EbsDefaultEncryption")
        acknowledge_asset_replication(self, buckets)


def _pascal(region: str) -> str:
    """``eu-west-1`` as ``EuWest1``, for construct ids."""
    return "".join(part.capitalize() for part in region.split("-"))
