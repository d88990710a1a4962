"""Playbook 1: isolate an EC2 instance (plan: ``{"instance_id", "vpc_id"}``).

Inspect (read-only, also in dry run): the instance (not found or terminated → ``not_found``),
its termination protection, Auto Scaling group, the quarantine groups of its VPC (the instance
already in ``lz-quarantine`` alone → ``already_contained``) and its instance profile's role.

Contain: first the instance and its network interfaces tagged ``lz-response:quarantined``,
so that the guardrail ``keep-data-in-organization`` keeps everyone but the response role from
changing their groups, interfaces, termination protection or tags while the steps run and after
any of them fails; then, in the order of the AWS Security Incident Response Guide
(https://docs.aws.amazon.com/security-ir/latest/userguide/containment.html), termination
protection on; a snapshot of every attached EBS volume, tagged with the finding id (a snapshot
of an encrypted volume is encrypted with the volume's key, recorded per snapshot); detach from
its Auto Scaling group without decrementing the desired capacity (the group launches a clean
replacement); security groups swapped to ``lz-quarantine-open`` (all traffic: tracked
connections become untracked) then ``lz-quarantine`` (no rules: untracked traffic stops)
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html),
both created tagged ``lz-response:quarantine-group`` and used only when they carry it, every
rule of ``lz-quarantine`` (IPv4 and IPv6 egress by default) revoked by its id;
sessions of the instance profile's role issued before now denied with the documented inline
policy (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html).
Never terminates, never deletes a volume or a snapshot. The same guardrail protects the
quarantine groups' rules.

Rollback: original security groups and termination protection, the inline deny removed, the
tags removed. Snapshots stay (evidence); the instance stays out of its Auto Scaling group,
whose replacement serves (attaching it back would raise the desired capacity).
"""

from __future__ import annotations

from typing import Any

from landing_zone.organization.guardrails import (
    FORENSIC_SNAPSHOT_TAG_KEY,
    QUARANTINE_GROUP_TAG_KEY,
    QUARANTINED_INSTANCE_TAG_KEY,
    RESPONSE_TAG_PREFIX,
)
from landing_zone.response.asl import (
    DECIDE,
    States,
    Steps,
    finish,
    playbook_definition,
    revoke_older_sessions,
    sdk_call,
    sdk_map,
)

PLAYBOOK = "isolate_instance"
OPEN_GROUP = "lz-quarantine-open"
QUARANTINE_GROUP = "lz-quarantine"
REVOKE_POLICY_NAME = "lz-response-revoke-older-sessions"
FINDING_TAG = FORENSIC_SNAPSHOT_TAG_KEY
QUARANTINE_TAG = QUARANTINED_INSTANCE_TAG_KEY
GROUP_TAG = QUARANTINE_GROUP_TAG_KEY
"""On both quarantine groups, from their creation (value: the group's name): the playbook uses
only groups that carry it, and the guardrails keep everyone else from changing, deleting or
tagging such a group."""
EXECUTION_TAG = f"{RESPONSE_TAG_PREFIX}execution"

_INSTANCE = "$.plan.instance_id"
_ALL_TRAFFIC = [
    {
        "IpProtocol": "-1",
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
        "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
    }
]


def _find_group(name: str, group: str, next_state: str) -> dict[str, Any]:
    return sdk_call(
        name,
        "ec2",
        "describeSecurityGroups",
        {
            "Filters": [
                {"Name": "group-name", "Values": [group]},
                {"Name": "vpc-id", "Values.$": "States.Array($.plan.vpc_id)"},
                # Only a group the response created: nobody else can tag one (guardrails).
                {"Name": f"tag:{GROUP_TAG}", "Values": [group]},
            ]
        },
        next_state=next_state,
        result_selector={
            "count.$": "States.ArrayLength($.SecurityGroups)",
            "ids.$": "$.SecurityGroups[*].GroupId",
        },
    )


def _use_or_create_group(
    label: str, group: str, description: str, *, result_path: str, created: str, found: str
) -> dict[str, Any]:
    """``<label>Exists``: the group ``Find<label>`` found (``Use<label>``, then ``found``), or a
    new one in the instance's VPC (``Create<label>``, then ``created``); its id at
    ``result_path``."""
    return {
        f"{label}Exists": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": f"$.results.Find{label}.count",
                    "NumericGreaterThan": 0,
                    "Next": f"Use{label}",
                }
            ],
            "Default": f"Create{label}",
        },
        f"Use{label}": {
            "Type": "Pass",
            "Parameters": {"id.$": f"$.results.Find{label}.ids[0]"},
            "ResultPath": result_path,
            "Next": found,
        },
        **sdk_call(
            f"Create{label}",
            "ec2",
            "createSecurityGroup",
            {
                "GroupName": group,
                "Description": description,
                "VpcId.$": "$.plan.vpc_id",
                "TagSpecifications": [
                    {"ResourceType": "security-group", "Tags": [{"Key": GROUP_TAG, "Value": group}]}
                ],
            },
            next_state=created,
            result_selector={"id.$": "$.GroupId"},
            result_path=result_path,
        ),
    }


