"""The response role of every account: what the incident-response workflows act through.

The workflows run in the security-tooling account (home region) and act in a finding's own
account by assuming ``<prefix>response`` there (the Task ``Credentials`` field, or the
regional-call Lambda for other regions). The role lives in the baseline StackSet, so every
account of the targeted OUs has it, created once per account (IAM is global) by the stack
instance of one region.

Who may assume it: exactly the execution roles ``<prefix>response-<workflow>`` of
``ACTING_WORKFLOWS`` and the regional-call Lambda's role ``<prefix>response-regional-call`` in
the security-tooling account, and only from inside the organization. What it may do: exactly
the calls the playbooks make, each statement below says which; never on the landing zone's own
roles, its buckets, or Identity Center's roles.

Protection comes from its name: the guardrail ``protect-landing-zone-roles`` denies everyone
but the landing zone's roles changing, deleting, passing or re-trusting ``<prefix>*`` roles, and
the execution roles are ``<prefix>*`` roles too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from aws_cdk import Acknowledgment, CfnCondition, CfnResource, Token, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.patterns import ACCOUNT_ID, ORGANIZATION_ID
from landing_zone.organization.guardrails import FORENSIC_SNAPSHOT_TAG_KEY, RESPONSE_ROLE_SUFFIX
from landing_zone.response.playbooks.isolate_instance import (
    EXECUTION_TAG,
    GROUP_TAG,
    QUARANTINE_TAG,
)

ACTING_WORKFLOWS: Final[tuple[str, ...]] = (
    "isolate-instance",
    "contain-credentials",
    "block-network-actor",
    "s3-exfiltration",
    "ip-expiry",
    "drill",
)
"""The workflows (state machines ``<prefix>response-<name>``, each with an execution role of the
same name) that act in member accounts through the response role. ``root-use`` only pages or
tickets and the drill checker only reads executions: neither may assume it."""

REGIONAL_CALL: Final = "regional-call"
"""The Lambda function (and role) ``<prefix>response-regional-call`` that makes a workflow's
call in a region other than the home region, as the response role of the finding's account."""

RESPONSE_ROLE_NAME: Final = RESPONSE_ROLE_SUFFIX
"""The response role is ``<prefix>response``; the workflows' roles ``<prefix>response-<name>``."""

FORENSIC_TAG_KEY: Final = FORENSIC_SNAPSHOT_TAG_KEY
"""Tag key (``lz-forensic-finding``, value: the finding id) the isolate-instance playbook puts
on every forensic snapshot. The guardrail ``keep-data-in-organization`` protects snapshots
carrying it, and the response role may create snapshots only with it."""

ROLLBACK_TAG_KEYS: Final = (QUARANTINE_TAG, EXECUTION_TAG)
"""The instance tags the isolate-instance playbook puts and its rollback removes."""

_PREFIX = re.compile(r"[A-Za-z0-9+=,.@_-]{1,32}")
_ROLE_ARN_PATTERN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}|\*):role/[A-Za-z0-9_+=,.@*/-]{1,512}")
_BUCKET_PATTERN = re.compile(r"[a-z0-9.*-]{2,63}")


def response_role_name(prefix: str) -> str:
    """``<prefix>response``: the role of every account the workflows act through."""
    return f"{prefix}{RESPONSE_ROLE_NAME}"


def execution_role_name(prefix: str, workflow: str) -> str:
    """``<prefix>response-<workflow, '_' as '-'>``: a workflow's execution role (or the regional
    call's); its state machine, policy and log group, and every other resource of the response
    (``<prefix>response-ip-blocks``, ...) are named the same way."""
    return f"{response_role_name(prefix)}-{workflow.replace('_', '-')}"


def trusted_role_names(prefix: str) -> tuple[str, ...]:
    """Every role the response role trusts, in the security-tooling account."""
    return tuple(execution_role_name(prefix, w) for w in (*ACTING_WORKFLOWS, REGIONAL_CALL))


