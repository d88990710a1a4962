"""IAM Identity Center permission sets with secure defaults.

``PermissionSet`` wraps ``AWS::SSO::PermissionSet``: one-hour sessions unless told otherwise and
never more than twelve, no ``AdministratorAccess`` and no wildcard grants in the inline policy
unless asked for by name, and a deny of :data:`SENSITIVE_ACTIONS` (or any other list) in sessions
without MFA.

A permission set is a template: Identity Center copies its policies into a role
``AWSReservedSSO_<name>_<suffix>`` in every account it is assigned to. So its policies must not
name the account or region of the stack that defines it (``AWS::AccountId``, ``AWS::Region``):
CloudFormation resolves them there, in the Identity Center account, not in the accounts the role
lives in. The synth-time check rejects them.

The validation functions are module-level, named ``validate_<prop>(field, value)``, so that the
config layer can run the same checks and report the config path in ``field``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import CfnTag, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sso as sso
from constructs import Construct, IValidation

from landing_zone.common import pseudo
from landing_zone.common.credentials import (
    IAM_IDENTITY_PROVIDER_ACTIONS,
    IAM_USER_CREDENTIAL_ACTIONS,
)
from landing_zone.common.patterns import PERMISSION_SET_NAME, is_https_url
from landing_zone.common.tokens import is_unresolved
from landing_zone.compliance.rules.iam_no_wildcard_actions import iam_no_wildcard_actions
from landing_zone.compliance.rules.resource import construct_view

MIN_SESSION_DURATION_HOURS = 1
MAX_SESSION_DURATION_HOURS = 12
"""Identity Center takes session durations from 1 to 12 hours (``CreatePermissionSet``)."""

MAX_MANAGED_POLICIES = 20
"""Most AWS managed and customer managed policies, together, a permission set may hold
(Identity Center quotas, not adjustable)."""

MAX_INLINE_POLICY_CHARACTERS = 10_240
"""Most non-whitespace characters of a permission set's inline policy (Identity Center quotas:
32,768 bytes in all, of which at most 10,240 non-whitespace)."""

ADMINISTRATOR_ACCESS = "AdministratorAccess"
"""The AWS managed policy that allows every action on every resource."""

MFA_DENY_SID = "DenySensitiveActionsWithoutMfa"
"""Sid of the statement that denies ``mfa_protected_actions`` in sessions without MFA."""

SENSITIVE_ACTIONS: tuple[str, ...] = (
    # Blinding detection and audit: the trail, the recorder and the detectors stop, flow logs
    # and log groups go.
    "cloudtrail:DeleteTrail",
    "cloudtrail:StopLogging",
    "config:DeleteConfigurationRecorder",
    "config:StopConfigurationRecorder",
    "ec2:DeleteFlowLogs",
    "guardduty:DeleteDetector",
    "logs:DeleteLogGroup",
    "securityhub:DisableSecurityHub",
    # Standing credentials and privilege escalation: long-lived keys and passwords, MFA removed,
    # boundaries lifted or swapped, role trust opened.
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:CreateUser",
    "iam:DeactivateMFADevice",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutRolePermissionsBoundary",
    "iam:UpdateAssumeRolePolicy",
    # Keys: data under a disabled or deleted key is unreadable; a key policy decides who reads.
    "kms:DisableKey",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    # The organization's guardrails: SCPs rewritten, attached, removed or switched off, an
    # account moved out from under its OU's SCPs or out of the organization, an OU renamed or
    # deleted, trusted access or delegated administration handed to another account. Writing a
    # policy is as weakening as detaching one (an UpdatePolicy to Allow */* switches an SCP off),
    # so every Organizations write that can change what a guardrail covers is gated alike.
    "organizations:AttachPolicy",
    "organizations:CreatePolicy",
    "organizations:DeleteOrganizationalUnit",
    "organizations:DeletePolicy",
    "organizations:DeleteResourcePolicy",
    "organizations:DeregisterDelegatedAdministrator",
    "organizations:DetachPolicy",
    "organizations:DisableAWSServiceAccess",
    "organizations:DisablePolicyType",
    "organizations:EnableAWSServiceAccess",
    "organizations:EnablePolicyType",
    "organizations:LeaveOrganization",
    "organizations:MoveAccount",
    "organizations:PutResourcePolicy",
    "organizations:RegisterDelegatedAdministrator",
    "organizations:RemoveAccountFromOrganization",
    "organizations:UpdateOrganizationalUnit",
    "organizations:UpdatePolicy",
    # Buckets: deleted, made public, unlocked, or emptied by a lifecycle rule that expires
    # every object (irreversible once it runs).
    "s3:BypassGovernanceRetention",
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutLifecycleConfiguration",
    # Recovery points and databases: gone for good.
    "backup:DeleteBackupVaultLockConfiguration",
    "backup:DeleteRecoveryPoint",
    "dynamodb:DeleteTable",
    "ec2:DisableEbsEncryptionByDefault",
    "rds:DeleteDBCluster",
    "rds:DeleteDBInstance",
    "secretsmanager:DeleteSecret",
)
"""Irreversible or security-weakening actions, each named (no wildcards), that the job
functions reserve to sessions with MFA (see ``PermissionSet``'s ``mfa_protected_actions``)."""

LONG_LIVED_CREDENTIAL_ACTIONS: tuple[str, ...] = (
    *IAM_USER_CREDENTIAL_ACTIONS,
    *IAM_IDENTITY_PROVIDER_ACTIONS,
)
"""Actions that mint credentials or identity providers outside IAM Identity Center, denied
outright (MFA or not) by every job function but break glass (``Fintech`` escape 11: persistence
through long-lived credentials). Action names from the IAM service authorization reference
(actions defined by AWS Identity and Access Management)."""

_INSTANCE_ARN = re.compile(r"arn:aws[a-z-]*:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}")
_DESCRIPTION = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]{1,700}")
_POLICY_NAME = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)
_MANAGED_POLICY_NAME = re.compile(r"([\w+=,.@-]+/)*[\w+=,.@-]{1,128}", re.ASCII)
_POLICY_PATH = re.compile(r"(/[A-Za-z0-9.,+@=_-]+)*/")
_TAG_KEY = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)
_TAG_VALUE = re.compile(r"[\w+=,.@-]{0,256}", re.ASCII)
_ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z0-9*?]+")
_MAX_TAGS = 50
_MAX_RELAY_STATE = 240

