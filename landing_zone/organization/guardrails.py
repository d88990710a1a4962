"""Named service control policy (SCP) guardrails for a regulated fintech organization.

Each guardrail is a small, reviewable unit: a stable kebab-case ``name`` (the public contract used
in the YAML config and in reports), a one- or two-sentence ``threat`` it stops, and a pure
function that builds its IAM statements from :class:`GuardrailParameters`. Nothing here touches
CDK: the output is JSON-able dicts, which :mod:`landing_zone.organization.packing` groups into
policy documents that fit AWS Organizations' size and count limits.

Exemptions. Guardrails that the landing zone itself must be able to cross (it creates the Config
recorder, sets account-level S3 Block Public Access, manages its own roles...) exempt the
*landing-zone principals*: roles named ``<landing_zone_role_prefix>*``, the CloudFormation
StackSets execution roles that deploy the per-account baseline, and the break-glass roles. The
exemption is only as strong as the guarantee that nobody else can create, assume through
``iam:PassRole``, or edit such a role, which is what ``protect-landing-zone-roles`` enforces:
attach it at, or above, every target that carries an exempting guardrail.

SCPs never apply to the management account or to service-linked roles, so these guardrails
constrain member accounts only.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar

from landing_zone.common.bedrock import (
    GUARDRAIL_CONDITION_KEY,
    INFERENCE_ACTIONS,
    UNGUARDABLE_INFERENCE_ACTIONS,
    account_guardrail_versions,
    model_arns,
)
from landing_zone.common.credentials import (
    IAM_IDENTITY_PROVIDER_ACTIONS,
    IAM_USER_CREDENTIAL_ACTIONS,
)
from landing_zone.common.patterns import (
    ACCOUNT_ID,
    BEDROCK_MODEL_ID,
    ORGANIZATION_ID,
    PERMISSION_SET_NAME,
    REGION,
)

PolicyStatement = dict[str, Any]
"""One IAM policy statement, ready for ``json.dumps``."""

RESPONSE_ROLE_SUFFIX = "response"
"""The incident-response role of every account is ``<landing_zone_role_prefix>response``."""

FORENSIC_SNAPSHOT_TAG_KEY = "lz-forensic-finding"
"""Tag key (value: the finding id) the incident response puts on the snapshots it takes as
evidence; ``keep-data-in-organization`` protects the snapshots that carry it."""

RESPONSE_TAG_PREFIX = "lz-response:"
"""Every tag key the incident response puts starts so (but the forensic snapshot tag's):
``keep-data-in-organization`` denies putting one to everyone but the response role."""

QUARANTINED_INSTANCE_TAG_KEY = f"{RESPONSE_TAG_PREFIX}quarantined"
"""Tag key (value: the finding id) the incident response puts on an instance it isolated;
``keep-data-in-organization`` keeps everyone but the response role from changing the instance's
security groups, network interfaces, termination protection or that tag, or terminating it."""

QUARANTINE_GROUP_TAG_KEY = f"{RESPONSE_TAG_PREFIX}quarantine-group"
"""Tag key the incident response puts on the quarantine security groups it creates (and looks
them up by); ``keep-data-in-organization`` keeps everyone but the response role from changing
their rules, deleting them, or putting the tag on a group of their own."""

P = TypeVar("P")

_KEBAB_CASE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# IAM role names allow these ASCII characters (64 at most); `*` is our pattern wildcard.
_ROLE_NAME = re.compile(r"^[A-Za-z0-9_+=,.@-]{1,64}$")
_ROLE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_+=,.@-][A-Za-z0-9_+=,.@*-]{0,63}$")
_QUALIFIER = re.compile(r"[a-z0-9]{1,10}")
_NAME = re.compile(r"[a-z][a-z0-9-]{1,31}")


class PolicyType(Enum):
    """AWS Organizations policy types (the ``Type`` of an ``AWS::Organizations::Policy``)."""

    SERVICE_CONTROL_POLICY = "SERVICE_CONTROL_POLICY"
    RESOURCE_CONTROL_POLICY = "RESOURCE_CONTROL_POLICY"
    AISERVICES_OPT_OUT_POLICY = "AISERVICES_OPT_OUT_POLICY"
    TAG_POLICY = "TAG_POLICY"


class UnknownGuardrailError(KeyError, ValueError):
    """A guardrail name that is not in the catalog.

    It is a ``KeyError`` so that catalogs behave as ordinary mappings (``in``, ``.get``) and a
    ``ValueError`` so that config validators (pydantic) report it as a validation error.
    """

    def __init__(self, name: str, policy_type: PolicyType, allowed: Iterable[str]) -> None:
        self.name = name
        """The name that is not in the catalog."""
        self.allowed = tuple(sorted(allowed))
        """The names the catalog knows, sorted."""
        hint = difflib.get_close_matches(name, self.allowed, n=1)
        suggestion = f" Did you mean {hint[0]!r}?" if hint else ""
        self.message = (
            f"unknown {policy_type.value} guardrail {name!r}.{suggestion} "
            f"Allowed names: {', '.join(self.allowed)}."
        )
        """The error message, with the closest allowed name if any."""
        super().__init__(self.message)

    def __str__(self) -> str:
        # KeyError would otherwise print the message wrapped in quotes.
        return self.message


@dataclass(frozen=True)
class Guardrail(Generic[P]):
    """A named preventive control and the function that builds its policy statements.

    ``name`` is a public contract (config files and reports refer to it): never rename one.
    Every statement ``build`` returns carries a ``Sid`` that is unique across the catalog, so
    a packed policy document stays valid whichever guardrails share it.
    """

    name: str
    threat: str
    build: Callable[[P], list[PolicyStatement]] = field(repr=False)

    def __post_init__(self) -> None:
        if not _KEBAB_CASE.fullmatch(self.name):
            raise ValueError(
                f"guardrail name must be kebab-case (lowercase words joined by '-'), "
                f"received {self.name!r}"
            )
        if not self.threat.strip():
            raise ValueError(f"guardrail {self.name!r} must describe the threat it stops")

    def statements(self, params: P) -> list[PolicyStatement]:
        """Build this guardrail's statements for ``params`` (a new list on every call)."""
        return self.build(params)


class GuardrailCatalog(Mapping[str, Guardrail[P]]):
    """An immutable, ordered registry of guardrails that all produce one policy type."""

    def __init__(self, policy_type: PolicyType, guardrails: Iterable[Guardrail[P]]) -> None:
        self.policy_type = policy_type
        """The policy type of every guardrail of the catalog."""
        self._guardrails: dict[str, Guardrail[P]] = {}
        for guardrail in guardrails:
            if guardrail.name in self._guardrails:
                raise ValueError(f"guardrail {guardrail.name!r} is registered twice")
            self._guardrails[guardrail.name] = guardrail

    def __getitem__(self, name: str) -> Guardrail[P]:
        try:
            return self._guardrails[name]
        except KeyError:
            raise UnknownGuardrailError(name, self.policy_type, self._guardrails) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._guardrails)

    def __len__(self) -> int:
        return len(self._guardrails)


def deny_statement(
    sid: str,
    *,
    action: str | Sequence[str] | None = None,
    not_action: Sequence[str] | None = None,
    resource: str | Sequence[str] = "*",
    not_resource: Sequence[str] | None = None,
    condition: Mapping[str, Mapping[str, str | Sequence[str]]] | None = None,
    principal: str | None = None,
) -> PolicyStatement:
    """Build one ``Deny`` statement; exactly one of ``action`` and ``not_action`` is given, and
    ``not_resource`` replaces ``resource`` when given.

    ``principal`` is for resource control policies, which require ``"Principal": "*"``;
    service control policies reject a ``Principal`` element.
    """
    if (action is None) == (not_action is None):
        raise ValueError(f"statement {sid!r} needs exactly one of action and not_action")
    statement: PolicyStatement = {"Sid": sid, "Effect": "Deny"}
    if principal is not None:
        statement["Principal"] = principal
    if action is not None:
        statement["Action"] = action if isinstance(action, str) else list(action)
    if not_action is not None:
        statement["NotAction"] = list(not_action)
    if not_resource is not None:
        statement["NotResource"] = list(not_resource)
    else:
        statement["Resource"] = resource if isinstance(resource, str) else list(resource)
    if condition:
        statement["Condition"] = {
            operator: {
                key: value if isinstance(value, str) else list(value) for key, value in keys.items()
            }
            for operator, keys in condition.items()
        }
    return statement


def _role_arn(name_pattern: str) -> str:
    return f"arn:aws:iam::*:role/{name_pattern}"


def _check_names(
    field_name: str, names: tuple[str, ...], pattern: re.Pattern[str], allowed: str
) -> None:
    if isinstance(names, str):
        raise ValueError(f"{field_name} must be a tuple of names, received the string {names!r}")
    for name in names:
        if not pattern.fullmatch(name):
            raise ValueError(f"{field_name} contains {name!r}; allowed: {allowed}")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"{field_name} lists {', '.join(duplicates)} more than once")


