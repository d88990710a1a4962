"""The catalog of bad configs: each must stop with the file, the exact field path and the value."""

from __future__ import annotations

import copy
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from landing_zone.config import ConfigError, parse_config
from landing_zone.config.loader import MAX_YAML_VALUES

EXAMPLE = Path(__file__).parents[1] / "fixtures" / "landing-zone.yaml"
BASE: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def mutate(config: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = config
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value

    return mutate


def _all(*mutations: Mutation) -> Mutation:
    def mutate(config: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(config)

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(config: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = config
        for key in parents:
            node = node[key]
        del node[last]

    return mutate


def _add_account(name: str, **fields: Any) -> Mutation:
    def mutate(config: dict[str, Any]) -> None:
        config["accounts"][name] = {"email": f"{name}@acme-pay.example", "ou": "Sandbox", **fields}

    return mutate


def _add_ous(*paths: str) -> Mutation:
    def mutate(config: dict[str, Any]) -> None:
        for path in paths:
            config["organizational_units"][path] = {}

    return mutate


def _scp(target: str, names: list[str]) -> Mutation:
    return lambda config: config["guardrails"]["service_control_policies"].__setitem__(
        target, names
    )


def _both(*mutations: Mutation) -> Mutation:
    def mutate(config: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(config)

    return mutate


# (case id, mutation, exact field path in the message, a fragment saying what is allowed)
CATALOG: list[tuple[str, Mutation, str, str]] = [
    ("unknown-top-level-key", _set("organisation", {}), "organisation", "allowed keys"),
    (
        "unknown-account-key",
        _set("accounts.sandbox.emial", "x@y.example"),
        "accounts.sandbox.emial",
        "allowed keys: description, email, existing, id, ou",
    ),
    (
        "unknown-ou-key",
        _set("organizational_units.Sandbox.scps", []),
        "organizational_units.Sandbox.scps",
        "allowed keys",
    ),
    ("wrong-version", _set("version", 2), "version", "Input should be 1"),
    ("missing-organization", _delete("organization"), "organization", "required field"),
    (
        "missing-account-email",
        _delete("accounts.sandbox.email"),
        "accounts.sandbox.email",
        "required field",
    ),
    ("short-account-id", _set("accounts.sandbox.id", "12345"), "accounts.sandbox.id", "12-digit"),
    (
        "numeric-account-id",
        _set("accounts.sandbox.id", 101010101010),
        "accounts.sandbox.id",
        "valid string",
    ),
    (
        "bad-email",
        _set("accounts.sandbox.email", "not-an-email"),
        "accounts.sandbox.email",
        "email address",
    ),
    (
        "duplicate-email",
        _set("accounts.sandbox.email", "AWS-ml-prod@acme-pay.example"),
        "accounts.sandbox.email",
        "every account needs its own",
    ),
    (
        "duplicate-account-id",
        _set("accounts.sandbox.id", "999999999999"),
        "accounts.sandbox.id",
        "already the id of account 'ml-nonprod'",
    ),
    ("bad-account-name", _add_account("Payments_EU"), "accounts.Payments_EU", "lowercase letters"),
    (
        "unknown-account-ou",
        _set("accounts.sandbox.ou", "Playground"),
        "accounts.sandbox.ou",
        "'Root' or one of",
    ),
    (
        "existing-without-id",
        _add_account("legacy", existing=True),
        "accounts.legacy.id",
        "required when existing is true",
    ),
    (
        "management-not-existing",
        _set("accounts.management.existing", False),
        "accounts.management.existing",
        "must be true",
    ),
    (
        "core-account-without-id",
        _delete("accounts.log-archive.id"),
        "accounts.log-archive.id",
        "explicit account id",
    ),
    (
        "core-account-unknown",
        _set("core_accounts.network", "netwrk"),
        "core_accounts.network",
        "not an account name",
    ),
    (
        "core-accounts-shared",
        _set("core_accounts.security_tooling", "log-archive"),
        "core_accounts.security_tooling",
        "must each be a separate account",
    ),
    (
        "unknown-home-region",
        _set("organization.home_region", "eu-west-9"),
        "organization.home_region",
        "not an AWS region name",
    ),
    (
        "unknown-governed-region",
        _set("organization.governed_regions", ["eu-west-1", "mars-1"]),
        "organization.governed_regions[1]",
        "not an AWS region name",
    ),
    (
        "home-region-not-governed",
        _set("organization.governed_regions", ["eu-central-1"]),
        "organization.home_region",
        "must be one of the governed regions",
    ),
    (
        "duplicate-governed-region",
        _set("organization.governed_regions", ["eu-west-1", "eu-west-1"]),
        "organization.governed_regions[1]",
        "list each value once",
    ),
    (
        "empty-governed-regions",
        _set("organization.governed_regions", []),
        "organization.governed_regions",
        "at least 1",
    ),
    ("bad-organization-id", _set("organization.id", "org-123"), "organization.id", "'o-'"),
    ("bad-root-id", _set("organization.root_id", "root"), "organization.root_id", "'r-'"),
    ("bad-org-name", _set("organization.name", "Acme Pay"), "organization.name", "lowercase"),
    (
        "ou-too-deep",
        _add_ous(
            "Sandbox/A", "Sandbox/A/B", "Sandbox/A/B/C", "Sandbox/A/B/C/D", "Sandbox/A/B/C/D/E"
        ),
        "organizational_units.Sandbox/A/B/C/D/E",
        "at most 5 levels",
    ),
    (
        "ou-missing-parent",
        _add_ous("Workloads/Prod/Cards/EU"),
        "organizational_units.Workloads/Prod/Cards/EU",
        "parent OU 'Workloads/Prod/Cards'",
    ),
    ("ou-named-root", _add_ous("Root/Extra"), "organizational_units.Root/Extra", "reserved"),
    ("ou-case-clash", _add_ous("sandbox"), "organizational_units.sandbox", "letter case"),
    (
        "bad-ou-id",
        _set("organizational_units.Sandbox.id", "ou-1"),
        "organizational_units.Sandbox.id",
        "OU id such as",
    ),
    ("bad-ou-path", _add_ous("Work loads"), "organizational_units.Work loads", "OU path"),
    (
        "unknown-scp-target",
        _scp("Workloads/Staging", ["deny-root-user"]),
        "guardrails.service_control_policies.Workloads/Staging",
        "not a policy target",
    ),
    (
        "scp-on-management",
        _scp("management", ["deny-root-user"]),
        "guardrails.service_control_policies.management",
        "never restrict",
    ),
    (
        "unknown-guardrail",
        _scp("Sandbox", ["deny-root-user", "deny-evrything"]),
        "guardrails.service_control_policies.Sandbox[1]",
        "allowed: deny-leave-organization",
    ),
    (
        "guardrail-listed-twice",
        _scp("Sandbox", ["deny-root-user", "deny-root-user"]),
        "guardrails.service_control_policies.Sandbox[1]",
        "listed twice",
    ),
    (
        "unknown-rcp-guardrail",
        _set("guardrails.resource_control_policies", {"Root": ["enforce-tls", "deny-root-user"]}),
        "guardrails.resource_control_policies.Root[1]",
        "allowed: enforce-tls",
    ),
    (
        "guardrails-without-role-protection",
        _scp("Root", ["deny-root-user", "deny-unapproved-regions"]),
        "guardrails.service_control_policies.Root",
        "needs 'protect-landing-zone-roles' and 'protect-landing-zone-resources'",
    ),
    (
        "security-tooling-without-delegated-administration-protection",
        _scp("Security", ["keep-data-in-organization"]),
        "guardrails.service_control_policies",
        "needs 'protect-delegated-administration' attached to the security tooling account",
    ),
    (
        "too-many-ous-to-create",
        _add_ous(*(f"Workloads/Team{n:03d}" for n in range(145))),
        "organizational_units",
        "creates 155 OUs; allowed: at most 150",
    ),
    (
        "ipam-without-address-plan-protection-at-root",
        _both(
            _set("network.ipam", {"pools": {"eu-west-1": {"production": "10.128.0.0/12"}}}),
            lambda config: config["guardrails"]["service_control_policies"]["Root"].remove(
                "protect-address-plan"
            ),
        ),
        "guardrails.service_control_policies.Root",
        "needs 'protect-address-plan' with network.ipam",
    ),
    (
        "ipam-administrator-without-delegated-administration-protection",
        _both(
            _set("network.ipam", {"pools": {"eu-west-1": {"production": "10.128.0.0/12"}}}),
            _delete("guardrails.service_control_policies.network"),
        ),
        "guardrails.service_control_policies",
        "needs 'protect-delegated-administration' attached to the network account 'network'",
    ),
    (
        "guardrails-without-resource-protection",
        _scp("Root", ["deny-root-user", "protect-landing-zone-roles"]),
        "guardrails.service_control_policies.Root",
        "needs 'protect-landing-zone-resources' attached here or above",
    ),
    (
        "scp-on-account-without-id",
        _both(_add_account("newbie"), _scp("newbie", ["deny-root-user"])),
        "guardrails.service_control_policies.newbie",
        "account without an id",
    ),
    (
        "guardrails-do-not-fit",
        _set(
            "guardrails.parameters.deployment_role_names",
            [f"deployment-role-with-a-rather-long-name-{n:02d}-*" for n in range(40)],
        ),
        "guardrails.service_control_policies.Root",
        "exceed the limit of 5,120 characters",
    ),
    (
        "unknown-baseline-ou",
        _set("baselines.organizational_units", ["Security", "Lab"]),
        "baselines.organizational_units[1]",
        "not a defined OU",
    ),
    (
        "baseline-region-not-governed",
        _set("baselines.regions", ["ap-south-1"]),
        "baselines.regions[0]",
        "must be one of the governed regions",
    ),
    (
        "unknown-tag-policy-target",
        _set("guardrails.tag_policy.targets", ["Nowhere"]),
        "guardrails.tag_policy.targets[0]",
        "not a defined OU",
    ),
    (
        "too-few-account-stacks",
        _set("organization.account_stacks", 0),
        "organization.account_stacks",
        "greater than or equal to 1",
    ),
    (
        "bad-break-glass-role",
        _set("guardrails.parameters.break_glass_role_names", ["break glass"]),
        "guardrails.parameters.break_glass_role_names[0]",
        "IAM role name",
    ),
    (
        "object-lock-disabled",
        _set("logging.log_bucket.object_lock_mode", "NONE"),
        "logging.log_bucket.object_lock_mode",
        "'COMPLIANCE' or 'GOVERNANCE'",
    ),
    (
        "retention-below-floor",
        _set("logging.log_bucket.retention_days", 200),
        "logging.log_bucket.retention_days",
        "365 days or more",
    ),
    (
        "floor-below-pci",
        _set("logging.log_bucket.minimum_retention_days", 90),
        "logging.log_bucket.minimum_retention_days",
        "greater than or equal to 365",
    ),
    (
        "expiry-before-retention",
        _set("logging.log_bucket.expire_after_days", 380),
        "logging.log_bucket.expire_after_days",
        "must be at least 401",
    ),
    (
        "archive-before-glacier",
        _set("logging.log_bucket.deep_archive_after_days", 30),
        "logging.log_bucket.deep_archive_after_days",
        "later than glacier_instant_retrieval_after_days (90)",
    ),
    (
        "bad-cloudwatch-retention",
        _set("logging.trail.cloudwatch_logs_retention_days", 366),
        "logging.trail.cloudwatch_logs_retention_days",
        "365",
    ),
    (
        "bad-data-event-scope",
        _set("logging.trail.s3_data_events", "some"),
        "logging.trail.s3_data_events",
        "'all' or 'none'",
    ),
    (
        "paging-below-alerts",
        _set("detection.alerting.paging_severity", "LOW"),
        "detection.alerting.paging_severity",
        "MEDIUM, HIGH, CRITICAL",
    ),
    (
        "unknown-severity",
        _set("detection.alerting.minimum_severity", "SEVERE"),
        "detection.alerting.minimum_severity",
        "'LOW', 'MEDIUM', 'HIGH' or 'CRITICAL'",
    ),
    (
        "https-subscription-with-http-url",
        _set(
            "detection.alerting.paging_subscriptions",
            [{"protocol": "https", "endpoint": "http://pager.example/hook"}],
        ),
        "detection.alerting.paging_subscriptions[0].endpoint",
        "https:// URL",
    ),
    (
        # The construct rejects it too; the config must say so first, not a traceback.
        "email-subscription-with-trailing-dot",
        _set(
            "detection.alerting.alert_subscriptions",
            [{"protocol": "email", "endpoint": "secops@acme-pay.example."}],
        ),
        "detection.alerting.alert_subscriptions[0].endpoint",
        "email address",
    ),
    (
        "config-rules-differing-only-in-case",
        _set(
            "detection.aws_config.rules",
            {
                "kms-check": {"identifier": "S3_DEFAULT_ENCRYPTION_KMS"},
                "KMS-check": {"identifier": "S3_DEFAULT_ENCRYPTION_KMS"},
            },
        ),
        "detection.aws_config.rules.KMS-check",
        "only in hyphens or letter case",
    ),
    (
        "config-rule-parameters-too-long",
        _set(
            "detection.aws_config.rules",
            {
                "kms-check": {
                    "identifier": "X_Y",
                    "input_parameters": {"a": "x" * 1024, "b": "y" * 1024},
                }
            },
        ),
        "detection.aws_config.rules.kms-check",
        "AWS Config allows 2048",
    ),
    (
        "trail-logs-its-own-bucket",
        _set("logging.trail.s3_data_events", ["acme-pay-logs-222222222222"]),
        "logging.trail",
        "is the log bucket",
    ),
    (
        "trail-selector-quota",
        _set("logging.trail.s3_data_events", [f"bucket-{i:03}" for i in range(600)]),
        "logging.trail",
        "at most 500 per trail",
    ),
    (
        "trail-cloudwatch-retention-below-floor",
        _both(
            _set("logging.log_bucket.minimum_retention_days", 400),
            _set("logging.log_bucket.retention_days", 400),
        ),
        "logging.trail.cloudwatch_logs_retention_days",
        "at least that many days",
    ),
    (
        "same-subscription-twice",
        _set(
            "detection.alerting.alert_subscriptions",
            [{"protocol": "email", "endpoint": "a@b.example"}] * 2,
        ),
        "detection.alerting.alert_subscriptions[1]",
        "appears more than once",
    ),
    (
        "malware-bucket-unknown-account",
        _set(
            "detection.guardduty.malware_protection_buckets",
            [{"account": "payments-eu", "bucket": "uploads-bucket"}],
        ),
        "detection.guardduty.malware_protection_buckets[0].account",
        "not an account name",
    ),
    (
        "malware-bucket-ungoverned-region",
        _set(
            "detection.guardduty.malware_protection_buckets",
            [{"account": "payments-prod", "bucket": "uploads-bucket", "region": "ap-south-1"}],
        ),
        "detection.guardduty.malware_protection_buckets[0].region",
        "governed regions",
    ),
    (
        "config-rule-lowercase-identifier",
        _set(
            "detection.aws_config.rules",
            {"my-rule": {"identifier": "s3_bucket_versioning_enabled"}},
        ),
        "detection.aws_config.rules.my-rule.identifier",
        "UPPER_CASE",
    ),
    (
        "unused-access-age-too-long",
        _set("detection.access_analyzer.unused_access_age_days", 400),
        "detection.access_analyzer.unused_access_age_days",
        "less than or equal to 365",
    ),
    (
        "backup-schedule-five-field-cron",
        _set("baselines.backup.schedule", "cron(0 3 * * *)"),
        "baselines.backup.schedule",
        "cron() expression with six fields",
    ),
    (
        "backup-tag-key-reserved",
        _set("baselines.backup.selection_tag_key", "aws:backup"),
        "baselines.backup.selection_tag_key",
        "not starting with 'aws:'",
    ),
    (
        "backup-malware-scan-unknown-type",
        _set("baselines.backup.malware_scan.resource_types", ["EBS", "RDS"]),
        "baselines.backup.malware_scan.resource_types[1]",
        "'EBS', 'EC2' or 'S3'",
    ),
    (
        "backup-malware-scan-type-twice",
        _set("baselines.backup.malware_scan.resource_types", ["EBS", "EBS"]),
        "baselines.backup.malware_scan.resource_types[1]",
        "appears more than once",
    ),
    (
        "backup-retention-zero",
        _set("baselines.backup.retention_days", 0),
        "baselines.backup.retention_days",
        "greater than or equal to 1",
    ),
    (
        "developer-assigned-to-production-ou",
        _set(
            "identity.assignments",
            [{"group": "developers", "permission_set": "Developer", "targets": ["Workloads/Prod"]}],
        ),
        "identity.assignments[0].targets[0]",
        "may only be assigned to accounts of OUs with environment: non-production",
    ),
    (
        "incident-responder-beyond-security-tooling",
        _all(
            _set(
                "identity.permission_sets.IncidentResponder", {"job_function": "incident_responder"}
            ),
            _set(
                "identity.assignments",
                [
                    {
                        "group": "security-auditors",
                        "permission_set": "IncidentResponder",
                        "targets": ["Security"],
                    }
                ],
            ),
        ),
        "identity.assignments[0].targets[0]",
        "may only be assigned to security-tooling",
    ),
    (
        "developer-assigned-to-root",
        _set(
            "identity.assignments",
            [{"group": "developers", "permission_set": "Developer", "targets": ["Root"]}],
        ),
        "identity.assignments[0].targets[0]",
        "payments-prod",
    ),
    (
        "data-scientist-assigned-to-ai-prod",
        _set(
            "identity.assignments",
            [
                {
                    "group": "data-scientists",
                    "permission_set": "DataScientist",
                    "targets": ["ml-prod"],
                }
            ],
        ),
        "identity.assignments[0].targets[0]",
        "not in a non-production OU (ml-prod)",
    ),
    (
        "break-glass-to-another-group",
        _set(
            "identity.assignments",
            [{"group": "developers", "permission_set": "BreakGlass", "targets": ["sandbox"]}],
        ),
        "identity.assignments[0].group",
        "only identity.break_glass_group (break-glass) may",
    ),
    (
        "assignment-unknown-group",
        _set(
            "identity.assignments",
            [{"group": "contractors", "permission_set": "Developer", "targets": ["sandbox"]}],
        ),
        "identity.assignments[0].group",
        "not a group of identity.groups",
    ),
    (
        "assignment-unknown-target",
        _set(
            "identity.assignments",
            [{"group": "developers", "permission_set": "Developer", "targets": ["Playground"]}],
        ),
        "identity.assignments[0].targets[0]",
        "neither an account name, an OU path nor 'Root'",
    ),
    (
        "permission-set-session-13-hours",
        _set("identity.permission_sets.Developer.session_duration_hours", 13),
        "identity.permission_sets.Developer.session_duration_hours",
        "less than or equal to 12",
    ),
    (
        "pipeline-wildcard-repository",
        _set("identity.pipelines.payments-api-prod.repository", "acme-pay/*"),
        "identity.pipelines.payments-api-prod.repository",
        "*",
    ),
    (
        "pipeline-without-branch-or-environment",
        lambda c: c["identity"]["pipelines"]["payments-api-prod"].update(
            branches=[], environments=[]
        ),
        "identity.pipelines.payments-api-prod",
        "at least one branch or environment",
    ),
    (
        "pipeline-deploys-to-unknown-account",
        _set("identity.pipelines.payments-api-prod.deploy_to", ["payments-eu"]),
        "identity.pipelines.payments-api-prod.deploy_to[0]",
        "not an account name",
    ),
    (
        "pipeline-deploys-to-an-account-twice",
        _set("identity.pipelines.payments-api-prod.deploy_to", ["sandbox", "sandbox"]),
        "identity.pipelines.payments-api-prod.deploy_to[1]",
        "appears more than once",
    ),
    (
        "break-glass-session-2-hours",
        _set("identity.permission_sets.BreakGlass.session_duration_hours", 2),
        "identity.permission_sets.BreakGlass.session_duration_hours",
        "at most 1 hour",
    ),
    (
        "pipeline-branch-reaches-production",
        _set("identity.pipelines.payments-api-prod.branches", ["main"]),
        "identity.pipelines.payments-api-prod.branches",
        "only GitHub environments (with required reviewers) may assume it",
    ),
    (
        "password-policy-below-pci",
        _set("identity.password_policy.minimum_length", 8),
        "identity.password_policy.minimum_length",
        "8.3.6",
    ),
    (
        "access-key-age-above-90",
        _set("identity.max_access_key_age_days", 120),
        "identity.max_access_key_age_days",
        "less than or equal to 90",
    ),
    (
        "ai-buckets-on-a-developer",
        _set(
            "identity.permission_sets.Developer.models", ["anthropic.claude-3-haiku-20240307-v1:0"]
        ),
        "identity.permission_sets.Developer.models",
        "only applies to the AI job functions",
    ),
    # Defense in depth: keys, VPCs, web ACLs, certificates.
    (
        "vpc-cidr-overlaps-another-vpc",
        _set("network.vpcs.ml-prod.cidr", "10.16.128.0/17"),
        "network.vpcs.ml-prod.cidr",
        "overlaps VPC 'payments-prod' (10.16.0.0/16)",
    ),
    (
        "vpc-cidr-identical-to-another",
        _set("network.vpcs.payments-nonprod.cidr", "10.0.0.0/16"),
        "network.vpcs.payments-nonprod.cidr",
        "overlaps VPC 'shared'",
    ),
    (
        "vpc-cidr-with-host-bits",
        _set("network.vpcs.shared.cidr", "10.0.1.0/16"),
        "network.vpcs.shared.cidr",
        "zero host bits",
    ),
    (
        "vpc-cidr-too-small",
        _set("network.vpcs.shared.cidr", "10.0.0.0/26"),
        "network.vpcs.shared.cidr",
        "too small for three tiers",
    ),
    (
        "vpc-cidr-too-large",
        _set("network.vpcs.shared.cidr", "10.0.0.0/8"),
        "network.vpcs.shared.cidr",
        "allowed: /16 to /28",
    ),
    (
        "vpc-cidr-not-a-cidr",
        _set("network.vpcs.shared.cidr", "ten.zero/16"),
        "network.vpcs.shared.cidr",
        "IPv4 range in CIDR notation",
    ),
    (
        "vpc-in-one-zone",
        _set("network.vpcs.shared.availability_zones", ["eu-west-1a"]),
        "network.vpcs.shared.availability_zones",
        "2 to 6 availability zones",
    ),
    (
        "vpc-zone-of-another-region",
        _set("network.vpcs.shared.availability_zones", ["eu-west-1a", "us-east-1b"]),
        "network.vpcs.shared.availability_zones[1]",
        "not a zone of the VPC's region eu-west-1",
    ),
    (
        "vpc-in-the-management-account",
        _set("network.vpcs.shared.account", "management"),
        "network.vpcs.shared.account",
        "allowed: a member account",
    ),
    (
        "vpc-of-an-unknown-account",
        _set("network.vpcs.shared.account", "networking"),
        "network.vpcs.shared.account",
        "not an account name",
    ),
    (
        "vpc-outside-the-governed-regions",
        _set("network.vpcs.ml-prod.region", "ap-south-1"),
        "network.vpcs.ml-prod.region",
        "not a governed region",
    ),
    (
        "vpc-data-port-out-of-range",
        _set("network.vpcs.payments-prod.data_ports", [70000]),
        "network.vpcs.payments-prod.data_ports[0]",
        "less than or equal to 65535",
    ),
    (
        "vpc-too-many-nacl-rules",
        _set("network.vpcs.payments-prod.data_ports", list(range(5432, 5439))),
        "network.vpcs.payments-prod.data_ports",
        "allowed: at most 20",
    ),
    (
        "vpc-explicit-deny-not-a-network",
        _set("network.vpcs.payments-prod.explicit_denies", ["10.0.0.1/16"]),
        "network.vpcs.payments-prod.explicit_denies[0]",
        "zero host bits",
    ),
    (
        "vpc-unknown-key",
        _set("network.vpcs.payments-prod.public_data_tier", True),
        "network.vpcs.payments-prod.public_data_tier",
        "unknown key 'public_data_tier'",
    ),
    (
        "vpc-endpoint-given-twice",
        _set("network.vpcs.shared.interface_endpoints", ["kms", "kms"]),
        "network.vpcs.shared.interface_endpoints[1]",
        "appears more than once",
    ),
    (
        "no-data-class-for-flow-logs",
        _set("keys.classes", {"data": {"services": ["s3"]}}),
        "keys.classes",
        "no data class whose services name 'logs'",
    ),
    (
        "key-rotation-over-a-year",
        _set("keys.classes.data.rotation_days", 730),
        "keys.classes.data.rotation_days",
        "less than or equal to 365",
    ),
    (
        "key-for-an-unknown-service",
        _set("keys.classes.data.services", ["s3", "dynamo"]),
        "keys.classes.data.services[1]",
        "'sqs' or 'ssm'",
    ),
    (
        "logs-data-class-in-the-log-archive",
        _set("network.vpcs.ml-prod.account", "log-archive"),
        "keys.classes.logs",
        "alias of the log archive's own key",
    ),
    (
        "cloudfront-web-acl-outside-us-east-1",
        _set("edge.web_acls.payments-cdn.region", "eu-west-1"),
        "edge.web_acls.payments-cdn.region",
        "must be us-east-1 for scope CLOUDFRONT",
    ),
    (
        "web-acl-rate-limit-too-low",
        _set("edge.web_acls.payments-api.rate_limit", 5),
        "edge.web_acls.payments-api.rate_limit",
        "greater than or equal to 10",
    ),
    (
        "web-acl-custom-rule-below-100",
        _set("edge.web_acls.payments-api.custom_rules.0.priority", 3),
        "edge.web_acls.payments-api.custom_rules[0].priority",
        "greater than or equal to 100",
    ),
    (
        "web-acl-custom-rules-share-a-priority",
        _set("edge.web_acls.payments-api.custom_rules.1.priority", 100),
        "edge.web_acls.payments-api.custom_rules",
        "unique priorities",
    ),
    (
        "web-acl-custom-rule-named-like-a-managed-group",
        _set("edge.web_acls.payments-api.custom_rules.0.name", "AWSManagedRulesCommonRuleSet"),
        "edge.web_acls.payments-api.custom_rules",
        "none of the construct's",
    ),
    (
        "web-acl-custom-rule-matches-nothing",
        _set("edge.web_acls.payments-api.custom_rules.0.country_codes", []),
        "edge.web_acls.payments-api.custom_rules[0]",
        "exactly one of country_codes and uri_path_starts_with",
    ),
    (
        "certificate-outside-its-hosted-zone",
        _set("edge.certificates.payments-api.domain_name", "api.acme-pay.test"),
        "edge.certificates.payments-api.domain_name",
        "not in the hosted zone 'acme-pay.example'",
    ),
    (
        "organization-name-unfit-for-key-aliases",
        _set("organization.name", "acme-2pay"),
        "organization.name",
        "alias_prefix (the organization name)",
    ),
    (
        "vpc-with-an-empty-zone-list",
        _set("network.vpcs.shared.availability_zones", []),
        "network.vpcs.shared.availability_zones",
        "2 to 6 availability zones",
    ),
    (
        "web-acl-path-too-long-for-waf",
        _set("edge.web_acls.payments-api.custom_rules.1.uri_path_starts_with", "/" + "é" * 150),
        "edge.web_acls.payments-api.custom_rules[1].uri_path_starts_with",
        "at most 200",
    ),
    (
        "certificate-with-too-many-names",
        _set(
            "edge.certificates.payments-api.subject_alternative_names",
            [f"s{i}.acme-pay.example" for i in range(10)],
        ),
        "edge.certificates.payments-api.subject_alternative_names",
        "at most 10",
    ),
    (
        "workload-certificate-without-a-hosted-zone",
        _delete("edge.certificates.payments-api.hosted_zone"),
        "edge.certificates.payments-api.hosted_zone",
        "is required outside the network account",
    ),
    (
        "key-replica-in-the-home-region",
        _set("keys.replica_regions", ["eu-west-1"]),
        "keys.replica_regions[0]",
        "is the home region",
    ),
    (
        "key-replica-where-the-account-has-its-own-keys",
        _set("keys.replica_regions", ["us-east-1"]),
        "keys.replica_regions[0]",
        "already holds keys of account(s) payments-prod",
    ),
    (
        "key-replica-without-a-multi-region-class",
        _set("keys.classes.data.multi_region", False),
        "keys.replica_regions",
        "no data class has multi_region: true",
    ),
    (
        "key-replica-in-another-partition",
        lambda c: (
            c["organization"]["governed_regions"].append("eusc-de-east-1"),
            c["keys"].__setitem__("replica_regions", ["eusc-de-east-1"]),
        ),
        "keys.replica_regions[0]",
        "replicate within a partition only",
    ),
    (
        "permission-set-model-not-approved",
        _set("identity.permission_sets.MLEngineer.models", ["anthropic.claude-v2:1"]),
        "identity.permission_sets.MLEngineer.models[0]",
        "is not in guardrails.parameters.approved_bedrock_models",
    ),
    (
        "guardrail-exempt-model-not-approved",
        _set("guardrails.parameters.guardrail_exempt_bedrock_models", ["cohere.embed-v4:0"]),
        "guardrails.parameters.guardrail_exempt_bedrock_models[0]",
        "only approved models can be exempt",
    ),
    (
        "approved-model-not-a-model-id",
        _set("guardrails.parameters.approved_bedrock_models", ["GPT 4"]),
        "guardrails.parameters.approved_bedrock_models[0]",
        "a Bedrock model id",
    ),
    (
        "vpc-endpoint-given-as-a-full-service-name",
        _set("network.vpcs.shared.interface_endpoints", ["com.amazonaws.kms"]),
        "network.vpcs.shared.interface_endpoints[0]",
        "(did you mean kms",
    ),
    (
        "certificate-name-not-lowercase",
        _set("edge.certificates.payments-api.domain_name", "API.acme-pay.example"),
        "edge.certificates.payments-api.domain_name",
        "lowercase domain name",
    ),
    (
        "ai-workload-in-an-unknown-account",
        _set("ai.workloads.ml-prod.account", "ml-staging"),
        "ai.workloads.ml-prod.account",
        "is not an account name",
    ),
    (
        "ai-workload-in-a-core-account",
        _set("ai.workloads.ml-prod.account", "security-tooling"),
        "ai.workloads.ml-prod.account",
        "is a core account",
    ),
    (
        "ai-workload-outside-the-bedrock-guardrails",
        _both(
            _set("ai.workloads.ml-prod.account", "payments-prod"),
            _scp(
                "Root",
                [
                    name
                    for name in BASE["guardrails"]["service_control_policies"]["Root"]
                    if "bedrock" not in name
                ],
            ),
        ),
        "ai.workloads.ml-prod.account",
        "is not governed by deny-bedrock-without-guardrail, protect-bedrock-controls",
    ),
    (
        "ai-workloads-share-an-account-and-region",
        _set("ai.workloads.ml-nonprod.account", "ml-prod"),
        "ai.workloads.ml-nonprod.account",
        "already has AI workload 'ml-prod' in eu-west-1",
    ),
    (
        "ai-workload-in-an-ungoverned-region",
        _set("ai.workloads.ml-prod.region", "ap-southeast-2"),
        "ai.workloads.ml-prod.region",
        "is not a governed region",
    ),
    (
        "ai-key-class-missing",
        _set("ai.key_class", "models"),
        "ai.key_class",
        "is not a data class of keys.classes",
    ),
    (
        "ai-key-class-without-sagemaker",
        _set("keys.classes.ai-artifacts.services", ["bedrock", "s3"]),
        "keys.classes.ai-artifacts.services",
        "lacks sagemaker",
    ),
    (
        "ai-bucket-both-training-data-and-artifacts",
        _set("ai.workloads.ml-prod.artifact_buckets", ["acme-pay-ml-training-data-888888888888"]),
        "ai.workloads.ml-prod.artifact_buckets[0]",
        "is also at ai.workloads.ml-prod.training_data_buckets.0",
    ),
    (
        "permission-set-bucket-no-ai-workload-creates",
        _set("identity.permission_sets.DataScientist.training_data_buckets", ["acme-pay-other"]),
        "identity.permission_sets.DataScientist.training_data_buckets[0]",
        "permission sets may reach only the training-data and artifact buckets",
    ),
    (
        "guardrail-lets-card-numbers-through-masked",
        _set("ai.guardrail.pii_entities", {"CREDIT_DEBIT_CARD_NUMBER": "ANONYMIZE"}),
        "ai.guardrail",
        "CREDIT_DEBIT_CARD",
    ),
    (
        "guardrail-unknown-pii-type",
        _set("ai.guardrail.pii_entities", {"CREDIT_CARD": "BLOCK"}),
        "ai.guardrail",
        "CREDIT_CARD",
    ),
    (
        "guardrail-grounding-threshold-of-one",
        _set("ai.guardrail.grounding_threshold", 1.0),
        "ai.guardrail.grounding_threshold",
        "less than or equal to 0.99",
    ),
    (
        "guardrail-blocked-message-too-long",
        _set("ai.guardrail.blocked_input_message", "x" * 501),
        "ai.guardrail.blocked_input_message",
        "at most 500 characters",
    ),
    (
        "ai-invocation-log-retention-not-a-cloudwatch-value",
        _set("ai.workloads.ml-prod.invocation_log_retention_days", 100),
        "ai.workloads.ml-prod.invocation_log_retention_days",
        "365",
    ),
    (
        "agent-calls-an-undeclared-tool",
        _set("ai.workloads.ml-prod.agents.agents.support-assistant", ["close-account"]),
        "ai.workloads.ml-prod.agents.agents.support-assistant[0]",
        "is not a declared tool",
    ),
    (
        "agent-domain-prefix-names-cognito",
        _set("ai.workloads.ml-prod.agents.domain_prefix", "acme-cognito-agents"),
        "ai.workloads.ml-prod.agents.domain_prefix",
        "without aws, amazon or cognito",
    ),
    (
        "training-bucket-named-like-an-ip-address",
        _set("ai.workloads.ml-prod.training_data_buckets", ["192.168.1.1"]),
        "ai.workloads.ml-prod.training_data_buckets[0]",
        "not an IP address",
    ),
    (
        "training-bucket-with-a-dot-next-to-a-hyphen",
        _set("ai.workloads.ml-prod.training_data_buckets", ["acme.-training"]),
        "ai.workloads.ml-prod.training_data_buckets[0]",
        "without '..', '.-' or '-.'",
    ),
    (
        "training-and-artifact-buckets-differ-only-in-dots",
        _set("ai.workloads.ml-prod.artifact_buckets", ["acme-pay.ml-training-data-888888888888"]),
        "ai.workloads.ml-prod",
        "differ only in '.' and '-'",
    ),
    (
        "artifact-buckets-without-training-data",
        _set("ai.workloads.ml-nonprod.training_data_buckets", []),
        "ai.workloads.ml-nonprod.artifact_buckets",
        "needs training_data_buckets",
    ),
    (
        "agents-share-a-cognito-domain-prefix-in-a-region",
        lambda c: c["ai"]["workloads"]["ml-nonprod"].__setitem__(
            "agents", copy.deepcopy(c["ai"]["workloads"]["ml-prod"]["agents"])
        ),
        "ai.workloads.ml-nonprod.agents.domain_prefix",
        "Cognito domain prefixes are unique per region",
    ),
    (
        "inference-role-for-an-embedding-model",
        _set(
            "ai.workloads.ml-prod.inference_roles.support-assistant.models",
            ["amazon.titan-embed-text-v2:0"],
        ),
        "ai.workloads.ml-prod.inference_roles.support-assistant.models[0]",
        "is an embedding model",
    ),
    (
        "inference-role-for-an-unapproved-model",
        _set(
            "ai.workloads.ml-prod.inference_roles.support-assistant.models",
            ["anthropic.claude-v2:1"],
        ),
        "ai.workloads.ml-prod.inference_roles.support-assistant.models[0]",
        "is not in guardrails.parameters.approved_bedrock_models",
    ),
    (
        "ai-workload-in-the-management-account",
        _set("ai.workloads.ml-prod.account", "management"),
        "ai.workloads.ml-prod.account",
        "is the management account",
    ),
    (
        "ai-workloads-without-a-logs-key",
        lambda c: (
            c.pop("network"),
            c["keys"]["classes"]["logs"].__setitem__("services", ["s3"]),
        ),
        "keys.classes",
        "the model invocation log groups need one",
    ),
    (
        "agent-name-the-construct-refuses",
        _set("ai.workloads.ml-prod.agents.agents", {"agent-2": ["list-transactions"]}),
        "ai.workloads.ml-prod.agents",
        "agent-2",
    ),
    # Values AWS publishes a closed set for: caught at synth, not at deploy.
    (
        "waf-country-code-not-iso-3166",
        _set("edge.web_acls.payments-api.custom_rules.0.country_codes", ["CU", "XX"]),
        "edge.web_acls.payments-api.custom_rules[0].country_codes[1]",
        "is not an ISO 3166-1 alpha-2 country code",
    ),
    (
        "interface-endpoint-service-unknown",
        _set("network.vpcs.shared.interface_endpoints", ["kms", "secretmanager"]),
        "network.vpcs.shared.interface_endpoints[1]",
        "(did you mean secretsmanager",
    ),
    (
        "bedrock-model-of-an-unknown-provider",
        _set("guardrails.parameters.approved_bedrock_models.0", "antropic.claude-3-haiku-v1:0"),
        "guardrails.parameters.approved_bedrock_models[0]",
        "(did you mean anthropic",
    ),
    (
        "inference-role-model-of-an-unknown-provider",
        _set("ai.workloads.ml-prod.inference_roles.support-assistant.models", ["openia.gpt-x"]),
        "ai.workloads.ml-prod.inference_roles.support-assistant.models[0]",
        "is none",
    ),
    (
        "tag-key-with-the-reserved-aws-prefix",
        _set("tags.aws:owner", "platform"),
        "tags.aws:owner",
        "starts with 'aws:', which AWS reserves",
    ),
    (
        "tag-key-with-the-reserved-prefix-in-capitals",
        _set("tags.AWS:cost", "1"),
        "tags.AWS:cost",
        "which AWS reserves",
    ),
    (
        "tag-value-with-a-character-aws-refuses",
        _set("tags.owner", "platform{team}"),
        "tags.owner",
        "contains '{' '}', which AWS does not allow in a tag value",
    ),
    (
        "two-ous-adopt-one-existing-ou",
        _both(
            _set("organizational_units.Workloads", {"id": "ou-ab12-cd34ef56"}),
            _set("organizational_units.AI", {"id": "ou-ab12-cd34ef56"}),
        ),
        "organizational_units.AI.id",
        "already the id of OU 'Workloads'",
    ),
    # YAML types: a boolean field takes only booleans, a number field only numbers.
    (
        "boolean-field-given-a-string",
        _set("accounts.management.existing", "yes"),
        "accounts.management.existing",
        "must be true or false",
    ),
    (
        "boolean-field-given-a-number",
        _set("ai.guardrail.enforce_in_account", 1),
        "ai.guardrail.enforce_in_account",
        "must be true or false",
    ),
    (
        "number-field-given-a-boolean",
        _set("edge.web_acls.payments-api.rate_limit", True),
        "edge.web_acls.payments-api.rate_limit",
        "must be a whole number",
    ),
    (
        "number-field-given-a-string",
        _set("baselines.backup.retention_days", "35"),
        "baselines.backup.retention_days",
        "must be a whole number",
    ),
    (
        "string-field-given-an-unquoted-boolean",
        _set("tags.owner", True),
        "tags.owner",
        'quote it: "true"',
    ),
]


@pytest.mark.parametrize(
    ("mutation", "path", "allowed"),
    [pytest.param(m, p, a, id=case) for case, m, p, a in CATALOG],
)
def test_bad_config_is_rejected_with_field_path(
    mutation: Mutation, path: str, allowed: str
) -> None:
    config = copy.deepcopy(BASE)
    mutation(config)
    with pytest.raises(ConfigError) as caught:
        parse_config(yaml.safe_dump(config, sort_keys=False), "bad.yaml")
    message = str(caught.value)
    assert message.startswith("bad.yaml: invalid landing zone config")
    lines = [
        line
        for line in message.splitlines()
        if line.startswith(f"  - {path} ") or line.startswith(f"  - {path}:")
    ]
    assert lines, f"no problem reported at {path!r}:\n{message}"
    assert any(allowed in line for line in lines), f"{allowed!r} not said at {path!r}:\n{message}"


def test_catalog_is_large_enough() -> None:
    assert len(CATALOG) >= 25
    assert len({case for case, *_ in CATALOG}) == len(CATALOG)


def test_example_config_is_valid() -> None:
    config = parse_config(EXAMPLE.read_text(), str(EXAMPLE))
    assert config.organization.name == "acme-pay"
    assert len(config.accounts) == 10


def test_duplicate_yaml_key_is_an_error_with_its_line() -> None:
    text = EXAMPLE.read_text() + "\nversion: 1\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "dup.yaml")
    assert "version (line" in str(caught.value)
    assert "duplicate key" in str(caught.value)


def test_invalid_yaml_names_the_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("version: 1\naccounts: [unclosed\n", "broken.yaml")
    assert "broken.yaml" in str(caught.value)
    assert "not valid YAML" in str(caught.value)
    assert "(line 3)" in str(caught.value)


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError, match="mapping"):
        parse_config("- just\n- a list\n", "list.yaml")


def test_all_problems_of_a_file_are_reported_together() -> None:
    config = copy.deepcopy(BASE)
    config["accounts"]["sandbox"]["ou"] = "Playground"
    config["accounts"]["ml-prod"]["email"] = config["accounts"]["ml-nonprod"]["email"]
    with pytest.raises(ConfigError) as caught:
        parse_config(yaml.safe_dump(config), "two.yaml")
    assert "(2 problems)" in str(caught.value)
    assert len(caught.value.issues) == 2


# YAML the loader must take or refuse whole: aliases, merge keys and YAML 1.1's booleans.

BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['x'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=False)
)


def test_alias_expansion_is_bounded() -> None:
    # Nine levels of nine aliases: 9**9 values from 200 bytes; without the bound the line map
    # and validation would expand every one of them.
    assert len(BOMB) < 400
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ConfigError) as caught:
            parse_config(BOMB, "bomb.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 20
    assert peak < 400 * 2**20, f"{peak / 2**20:.0f} MiB"
    message = str(caught.value)
    assert message.startswith("bomb.yaml: invalid landing zone config (1 problem)")
    assert f"more than {MAX_YAML_VALUES:,} values once its YAML aliases are expanded" in message


def test_aliases_that_expand_within_the_bound_are_fine() -> None:
    log = "aws-log-archive@acme-pay.example\n    ou: "
    tooling = "aws-security-tooling@acme-pay.example\n    ou: "
    text = (
        EXAMPLE.read_text()
        .replace(f"{log}Security\n", f"{log}&security Security\n")
        .replace(f"{tooling}Security\n", f"{tooling}*security\n")
    )
    assert "*security" in text
    assert parse_config(text, "aliases.yaml").accounts["security-tooling"].ou == "Security"


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(EXAMPLE.read_text() + "\nextra: &loop [1, *loop]\n", "loop.yaml")
    assert "extra[1] (line" in str(caught.value)
    assert "alias inside its own anchor" in str(caught.value)


def test_a_mapping_merging_itself_is_refused() -> None:
    with pytest.raises(ConfigError, match="alias inside its own anchor"):
        parse_config(EXAMPLE.read_text() + "\nextra: &loop {a: 1, <<: *loop}\n", "loop.yaml")


def test_deep_nesting_is_refused_without_a_traceback() -> None:
    with pytest.raises(ConfigError, match="nested too deeply"):
        parse_config("version: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml")


PAYMENTS_PROD = (
    "  payments-prod:\n    email: aws-payments-prod@acme-pay.example\n    ou: Workloads/Prod\n"
    '    id: "666666666666"\n'
)
PAYMENTS_NONPROD = (
    "  payments-nonprod:\n    email: aws-payments-nonprod@acme-pay.example\n"
    '    ou: Workloads/NonProd\n    id: "777777777777"\n'
)


def _merged(extra: str = "", *, own_id: bool = True) -> str:
    """payments-nonprod merges payments-prod (``<<: *w``) and overrides its email, OU and id."""
    text = EXAMPLE.read_text()
    assert PAYMENTS_PROD in text
    assert PAYMENTS_NONPROD in text
    anchored = PAYMENTS_PROD.replace("payments-prod:", "payments-prod: &w")
    merging = PAYMENTS_NONPROD.replace("payments-nonprod:\n", "payments-nonprod:\n    <<: *w\n")
    if not own_id:
        merging = merging.replace('    id: "777777777777"\n', "")
    return text.replace(PAYMENTS_PROD, anchored).replace(PAYMENTS_NONPROD, merging + extra)


def test_merge_keys_merge_and_explicit_keys_override() -> None:
    text = _merged()
    config = parse_config(text, "merge.yaml")
    merged = config.accounts["payments-nonprod"]
    assert merged.ou == "Workloads/NonProd"
    assert merged.email == "aws-payments-nonprod@acme-pay.example"
    assert config == parse_config(EXAMPLE.read_text(), "plain.yaml")


def test_merge_keys_supply_the_keys_not_given() -> None:
    text = _merged(own_id=False)
    # id comes from the anchor, so it repeats payments-prod's: the cross-check sees the merge.
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "merge.yaml")
    assert "accounts.payments-nonprod.id" in str(caught.value)
    assert "already the id of account 'payments-prod'" in str(caught.value)


def test_a_true_duplicate_key_beside_a_merge_is_still_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_merged(extra="    ou: Sandbox\n"), "merge.yaml")
    assert "accounts.payments-nonprod.ou (line" in str(caught.value)
    assert "duplicate key" in str(caught.value)
    assert len(caught.value.issues) == 1


