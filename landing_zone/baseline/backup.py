"""AWS Backup in one account and region: an encrypted, locked vault and a tag-selected plan whose
recovery points GuardDuty scans for malware.

Part of the account baseline, a template a StackSet deploys to every account and governed region,
so nothing here names an account or a region. The plan backs up only resources that carry the
selection tag: a workload team opts a table, volume or bucket in by tagging it, and pays for
nothing it did not tag.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import Acknowledgment, Duration, Fn, RemovalPolicy, Validations
from aws_cdk import aws_backup as backup
from aws_cdk import aws_iam as iam
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.key_policy import administered_key
from landing_zone.detection.guardduty import BackupMalwareScanningRole

SCAN_MODES = ("FULL_SCAN", "INCREMENTAL_SCAN")
"""Scan modes of a backup rule's ``ScanActions`` (AWS Backup API ``ScanAction``)."""

SCANNABLE_RESOURCE_TYPES = ("EBS", "EC2", "S3")
"""AWS Backup resource types whose recovery points GuardDuty Malware Protection for AWS Backup
scans: EBS snapshots, EC2 AMIs and S3 backups."""

BACKUP_ROLE_MANAGED_POLICIES = (
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
    "AWSBackupServiceRolePolicyForS3Backup",
    "AWSBackupServiceRolePolicyForS3Restore",
    "AWSBackupServiceRolePolicyForScans",
)
"""AWS managed policies of the role AWS Backup assumes for the plan's jobs: back up and restore
every supported resource type (S3 has policies of its own), and start GuardDuty scans passing the
scanner role."""

SCHEDULE_EXPRESSION = re.compile(
    r"cron\(\S+( \S+){5}\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\)"
)
"""AWS Backup's schedule expressions: ``cron()`` with six fields, or ``rate()``."""
PLAN_NAME = re.compile(r"[A-Za-z0-9_.-]{1,50}")
"""Backup plan names AWS Backup accepts."""
VAULT_NAME = re.compile(r"[A-Za-z0-9_-]{2,50}")
"""Backup vault names AWS Backup accepts."""
TAG_KEY = re.compile(r"(?!aws:)[\w .:/=+@-]{1,128}")
"""Tag keys the selection may use (``aws:`` is reserved)."""
TAG_VALUE = re.compile(r"[\w .:/=+@-]{0,256}")


@dataclass(frozen=True, kw_only=True)
class BackupSettings:
    """The parameters of :class:`AccountBackup`, for constructs that create one."""

    plan_name: str = "landing-zone-daily"
    vault_name: str | None = None
    schedule: str = "cron(0 3 * * ? *)"
    retention_days: int = 35
    selection_tag_key: str = "backup-plan"
    selection_tag_value: str = "daily"
    malware_scan_mode: str | None = "INCREMENTAL_SCAN"
    malware_scan_resource_types: Sequence[str] = field(
        default_factory=lambda: SCANNABLE_RESOURCE_TYPES
    )

    def __post_init__(self) -> None:
        _check_backup(
            plan_name=self.plan_name,
            vault_name=self.vault_name,
            schedule=self.schedule,
            retention_days=self.retention_days,
            selection_tag_key=self.selection_tag_key,
            selection_tag_value=self.selection_tag_value,
            malware_scan_mode=self.malware_scan_mode,
            malware_scan_resource_types=self.malware_scan_resource_types,
        )


