"""The triage handler's exact AWS calls, asserted with botocore's Stubber."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from landing_zone.config import LandingZoneConfig
from landing_zone.response.runtime import triage
from landing_zone.response.runtime.decisions import decide, execution_name, workflow_input
from landing_zone.response.settings import compile_settings

FINDINGS = Path(__file__).parent / "findings"
NOW = datetime(2026, 12, 1, 10, 0, 30, tzinfo=UTC)
REGION = "eu-west-1"
STATE_MACHINES = "arn:aws:states:eu-west-1:333333333333:stateMachine:lz-response-"
ALERT_TOPIC = "arn:aws:sns:eu-west-1:333333333333:lz-security-findings-alerts"


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FINDINGS / f"{name}.json").read_text())
    return loaded


@pytest.fixture(scope="module")
def settings(example_config: LandingZoneConfig) -> dict[str, Any]:
    return compile_settings(example_config)


class Stubbed:
    def __init__(self) -> None:
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        self.clients = triage.Clients(
            ssm=session.client("ssm"),
            events=session.client("events"),
            sns=session.client("sns"),
            stepfunctions=session.client("stepfunctions"),
        )
        self.ssm = Stubber(self.clients.ssm)
        self.events = Stubber(self.clients.events)
        self.sns = Stubber(self.clients.sns)
        self.stepfunctions = Stubber(self.clients.stepfunctions)
        self.all = (self.ssm, self.events, self.sns, self.stepfunctions)

    def expect_ticket(self, doc: dict[str, Any], settings: dict[str, Any], ops_item: str) -> None:
        decision = decide(doc, settings, NOW)
        self.ssm.add_response(
            "create_ops_item",
            {"OpsItemId": ops_item},
            {
                "Title": triage._title(decision),
                "Description": triage._description(decision, settings),
                "Source": "lz.response",
                "Category": "Security",
                "Severity": triage.OPS_ITEM_SEVERITY[decision.tier],
                "OperationalData": {
                    "/aws/dedup": {
                        "Value": json.dumps(
                            {"dedupString": f"lz-response:{doc['detail'].get('id')}"}
                        ),
                        "Type": "SearchableString",
                    },
                    "lz-response:finding": {
                        "Value": json.dumps(decision.finding, sort_keys=True),
                        "Type": "SearchableString",
                    },
                    "lz-response:decision": {"Value": ANY, "Type": "String"},
                },
            },
        )
        self.expect_ticket_event(doc, ops_item)

    def expect_ticket_event(self, doc: dict[str, Any], ops_item: str) -> None:
        self.events.add_response(
            "put_events",
            {"FailedEntryCount": 0, "Entries": [{"EventId": "11111111-2222-3333-4444-5555"}]},
            {
                "Entries": [
                    {
                        "Source": "lz.response",
                        "DetailType": "Landing Zone Response Ticket",
                        "Resources": [doc["detail"]["arn"]],
                        "Detail": ANY,
                    }
                ]
            },
        )

    def expect_start(
        self, doc: dict[str, Any], settings: dict[str, Any], playbook: str, ops_item: str | None
    ) -> str:
        name = execution_name(doc)
        arn = f"arn:aws:states:eu-west-1:333333333333:execution:lz-response-{playbook}:{name}"
        self.stepfunctions.add_response(
            "start_execution",
            {"executionArn": arn, "startDate": NOW},
            {
                "stateMachineArn": f"{STATE_MACHINES}{playbook}",
                "name": name,
                "input": json.dumps(
                    workflow_input(decide(doc, settings, NOW), ops_item), sort_keys=True
                ),
            },
        )
        return arn

    def expect_alert(self) -> None:
        self.sns.add_response(
            "publish",
            {"MessageId": "5b1f6e3c-0000-4000-8000-000000000001"},
            {"TopicArn": ALERT_TOPIC, "Subject": ANY, "Message": ANY},
        )


@pytest.fixture
def aws() -> Iterator[Stubbed]:
    stubbed = Stubbed()
    for stubber in stubbed.all:
        stubber.activate()
    yield stubbed
    for stubber in stubbed.all:
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def test_contain_tier_starts_the_playbook_with_the_workflow_input(
    aws: Stubbed, settings: dict[str, Any]
) -> None:
    doc = event("ec2-cc-activity")
    arn = aws.expect_start(doc, settings, "isolate-instance", None)
    summary = triage.handle(doc, settings, aws.clients, NOW)
    assert summary["execution"] == {"arn": arn, "started": True}
    assert (summary["tier"], summary["action"], summary["mode"]) == ("HIGH", "contain", "approval")
    assert "ops_item_id" not in summary
    assert "message_id" not in summary


def test_forwarded_finding_starts_the_same_home_region_state_machine(
    aws: Stubbed, settings: dict[str, Any]
) -> None:
    doc = event("forwarded-eu-central-1")
    aws.expect_start(doc, settings, "isolate-instance", None)
    triage.handle(doc, settings, aws.clients, NOW)


def test_redelivered_event_is_already_handled(aws: Stubbed, settings: dict[str, Any]) -> None:
    doc = event("iam-instance-credential-exfiltration")
    aws.stepfunctions.add_client_error(
        "start_execution",
        service_error_code="ExecutionAlreadyExists",
        service_message="Execution Already Exists",
        expected_params={
            "stateMachineArn": f"{STATE_MACHINES}contain-credentials",
            "name": execution_name(doc),
            "input": ANY,
        },
    )
    summary = triage.handle(doc, settings, aws.clients, NOW)
    assert summary["execution"] == {
        "arn": "arn:aws:states:eu-west-1:333333333333:execution:lz-response-contain-credentials:"
        + execution_name(doc),
        "started": False,
    }


def test_other_start_errors_fail_the_invocation(aws: Stubbed, settings: dict[str, Any]) -> None:
    doc = event("iam-instance-credential-exfiltration")
    aws.stepfunctions.add_client_error(
        "start_execution", service_error_code="StateMachineDoesNotExist"
    )
    with pytest.raises(aws.clients.stepfunctions.exceptions.StateMachineDoesNotExist):
        triage.handle(doc, settings, aws.clients, NOW)


def test_ticket_tier_opens_an_ops_item_emits_the_event_and_records_with_the_playbook(
    aws: Stubbed, settings: dict[str, Any]
) -> None:
    doc = event("ec2-ssh-brute-force")
    aws.expect_ticket(doc, settings, "oi-0a1b2c3d4e5f")
    aws.expect_start(doc, settings, "block-network-actor", "oi-0a1b2c3d4e5f")
    summary = triage.handle(doc, settings, aws.clients, NOW)
    assert summary["ops_item_id"] == "oi-0a1b2c3d4e5f"
    assert summary["execution"]["started"] is True


def test_ticket_event_detail_names_the_ops_item_and_the_decision(
    aws: Stubbed, settings: dict[str, Any]
) -> None:
    doc = event("unmapped-policy")
    captured: list[dict[str, Any]] = []
    aws.clients.events.meta.events.register(
        "provide-client-params.events.PutEvents",
        lambda params, **_: captured.append(json.loads(params["Entries"][0]["Detail"])),
    )
    aws.expect_ticket(doc, settings, "oi-00000000000a")
    summary = triage.handle(doc, settings, aws.clients, NOW)
    assert "execution" not in summary  # no playbook maps the type
    assert captured[0]["ops_item_id"] == "oi-00000000000a"
    assert captured[0]["finding"]["type"] == "Policy:S3/BucketBlockPublicAccessDisabled"
    assert captured[0]["playbook"] is None
    assert captured[0]["reason"] == "no playbook maps Policy:S3/BucketBlockPublicAccessDisabled"


def test_open_ops_item_of_the_same_finding_is_reused(
    aws: Stubbed, settings: dict[str, Any]
) -> None:
    doc = event("unmapped-policy")
    aws.ssm.add_client_error(
        "create_ops_item",
        service_error_code="OpsItemAlreadyExistsException",
        service_message="The OpsItem already exists.",
        response_meta={},
        modeled_fields={"OpsItemId": "oi-existing0001"},
    )
    aws.expect_ticket_event(doc, "oi-existing0001")
    summary = triage.handle(doc, settings, aws.clients, NOW)
    assert summary["ops_item_id"] == "oi-existing0001"


def test_refused_ticket_event_fails_the_invocation(aws: Stubbed, settings: dict[str, Any]) -> None:
    doc = event("unmapped-policy")
    aws.ssm.add_response("create_ops_item", {"OpsItemId": "oi-00000000000b"})
    aws.events.add_response(
        "put_events",
        {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure"}]},
    )
    with pytest.raises(RuntimeError, match="ticket event was refused"):
        triage.handle(doc, settings, aws.clients, NOW)


def test_notify_tier_publishes_to_the_alert_topic_and_records_with_the_playbook(
    aws: Stubbed, settings: dict[str, Any]
) -> None:
    doc = event("iam-malicious-ip-caller")
    aws.expect_alert()
    aws.expect_start(doc, settings, "contain-credentials", None)
    summary = triage.handle(doc, settings, aws.clients, NOW)
    assert summary["message_id"] == "5b1f6e3c-0000-4000-8000-000000000001"


def test_refused_block_at_contain_tier_alerts_instead(
    aws: Stubbed, settings: dict[str, Any]
) -> None:
    doc = event("ec2-rdp-brute-force-private-ip")
    captured: list[dict[str, Any]] = []
    aws.clients.sns.meta.events.register(
        "provide-client-params.sns.Publish", lambda params, **_: captured.append(params)
    )
    aws.expect_alert()
    summary = triage.handle(doc, settings, aws.clients, NOW)
    assert "execution" not in summary
    message = json.loads(captured[0]["Message"])
    assert message["reason"].startswith("not blocked: 10.40.7.19 is a private")
    assert message["plan"] is None
    subject = captured[0]["Subject"]
    assert len(subject) <= 100
    assert re.fullmatch(r"[\x20-\x7e]+", subject)


def test_root_use_outside_a_window_runs_the_root_playbook(
    aws: Stubbed, settings: dict[str, Any]
) -> None:
    doc = event("root-console-sign-in")
    aws.expect_start(doc, settings, "root-use", None)
    summary = triage.handle(doc, settings, aws.clients, NOW)
    assert summary["tier"] == "CRITICAL"


def test_sample_finding_runs_its_playbook_as_a_dry_run_drill(
    aws: Stubbed, settings: dict[str, Any]
) -> None:
    doc = event("sample-cc-activity")
    captured: list[dict[str, Any]] = []
    aws.clients.stepfunctions.meta.events.register(
        "provide-client-params.states.StartExecution",
        lambda params, **_: captured.append(json.loads(params["input"])),
    )
    aws.expect_start(doc, settings, "isolate-instance", None)
    triage.handle(doc, settings, aws.clients, NOW)
    assert (captured[0]["mode"], captured[0]["drill"]) == ("dry_run", True)


def test_handler_reads_settings_json_from_the_overridable_path(
    tmp_path: Path, settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(settings))
    triage.load_settings.cache_clear()
    monkeypatch.setenv(triage.SETTINGS_ENVIRONMENT_VARIABLE, str(path))
    try:
        assert triage.load_settings() == settings
    finally:
        triage.load_settings.cache_clear()
    assert triage.SETTINGS_PATH.name == "settings.json"
    assert triage.SETTINGS_PATH.parent == Path(triage.__file__).parent