@dataclass(frozen=True, kw_only=True)
class GuardrailParameters:
    """What the SCP guardrails need to know about the organization.

    Exempt roles are matched on ``aws:PrincipalArn`` at the IAM root path
    (``arn:aws:iam::*:role/<name>``), so the landing zone must create its roles without a path.
    """

    governed_regions: tuple[str, ...]
    """Regions workloads may use; every other Region is denied except for global services.
    Required: there is no safe default for data residency. Emitted sorted, so reordering the
    config does not change the policy document."""

    landing_zone_role_prefix: str = "lz-"
    """Name prefix of the roles the landing zone deploys; they are exempt from the guardrails
    that the landing zone itself must cross, and protected by ``protect-landing-zone-roles``.
    Default ``lz-``."""

    break_glass_role_names: tuple[str, ...] = ("lz-break-glass",)
    """Exact names of the emergency-access roles. They are landing-zone principals and the only
    principals allowed to create IAM users or long-lived keys. Default ``("lz-break-glass",)``;
    an empty tuple means nobody may create IAM users at all."""

    deployment_role_names: tuple[str, ...] = (
        "stacksets-exec-*",
        "AWSCloudFormationStackSetExecutionRole",
    )
    """Names (``*`` wildcards allowed, not leading) of the roles that deploy landing-zone
    resources in member accounts: by default the execution roles of service-managed and
    self-managed CloudFormation StackSets. If a guarded account is also deployed with
    ``cdk deploy``, add the execution role of a CDK bootstrap qualifier reserved for the
    landing zone (``cdk-<qualifier>-cfn-exec-role-*``), never the default qualifier's role,
    which workload teams share.

    The config's default (``guardrails.parameters.deployment_role_names``) differs on purpose:
    it adds ``cdk-lzone-cfn-exec-role-*`` and ``cdk-lzone-deploy-role-*``, because the
    reference app deploys with the CDK qualifier ``lzone``. This class does not know the
    qualifier a consumer bootstraps with, and exempting the roles of a qualifier nobody
    bootstrapped would exempt whoever creates roles of that name: exempt them by adding their
    names here."""

    approved_bedrock_models: tuple[str, ...] = ()
    """Bedrock foundation model ids (``anthropic.claude-3-haiku-20240307-v1:0``) that
    ``deny-unapproved-bedrock-models`` lets accounts invoke, directly or through a cross-Region
    inference profile. Default: none, so that guardrail denies every model."""

    guardrail_exempt_bedrock_models: tuple[str, ...] = ()
    """Bedrock model ids that ``deny-bedrock-without-guardrail`` lets through without a
    guardrail: embedding models, which return vectors and which guardrails do not apply to.
    Default: none."""

    protected_role_names: tuple[str, ...] = ()
    """Names (``*`` wildcards allowed, not leading) of roles the landing zone creates for others
    and that must not be exempt: ``protect-landing-zone-roles`` protects them like its own
    (nobody else creates, changes, passes or re-trusts them), no guardrail exempts them. The
    reference app's pipeline deploy roles, which production accounts trust by exact ARN.
    Default: none."""

    landing_zone_name: str | None = None
    """The name of the landing zone's stateful resources that predate the protected prefix
    (config ``organization.name``): KMS aliases ``alias/<name>/*``, SSM parameters
    ``/<name>/landing-zone/*``, StackSets ``<name>-*`` and the stacks they and the core stacks
    create (``StackSet-<name>-*``, ``<name>-*``). ``protect-landing-zone-resources`` protects
    them too when given. Default: none, only the prefix is protected."""

    cdk_bootstrap_qualifier: str | None = None
    """The CDK bootstrap qualifier reserved for the landing zone (``lzone`` in the reference
    app). When given, ``protect-landing-zone-roles`` denies assuming its ``cdk-<qualifier>-*``
    roles to every principal of a member account but those roles themselves: only the one
    deployer, in the management account, may use them (their trust policies say which).
    Default: none."""

    organization_id: str | None = None
    """The organization id (``o-...``). When given, ``keep-data-in-organization`` denies
    replicating S3 objects into buckets of other organizations. Default: none."""

    incident_response_account_id: str | None = None
    """The account whose incident-response workflows act in every account through the role
    ``<landing_zone_role_prefix>response`` (the security tooling account, when the config has
    ``incident_response``). When given, ``deny-iam-users-and-access-keys`` lets that role
    deactivate an access key (and reactivate it on rollback), and ``keep-data-in-organization``
    denies deleting, untagging or sharing a forensic snapshot (tagged
    ``FORENSIC_SNAPSHOT_TAG_KEY``) to everyone but that role, and sharing one with any account
    but this one to everyone; undoing an isolation (``QUARANTINED_INSTANCE_TAG_KEY``,
    ``QUARANTINE_GROUP_TAG_KEY``) or putting any of these tags to everyone but that role. The
    role is a landing-zone role like any other ``<prefix>*`` role and gets no other exemption.
    Default: none."""

    incident_responder_permission_sets: tuple[str, ...] = ()
    """Names of the permission sets of the incident responders. When
    ``incident_response_account_id`` is given, ``protect-delegated-administration`` denies
    starting a ``<prefix>response-*`` workflow, and answering any Step Functions task token
    (``states:SendTask*``, which IAM scopes to ``*`` only), to every principal but the
    landing-zone roles and these permission sets' roles: a forged start isolates an instance or
    denies a principal anywhere, a forged answer approves a containment. Default: none, so only
    the landing-zone roles may."""

    def __post_init__(self) -> None:
        _check_names(
            "incident_responder_permission_sets",
            self.incident_responder_permission_sets,
            PERMISSION_SET_NAME,
            "permission set names of 1-32 letters, digits or '+=,.@_-'",
        )
        _check_names(
            "guardrail_exempt_bedrock_models",
            self.guardrail_exempt_bedrock_models,
            BEDROCK_MODEL_ID,
            "Bedrock model ids such as 'amazon.titan-embed-text-v2:0'",
        )
        _check_names(
            "approved_bedrock_models",
            self.approved_bedrock_models,
            BEDROCK_MODEL_ID,
            "Bedrock model ids such as 'anthropic.claude-3-haiku-20240307-v1:0'",
        )
        _check_names(
            "governed_regions",
            self.governed_regions,
            REGION,
            "AWS Region names such as 'eu-central-1'",
        )
        if not self.governed_regions:
            raise ValueError(
                "governed_regions must list at least one AWS Region, for example "
                "('eu-central-1', 'eu-west-1'); received ()"
            )
        if not _ROLE_NAME.fullmatch(self.landing_zone_role_prefix):
            # An empty prefix would exempt every role in the organization.
            raise ValueError(
                "landing_zone_role_prefix must be 1-64 IAM role name characters "
                f"(letters, digits, '+=,.@_-') without wildcards; "
                f"received {self.landing_zone_role_prefix!r}"
            )
        _check_names(
            "break_glass_role_names",
            self.break_glass_role_names,
            _ROLE_NAME,
            "exact IAM role names of 1-64 characters (letters, digits, '+=,.@_-')",
        )
        if self.landing_zone_name is not None and not _NAME.fullmatch(self.landing_zone_name):
            raise ValueError(
                "landing_zone_name must be 2-32 lowercase letters, digits or hyphens, starting "
                f"with a letter; received {self.landing_zone_name!r}"
            )
        if self.cdk_bootstrap_qualifier is not None and not _QUALIFIER.fullmatch(
            self.cdk_bootstrap_qualifier
        ):
            raise ValueError(
                "cdk_bootstrap_qualifier must be 1-10 lowercase letters or digits (a CDK "
                f"bootstrap qualifier), received {self.cdk_bootstrap_qualifier!r}"
            )
        if self.incident_response_account_id is not None and not ACCOUNT_ID.fullmatch(
            self.incident_response_account_id
        ):
            raise ValueError(
                "incident_response_account_id must be a 12-digit AWS account id, received "
                f"{self.incident_response_account_id!r}"
            )
        if self.organization_id is not None and not ORGANIZATION_ID.fullmatch(self.organization_id):
            raise ValueError(
                f"organization_id must look like 'o-a1b2c3d4e5', received {self.organization_id!r}"
            )
        _check_names(
            "protected_role_names",
            self.protected_role_names,
            _ROLE_NAME_PATTERN,
            "IAM role names of 1-64 characters (letters, digits, '+=,.@_-'), "
            "'*' allowed except as the first character",
        )
        _check_names(
            "deployment_role_names",
            self.deployment_role_names,
            _ROLE_NAME_PATTERN,
            "IAM role names of 1-64 characters (letters, digits, '+=,.@_-'), "
            "'*' allowed except as the first character",
        )

    @property
    def response_role_arn(self) -> str | None:
        """ARN pattern of the incident-response role, when the landing zone has one."""
        if self.incident_response_account_id is None:
            return None
        return _role_arn(f"{self.landing_zone_role_prefix}{RESPONSE_ROLE_SUFFIX}")

    @property
    def landing_zone_role_arns(self) -> tuple[str, ...]:
        """ARN patterns of the landing-zone principals: exempt from, and protected by, the
        guardrails. Names the prefix pattern already matches are left out: every character
        counts against the SCP size limit."""
        prefix = self.landing_zone_role_prefix
        patterns = [f"{prefix}*"]
        if self.cdk_bootstrap_qualifier is not None:
            # Every bootstrap role of the landing zone's qualifier: protected like the others
            # (nobody may create one) and assumable by the one deployer only.
            patterns.append(f"cdk-{self.cdk_bootstrap_qualifier}-*")
        extra = [
            name
            for name in (*self.deployment_role_names, *self.break_glass_role_names)
            if not any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
        ]
        return tuple(_role_arn(name) for name in (*patterns, *extra))


def _unless_landing_zone(params: GuardrailParameters) -> dict[str, dict[str, list[str]]]:
    return {"ArnNotLike": {"aws:PrincipalArn": list(params.landing_zone_role_arns)}}


# --- deny-leave-organization -------------------------------------------------------------


def _deny_leave_organization(_: GuardrailParameters) -> list[PolicyStatement]:
    return [deny_statement("DenyLeaveOrganization", action="organizations:LeaveOrganization")]


# --- deny-root-user ------------------------------------------------------------------------


def _deny_root_user(_: GuardrailParameters) -> list[PolicyStatement]:
    # Privileged root sessions that the management account opens with sts:AssumeRoot (for
    # example to unlock a bucket whose policy denies everyone) carry aws:AssumedRoot and stay
    # possible; a password or access key of the root user itself is denied everything.
    return [
        deny_statement(
            "DenyRootUser",
            action="*",
            condition={
                "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"},
                "Null": {"aws:AssumedRoot": "true"},
            },
        )
    ]


# --- protect-security-services -------------------------------------------------------------

