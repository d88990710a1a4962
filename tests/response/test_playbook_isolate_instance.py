"""isolate_instance executed by moto's Step Functions against emulated EC2, Auto Scaling, IAM."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from landing_zone.organization.guardrails import FORENSIC_SNAPSHOT_TAG_KEY
from landing_zone.response.playbooks import definition
from landing_zone.response.playbooks.isolate_instance import GROUP_TAG, REVOKE_POLICY_NAME
from tests.response.emulated import Emulated, emulated, rollback_input, workflow_input

PLAYBOOK = "isolate_instance"


@dataclass
class Workload:
    instance_id: str
    vpc_id: str
    app_group: str
    asg: str
    role: str


@pytest.fixture
def aws():
    with emulated() as env:
        yield env


@pytest.fixture
def workload(aws: Emulated) -> Workload:
    """An instance in an Auto Scaling group, with an encrypted EBS volume and a profile."""
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    iam = aws.client("iam")
    iam.create_role(RoleName="app-role", AssumeRolePolicyDocument="{}")
    iam.create_instance_profile(InstanceProfileName="app-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName="app-role")
    ec2.create_launch_template(
        LaunchTemplateName="app",
        LaunchTemplateData={
            "ImageId": "ami-12c6146b",
            "InstanceType": "t3.micro",
            "SecurityGroupIds": [group],
            "IamInstanceProfile": {"Name": "app-profile"},
            "BlockDeviceMappings": [
                {"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8, "Encrypted": True}}
            ],
        },
    )
    autoscaling = aws.client("autoscaling")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="app-asg",
        LaunchTemplate={"LaunchTemplateName": "app", "Version": "$Latest"},
        MinSize=1,
        MaxSize=2,
        DesiredCapacity=1,
        VPCZoneIdentifier=subnet,
    )
    instances = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["app-asg"])
    instance_id = instances["AutoScalingGroups"][0]["Instances"][0]["InstanceId"]
    # moto does not apply the launch template's instance profile: associate it as EC2 would.
    ec2.associate_iam_instance_profile(
        IamInstanceProfile={"Name": "app-profile"}, InstanceId=instance_id
    )
    return Workload(instance_id, vpc, group, "app-asg", "app-role")


def _instance(aws: Emulated, instance_id: str) -> dict[str, Any]:
    described = aws.client("ec2").describe_instances(InstanceIds=[instance_id])
    return dict(described["Reservations"][0]["Instances"][0])


def _groups(aws: Emulated, instance_id: str) -> list[str]:
    return [group["GroupName"] for group in _instance(aws, instance_id)["SecurityGroups"]]


def _interfaces(aws: Emulated, instance_id: str) -> list[dict[str, Any]]:
    described = aws.client("ec2").describe_network_interfaces(
        Filters=[{"Name": "attachment.instance-id", "Values": [instance_id]}]
    )
    return list(described["NetworkInterfaces"])


def _protected(aws: Emulated, instance_id: str) -> bool:
    attribute = aws.client("ec2").describe_instance_attribute(
        InstanceId=instance_id, Attribute="disableApiTermination"
    )
    return bool(attribute["DisableApiTermination"]["Value"])


def _snapshots(aws: Emulated) -> list[dict[str, Any]]:
    described = aws.client("ec2").describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": "tag-key", "Values": [FORENSIC_SNAPSHOT_TAG_KEY]}]
    )
    return list(described["Snapshots"])


def _inline_policies(aws: Emulated, role: str) -> list[str]:
    return list(aws.client("iam").list_role_policies(RoleName=role)["PolicyNames"])


def _input(workload: Workload, **kwargs: Any) -> dict[str, Any]:
    plan = {"instance_id": workload.instance_id, "vpc_id": workload.vpc_id}
    return workflow_input(PLAYBOOK, plan=plan, **kwargs)


@pytest.fixture
def machine(aws: Emulated) -> str:
    return aws.create_state_machine(PLAYBOOK, definition(PLAYBOOK))


def test_contains_the_instance(aws: Emulated, workload: Workload, machine: str) -> None:
    run = aws.run(machine, _input(workload))

    assert run.status == "SUCCEEDED", run.cause
    assert run.output is not None
    assert run.output["outcome"] == "contained"
    assert _groups(aws, workload.instance_id) == ["lz-quarantine"]
    # The open group came first (tracked connections become untracked).
    assert run.entered().index("SwapToOpenGroup") < run.entered().index("SwapToQuarantineGroup")
    assert _protected(aws, workload.instance_id)
    # One snapshot per attached volume, tagged with the finding, encrypted as the volume.
    snapshots = _snapshots(aws)
    attached = aws.client("ec2").describe_volumes(
        Filters=[{"Name": "attachment.instance-id", "Values": [workload.instance_id]}]
    )["Volumes"]
    volume_ids = {volume["VolumeId"] for volume in attached}
    encrypted = {volume["VolumeId"]: volume["Encrypted"] for volume in attached}
    assert volume_ids
    assert {snapshot["VolumeId"] for snapshot in snapshots} == volume_ids
    for snapshot in snapshots:
        tags = {tag["Key"]: tag["Value"] for tag in snapshot["Tags"]}
        assert tags[FORENSIC_SNAPSHOT_TAG_KEY] == run.output["finding"]["id"]
        # A snapshot has its volume's encryption (the record keeps it per snapshot).
        assert snapshot["Encrypted"] == encrypted[snapshot["VolumeId"]]
    assert True in encrypted.values()
    call = next(c for c in run.output["calls"] if c["step"] == "SnapshotVolumes")
    recorded = {s["SnapshotId"]: s["Encrypted"] for s in call["result"]}
    assert recorded == {s["SnapshotId"]: s["Encrypted"] for s in snapshots}
    # Detached from its group without lowering the desired capacity: a replacement starts.
    group = aws.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[workload.asg]
    )["AutoScalingGroups"][0]
    assert group["DesiredCapacity"] == 1
    assert workload.instance_id not in {instance["InstanceId"] for instance in group["Instances"]}
    assert _instance(aws, workload.instance_id)["State"]["Name"] == "running"
    # The documented revoke-older-sessions deny on the instance profile's role.
    policy = aws.client("iam").get_role_policy(
        RoleName=workload.role, PolicyName=REVOKE_POLICY_NAME
    )
    statement = policy["PolicyDocument"]["Statement"][0]
    assert statement["Effect"] == "Deny"
    assert statement["Action"] == "*"
    assert "aws:TokenIssueTime" in statement["Condition"]["DateLessThan"]
    tags = {tag["Key"]: tag["Value"] for tag in _instance(aws, workload.instance_id)["Tags"]}
    assert tags["lz-response:quarantined"] == run.output["finding"]["id"]
    # Its network interfaces too (the guardrail keeps their groups).
    interfaces = _interfaces(aws, workload.instance_id)
    assert interfaces
    for interface in interfaces:
        interface_tags = {tag["Key"]: tag["Value"] for tag in interface["TagSet"]}
        assert interface_tags["lz-response:quarantined"] == run.output["finding"]["id"]
    # The quarantine group has no rules at all.
    quarantine = aws.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["lz-quarantine"]}]
    )["SecurityGroups"][0]
    assert quarantine["IpPermissions"] == []
    assert quarantine["IpPermissionsEgress"] == []


def test_quarantine_group_loses_ipv6_egress_too(
    aws: Emulated, workload: Workload, machine: str
) -> None:
    # A dual-stack VPC: a new group there also allows all IPv6 egress. Here the group exists
    # already (a run stopped after creating it) with both default rules and one more.
    ec2 = aws.client("ec2")
    group = ec2.create_security_group(
        GroupName="lz-quarantine",
        Description="left by a stopped run",
        VpcId=workload.vpc_id,
        TagSpecifications=[
            {
                "ResourceType": "security-group",
                "Tags": [{"Key": GROUP_TAG, "Value": "lz-quarantine"}],
            }
        ],
    )["GroupId"]
    ec2.authorize_security_group_egress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "192.0.2.0/24"}],
            },
        ],
    )
    before = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    assert any(rule.get("Ipv6Ranges") for rule in before["IpPermissionsEgress"])

    run = aws.run(machine, _input(workload))

    assert run.status == "SUCCEEDED", run.cause
    assert _groups(aws, workload.instance_id) == ["lz-quarantine"]
    after = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    assert after["IpPermissionsEgress"] == []
    assert after["IpPermissions"] == []


def test_record_lists_before_state_and_every_call(
    aws: Emulated, workload: Workload, machine: str
) -> None:
    run = aws.run(machine, _input(workload))

    record, head = aws.evidence(PLAYBOOK, run.arn)
    assert record == run.output
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == aws.substitutions["EvidenceKeyArn"]
    assert record["before"]["instance"]["groups"] == [workload.app_group]
    assert record["before"]["termination_protection"] == {"enabled": False}
    assert record["before"]["auto_scaling"]["groups"] == [workload.asg]
    steps = [call["step"] for call in record["calls"]]
    assert steps[0] == "AnnouncePage"
    for step in (
        "EnableTerminationProtection",
        "SnapshotVolumes",
        "DetachFromAutoScalingGroup",
        "CreateOpenGroup",
        "CreateQuarantineGroup",
        "RevokeQuarantineRules",
        "SwapToOpenGroup",
        "SwapToQuarantineGroup",
        "RevokeRoleSessions",
        "TagInstance",
    ):
        assert step in steps
    assert record["started_at"] <= record["finished_at"]
    pages = aws.messages("paging")
    assert pages[0]["summary"].startswith("STARTED HIGH isolate_instance")
    assert pages[-1]["outcome"] == "contained"


def test_dry_run_changes_nothing(aws: Emulated, workload: Workload, machine: str) -> None:
    run = aws.run(machine, _input(workload, mode="dry_run"))

    assert run.status == "SUCCEEDED", run.cause
    assert run.output is not None
    assert run.output["outcome"] == "planned"
    assert run.output["before"]["instance"]["groups"] == [workload.app_group]
    assert _groups(aws, workload.instance_id) == ["app"]
    assert not _protected(aws, workload.instance_id)
    assert _snapshots(aws) == []
    assert _inline_policies(aws, workload.role) == []
    names = [g["GroupName"] for g in aws.client("ec2").describe_security_groups()["SecurityGroups"]]
    assert "lz-quarantine" not in names


def test_second_run_changes_nothing_and_says_so(
    aws: Emulated, workload: Workload, machine: str
) -> None:
    first = aws.run(machine, _input(workload))
    assert first.status == "SUCCEEDED", first.cause
    snapshots = len(_snapshots(aws))

    second = aws.run(machine, _input(workload))

    assert second.status == "SUCCEEDED", second.cause
    assert second.output is not None
    assert second.output["outcome"] == "already_contained"
    assert len(_snapshots(aws)) == snapshots
    assert "SwapToQuarantineGroup" not in second.entered()
    assert "CreateQuarantineGroup" not in second.entered()


def test_rollback_restores_before_state(aws: Emulated, workload: Workload, machine: str) -> None:
    contained = aws.run(machine, _input(workload))
    assert contained.status == "SUCCEEDED", contained.cause
    snapshots = len(_snapshots(aws))

    rollback = aws.run(machine, rollback_input(contained.arn))

    assert rollback.status == "SUCCEEDED", rollback.cause
    assert rollback.output is not None
    assert rollback.output["outcome"] == "rolled_back"
    assert rollback.output["rollback_of"] == contained.arn
    assert _groups(aws, workload.instance_id) == ["app"]
    assert not _protected(aws, workload.instance_id)
    assert _inline_policies(aws, workload.role) == []
    assert len(_snapshots(aws)) == snapshots  # evidence is never deleted
    tags = {tag["Key"] for tag in _instance(aws, workload.instance_id).get("Tags", [])}
    assert "lz-response:quarantined" not in tags
    for interface in _interfaces(aws, workload.instance_id):
        assert "lz-response:quarantined" not in {t["Key"] for t in interface.get("TagSet", [])}


def test_rollback_of_a_run_that_contained_nothing_fails(
    aws: Emulated, workload: Workload, machine: str
) -> None:
    planned = aws.run(machine, _input(workload, mode="dry_run"))

    rollback = aws.run(machine, rollback_input(planned.arn))

    assert rollback.status == "FAILED"
    assert "Response.NothingToRollBack" in (rollback.cause or "")


def test_terminated_instance_ends_cleanly(aws: Emulated, workload: Workload, machine: str) -> None:
    aws.client("autoscaling").delete_auto_scaling_group(
        AutoScalingGroupName=workload.asg, ForceDelete=True
    )
    aws.client("ec2").terminate_instances(InstanceIds=[workload.instance_id])

    run = aws.run(machine, _input(workload))

    assert run.status == "SUCCEEDED", run.cause
    assert run.output is not None
    assert run.output["outcome"] == "not_found"
    assert _snapshots(aws) == []


def test_unknown_instance_ends_cleanly(aws: Emulated, workload: Workload, machine: str) -> None:
    workflow = _input(workload)
    workflow["plan"]["instance_id"] = "i-0123456789abcdef0"

    run = aws.run(machine, workflow)

    assert run.status == "SUCCEEDED", run.cause
    assert run.output is not None
    assert run.output["outcome"] == "not_found"


def test_failed_call_fails_loudly_and_pages(
    aws: Emulated, workload: Workload, machine: str
) -> None:
    # moto enforces no IAM on the state machine's calls (it ignores Credentials): the failure
    # here is a call the service refuses, which takes the same Catch (States.ALL) an
    # AccessDenied takes. Someone else's lz-quarantine (untagged: only the response role may
    # put the tag) could carry rules again after the swap, so the playbook does not use it, and
    # creating its own fails on the duplicate name.
    aws.client("ec2").create_security_group(
        GroupName="lz-quarantine", Description="not the response's", VpcId=workload.vpc_id
    )
    workflow = _input(workload)

    run = aws.run(machine, workflow)

    assert run.status == "FAILED"
    assert run.error == "Response.Failed"
    assert "Failed.Page" in run.entered()
    assert "CreateQuarantineGroup" in run.entered()
    assert "UseQuarantineGroup" not in run.entered()
    assert "lz-quarantine" not in _groups(aws, workload.instance_id)
    # Tagged before any other change: the guardrail holds whatever the failed run left in place
    # (termination protection, the detached instance) against everyone but the response role.
    entered = run.entered()
    assert entered.index("TagInterfaces") < entered.index("EnableTerminationProtection")
    tags = {tag["Key"] for tag in _instance(aws, workload.instance_id)["Tags"]}
    assert "lz-response:quarantined" in tags
    failed_page = aws.messages("paging")[-1]
    assert failed_page["summary"].startswith("FAILED: ")
    assert failed_page["outcome"] == "failed"
    record, _ = aws.evidence(PLAYBOOK, run.arn)
    assert record["outcome"] == "failed"
    assert record["error"]["Error"]


def test_approval_waits_for_the_paged_command(
    aws: Emulated, workload: Workload, machine: str
) -> None:
    execution = aws.start(machine, _input(workload, mode="approval"))
    token = aws.task_token(execution)
    assert _groups(aws, workload.instance_id) == ["app"]  # nothing before approval

    aws.client("stepfunctions").send_task_success(
        taskToken=token, output=json.dumps({"approved": True})
    )
    run = aws.wait(execution)

    assert run.status == "SUCCEEDED", run.cause
    assert run.output is not None
    assert run.output["outcome"] == "contained"
    assert _groups(aws, workload.instance_id) == ["lz-quarantine"]


def test_approval_denied_changes_nothing(aws: Emulated, workload: Workload, machine: str) -> None:
    execution = aws.start(machine, _input(workload, mode="approval"))
    token = aws.task_token(execution)

    aws.client("stepfunctions").send_task_failure(
        taskToken=token, error="Response.Denied", cause="denied by test"
    )
    run = aws.wait(execution)

    assert run.status == "SUCCEEDED", run.cause
    assert run.output is not None
    assert run.output["outcome"] == "declined"
    assert _groups(aws, workload.instance_id) == ["app"]


@pytest.mark.parametrize(("timeout_action", "outcome"), [("dry_run", "planned")])
def test_approval_timeout_falls_back(
    aws: Emulated, workload: Workload, machine: str, timeout_action: str, outcome: str
) -> None:
    run = aws.run(
        machine, _input(workload, mode="approval", timeout_seconds=1, timeout_action=timeout_action)
    )

    assert run.status == "SUCCEEDED", run.cause
    assert run.output is not None
    assert run.output["outcome"] == outcome
    assert _groups(aws, workload.instance_id) == ["app"]


def test_approval_page_carries_the_exact_commands(
    aws: Emulated, workload: Workload, machine: str
) -> None:
    execution = aws.start(machine, _input(workload, mode="approval"))
    token = aws.task_token(execution)
    aws.client("stepfunctions").send_task_failure(taskToken=token, error="Response.Denied")
    aws.wait(execution)
    # task_token consumed the approval page; re-read it from the execution's history.
    history = aws.wait(execution).history
    scheduled = [e for e in history if e["type"] == "TaskScheduled"]
    message = next(
        json.loads(e["taskScheduledEventDetails"]["parameters"])["Message"]
        for e in scheduled
        if "waitForTaskToken" in e["taskScheduledEventDetails"]["resource"]
    )
    if isinstance(message, str):  # Step Functions records the string SNS receives
        message = json.loads(message)
    assert message["approve"] == (
        f"aws stepfunctions send-task-success --task-token {token} "
        "--task-output '{\"approved\":true}'"
    )
    assert message["deny"].startswith(
        f"aws stepfunctions send-task-failure --task-token {token} --error Response.Denied"
    )
