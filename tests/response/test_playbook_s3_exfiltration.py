"""s3_exfiltration executed by moto's Step Functions against S3 bucket policies."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from landing_zone.response.playbooks import s3_exfiltration
from tests.response.emulated import Emulated, emulated, rollback_input, workflow_input
from tests.response.ip_block_world import forcing_error, patch_moto

BUCKET = "payments-exports-123456789012"
PRINCIPAL = "arn:aws:iam::123456789012:role/reporting-batch"
SID = "LzResponseDeny" + hashlib.md5(PRINCIPAL.encode()).hexdigest()
POLICY = {
    "Version": "2012-10-17",
    "Id": "payments-exports",
    "Statement": [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:role/reporting-batch"},
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        },
    ],
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulated]:
    with emulated() as env:
        patch_moto(env, monkeypatch)
        env.client("s3").create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": env.region}
        )
        yield env


@pytest.fixture
def machine(aws: Emulated) -> str:
    return aws.create_state_machine("s3_exfiltration", s3_exfiltration.definition())


def exfiltration_input(bucket: str = BUCKET, **kwargs: Any) -> dict[str, Any]:
    return workflow_input(
        "s3_exfiltration",
        plan={"bucket": bucket, "principal_arn": PRINCIPAL},
        finding_type="Exfiltration:S3/AnomalousBehavior",
        **kwargs,
    )


def policy(aws: Emulated) -> dict[str, Any] | None:
    s3 = aws.client("s3")
    try:
        text = s3.get_bucket_policy(Bucket=BUCKET)["Policy"]
    except s3.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchBucketPolicy":
            raise
        return None
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def put_policy(aws: Emulated) -> str:
    text = json.dumps(POLICY, indent=2)
    aws.client("s3").put_bucket_policy(Bucket=BUCKET, Policy=text)
    stored: str = aws.client("s3").get_bucket_policy(Bucket=BUCKET)["Policy"]
    return stored


DENY = {
    "Sid": SID,
    "Effect": "Deny",
    "Principal": {"AWS": PRINCIPAL},
    "Action": "s3:*",
    "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
}


def test_adds_a_deny_for_the_principal_and_keeps_the_other_statements(
    aws: Emulated, machine: str
) -> None:
    before = put_policy(aws)

    run = aws.run(machine, exfiltration_input())

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output is not None
    assert run.output["outcome"] == "contained"
    assert policy(aws) == {**POLICY, "Statement": [DENY, *POLICY["Statement"]]}
    assert run.output["before"] == {"bucket": BUCKET, "policy": before, "sid": SID}
    record, _ = aws.evidence("s3_exfiltration", run.arn)
    put = next(call for call in record["calls"] if call["step"] == "PutBucketPolicy")
    assert put["result"]["added"] == DENY


def test_a_bucket_without_a_policy_gets_one_with_the_deny_alone(
    aws: Emulated, machine: str
) -> None:
    run = aws.run(machine, exfiltration_input())

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output is not None
    assert run.output["outcome"] == "contained"
    assert run.output["before"]["policy"] is None
    assert policy(aws) == {"Version": "2012-10-17", "Statement": [DENY]}


def test_dry_run_changes_nothing(aws: Emulated, machine: str) -> None:
    before = put_policy(aws)

    run = aws.run(machine, exfiltration_input(mode="dry_run"))

    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output is not None
    assert run.output["outcome"] == "planned"
    assert aws.client("s3").get_bucket_policy(Bucket=BUCKET)["Policy"] == before


def test_a_second_run_changes_nothing_and_says_so(aws: Emulated, machine: str) -> None:
    put_policy(aws)
    first = aws.run(machine, exfiltration_input())
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    after_first = aws.client("s3").get_bucket_policy(Bucket=BUCKET)["Policy"]

    second = aws.run(machine, exfiltration_input(), name="second-run")

    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert second.output is not None
    assert second.output["outcome"] == "already_contained"
    assert aws.client("s3").get_bucket_policy(Bucket=BUCKET)["Policy"] == after_first


@pytest.mark.parametrize("had_policy", [True, False], ids=["policy", "no-policy"])
def test_rollback_restores_the_previous_policy_exactly(
    aws: Emulated, machine: str, had_policy: bool
) -> None:
    before = put_policy(aws) if had_policy else None
    contained = aws.run(machine, exfiltration_input())
    assert contained.output is not None
    assert contained.output["outcome"] == "contained"

    rolled_back = aws.run(machine, rollback_input(contained.arn), name="rollback")

    assert rolled_back.status == "SUCCEEDED", (rolled_back.error, rolled_back.cause)
    assert rolled_back.output is not None
    assert rolled_back.output["outcome"] == "rolled_back"
    if before is None:
        assert policy(aws) is None
    else:
        assert aws.client("s3").get_bucket_policy(Bucket=BUCKET)["Policy"] == before


def test_a_bucket_that_does_not_exist_fails_loudly_and_pages(aws: Emulated, machine: str) -> None:
    run = aws.run(machine, exfiltration_input("payments-exports-gone"))

    assert run.status == "FAILED"
    assert run.cause is not None
    assert "NoSuchBucket" in run.cause
    record, _ = aws.evidence("s3_exfiltration", run.arn)
    assert record["outcome"] == "failed"
    assert aws.messages("paging")[-1]["summary"].startswith("FAILED")


@pytest.mark.parametrize(
    ("map_state", "inner"), [("Inspect.Sids", "Sid.Yes"), ("Contain.Prepend", "Prepend.Old")]
)
def test_an_error_inside_a_map_pages_records_and_fails(
    aws: Emulated, map_state: str, inner: str
) -> None:
    # Both Maps shape the policy with Pass states and had no Catch: an error there failed the
    # execution without the FAILED page and without the evidence record.
    definition = forcing_error(s3_exfiltration.definition(), (map_state,), inner)
    machine = aws.create_state_machine("s3_exfiltration", definition)
    before = put_policy(aws)

    run = aws.run(machine, exfiltration_input())

    assert run.status == "FAILED"
    assert run.error == "Response.Failed"
    assert run.cause == f"Test.Forced: forced in {inner}"
    assert aws.client("s3").get_bucket_policy(Bucket=BUCKET)["Policy"] == before
    record, _ = aws.evidence("s3_exfiltration", run.arn)
    assert record["outcome"] == "failed"
    assert record["error"] == {"Error": "Test.Forced", "Cause": f"forced in {inner}"}
    assert record["before"]["policy"] == before
    assert aws.messages("paging")[-1]["summary"].startswith("FAILED: Test.Forced")