def test_yaml_1_1_booleans_are_text() -> None:
    # YAML 1.1 reads NO as false; the config (like editors, YAML 1.2) reads Norway.
    text = EXAMPLE.read_text().replace("country_codes: [CU, IR, KP, SY]", "country_codes: [CU, NO]")
    config = parse_config(text, "norway.yaml")
    assert config.edge.web_acls["payments-api"].custom_rules[0].country_codes == ["CU", "NO"]


@pytest.mark.parametrize("word", ["yes", "on", "off", "no", "y"])
def test_a_boolean_field_refuses_yaml_1_1_words(word: str) -> None:
    text = EXAMPLE.read_text().replace("    existing: true", f"    existing: {word}", 1)
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "bool.yaml")
    assert (
        f"accounts.management.existing (line {_line_of(text, f'existing: {word}')}): "
        "must be true or false, unquoted; "
        f'received "{word}"' in str(caught.value)
    )


def test_string_fields_keep_yaml_1_1_words_as_text() -> None:
    text = EXAMPLE.read_text().replace("branches: [main]", "branches: [on, off]")
    config = parse_config(text, "branches.yaml")
    assert config.identity is not None
    assert config.identity.pipelines["payments-api-nonprod"].branches == ["on", "off"]


def test_yaml_1_1_integers_are_not_octal_or_sexagesimal() -> None:
    # YAML 1.1 read 0400 as octal 256 and 1:30 as 90; YAML 1.2 reads 400 and the text "1:30".
    padded = EXAMPLE.read_text().replace("retention_days: 35", "retention_days: 035")
    assert parse_config(padded, "padded.yaml").baselines.backup.retention_days == 35
    clock = EXAMPLE.read_text().replace("retention_days: 35", "retention_days: 1:30")
    with pytest.raises(ConfigError) as caught:
        parse_config(clock, "clock.yaml")
    assert "baselines.backup.retention_days (line" in str(caught.value)
    assert 'must be a whole number, unquoted; received "1:30"' in str(caught.value)


def test_an_unquoted_account_id_says_how_to_quote_it() -> None:
    text = EXAMPLE.read_text().replace('id: "101010101010"', "id: 012345678901")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "id.yaml")
    assert (
        f"accounts.sandbox.id (line {_line_of(text, 'id: 012345678901')}): Input should be a "
        "valid string; YAML reads the unquoted "
        '012345678901 as a number, so quote it: "012345678901"; received 12345678901'
    ) in str(caught.value)


def _line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)