# The API calls that stop, delete, blind or detach each detective service from its delegated
# administrator. Blinding includes the quiet ways: findings filters and suppression rules that
# archive (GuardDuty, Inspector, Access Analyzer), trusted IP lists and trusted entity sets
# (GuardDuty stops reporting on their traffic), archived findings, Security Hub automation rules
# that set a finding SUPPRESSED, disabled controls, Config recorders narrowed by resource type,
# Macie allow lists and classification scopes that skip what should be found, and backup
# settings that opt resource types out. The landing zone's own Config rules, flow logs and backup
# vault locks are protected by protect-landing-zone-resources (teams keep managing theirs); what
# only the delegated administrator can call is in protect-delegated-administration.
SECURITY_SERVICE_ACTIONS: tuple[str, ...] = (
    "access-analyzer:ApplyArchiveRule",
    "access-analyzer:CreateArchiveRule",
    "access-analyzer:DeleteAnalyzer",
    "access-analyzer:UpdateAnalyzer",
    "access-analyzer:UpdateArchiveRule",
    "access-analyzer:UpdateFindings",
    "backup:UpdateGlobalSettings",
    "backup:UpdateRegionSettings",
    "cloudtrail:DeleteTrail",
    "cloudtrail:PutEventSelectors",
    "cloudtrail:PutInsightSelectors",
    "cloudtrail:StopLogging",
    "cloudtrail:UpdateTrail",
    "config:DeleteAggregationAuthorization",
    "config:DeleteConfigurationAggregator",
    "config:DeleteConfigurationRecorder",
    "config:DeleteDeliveryChannel",
    "config:DeleteEvaluationResults",
    "config:DeleteOrganizationConfigRule",
    "config:DeleteOrganizationConformancePack",
    "config:DeleteRemediationConfiguration",
    "config:DeleteRetentionConfiguration",
    "config:DeleteServiceLinkedConfigurationRecorder",
    "config:DisassociateResourceTypes",
    "config:PutConfigurationRecorder",
    "config:PutDeliveryChannel",
    "config:PutOrganizationConfigRule",
    "config:PutOrganizationConformancePack",
    "config:PutRetentionConfiguration",
    "config:StopConfigurationRecorder",
    "guardduty:ArchiveFindings",
    "guardduty:CreateFilter",
    "guardduty:CreateIPSet",
    "guardduty:CreateTrustedEntitySet",
    "guardduty:DeleteDetector",
    "guardduty:DeleteMembers",
    "guardduty:DeletePublishingDestination",
    "guardduty:DeleteThreatIntelSet",
    "guardduty:DisassociateFromAdministratorAccount",
    "guardduty:DisassociateFromMasterAccount",
    "guardduty:DisassociateMembers",
    "guardduty:StopMonitoringMembers",
    "guardduty:UpdateDetector",
    "guardduty:UpdateFilter",
    "guardduty:UpdateIPSet",
    "guardduty:UpdateMalwareScanSettings",
    "guardduty:UpdateMemberDetectors",
    "guardduty:UpdateOrganizationConfiguration",
    "guardduty:UpdatePublishingDestination",
    "guardduty:UpdateThreatIntelSet",
    "guardduty:UpdateTrustedEntitySet",
    "inspector2:CreateFilter",
    "inspector2:Disable",
    "inspector2:DisassociateMember",
    "inspector2:UpdateConfiguration",
    "inspector2:UpdateEc2DeepInspectionConfiguration",
    "inspector2:UpdateFilter",
    "inspector2:UpdateOrganizationConfiguration",
    "macie2:CreateAllowList",
    "macie2:DeleteMember",
    "macie2:DisableMacie",
    "macie2:DisassociateFromAdministratorAccount",
    "macie2:DisassociateFromMasterAccount",
    "macie2:DisassociateMember",
    "macie2:UpdateAllowList",
    "macie2:UpdateClassificationScope",
    "macie2:UpdateMacieSession",
    "macie2:UpdateMemberSession",
    "macie2:UpdateSensitivityInspectionTemplate",
    "securityhub:BatchDeleteAutomationRules",
    "securityhub:BatchDisableStandards",
    "securityhub:BatchUpdateAutomationRules",
    "securityhub:BatchUpdateStandardsControlAssociations",
    "securityhub:CreateAutomationRule",
    "securityhub:DeleteConfigurationPolicy",
    "securityhub:DeleteMembers",
    "securityhub:DisableImportFindingsForProduct",
    "securityhub:DisableSecurityHub",
    "securityhub:DisableSecurityHubV2",
    "securityhub:DisassociateFromAdministratorAccount",
    "securityhub:DisassociateFromMasterAccount",
    "securityhub:DisassociateMembers",
    "securityhub:StartConfigurationPolicyDisassociation",
    "securityhub:UpdateConfigurationPolicy",
    "securityhub:UpdateOrganizationConfiguration",
    "securityhub:UpdateSecurityHubConfiguration",
    "securityhub:UpdateStandardsControl",
)


def _protect_security_services(params: GuardrailParameters) -> list[PolicyStatement]:
    # One statement, not one per service: the exemption condition would otherwise be repeated
    # seven times, some 1,200 characters of the 5,120 an SCP may hold.
    return [
        deny_statement(
            "ProtectSecurityServices",
            action=SECURITY_SERVICE_ACTIONS,
            condition=_unless_landing_zone(params),
        ),
        # A tag alone takes a resource out of GuardDuty's runtime monitoring or Inspector's
        # scans (GuardDuty User Guide, "GuardDutyManaged" tag; Inspector User Guide, excluding
        # resources with tags): setting or removing those tags is as good as disabling them.
        deny_statement(
            "ProtectScanExclusionTags",
            action=(
                "ec2:CreateTags",
                "ec2:DeleteTags",
                "ecs:TagResource",
                "ecs:UntagResource",
                "eks:TagResource",
                "eks:UntagResource",
                "lambda:TagResource",
                "lambda:UntagResource",
            ),
            condition={
                "ForAnyValue:StringEquals": {"aws:TagKeys": list(SCAN_EXCLUSION_TAG_KEYS)},
                **_unless_landing_zone(params),
            },
        ),
        # A key of one's own on the default bus encrypts its rules' patterns and targets
        # (EventBridge User Guide, "Encrypting EventBridge event buses with customer managed
        # keys"): disabling that key afterwards would silence every landing-zone rule on it
        # (finding alerts, forwarders, the response triage). *Unverified* on a live bus.
        deny_statement(
            "ProtectDefaultEventBus",
            action="events:UpdateEventBus",
            resource="arn:aws:events:*:*:event-bus/default",
            condition=_unless_landing_zone(params),
        ),
    ]


SCAN_EXCLUSION_TAG_KEYS = (
    "GuardDutyManaged",
    "InspectorCodeExclusion",
    "InspectorEc2Exclusion",
    "InspectorExclusion",
)
"""Tags that exclude a resource from GuardDuty or Inspector. *Unverified* list beyond
``GuardDutyManaged`` and ``InspectorEc2Exclusion``, taken from the services' user guides as read
through an attacker review."""


# --- deny-unapproved-regions ---------------------------------------------------------------

# The global-service exemptions of AWS's example SCP "Deny access to AWS based on the
# requested AWS Region" (AWS Organizations User Guide, general SCP examples; the same list is
# in aws-samples/service-control-policy-examples). Global services answer from us-east-1, so
# without these exemptions they would be denied everywhere.
GLOBAL_SERVICE_ACTIONS: tuple[str, ...] = (
    "a4b:*",
    "acm:*",
    "aws-marketplace-management:*",
    "aws-marketplace:*",
    "aws-portal:*",
    "budgets:*",
    "ce:*",
    "chime:*",
    "cloudfront:*",
    "config:*",
    "cur:*",
    "directconnect:*",
    "ec2:DescribeRegions",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeVpnGateways",
    "fms:*",
    "globalaccelerator:*",
    "health:*",
    "iam:*",
    "importexport:*",
    "kms:*",
    "mobileanalytics:*",
    "networkmanager:*",
    "organizations:*",
    "pricing:*",
    "route53:*",
    "route53domains:*",
    "route53-recovery-cluster:*",
    "route53-recovery-control-config:*",
    "route53-recovery-readiness:*",
    "s3:GetAccountPublic*",
    "s3:ListAllMyBuckets",
    "s3:ListMultiRegionAccessPoints",
    "s3:PutAccountPublic*",
    "shield:*",
    "sts:*",
    "support:*",
    "trustedadvisor:*",
    "waf-regional:*",
    "waf:*",
    "wafv2:*",
    "wellarchitected:*",
)


def _deny_unapproved_regions(params: GuardrailParameters) -> list[PolicyStatement]:
    return [
        deny_statement(
            "DenyUnapprovedRegions",
            not_action=GLOBAL_SERVICE_ACTIONS,
            condition={
                "StringNotEquals": {"aws:RequestedRegion": sorted(params.governed_regions)},
                **_unless_landing_zone(params),
            },
        )
    ]


# --- deny-iam-users-and-access-keys --------------------------------------------------------

_FEDERATION_ACTIONS = (
    *IAM_IDENTITY_PROVIDER_ACTIONS,
    "rolesanywhere:CreateProfile",
    "rolesanywhere:CreateTrustAnchor",
    "rolesanywhere:UpdateProfile",
    "rolesanywhere:UpdateTrustAnchor",
)
"""New ways in that bypass Identity Center: an identity provider or a Roles Anywhere trust
anchor of one's own, and a role trusting it, is a persistent back door. The landing zone's
pipelines create the OIDC providers they need (``identity.pipelines``)."""


def _deny_iam_users_and_access_keys(params: GuardrailParameters) -> list[PolicyStatement]:
    # The exemption is on the caller, not on a user path: a path such as /break-glass/ would
    # let anyone who may create users put one there. Only the break-glass roles, not the
    # landing-zone automation, may mint long-lived credentials.
    break_glass = [_role_arn(n) for n in params.break_glass_role_names]
    condition = {"ArnNotLike": {"aws:PrincipalArn": break_glass}} if break_glass else None
    credential_statements = [
        deny_statement(
            "DenyIamUsersAndAccessKeys",
            action=IAM_USER_CREDENTIAL_ACTIONS,
            condition=condition,
        )
    ]
    response_role = params.response_role_arn
    if response_role is not None:
        # The response playbook deactivates the access key a finding names, and its rollback
        # makes it active again; no condition key tells the two apart (Service Authorization
        # Reference, IAM: UpdateAccessKey has none), so the role may do both, nothing else.
        credential_statements = [
            deny_statement(
                "DenyIamUsersAndAccessKeys",
                action=[a for a in IAM_USER_CREDENTIAL_ACTIONS if a != "iam:UpdateAccessKey"],
                condition=condition,
            ),
            deny_statement(
                "DenyAccessKeyUpdates",
                action="iam:UpdateAccessKey",
                condition={"ArnNotLike": {"aws:PrincipalArn": [*break_glass, response_role]}},
            ),
        ]
    return [
        *credential_statements,
        deny_statement(
            "DenyOwnIdentityProviders",
            action=_FEDERATION_ACTIONS,
            condition=_unless_landing_zone(params),
        ),
        # The pipelines' account has GitHub's OIDC provider: an admin there could create a role
        # trusting it for a repository of their own and come back from GitHub at any time.
        # Only the landing zone's roles and the pipelines' deploy roles may act on GitHub
        # Actions credentials. aws:FederatedProvider holds the identity provider of a web
        # identity session (IAM User Guide, global condition keys; *unverified*: whether the
        # value is the provider's ARN or its host name, which the pattern matches both).
        deny_statement(
            "DenyOtherRolesForGitHubActions",
            action="*",
            condition={
                "StringLike": {"aws:FederatedProvider": f"*{GITHUB_ACTIONS_ISSUER}"},
                "ArnNotLike": {
                    "aws:PrincipalArn": [
                        *params.landing_zone_role_arns,
                        *(_role_arn(name) for name in params.protected_role_names),
                    ]
                },
            },
        ),
    ]


