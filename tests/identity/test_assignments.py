"""AccountAssignments: one AWS::SSO::Assignment per group, permission set and account, queued."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Aws, Environment, Fn, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.compliance import violations
from landing_zone.identity.assignments import MAX_LANES, AccountAssignments, Assignment

INSTANCE = "arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6"
PERMISSION_SET = "arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-0123456789abcdef"
GROUP = "9067a1b2-c3d4-4e5f-8a9b-0c1d2e3f4a5b"


def _stack() -> Stack:
    return Stack(
        App(context=cdk_context()),
        "Assignments",
        env=Environment(account="111111111111", region="eu-west-1"),
    )


def _assignments(count: int) -> list[Assignment]:
    return [
        Assignment(
            construct_id=f"Developer.developers.account-{n}",
            permission_set_arn=PERMISSION_SET,
            principal_id=GROUP,
            account_id=f"{n:012d}",
        )
        for n in range(1, count + 1)
    ]


def _resources(count: int, **props: Any) -> tuple[AccountAssignments, dict[str, Any]]:
    stack = _stack()
    construct = AccountAssignments(
        stack, "Assignments", instance_arn=INSTANCE, assignments=_assignments(count), **props
    )
    return construct, dict(Template.from_stack(stack).to_json()["Resources"])


def test_each_assignment_gives_a_group_a_permission_set_in_an_account() -> None:
    construct, resources = _resources(3)
    assert len(resources) == 3
    for n in range(1, 4):
        resource = construct.assignments[f"Developer.developers.account-{n}"]
        properties = resources[Stack.of(construct).resolve(resource.logical_id)]["Properties"]
        assert properties == {
            "InstanceArn": INSTANCE,
            "PermissionSetArn": PERMISSION_SET,
            "PrincipalId": GROUP,
            "PrincipalType": "GROUP",
            "TargetId": f"{n:012d}",
            "TargetType": "AWS_ACCOUNT",
        }


def test_assignments_queue_in_lanes_so_few_calls_are_in_flight() -> None:
    construct, resources = _resources(10, lanes=3)
    stack = Stack.of(construct)
    ids = [stack.resolve(r.logical_id) for r in construct.assignments.values()]
    # The first of each lane starts at once; every other waits for the one a lane earlier.
    starters = [i for i in ids if not resources[i].get("DependsOn")]
    assert starters == ids[:3]
    for index in range(3, 10):
        assert resources[ids[index]]["DependsOn"] == [ids[index - 3]]
    # So at most three are ever created at the same time.


def test_one_lane_is_a_single_chain() -> None:
    construct, resources = _resources(4, lanes=1)
    stack = Stack.of(construct)
    ids = [stack.resolve(r.logical_id) for r in construct.assignments.values()]
    assert [resources[i].get("DependsOn") for i in ids] == [None, [ids[0]], [ids[1]], [ids[2]]]


def test_tokens_are_checked_at_deploy_time() -> None:
    # A principal looked up at deploy time is the same token string in every assignment: two
    # of them cannot be told apart in synth, so neither the format nor duplicates are checked.
    principal = Fn.get_att("GroupLookup", "GroupId").to_string()
    construct = AccountAssignments(
        _stack(),
        "Assignments",
        instance_arn=INSTANCE,
        assignments=[
            Assignment(
                construct_id=name,
                permission_set_arn=PERMISSION_SET,
                principal_id=principal,
                account_id=Aws.ACCOUNT_ID,
            )
            for name in ("a", "b")
        ],
    )
    assert list(construct.assignments) == ["a", "b"]


def test_no_compliance_findings() -> None:
    construct, _ = _resources(5)
    assert violations(Stack.of(construct)) == {}


@pytest.mark.parametrize(
    ("assignments", "lanes", "message"),
    [
        ([], 4, "at least one assignment"),
        (_assignments(1), 0, f"lanes must be 1-{MAX_LANES}"),
        (_assignments(1), MAX_LANES + 1, f"lanes must be 1-{MAX_LANES}"),
        (_assignments(1) * 2, 4, "construct_id is used twice"),
        (
            [
                Assignment(
                    construct_id="a",
                    permission_set_arn=PERMISSION_SET,
                    principal_id=GROUP,
                    account_id="12345",
                )
            ],
            4,
            "12-digit account id",
        ),
        (
            [
                Assignment(
                    construct_id="a",
                    permission_set_arn=PERMISSION_SET,
                    principal_id=GROUP,
                    account_id="111111111111",
                    principal_type="ROLE",
                )
            ],
            4,
            "GROUP or USER",
        ),
        (
            [
                Assignment(
                    construct_id=name,
                    permission_set_arn=PERMISSION_SET,
                    principal_id=GROUP,
                    account_id="111111111111",
                )
                for name in ("a", "b")
            ],
            4,
            "assigned twice",
        ),
    ],
)
def test_rejects(assignments: list[Assignment], lanes: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AccountAssignments(
            _stack(), "Assignments", instance_arn=INSTANCE, assignments=assignments, lanes=lanes
        )
