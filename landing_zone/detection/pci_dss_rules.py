"""The landing zone's catalog of AWS Config managed rules for PCI DSS v4.0, and its pack template.

Each rule names the PCI DSS v4.0 requirements it gives evidence for. The mapping is the landing
zone's own reading of the standard, for reviewers and the coverage report: a compliant rule is
evidence for a requirement, never the whole of it (most requirements also need processes and
people). Parameters are set for a fintech: stricter than AWS defaults where the standard allows.

Rules marked ``global_resources`` evaluate IAM resources or an account-wide setting, which give
the same result in every region: they belong in the home region's pack only, like the global IAM
resource types the recorder records there only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from landing_zone.baseline.config_recorder import ConfigFrequency
from landing_zone.common.naming import pascal_case
from landing_zone.common.patterns import CONFIG_RULE_IDENTIFIER, RESOURCE_TYPE

TEMPLATE_BODY_LIMIT_BYTES = 51_200
"""CloudFormation's limit on an inline template body, which ``TemplateBody`` is held to."""

RULE_NAME_MAX_LENGTH = 64
"""Names stay well under AWS Config's 128: an organization conformance pack adds a suffix to the
name of every rule it creates in a member account."""

_RULE_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_REQUIREMENT = re.compile(r"(\d{1,2}|A\d)(\.\d{1,2}){1,3}")
_PARAMETER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")


@dataclass(frozen=True, kw_only=True)
class PciDssRule:
    """An AWS Config managed rule and the PCI DSS v4.0 requirements it gives evidence for."""

    name: str
    """The rule's name (``ConfigRuleName``), lowercase words joined by hyphens."""

    source_identifier: str
    """The managed rule's identifier, such as ``S3_BUCKET_SSL_REQUESTS_ONLY``."""

    requirements: tuple[str, ...]
    """PCI DSS v4.0 requirement ids, such as ``("3.5.1",)``."""

    input_parameters: Mapping[str, str] = field(default_factory=dict, hash=False)
    """The rule's parameters, as strings (AWS Config passes every value as a string)."""

    global_resources: bool = False
    """Whether the rule evaluates IAM resources or an account-wide setting, so that it belongs to
    the home region's pack only."""

    maximum_execution_frequency: ConfigFrequency | None = None
    """For periodic rules: how often they run at most. None: AWS Config's default, every 24 hours.
    Rules triggered by configuration changes only must leave it None: AWS Config rejects a
    frequency for them."""

    resource_types: tuple[str, ...] = ()
    """For change-triggered rules: the resource types whose changes trigger an evaluation."""

    def __post_init__(self) -> None:
        where = f"PCI DSS rule {self.name!r}"
        if len(self.name) > RULE_NAME_MAX_LENGTH or not _RULE_NAME.fullmatch(self.name):
            raise ValueError(
                f"{where}: name must be lowercase words joined by hyphens, at most "
                f"{RULE_NAME_MAX_LENGTH} characters"
            )
        if not CONFIG_RULE_IDENTIFIER.fullmatch(self.source_identifier):
            raise ValueError(
                f"{where}: source_identifier {self.source_identifier!r} is not a managed rule "
                "identifier; allowed: uppercase words joined by '_'"
            )
        if not self.requirements:
            raise ValueError(f"{where}: requirements is empty; name at least one requirement")
        for requirement in self.requirements:
            if not _REQUIREMENT.fullmatch(requirement):
                raise ValueError(
                    f"{where}: requirement {requirement!r} is not a PCI DSS v4.0 requirement id "
                    "such as '3.5.1' or 'A3.3.1'"
                )
        for key, value in self.input_parameters.items():
            if not _PARAMETER_NAME.fullmatch(key) or not isinstance(value, str) or not value:
                raise ValueError(
                    f"{where}: input parameter {key!r}={value!r}; allowed: a parameter name "
                    "and a non-empty string value"
                )
        for resource_type in self.resource_types:
            if not RESOURCE_TYPE.fullmatch(resource_type):
                raise ValueError(
                    f"{where}: {resource_type!r} is not a resource type such as 'AWS::S3::Bucket'"
                )
        # A frozen rule must not change through the mapping it was given either.
        object.__setattr__(self, "input_parameters", MappingProxyType(dict(self.input_parameters)))

    @property
    def logical_id(self) -> str:
        """The rule's logical id in the pack template: its name in PascalCase."""
        return logical_id(self.name)


