"""Organization-wide detection: security services administered from the security-tooling account,
AWS Config everywhere, and finding alerts."""

from .access_analyzer import AccessAnalyzers
from .alerting import (
    EncryptedTopic,
    EventForwarding,
    FindingAlerts,
    FindingForwarder,
    Severity,
    Subscription,
)
from .aws_config import (
    ManagedRuleSpec,
    OrganizationConfigAggregator,
    OrganizationConfigRules,
    PciDssConformancePack,
)
from .delegated_admins import DelegatedAdministrators, IpamDelegation, RegionalDesignation
from .guardduty import BackupMalwareScanningRole, GuardDutyOrganization, S3MalwareProtection
from .inspector import InspectorOrganization
from .macie import MacieMembers, MacieOrganization
from .management_events import (
    MANAGEMENT_EVENT_RULES,
    ManagementEventAlarms,
    ManagementEventForwarder,
    ManagementEventRule,
)
from .pci_dss_rules import PCI_DSS_RULES, PciDssRule
from .security_hub import SecurityHubOrganization, SecurityHubStandard

__all__ = [
    "MANAGEMENT_EVENT_RULES",
    "PCI_DSS_RULES",
    "AccessAnalyzers",
    "BackupMalwareScanningRole",
    "DelegatedAdministrators",
    "EncryptedTopic",
    "EventForwarding",
    "FindingAlerts",
    "FindingForwarder",
    "GuardDutyOrganization",
    "InspectorOrganization",
    "IpamDelegation",
    "MacieMembers",
    "MacieOrganization",
    "ManagedRuleSpec",
    "ManagementEventAlarms",
    "ManagementEventForwarder",
    "ManagementEventRule",
    "OrganizationConfigAggregator",
    "OrganizationConfigRules",
    "PciDssConformancePack",
    "PciDssRule",
    "RegionalDesignation",
    "S3MalwareProtection",
    "SecurityHubOrganization",
    "SecurityHubStandard",
    "Severity",
    "Subscription",
]
