"""GuardDuty for the whole organization, run from its delegated administrator.

``GuardDutyOrganization`` goes in the security-tooling account in every governed Region.
``S3MalwareProtection`` goes in whichever account and Region own the bucket it protects.
``BackupMalwareScanningRole`` goes in every account whose AWS Backup plans should scan their
recovery points.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_backup as backup
from aws_cdk import aws_guardduty as guardduty
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common import AwsSdkCallHandler, pseudo
from landing_zone.common.nag import granular_resource
from landing_zone.common.patterns import BUCKET_NAME
from landing_zone.common.tokens import is_unresolved

FINDING_PUBLISHING_FREQUENCIES = ("FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS")
"""Values GuardDuty accepts for how often updated findings are exported."""

PROTECTION_PLANS: dict[str, tuple[str, ...]] = {
    "S3_DATA_EVENTS": (),
    "EKS_AUDIT_LOGS": (),
    "EBS_MALWARE_PROTECTION": (),
    "RDS_LOGIN_EVENTS": (),
    "LAMBDA_NETWORK_LOGS": (),
    "RUNTIME_MONITORING": (
        "EKS_ADDON_MANAGEMENT",
        "ECS_FARGATE_AGENT_MANAGEMENT",
        "EC2_AGENT_MANAGEMENT",
    ),
}
"""Every GuardDuty feature (protection plan) and its additional configurations, as the GuardDuty
API names them. ``RUNTIME_MONITORING`` covers EKS too and replaces ``EKS_RUNTIME_MONITORING``,
which the API rejects alongside it."""

_BUCKET_ARN = re.compile(rf"arn:aws[a-z-]*:s3:::{BUCKET_NAME.pattern}")
_KMS_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+")
_KMS_KEY_OR_ALIAS_ARN = re.compile(
    r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)"
)
_PREFIX = re.compile(r"[^/]+(/[^/]+)*/?")

_DETECTOR_ARNS_ACKNOWLEDGMENT = (
    "The handler may update the detector of its own account and Region only. Its id is known "
    "only once the lookup has run, and the lookup itself waits for this policy, so the policy "
    "cannot name it; an account has at most one detector per Region."
)


class GuardDutyOrganization(Construct):
    """GuardDuty in the delegated administrator account, auto-enabled with every protection
    plan for every account of the organization, findings exported to the log archive.

    Deploy it in the security-tooling account, in every governed Region, after
    ``DelegatedAdministrators`` has designated the account there. Designating the administrator
    enables GuardDuty in that account and Region (the GuardDuty user guide says so), so a
    detector already exists and ``AWS::GuardDuty::Detector`` would fail to create another. This
    construct therefore looks the detector up (``ListDetectors``) and configures it:

    * ``UpdateDetector``: enabled, ``finding_publishing_frequency``, every plan of
      :data:`PROTECTION_PLANS` on, runtime monitoring with GuardDuty-managed agents;
    * ``UpdateOrganizationConfiguration``: ``AutoEnableOrganizationMembers`` ``ALL`` and every
      plan auto-enabled ``ALL``, so existing and new members get all of them (GuardDuty takes up
      to 24 hours to reach every member);
    * ``AWS::GuardDuty::PublishingDestination`` to the log-archive bucket.

    A plan that GuardDuty does not offer in a Region makes the calls fail there. Deleting the
    construct makes no call: GuardDuty stays on, with its settings.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        export_bucket_arn: str | None,
        export_kms_key_arn: str | None,
        export_prefix: str | None = None,
        finding_publishing_frequency: str = "FIFTEEN_MINUTES",
    ) -> None:
        """
        :param export_bucket_arn: ``arn:<partition>:s3:::<bucket>`` of the log-archive bucket
            findings are exported to, without a prefix. Pass ``None`` only to export nothing,
            a choice reviewers see in the call. The bucket's policy and the key's policy must
            let ``guardduty.amazonaws.com`` write (see the GuardDuty guide, "Exporting
            findings"); the log-archive stack must grant that. Bucket and key must be in the same
            Region; findings of another commercial Region may be exported to it, but not into
            an opt-in Region.
        :param export_kms_key_arn: ARN of the KMS key GuardDuty encrypts exported findings
            with; required with a bucket, ``None`` without one. The GuardDuty API asks for the
            key's ARN. An alias ARN is accepted here because the key lives in another account
            and only its alias is known from the config, but whether GuardDuty accepts an alias
            ARN is not verified: prefer the key ARN.
        :param export_prefix: Folder of the bucket the findings go to, such as ``guardduty``.
            GuardDuty writes below it under ``AWSLogs/<account>/GuardDuty/<Region>/``.
            Default: the bucket's root, where those folders already keep GuardDuty apart.
        :param finding_publishing_frequency: How often updates of existing findings are
            exported to EventBridge and the bucket. Default: ``FIFTEEN_MINUTES``, the fastest,
            so the alerting sees updates without delay. One of
            :data:`FINDING_PUBLISHING_FREQUENCIES`.
        """
        super().__init__(scope, construct_id)
        _validate_export(export_bucket_arn, export_kms_key_arn, export_prefix)
        if (
            not is_unresolved(finding_publishing_frequency)
            and finding_publishing_frequency not in FINDING_PUBLISHING_FREQUENCIES
        ):
            raise ValueError(
                f"finding_publishing_frequency must be one of "
                f"{', '.join(FINDING_PUBLISHING_FREQUENCIES)}, got "
                f"{finding_publishing_frequency!r}"
            )
        handler = AwsSdkCallHandler.of(self)
        detector_arns = (
            f"arn:{pseudo.PARTITION}:guardduty:{pseudo.REGION}:{pseudo.ACCOUNT_ID}:detector/*"
        )
        self.detector = handler.sdk_call(
            self,
            "Detector",
            on_update=cr.AwsSdkCall(
                service="GuardDuty",
                action="listDetectors",
                parameters={},
                physical_resource_id=cr.PhysicalResourceId.of(
                    f"{pseudo.ACCOUNT_ID}-{pseudo.REGION}-guardduty-detector"
                ),
                # The response is stored with the resource; keep only what is used.
                output_paths=["DetectorIds.0"],
            ),
            statements=[
                iam.PolicyStatement(
                    sid="ListGuardDutyDetectors",
                    # ListDetectors has no resource type.
                    actions=["guardduty:ListDetectors"],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:RequestedRegion": pseudo.REGION}},
                ),
                iam.PolicyStatement(
                    sid="ConfigureGuardDutyDetector",
                    actions=[
                        "guardduty:UpdateDetector",
                        "guardduty:UpdateOrganizationConfiguration",
                    ],
                    resources=[detector_arns],
                ),
            ],
            acknowledge_wildcard_resource=True,
        )
        Validations.of(handler.policy).acknowledge(
            Acknowledgment(
                id=(
                    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:guardduty:<AWS::Region>:"
                    "<AWS::AccountId>:detector/*]"
                ),
                reason=_DETECTOR_ARNS_ACKNOWLEDGMENT,
            )
        )
        self.detector_id = self.detector.get_response_field("DetectorIds.0")
        """The administrator's detector in this Region (a token)."""

        self.detector_features = handler.sdk_call(
            self,
            "DetectorFeatures",
            on_update=cr.AwsSdkCall(
                service="GuardDuty",
                action="updateDetector",
                parameters={
                    "DetectorId": self.detector_id,
                    "Enable": True,
                    "FindingPublishingFrequency": finding_publishing_frequency,
                    "Features": _protection_plans("Status", "ENABLED"),
                },
                physical_resource_id=cr.PhysicalResourceId.of(
                    f"{pseudo.ACCOUNT_ID}-{pseudo.REGION}-guardduty-detector-features"
                ),
            ),
            statements=[],
        )
        self.organization_configuration = handler.sdk_call(
            self,
            "OrganizationConfiguration",
            on_update=cr.AwsSdkCall(
                service="GuardDuty",
                action="updateOrganizationConfiguration",
                parameters={
                    "DetectorId": self.detector_id,
                    "AutoEnableOrganizationMembers": "ALL",
                    "Features": _protection_plans("AutoEnable", "ALL"),
                },
                physical_resource_id=cr.PhysicalResourceId.of(
                    f"{pseudo.ACCOUNT_ID}-{pseudo.REGION}-guardduty-organization-configuration"
                ),
            ),
            statements=[],
        )
        # Members get the plans the administrator has: configure the administrator first.
        self.organization_configuration.node.add_dependency(self.detector_features)

        self.export_destination: guardduty.CfnPublishingDestination | None = None
        if export_bucket_arn is not None and export_kms_key_arn is not None:
            folder = f"/{export_prefix.rstrip('/')}/" if export_prefix else ""
            self.export_destination = guardduty.CfnPublishingDestination(
                self,
                "ExportDestination",
                detector_id=self.detector_id,
                destination_type="S3",
                destination_properties=guardduty.CfnPublishingDestination.CFNDestinationPropertiesProperty(
                    destination_arn=f"{export_bucket_arn}{folder}",
                    kms_key_arn=export_kms_key_arn,
                ),
            )