def logical_id(rule_name: str) -> str:
    """``s3-bucket-ssl-requests-only`` as ``S3BucketSslRequestsOnly``."""
    return pascal_case(rule_name)


_12_HOURS = ConfigFrequency.TWELVE_HOURS

PCI_DSS_RULES: tuple[PciDssRule, ...] = (
    # --- 1: network security controls; nothing that stores data reachable from the internet
    PciDssRule(
        name="vpc-default-security-group-closed",
        source_identifier="VPC_DEFAULT_SECURITY_GROUP_CLOSED",
        requirements=("1.3.1", "1.3.2"),
        resource_types=("AWS::EC2::SecurityGroup",),
    ),
    PciDssRule(
        name="incoming-ssh-disabled",
        source_identifier="INCOMING_SSH_DISABLED",
        requirements=("1.3.1", "1.4.2"),
        resource_types=("AWS::EC2::SecurityGroup",),
    ),
    PciDssRule(
        name="restricted-common-ports",
        source_identifier="RESTRICTED_INCOMING_TRAFFIC",
        requirements=("1.3.1", "1.4.2"),
        # FTP, RDP and the two database engines a fintech runs most: never open to the world.
        input_parameters={
            "blockedPort1": "20",
            "blockedPort2": "21",
            "blockedPort3": "3389",
            "blockedPort4": "3306",
            "blockedPort5": "5432",
        },
        resource_types=("AWS::EC2::SecurityGroup",),
    ),
    PciDssRule(
        name="vpc-sg-open-only-to-authorized-ports",
        source_identifier="VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS",
        requirements=("1.3.1", "1.4.2"),
        # Only HTTPS may be open to 0.0.0.0/0; plain HTTP is redirected at the load balancer.
        input_parameters={"authorizedTcpPorts": "443"},
        resource_types=("AWS::EC2::SecurityGroup",),
    ),
    PciDssRule(
        name="nacl-no-unrestricted-ssh-rdp",
        source_identifier="NACL_NO_UNRESTRICTED_SSH_RDP",
        requirements=("1.3.1", "1.4.2"),
        resource_types=("AWS::EC2::NetworkAcl",),
    ),
    PciDssRule(
        name="ec2-instance-no-public-ip",
        source_identifier="EC2_INSTANCE_NO_PUBLIC_IP",
        requirements=("1.4.4",),
        resource_types=("AWS::EC2::Instance",),
    ),
    PciDssRule(
        name="subnet-auto-assign-public-ip-disabled",
        source_identifier="SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED",
        requirements=("1.4.4",),
        resource_types=("AWS::EC2::Subnet",),
    ),
    PciDssRule(
        name="rds-instance-public-access-check",
        source_identifier="RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
        requirements=("1.4.4",),
        resource_types=("AWS::RDS::DBInstance",),
    ),
    PciDssRule(
        name="rds-snapshots-public-prohibited",
        source_identifier="RDS_SNAPSHOTS_PUBLIC_PROHIBITED",
        requirements=("1.4.4",),
        resource_types=("AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot"),
    ),
    PciDssRule(
        name="opensearch-in-vpc-only",
        source_identifier="OPENSEARCH_IN_VPC_ONLY",
        requirements=("1.4.4",),
        resource_types=("AWS::OpenSearch::Domain",),
    ),
    PciDssRule(
        name="ebs-snapshot-public-restorable-check",
        source_identifier="EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK",
        requirements=("1.4.4",),
    ),
    PciDssRule(
        name="lambda-function-public-access-prohibited",
        source_identifier="LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED",
        requirements=("1.4.4",),
        resource_types=("AWS::Lambda::Function",),
    ),
    PciDssRule(
        name="sagemaker-notebook-no-direct-internet-access",
        source_identifier="SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS",
        requirements=("1.4.4",),
    ),
    PciDssRule(
        name="s3-bucket-level-public-access-prohibited",
        source_identifier="S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
        requirements=("1.4.4",),
        resource_types=("AWS::S3::Bucket",),
    ),
    PciDssRule(
        name="s3-account-level-public-access-blocks-periodic",
        source_identifier="S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC",
        requirements=("1.4.4",),
        input_parameters={
            "BlockPublicAcls": "true",
            "BlockPublicPolicy": "true",
            "IgnorePublicAcls": "true",
            "RestrictPublicBuckets": "true",
        },
        global_resources=True,
    ),
    # --- 2: secure configuration, no vendor defaults
    PciDssRule(
        name="ec2-imdsv2-check",
        source_identifier="EC2_IMDSV2_CHECK",
        requirements=("2.2.6",),
        resource_types=("AWS::EC2::Instance",),
    ),
    PciDssRule(
        name="rds-instance-default-admin-check",
        source_identifier="RDS_INSTANCE_DEFAULT_ADMIN_CHECK",
        requirements=("2.2.2",),
        resource_types=("AWS::RDS::DBInstance",),
    ),
    PciDssRule(
        name="ec2-instance-managed-by-ssm",
        source_identifier="EC2_INSTANCE_MANAGED_BY_SSM",
        requirements=("2.2.1", "12.5.1"),
        resource_types=("AWS::EC2::Instance", "AWS::SSM::ManagedInstanceInventory"),
    ),
    # --- 3: stored data unreadable, keys protected and rotated
    PciDssRule(
        name="s3-default-encryption-kms",
        source_identifier="S3_DEFAULT_ENCRYPTION_KMS",
        requirements=("3.5.1",),
        resource_types=("AWS::S3::Bucket",),
    ),
    PciDssRule(
        name="encrypted-volumes",
        source_identifier="ENCRYPTED_VOLUMES",
        requirements=("3.5.1",),
        resource_types=("AWS::EC2::Volume",),
    ),
    PciDssRule(
        name="ec2-ebs-encryption-by-default",
        source_identifier="EC2_EBS_ENCRYPTION_BY_DEFAULT",
        requirements=("3.5.1",),
    ),
    PciDssRule(
        name="rds-storage-encrypted",
        source_identifier="RDS_STORAGE_ENCRYPTED",
        requirements=("3.5.1",),
        resource_types=("AWS::RDS::DBInstance",),
    ),
    PciDssRule(
        name="rds-snapshot-encrypted",
        source_identifier="RDS_SNAPSHOT_ENCRYPTED",
        requirements=("3.5.1",),
        resource_types=("AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot"),
    ),
    PciDssRule(
        name="efs-encrypted-check",
        source_identifier="EFS_ENCRYPTED_CHECK",
        requirements=("3.5.1",),
    ),
    PciDssRule(
        name="dynamodb-table-encrypted-kms",
        source_identifier="DYNAMODB_TABLE_ENCRYPTED_KMS",
        requirements=("3.5.1",),
        resource_types=("AWS::DynamoDB::Table",),
    ),
    PciDssRule(
        name="opensearch-encrypted-at-rest",
        source_identifier="OPENSEARCH_ENCRYPTED_AT_REST",
        requirements=("3.5.1",),
        resource_types=("AWS::OpenSearch::Domain",),
    ),
    PciDssRule(
        name="sns-encrypted-kms",
        source_identifier="SNS_ENCRYPTED_KMS",
        requirements=("3.5.1",),
        resource_types=("AWS::SNS::Topic",),
    ),
    PciDssRule(
        name="cloudwatch-log-group-encrypted",
        source_identifier="CLOUDWATCH_LOG_GROUP_ENCRYPTED",
        requirements=("3.5.1", "10.3.2"),
    ),
    PciDssRule(
        name="sagemaker-notebook-instance-kms-key-configured",
        source_identifier="SAGEMAKER_NOTEBOOK_INSTANCE_KMS_KEY_CONFIGURED",
        requirements=("3.5.1",),
    ),
    PciDssRule(
        name="sagemaker-endpoint-configuration-kms-key-configured",
        source_identifier="SAGEMAKER_ENDPOINT_CONFIGURATION_KMS_KEY_CONFIGURED",
        requirements=("3.5.1",),
    ),
    PciDssRule(
        name="secretsmanager-using-cmk",
        source_identifier="SECRETSMANAGER_USING_CMK",
        requirements=("3.5.1", "8.3.2"),
        resource_types=("AWS::SecretsManager::Secret",),
    ),
    PciDssRule(
        name="cmk-backing-key-rotation-enabled",
        source_identifier="CMK_BACKING_KEY_ROTATION_ENABLED",
        requirements=("3.7.4",),
        maximum_execution_frequency=_12_HOURS,
    ),
    PciDssRule(
        name="kms-cmk-not-scheduled-for-deletion",
        source_identifier="KMS_CMK_NOT_SCHEDULED_FOR_DELETION",
        requirements=("3.6.1",),
        resource_types=("AWS::KMS::Key",),
    ),
    # --- 4: strong cryptography in transit
    PciDssRule(
        name="s3-bucket-ssl-requests-only",
        source_identifier="S3_BUCKET_SSL_REQUESTS_ONLY",
        requirements=("4.2.1",),
        resource_types=("AWS::S3::Bucket",),
    ),
    PciDssRule(
        name="alb-http-to-https-redirection-check",
        source_identifier="ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK",
        requirements=("4.2.1",),
    ),
    PciDssRule(
        name="elbv2-acm-certificate-required",
        source_identifier="ELBV2_ACM_CERTIFICATE_REQUIRED",
        requirements=("4.2.1",),
    ),
    PciDssRule(
        name="opensearch-https-required",
        source_identifier="OPENSEARCH_HTTPS_REQUIRED",
        requirements=("4.2.1",),
        resource_types=("AWS::OpenSearch::Domain",),
    ),
    PciDssRule(
        name="acm-certificate-expiration-check",
        source_identifier="ACM_CERTIFICATE_EXPIRATION_CHECK",
        requirements=("4.2.1",),
        # ACM renews its own certificates 60 days ahead; 30 days leaves time for imported ones.
        input_parameters={"daysToExpiration": "30"},
        resource_types=("AWS::ACM::Certificate",),
    ),
    # --- 6: patched systems, public web applications behind a WAF
    PciDssRule(
        name="ec2-managedinstance-patch-compliance-status-check",
        source_identifier="EC2_MANAGEDINSTANCE_PATCH_COMPLIANCE_STATUS_CHECK",
        requirements=("6.3.3",),
        resource_types=("AWS::SSM::PatchCompliance",),
    ),
    PciDssRule(
        name="rds-automatic-minor-version-upgrade-enabled",
        source_identifier="RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED",
        requirements=("6.3.3",),
        resource_types=("AWS::RDS::DBInstance",),
    ),
    PciDssRule(
        name="ecr-private-image-scanning-enabled",
        source_identifier="ECR_PRIVATE_IMAGE_SCANNING_ENABLED",
        requirements=("6.3.1",),
        resource_types=("AWS::ECR::Repository",),
    ),
    PciDssRule(
        name="alb-waf-enabled",
        source_identifier="ALB_WAF_ENABLED",
        requirements=("6.4.2",),
        resource_types=("AWS::ElasticLoadBalancingV2::LoadBalancer",),
    ),
    PciDssRule(
        name="api-gw-associated-with-waf",
        source_identifier="API_GW_ASSOCIATED_WITH_WAF",
        requirements=("6.4.2",),
        resource_types=("AWS::ApiGateway::Stage",),
    ),
    # --- 7 and 8: least privilege, no root use, MFA, credential hygiene
    PciDssRule(
        name="iam-policy-no-statements-with-admin-access",
        source_identifier="IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS",
        requirements=("7.2.1", "7.2.2"),
        global_resources=True,
        resource_types=("AWS::IAM::Policy",),
    ),
    PciDssRule(
        name="iam-policy-no-statements-with-full-access",
        source_identifier="IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS",
        requirements=("7.2.1", "7.2.2"),
        global_resources=True,
        resource_types=("AWS::IAM::Policy",),
    ),
    PciDssRule(
        name="iam-no-inline-policy-check",
        source_identifier="IAM_NO_INLINE_POLICY_CHECK",
        requirements=("7.2.1",),
        global_resources=True,
        resource_types=("AWS::IAM::User", "AWS::IAM::Role", "AWS::IAM::Group"),
    ),
    PciDssRule(
        name="iam-customer-policy-blocked-kms-actions",
        source_identifier="IAM_CUSTOMER_POLICY_BLOCKED_KMS_ACTIONS",
        requirements=("3.6.1", "7.2.2"),
        # Decrypting with every key of the account is what reading all encrypted data takes.
        input_parameters={"blockedActionsPatterns": "kms:Decrypt,kms:ReEncryptFrom"},
        global_resources=True,
        resource_types=("AWS::IAM::Policy",),
    ),
    PciDssRule(
        name="iam-root-access-key-check",
        source_identifier="IAM_ROOT_ACCESS_KEY_CHECK",
        requirements=("8.2.2",),
        global_resources=True,
        maximum_execution_frequency=_12_HOURS,
    ),
    PciDssRule(
        name="root-account-mfa-enabled",
        source_identifier="ROOT_ACCOUNT_MFA_ENABLED",
        requirements=("8.4.1", "8.4.2"),
        global_resources=True,
        maximum_execution_frequency=_12_HOURS,
    ),
    PciDssRule(
        name="mfa-enabled-for-iam-console-access",
        source_identifier="MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS",
        requirements=("8.4.2",),
        global_resources=True,
        maximum_execution_frequency=_12_HOURS,
    ),
    PciDssRule(
        name="iam-password-policy",
        source_identifier="IAM_PASSWORD_POLICY",
        requirements=("8.3.6", "8.3.7", "8.3.9"),
        # PCI DSS asks for 12 characters, reuse of none of the last 4 and a 90-day change for
        # single-factor passwords; 14 and 24 are the CIS benchmark's stricter values.
        input_parameters={
            "MinimumPasswordLength": "14",
            "RequireUppercaseCharacters": "true",
            "RequireLowercaseCharacters": "true",
            "RequireNumbers": "true",
            "RequireSymbols": "true",
            "PasswordReusePrevention": "24",
            "MaxPasswordAge": "90",
        },
        global_resources=True,
        maximum_execution_frequency=_12_HOURS,
    ),
    PciDssRule(
        name="access-keys-rotated",
        source_identifier="ACCESS_KEYS_ROTATED",
        requirements=("8.3.9", "8.6.3"),
        # PCI DSS's 90 days; the identity baseline may shorten it once long-lived keys are gone.
        input_parameters={"maxAccessKeyAge": "90"},
        global_resources=True,
        maximum_execution_frequency=_12_HOURS,
    ),
    PciDssRule(
        name="iam-user-unused-credentials-check",
        source_identifier="IAM_USER_UNUSED_CREDENTIALS_CHECK",
        requirements=("8.2.6",),
        input_parameters={"maxCredentialUsageAge": "90"},
        global_resources=True,
        maximum_execution_frequency=_12_HOURS,
    ),
    PciDssRule(
        name="secretsmanager-rotation-enabled-check",
        source_identifier="SECRETSMANAGER_ROTATION_ENABLED_CHECK",
        requirements=("8.6.3",),
        input_parameters={"maximumAllowedRotationFrequency": "90"},
        resource_types=("AWS::SecretsManager::Secret",),
    ),
    # --- 10: audit logs on, protected, kept a year
    PciDssRule(
        name="multi-region-cloudtrail-enabled",
        source_identifier="MULTI_REGION_CLOUD_TRAIL_ENABLED",
        requirements=("10.2.1",),
        global_resources=True,
        maximum_execution_frequency=_12_HOURS,
    ),
    PciDssRule(
        name="cloudtrail-security-trail-enabled",
        source_identifier="CLOUDTRAIL_SECURITY_TRAIL_ENABLED",
        requirements=("10.2.1", "10.2.2"),
        global_resources=True,
    ),
    PciDssRule(
        name="cloudtrail-s3-dataevents-enabled",
        source_identifier="CLOUDTRAIL_S3_DATAEVENTS_ENABLED",
        requirements=("10.2.1",),
        global_resources=True,
    ),
    PciDssRule(
        name="cloud-trail-encryption-enabled",
        source_identifier="CLOUD_TRAIL_ENCRYPTION_ENABLED",
        requirements=("10.3.2",),
        global_resources=True,
        maximum_execution_frequency=_12_HOURS,
    ),
    PciDssRule(
        name="cloud-trail-log-file-validation-enabled",
        source_identifier="CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
        requirements=("10.3.2", "10.3.4"),
        global_resources=True,
        maximum_execution_frequency=_12_HOURS,
    ),
    PciDssRule(
        name="vpc-flow-logs-enabled",
        source_identifier="VPC_FLOW_LOGS_ENABLED",
        requirements=("10.2.1",),
        # Accepted traffic too: an investigation needs what got through, not only what did not.
        input_parameters={"trafficType": "ALL"},
        maximum_execution_frequency=_12_HOURS,
    ),
    PciDssRule(
        name="s3-bucket-logging-enabled",
        source_identifier="S3_BUCKET_LOGGING_ENABLED",
        requirements=("10.2.1",),
        resource_types=("AWS::S3::Bucket",),
    ),
    PciDssRule(
        name="elb-logging-enabled",
        source_identifier="ELB_LOGGING_ENABLED",
        requirements=("10.2.1",),
        resource_types=(
            "AWS::ElasticLoadBalancing::LoadBalancer",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
        ),
    ),
    PciDssRule(
        name="api-gw-execution-logging-enabled",
        source_identifier="API_GW_EXECUTION_LOGGING_ENABLED",
        requirements=("10.2.1",),
        input_parameters={"loggingLevel": "ERROR,INFO"},
        resource_types=("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"),
    ),
    PciDssRule(
        name="rds-logging-enabled",
        source_identifier="RDS_LOGGING_ENABLED",
        requirements=("10.2.1",),
        resource_types=("AWS::RDS::DBInstance",),
    ),
    PciDssRule(
        name="wafv2-logging-enabled",
        source_identifier="WAFV2_LOGGING_ENABLED",
        requirements=("10.2.1",),
    ),
    PciDssRule(
        name="cw-loggroup-retention-period-check",
        source_identifier="CW_LOGGROUP_RETENTION_PERIOD_CHECK",
        requirements=("10.5.1",),
        input_parameters={"MinRetentionTime": "365"},
        resource_types=("AWS::Logs::LogGroup",),
    ),
    PciDssRule(
        name="securityhub-enabled",
        source_identifier="SECURITYHUB_ENABLED",
        requirements=("10.4.1.1",),
    ),
    # --- 11 and 12: intrusion detection, findings handled, someone to call
    PciDssRule(
        name="guardduty-enabled-centralized",
        source_identifier="GUARDDUTY_ENABLED_CENTRALIZED",
        requirements=("11.5.1",),
    ),
    PciDssRule(
        name="guardduty-non-archived-findings",
        source_identifier="GUARDDUTY_NON_ARCHIVED_FINDINGS",
        requirements=("10.4.3", "12.10.5"),
        # Days a finding may stay open, by severity: high ones are handled the same day.
        input_parameters={"daysHighSev": "1", "daysMediumSev": "7", "daysLowSev": "30"},
    ),
    PciDssRule(
        name="security-account-information-provided",
        source_identifier="SECURITY_ACCOUNT_INFORMATION_PROVIDED",
        requirements=("12.10.1",),
        global_resources=True,
    ),
)
"""The catalog, by requirement family; the pack template lists the rules by logical id."""


