"""contain_credentials executed by moto's Step Functions against emulated IAM."""

from __future__ import annotations

from typing import Any

import pytest

from landing_zone.response.playbooks import definition
from tests.response.emulated import Emulated, emulated, rollback_input, workflow_input

PLAYBOOK = "contain_credentials"
FINDING_TYPE = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"


@pytest.fixture
def aws():
    with emulated() as env:
        yield env


@pytest.fixture
def machine(aws: Emulated) -> str:
    return aws.create_state_machine(PLAYBOOK, definition(PLAYBOOK))


@pytest.fixture
def user_key(aws: Emulated) -> tuple[str, str, str]:
    """A user with two active keys: the finding names the first."""
    iam = aws.client("iam")
    iam.create_user(UserName="ci-deployer")
    leaked = iam.create_access_key(UserName="ci-deployer")["AccessKey"]["AccessKeyId"]
    other = iam.create_access_key(UserName="ci-deployer")["AccessKey"]["AccessKeyId"]
    return "ci-deployer", leaked, other


@pytest.fixture
def role(aws: Emulated) -> str:
    aws.client("iam").create_role(RoleName="payments-api", AssumeRolePolicyDocument="{}")
    return "payments-api"


def _key_input(user: str, key: str, **kwargs: Any) -> dict[str, Any]:
    plan = {
        "principal_type": "IAMUser",
        "user_name": user,
        "access_key_id": key,
        "revoke_before": "2026-12-01T10:00:00.000Z",
    }
    return workflow_input(PLAYBOOK, plan=plan, finding_type=FINDING_TYPE, **kwargs)


def _role_input(role: str, principal_type: str = "Role", **kwargs: Any) -> dict[str, Any]:
    plan = {
        "principal_type": principal_type,
        "role_name": role,
        "revoke_before": "2026-12-01T10:00:00.000Z",
    }
    return workflow_input(PLAYBOOK, plan=plan, finding_type=FINDING_TYPE, **kwargs)


def _statuses(aws: Emulated, user: str) -> dict[str, str]:
    keys = aws.client("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]
    return {key["AccessKeyId"]: key["Status"] for key in keys}


def _policies(aws: Emulated, role: str) -> list[str]:
    return list(aws.client("iam").list_role_policies(RoleName=role)["PolicyNames"])


def test_deactivates_the_named_key_only(aws: Emulated, machine: str, user_key) -> None:
    user, leaked, other = user_key

    run = aws.run(machine, _key_input(user, leaked))

    assert run.status == "SUCCEEDED", run.cause
    assert run.output is not None
    assert run.output["outcome"] == "contained"
    assert _statuses(aws, user) == {leaked: "Inactive", other: "Active"}  # not deleted
    assert run.output["before"]["key"] == {"id": leaked, "active": True, "inactive": False}
    assert "DeactivateKey" in [call["step"] for call in run.output["calls"]]
    record, _ = aws.evidence(PLAYBOOK, run.arn)
    assert record["outcome"] == "contained"


def test_key_second_run_is_a_no_op(aws: Emulated, machine: str, user_key) -> None:
    user, leaked, _ = user_key
    assert aws.run(machine, _key_input(user, leaked)).status == "SUCCEEDED"

    second = aws.run(machine, _key_input(user, leaked))

    assert second.output is not None
    assert second.output["outcome"] == "already_contained"
    assert "DeactivateKey" not in second.entered()


def test_key_dry_run_changes_nothing(aws: Emulated, machine: str, user_key) -> None:
    user, leaked, other = user_key

    run = aws.run(machine, _key_input(user, leaked, mode="dry_run"))

    assert run.output is not None
    assert run.output["outcome"] == "planned"
    assert _statuses(aws, user) == {leaked: "Active", other: "Active"}


def test_key_rollback_reactivates(aws: Emulated, machine: str, user_key) -> None:
    user, leaked, other = user_key
    contained = aws.run(machine, _key_input(user, leaked))

    rollback = aws.run(machine, rollback_input(contained.arn))

    assert rollback.status == "SUCCEEDED", rollback.cause
    assert rollback.output is not None
    assert rollback.output["outcome"] == "rolled_back"
    assert _statuses(aws, user) == {leaked: "Active", other: "Active"}


def test_unknown_key_ends_cleanly(aws: Emulated, machine: str, user_key) -> None:
    user, _, _ = user_key

    run = aws.run(machine, _key_input(user, "AKIAIOSFODNN7EXAMPLE"))

    assert run.status == "SUCCEEDED", run.cause
    assert run.output is not None
    assert run.output["outcome"] == "not_found"


def test_unknown_user_fails_loudly_and_pages(aws: Emulated, machine: str) -> None:
    # moto enforces no IAM on the state machine's calls: a refused call (NoSuchEntity) takes
    # the same States.ALL catch an AccessDenied takes.
    run = aws.run(machine, _key_input("gone", "AKIAIOSFODNN7EXAMPLE"))

    assert run.status == "FAILED"
    assert run.error == "Response.Failed"
    assert aws.messages("paging")[-1]["summary"].startswith("FAILED: ")


def test_revokes_role_sessions(aws: Emulated, machine: str, role: str) -> None:
    run = aws.run(machine, _role_input(role))

    assert run.status == "SUCCEEDED", run.cause
    assert run.output is not None
    assert run.output["outcome"] == "contained"
    name = f"lz-response-revoke-{run.output['finding']['id']}"
    assert _policies(aws, role) == [name]
    document = aws.client("iam").get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    statement = document["Statement"][0]
    assert (statement["Effect"], statement["Action"], statement["Resource"]) == ("Deny", "*", "*")
    assert set(statement["Condition"]["DateLessThan"]) == {"aws:TokenIssueTime"}

    second = aws.run(machine, _role_input(role))
    assert second.output is not None
    assert second.output["outcome"] == "already_contained"

    rollback = aws.run(machine, rollback_input(run.arn))
    assert rollback.status == "SUCCEEDED", rollback.cause
    assert _policies(aws, role) == []


def test_role_dry_run_changes_nothing(aws: Emulated, machine: str, role: str) -> None:
    run = aws.run(machine, _role_input(role, mode="dry_run"))

    assert run.output is not None
    assert run.output["outcome"] == "planned"
    assert _policies(aws, role) == []


@pytest.mark.parametrize("principal_type", ["IdentityCenterRole", "Root"])
def test_manual_step_is_paged_and_nothing_changes(
    aws: Emulated, machine: str, principal_type: str
) -> None:
    role = "AWSReservedSSO_PlatformAdmin_0123456789abcdef"
    aws.client("iam").create_role(RoleName=role, AssumeRolePolicyDocument="{}")

    run = aws.run(machine, _role_input(role, principal_type))

    assert run.status == "SUCCEEDED", run.cause
    assert run.output is not None
    assert run.output["outcome"] == "manual_step_required"
    assert _policies(aws, role) == []
    pages = aws.messages("paging")
    manual = [page for page in pages if page["summary"].startswith("MANUAL STEP REQUIRED")]
    assert len(manual) == 1
    assert manual[0]["plan"]["role_name"] == role
    assert pages[-1]["outcome"] == "manual_step_required"