def _quarantine_tags(verb: str, action: str, *, next_state: str) -> States:
    """``<verb>Instance`` then ``<verb>Interfaces``: the quarantine tags (with their values for
    ``createTags``, keys only for ``deleteTags``) on the instance, then on its network
    interfaces (an interface's groups can be changed on the interface)."""
    tags = (
        [
            {"Key": QUARANTINE_TAG, "Value.$": "$.finding.id"},
            {"Key": EXECUTION_TAG, "Value.$": "$$.Execution.Name"},
        ]
        if action == "createTags"
        else [{"Key": QUARANTINE_TAG}, {"Key": EXECUTION_TAG}]
    )
    return {
        **sdk_call(
            f"{verb}Instance",
            "ec2",
            action,
            {"Resources.$": f"States.Array({_INSTANCE})", "Tags": tags},
            next_state=f"{verb}Interfaces",
        ),
        **sdk_call(
            f"{verb}Interfaces",
            "ec2",
            action,
            {"Resources.$": "$.before.instance.interfaces", "Tags": tags},
            next_state=next_state,
        ),
    }


def _inspect() -> Steps:
    states: dict[str, Any] = {
        **sdk_call(
            "FindInstance",
            "ec2",
            "describeInstances",
            {
                "Filters": [
                    {"Name": "instance-id", "Values.$": f"States.Array({_INSTANCE})"},
                    # Terminated or shutting down: nothing to isolate.
                    {
                        "Name": "instance-state-name",
                        "Values": ["pending", "running", "stopping", "stopped"],
                    },
                ]
            },
            next_state="InstanceFound",
            result_selector={"count.$": "States.ArrayLength($.Reservations)"},
        ),
        "InstanceFound": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.results.FindInstance.count",
                    "NumericEquals": 0,
                    "Next": finish("not_found"),
                },
            ],
            "Default": "DescribeInstance",
        },
        # Paths end on objects of a list: emulators unwrap a single match of a deeper field.
        **sdk_call(
            "DescribeInstance",
            "ec2",
            "describeInstances",
            {"InstanceIds.$": f"States.Array({_INSTANCE})"},
            next_state="Volumes",
            result_selector={
                "groups.$": "$.Reservations[0].Instances[0].SecurityGroups[*].GroupId",
                "group_count.$": (
                    "States.ArrayLength($.Reservations[0].Instances[0].SecurityGroups)"
                ),
                "interfaces.$": (
                    "$.Reservations[0].Instances[0].NetworkInterfaces[*].NetworkInterfaceId"
                ),
            },
            result_path="$.before.instance",
        ),
        **sdk_call(
            "Volumes",
            "ec2",
            "describeVolumes",
            {
                "Filters": [
                    {"Name": "attachment.instance-id", "Values.$": f"States.Array({_INSTANCE})"}
                ]
            },
            next_state="TerminationProtection",
            result_selector={
                "ids.$": "$.Volumes[*].VolumeId",
                "encrypted.$": "$.Volumes[*].Encrypted",
            },
            result_path="$.before.volumes",
        ),
        **sdk_call(
            "TerminationProtection",
            "ec2",
            "describeInstanceAttribute",
            {"InstanceId.$": _INSTANCE, "Attribute": "disableApiTermination"},
            next_state="AutoScalingGroup",
            result_selector={"enabled.$": "$.DisableApiTermination.Value"},
            result_path="$.before.termination_protection",
        ),
        **sdk_call(
            "AutoScalingGroup",
            "autoscaling",
            "describeAutoScalingInstances",
            {"InstanceIds.$": f"States.Array({_INSTANCE})"},
            next_state="FindOpenGroup",
            result_selector={
                "count.$": "States.ArrayLength($.AutoScalingInstances)",
                "groups.$": "$.AutoScalingInstances[*].AutoScalingGroupName",
            },
            result_path="$.before.auto_scaling",
        ),
        **_find_group("FindOpenGroup", OPEN_GROUP, "FindQuarantineGroup"),
        **_find_group("FindQuarantineGroup", QUARANTINE_GROUP, "QuarantineExists"),
        "QuarantineExists": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.results.FindQuarantineGroup.count",
                    "NumericGreaterThan": 0,
                    "Next": "AlreadyContained",
                }
            ],
            "Default": "ProfileAssociation",
        },
        "AlreadyContained": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.before.instance.group_count", "NumericEquals": 1},
                        {
                            "Variable": "$.before.instance.groups[0]",
                            "StringEqualsPath": "$.results.FindQuarantineGroup.ids[0]",
                        },
                    ],
                    "Next": finish("already_contained"),
                }
            ],
            "Default": "ProfileAssociation",
        },
        **sdk_call(
            "ProfileAssociation",
            "ec2",
            "describeIamInstanceProfileAssociations",
            {
                "Filters": [
                    {"Name": "instance-id", "Values.$": f"States.Array({_INSTANCE})"},
                    {"Name": "state", "Values": ["associated"]},
                ]
            },
            next_state="HasProfile",
            result_selector={
                "profiles.$": "$.IamInstanceProfileAssociations[*].IamInstanceProfile",
            },
            result_path="$.before.profile",
        ),
        "HasProfile": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.before.profile.profiles[0]",
                    "IsPresent": True,
                    "Next": "ProfileArn",
                }
            ],
            "Default": "NoProfile",
        },
        "NoProfile": {
            "Type": "Pass",
            "Result": {"name": None},
            "ResultPath": "$.before.role",
            "Next": DECIDE,
        },
        "ProfileArn": {
            "Type": "Pass",
            "Parameters": {"value.$": "$.before.profile.profiles[0]"},
            "ResultPath": "$.profile",
            "Next": "Profile",
        },
        **sdk_call(
            "Profile",
            "iam",
            "getInstanceProfile",
            {
                # arn:aws:iam::<account>:instance-profile[/path]/<name>: the name is the last part.
                "InstanceProfileName.$": (
                    "States.ArrayGetItem(States.StringSplit($.profile.value.Arn, '/'), "
                    "States.MathAdd(States.ArrayLength(States.StringSplit("
                    "$.profile.value.Arn, '/')), -1))"
                )
            },
            next_state="ProfileHasRole",
            result_selector={"names.$": "$.InstanceProfile.Roles[*].RoleName"},
            result_path="$.profile_roles",
        ),
        "ProfileHasRole": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.profile_roles.names[0]",
                    "IsPresent": True,
                    "Next": "ProfileRole",
                }
            ],
            "Default": "NoProfile",
        },
        "ProfileRole": {
            "Type": "Pass",
            "Parameters": {"name.$": "$.profile_roles.names[0]"},
            "ResultPath": "$.before.role",
            "Next": DECIDE,
        },
    }
    return Steps("FindInstance", states)