def conformance_pack_template(
    *, include_global_resource_types: bool, rules: Sequence[PciDssRule] = PCI_DSS_RULES
) -> dict[str, Any]:
    """A conformance pack template of ``rules``: only ``AWS::Config::ConfigRule`` resources.

    Without ``include_global_resource_types``, the rules marked ``global_resources`` are left
    out: that is the pack for every region but the home region.
    """
    selected = [
        rule for rule in rules if include_global_resource_types or not rule.global_resources
    ]
    for attribute in ("name", "logical_id"):
        values = [getattr(rule, attribute) for rule in selected]
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            raise ValueError(f"rules: {attribute}s {duplicates} appear more than once")
    return {"Resources": {rule.logical_id: _config_rule(rule) for rule in selected}}


def conformance_pack_template_body(
    *, include_global_resource_types: bool, rules: Sequence[PciDssRule] = PCI_DSS_RULES
) -> str:
    """:func:`conformance_pack_template` as minified JSON with sorted keys: the same bytes on
    every synth. Raises ValueError beyond CloudFormation's 51,200-byte template body limit."""
    body = json.dumps(
        conformance_pack_template(
            include_global_resource_types=include_global_resource_types, rules=rules
        ),
        separators=(",", ":"),
        sort_keys=True,
    )
    size = len(body.encode("utf-8"))
    if size > TEMPLATE_BODY_LIMIT_BYTES:
        raise ValueError(
            f"rules: the pack template has {size} bytes; CloudFormation allows "
            f"{TEMPLATE_BODY_LIMIT_BYTES} in a template body"
        )
    return body


