"""The per-account baseline: the template a StackSet deploys to every account of targeted OUs."""

from __future__ import annotations

import re
from collections.abc import Sequence

from cdk_stacksets import StackSetStack
from constructs import Construct

from landing_zone.baseline import _validation
from landing_zone.baseline.account_controls import AccountPublicAccessBlock, EbsDefaultEncryption
from landing_zone.baseline.asset_bucket import import_asset_buckets
from landing_zone.baseline.asset_replication import acknowledge_asset_replication
from landing_zone.baseline.backup import AccountBackup, BackupSettings
from landing_zone.baseline.config_recorder import ConfigRecorder
from landing_zone.baseline.iam_controls import (
    DEFAULT_MAX_ACCESS_KEY_AGE_DAYS,
    IamConfigRules,
    PasswordPolicySettings,
    account_password_policy,
)
from landing_zone.common import RENAMED_HANDLER_LOGICAL_ID_SUFFIX, AwsSdkCallHandler, pseudo

_DEFAULT_BACKUP = BackupSettings()
_DEFAULT_PASSWORD_POLICY = PasswordPolicySettings()
_ROLE_PREFIX = re.compile(r"[A-Za-z0-9+=,.@_-]{1,32}")


class AccountBaseline(StackSetStack):
    """Account-level controls for every account and region a ``BaselineStackSet`` targets.

    Holds the S3 account public access block, EBS encryption by default, AWS Config
    (recorder and delivery channel to the central bucket), the IAM controls (AWS Config rules
    on access keys, console MFA and the root user, and the IAM password policy, all in
    ``global_resources_region`` only) and AWS Backup (a locked vault and a tag-selected plan
    whose recovery points GuardDuty scans for malware); later controls are
    added to it as children. The template is region- and account-agnostic: it is synthesized
    once and deployed everywhere, so controls read ``pseudo.ACCOUNT_ID`` and ``pseudo.REGION``.

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
        config_delivery_bucket_name: str,
        global_resources_region: str,
        role_name_prefix: str | None = None,
        backup: BackupSettings | None = _DEFAULT_BACKUP,
        max_access_key_age_days: int = DEFAULT_MAX_ACCESS_KEY_AGE_DAYS,
        password_policy: PasswordPolicySettings | None = _DEFAULT_PASSWORD_POLICY,
    ) -> None:
        """
        :param asset_bucket_prefix: Prefix of the ``BaselineAssetBucket`` names, one bucket
            ``<prefix>-<region>`` per region in ``asset_regions``.
        :param asset_regions: Regions with an asset bucket: the regions the baseline may be
            deployed to (a ``BaselineStackSet`` rejects any other).
        :param config_delivery_bucket_name: Central bucket (log-archive account) that AWS Config
            of every account and region delivers to, under the ``config`` prefix.
        :param global_resources_region: The one region where AWS Config records the global IAM
            resource types.
        :param role_name_prefix: Name prefix of the landing zone's roles, which the guardrails
            (SCPs) exempt: the custom resources' role, function and managed policy are named
            ``<prefix>baseline-sdk-<region>`` so that its account-level calls (Block Public
            Access, EBS encryption) pass the guardrails protecting those settings, and the
            guardrails keep everyone else from changing or invoking them; the backup roles are
            ``<prefix>backup-<region>`` and ``<prefix>backup-scan-<region>``. Default: generated
            names, for accounts without such guardrails.
        :param backup: The backup vault and tag-selected plan of every account and region,
            with GuardDuty malware scans of new recovery points (see ``AccountBackup``), or
            ``None`` for none. Default: ``BackupSettings()``.
        :param max_access_key_age_days: Age in days, from 1 to 90, past which AWS Config
            reports an active IAM access key (see ``IamConfigRules``). Default: 37.
        :param password_policy: The IAM password policy of every account, set from
            ``global_resources_region`` (see ``AccountPasswordPolicy``), or ``None`` to leave
            the accounts' policy alone. Default: ``PasswordPolicySettings()``, the PCI DSS
            defaults.
        """
        if role_name_prefix is not None and not _ROLE_PREFIX.fullmatch(role_name_prefix):
            raise ValueError(
                "role_name_prefix must be 1-32 IAM role name characters (letters, digits, "
                f"'+=,.@_-'); received {role_name_prefix!r}"
            )
        regions = _validation.regions("asset_regions", asset_regions)
        buckets = import_asset_buckets(scope, construct_id, asset_bucket_prefix, regions)
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
        # IAM names are global in an account and the template runs in several regions. The
        # function carries the name too, so that only landing-zone principals may invoke or
        # change what runs as the exempt role, and so does its policy, whose versions would
        # otherwise be writable by the account's administrators.
        handler_name = (
            None if role_name_prefix is None else f"{role_name_prefix}baseline-sdk-{pseudo.REGION}"
        )
        AwsSdkCallHandler(
            self,
            AwsSdkCallHandler.ID,
            role_name=handler_name,
            function_name=handler_name,
            policy_name=handler_name,
            # Released with generated function and policy names: the calls move to new ones.
            logical_id_suffix="" if handler_name is None else RENAMED_HANDLER_LOGICAL_ID_SUFFIX,
        )
        self.public_access_block = AccountPublicAccessBlock(self, "S3AccountPublicAccessBlock")
        self.ebs_default_encryption = EbsDefaultEncryption(self, "EbsDefaultEncryption")
        self.config_recorder = ConfigRecorder(
            self,
            "ConfigRecorder",
            delivery_bucket_name=config_delivery_bucket_name,
            global_resources_region=global_resources_region,
        )
        self.iam_config_rules = IamConfigRules(
            self,
            "IamConfigRules",
            global_resources_region=global_resources_region,
            recorder=self.config_recorder.resource,
            condition=self.config_recorder.records_global_resources,
            max_access_key_age_days=max_access_key_age_days,
        )
        # IAM is global: one stack instance per account sets the policy, the others skip it.
        self.password_policy = (
            None
            if password_policy is None
            else account_password_policy(
                self,
                "PasswordPolicy",
                password_policy,
                condition=self.iam_config_rules.is_global_resources_region,
            )
        )
        self.backup = (
            None
            if backup is None
            else AccountBackup.from_settings(
                self, "Backup", backup, role_name_prefix=role_name_prefix
            )
        )
        acknowledge_asset_replication(self, buckets)