def _contain() -> Steps:
    finding_tags = [
        {"Key": FINDING_TAG, "Value.$": "$.finding.id"},
        {"Key": f"{RESPONSE_TAG_PREFIX}instance", "Value.$": _INSTANCE},
    ]
    states: dict[str, Any] = {
        # Tagged first: from here on the guardrail lets no one but the response role change
        # the instance's groups, interfaces or termination protection, so nothing the steps
        # below put in place can be undone while they run, or after one of them fails.
        **_quarantine_tags("Tag", "createTags", next_state="EnableTerminationProtection"),
        **sdk_call(
            "EnableTerminationProtection",
            "ec2",
            "modifyInstanceAttribute",
            {"InstanceId.$": _INSTANCE, "DisableApiTermination": {"Value": True}},
            next_state="SnapshotVolumes",
        ),
        **sdk_map(
            "SnapshotVolumes",
            "ec2",
            "createSnapshot",
            {
                "VolumeId.$": "$.item",
                "Description.$": "States.Format('lz-response forensic snapshot, finding {}', "
                "$.finding.id)",
                "TagSpecifications": [
                    {"ResourceType": "snapshot", "Tags": [*finding_tags]},
                ],
            },
            items_path="$.before.volumes.ids",
            next_state="InAutoScalingGroup",
            # StartTime is a timestamp: select what the record needs.
            result_selector={
                "SnapshotId.$": "$.SnapshotId",
                "VolumeId.$": "$.VolumeId",
                "Encrypted.$": "$.Encrypted",
            },
        ),
        "InAutoScalingGroup": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.before.auto_scaling.count",
                    "NumericGreaterThan": 0,
                    "Next": "DetachFromAutoScalingGroup",
                }
            ],
            "Default": "OpenGroupExists",
        },
        **sdk_call(
            "DetachFromAutoScalingGroup",
            "autoscaling",
            "detachInstances",
            {
                "AutoScalingGroupName.$": "$.before.auto_scaling.groups[0]",
                "InstanceIds.$": f"States.Array({_INSTANCE})",
                "ShouldDecrementDesiredCapacity": False,
            },
            next_state="OpenGroupExists",
            result_selector={"activities.$": "$.Activities[*].ActivityId"},
        ),
        **_use_or_create_group(
            "OpenGroup",
            OPEN_GROUP,
            "lz-response isolation step 1: all traffic, untracks connections",
            result_path="$.open_group",
            created="AllowAllIntoOpenGroup",
            found="QuarantineGroupExists",
        ),
        **sdk_call(
            "AllowAllIntoOpenGroup",
            "ec2",
            "authorizeSecurityGroupIngress",
            {"GroupId.$": "$.open_group.id", "IpPermissions": _ALL_TRAFFIC},
            next_state="QuarantineGroupExists",
            result_selector={"Return.$": "$.Return"},
        ),
        **_use_or_create_group(
            "QuarantineGroup",
            QUARANTINE_GROUP,
            "lz-response isolation step 2: no rules",
            result_path="$.quarantine_group",
            created="QuarantineGroupRules",
            found="QuarantineGroupRules",
        ),
        # A new group allows all IPv4 egress, and all IPv6 egress in a VPC with an IPv6 block
        # (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html). Every
        # rule the group holds is revoked by its id, whatever it is, whenever one is present (a
        # run that stopped between creating and revoking left them; the guardrails keep
        # everyone but the response role from adding any).
        **sdk_call(
            "QuarantineGroupRules",
            "ec2",
            "describeSecurityGroupRules",
            {"Filters": [{"Name": "group-id", "Values.$": "States.Array($.quarantine_group.id)"}]},
            next_state="QuarantineGroupHasRules",
            result_selector={
                "rules.$": "$.SecurityGroupRules",
            },
        ),
        "QuarantineGroupHasRules": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.results.QuarantineGroupRules.rules[0]",
                    "IsPresent": True,
                    "Next": "RevokeQuarantineRules",
                }
            ],
            "Default": "SwapToOpenGroup",
        },
        **sdk_map(
            "RevokeQuarantineRules",
            "ec2",
            "revokeSecurityGroupEgress",
            {
                "GroupId.$": "$.item.GroupId",
                "SecurityGroupRuleIds.$": "States.Array($.item.SecurityGroupRuleId)",
            },
            items_path="$.results.QuarantineGroupRules.rules",
            otherwise=("$.item.IsEgress", "revokeSecurityGroupIngress"),
            next_state="SwapToOpenGroup",
            result_selector={"Return.$": "$.Return"},
        ),
        **sdk_call(
            "SwapToOpenGroup",
            "ec2",
            "modifyInstanceAttribute",
            {"InstanceId.$": _INSTANCE, "Groups.$": "States.Array($.open_group.id)"},
            next_state="SwapToQuarantineGroup",
        ),
        **sdk_call(
            "SwapToQuarantineGroup",
            "ec2",
            "modifyInstanceAttribute",
            {"InstanceId.$": _INSTANCE, "Groups.$": "States.Array($.quarantine_group.id)"},
            next_state="RoleToRevoke",
        ),
        "RoleToRevoke": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.before.role.name", "IsString": True, "Next": "RevokePolicy"}
            ],
            "Default": finish("contained"),
        },
        "RevokePolicy": revoke_older_sessions("RevokeRoleSessions"),
        **sdk_call(
            "RevokeRoleSessions",
            "iam",
            "putRolePolicy",
            {
                "RoleName.$": "$.before.role.name",
                "PolicyName": REVOKE_POLICY_NAME,
                "PolicyDocument.$": "States.JsonToString($.revoke_policy)",
            },
            next_state=finish("contained"),
        ),
    }
    return Steps("TagInstance", states)