def rules_by_requirement(
    rules: Sequence[PciDssRule] = PCI_DSS_RULES,
) -> dict[str, tuple[str, ...]]:
    """PCI DSS requirement id to the names of the rules giving evidence for it, for reports;
    requirements in numeric order."""
    found: dict[str, list[str]] = {}
    for rule in rules:
        for requirement in rule.requirements:
            found.setdefault(requirement, []).append(rule.name)
    return {
        requirement: tuple(found[requirement])
        for requirement in sorted(found, key=_requirement_sort_key)
    }


def _requirement_sort_key(requirement: str) -> tuple[int, ...]:
    # Appendix requirements (A1..A3) sort after the twelve numbered ones.
    head, *rest = requirement.split(".")
    major = 100 + int(head[1:]) if head.startswith("A") else int(head)
    return (major, *(int(part) for part in rest))


def _config_rule(rule: PciDssRule) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "ConfigRuleName": rule.name,
        "Description": f"PCI DSS v4.0 {', '.join(rule.requirements)}",
        "Source": {"Owner": "AWS", "SourceIdentifier": rule.source_identifier},
    }
    if rule.input_parameters:
        properties["InputParameters"] = dict(rule.input_parameters)
    if rule.maximum_execution_frequency is not None:
        properties["MaximumExecutionFrequency"] = rule.maximum_execution_frequency.value
    if rule.resource_types:
        properties["Scope"] = {"ComplianceResourceTypes": list(rule.resource_types)}
    return {"Type": "AWS::Config::ConfigRule", "Properties": properties}
