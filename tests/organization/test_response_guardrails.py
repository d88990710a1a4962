"""What the guardrails add when the landing zone has incident response (issue 15): forensic
snapshots nobody but the response role deletes or shares, and the response role's access-key
updates."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import EXAMPLE_CONFIG

from landing_zone.common.credentials import IAM_USER_CREDENTIAL_ACTIONS
from landing_zone.config import load_config
from landing_zone.config.guardrails import scp_parameters
from landing_zone.organization.guardrails import (
    FORENSIC_SNAPSHOT_TAG_KEY,
    GUARDRAILS,
    GuardrailParameters,
    PolicyStatement,
    guardrail_statements,
)
from landing_zone.organization.packing import (
    DEFAULT_MAX_POLICIES,
    MAX_POLICY_CHARACTERS,
    pack_guardrails,
)

TOOLING = "333333333333"
TAGGED = {"Null": {"aws:ResourceTag/lz-forensic-finding": "false"}}
SNAPSHOTS = "arn:aws:ec2:*::snapshot/*"


def _params(**changes: object) -> GuardrailParameters:
    defaults: dict[str, object] = {
        "governed_regions": ("eu-west-1", "eu-central-1"),
        "incident_response_account_id": TOOLING,
    }
    return GuardrailParameters(**{**defaults, **changes})  # type: ignore[arg-type]


def _by_sid(statements: list[PolicyStatement]) -> dict[str, PolicyStatement]:
    return {str(s["Sid"]): s for s in statements}


def test_the_forensic_tag_key() -> None:
    assert FORENSIC_SNAPSHOT_TAG_KEY == "lz-forensic-finding"


def test_response_role_arn_follows_the_prefix() -> None:
    assert _params().response_role_arn == "arn:aws:iam::*:role/lz-response"
    assert _params(landing_zone_role_prefix="acme-").response_role_arn == (
        "arn:aws:iam::*:role/acme-response"
    )
    assert _params(incident_response_account_id=None).response_role_arn is None


def test_forensic_snapshots_only_the_response_role_deletes_untags_or_shares() -> None:
    statements = _by_sid(guardrail_statements("keep-data-in-organization", _params()))
    assert statements["ProtectForensicSnapshots"] == {
        "Sid": "ProtectForensicSnapshots",
        "Effect": "Deny",
        "Action": ["ec2:DeleteSnapshot", "ec2:DeleteTags", "ec2:ModifySnapshotAttribute"],
        "Resource": SNAPSHOTS,
        "Condition": {
            **TAGGED,
            # Not the landing-zone exemption: the StackSets and CDK execution roles and every
            # other lz-* role are denied too.
            "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/lz-response"},
        },
    }


def test_forensic_snapshots_are_shared_with_the_security_tooling_account_only() -> None:
    statements = _by_sid(guardrail_statements("keep-data-in-organization", _params()))
    # No principal condition: the response role itself is held to it.
    assert statements["ShareForensicSnapshotsForAnalysisOnly"] == {
        "Sid": "ShareForensicSnapshotsForAnalysisOnly",
        "Effect": "Deny",
        "Action": "ec2:ModifySnapshotAttribute",
        "Resource": SNAPSHOTS,
        "Condition": {
            **TAGGED,
            "ForAnyValue:StringNotEquals": {"ec2:Add/userId": TOOLING},
        },
    }


def test_response_role_may_update_access_keys_and_nothing_else_of_the_credentials() -> None:
    statements = _by_sid(guardrail_statements("deny-iam-users-and-access-keys", _params()))
    credentials = statements["DenyIamUsersAndAccessKeys"]
    assert "iam:UpdateAccessKey" not in credentials["Action"]
    assert sorted([*credentials["Action"], "iam:UpdateAccessKey"]) == sorted(
        IAM_USER_CREDENTIAL_ACTIONS
    )
    assert credentials["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/lz-break-glass"]}
    }
    assert statements["DenyAccessKeyUpdates"] == {
        "Sid": "DenyAccessKeyUpdates",
        "Effect": "Deny",
        "Action": "iam:UpdateAccessKey",
        "Resource": "*",
        "Condition": {
            "ArnNotLike": {
                "aws:PrincipalArn": [
                    "arn:aws:iam::*:role/lz-break-glass",
                    "arn:aws:iam::*:role/lz-response",
                ]
            }
        },
    }


def test_without_break_glass_only_the_response_role_updates_keys() -> None:
    statements = _by_sid(
        guardrail_statements("deny-iam-users-and-access-keys", _params(break_glass_role_names=()))
    )
    assert "Condition" not in statements["DenyIamUsersAndAccessKeys"]
    assert statements["DenyAccessKeyUpdates"]["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/lz-response"]}
    }


def test_without_incident_response_nothing_changes() -> None:
    params = _params(incident_response_account_id=None)
    data = _by_sid(guardrail_statements("keep-data-in-organization", params))
    assert not {"ProtectForensicSnapshots", "ShareForensicSnapshotsForAnalysisOnly"} & set(data)
    credentials = _by_sid(guardrail_statements("deny-iam-users-and-access-keys", params))
    assert "DenyAccessKeyUpdates" not in credentials
    assert credentials["DenyIamUsersAndAccessKeys"]["Action"] == list(IAM_USER_CREDENTIAL_ACTIONS)


@pytest.mark.parametrize("value", ["33333333333", "sec-tooling", ""])
def test_rejects_a_bad_incident_response_account_id(value: str) -> None:
    with pytest.raises(ValueError, match="incident_response_account_id must be a 12-digit"):
        _params(incident_response_account_id=value)


def test_reference_guardrails_still_fit_with_incident_response() -> None:
    """Root has almost no room left: the statements go where they fit, every document within
    AWS's limits (the packing reshuffles Root and the data guardrails of each OU)."""
    config = load_config(EXAMPLE_CONFIG)
    params = dataclasses.replace(
        scp_parameters(config),
        incident_response_account_id=config.core_account_id("security_tooling"),
    )
    for target, names in config.guardrails.service_control_policies.items():
        packed = pack_guardrails(list(names), params, catalog=GUARDRAILS)
        assert len(packed) <= DEFAULT_MAX_POLICIES, target
        assert all(p.characters <= MAX_POLICY_CHARACTERS for p in packed), target