GITHUB_ACTIONS_ISSUER = "token.actions.githubusercontent.com"
"""GitHub Actions' OIDC issuer, as IAM names its provider."""


# --- protect-s3-block-public-access --------------------------------------------------------


def _protect_s3_block_public_access(params: GuardrailParameters) -> list[PolicyStatement]:
    # s3:PutAccountPublicAccessBlock also authorizes deleting the account-level configuration.
    # The bucket-level action is deliberately left alone: denying it would also stop teams
    # from setting Block Public Access on their new buckets, and the account-level setting
    # already overrides whatever a bucket says.
    return [
        deny_statement(
            "ProtectS3AccountPublicAccessBlock",
            action="s3:PutAccountPublicAccessBlock",
            condition=_unless_landing_zone(params),
        )
    ]


# --- require-imdsv2 ------------------------------------------------------------------------


def _require_imdsv2(params: GuardrailParameters) -> list[PolicyStatement]:
    # The three IMDS controls of the EC2 User Guide's example policies ("Work with instance
    # metadata"). Its fourth, a cap on the PUT response hop limit, is left out: containers on
    # EC2 need a limit of 2, and requiring session tokens is what defeats SSRF credential theft.
    return [
        deny_statement(
            "RequireImdsV2OnLaunch",
            action="ec2:RunInstances",
            resource="arn:aws:ec2:*:*:instance/*",
            condition={"StringNotEquals": {"ec2:MetadataHttpTokens": "required"}},
        ),
        deny_statement(
            "DenyImdsSettingChanges",
            action=("ec2:ModifyInstanceMetadataDefaults", "ec2:ModifyInstanceMetadataOptions"),
            condition=_unless_landing_zone(params),
        ),
        # ec2:RoleDelivery is present only on credentials an instance fetched from IMDS, so
        # this denies nothing else; it breaks instances still reading credentials over
        # IMDSv1, which is the point (check their MetadataNoToken metric before attaching).
        deny_statement(
            "DenyImdsV1RoleCredentials",
            action="*",
            condition={"NumericLessThan": {"ec2:RoleDelivery": "2.0"}},
        ),
    ]


# --- protect-landing-zone-roles ------------------------------------------------------------

_ROLE_CHANGE_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    # Passing an exempt role to one's own Lambda function or instance would run code with the
    # role's exemptions.
    "iam:PassRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)


_FUNCTION_CHANGE_ACTIONS = (
    "lambda:AddPermission",
    "lambda:CreateAlias",
    "lambda:CreateFunctionUrlConfig",
    "lambda:DeleteAlias",
    "lambda:DeleteFunction",
    "lambda:DeleteFunctionCodeSigningConfig",
    "lambda:DeleteFunctionConcurrency",
    "lambda:DeleteFunctionEventInvokeConfig",
    "lambda:DeleteFunctionUrlConfig",
    "lambda:DeleteProvisionedConcurrencyConfig",
    "lambda:InvokeAsync",
    "lambda:InvokeFunction",
    "lambda:InvokeFunctionUrl",
    "lambda:PublishVersion",
    "lambda:PutFunctionCodeSigningConfig",
    "lambda:PutFunctionConcurrency",
    "lambda:PutFunctionEventInvokeConfig",
    "lambda:PutFunctionRecursionConfig",
    "lambda:PutFunctionScalingConfig",
    "lambda:PutProvisionedConcurrencyConfig",
    "lambda:PutRuntimeManagementConfig",
    "lambda:RemovePermission",
    "lambda:TagResource",
    "lambda:UntagResource",
    "lambda:UpdateAlias",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionCodeSigningConfig",
    "lambda:UpdateFunctionConfiguration",
    "lambda:UpdateFunctionEventInvokeConfig",
    "lambda:UpdateFunctionUrlConfig",
)
"""What would let someone else run a landing-zone function, which runs as an exempt role, or
stop it: invoking it with an event of their own, changing its code, configuration or
triggers, letting something else invoke it (a resource policy, a URL, an alias, an event
source), or throttling it to zero (concurrency)."""

_POLICY_CHANGE_ACTIONS = (
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
)
"""A managed policy attached to an exempt role is as good as the role: a new default version
grants the role whatever its author wants."""


def _protect_landing_zone_roles(params: GuardrailParameters) -> list[PolicyStatement]:
    # The protected roles are exactly the exempt ones: creating a role under the prefix is
    # denied too, otherwise anyone could mint an exempt principal.
    return [
        deny_statement(
            "ProtectLandingZoneRoles",
            action=_ROLE_CHANGE_ACTIONS,
            resource=[
                *params.landing_zone_role_arns,
                *(_role_arn(name) for name in params.protected_role_names),
            ],
            condition=_unless_landing_zone(params),
        ),
        # The SDK-call handlers named with the prefix run as exempt roles: their functions are
        # as good as the roles (an AwsCustomResource function makes whatever call its event
        # names).
        deny_statement(
            "ProtectLandingZoneFunctions",
            action=_FUNCTION_CHANGE_ACTIONS,
            resource=f"arn:aws:lambda:*:*:function:{params.landing_zone_role_prefix}*",
            condition=_unless_landing_zone(params),
        ),
        # Event source mappings are resources of their own (CreateEventSourceMapping has none):
        # the function they would trigger is in lambda:FunctionArn.
        deny_statement(
            "ProtectLandingZoneFunctionTriggers",
            action=(
                "lambda:CreateEventSourceMapping",
                "lambda:DeleteEventSourceMapping",
                "lambda:UpdateEventSourceMapping",
            ),
            condition={
                "ArnLike": {
                    "lambda:FunctionArn": (
                        f"arn:aws:lambda:*:*:function:{params.landing_zone_role_prefix}*"
                    )
                },
                **_unless_landing_zone(params),
            },
        ),
        deny_statement(
            "ProtectLandingZonePolicies",
            action=_POLICY_CHANGE_ACTIONS,
            resource=f"arn:aws:iam::*:policy/{params.landing_zone_role_prefix}*",
            condition=_unless_landing_zone(params),
        ),
        *_protect_bootstrap_roles(params),
    ]


def _protect_bootstrap_roles(params: GuardrailParameters) -> list[PolicyStatement]:
    # The landing zone's bootstrap roles deploy with AdministratorAccess and are exempt (the
    # deployment role passes the CloudFormation execution role). Only the one deployer, a role
    # of the management account that SCPs do not govern, may assume them; the bootstrap trust
    # policies name it. Here no principal of a member account may, whatever a trust policy
    # says: no bootstrap role assumes another (the CLI assumes each from the deployer), and
    # CloudFormation, which assumes the execution role, is a service that SCPs do not govern.
    qualifier = params.cdk_bootstrap_qualifier
    if qualifier is None:
        return []
    return [
        deny_statement(
            "DenyAssumingLandingZoneBootstrapRoles",
            action=("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"),
            resource=_role_arn(f"cdk-{qualifier}-*"),
        )
    ]


# --- protect-landing-zone-resources -------------------------------------------------------

_NAMESPACE_ACTIONS = (
    "cloudformation:CancelUpdateStack",
    "cloudformation:ContinueUpdateRollback",
    "cloudformation:CreateChangeSet",
    "cloudformation:DeleteStack",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:SetStackPolicy",
    "cloudformation:UpdateStack",
    "cloudformation:UpdateTerminationProtection",
    "cloudwatch:DeleteAlarms",
    "cloudwatch:DeleteInsightRules",
    "cloudwatch:DisableAlarmActions",
    "cloudwatch:DisableInsightRules",
    "cloudwatch:PutInsightRule",
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:SetAlarmState",
    "cloudwatch:TagResource",
    "cloudwatch:UntagResource",
    "events:DeleteEventBus",
    "events:DeleteRule",
    "events:DisableRule",
    "events:PutRule",
    "events:PutTargets",
    "events:RemoveTargets",
    "events:TagResource",
    "events:UntagResource",
    "events:UpdateEventBus",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:UpdateAlias",
    "logs:AssociateKmsKey",
    "logs:Delete*",
    "logs:DisassociateKmsKey",
    "logs:PutDataProtectionPolicy",
    "logs:PutMetricFilter",
    "logs:PutRetentionPolicy",
    "logs:PutSubscriptionFilter",
    "logs:PutTransformer",
    "logs:UntagResource",
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketPolicy",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:PutObject",
    "s3:PutReplicationConfiguration",
    "sns:AddPermission",
    "sns:DeleteTopic",
    "sns:PutDataProtectionPolicy",
    "sns:RemovePermission",
    "sns:SetSubscriptionAttributes",
    "sns:SetTopicAttributes",
    "sns:Subscribe",
    "sns:Unsubscribe",
    "sns:UntagResource",
    "sqs:DeleteQueue",
    "sqs:PurgeQueue",
    "sqs:RemovePermission",
    "sqs:SetQueueAttributes",
    "ssm:DeleteParameter",
    "ssm:DeleteParameters",
    "ssm:LabelParameterVersion",
    "ssm:PutParameter",
    "states:DeleteStateMachine",
    "states:RedriveExecution",
    "states:StopExecution",
    "states:UpdateStateMachine",
)
"""Changing, silencing or deleting what the landing zone names under its namespace: stacks
(and so every resource in them), alarms, event rules and their targets, key aliases (the log
key is reached through one), log groups with their retention and metric filters, the asset
buckets StackSets read Lambda code from, topics and their subscriptions, queues, parameters
its stacks read at deploy time, and state machines (changed or stopped mid-run; starting one
is left to its own design, e.g. the on-demand training-data scan teams run). Resource types an
action does not take simply do not match. ``logs:Delete*``: every deletion of a landing-zone log
group or of what is attached to it (streams, metric and subscription filters, retention, data
protection, transformers)."""

