"""The per-account baseline StackSet and the per-region buckets its assets are read from."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from landing_zone.ai.invocation_logging import ACCESS_LOG_PREFIX as BEDROCK_ACCESS_LOG_PREFIX
from landing_zone.ai.invocation_logging import BUCKET_PREFIX as BEDROCK_LOG_PREFIX
from landing_zone.baseline import AccountBaseline, BaselineAssetBucket, BaselineStackSet
from landing_zone.baseline.backup import BackupSettings
from landing_zone.baseline.config_recorder import ConfigRecorder
from landing_zone.baseline.iam_controls import (
    DEFAULT_MAX_ACCESS_KEY_AGE_DAYS,
    IamConfigRules,
    PasswordPolicySettings,
    account_password_policy,
)
from landing_zone.config import LandingZoneConfig
from landing_zone.config.guardrails import scp_parameters
from landing_zone.config.model import CDK_QUALIFIER
from landing_zone.edge.waf_log_bucket import ACCESS_LOG_PREFIX as WAF_ACCESS_LOG_PREFIX
from landing_zone.edge.web_acl import LOG_NAME_PREFIX as WAF_LOG_PREFIX
from landing_zone.logging import names
from landing_zone.response.response_role import ResponseRole
from landing_zone.response.sign_in_forwarding import SignInForwarding

from .ai_layers import TRAINING_ACCESS_LOG_PREFIX
from .namespace import mark_landing_zone
from .references import organizational_unit_id
from .sdk_calls import add_sdk_call_handler


def config_bucket(config: LandingZoneConfig) -> str:
    return names.config_bucket_name(config.organization.name, config.core_account_id("log_archive"))


def backup_settings(config: LandingZoneConfig) -> BackupSettings | None:
    """The baseline's backup vault and plan, or None when the config turns them off."""
    backup = config.baselines.backup
    if not backup.enabled:
        return None
    scan = backup.malware_scan
    return BackupSettings(
        plan_name=backup.plan_name,
        schedule=backup.schedule,
        retention_days=backup.retention_days,
        selection_tag_key=backup.selection_tag_key,
        selection_tag_value=backup.selection_tag_value,
        malware_scan_mode=None if scan is None else scan.mode,
        malware_scan_resource_types=() if scan is None else tuple(scan.resource_types),
    )


def password_policy_settings(config: LandingZoneConfig) -> PasswordPolicySettings:
    """The IAM password policy of every account: the config's, else the PCI DSS defaults."""
    if config.identity is None:
        return PasswordPolicySettings()
    policy = config.identity.password_policy
    return PasswordPolicySettings(
        minimum_password_length=policy.minimum_length,
        require_uppercase_characters=policy.require_uppercase,
        require_lowercase_characters=policy.require_lowercase,
        require_numbers=policy.require_numbers,
        require_symbols=policy.require_symbols,
        max_password_age_days=policy.max_age_days,
        password_reuse_prevention=policy.reuse_prevention,
    )


def max_access_key_age_days(config: LandingZoneConfig) -> int:
    if config.identity is None:
        return DEFAULT_MAX_ACCESS_KEY_AGE_DAYS
    return config.identity.max_access_key_age_days


