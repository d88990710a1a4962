"""Organization-wide detection in the security-tooling account: one stack per governed region."""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, Stack
from constructs import Construct

from landing_zone.config import LandingZoneConfig
from landing_zone.config.security_checks import managed_rule_spec
from landing_zone.detection import (
    AccessAnalyzers,
    FindingAlerts,
    FindingForwarder,
    GuardDutyOrganization,
    InspectorOrganization,
    MacieOrganization,
    OrganizationConfigAggregator,
    OrganizationConfigRules,
    PciDssConformancePack,
    SecurityHubOrganization,
    Severity,
)
from landing_zone.logging import names

from .alerting import administrator_arns, subscriptions
from .sdk_calls import add_sdk_call_handler


class SecurityToolingStack(Stack):
    """The delegated administrator's side of GuardDuty, Inspector, Macie, Access Analyzer and
    AWS Config in one region; in the home region also Security Hub, the Config aggregator and
    the finding alerts. Other regions forward their GuardDuty findings to the home region."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: LandingZoneConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        add_sdk_call_handler(self, config)
        org = config.organization
        detection = config.detection
        home = self.region == org.home_region
        log_archive_id = config.core_account_id("log_archive")
        admin_id = config.core_account_id("security_tooling")

        self.guardduty = GuardDutyOrganization(
            self,
            "GuardDuty",
            export_bucket_arn=(
                f"arn:{Aws.PARTITION}:s3:::{names.log_bucket_name(org.name, log_archive_id)}"
            ),
            export_kms_key_arn=names.logs_key_alias_arn(org.name, log_archive_id, org.home_region),
            export_prefix=names.GUARDDUTY_PREFIX,
            finding_publishing_frequency=detection.guardduty.finding_publishing_frequency,
        )
        # Existing members: auto-enable only reaches accounts that join later.
        members = sorted(
            account.id
            for account in config.accounts.values()
            if account.id is not None and account.id != admin_id
        )
        self.inspector = InspectorOrganization(self, "Inspector", account_ids=members)
        self.macie = MacieOrganization(
            self,
            "Macie",
            finding_publishing_frequency=detection.guardduty.finding_publishing_frequency,
        )
        self.access_analyzers = AccessAnalyzers(
            self,
            "AccessAnalyzers",
            # Unused access is about IAM, which is global: one analyzer, in the home region.
            unused=home,
            unused_access_age_days=detection.access_analyzer.unused_access_age_days,
        )
        self.conformance_pack = PciDssConformancePack(
            self, "PciDssConformancePack", include_global_resource_types=home
        )
        rules = detection.aws_config.rules
        if rules:
            self.config_rules = OrganizationConfigRules(
                self,
                "ConfigRules",
                rules={name: managed_rule_spec(rule) for name, rule in rules.items()},
            )
        alerting = detection.alerting
        if home:
            self.security_hub = SecurityHubOrganization(
                self,
                "SecurityHub",
                root_id=org.root_id,
                linked_regions=[r for r in org.governed_regions if r != org.home_region],
            )
            self.config_aggregator = OrganizationConfigAggregator(
                self,
                "ConfigAggregator",
                regions=org.governed_regions,
                name=f"{config.guardrails.parameters.landing_zone_role_prefix}config-aggregator",
            )
            self.alerts = FindingAlerts(
                self,
                "FindingAlerts",
                minimum_severity=Severity[alerting.minimum_severity],
                paging_severity=Severity[alerting.paging_severity],
                alert_subscriptions=subscriptions(alerting.alert_subscriptions),
                paging_subscriptions=subscriptions(alerting.paging_subscriptions),
                name_prefix=config.guardrails.parameters.landing_zone_role_prefix,
                administrator_arns=administrator_arns(config),
            )
        else:
            self.forwarder = FindingForwarder(
                self,
                "FindingForwarder",
                home_region=org.home_region,
                minimum_severity=Severity[alerting.minimum_severity],
                alarm_subscriptions=subscriptions(alerting.alert_subscriptions),
                name_prefix=config.guardrails.parameters.landing_zone_role_prefix,
                administrator_arns=administrator_arns(config),
            )