_STACK_RESOURCE_ACTIONS = (
    "backup:DeleteBackupPlan",
    "backup:DeleteBackupSelection",
    "backup:DeleteBackupVault",
    "backup:DeleteBackupVaultAccessPolicy",
    "backup:DeleteBackupVaultLockConfiguration",
    "backup:DeleteBackupVaultNotifications",
    "backup:PutBackupVaultAccessPolicy",
    "backup:PutBackupVaultLockConfiguration",
    "backup:PutBackupVaultNotifications",
    "backup:UpdateBackupPlan",
    "config:DeleteConfigRule",
    "config:PutConfigRule",
    "ec2:AssociateRouteTable",
    "ec2:AttachInternetGateway",
    "ec2:CreateNatGateway",
    "ec2:CreateNetworkAclEntry",
    "ec2:CreateRoute",
    "ec2:CreateVpcPeeringConnection",
    "ec2:DeleteFlowLogs",
    "ec2:DeleteNetworkAcl",
    "ec2:DeleteNetworkAclEntry",
    "ec2:DeleteRoute",
    "ec2:DeleteVpcEndpoints",
    "ec2:DisassociateRouteTable",
    "ec2:ModifySubnetAttribute",
    "ec2:ModifyVpcEndpoint",
    "ec2:ReplaceNetworkAclAssociation",
    "ec2:ReplaceNetworkAclEntry",
    "ec2:ReplaceRoute",
    "ec2:ReplaceRouteTableAssociation",
    "kms:CancelKeyDeletion",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:UpdateKeyDescription",
    "kms:UpdatePrimaryRegion",
    "wafv2:DeleteLoggingConfiguration",
    "wafv2:DeleteWebACL",
    "wafv2:PutLoggingConfiguration",
    "wafv2:UpdateIPSet",
    "wafv2:UpdateWebACL",
)
"""Controls whose ARNs carry a generated id rather than a name (backup plans and vault locks,
Config rules, flow logs, the network ACLs, routes, subnets and endpoints of the landing zone's
VPC tiers, keys, web ACLs and IP sets): recognized by the ``aws:cloudformation:stack-name``
tag CloudFormation puts on what its stacks create, which nobody can change (tags with the
``aws:`` prefix are reserved). The Service Authorization Reference lists ``aws:ResourceTag``
for these resource types; *unverified*: that CloudFormation puts its system tags on every
one of them (``describe-type`` says per type)."""


def _namespace_arns(params: GuardrailParameters) -> list[str]:
    prefix = params.landing_zone_role_prefix
    arns = [
        f"arn:aws:cloudformation:*:*:stack/{prefix}*",
        f"arn:aws:cloudwatch:*:*:insight-rule/{prefix}*",
        f"arn:aws:events:*:*:event-bus/{prefix}*",
        f"arn:aws:states:*:*:execution:{prefix}*",
        f"arn:aws:cloudformation:*:*:stack/StackSet-{prefix}*",
        f"arn:aws:cloudwatch:*:*:alarm:{prefix}*",
        f"arn:aws:events:*:*:rule/{prefix}*",
        f"arn:aws:kms:*:*:alias/{prefix}*",
        f"arn:aws:logs:*:*:log-group:{prefix}*",
        f"arn:aws:logs:*:*:log-group:/aws/lambda/{prefix}*",
        f"arn:aws:s3:::{prefix}*",
        f"arn:aws:sns:*:*:{prefix}*",
        f"arn:aws:sqs:*:*:{prefix}*",
        f"arn:aws:ssm:*:*:parameter/{prefix}*",
        f"arn:aws:states:*:*:stateMachine:{prefix}*",
    ]
    qualifier = params.cdk_bootstrap_qualifier
    if qualifier is not None:
        # The bootstrap stack and its staging bucket: a file planted there under the hash of
        # a landing-zone asset would be deployed as the landing zone's code.
        arns += [
            f"arn:aws:cloudformation:*:*:stack/CDKToolkit-{qualifier}/*",
            f"arn:aws:s3:::cdk-{qualifier}-*",
        ]
    name = params.landing_zone_name
    if name is not None:
        arns += [
            # Core stacks in member accounts (log archive, security tooling, network): an
            # update runs the given template as the stack's exempt execution role.
            f"arn:aws:cloudformation:*:*:stack/{name}-*",
            f"arn:aws:cloudformation:*:*:stack/StackSet-{name}-*",
            f"arn:aws:kms:*:*:alias/{name}/*",
            f"arn:aws:ssm:*:*:parameter/{name}/landing-zone/*",
        ]
    return arns


def _landing_zone_stacks(params: GuardrailParameters) -> list[str]:
    prefix = params.landing_zone_role_prefix
    stacks = [f"{prefix}*", f"StackSet-{prefix}*"]
    if params.landing_zone_name is not None:
        stacks += [f"{params.landing_zone_name}-*", f"StackSet-{params.landing_zone_name}-*"]
    return stacks


def _protect_landing_zone_resources(params: GuardrailParameters) -> list[PolicyStatement]:
    # Exempt roles are the landing zone's hands; what it enforces, records and alerts with is
    # its eyes. Both are only as safe as the names nobody else may touch.
    return [
        deny_statement(
            "ProtectLandingZoneNamespace",
            action=_NAMESPACE_ACTIONS,
            resource=_namespace_arns(params),
            condition=_unless_landing_zone(params),
        ),
        # Taking the web ACL off a load balancer, API or distribution is authorized on that
        # resource, which the landing zone does not own: nobody but the landing zone may.
        deny_statement(
            "ProtectWebAclAssociations",
            action=("wafv2:DisassociateWebACL", "waf-regional:DisassociateWebACL"),
            condition=_unless_landing_zone(params),
        ),
        deny_statement(
            "ProtectLandingZoneStackResources",
            action=_STACK_RESOURCE_ACTIONS,
            condition={
                "StringLike": {
                    "aws:ResourceTag/aws:cloudformation:stack-name": _landing_zone_stacks(params)
                },
                **_unless_landing_zone(params),
            },
        ),
    ]


# --- protect-delegated-administration -------------------------------------------------------

_DELEGATED_ADMINISTRATION_ACTIONS = (
    "cloudformation:CreateStackInstances",
    "cloudformation:CreateStackSet",
    "cloudformation:DeleteStackInstances",
    "cloudformation:DeleteStackSet",
    "cloudformation:ImportStacksToStackSet",
    "cloudformation:StopStackSetOperation",
    "cloudformation:UpdateStackInstances",
    "cloudformation:UpdateStackSet",
    "config:PutConfigurationAggregator",
    "events:PutPermission",
    "events:RemovePermission",
    "inspector2:BatchUpdateMemberEc2DeepInspectionStatus",
    "inspector2:UpdateOrgEc2DeepInspectionConfiguration",
    "macie2:BatchUpdateAutomatedDiscoveryAccounts",
    "macie2:UpdateAutomatedDiscoveryConfiguration",
    "macie2:UpdateOrganizationConfiguration",
    "securityhub:CreateAutomationRuleV2",
    "securityhub:CreateConfigurationPolicy",
    "securityhub:DeleteAggregatorV2",
    "securityhub:DeleteFindingAggregator",
    "securityhub:StartConfigurationPolicyAssociation",
    "securityhub:UpdateAggregatorV2",
    "securityhub:UpdateAutomationRuleV2",
    "securityhub:UpdateFindingAggregator",
    "securityhub:UpdateSecurityControl",
)
"""What the delegated administrator account (security tooling) can do to every account at once:
service-managed StackSets (which run as an exempt execution role in every account), the event
bus permissions that let the management account's events in, central configuration policies
and aggregators of Security Hub, the organization Config aggregator, Inspector's and Macie's
organization settings."""


_ADDRESS_PLAN_ACTIONS = (
    "ec2:AssociateIpam*",
    "ec2:CreateIpam*",
    "ec2:DeleteIpam*",
    "ec2:DeprovisionIpam*",
    "ec2:DisableIpam*",
    "ec2:DisassociateIpam*",
    "ec2:EnableIpam*",
    "ec2:ModifyIpam*",
    "ec2:ProvisionIpam*",
    "ec2:ReleaseIpamPoolAllocation",
)
"""What the delegated IPAM administrator (the network account) can do to the organization's
address plan: create, change or delete the IPAM, its scopes, pools and resource discoveries,
provision or deprovision pool ranges (a range provisioned twice, or taken away, lets IPAM hand
out addresses another VPC holds), release a manual allocation, stop monitoring a resource's
range (``ModifyIpamResourceCidr``) or turn the organization integration on or off. Allocating
from a shared pool (``ec2:AllocateIpamPoolCidr``, what a VPC's creation takes) and reading stay
open. The ``Ipam`` wildcards match IPAM's own actions only (Service Authorization Reference,
Amazon EC2); ``DisableIpamOrganizationAdminAccount`` is the management account's call, which no
SCP governs, and is listed for the day another account may make it."""

_ADDRESS_PLAN_SHARE_ACTIONS = (
    "ram:AssociateResourceShare",
    "ram:DeleteResourceShare",
    "ram:DisassociateResourceShare",
    "ram:UpdateResourceShare",
)
"""Changing the landing zone's resource shares, recognized by their name
(``ram:ResourceShareName``, which the Service Authorization Reference lists for these four
actions): sharing a production pool with a sandbox OU, or taking a pool from the accounts whose
VPCs allocate from it. The permissions attached to a share (``AssociateResourceSharePermission``)
have no condition key that names the share and are not covered."""


# --- protect-address-plan ----------------------------------------------------------------------