class ManagementBaselineStack(Stack):
    """What the baseline StackSet gives member accounts, for the management account (one region):
    service-managed StackSets never deploy to it."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: LandingZoneConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        mark_landing_zone(self, config)
        add_sdk_call_handler(self, config)
        self.config_recorder = ConfigRecorder(
            self,
            "ConfigRecorder",
            delivery_bucket_name=config_bucket(config),
            global_resources_region=config.organization.home_region,
        )
        # The credential rules and the password policy of member accounts, here too: the
        # management account's root user matters most.
        self.iam_config_rules = IamConfigRules(
            self,
            "IamConfigRules",
            global_resources_region=config.organization.home_region,
            recorder=self.config_recorder.resource,
            condition=self.config_recorder.records_global_resources,
            max_access_key_age_days=max_access_key_age_days(config),
        )
        self.password_policy = account_password_policy(
            self,
            "PasswordPolicy",
            password_policy_settings(config),
            condition=self.iam_config_rules.is_global_resources_region,
        )


def response_role(baseline: AccountBaseline, config: LandingZoneConfig) -> ResponseRole:
    """The incident-response role of every account, created by the home region's instance."""
    assert config.incident_response is not None
    drill = config.incident_response.fire_drill
    guardrails = scp_parameters(config)
    org = config.organization.name
    return ResponseRole(
        baseline,
        "ResponseRole",
        role_name_prefix=guardrails.landing_zone_role_prefix,
        security_tooling_account_id=config.core_account_id("security_tooling"),
        organization_id=config.organization.id,
        drill_account_id=None if drill is None else config.accounts[drill.account].id,
        protected_role_arns=[
            *guardrails.landing_zone_role_arns,
            *(f"arn:aws:iam::*:role/{name}" for name in guardrails.protected_role_names),
        ],
        # The landing zone's log buckets (organization name, WAF, Bedrock and training-data
        # access logs) and its CDK staging buckets.
        protected_bucket_names=[
            f"{org}-*",
            f"cdk-{CDK_QUALIFIER}-*",
            f"{WAF_LOG_PREFIX}*",
            f"{WAF_ACCESS_LOG_PREFIX}*",
            f"{BEDROCK_LOG_PREFIX}*",
            f"{BEDROCK_ACCESS_LOG_PREFIX}*",
            f"{TRAINING_ACCESS_LOG_PREFIX}*",
        ],
        # IAM is global: one stack instance per account creates the role.
        condition=baseline.iam_config_rules.is_global_resources_region,
    )


def asset_bucket_prefix(config: LandingZoneConfig) -> str:
    # Bucket names are global: the management account id makes them unique to this landing zone.
    management_id = config.accounts[config.core_accounts.management].id
    return f"lz-baseline-{management_id}"


class BaselineAssetsStack(Stack):
    """The bucket, in one region, from which every account's baseline reads its Lambda code."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: LandingZoneConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.bucket = BaselineAssetBucket(
            self,
            "AssetBucket",
            bucket_name_prefix=asset_bucket_prefix(config),
            organization_id=config.organization.id,
        )


class BaselinesStack(Stack):
    """The service-managed StackSet that deploys the account baseline to the targeted OUs."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: LandingZoneConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        regions = config.baseline_regions()
        self.baseline = AccountBaseline(
            self,
            "AccountBaseline",
            asset_bucket_prefix=asset_bucket_prefix(config),
            asset_regions=regions,
            role_name_prefix=config.guardrails.parameters.landing_zone_role_prefix,
            config_delivery_bucket_name=config_bucket(config),
            global_resources_region=config.organization.home_region,
            backup=backup_settings(config),
            max_access_key_age_days=max_access_key_age_days(config),
            password_policy=password_policy_settings(config),
        )
        mark_landing_zone(self.baseline, config)
        self.response_role = (
            None if config.incident_response is None else response_role(self.baseline, config)
        )
        # Root console sign-ins of every member account, to the response triage.
        self.sign_in_forwarding = (
            None
            if config.incident_response is None
            else SignInForwarding(
                self.baseline,
                "ResponseSignInForwarding",
                security_tooling_account_id=config.core_account_id("security_tooling"),
                home_region=config.organization.home_region,
                name_prefix=config.guardrails.parameters.landing_zone_role_prefix,
            )
        )
        self.stack_set = BaselineStackSet(
            self,
            "AccountBaselineStackSet",
            baseline=self.baseline,
            **config.delivery.stackset_operations.stack_set_props(),
            target_organizational_unit_ids=[
                organizational_unit_id(self, config, path)
                for path in config.baselines.organizational_units
            ],
            regions=regions,
            # A fixed name: renaming a StackSet replaces it and every stack instance.
            stack_set_name=f"{config.organization.name}-account-baseline",
        )