class S3MalwareProtection(Construct):
    """GuardDuty Malware Protection for S3 on one bucket: every new object (or new version) is
    scanned, and tagged ``GuardDutyMalwareScanStatus`` with the result.

    Deploy it in the account and Region that own the bucket: a malware protection plan only
    protects a bucket of its own account and Region. It needs no detector (GuardDuty findings
    appear only where GuardDuty is enabled, as it is in every member account here).

    The role GuardDuty assumes has exactly the permissions the GuardDuty guide lists
    ("Create or update IAM role policy"), on this bucket (and key) only: GuardDuty's managed
    EventBridge rule, EventBridge notifications of the bucket, reading and tagging objects,
    writing its validation object. With ``prefixes``, reading and tagging are limited to them.
    A bucket policy that denies the role, or a key policy that does not let the account's
    principals use the key through S3, stops the scans.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket_name: str,
        kms_key_arn: str | None = None,
        prefixes: Sequence[str] = (),
        name: str | None = None,
    ) -> None:
        """
        :param bucket_name: The bucket to protect, in this stack's account and Region, by its
            name (the landing zone derives bucket names from the config). It may hold the
            ``AWS::AccountId`` and ``AWS::Region`` pseudo parameters (a template that several
            accounts share), not other tokens.
        :param kms_key_arn: ARN (not alias) of the KMS key the bucket encrypts objects with
            (SSE-KMS or DSSE-KMS), which GuardDuty needs to read them. Default: none, right for
            buckets encrypted with S3 managed keys.
        :param prefixes: Up to 5 object key prefixes to scan. Default: every object.
        :param name: Name of the scanner role and of its managed policy, unique in the account
            (IAM). Default: names CloudFormation generates. Under the guardrails' protected
            prefix, nobody but the landing zone may weaken what the scanner reads or tags.
        """
        super().__init__(scope, construct_id)
        _validate_protected_bucket(bucket_name, kms_key_arn, prefixes)
        bucket_arn = f"arn:{pseudo.PARTITION}:s3:::{bucket_name}"
        scanned_objects = [f"{bucket_arn}/{prefix}*" for prefix in prefixes] or [f"{bucket_arn}/*"]
        managed_rules = (
            f"arn:{pseudo.PARTITION}:events:{pseudo.REGION}:{pseudo.ACCOUNT_ID}:rule/"
            "DO-NOT-DELETE-AmazonGuardDutyMalwareProtectionS3*"
        )
        statements = [
            iam.PolicyStatement(
                sid="AllowManagedRuleToSendS3EventsToGuardDuty",
                actions=[
                    "events:DeleteRule",
                    "events:PutRule",
                    "events:PutTargets",
                    "events:RemoveTargets",
                ],
                resources=[managed_rules],
                conditions={
                    "StringLike": {
                        "events:ManagedBy": "malware-protection-plan.guardduty.amazonaws.com"
                    }
                },
            ),
            iam.PolicyStatement(
                sid="AllowGuardDutyToMonitorEventBridgeManagedRule",
                actions=["events:DescribeRule", "events:ListTargetsByRule"],
                resources=[managed_rules],
            ),
            iam.PolicyStatement(
                sid="AllowPostScanTag",
                actions=[
                    "s3:GetObjectTagging",
                    "s3:GetObjectVersionTagging",
                    "s3:PutObjectTagging",
                    "s3:PutObjectVersionTagging",
                ],
                resources=scanned_objects,
            ),
            iam.PolicyStatement(
                sid="AllowEnableS3EventBridgeEvents",
                actions=["s3:GetBucketNotification", "s3:PutBucketNotification"],
                resources=[bucket_arn],
            ),
            iam.PolicyStatement(
                sid="AllowPutValidationObject",
                actions=["s3:PutObject"],
                resources=[f"{bucket_arn}/malware-protection-resource-validation-object"],
            ),
            iam.PolicyStatement(
                sid="AllowCheckBucketOwnership",
                actions=["s3:ListBucket"],
                resources=[bucket_arn],
            ),
            iam.PolicyStatement(
                sid="AllowMalwareScan",
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=scanned_objects,
            ),
        ]
        if kms_key_arn is not None:
            statements.append(
                iam.PolicyStatement(
                    sid="AllowDecryptForMalwareScan",
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=[kms_key_arn],
                    conditions={
                        "StringLike": {"kms:ViaService": f"s3.{pseudo.REGION}.amazonaws.com"}
                    },
                )
            )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("malware-protection-plan.guardduty.amazonaws.com"),
            description=f"GuardDuty Malware Protection for S3 scans bucket {bucket_name}",
            role_name=name,
        )
        # A customer managed policy: NIST and PCI DSS rules reject inline policies.
        self.policy = iam.ManagedPolicy(
            self, "Policy", managed_policy_name=name, roles=[self.role], statements=statements
        )
        Validations.of(self.policy).acknowledge(
            Acknowledgment(
                id=(
                    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:<AWS::Region>:"
                    "<AWS::AccountId>:rule/DO-NOT-DELETE-AmazonGuardDutyMalwareProtectionS3*]"
                ),
                reason=(
                    "GuardDuty names its managed EventBridge rule itself, after this fixed "
                    "prefix, and the events:ManagedBy condition limits the write actions to "
                    "rules GuardDuty manages (the permissions the GuardDuty guide documents)."
                ),
            ),
            *(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::{granular_resource(self, objects)}]",
                    reason=(
                        "GuardDuty reads and tags every new object of the protected bucket (or "
                        "of the configured prefixes); object keys are not known in advance."
                    ),
                )
                for objects in scanned_objects
            ),
        )
        self.resource = guardduty.CfnMalwareProtectionPlan(
            self,
            "Resource",
            role=self.role.role_arn,
            protected_resource=guardduty.CfnMalwareProtectionPlan.CFNProtectedResourceProperty(
                s3_bucket=guardduty.CfnMalwareProtectionPlan.S3BucketProperty(
                    bucket_name=bucket_name,
                    object_prefixes=list(prefixes) or None,
                )
            ),
            actions=guardduty.CfnMalwareProtectionPlan.CFNActionsProperty(
                tagging=guardduty.CfnMalwareProtectionPlan.CFNTaggingProperty(status="ENABLED")
            ),
        )
        # GuardDuty checks the role's permissions when the plan is created.
        self.resource.node.add_dependency(self.policy)


BACKUP_SCANNER_MANAGED_POLICY = "AWSBackupGuardDutyRolePolicyForScans"
"""AWS managed policy that lets GuardDuty read AWS Backup recovery points for malware scans."""


class BackupMalwareScanningRole(Construct):
    """The scanner role AWS Backup hands to GuardDuty to scan recovery points for malware.

    GuardDuty Malware Protection for AWS Backup has no organization-wide switch: no GuardDuty
    feature or organization setting turns it on. A backup plan turns it on, for its own
    recovery points, with a ``ScanSettings`` entry (scanner ``GUARDDUTY``, resource types and
    this role's ARN, see :meth:`scan_setting`) and a ``ScanActions`` entry on each rule (see
    :meth:`scan_action`). Deploy the role in every account and Region (IAM is global: once per
    account) whose backup plans scan; the plans' own backup role also needs the AWS managed
    policy ``AWSBackupServiceRolePolicyForScans`` (start scans, pass this role).

    The role is assumed by ``malware-protection.guardduty.amazonaws.com`` and has the AWS
    managed policy :data:`BACKUP_SCANNER_MANAGED_POLICY`, which AWS keeps in step with the
    recovery-point types GuardDuty can scan (EBS snapshots, AMIs, S3 and air-gapped vault
    backups).
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, role_name: str | None = None
    ) -> None:
        """
        :param role_name: Name of the role. Default: a name CloudFormation generates, right
            when the backup plans are in the same stack; give a fixed name when plans elsewhere
            (other stacks, organization backup policies) refer to the role by ARN.
        """
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Resource",
            role_name=role_name,
            assumed_by=iam.ServicePrincipal("malware-protection.guardduty.amazonaws.com"),
            description="GuardDuty reads AWS Backup recovery points to scan them for malware",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(BACKUP_SCANNER_MANAGED_POLICY)
            ],
        )
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id=(
                    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                    f"{BACKUP_SCANNER_MANAGED_POLICY}]"
                ),
                reason=(
                    "The AWS managed policy made for GuardDuty's backup scanner: it scopes "
                    "every read to recovery points AWS Backup tagged and to KMS grants through "
                    "GuardDuty and AWS Backup, and AWS extends it when GuardDuty scans new "
                    "recovery-point types, which a copy here would miss."
                ),
            )
        )

    def scan_setting(
        self, resource_types: Sequence[str]
    ) -> backup.CfnBackupPlan.ScanSettingResourceTypeProperty:
        """The backup plan ``ScanSettings`` entry that scans ``resource_types`` (such as
        ``EBS``, ``EC2``, ``S3``) with GuardDuty, as this role."""
        if not resource_types:
            raise ValueError("resource_types must name at least one resource type, got none")
        return backup.CfnBackupPlan.ScanSettingResourceTypeProperty(
            malware_scanner="GUARDDUTY",
            resource_types=list(resource_types),
            scanner_role_arn=self.role.role_arn,
        )

    @staticmethod
    def scan_action(
        scan_mode: str = "FULL_SCAN",
    ) -> backup.CfnBackupPlan.ScanActionResourceTypeProperty:
        """The backup rule ``ScanActions`` entry that scans each new recovery point.

        :param scan_mode: ``FULL_SCAN`` or ``INCREMENTAL_SCAN``. Default: ``FULL_SCAN``, every
            recovery point scanned whole; an incremental scan reads only what changed since an
            earlier scanned recovery point of the same resource, which costs less but trusts
            that earlier scan.
        """
        if scan_mode not in ("FULL_SCAN", "INCREMENTAL_SCAN"):
            raise ValueError(f"scan_mode must be FULL_SCAN or INCREMENTAL_SCAN, got {scan_mode!r}")
        return backup.CfnBackupPlan.ScanActionResourceTypeProperty(
            malware_scanner="GUARDDUTY", scan_mode=scan_mode
        )