def _protect_address_plan(params: GuardrailParameters) -> list[PolicyStatement]:
    unless_landing_zone = _unless_landing_zone(params)
    return [
        # Workload VPCs of the shapes find their pool by its description when they are created
        # (network.ipam.IpamPoolLookup): an IPAM or pool of a member account's own, or a pool
        # shared from one, could be found first. Allocating (what a VPC's creation from a pool
        # takes; the StackSets execution role is a landing-zone role) is the landing zone's too,
        # so no account drains a pool or takes a production range for a sandbox VPC.
        deny_statement(
            "OnlyLandingZoneAddressPools",
            action=(*_ADDRESS_PLAN_ACTIONS, "ec2:AllocateIpamPoolCidr"),
            condition=unless_landing_zone,
        ),
        # Any share of an IPAM pool but the landing zone's, which RAM names ec2:IpamPool in
        # ram:RequestedResourceType (RAM user guide, shareable resources).
        deny_statement(
            "OnlyLandingZoneSharesAddressPools",
            action=("ram:AssociateResourceShare", "ram:CreateResourceShare"),
            condition={
                "StringEquals": {"ram:RequestedResourceType": "ec2:IpamPool"},
                **unless_landing_zone,
            },
        ),
    ]


def _protect_delegated_administration(params: GuardrailParameters) -> list[PolicyStatement]:
    unless_landing_zone = _unless_landing_zone(params)
    statements = [
        deny_statement(
            "ProtectDelegatedAdministration",
            action=_DELEGATED_ADMINISTRATION_ACTIONS,
            condition=unless_landing_zone,
        ),
        deny_statement(
            "ProtectAddressPlan", action=_ADDRESS_PLAN_ACTIONS, condition=unless_landing_zone
        ),
        # RAM shares a pool by putting a resource policy on it; removing that policy unshares
        # it without touching the share (IPAM user guide, "Share an IPAM pool using AWS RAM").
        deny_statement(
            "ProtectAddressPoolPolicies",
            action=("ec2:DeleteResourcePolicy", "ec2:PutResourcePolicy"),
            resource="arn:aws:ec2::*:ipam-pool/*",
            condition=unless_landing_zone,
        ),
        deny_statement(
            "ProtectAddressPlanShares",
            action=_ADDRESS_PLAN_SHARE_ACTIONS,
            condition={
                "StringLike": {"ram:ResourceShareName": f"{params.landing_zone_role_prefix}*"},
                **unless_landing_zone,
            },
        ),
        # Sharing an IPAM pool through a share of one's own: protect-address-plan, which
        # validation requires at Root with network.ipam.
    ]
    if params.incident_response_account_id is not None:
        responders = {
            "ArnNotLike": {
                "aws:PrincipalArn": [
                    *params.landing_zone_role_arns,
                    # Identity Center puts its roles under this path (a region may follow).
                    *(
                        _role_arn(f"aws-reserved/sso.amazonaws.com/*AWSReservedSSO_{name}_*")
                        for name in params.incident_responder_permission_sets
                    ),
                ]
            }
        }
        prefix = params.landing_zone_role_prefix
        statements += [
            deny_statement(
                "ProtectResponseWorkflows",
                action=("states:StartExecution", "states:StartSyncExecution"),
                resource=f"arn:aws:states:*:*:stateMachine:{prefix}{RESPONSE_ROLE_SUFFIX}-*",
                condition=responders,
            ),
            # The schedules that expire blocks, run drills and remind of tabletops, and the
            # table of blocks to expire: other lz-* kinds the SCPs above do not name.
            deny_statement(
                "ProtectResponseSchedulesAndTables",
                action=(
                    "dynamodb:DeleteResourcePolicy",
                    "dynamodb:DeleteTable",
                    "dynamodb:PutResourcePolicy",
                    "dynamodb:RestoreTableToPointInTime",
                    "dynamodb:UpdateContinuousBackups",
                    "dynamodb:UpdateTable",
                    "scheduler:DeleteSchedule",
                    "scheduler:UpdateSchedule",
                ),
                resource=(
                    f"arn:aws:dynamodb:*:*:table/{prefix}*",
                    f"arn:aws:scheduler:*:*:schedule/*/{prefix}*",
                ),
                condition=_unless_landing_zone(params),
            ),
            deny_statement(
                "OnlyRespondersAnswerTasks",
                action=(
                    "states:SendTaskFailure",
                    "states:SendTaskHeartbeat",
                    "states:SendTaskSuccess",
                ),
                condition=responders,
            ),
        ]
    return statements


# --- keep-data-in-organization -------------------------------------------------------------

_EXTERNAL_SHARING_ACTIONS = (
    "ec2:CreateNetworkInterfacePermission",
    "ec2:ModifyFpgaImageAttribute",
    "ec2:ModifyImageAttribute",
    "ec2:ModifySnapshotAttribute",
    "ec2:ModifyVpcEndpointServicePermissions",
    "ecr:PutReplicationConfiguration",
    "logs:PutAccountPolicy",
    "rds:ModifyDBClusterSnapshotAttribute",
    "rds:ModifyDBSnapshotAttribute",
    "redshift:AuthorizeSnapshotAccess",
    "ssm:ModifyDocumentPermission",
)
"""Calls that share a resource with other accounts by id, with no condition key naming the
account (pattern of AWS's data perimeter governance SCP examples): snapshots, images and
documents, image replication to any registry, and account-wide log policies (a subscription
for every log group). Within the organization the landing zone shares what must be shared."""


