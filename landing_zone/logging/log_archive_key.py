"""The customer managed key of the log archive, with a key policy written statement by statement.

Each writing service may only generate data keys for the resources of this organization: the
service principal's statement carries ``aws:SourceOrgID`` (Config, VPC flow logs, Bedrock), the
trail's ARN (CloudTrail) or the security tooling account (GuardDuty). Reading is for principals
of the log archive account, through S3 only, so its IAM policies and the bucket policy decide
who reads logs. Nobody gets ``kms:*``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.key_policy import (
    KEY_ADMINISTRATION_SID,
    administered_key,
    checked_statements,
)
from landing_zone.common.protection import DEFAULT_LANDING_ZONE_PRINCIPALS
from landing_zone.logging import _validation, names
from landing_zone.logging.log_buckets import ResponseEvidence

_KEY_SIDS = (
    KEY_ADMINISTRATION_SID,
    "ReadLogsThroughS3InThisAccount",
    "CloudTrailEncryptsOrganizationTrailLogs",
    "CloudTrailDescribesKey",
    "TrailCreatorDecryptsTrailLogs",
    "ConfigEncryptsDeliveries",
    "LogDeliveryEncryptsFlowLogs",
    "BedrockEncryptsInvocationLogs",
    "GuardDutyEncryptsFindings",
    "ResponseWorkflowsEncryptEvidence",
    "AuditorsDecryptEvidence",
)


class LogArchiveKey(Construct):
    """Symmetric KMS key that encrypts every object of the log archive (rotated yearly, 30-day
    deletion window, retained), with the alias ``alias/<organization_name>/logs``.

    Its key policy (AWS behaviour this relies on, not verifiable without an AWS account, is
    marked *unverified*):

    - the log archive account's root may administer the key (no cryptographic operation, no
      grants, rotation cannot be turned off);
    - principals of the log archive account may ``kms:Decrypt``/``kms:DescribeKey`` only
      through S3 in this region (``kms:ViaService``), i.e. when reading log objects;
    - ``cloudtrail.amazonaws.com`` may ``kms:GenerateDataKey*`` for the organization trail only
      (``aws:SourceArn``) and with the management account's trail encryption context, and
      ``kms:DescribeKey`` for that trail, as the CloudTrail user guide documents;
    - the management account's principals may ``kms:Decrypt`` CloudTrail-encrypted data: the
      CloudTrail user guide requires ``kms:Decrypt`` to create or update a trail whose bucket
      uses an S3 Bucket Key (*unverified* for whom exactly; without S3 read access on the
      bucket this decrypts nothing);
    - ``config.amazonaws.com``, ``delivery.logs.amazonaws.com`` (VPC flow logs) and
      ``bedrock.amazonaws.com`` may generate data keys when ``aws:SourceOrgID`` is this
      organization (*unverified*: the services document ``aws:SourceAccount``; IAM documents
      ``aws:SourceOrgID`` as set on the same service-to-service requests);
    - ``guardduty.amazonaws.com`` may ``kms:GenerateDataKey`` for detectors of the security
      tooling account (GuardDuty's documented key policy);
    - nobody but ``landing_zone_principals`` may change the key policy, disable, delete,
      replicate or re-tag the key, move or delete ``alias/<organization_name>/logs`` (which the
      trail, GuardDuty's export and the log replication name), or grant use of the key
      (``protection.deny_key_changes``). The log archive stack's deployer must be one of them.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        organization_id: str,
        organization_name: str,
        management_account_id: str,
        security_tooling_account_id: str,
        trail_region: str | None = None,
        log_replication_role_prefix: str | None = None,
        replicated_logs: Collection[str] = (),
        additional_key_policy_statements: Sequence[iam.PolicyStatement] = (),
        landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
        response_evidence: ResponseEvidence | None = None,
    ) -> None:
        """
        :param organization_id: AWS Organizations id (``o-...``) whose services may encrypt.
        :param organization_name: The config's organization name; it names the alias and the
            organization trail.
        :param management_account_id: Account of the organization trail.
        :param security_tooling_account_id: GuardDuty delegated administrator, which exports
            findings.
        :param trail_region: Home region of the organization trail. Default: the region of
            this stack, since the trail and the log archive both live in the home region.
        :param log_replication_role_prefix: The landing zone's role prefix, which names the
            replication roles of ``replicated_logs``.
        :param replicated_logs: Logs (keys of ``names.REPLICATED_LOGS``) whose replication
            roles in the organization's accounts (``names.log_replication_role_arns``) may
            encrypt replicas through S3. Default: none.
        :param additional_key_policy_statements: Further key policy statements, e.g. a
            cross-account reader role. Default: none. Each needs a sid of its own; an Allow of
            ``kms:*``, of a ``NotAction``, to a ``NotPrincipal``, or to a wildcard principal
            without a condition is rejected.
        :param landing_zone_principals: Role ARN patterns (``aws:PrincipalArn``) that may still
            change the key; the role that deploys it must match one. Default:
            ``DEFAULT_LANDING_ZONE_PRINCIPALS``; pass
            ``GuardrailParameters.landing_zone_role_arns`` of the config.
        :param response_evidence: Incident-response evidence: its writers (security-tooling
            execution roles) may encrypt, its readers decrypt, through S3 for the log bucket's
            evidence prefix only. Default: none.
        """
        super().__init__(scope, construct_id)
        _validation.organization_id("organization_id", organization_id)
        role_prefix = names.check_replicated_logs(replicated_logs, log_replication_role_prefix)
        _validation.account_id("management_account_id", management_account_id)
        _validation.account_id("security_tooling_account_id", security_tooling_account_id)
        region = _validation.region("trail_region", trail_region or Stack.of(self).region)
        extra = checked_statements(
            self,
            "additional_key_policy_statements",
            additional_key_policy_statements,
            reserved_sids=_KEY_SIDS,
        )
        trail_arn = names.organization_trail_arn(organization_name, management_account_id, region)
        self.alias_name = names.logs_key_alias(organization_name)
        self.key = administered_key(
            self,
            "Resource",
            description="Encrypts the organization's central log archive",
            statements=[
                *_reader_statements(),
                *_cloudtrail_statements(trail_arn, management_account_id),
                *_organization_service_statements(organization_id),
                _guardduty_statement(security_tooling_account_id),
                *(
                    _replication_statement(
                        organization_id,
                        organization_name,
                        role_prefix,
                        logs,
                    )
                    for logs in sorted(replicated_logs)
                ),
                *(
                    _response_evidence_statements(
                        organization_name, security_tooling_account_id, response_evidence
                    )
                    if response_evidence is not None
                    else []
                ),
                *extra,
            ],
            alias=self.alias_name,
            landing_zone_principals=landing_zone_principals,
        )


def _replication_statement(
    organization_id: str, organization_name: str, role_prefix: str, logs: str
) -> iam.PolicyStatement:
    bucket_name = names.log_bucket_name(organization_name, pseudo.ACCOUNT_ID)
    log_bucket = f"arn:{pseudo.PARTITION}:s3:::{bucket_name}"
    return iam.PolicyStatement(
        sid=f"{names.REPLICATED_LOGS[logs].sid}EncryptsReplicas",
        principals=[iam.AnyPrincipal()],
        actions=["kms:Encrypt", "kms:GenerateDataKey"],
        resources=["*"],
        conditions={
            "StringEquals": {"aws:PrincipalOrgID": organization_id},
            "ArnLike": {"aws:PrincipalArn": names.log_replication_role_arns(role_prefix, logs)},
            # Through S3, for the log bucket only (its ARN is the encryption context).
            "StringLike": {
                "kms:ViaService": "s3.*.amazonaws.com",
                "kms:EncryptionContext:aws:s3:arn": [log_bucket, f"{log_bucket}/*"],
            },
        },
    )


def _reader_statements() -> list[iam.PolicyStatement]:
    return [
        iam.PolicyStatement(
            sid="ReadLogsThroughS3InThisAccount",
            principals=[iam.AccountRootPrincipal()],
            actions=["kms:Decrypt", "kms:DescribeKey"],
            resources=["*"],
            conditions={
                "StringEquals": {
                    "kms:ViaService": f"s3.{pseudo.REGION}.amazonaws.com",
                    "kms:CallerAccount": pseudo.ACCOUNT_ID,
                }
            },
        )
    ]


def _cloudtrail_statements(trail_arn: str, management_account_id: str) -> list[iam.PolicyStatement]:
    trail = iam.ServicePrincipal("cloudtrail.amazonaws.com")
    management_trails = f"arn:{pseudo.PARTITION}:cloudtrail:*:{management_account_id}:trail/*"
    return [
        iam.PolicyStatement(
            sid="CloudTrailEncryptsOrganizationTrailLogs",
            principals=[trail],
            actions=["kms:GenerateDataKey*"],
            resources=["*"],
            conditions={
                "StringEquals": {"aws:SourceArn": trail_arn},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": management_trails},
            },
        ),
        iam.PolicyStatement(
            sid="CloudTrailDescribesKey",
            principals=[trail],
            actions=["kms:DescribeKey"],
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceArn": trail_arn}},
        ),
        iam.PolicyStatement(
            sid="TrailCreatorDecryptsTrailLogs",
            principals=[iam.AccountPrincipal(management_account_id)],
            actions=["kms:Decrypt"],
            resources=["*"],
            conditions={
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": management_trails}
            },
        ),
    ]


def _organization_service_statements(organization_id: str) -> list[iam.PolicyStatement]:
    this_organization = {"StringEquals": {"aws:SourceOrgID": organization_id}}
    return [
        iam.PolicyStatement(
            sid="ConfigEncryptsDeliveries",
            principals=[iam.ServicePrincipal("config.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=["*"],
            conditions=this_organization,
        ),
        iam.PolicyStatement(
            sid="LogDeliveryEncryptsFlowLogs",
            principals=[iam.ServicePrincipal("delivery.logs.amazonaws.com")],
            # The VPC user guide's key policy for flow logs to SSE-KMS buckets, named exactly.
            actions=[
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
            ],
            resources=["*"],
            conditions=this_organization,
        ),
        iam.PolicyStatement(
            sid="BedrockEncryptsInvocationLogs",
            principals=[iam.ServicePrincipal("bedrock.amazonaws.com")],
            actions=["kms:GenerateDataKey"],
            resources=["*"],
            conditions=this_organization,
        ),
    ]


def _guardduty_statement(security_tooling_account_id: str) -> iam.PolicyStatement:
    return iam.PolicyStatement(
        sid="GuardDutyEncryptsFindings",
        principals=[iam.ServicePrincipal("guardduty.amazonaws.com")],
        actions=["kms:GenerateDataKey"],
        resources=["*"],
        conditions={
            "StringEquals": {"aws:SourceAccount": security_tooling_account_id},
            "ArnLike": {
                "aws:SourceArn": (
                    f"arn:{pseudo.PARTITION}:guardduty:*:{security_tooling_account_id}:detector/*"
                )
            },
        },
    )


def _response_evidence_statements(
    organization_name: str, security_tooling_account_id: str, evidence: ResponseEvidence
) -> list[iam.PolicyStatement]:
    bucket = (
        f"arn:{pseudo.PARTITION}:s3:::{names.log_bucket_name(organization_name, pseudo.ACCOUNT_ID)}"
    )
    # Through S3, for the bucket (S3 Bucket Keys) or an evidence record: the encryption context.
    through_s3 = {
        "kms:ViaService": f"s3.{pseudo.REGION}.amazonaws.com",
    }
    context = {"kms:EncryptionContext:aws:s3:arn": [bucket, f"{bucket}/{evidence.prefix}/*"]}
    statements = [
        iam.PolicyStatement(
            sid="ResponseWorkflowsEncryptEvidence",
            principals=[iam.AccountPrincipal(security_tooling_account_id)],
            actions=["kms:Encrypt", "kms:GenerateDataKey"],
            resources=["*"],
            conditions={
                "StringEquals": through_s3,
                "StringLike": context,
                "ArnEquals": {"aws:PrincipalArn": list(evidence.writer_role_arns)},
            },
        )
    ]
    if evidence.reader_role_arns:
        statements.append(
            iam.PolicyStatement(
                sid="AuditorsDecryptEvidence",
                # Granted here directly (wildcard principal, narrowed below): the readers hold
                # no IAM permission on the key.
                principals=[iam.AnyPrincipal()],
                actions=["kms:Decrypt"],
                resources=["*"],
                conditions={
                    "StringEquals": {**through_s3, "kms:CallerAccount": pseudo.ACCOUNT_ID},
                    "StringLike": context,
                    "ArnLike": {"aws:PrincipalArn": list(evidence.reader_role_arns)},
                },
            )
        )
    return statements