class ResponseRole(Construct):
    """The role ``<prefix>response`` that incident-response workflows assume in an account.

    Trust: the account of the security-tooling workflows as principal, narrowed by
    ``aws:PrincipalArn`` to exactly the execution roles of ``ACTING_WORKFLOWS`` and of the
    regional call (``trusted_role_names``), and by ``aws:PrincipalOrgID``. The role ARNs are in
    a condition rather than in ``Principal``: IAM refuses a trust policy whose principal role
    does not exist yet (the baseline is deployed before the security-tooling stack creates the
    workflows), and it stores a named principal as the role's unique id, so a workflow role
    created again would silently lose its access. ``aws:PrincipalArn`` compares the role ARN
    itself (IAM User Guide, "AWS global condition context keys"), and no one but the landing
    zone may create a ``<prefix>*`` role (guardrail ``protect-landing-zone-roles``).

    Permissions (the managed policy ``<prefix>response``, protected like the role): the
    playbooks' calls listed statement by statement, in this account only; explicit denies keep
    it off ``protected_role_arns``, itself and ``protected_bucket_names``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        security_tooling_account_id: str,
        organization_id: str,
        role_name_prefix: str = "lz-",
        drill_account_id: str | None = None,
        protected_role_arns: Sequence[str] = (),
        protected_bucket_names: Sequence[str] = (),
        condition: CfnCondition | None = None,
    ) -> None:
        """
        :param security_tooling_account_id: The account whose workflows assume the role.
        :param organization_id: ``aws:PrincipalOrgID`` the workflows' sessions must carry.
        :param role_name_prefix: The guardrails' ``landing_zone_role_prefix``: the role is
            ``<prefix>response``, its callers ``<prefix>response-<workflow>``. Default ``lz-``.
        :param drill_account_id: The fire-drill account, the only one where the role may
            generate GuardDuty sample findings. Default: none, no account may.
        :param protected_role_arns: ARN patterns of roles whose inline policies the role must
            never touch when it revokes sessions (the guardrails' landing-zone roles, deployment
            and break-glass roles, the protected pipeline roles). ``arn:<partition>:iam::*:role/
            <prefix>*`` (itself and the workflows' roles), Identity Center's ``aws-reserved``
            roles and service-linked roles are always denied. Default: nothing more.
        :param protected_bucket_names: Bucket name patterns (``*`` allowed) whose policies the
            role must never change: the landing zone's log and asset buckets. ``<prefix>*`` is
            always denied. Default: nothing more.
        :param condition: Deploy-time condition under which the role exists, for a template
            deployed to several regions of one account (IAM names are global): the region
            that creates the account's global resources. Default: none, always created.
        """
        super().__init__(scope, construct_id)
        _check("security_tooling_account_id", security_tooling_account_id, ACCOUNT_ID)
        _check("organization_id", organization_id, ORGANIZATION_ID)
        _check("role_name_prefix", role_name_prefix, _PREFIX)
        if drill_account_id is not None:
            _check("drill_account_id", drill_account_id, ACCOUNT_ID)
        if isinstance(protected_role_arns, str) or isinstance(protected_bucket_names, str):
            raise TypeError("protected_role_arns, protected_bucket_names: expected lists")
        for arn in protected_role_arns:
            _check("protected_role_arns", arn, _ROLE_ARN_PATTERN)
        for name in protected_bucket_names:
            _check("protected_bucket_names", name, _BUCKET_PATTERN)

        # At most 32 characters: the longest name it gives (<prefix>response-contain-
        # credentials) stays within IAM's 64.
        self.role_name = response_role_name(role_name_prefix)
        self.trusted_role_arns = tuple(
            f"arn:{pseudo.PARTITION}:iam::{security_tooling_account_id}:role/{name}"
            for name in trusted_role_names(role_name_prefix)
        )
        self.role = iam.Role(
            self,
            "Resource",
            role_name=self.role_name,
            description=(
                "Incident response: the security-tooling workflows contain findings in this "
                "account through this role"
            ),
            assumed_by=iam.AccountPrincipal(security_tooling_account_id).with_conditions(
                {
                    "ArnEquals": {"aws:PrincipalArn": list(self.trusted_role_arns)},
                    "StringEquals": {"aws:PrincipalOrgID": organization_id},
                }
            ),
        )
        # A managed policy rather than an inline one (PCI DSS and NIST packs): named under the
        # prefix, so the guardrail protect-landing-zone-roles keeps everyone else from writing
        # a new version of it.
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=self.role_name,
            description="What the incident-response playbooks do in this account",
            document=iam.PolicyDocument(
                statements=_statements(
                    role_name_prefix,
                    security_tooling_account_id=security_tooling_account_id,
                    drill_account_id=drill_account_id,
                    protected_role_arns=protected_role_arns,
                    protected_bucket_names=protected_bucket_names,
                )
            ),
            roles=[self.role],
        )
        if condition is not None:
            for resource in (self.role, self.policy):
                cfn = resource.node.default_child
                assert isinstance(cfn, CfnResource)
                cfn.cfn_options.condition = condition
        _acknowledge(self.policy)


def _check(prop: str, value: str, pattern: re.Pattern[str]) -> None:
    if Token.is_unresolved(value):
        return
    if not pattern.fullmatch(value):
        raise ValueError(f"{prop}: got {value!r}; allowed: {pattern.pattern}")


def _arn(
    service: str, resource: str, *, region: str = "*", account: str = pseudo.ACCOUNT_ID
) -> str:
    return f"arn:{pseudo.PARTITION}:{service}:{region}:{account}:{resource}"


def _statements(
    prefix: str,
    *,
    security_tooling_account_id: str,
    drill_account_id: str | None,
    protected_role_arns: Sequence[str],
    protected_bucket_names: Sequence[str],
) -> list[iam.PolicyStatement]:
    """The playbooks' calls (README, Incident response; RESPONSE.md of issue 15), one statement
    per kind of resource. Regions are ``*``: a finding may come from any governed region, and
    the guardrail ``deny-unapproved-regions`` keeps the role out of the others."""
    this_account = {"StringEquals": {"aws:ResourceAccount": pseudo.ACCOUNT_ID}}
    instance = _arn("ec2", "instance/*")
    security_group = _arn("ec2", "security-group/*")
    network_interface = _arn("ec2", "network-interface/*")
    # Snapshot ARNs have no account (Service Authorization Reference, Amazon EC2).
    snapshot = _arn("ec2", "snapshot/*", account="")
    iam_role = f"arn:{pseudo.PARTITION}:iam::{pseudo.ACCOUNT_ID}:role/*"
    statements = [
        # isolate-instance reads the instance, its volumes, groups, instance profile
        # association and existing quarantine groups and snapshots; Describe* actions take no
        # resource (Resource "*" only) and only read. The family, not a list: the playbook's
        # before-state reads whichever Describe call the instance needs.
        iam.PolicyStatement(
            sid="ReadInstances",
            actions=[
                "autoscaling:DescribeAutoScalingInstances",
                "ec2:DescribeIamInstanceProfileAssociations",
                "ec2:DescribeInstanceAttribute",
                "ec2:DescribeInstances",
                "ec2:DescribeSecurityGroupRules",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSnapshots",
                "ec2:DescribeVolumes",
            ],
            resources=["*"],
        ),
        # Termination protection on, then the two-step group swap (the groups are resources of
        # the call too); rollback restores the recorded groups and attribute.
        iam.PolicyStatement(
            sid="IsolateInstances",
            actions=["ec2:ModifyInstanceAttribute"],
            resources=[instance, security_group],
        ),
        # The quarantine groups lz-quarantine-open (all traffic) and lz-quarantine (no rules)
        # in the instance's VPC: created idempotently (tagged as they are created), every rule
        # of lz-quarantine revoked (the default egress rules, IPv4 and IPv6), the open group's
        # rules authorized.
        iam.PolicyStatement(
            sid="QuarantineGroups",
            actions=[
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:CreateSecurityGroup",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress",
            ],
            resources=[security_group, _arn("ec2", "vpc/*")],
        ),
        # One snapshot of every attached volume, created only with the forensic tag (the
        # guardrail then keeps anyone from deleting or sharing it). Never DeleteSnapshot.
        iam.PolicyStatement(
            sid="SnapshotVolumes",
            actions=["ec2:CreateSnapshot"],
            resources=[_arn("ec2", "volume/*")],
        ),
        iam.PolicyStatement(
            sid="ForensicSnapshots",
            actions=["ec2:CreateSnapshot"],
            resources=[snapshot],
            conditions={"Null": {f"aws:RequestTag/{FORENSIC_TAG_KEY}": "false"}},
        ),
        # Forensic analysis happens in the security-tooling account: a forensic snapshot may be
        # shared with it, and with no one else (the guardrail keep-data-in-organization says
        # the same for every principal).
        iam.PolicyStatement(
            sid="ShareForensicSnapshots",
            actions=["ec2:ModifySnapshotAttribute"],
            resources=[snapshot],
            conditions={
                # Present: ForAllValues passes a request without the key (IAM User Guide,
                # "Multivalued context keys"); and no group (all: public).
                "Null": {
                    f"aws:ResourceTag/{FORENSIC_TAG_KEY}": "false",
                    "ec2:Add/userId": "false",
                    "ec2:Add/group": "true",
                },
                "ForAllValues:StringEquals": {"ec2:Add/userId": [security_tooling_account_id]},
            },
        ),
        # Tags: on the snapshot only as it is created; on the instance, its interfaces and the
        # quarantine groups only the response's own tags (other tags may grant access).
        iam.PolicyStatement(
            sid="TagSnapshotsOnCreation",
            actions=["ec2:CreateTags"],
            resources=[snapshot],
            conditions={"StringEquals": {"ec2:CreateAction": "CreateSnapshot"}},
        ),
        iam.PolicyStatement(
            sid="TagInstancesAndGroups",
            actions=["ec2:CreateTags"],
            resources=[instance, network_interface, security_group],
            conditions={
                "ForAllValues:StringEquals": {"aws:TagKeys": [*ROLLBACK_TAG_KEYS, GROUP_TAG]},
                "Null": {"aws:TagKeys": "false"},
            },
        ),
        # A rollback removes the quarantine tags it put on the instance and its interfaces, and
        # no other tag.
        iam.PolicyStatement(
            sid="UntagInstancesOnRollback",
            actions=["ec2:DeleteTags"],
            resources=[instance, network_interface],
            conditions={
                "ForAllValues:StringEquals": {"aws:TagKeys": list(ROLLBACK_TAG_KEYS)},
                "Null": {"aws:TagKeys": "false"},
            },
        ),
        # Out of its Auto Scaling group without decrementing the desired capacity, so the
        # group launches a clean replacement.
        iam.PolicyStatement(
            sid="DetachFromAutoScaling",
            actions=["autoscaling:DetachInstances"],
            resources=[_arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/*")],
        ),
        # contain-credentials: the access key named in the finding is deactivated (never
        # deleted); rollback makes it active again.
        iam.PolicyStatement(
            sid="DeactivateAccessKeys",
            actions=["iam:ListAccessKeys", "iam:UpdateAccessKey"],
            resources=[f"arn:{pseudo.PARTITION}:iam::{pseudo.ACCOUNT_ID}:user/*"],
        ),
        # Earlier sessions of a role (the finding's, or an isolated instance's profile role)
        # are revoked with the documented inline deny on aws:TokenIssueTime; Get keeps the
        # before-state, Delete is the rollback.
        iam.PolicyStatement(
            sid="RevokeRoleSessions",
            actions=["iam:DeleteRolePolicy", "iam:GetRolePolicy", "iam:PutRolePolicy"],
            resources=[iam_role],
        ),
        iam.PolicyStatement(
            sid="ReadInstanceProfiles",
            actions=["iam:GetInstanceProfile"],
            resources=[f"arn:{pseudo.PARTITION}:iam::{pseudo.ACCOUNT_ID}:instance-profile/*"],
        ),
        # Never the landing zone's roles (exempt from the guardrails: a deny there would be
        # theirs to keep), nor Identity Center's or service-linked roles, which IAM refuses
        # anyway: the playbook pages the manual step for those.
        iam.PolicyStatement(
            sid="NeverLandingZoneRoles",
            effect=iam.Effect.DENY,
            actions=["iam:DeleteRolePolicy", "iam:PutRolePolicy"],
            resources=list(
                dict.fromkeys(
                    [
                        f"arn:{pseudo.PARTITION}:iam::*:role/{prefix}*",
                        f"arn:{pseudo.PARTITION}:iam::*:role/aws-reserved/*",
                        f"arn:{pseudo.PARTITION}:iam::*:role/aws-service-role/*",
                        *protected_role_arns,
                    ]
                )
            ),
        ),
        # block-network-actor and ip-expiry: the web ACLs' block lists <web ACL>-block-ipv4
        # and -ipv6 (landing_zone/edge/web_acl.py), regional and CloudFront (global) scope.
        # ListIPSets takes no resource: the playbook finds the sets' ids and lock tokens.
        iam.PolicyStatement(
            sid="FindBlockLists",
            actions=["wafv2:ListIPSets"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="UpdateBlockLists",
            actions=["wafv2:GetIPSet", "wafv2:UpdateIPSet"],
            resources=[
                _arn("wafv2", f"{scope}/ipset/*-block-ipv{version}/*")
                for scope in ("regional", "global")
                for version in (4, 6)
            ],
        ),
        # s3-exfiltration: a deny statement for the finding's principal added to the bucket
        # policy, the previous policy kept; rollback puts it back, or deletes the policy when
        # there was none. Buckets of this account only.
        iam.PolicyStatement(
            sid="DenyPrincipalsInBucketPolicies",
            actions=["s3:DeleteBucketPolicy", "s3:GetBucketPolicy", "s3:PutBucketPolicy"],
            resources=[f"arn:{pseudo.PARTITION}:s3:::*"],
            conditions=this_account,
        ),
        iam.PolicyStatement(
            sid="NeverLandingZoneBuckets",
            effect=iam.Effect.DENY,
            actions=["s3:DeleteBucketPolicy", "s3:PutBucketPolicy"],
            resources=[
                f"arn:{pseudo.PARTITION}:s3:::{name}"
                for name in dict.fromkeys([f"{prefix.lower()}*", *protected_bucket_names])
            ],
        ),
    ]
    if drill_account_id is not None:
        # The monthly fire drill: sample findings of the mapped types, in the drill account
        # only (the template is the same everywhere; the principal is this account's role).
        # Both take no resource (Service Authorization Reference, GuardDuty): the principal's
        # account decides.
        statements.append(
            iam.PolicyStatement(
                sid="FireDrillSampleFindings",
                actions=["guardduty:CreateSampleFindings", "guardduty:ListDetectors"],
                resources=["*"],
                conditions={"StringEquals": {"aws:PrincipalAccount": drill_account_id}},
            )
        )
    return statements


def _acknowledge(policy: iam.ManagedPolicy) -> None:
    """cdk-nag's wildcard findings, each with its reason; the granular ids name exactly them."""
    partition, account = "<AWS::Partition>", "<AWS::AccountId>"
    reasons = {
        "Resource::*": (
            "Describe calls of EC2 and Auto Scaling, wafv2:ListIPSets and (drill account "
            "only) GuardDuty's ListDetectors and CreateSampleFindings take no resource type "
            "(Service Authorization Reference): IAM accepts only '*'. All but the sample "
            "findings only read; those are the drill's purpose, in the drill account only."
        ),
        f"Resource::arn:{partition}:ec2:*:{account}:instance/*": (
            "Any instance of this account may be the one a finding names; the region is any "
            "governed one (the region guardrail denies the others)."
        ),
        f"Resource::arn:{partition}:ec2:*:{account}:security-group/*": (
            "The quarantine groups are created at response time, and the instance's own "
            "groups are resources of the swap."
        ),
        f"Resource::arn:{partition}:ec2:*:{account}:network-interface/*": (
            "The network interfaces of the isolated instance, tagged as it is (and untagged on "
            "rollback) so that the guardrails keep their groups; only the quarantine tags."
        ),
        f"Resource::arn:{partition}:ec2:*:{account}:vpc/*": (
            "The quarantine groups are created in whichever VPC the instance is in."
        ),
        f"Resource::arn:{partition}:ec2:*:{account}:volume/*": (
            "Every volume attached to the instance the finding names is snapshotted."
        ),
        f"Resource::arn:{partition}:ec2:*::snapshot/*": (
            "New snapshots, only with the forensic tag in the request and tagged only as "
            "they are created."
        ),
        f"Resource::arn:{partition}:autoscaling:*:{account}:autoScalingGroup:*:"
        "autoScalingGroupName/*": "Whichever group the isolated instance belongs to.",
        f"Resource::arn:{partition}:iam::{account}:user/*": (
            "The user whose access key the finding names; keys are deactivated, never deleted."
        ),
        f"Resource::arn:{partition}:iam::{account}:role/*": (
            "The role whose sessions the finding says to revoke; the landing zone's, Identity "
            "Center's and service-linked roles are explicitly denied."
        ),
        f"Resource::arn:{partition}:iam::{account}:instance-profile/*": (
            "The profile of the isolated instance, to find the role whose sessions to revoke."
        ),
        **{
            f"Resource::arn:{partition}:wafv2:*:{account}:{scope}/ipset/*-block-ipv{version}/*": (
                "The block lists of every web ACL of the account, by their naming convention "
                "(landing_zone/edge/web_acl.py)."
            )
            for scope in ("regional", "global")
            for version in (4, 6)
        },
        f"Resource::arn:{partition}:s3:::*": (
            "The bucket the exfiltration finding names, in this account only "
            "(aws:ResourceAccount); the landing zone's buckets are explicitly denied."
        ),
    }
    Validations.of(policy).acknowledge(
        *(
            Acknowledgment(id=f"AwsSolutions-IAM5[{finding}]", reason=reason)
            for finding, reason in reasons.items()
        )
    )