def _keep_data_in_organization(params: GuardrailParameters) -> list[PolicyStatement]:
    statements = [
        deny_statement(
            "DenyResourceSharesWithOutsiders",
            action=("ram:CreateResourceShare", "ram:UpdateResourceShare"),
            condition={"Bool": {"ram:RequestedAllowsExternalPrincipals": "true"}},
        ),
        deny_statement(
            "DenySharingByAccountId",
            action=_EXTERNAL_SHARING_ACTIONS,
            condition=_unless_landing_zone(params),
        ),
        # Subscriptions to a destination (the way to another account) are the landing zone's;
        # a team's own subscriptions to its own function or stream stay possible.
        deny_statement(
            "DenyLogDestinations",
            action=(
                "logs:PutDestination",
                "logs:PutDestinationPolicy",
                "logs:PutSubscriptionFilter",
            ),
            resource="arn:aws:logs:*:*:destination:*",
            condition=_unless_landing_zone(params),
        ),
        # A function URL without IAM auth answers anyone on the internet.
        deny_statement(
            "DenyPublicFunctionUrls",
            action=(
                "lambda:AddPermission",
                "lambda:CreateFunctionUrlConfig",
                "lambda:UpdateFunctionUrlConfig",
            ),
            condition={"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
        ),
        # Copies to another Region: secrets replicas, multi-Region key replicas and backup
        # copies name the destination in the request (the copy calls of EC2 and RDS run in the
        # destination Region, which deny-unapproved-regions already covers).
        deny_statement(
            "DenyReplicasOutsideGovernedRegions",
            action=(
                "secretsmanager:CreateSecret",
                "secretsmanager:ReplicateSecretToRegions",
            ),
            condition={
                "ForAnyValue:StringNotEquals": {
                    "secretsmanager:AddReplicaRegions": sorted(params.governed_regions)
                }
            },
        ),
        deny_statement(
            "DenyKeyReplicasOutsideGovernedRegions",
            action="kms:ReplicateKey",
            condition={"StringNotEquals": {"kms:ReplicaRegion": sorted(params.governed_regions)}},
        ),
        deny_statement(
            "DenyBackupCopiesOutsideGovernedRegions",
            # The key is set on the copy itself (Service Authorization Reference, AWS Backup).
            action="backup:CopyFromBackupVault",
            condition={
                "ForAnyValue:ArnNotLike": {
                    "backup:CopyTargets": [
                        f"arn:aws:backup:{region}:*:backup-vault:*"
                        for region in sorted(params.governed_regions)
                    ]
                }
            },
        ),
    ]
    statements += _protect_incident_evidence(params)
    if params.organization_id is not None:
        # S3 replication writes as the replication role into the destination bucket: refuse a
        # bucket of another organization (aws:ResourceOrgID is the bucket owner's).
        statements.append(
            deny_statement(
                "DenyReplicationOutsideOrganization",
                action=("s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags"),
                condition={"StringNotEquals": {"aws:ResourceOrgID": params.organization_id}},
            )
        )
    return statements


def _protect_incident_evidence(params: GuardrailParameters) -> list[PolicyStatement]:
    # Evidence of an incident, and the containment itself, outlive every principal of the
    # account but the response role. EC2 snapshot ARNs have no account; aws:ResourceTag is
    # supported on snapshots, instances and security groups, and aws:TagKeys on CreateTags
    # (Service Authorization Reference, Amazon EC2).
    response_role = params.response_role_arn
    if response_role is None:
        return []
    snapshots = "arn:aws:ec2:*::snapshot/*"
    tagged = {"Null": {f"aws:ResourceTag/{FORENSIC_SNAPSHOT_TAG_KEY}": "false"}}
    not_response = {"ArnNotLike": {"aws:PrincipalArn": response_role}}
    return [
        # The snapshots the isolate-instance playbook takes: nobody deletes them, removes the
        # tag that protects them or shares them; the response role shares them (its own
        # policy: with the security tooling account only).
        deny_statement(
            "ProtectForensicSnapshots",
            action=("ec2:DeleteSnapshot", "ec2:DeleteTags", "ec2:ModifySnapshotAttribute"),
            resource=snapshots,
            condition={**tagged, **not_response},
        ),
        # Even the response role: a forensic snapshot goes to the security tooling account.
        deny_statement(
            "ShareForensicSnapshotsForAnalysisOnly",
            action="ec2:ModifySnapshotAttribute",
            resource=snapshots,
            condition={
                **tagged,
                "ForAnyValue:StringNotEquals": {
                    "ec2:Add/userId": str(params.incident_response_account_id)
                },
            },
        ),
        # An isolated instance stays isolated: its groups (ModifyInstanceAttribute), its
        # interfaces (attaching one; the groups of each, which the playbook tags too), its
        # instance profile and metadata options (credentials the revocation cut off), its
        # termination protection and its quarantine tags are the response role's to change,
        # and the instance is not terminated (its memory and disks are evidence). Rollback is
        # starting the playbook again with rollback: true.
        deny_statement(
            "KeepQuarantinedInstancesIsolated",
            action=(
                "ec2:AssociateIamInstanceProfile",
                "ec2:AttachNetworkInterface",
                "ec2:DeleteTags",
                "ec2:DisassociateIamInstanceProfile",
                "ec2:ModifyInstanceAttribute",
                "ec2:ModifyInstanceMetadataOptions",
                "ec2:ModifyNetworkInterfaceAttribute",
                "ec2:ReplaceIamInstanceProfileAssociation",
                "ec2:TerminateInstances",
            ),
            resource=("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:*:*:network-interface/*"),
            condition={
                "Null": {f"aws:ResourceTag/{QUARANTINED_INSTANCE_TAG_KEY}": "false"},
                **not_response,
            },
        ),
        # The quarantine groups keep the rules the playbook gave them (none, or all traffic
        # for the first step), and nobody else makes a group one.
        deny_statement(
            "ProtectQuarantineGroups",
            action=(
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:DeleteSecurityGroup",
                "ec2:DeleteTags",
                "ec2:ModifySecurityGroupRules",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
                "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
            ),
            resource="arn:aws:ec2:*:*:security-group/*",
            condition={
                "Null": {f"aws:ResourceTag/{QUARANTINE_GROUP_TAG_KEY}": "false"},
                **not_response,
            },
        ),
        deny_statement(
            "ResponseTagsAreTheResponses",
            action="ec2:CreateTags",
            condition={
                # Every tag the response puts (the execution, the instance of a snapshot too).
                "ForAnyValue:StringLike": {
                    "aws:TagKeys": [f"{RESPONSE_TAG_PREFIX}*", f"{FORENSIC_SNAPSHOT_TAG_KEY}*"]
                },
                **not_response,
            },
        ),
    ]


# --- require-encryption-at-rest ------------------------------------------------------------


def _require_encryption_at_rest(_: GuardrailParameters) -> list[PolicyStatement]:
    # Where the service has a condition key for it (S3 and DynamoDB always encrypt, and EBS
    # defaults are protected by deny-disable-ebs-default-encryption). Bool "false" denies an
    # explicit opt-out; ...IfExists also denies leaving it out where the default is clear text.
    return [
        # RDS sends the key for clusters only (Aurora, Multi-AZ DB clusters); a single DB
        # instance is left to the PCI DSS conformance pack's rds-storage-encrypted rule.
        deny_statement(
            "DenyUnencryptedDataStores",
            action=("rds:CreateDBCluster", "rds:RestoreDBClusterFromS3"),
            condition={"BoolIfExists": {"rds:StorageEncrypted": "false"}},
        ),
        deny_statement(
            "DenyUnencryptedFileSystems",
            action="elasticfilesystem:CreateFileSystem",
            condition={"BoolIfExists": {"elasticfilesystem:Encrypted": "false"}},
        ),
        deny_statement(
            "DenyUnencryptedVolumes",
            action="ec2:CreateVolume",
            condition={"Bool": {"ec2:Encrypted": "false"}},
        ),
        deny_statement(
            "DenyUnencryptedCaches",
            action="elasticache:CreateReplicationGroup",
            condition={"BoolIfExists": {"elasticache:AtRestEncryptionEnabled": "false"}},
        ),
    ]


# --- deny-disable-ebs-default-encryption ---------------------------------------------------


def _deny_disable_ebs_default_encryption(params: GuardrailParameters) -> list[PolicyStatement]:
    return [
        # No exemption: the landing zone never needs to turn default encryption off.
        deny_statement(
            "DenyDisableEbsDefaultEncryption", action="ec2:DisableEbsEncryptionByDefault"
        ),
        # Pointing the default at another key could make every new volume unreadable to its
        # owner or readable to the key's owner.
        deny_statement(
            "ProtectEbsDefaultKmsKey",
            action=("ec2:ModifyEbsDefaultKmsKeyId", "ec2:ResetEbsDefaultKmsKeyId"),
            condition=_unless_landing_zone(params),
        ),
    ]


# --- deny-all-except-landing-zone -------------------------------------------------------------


def _deny_all_except_landing_zone(params: GuardrailParameters) -> list[PolicyStatement]:
    # The landing-zone principals stay able to act: the StackSets execution role must delete
    # the baseline's stack instances when an account moves into a quarantine OU, and the
    # break-glass role must be able to investigate or clean up before the account is closed.
    return [
        deny_statement(
            "DenyAllExceptLandingZone", action="*", condition=_unless_landing_zone(params)
        )
    ]


# --- AI workloads: Bedrock ------------------------------------------------------------------


def _model_arns(models: Iterable[str]) -> list[str]:
    return [arn for model in sorted(models) for arn in model_arns(model, partition="aws")]


def _deny_bedrock_without_guardrail(params: GuardrailParameters) -> list[PolicyStatement]:
    # bedrock:GuardrailIdentifier holds the guardrail ARN, or ARN:version, of the request. The
    # approved guardrail's id differs in every account, so the SCP insists on a published
    # version (the ":*" after the id; the DRAFT has no number and can change any time) of a
    # guardrail of the calling account; protect-bedrock-controls keeps guardrails to the
    # landing zone, and IAM (grant_guarded_inference) pins the approved version.
    # StringNotLike is true when the key is missing: a request without a guardrail is denied
    # by the same statement. Policy variables in SCP conditions are *unverified* (IAM documents
    # them for condition values; the SCP syntax page does not mention them).
    exempt = params.guardrail_exempt_bedrock_models
    return [
        deny_statement(
            "DenyBedrockInferenceWithoutOwnGuardrailVersion",
            action=INFERENCE_ACTIONS,
            not_resource=_model_arns(exempt) if exempt else None,
            condition={
                "StringNotLike": {GUARDRAIL_CONDITION_KEY: account_guardrail_versions("aws")}
            },
        ),
        deny_statement(
            "DenyInferenceThatCannotCarryAGuardrail", action=UNGUARDABLE_INFERENCE_ACTIONS
        ),
    ]


def _protect_bedrock_controls(params: GuardrailParameters) -> list[PolicyStatement]:
    # Guardrails themselves too: otherwise an account admin could weaken the approved guardrail
    # or publish one that filters nothing, and the inference guardrail above would pass it.
    # And the training-data scans: cancelling the Macie job, no longer publishing its findings
    # to Security Hub, or a suppression rule (a findings filter that archives) would silence the
    # alert on personal data in training sets; so would removing the malware scans of the
    # training data and artifacts.
    return [
        deny_statement(
            "ProtectBedrockLoggingAndGuardrails",
            action=(
                "bedrock:CreateGuardrail",
                "bedrock:CreateGuardrailVersion",
                "bedrock:DeleteEnforcedGuardrailConfiguration",
                "bedrock:DeleteGuardrail",
                "bedrock:DeleteModelInvocationLoggingConfiguration",
                "bedrock:PutEnforcedGuardrailConfiguration",
                "bedrock:PutModelInvocationLoggingConfiguration",
                "bedrock:UpdateGuardrail",
                "guardduty:DeleteMalwareProtectionPlan",
                "guardduty:UpdateMalwareProtectionPlan",
                "macie2:CreateFindingsFilter",
                "macie2:PutFindingsPublicationConfiguration",
                "macie2:UpdateClassificationJob",
                "macie2:UpdateFindingsFilter",
            ),
            condition=_unless_landing_zone(params),
        )
    ]


def _deny_unapproved_bedrock_models(params: GuardrailParameters) -> list[PolicyStatement]:
    models = params.approved_bedrock_models
    if not models:
        return [deny_statement("DenyEveryBedrockModel", action=INFERENCE_ACTIONS)]
    return [
        deny_statement(
            "DenyUnapprovedBedrockModels",
            action=INFERENCE_ACTIONS,
            not_resource=_model_arns(models),
        )
    ]


# --- AI workloads: SageMaker ----------------------------------------------------------------

_SAGEMAKER_VOLUME_KEY_ACTIONS = (
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateAutoMLJobV2",
    "sagemaker:CreateDomain",
    "sagemaker:CreateEndpointConfig",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateLabelingJob",
    "sagemaker:CreateMonitoringSchedule",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateTransformJob",
)
_SAGEMAKER_OUTPUT_KEY_ACTIONS = (
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateAutoMLJobV2",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateLabelingJob",
    "sagemaker:CreateMonitoringSchedule",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateTransformJob",
)
_SAGEMAKER_VPC_ACTIONS = (
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateAutoMLJobV2",
    "sagemaker:CreateCluster",
    "sagemaker:CreateDataQualityJobDefinition",
    "sagemaker:CreateDomain",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateModel",
    "sagemaker:CreateModelBiasJobDefinition",
    "sagemaker:CreateModelExplainabilityJobDefinition",
    "sagemaker:CreateModelQualityJobDefinition",
    "sagemaker:CreateMonitoringSchedule",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:UpdateMonitoringSchedule",
)
"""Endpoints are not here: an endpoint runs in its model's VPC (CreateModel), and
CreateEndpointConfig takes no VPC of its own in the usual setup."""
_SAGEMAKER_INTER_CONTAINER_ACTIONS = (
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateAutoMLJobV2",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateMonitoringSchedule",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
)
"""The actions that support each condition key (Service Authorization Reference for SageMaker,
read through scrapes dated 2026-08 and 2026-10; the KMS keys are the ``...Arn`` ones that
replaced ``sagemaker:VolumeKmsKey`` and ``sagemaker:OutputKmsKey`` in 2026)."""

SAGEMAKER_LOCAL_STORAGE_INSTANCES = (
    "ml.*d.*",
    "ml.*dn.*",
    "ml.g5.*",
    "ml.g6.*",
    "ml.g6e.*",
    "ml.p5*",
    "ml.trn1*",
)
"""Instance types with local NVMe instance storage, for which SageMaker refuses a volume KMS
key (the storage is encrypted by the hardware): ``d`` and ``dn`` families (p4d, g4dn, m5d,
...), g5, g6, p5 and trn1. *Unverified* list; extend it where a job of such a type is denied."""


def _require_sagemaker_encryption_and_vpc(_: GuardrailParameters) -> list[PolicyStatement]:
    # Null "true": the request names no key or no subnets. A transform job runs in its model's
    # VPC, which CreateModel already requires.
    return [
        # ForAllValues:StringNotLike is true when no instance type of the request has local
        # storage (or none is named): those are the requests that must name a volume key.
        deny_statement(
            "DenySageMakerVolumesWithoutKmsKey",
            action=_SAGEMAKER_VOLUME_KEY_ACTIONS,
            condition={
                "Null": {"sagemaker:VolumeKmsKeyArn": "true"},
                "ForAllValues:StringNotLike": {
                    "sagemaker:InstanceTypes": SAGEMAKER_LOCAL_STORAGE_INSTANCES
                },
            },
        ),
        deny_statement(
            "DenySageMakerOutputsWithoutKmsKey",
            action=_SAGEMAKER_OUTPUT_KEY_ACTIONS,
            condition={"Null": {"sagemaker:OutputKmsKeyArn": "true"}},
        ),
        deny_statement(
            "DenySageMakerWithoutVpc",
            action=_SAGEMAKER_VPC_ACTIONS,
            condition={"Null": {"sagemaker:VpcSubnets": "true"}},
        ),
        # BoolIfExists is true when the key is missing: turning encryption off and leaving it
        # out (SageMaker's default is off) are both denied.
        deny_statement(
            "DenySageMakerWithoutInterContainerEncryption",
            action=_SAGEMAKER_INTER_CONTAINER_ACTIONS,
            condition={"BoolIfExists": {"sagemaker:InterContainerTrafficEncryption": "false"}},
        ),
    ]


def _deny_sagemaker_root_and_internet(_: GuardrailParameters) -> list[PolicyStatement]:
    # On create, StringNotEquals is true when the key is missing, and SageMaker defaults both
    # settings to Enabled and domains to PublicInternetOnly: leaving them out is denied too.
    # An update that leaves the setting alone keeps what create enforced (...IfExists).
    return [
        deny_statement(
            "DenySageMakerNotebookRootAccess",
            action="sagemaker:CreateNotebookInstance",
            condition={"StringNotEquals": {"sagemaker:RootAccess": "Disabled"}},
        ),
        deny_statement(
            "DenySageMakerNotebookRootAccessOnUpdate",
            action="sagemaker:UpdateNotebookInstance",
            condition={"StringNotEqualsIfExists": {"sagemaker:RootAccess": "Disabled"}},
        ),
        deny_statement(
            "DenySageMakerNotebookInternetAccess",
            action="sagemaker:CreateNotebookInstance",
            condition={"StringNotEquals": {"sagemaker:DirectInternetAccess": "Disabled"}},
        ),
        # Lifecycle configurations run as root whatever RootAccess says.
        deny_statement(
            "DenySageMakerNotebookLifecycleConfigs",
            action=("sagemaker:CreateNotebookInstance", "sagemaker:UpdateNotebookInstance"),
            condition={"Null": {"sagemaker:NotebookInstanceLifecycleConfigArns": "false"}},
        ),
        deny_statement(
            "DenySageMakerDomainInternetAccess",
            action="sagemaker:CreateDomain",
            condition={"StringNotEquals": {"sagemaker:AppNetworkAccessType": "VpcOnly"}},
        ),
        deny_statement(
            "DenySageMakerDomainInternetAccessOnUpdate",
            action="sagemaker:UpdateDomain",
            condition={"StringNotEqualsIfExists": {"sagemaker:AppNetworkAccessType": "VpcOnly"}},
        ),
    ]


GUARDRAILS: GuardrailCatalog[GuardrailParameters] = GuardrailCatalog(
    PolicyType.SERVICE_CONTROL_POLICY,
    (
        Guardrail(
            name="deny-leave-organization",
            threat=(
                "A compromised or rogue account administrator detaches the account from the "
                "organization, escaping every SCP, the organization trail and central billing."
            ),
            build=_deny_leave_organization,
        ),
        Guardrail(
            name="deny-root-user",
            threat=(
                "Stolen root credentials of a member account give unrestricted, hard-to-audit "
                "access; only centrally opened, task-scoped root sessions remain possible."
            ),
            build=_deny_root_user,
        ),
        # One guardrail for all detective services, not one per service: an OU where, say,
        # CloudTrail is protected but GuardDuty is not is a gap nobody would choose, and the
        # whole protection is well under half of one policy.
        Guardrail(
            name="protect-security-services",
            threat=(
                "An attacker who gained admin rights blinds detection before acting: stops "
                "CloudTrail or Config, disables GuardDuty, Security Hub, Inspector, Macie or "
                "Access Analyzer, or detaches the account from their delegated administrator."
            ),
            build=_protect_security_services,
        ),
        Guardrail(
            name="deny-unapproved-regions",
            threat=(
                "Workloads or an attacker use Regions outside the approved ones, breaking data "
                "residency and running where no detection or logging baseline is deployed."
            ),
            build=_deny_unapproved_regions,
        ),
        Guardrail(
            name="deny-iam-users-and-access-keys",
            threat=(
                "Long-lived IAM user passwords and access keys leak and are used from anywhere; "
                "people sign in through Identity Center and workloads use roles."
            ),
            build=_deny_iam_users_and_access_keys,
        ),
        Guardrail(
            name="protect-s3-block-public-access",
            threat=(
                "Someone turns off the account-level S3 Block Public Access setting, so a "
                "single bucket policy or ACL mistake exposes customer data to the internet."
            ),
            build=_protect_s3_block_public_access,
        ),
        Guardrail(
            name="require-imdsv2",
            threat=(
                "A server-side request forgery in an application reads instance role "
                "credentials from the IMDSv1 metadata endpoint."
            ),
            build=_require_imdsv2,
        ),
        Guardrail(
            name="protect-landing-zone-roles",
            threat=(
                "An account administrator edits, deletes, passes or impersonates the landing "
                "zone's own roles, which are exempt from the other guardrails, or invokes or "
                "changes a landing-zone function that runs as one."
            ),
            build=_protect_landing_zone_roles,
        ),
        Guardrail(
            name="protect-landing-zone-resources",
            threat=(
                "An account administrator silences or redirects what the landing zone "
                "enforces, records or alerts with: its stacks, alarms, event rules, topics, "
                "log groups and metric filters, key aliases and key policies, parameters, "
                "asset buckets, backup plans, network ACLs, endpoint policies and web ACLs."
            ),
            build=_protect_landing_zone_resources,
        ),
        Guardrail(
            name="protect-delegated-administration",
            threat=(
                "An administrator of the security tooling account, the delegated administrator "
                "of StackSets and the security services, deploys a StackSet that runs as an "
                "exempt role in every account, lets events in or out of the alert bus, or "
                "reconfigures Security Hub, Config, Inspector or Macie for the whole "
                "organization; or an administrator of the network account, the delegated IPAM "
                "administrator, changes the organization's IPAM, its pools or their RAM shares "
                "so that VPCs get overlapping ranges or ranges of another environment; for the "
                "OUs of the security tooling and network accounts."
            ),
            build=_protect_delegated_administration,
        ),
        Guardrail(
            name="protect-address-plan",
            threat=(
                "An account administrator creates an IPAM or pool of their own (or shares one) "
                "that a new workload VPC finds before the organization's, or allocates from the "
                "organization's pools: overlapping ranges, a production range in a sandbox, an "
                "exhausted pool that fails every new account's network."
            ),
            build=_protect_address_plan,
        ),
        Guardrail(
            name="keep-data-in-organization",
            threat=(
                "Data leaves the organization through a side door: snapshots, images or "
                "resource shares opened to other accounts, public function URLs, log "
                "subscriptions, or replicas and backup copies in ungoverned Regions or in "
                "another organization's buckets."
            ),
            build=_keep_data_in_organization,
        ),
        Guardrail(
            name="require-encryption-at-rest",
            threat=(
                "A database, file system, volume or cache holding cardholder data is created "
                "unencrypted, where the service lets a policy require encryption."
            ),
            build=_require_encryption_at_rest,
        ),
        Guardrail(
            name="deny-disable-ebs-default-encryption",
            threat=(
                "New EBS volumes and snapshots are created unencrypted, or encrypted under a "
                "key the organization does not control, after the account default is changed."
            ),
            build=_deny_disable_ebs_default_encryption,
        ),
        Guardrail(
            name="deny-all-except-landing-zone",
            threat=(
                "A suspended or compromised account keeps running workloads or is used again "
                "while it waits to be closed; for quarantine OUs such as Suspended."
            ),
            build=_deny_all_except_landing_zone,
        ),
        Guardrail(
            name="deny-bedrock-without-guardrail",
            threat=(
                "A prompt injection, a jailbreak or card data reaches a model, or a response "
                "leaks PII, because the caller skipped the guardrail or named another "
                "account's; for AI OUs."
            ),
            build=_deny_bedrock_without_guardrail,
        ),
        Guardrail(
            name="protect-bedrock-controls",
            threat=(
                "Someone turns off or redirects Bedrock model invocation logging, changes the "
                "account-level enforced guardrail, creates, weakens or deletes a guardrail, or "
                "cancels or suppresses the Macie scans of training data, or removes their "
                "malware scans, so prompts and responses go unrecorded or unguarded and "
                "personal data or malware in training sets goes unreported."
            ),
            build=_protect_bedrock_controls,
        ),
        Guardrail(
            name="deny-unapproved-bedrock-models",
            threat=(
                "Teams use foundation models that were never assessed (data use terms, "
                "residency, quality), directly or through cross-Region inference profiles."
            ),
            build=_deny_unapproved_bedrock_models,
        ),
        Guardrail(
            name="require-sagemaker-encryption-and-vpc",
            threat=(
                "Training data and model artifacts land on volumes and outputs under AWS "
                "owned keys, or jobs and models reach the internet outside the VPC and move "
                "data between containers in clear text."
            ),
            build=_require_sagemaker_encryption_and_vpc,
        ),
        Guardrail(
            name="deny-sagemaker-root-and-internet",
            threat=(
                "A notebook user with root access or direct internet access (or a Studio "
                "domain on the public internet) installs tools and exfiltrates training data."
            ),
            build=_deny_sagemaker_root_and_internet,
        ),
    ),
)
"""Every SCP guardrail, by name, in catalog order."""


def guardrail_statements(name: str, params: GuardrailParameters) -> list[PolicyStatement]:
    """Return the IAM statements of the SCP guardrail ``name``.

    :raises UnknownGuardrailError: if ``name`` is not in :data:`GUARDRAILS`.
    """
    return GUARDRAILS[name].statements(params)