class AccountBackup(Construct):
    """A backup vault and plan for the account and region the stack is deployed to.

    - **Vault** (``Vault``): encrypted with a customer managed key of its own (``Key``, rotated,
      retained, usable only through AWS Backup or GuardDuty by principals of this account) and
      locked in
      governance mode with a minimum retention of ``retention_days``, so a stolen
      administrator session cannot delete recovery points early without also removing the
      lock, which the guardrails reserve to the landing zone's roles. The vault is retained
      when the stack instance goes: it holds recovery points.
    - **Plan** (``Plan``): one rule that runs on ``schedule`` and keeps each recovery point
      ``retention_days``; it selects every resource tagged
      ``<selection_tag_key>=<selection_tag_value>``.
    - **Malware scanning** (unless ``malware_scan_mode`` is ``None``): the plan's
      ``ScanSettings`` hand GuardDuty the scanner role (``MalwareScanning``) for
      ``malware_scan_resource_types`` and the rule's ``ScanActions`` scan each new recovery
      point, so a restore never brings back a compromised volume or bucket unnoticed.

    Not verified here (no AWS account): GuardDuty must be enabled in the account and region
    for scans to start (the organization's GuardDuty auto-enable does that); malware scan
    results surface as GuardDuty findings in the delegated administrator.
    """

    @classmethod
    def from_settings(
        cls,
        scope: Construct,
        construct_id: str,
        settings: BackupSettings,
        *,
        role_name_prefix: str | None = None,
    ) -> AccountBackup:
        """An ``AccountBackup`` with the parameters ``settings`` holds."""
        return cls(
            scope,
            construct_id,
            role_name_prefix=role_name_prefix,
            plan_name=settings.plan_name,
            vault_name=settings.vault_name,
            schedule=settings.schedule,
            retention_days=settings.retention_days,
            selection_tag_key=settings.selection_tag_key,
            selection_tag_value=settings.selection_tag_value,
            malware_scan_mode=settings.malware_scan_mode,
            malware_scan_resource_types=settings.malware_scan_resource_types,
        )

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        plan_name: str = "landing-zone-daily",
        vault_name: str | None = None,
        schedule: str = "cron(0 3 * * ? *)",
        retention_days: int = 35,
        selection_tag_key: str = "backup-plan",
        selection_tag_value: str = "daily",
        malware_scan_mode: str | None = "INCREMENTAL_SCAN",
        malware_scan_resource_types: Sequence[str] = SCANNABLE_RESOURCE_TYPES,
        role_name_prefix: str | None = None,
    ) -> None:
        """
        :param plan_name: Name of the backup plan, unique in the account and region. Default:
            ``landing-zone-daily``.
        :param vault_name: Name of the backup vault, unique in the account and region. Default:
            ``landing-zone-<id of the stack>``: a retained vault outlives its stack (an account
            that leaves the baseline OUs and comes back, a failed first create), and a fixed
            name would then make every later create fail with AlreadyExists.
        :param schedule: When the rule runs, as an AWS Backup ``cron()`` (six fields, UTC) or
            ``rate()`` expression. Default: daily at 03:00 UTC.
        :param retention_days: How long each recovery point is kept, and the vault lock's
            minimum retention. Default: 35 days.
        :param selection_tag_key: Tag key that opts a resource into the plan. Default:
            ``backup-plan``.
        :param selection_tag_value: Tag value that opts a resource into the plan. Default:
            ``daily``.
        :param malware_scan_mode: ``FULL_SCAN``, ``INCREMENTAL_SCAN`` or ``None`` for no scans.
            Default: ``INCREMENTAL_SCAN``, which reads only what changed since the last scanned
            recovery point of the same resource (the first one is scanned whole).
        :param malware_scan_resource_types: Resource types whose recovery points are scanned,
            among ``EBS``, ``EC2`` and ``S3``. Default: all three.
        :param role_name_prefix: The guardrails' protected prefix: the backup role is then
            ``<prefix>backup-<region>`` and the scanner role ``<prefix>backup-scan-<region>``
            (IAM names are per account, the template runs in several regions), which nobody but
            the landing zone may change or pass. Default: names CloudFormation generates.
        """
        super().__init__(scope, construct_id)
        _check_backup(
            plan_name=plan_name,
            vault_name=vault_name,
            schedule=schedule,
            retention_days=retention_days,
            selection_tag_key=selection_tag_key,
            selection_tag_value=selection_tag_value,
            malware_scan_mode=malware_scan_mode,
            malware_scan_resource_types=malware_scan_resource_types,
        )
        self.key = administered_key(
            self,
            "Key",
            description="Encrypts the recovery points of the landing zone's backup vault",
            statements=[_use_through_backup_statement()],
        )
        self.vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=vault_name
            or f"landing-zone-{Fn.select(2, Fn.split('/', pseudo.STACK_ID))}",
            encryption_key=self.key,
            removal_policy=RemovalPolicy.RETAIN,
            lock_configuration=backup.LockConfiguration(
                min_retention=Duration.days(retention_days)
            ),
        )
        self.backup_role = iam.Role(
            self,
            "BackupRole",
            assumed_by=iam.ServicePrincipal("backup.amazonaws.com"),
            description="AWS Backup runs the landing zone plan's backup, restore and scan jobs",
            role_name=None
            if role_name_prefix is None
            else f"{role_name_prefix}backup-{pseudo.REGION}",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(name)
                for name in BACKUP_ROLE_MANAGED_POLICIES
            ],
        )
        Validations.of(self.backup_role).acknowledge(
            *(
                Acknowledgment(
                    id=f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{name}]",
                    reason=(
                        "AWS Backup's own managed policy for its service role: AWS extends it "
                        "as AWS Backup supports new resource types, which the tag-based "
                        "selection picks up; a copy here would silently stop backing them up."
                    ),
                )
                for name in BACKUP_ROLE_MANAGED_POLICIES
            )
        )
        self.scanner: BackupMalwareScanningRole | None = None
        scan_settings = None
        scan_actions = None
        if malware_scan_mode is not None:
            self.scanner = BackupMalwareScanningRole(
                self,
                "MalwareScanning",
                role_name=None
                if role_name_prefix is None
                else f"{role_name_prefix}backup-scan-{pseudo.REGION}",
            )
            scan_settings = [self.scanner.scan_setting(malware_scan_resource_types)]
            scan_actions = [BackupMalwareScanningRole.scan_action(malware_scan_mode)]
        self.plan = backup.CfnBackupPlan(
            self,
            "Plan",
            backup_plan=backup.CfnBackupPlan.BackupPlanResourceTypeProperty(
                backup_plan_name=plan_name,
                backup_plan_rule=[
                    backup.CfnBackupPlan.BackupRuleResourceTypeProperty(
                        rule_name="scheduled-backup",
                        target_backup_vault=self.vault.backup_vault_name,
                        schedule_expression=schedule,
                        lifecycle=backup.CfnBackupPlan.LifecycleResourceTypeProperty(
                            delete_after_days=retention_days
                        ),
                        scan_actions=scan_actions,
                    )
                ],
                scan_settings=scan_settings,
            ),
        )
        self.selection = backup.CfnBackupSelection(
            self,
            "Selection",
            backup_plan_id=self.plan.attr_backup_plan_id,
            backup_selection=backup.CfnBackupSelection.BackupSelectionResourceTypeProperty(
                iam_role_arn=self.backup_role.role_arn,
                selection_name=f"tagged-{selection_tag_key}-{selection_tag_value}"[:50],
                list_of_tags=[
                    backup.CfnBackupSelection.ConditionResourceTypeProperty(
                        condition_type="STRINGEQUALS",
                        condition_key=selection_tag_key,
                        condition_value=selection_tag_value,
                    )
                ],
            ),
        )