_LONGEST_PSEUDO_PARAMETERS = {"AWS::Partition": "aws-us-gov", "AWS::URLSuffix": "amazonaws.com.cn"}
"""The longest value each pseudo parameter a permission set's policy may use can take, for the
size check; any other reference has a length unknown at synth."""
_STACK_BOUND_PSEUDO_PARAMETERS = ("AWS::AccountId", "AWS::Region", "AWS::StackId", "AWS::StackName")


@dataclass(frozen=True)
class CustomerManagedPolicy:
    """A reference to a customer managed policy that must exist, under this name and path, in
    every account the permission set is assigned to (Identity Center does not create it)."""

    name: str
    path: str = "/"


class PermissionSet(Construct):
    """An IAM Identity Center permission set (``AWS::SSO::PermissionSet``).

    Verified at synth:

    - ``session_duration`` is 1 to 12 hours in whole minutes, written as an ISO-8601 duration
      (``PT1H``, ``PT1H30M``), which the ``Fintech-PermissionSetSessionDuration`` rule reads.
    - At most 20 managed policies (AWS and customer managed together), Identity Center's quota.
      IAM's own default quota is 10 managed policies per role: Identity Center copies them into
      a role in each assigned account, so above 10 the quota "Managed policies attached to an
      IAM role" must be raised in every such account first, or provisioning fails there.
    - ``AdministratorAccess`` only with ``allow_administrator_access=True``; the inline policy
      allows no ``*``, no whole service (``s3:*``) and no ``NotAction`` unless the same flag is
      set, checked with the ``Fintech-IAMNoWildcardActions`` rule itself. The flag only lifts
      this construct's refusal: the rule still reports an inline wildcard, to be acknowledged
      beside the permission set with a reason.
    - The inline policy is an identity policy (no principals) and, when every reference in it
      has a known longest value (``AWS::Partition``, ``AWS::URLSuffix``), at most 10,240
      non-whitespace characters of minified JSON; it names neither ``AWS::AccountId`` nor
      ``AWS::Region`` (see the module docstring).

    MFA (``mfa_protected_actions``): when the list is not empty, a statement
    ``DenySensitiveActionsWithoutMfa`` is appended to the inline policy, denying those actions
    on every resource when ``aws:MultiFactorAuthPresent`` is false or absent (``BoolIfExists``).
    It fails closed. Unverified against a live account: sessions opened through Identity Center
    are SAML-federated role sessions, and these are understood to carry
    ``aws:MultiFactorAuthPresent`` false or not at all, even when the user passed MFA at the
    access portal. Either way the deny applies, so in Identity Center sessions these actions are
    effectively reserved to sessions that do carry MFA (an IAM role assumed with an MFA token);
    the control for signing in to the portal itself is Identity Center's MFA setting (every
    sign-in). Actions a session performs through a role it assumes, such as CloudFormation
    through the CDK deploy role, are judged by that role's policies, not by this deny.

    Not verified here: that the customer managed policies and permissions boundary exist in the
    assigned accounts (provisioning fails where one is missing); that IAM accepts each action
    name; what AWS managed policies allow.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        instance_arn: str,
        name: str,
        description: str | None = None,
        session_duration: Duration | None = None,
        aws_managed_policies: Sequence[str] = (),
        customer_managed_policies: Sequence[CustomerManagedPolicy] = (),
        inline_policy: iam.PolicyDocument | None = None,
        permissions_boundary: str | CustomerManagedPolicy | None = None,
        relay_state: str | None = None,
        tags: Mapping[str, str] | None = None,
        mfa_protected_actions: Sequence[str] = (),
        allow_administrator_access: bool = False,
    ) -> None:
        """
        :param instance_arn: ARN of the IAM Identity Center instance.
        :param name: Name of the permission set, 1 to 32 letters, digits or ``+=,.@_-``; the
            roles in the accounts are named after it. Changing it replaces the permission set.
        :param description: What the permission set is for, up to 700 characters (ASCII and
            Latin-1). Default: none.
        :param session_duration: How long an account session lasts before the user signs in
            again, 1 to 12 hours in whole minutes. Default: 1 hour.
        :param aws_managed_policies: AWS managed policies by name, with their path if any
            (``ReadOnlyAccess``, ``job-function/ViewOnlyAccess``). Default: none.
        :param customer_managed_policies: Customer managed policies, by name and path, that
            exist in every assigned account. Default: none.
        :param inline_policy: The permission set's own policy. It is copied: statements added
            to the document afterwards are not seen. Default: none.
        :param permissions_boundary: The most the roles may ever do: an AWS managed policy name
            or a customer managed policy. Default: none.
        :param relay_state: An https:// URL of the console where users land, up to 240
            characters. Default: the console home.
        :param tags: Tags of the permission set (keys and values of letters, digits and
            ``+=,.@_-``). Default: none.
        :param mfa_protected_actions: Actions denied in sessions without MFA, such as
            :data:`SENSITIVE_ACTIONS`. Default: none.
        :param allow_administrator_access: Allow ``AdministratorAccess`` and wildcard grants in
            the inline policy; for break-glass access only. Default: off.
        """
        super().__init__(scope, construct_id)
        self.name = validate_permission_set_name("name", name)
        """The permission set's name."""
        managed = validate_aws_managed_policies(
            "aws_managed_policies",
            aws_managed_policies,
            allow_administrator_access=allow_administrator_access,
        )
        customer = validate_customer_managed_policies(
            "customer_managed_policies", customer_managed_policies
        )
        if len(managed) + len(customer) > MAX_MANAGED_POLICIES:
            raise ValueError(
                "aws_managed_policies, customer_managed_policies: got "
                f"{len(managed) + len(customer)} policies; allowed: at most "
                f"{MAX_MANAGED_POLICIES} together (Identity Center quota)"
            )
        protected = validate_actions("mfa_protected_actions", mfa_protected_actions)
        document = _inline_document(inline_policy, protected)

        self.permission_set = sso.CfnPermissionSet(
            self,
            "Resource",
            instance_arn=validate_instance_arn("instance_arn", instance_arn),
            name=self.name,
            description=(
                None if description is None else validate_description("description", description)
            ),
            session_duration=validate_session_duration(
                "session_duration",
                Duration.hours(MIN_SESSION_DURATION_HOURS)
                if session_duration is None
                else session_duration,
            ),
            managed_policies=[_aws_managed_policy_arn(policy) for policy in managed] or None,
            customer_managed_policy_references=[_reference(policy) for policy in customer] or None,
            inline_policy=None if document.is_empty else document,
            permissions_boundary=_boundary(permissions_boundary),
            relay_state_type=(
                None if relay_state is None else validate_relay_state("relay_state", relay_state)
            ),
            tags=[CfnTag(key=key, value=value) for key, value in validate_tags("tags", tags)]
            or None,
        )
        """The ``AWS::SSO::PermissionSet``."""
        self.arn = self.permission_set.attr_permission_set_arn
        """The permission set's ARN, for account assignments."""

        if not allow_administrator_access:
            findings = iam_no_wildcard_actions(construct_view(self.permission_set))
            if isinstance(findings, list):
                raise ValueError(
                    f"inline_policy: allows {', '.join(findings)}; allowed: named actions "
                    "(no '*', no 'service:*', no NotAction in an Allow) unless "
                    "allow_administrator_access=True"
                )
        self.node.add_validation(_InlinePolicyCheck(self.permission_set))


