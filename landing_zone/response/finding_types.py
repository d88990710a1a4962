"""The GuardDuty finding types the response playbooks can be mapped to, the pattern matching the
config and the triage share, and each playbook's default finding types.

Standard library only: the triage Lambda (``landing_zone/response/runtime``) bundles this module's
semantics, so nothing here may need aws_cdk or pydantic.

The catalog lists the active finding types of the GuardDuty User Guide, by the page that
documents them. Each was read through the documentation search (the pages' tables of contents
and entries); a type seen only on a retired-types page is left out
(https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-retired.html). GuardDuty
adds types over time: a type missing here cannot be mapped until it is added, which config
validation says (it names the closest known types).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model needs pydantic and aws_cdk, which the runtime does not ship
    from landing_zone.config.model import PlaybookName

# https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html
EC2 = (
    "Backdoor:EC2/C&CActivity.B",
    "Backdoor:EC2/C&CActivity.B!DNS",
    "Backdoor:EC2/DenialOfService.Dns",
    "Backdoor:EC2/DenialOfService.Tcp",
    "Backdoor:EC2/DenialOfService.Udp",
    "Backdoor:EC2/DenialOfService.UdpOnTcpPorts",
    "Backdoor:EC2/DenialOfService.UnusualProtocol",
    "Backdoor:EC2/Spambot",
    "Behavior:EC2/NetworkPortUnusual",
    "Behavior:EC2/TrafficVolumeUnusual",
    "CryptoCurrency:EC2/BitcoinTool.B",
    "CryptoCurrency:EC2/BitcoinTool.B!DNS",
    "DefenseEvasion:EC2/UnusualDNSResolver",
    "DefenseEvasion:EC2/UnusualDoHActivity",
    "DefenseEvasion:EC2/UnusualDoTActivity",
    "Impact:EC2/AbusedDomainRequest.Reputation",
    "Impact:EC2/BitcoinDomainRequest.Reputation",
    "Impact:EC2/MaliciousDomainRequest.Reputation",
    "Impact:EC2/PortSweep",
    "Impact:EC2/SuspiciousDomainRequest.Reputation",
    "Impact:EC2/WinRMBruteForce",
    "Recon:EC2/PortProbeEMRUnprotectedPort",
    "Recon:EC2/PortProbeUnprotectedPort",
    "Recon:EC2/Portscan",
    "Trojan:EC2/BlackholeTraffic",
    "Trojan:EC2/BlackholeTraffic!DNS",
    "Trojan:EC2/DGADomainRequest.B",
    "Trojan:EC2/DGADomainRequest.C!DNS",
    "Trojan:EC2/DNSDataExfiltration",
    "Trojan:EC2/DriveBySourceTraffic!DNS",
    "Trojan:EC2/DropPoint",
    "Trojan:EC2/DropPoint!DNS",
    "Trojan:EC2/PhishingDomainRequest!DNS",
    "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
    "UnauthorizedAccess:EC2/MetadataDNSRebind",
    "UnauthorizedAccess:EC2/RDPBruteForce",
    "UnauthorizedAccess:EC2/SSHBruteForce",
    "UnauthorizedAccess:EC2/TorClient",
    "UnauthorizedAccess:EC2/TorRelay",
)

# https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-iam.html
IAM = (
    "CredentialAccess:IAMUser/AnomalousBehavior",
    "DefenseEvasion:IAMUser/AnomalousBehavior",
    "Discovery:IAMUser/AnomalousBehavior",
    "Exfiltration:IAMUser/AnomalousBehavior",
    "Impact:IAMUser/AnomalousBehavior",
    "InitialAccess:IAMUser/AnomalousBehavior",
    "PenTest:IAMUser/KaliLinux",
    "PenTest:IAMUser/ParrotLinux",
    "PenTest:IAMUser/PentooLinux",
    "Persistence:IAMUser/AnomalousBehavior",
    "Policy:IAMUser/RootCredentialUsage",
    "PrivilegeEscalation:IAMUser/AnomalousBehavior",
    "Recon:IAMUser/MaliciousIPCaller",
    "Recon:IAMUser/MaliciousIPCaller.Custom",
    "Recon:IAMUser/TorIPCaller",
    "Stealth:IAMUser/CloudTrailLoggingDisabled",
    "Stealth:IAMUser/PasswordPolicyChange",
    "UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B",
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
    "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom",
    "UnauthorizedAccess:IAMUser/TorIPCaller",
)

# https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-s3.html
S3 = (
    "Discovery:S3/AnomalousBehavior",
    "Discovery:S3/MaliciousIPCaller",
    "Discovery:S3/MaliciousIPCaller.Custom",
    "Discovery:S3/TorIPCaller",
    "Exfiltration:S3/AnomalousBehavior",
    "Exfiltration:S3/MaliciousIPCaller",
    "Impact:S3/AnomalousBehavior.Delete",
    "Impact:S3/AnomalousBehavior.Permission",
    "Impact:S3/AnomalousBehavior.Write",
    "Impact:S3/MaliciousIPCaller",
    "PenTest:S3/KaliLinux",
    "PenTest:S3/ParrotLinux",
    "PenTest:S3/PentooLinux",
    "Policy:S3/AccountBlockPublicAccessDisabled",
    "Policy:S3/BucketAnonymousAccessGranted",
    "Policy:S3/BucketBlockPublicAccessDisabled",
    "Policy:S3/BucketPublicAccessGranted",
    "Stealth:S3/ServerAccessLoggingDisabled",
    "UnauthorizedAccess:S3/MaliciousIPCaller.Custom",
    "UnauthorizedAccess:S3/TorIPCaller",
)

# https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-finding-types-eks-audit-logs.html
# (PrivilegeEscalation:Kubernetes/PrivilegedContainer and
# Persistence:Kubernetes/ContainerWithSensitiveMount are retired.)
EKS = (
    "CredentialAccess:Kubernetes/AnomalousBehavior.SecretsAccessed",
    "CredentialAccess:Kubernetes/MaliciousIPCaller",
    "CredentialAccess:Kubernetes/MaliciousIPCaller.Custom",
    "CredentialAccess:Kubernetes/SuccessfulAnonymousAccess",
    "CredentialAccess:Kubernetes/TorIPCaller",
    "DefenseEvasion:Kubernetes/MaliciousIPCaller",
    "DefenseEvasion:Kubernetes/MaliciousIPCaller.Custom",
    "DefenseEvasion:Kubernetes/SuccessfulAnonymousAccess",
    "DefenseEvasion:Kubernetes/TorIPCaller",
    "Discovery:Kubernetes/AnomalousBehavior.PermissionChecked",
    "Discovery:Kubernetes/MaliciousIPCaller",
    "Discovery:Kubernetes/MaliciousIPCaller.Custom",
    "Discovery:Kubernetes/SuccessfulAnonymousAccess",
    "Discovery:Kubernetes/TorIPCaller",
    "Execution:Kubernetes/AnomalousBehavior.ExecInPod",
    "Execution:Kubernetes/AnomalousBehavior.WorkloadDeployed",
    "Execution:Kubernetes/ExecInKubeSystemPod",
    "Impact:Kubernetes/MaliciousIPCaller",
    "Impact:Kubernetes/MaliciousIPCaller.Custom",
    "Impact:Kubernetes/SuccessfulAnonymousAccess",
    "Impact:Kubernetes/TorIPCaller",
    "Persistence:Kubernetes/MaliciousIPCaller",
    "Persistence:Kubernetes/MaliciousIPCaller.Custom",
    "Persistence:Kubernetes/SuccessfulAnonymousAccess",
    "Persistence:Kubernetes/TorIPCaller",
    "Policy:Kubernetes/AdminAccessToDefaultServiceAccount",
    "Policy:Kubernetes/AnonymousAccessGranted",
    "Policy:Kubernetes/ExposedDashboard",
    "Policy:Kubernetes/KubeflowDashboardExposed",
    "PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleBindingCreated",
    "PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleCreated",
    "PrivilegeEscalation:Kubernetes/AnomalousBehavior.WorkloadDeployed!ContainerWithSensitiveMount",
    "PrivilegeEscalation:Kubernetes/AnomalousBehavior.WorkloadDeployed!PrivilegedContainer",
)

# https://docs.aws.amazon.com/guardduty/latest/ug/findings-runtime-monitoring.html
RUNTIME = (
    "Backdoor:Runtime/C&CActivity.B",
    "Backdoor:Runtime/C&CActivity.B!DNS",
    "CryptoCurrency:Runtime/BitcoinTool.B",
    "CryptoCurrency:Runtime/BitcoinTool.B!DNS",
    "DefenseEvasion:Runtime/FilelessExecution",
    "DefenseEvasion:Runtime/ProcessInjection.Proc",
    "DefenseEvasion:Runtime/ProcessInjection.Ptrace",
    "DefenseEvasion:Runtime/ProcessInjection.VirtualMemoryWrite",
    "DefenseEvasion:Runtime/PtraceAntiDebugging",
    "DefenseEvasion:Runtime/SuspiciousCommand",
    "Execution:Runtime/MaliciousFileExecuted",
    "Execution:Runtime/NewBinaryExecuted",
    "Execution:Runtime/NewLibraryLoaded",
    "Execution:Runtime/ReverseShell",
    "Execution:Runtime/SuspiciousCommand",
    "Execution:Runtime/SuspiciousTool",
    "Impact:Runtime/AbusedDomainRequest.Reputation",
    "Impact:Runtime/BitcoinDomainRequest.Reputation",
    "Impact:Runtime/CryptoMinerExecuted",
    "Impact:Runtime/MaliciousDomainRequest.Reputation",
    "Impact:Runtime/SuspiciousDomainRequest.Reputation",
    "PrivilegeEscalation:Runtime/CGroupsReleaseAgentModified",
    "PrivilegeEscalation:Runtime/ContainerMountsHostDirectory",
    "PrivilegeEscalation:Runtime/DockerSocketAccessed",
    "PrivilegeEscalation:Runtime/RuncContainerEscape",
    "PrivilegeEscalation:Runtime/UserfaultfdUsage",
    "Trojan:Runtime/BlackholeTraffic",
    "Trojan:Runtime/BlackholeTraffic!DNS",
    "Trojan:Runtime/DGADomainRequest.C!DNS",
    "Trojan:Runtime/DriveBySourceTraffic!DNS",
    "Trojan:Runtime/DropPoint",
    "Trojan:Runtime/DropPoint!DNS",
    "Trojan:Runtime/PhishingDomainRequest!DNS",
    "UnauthorizedAccess:Runtime/MetadataDNSRebind",
    "UnauthorizedAccess:Runtime/TorClient",
    "UnauthorizedAccess:Runtime/TorRelay",
)

# https://docs.aws.amazon.com/guardduty/latest/ug/findings-rds-protection.html
RDS = (
    "CredentialAccess:RDS/AnomalousBehavior.FailedLogin",
    "CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce",
    "CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin",
    "CredentialAccess:RDS/MaliciousIPCaller.FailedLogin",
    "CredentialAccess:RDS/MaliciousIPCaller.SuccessfulLogin",
    "CredentialAccess:RDS/TorIPCaller.FailedLogin",
    "CredentialAccess:RDS/TorIPCaller.SuccessfulLogin",
    "Discovery:RDS/MaliciousIPCaller",
    "Discovery:RDS/TorIPCaller",
)

# https://docs.aws.amazon.com/guardduty/latest/ug/lambda-protection-finding-types.html
LAMBDA = (
    "Backdoor:Lambda/C&CActivity.B",
    "CryptoCurrency:Lambda/BitcoinTool.B",
    "Trojan:Lambda/BlackholeTraffic",
    "Trojan:Lambda/DropPoint",
    "UnauthorizedAccess:Lambda/MaliciousIPCaller.Custom",
    "UnauthorizedAccess:Lambda/TorClient",
    "UnauthorizedAccess:Lambda/TorRelay",
)

# https://docs.aws.amazon.com/guardduty/latest/ug/findings-malware-protection.html (EC2) and
# https://docs.aws.amazon.com/guardduty/latest/ug/findings-malware-protection-backup.html
MALWARE = (
    "Execution:Container/MaliciousFile",
    "Execution:Container/SuspiciousFile",
    "Execution:EC2/MaliciousFile",
    "Execution:EC2/MaliciousFile!AMI",
    "Execution:EC2/MaliciousFile!RecoveryPoint",
    "Execution:EC2/MaliciousFile!Snapshot",
    "Execution:EC2/SuspiciousFile",
    "Execution:ECS/MaliciousFile",
    "Execution:ECS/SuspiciousFile",
    "Execution:Kubernetes/MaliciousFile",
    "Execution:Kubernetes/SuspiciousFile",
    "Execution:S3/MaliciousFile!RecoveryPoint",
)

# https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-attack-sequence-finding-types.html
ATTACK_SEQUENCES = (
    "AttackSequence:EC2/CompromisedInstanceGroup",
    "AttackSequence:ECS/CompromisedCluster",
    "AttackSequence:EKS/CompromisedCluster",
    "AttackSequence:IAM/CompromisedCredentials",
    "AttackSequence:S3/CompromisedData",
)

FINDING_TYPES: tuple[str, ...] = tuple(
    sorted({*EC2, *IAM, *S3, *EKS, *RUNTIME, *RDS, *LAMBDA, *MALWARE, *ATTACK_SEQUENCES})
)
"""Every finding type in the catalog, sorted."""

DEFAULT_PLAYBOOK_FINDING_TYPES: dict[PlaybookName, tuple[str, ...]] = {
    # The instance itself is compromised: it talks to C&C, mines, runs malware, attacks others.
    "isolate_instance": (
        "Backdoor:EC2/C&CActivity.*",
        "Backdoor:EC2/DenialOfService.*",
        "Backdoor:EC2/Spambot",
        "CryptoCurrency:EC2/*",
        "Trojan:EC2/*",
        "UnauthorizedAccess:EC2/TorClient",
        "UnauthorizedAccess:EC2/TorRelay",
        "Impact:EC2/PortSweep",
        "Execution:EC2/MaliciousFile",
    ),
    # Credentials are used by someone else, or in a way their owner never does.
    "contain_credentials": (
        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.*",
        "CredentialAccess:IAMUser/*",
        "UnauthorizedAccess:IAMUser/MaliciousIPCaller*",
        "UnauthorizedAccess:IAMUser/TorIPCaller",
        "UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B",
        "*:IAMUser/AnomalousBehavior",
    ),
    # An outside address probes, brute-forces or calls in: the finding names its remote IP.
    "block_network_actor": (
        "UnauthorizedAccess:EC2/SSHBruteForce",
        "UnauthorizedAccess:EC2/RDPBruteForce",
        "Impact:EC2/WinRMBruteForce",
        "Recon:EC2/PortProbe*",
        "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
        "Recon:IAMUser/MaliciousIPCaller*",
        "Recon:IAMUser/TorIPCaller",
        "Discovery:S3/MaliciousIPCaller*",
        "Discovery:S3/TorIPCaller",
        "UnauthorizedAccess:S3/*",
        "CredentialAccess:RDS/MaliciousIPCaller.*",
        "CredentialAccess:RDS/TorIPCaller.*",
        "Discovery:RDS/*IPCaller",
    ),
    # Data is read, deleted, overwritten or opened up in unusual ways.
    "s3_exfiltration": (
        "Exfiltration:S3/*",
        "Impact:S3/*",
    ),
    "root_use": ("Policy:IAMUser/RootCredentialUsage",),
}
"""Playbook -> the finding type patterns that start it unless config says otherwise. Every
pattern matches at least one catalog type and no type is matched by two playbooks (tested)."""

PRECEDENCE: tuple[PlaybookName, ...] = tuple(DEFAULT_PLAYBOOK_FINDING_TYPES)
"""The order in which playbooks claim a finding type (the config model's ``PLAYBOOKS`` order):
when a config maps one type to several playbooks, the first of them runs."""


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def matches(pattern: str, finding_type: str) -> bool:
    """Whether ``finding_type`` fits ``pattern``: ``*`` stands for any characters (none too), every
    other character only for itself, case-sensitively, over the whole type. The semantics of
    EventBridge ``wildcard`` patterns
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-wildcard-matching),
    so the rules that forward findings and the triage agree."""
    return _regex(pattern).fullmatch(finding_type) is not None


def expand(pattern: str, catalog: Iterable[str] = FINDING_TYPES) -> list[str]:
    """The catalog types ``pattern`` matches, sorted."""
    return sorted(finding_type for finding_type in catalog if matches(pattern, finding_type))


def playbook_for(
    finding_type: str, mapping: Mapping[PlaybookName, Iterable[str]]
) -> PlaybookName | None:
    """The playbook a finding type starts: the first playbook in ``PRECEDENCE`` order whose
    patterns in ``mapping`` match it, whatever the mapping's own order; None if none does."""
    for playbook in PRECEDENCE:
        if any(matches(pattern, finding_type) for pattern in mapping.get(playbook, ())):
            return playbook
    return None