def _use_through_backup_statement() -> iam.PolicyStatement:
    """Principals of this account may use the key only through AWS Backup (or GuardDuty, which
    scans the recovery points) in this region."""
    return iam.PolicyStatement(
        sid="UseThroughAwsBackupInThisAccount",
        principals=[iam.AccountRootPrincipal()],
        actions=[
            "kms:CreateGrant",
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:Encrypt",
            "kms:GenerateDataKey*",
            "kms:ReEncrypt*",
        ],
        resources=["*"],
        conditions={
            "StringEquals": {
                # GuardDuty reads recovery points for malware scans (unverified whether its
                # scanner goes through backup or guardduty: both are allowed).
                "kms:ViaService": [
                    f"backup.{pseudo.REGION}.amazonaws.com",
                    f"guardduty.{pseudo.REGION}.amazonaws.com",
                ],
                "kms:CallerAccount": pseudo.ACCOUNT_ID,
            }
        },
    )


def _check_backup(
    *,
    plan_name: str,
    vault_name: str | None,
    schedule: str,
    retention_days: int,
    selection_tag_key: str,
    selection_tag_value: str,
    malware_scan_mode: str | None,
    malware_scan_resource_types: Sequence[str],
) -> None:
    """Raise ValueError naming the first parameter AWS Backup would reject at deploy time."""
    if not PLAN_NAME.fullmatch(plan_name):
        raise ValueError(
            f"plan_name must be 1-50 letters, digits, '_', '.' or '-'; received {plan_name!r}"
        )
    if vault_name is not None and not VAULT_NAME.fullmatch(vault_name):
        raise ValueError(
            f"vault_name must be 2-50 letters, digits, '_' or '-'; received {vault_name!r}"
        )
    if not SCHEDULE_EXPRESSION.fullmatch(schedule):
        raise ValueError(
            "schedule must be an AWS Backup cron() expression with six fields or a "
            f"rate() expression, e.g. 'cron(0 3 * * ? *)'; received {schedule!r}"
        )
    if isinstance(retention_days, bool) or not 1 <= retention_days <= 36500:
        raise ValueError(f"retention_days must be 1-36500 days; received {retention_days!r}")
    if not TAG_KEY.fullmatch(selection_tag_key):
        raise ValueError(
            "selection_tag_key must be a tag key (1-128 characters, not starting with "
            f"'aws:'); received {selection_tag_key!r}"
        )
    if not TAG_VALUE.fullmatch(selection_tag_value):
        raise ValueError(
            f"selection_tag_value must be a tag value (0-256 characters); received "
            f"{selection_tag_value!r}"
        )
    if malware_scan_mode is not None and malware_scan_mode not in SCAN_MODES:
        raise ValueError(
            f"malware_scan_mode must be one of {', '.join(SCAN_MODES)} or None; received "
            f"{malware_scan_mode!r}"
        )
    if malware_scan_mode is None:
        return
    if isinstance(malware_scan_resource_types, str):
        raise TypeError("malware_scan_resource_types: expected a list of resource types")
    unknown = [kind for kind in malware_scan_resource_types if kind not in SCANNABLE_RESOURCE_TYPES]
    if unknown or not malware_scan_resource_types:
        raise ValueError(
            "malware_scan_resource_types must name one or more of "
            f"{', '.join(SCANNABLE_RESOURCE_TYPES)}; received {list(malware_scan_resource_types)!r}"
        )
    if len(set(malware_scan_resource_types)) != len(malware_scan_resource_types):
        raise ValueError(
            "malware_scan_resource_types lists a type more than once; received "
            f"{list(malware_scan_resource_types)!r}"
        )