def validate_instance_arn(field: str, value: str) -> str:
    """``value`` if it is an IAM Identity Center instance ARN, or a token."""
    if not isinstance(value, str):
        raise ValueError(f"{field}: got {value!r}; allowed: an Identity Center instance ARN")
    if not is_unresolved(value) and not _INSTANCE_ARN.fullmatch(value):
        raise ValueError(
            f"{field}: got {value!r}; allowed: an Identity Center instance ARN such as "
            "'arn:aws:sso:::instance/ssoins-1234567890abcdef'"
        )
    return value


def validate_permission_set_name(field: str, value: str) -> str:
    """``value`` if Identity Center accepts it as a permission set name, known at synth."""
    if not isinstance(value, str) or not PERMISSION_SET_NAME.fullmatch(value):
        raise ValueError(
            f"{field}: got {value!r}; allowed: 1 to 32 letters, digits or '+=,.@_-', known at synth"
        )
    return value


def validate_description(field: str, value: str) -> str:
    """``value`` if Identity Center accepts it as a permission set description."""
    if not isinstance(value, str) or not _DESCRIPTION.fullmatch(value):
        raise ValueError(
            f"{field}: got {value!r}; allowed: 1 to 700 characters, printable ASCII, Latin-1, "
            "tabs and line breaks"
        )
    return value


