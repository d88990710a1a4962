"""Organization-wide detection in the security-tooling account: one stack per governed region."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.config import LandingZoneConfig
from landing_zone.config.model import SEVERITIES
from landing_zone.config.security_checks import managed_rule_spec
from landing_zone.detection import (
    AccessAnalyzers,
    FindingAlerts,
    FindingForwarder,
    GuardDutyOrganization,
    InspectorOrganization,
    MacieMembers,
    MacieOrganization,
    OrganizationConfigAggregator,
    OrganizationConfigRules,
    PciDssConformancePack,
    SecurityHubOrganization,
    Severity,
)
from landing_zone.logging import ResponseEvidence, names
from landing_zone.response import (
    DRILL,
    ResponseForwarding,
    ResponseTopic,
    ResponseWorkflows,
    execution_role_arns,
    playbooks,
)
from landing_zone.response.playbooks.drill import definition as drill_definition
from landing_zone.response.playbooks.drill import drill_input, mapped_finding_types
from landing_zone.response.response_role import execution_role_name, response_role_name
from landing_zone.response.settings import compile_settings
from landing_zone.response.sign_in_forwarding import SignInBus

from .alerting import administrator_arns, subscriptions
from .sdk_calls import add_sdk_call_handler


class SecurityToolingStack(Stack):
    """The delegated administrator's side of GuardDuty, Inspector, Macie, Access Analyzer and
    AWS Config in one region; in the home region also Security Hub, the Config aggregator, the
    finding alerts and, with ``incident_response``, the response workflows. Other regions
    forward their GuardDuty findings (and root sign-ins, for the response) to the home
    region."""

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
                f"arn:{pseudo.PARTITION}:s3:::{names.log_bucket_name(org.name, log_archive_id)}"
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
        # One list-driven enrolment per region, however many accounts: auto-enable only
        # reaches accounts that join later.
        self.macie_members = MacieMembers(
            self,
            "MacieMembers",
            members={
                account.id: account.email
                for account in config.accounts.values()
                if account.id is not None and account.id != admin_id
            },
            name_prefix=config.guardrails.parameters.landing_zone_role_prefix,
        )
        # Macie must be on in the administrator account and region first.
        self.macie_members.node.add_dependency(self.macie)
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
            if config.incident_response is not None:
                self.response = _response_workflows(self, config, self.alerts)
                self.sign_in_bus = SignInBus(
                    self,
                    "ResponseSignIns",
                    triage=self.response.triage.function,
                    dead_letter_queue=self.response.dead_letter_queue,
                    organization_id=org.id,
                    name_prefix=config.guardrails.parameters.landing_zone_role_prefix,
                )
        else:
            self.forwarder = FindingForwarder(
                self,
                "FindingForwarder",
                home_region=org.home_region,
                # The response triages findings below the alerts' threshold too.
                minimum_severity=forwarded_severity(config),
                alarm_subscriptions=subscriptions(alerting.alert_subscriptions),
                name_prefix=config.guardrails.parameters.landing_zone_role_prefix,
                administrator_arns=administrator_arns(config),
            )
            if config.incident_response is not None:
                self.response_forwarding = ResponseForwarding(
                    self,
                    "ResponseForwarding",
                    forwarder=self.forwarder,
                    name_prefix=config.guardrails.parameters.landing_zone_role_prefix,
                )


def _response_workflows(
    stack: Stack, config: LandingZoneConfig, alerts: FindingAlerts
) -> ResponseWorkflows:
    response = config.incident_response
    assert response is not None, "only called with incident_response"
    org = config.organization
    log_archive_id = config.core_account_id("log_archive")
    drill_input = fire_drill_input(config)
    return ResponseWorkflows(
        stack,
        "Response",
        definitions=response_definitions(),
        settings=compile_settings(config),
        alert_topic=ResponseTopic(topic=alerts.alert_topic.topic, key=alerts.alert_topic.key),
        paging_topic=ResponseTopic(topic=alerts.paging_topic.topic, key=alerts.paging_topic.key),
        organization_id=org.id,
        evidence_bucket_name=names.log_bucket_name(org.name, log_archive_id),
        evidence_key_arn=names.logs_key_alias_arn(org.name, log_archive_id, org.home_region),
        log_archive_account_id=log_archive_id,
        name_prefix=config.guardrails.parameters.landing_zone_role_prefix,
        tabletop_schedule=response.tabletop_schedule,
        fire_drill_schedule=(
            None
            if drill_input is None or response.fire_drill is None
            else response.fire_drill.schedule
        ),
        fire_drill_input=drill_input,
        administrator_arns=administrator_arns(config),
    )


def response_definitions() -> dict[str, dict[str, Any]]:
    """The state machine definitions of the response workflows, by workflow name: every one
    ``landing_zone.response.playbooks`` declares (the playbooks and the IP block clean-up) and
    the fire drill."""
    definitions = {name: playbooks.definition(name) for name in playbooks.NAMES}
    if DRILL not in definitions:
        definitions[DRILL] = drill_definition()
    return definitions


def forwarded_severity(config: LandingZoneConfig) -> Severity:
    """The lowest severity the home region needs from the other regions: the alerts' minimum,
    or with ``incident_response`` the lowest severity a response tier handles."""
    minimum = Severity[config.detection.alerting.minimum_severity]
    response = config.incident_response
    if response is None:
        return minimum
    tiered = [Severity[severity] for severity in SEVERITIES if severity in response.tiers]
    return min([minimum, *tiered], key=lambda severity: severity.rank)


def fire_drill_input(config: LandingZoneConfig) -> dict[str, Any] | None:
    """The monthly drill's input, or None without a drill (or a drill account id)."""
    response = config.incident_response
    if response is None or response.fire_drill is None:
        return None
    account = config.accounts[response.fire_drill.account].id
    if account is None:
        return None
    org = config.organization
    prefix = config.guardrails.parameters.landing_zone_role_prefix
    tooling = config.core_account_id("security_tooling")
    finding_types = mapped_finding_types(response)
    return drill_input(
        account=account,
        region=org.home_region,
        home_region=org.home_region,
        finding_types=finding_types,
        state_machines={
            playbook: (
                f"arn:aws:states:{org.home_region}:{tooling}:stateMachine:"
                f"{execution_role_name(prefix, playbook)}"
            )
            for playbook in finding_types
        },
        role_name=response_role_name(prefix),
        page_within_seconds=response.fire_drill.page_within_seconds,
    )


def response_evidence(config: LandingZoneConfig) -> ResponseEvidence | None:
    """Who writes incident-response evidence into the log archive (the workflows' execution
    roles) and who reads it (the security auditors' Identity Center roles there)."""
    if config.incident_response is None:
        return None
    prefix = config.guardrails.parameters.landing_zone_role_prefix
    identity = config.identity
    auditors = (
        []
        if identity is None
        else sorted(
            name
            for name, permission_set in identity.permission_sets.items()
            if permission_set.job_function == "security_auditor"
        )
    )
    log_archive = config.core_account_id("log_archive")
    return ResponseEvidence(
        writer_role_arns=execution_role_arns(
            config.core_account_id("security_tooling"), prefix, sorted(response_definitions())
        ),
        reader_role_arns=[
            f"arn:aws:iam::{log_archive}:role/aws-reserved/sso.amazonaws.com/"
            f"*AWSReservedSSO_{name}_*"
            for name in auditors
        ],
    )