def _rollback() -> Steps:
    states: dict[str, Any] = {
        **sdk_call(
            "RestoreGroups",
            "ec2",
            "modifyInstanceAttribute",
            {"InstanceId.$": _INSTANCE, "Groups.$": "$.before.instance.groups"},
            next_state="RestoreTerminationProtection",
        ),
        **sdk_call(
            "RestoreTerminationProtection",
            "ec2",
            "modifyInstanceAttribute",
            {
                "InstanceId.$": _INSTANCE,
                "DisableApiTermination": {"Value.$": "$.before.termination_protection.enabled"},
            },
            next_state="RoleToRestore",
        ),
        "RoleToRestore": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.before.role.name", "IsString": True, "Next": "RemoveRevokePolicy"}
            ],
            "Default": "UntagInstance",
        },
        **sdk_call(
            "RemoveRevokePolicy",
            "iam",
            "deleteRolePolicy",
            {"RoleName.$": "$.before.role.name", "PolicyName": REVOKE_POLICY_NAME},
            next_state="UntagInstance",
        ),
        **_quarantine_tags("Untag", "deleteTags", next_state=finish("rolled_back")),
    }
    return Steps("RestoreGroups", states)


def definition() -> dict[str, Any]:
    """The ``lz-response-isolate-instance`` state machine definition."""
    return playbook_definition(
        PLAYBOOK,
        inspect=_inspect(),
        contain=_contain(),
        rollback=_rollback(),
        comment="Isolate an EC2 instance: protect, snapshot, detach, quarantine, revoke, tag",
    )