def validate_session_duration(field: str, value: Duration) -> str:
    """The ISO-8601 form (``PT1H``, ``PT1H30M``) of ``value`` if it is 1 to 12 hours in whole
    minutes and known at synth."""
    if not isinstance(value, Duration) or value.is_unresolved():
        raise ValueError(f"{field}: got {value!r}; allowed: a Duration known at synth")
    seconds = value.to_seconds(integral=False)
    low, high = MIN_SESSION_DURATION_HOURS * 3600, MAX_SESSION_DURATION_HOURS * 3600
    if not low <= seconds <= high or seconds % 60:
        raise ValueError(
            f"{field}: got {value.to_human_string()}; allowed: {MIN_SESSION_DURATION_HOURS} to "
            f"{MAX_SESSION_DURATION_HOURS} hours in whole minutes (Identity Center's range)"
        )
    hours, minutes = divmod(int(seconds) // 60, 60)
    return f"PT{hours}H" + (f"{minutes}M" if minutes else "")


def validate_aws_managed_policies(
    field: str, values: Sequence[str], *, allow_administrator_access: bool = False
) -> tuple[str, ...]:
    """Distinct AWS managed policy names; ``AdministratorAccess`` only when allowed."""
    names = _distinct(field, values)
    for index, name in enumerate(names):
        _validate_aws_managed_policy_name(f"{field}[{index}]", name)
        if name == ADMINISTRATOR_ACCESS and not allow_administrator_access:
            raise ValueError(
                f"{field}[{index}]: got {name!r}; allowed: any AWS managed policy but "
                f"{ADMINISTRATOR_ACCESS}, which needs allow_administrator_access=True "
                "(break-glass access only)"
            )
    return names


def validate_customer_managed_policies(
    field: str, values: Sequence[CustomerManagedPolicy]
) -> tuple[CustomerManagedPolicy, ...]:
    """Distinct references with names and paths IAM accepts."""
    policies = _distinct(field, values)
    for index, policy in enumerate(policies):
        _validate_customer_managed_policy(f"{field}[{index}]", policy)
    return policies


def validate_relay_state(field: str, value: str) -> str:
    """``value`` if it is an https:// URL of at most 240 characters."""
    if not isinstance(value, str) or len(value) > _MAX_RELAY_STATE or not is_https_url(value):
        raise ValueError(
            f"{field}: got {value!r}; allowed: an https:// URL of at most {_MAX_RELAY_STATE} "
            "characters, such as 'https://console.aws.amazon.com/cloudwatch/home'"
        )
    return value


def validate_tags(field: str, value: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    """The tags as sorted pairs, if Identity Center accepts each key and value."""
    tags = dict(value or {})
    if len(tags) > _MAX_TAGS:
        raise ValueError(f"{field}: got {len(tags)} tags; allowed: at most {_MAX_TAGS}")
    for key, tag_value in tags.items():
        if not isinstance(key, str) or not _TAG_KEY.fullmatch(key) or key.startswith("aws:"):
            raise ValueError(
                f"{field}: got the key {key!r}; allowed: 1 to 128 letters, digits or '+=,.@_-', "
                "not "
                "starting with 'aws:'"
            )
        if not isinstance(tag_value, str) or not _TAG_VALUE.fullmatch(tag_value):
            raise ValueError(
                f"{field}[{key!r}]: got {tag_value!r}; allowed: up to 256 letters, digits or "
                "'+=,.@_-'"
            )
    return tuple(sorted(tags.items()))


def validate_actions(field: str, values: Sequence[str]) -> tuple[str, ...]:
    """Distinct IAM actions written ``service:Action`` (wildcards allowed in the action)."""
    actions = _distinct(field, values)
    for index, action in enumerate(actions):
        if not isinstance(action, str) or not _ACTION.fullmatch(action):
            raise ValueError(
                f"{field}[{index}]: got {action!r}; allowed: an IAM action such as "
                "'kms:ScheduleKeyDeletion'"
            )
    return actions


def _validate_aws_managed_policy_name(field: str, value: str) -> None:
    if not isinstance(value, str) or not _MANAGED_POLICY_NAME.fullmatch(value):
        raise ValueError(
            f"{field}: got {value!r}; allowed: an AWS managed policy name with its path, not "
            "its ARN, such as 'ReadOnlyAccess' or 'job-function/ViewOnlyAccess'"
        )


def _validate_customer_managed_policy(field: str, value: CustomerManagedPolicy) -> None:
    if not isinstance(value, CustomerManagedPolicy):
        raise ValueError(f"{field}: got {value!r}; allowed: a CustomerManagedPolicy")
    if not isinstance(value.name, str) or not _POLICY_NAME.fullmatch(value.name):
        raise ValueError(
            f"{field}.name: got {value.name!r}; allowed: 1 to 128 letters, digits or '+=,.@_-'"
        )
    if not isinstance(value.path, str) or not (
        len(value.path) <= 512 and _POLICY_PATH.fullmatch(value.path)
    ):
        raise ValueError(
            f"{field}.path: got {value.path!r}; allowed: '/' or '/a/b/', up to 512 characters"
        )


def _distinct(field: str, values: Sequence[Any]) -> tuple[Any, ...]:
    if isinstance(values, str):
        raise ValueError(f"{field}: got the string {values!r}; allowed: a list")
    duplicates = sorted({str(value) for value in values if list(values).count(value) > 1})
    if duplicates:
        raise ValueError(f"{field}: {duplicates} appear more than once; allowed: each once")
    return tuple(values)


def _aws_managed_policy_arn(name: str) -> str:
    return f"arn:{pseudo.PARTITION}:iam::aws:policy/{name}"


def _reference(
    policy: CustomerManagedPolicy,
) -> sso.CfnPermissionSet.CustomerManagedPolicyReferenceProperty:
    return sso.CfnPermissionSet.CustomerManagedPolicyReferenceProperty(
        name=policy.name, path=policy.path
    )


def _boundary(
    value: str | CustomerManagedPolicy | None,
) -> sso.CfnPermissionSet.PermissionsBoundaryProperty | None:
    if value is None:
        return None
    if isinstance(value, CustomerManagedPolicy):
        _validate_customer_managed_policy("permissions_boundary", value)
        return sso.CfnPermissionSet.PermissionsBoundaryProperty(
            customer_managed_policy_reference=_reference(value)
        )
    _validate_aws_managed_policy_name("permissions_boundary", value)
    return sso.CfnPermissionSet.PermissionsBoundaryProperty(
        managed_policy_arn=_aws_managed_policy_arn(value)
    )


def _inline_document(
    inline_policy: iam.PolicyDocument | None, mfa_protected_actions: Sequence[str]
) -> iam.PolicyDocument:
    """A copy of ``inline_policy`` with the MFA deny appended when there are actions to
    protect."""
    statements: list[iam.PolicyStatement] = []
    if inline_policy is not None:
        errors = inline_policy.validate_for_identity_policy()
        if errors:
            raise ValueError(
                f"inline_policy: {'; '.join(errors)}; allowed: an identity policy (statements "
                "with actions and resources, no principals)"
            )
        statements = [
            iam.PolicyStatement.from_json(statement)
            for statement in inline_policy.to_json().get("Statement", [])
        ]
    if mfa_protected_actions:
        statements.append(
            iam.PolicyStatement(
                sid=MFA_DENY_SID,
                effect=iam.Effect.DENY,
                actions=list(mfa_protected_actions),
                resources=["*"],
                conditions={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            )
        )
    return iam.PolicyDocument(statements=statements)


class _UnknownLengthError(Exception):
    """A reference whose value, hence length, is unknown at synth."""


@jsii.implements(IValidation)
class _InlinePolicyCheck:
    """At synth, on the resolved inline policy: no stack-bound pseudo parameters, and the
    non-whitespace size within Identity Center's quota when every reference has a known
    longest value."""

    def __init__(self, resource: sso.CfnPermissionSet) -> None:
        self._resource = resource

    def validate(self) -> list[str]:
        if self._resource.inline_policy is None:
            return []
        document = Stack.of(self._resource).resolve(self._resource.inline_policy)
        text = json.dumps(document, separators=(",", ":"))
        bound = [name for name in _STACK_BOUND_PSEUDO_PARAMETERS if f'"Ref":"{name}"' in text]
        if bound:
            return [
                f"inline_policy: refers to {', '.join(bound)}, which CloudFormation resolves in "
                "the Identity Center stack, not in the accounts the permission set is assigned "
                "to; allowed: literal values or IAM policy variables"
            ]
        try:
            rendered = json.dumps(_longest(document), separators=(",", ":"))
        except _UnknownLengthError:
            return []
        size = sum(not character.isspace() for character in rendered)
        if size > MAX_INLINE_POLICY_CHARACTERS:
            return [
                f"inline_policy: got {size} non-whitespace characters (with the longest "
                f"partition name); allowed: at most {MAX_INLINE_POLICY_CHARACTERS} (Identity "
                "Center quota)"
            ]
        return []


def _longest(value: Any) -> Any:
    """``value`` with each intrinsic replaced by the longest text it can yield."""
    if isinstance(value, list):
        return [_longest(item) for item in value]
    if not isinstance(value, dict):
        return value
    if list(value) == ["Ref"] and value["Ref"] in _LONGEST_PSEUDO_PARAMETERS:
        return _LONGEST_PSEUDO_PARAMETERS[value["Ref"]]
    if list(value) == ["Fn::Join"]:
        delimiter, parts = value["Fn::Join"]
        return str(delimiter).join(str(_longest(part)) for part in parts)
    if any(key == "Ref" or key.startswith("Fn::") for key in value):
        raise _UnknownLengthError(value)
    return {key: _longest(item) for key, item in value.items()}