def _protection_plans(setting: str, value: str) -> list[dict[str, Any]]:
    """Every plan of :data:`PROTECTION_PLANS` and its additional configurations, with
    ``setting`` (``Status`` of a detector, ``AutoEnable`` of the organization) at ``value``."""
    return [
        {
            "Name": name,
            setting: value,
            **(
                {"AdditionalConfiguration": [{"Name": extra, setting: value} for extra in extras]}
                if extras
                else {}
            ),
        }
        for name, extras in PROTECTION_PLANS.items()
    ]


def _validate_export(bucket_arn: str | None, kms_key_arn: str | None, prefix: str | None) -> None:
    if (bucket_arn is None) != (kms_key_arn is None):
        raise ValueError(
            "export_bucket_arn and export_kms_key_arn go together: GuardDuty exports only "
            f"encrypted, got export_bucket_arn={bucket_arn!r}, export_kms_key_arn={kms_key_arn!r}"
        )
    if bucket_arn is None and prefix is not None:
        raise ValueError(f"export_prefix needs export_bucket_arn, got export_prefix={prefix!r}")
    if bucket_arn is not None and _malformed(bucket_arn, _BUCKET_ARN):
        raise ValueError(
            "export_bucket_arn must be a bucket ARN like arn:aws:s3:::my-bucket, without a "
            f"prefix (use export_prefix), got {bucket_arn!r}"
        )
    if kms_key_arn is not None and _malformed(kms_key_arn, _KMS_KEY_OR_ALIAS_ARN):
        raise ValueError(
            "export_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:"
            f"key/<id>) or alias ARN, got {kms_key_arn!r}"
        )
    if prefix is not None and _malformed(prefix, _PREFIX):
        raise ValueError(
            f"export_prefix must be a folder like guardduty or findings/guardduty, without a "
            f"leading slash or empty parts, got {prefix!r}"
        )


def _validate_protected_bucket(
    bucket_name: str, kms_key_arn: str | None, prefixes: Sequence[str]
) -> None:
    # The pseudo parameters, whose values are known at deploy time to be an account id and a
    # region, may stand in a bucket name; any other token would leave the name unchecked.
    literal = bucket_name.replace(pseudo.ACCOUNT_ID, "123456789012").replace(
        pseudo.REGION, "ap-southeast-1"
    )
    if is_unresolved(literal) or not BUCKET_NAME.fullmatch(literal):
        raise ValueError(
            "bucket_name must be an S3 bucket name, literal or with the AWS::AccountId and "
            "AWS::Region pseudo parameters (it names the role's resources and their "
            f"acknowledged findings), got {bucket_name!r}"
        )
    if kms_key_arn is not None and _malformed(kms_key_arn, _KMS_KEY_ARN):
        raise ValueError(
            "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); "
            f"IAM does not match an alias ARN to the key's use, got {kms_key_arn!r}"
        )
    if len(prefixes) > 5:
        raise ValueError(f"prefixes takes at most 5 object prefixes, got {len(prefixes)}")
    for prefix in prefixes:
        if is_unresolved(prefix) or not prefix or prefix.startswith("/"):
            raise ValueError(
                "prefixes must be literal, non-empty object key prefixes without a leading "
                f"slash (they name the role's resources), got {prefix!r}"
            )
    if len(set(prefixes)) != len(prefixes):
        raise ValueError(f"prefixes must not repeat a prefix, got {list(prefixes)}")


def _malformed(value: str, pattern: re.Pattern[str]) -> bool:
    """A literal ``value`` that ``pattern`` does not match; tokens are checked at deploy time."""
    return not is_unresolved(value) and not pattern.fullmatch(value)
