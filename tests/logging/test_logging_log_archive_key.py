"""LogArchiveKey: the log archive's key, with a key policy that grants no kms:*."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.compliance import violations
from landing_zone.logging import LogArchiveKey

ORGANIZATION_ID = "o-a1b2c3d4e5"
MANAGEMENT = "111111111111"
LOG_ARCHIVE = "222222222222"
SECURITY_TOOLING = "333333333333"
PROPS: dict[str, Any] = {
    "organization_id": ORGANIZATION_ID,
    "organization_name": "acme",
    "management_account_id": MANAGEMENT,
    "security_tooling_account_id": SECURITY_TOOLING,
}


def _stack() -> Stack:
    return Stack(
        App(context=cdk_context()),
        "LogArchive",
        env=Environment(account=LOG_ARCHIVE, region="eu-central-1"),
    )


def _key_stack(**props: Any) -> Stack:
    stack = _stack()
    LogArchiveKey(stack, "Key", **{**PROPS, **props})
    return stack


def _statements(stack: Stack) -> dict[str, dict[str, Any]]:
    key: Any
    (key,) = Template.from_stack(stack).find_resources("AWS::KMS::Key").values()
    return {s["Sid"]: s for s in key["Properties"]["KeyPolicy"]["Statement"]}


def _arn(suffix: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, suffix]]}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def stack() -> Stack:
    return _key_stack()


@pytest.fixture(scope="module")
def statements(stack: Stack) -> dict[str, dict[str, Any]]:
    return _statements(stack)


def test_key_rotates_waits_30_days_before_deletion_and_is_retained(stack: Stack) -> None:
    Template.from_stack(stack).has_resource(
        "AWS::KMS::Key",
        {
            "Properties": {"EnableKeyRotation": True, "PendingWindowInDays": 30},
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_alias_is_the_derived_name(stack: Stack) -> None:
    Template.from_stack(stack).has_resource_properties(
        "AWS::KMS::Alias", {"AliasName": "alias/acme/logs"}
    )


def test_logical_id_is_pinned(stack: Stack) -> None:
    assert list(Template.from_stack(stack).find_resources("AWS::KMS::Key")) == ["KeyE447D366"]


def test_no_statement_grants_kms_star(statements: dict[str, dict[str, Any]]) -> None:
    for sid, statement in statements.items():
        actions = {a.lower() for a in _as_list(statement["Action"])}
        assert not actions & {"*", "kms:*"}, sid


def test_account_root_only_administers_the_key(statements: dict[str, dict[str, Any]]) -> None:
    administration = statements["KeyAdministrationByThisAccount"]
    assert administration["Principal"] == {"AWS": f"arn:aws:iam::{LOG_ARCHIVE}:root"}
    assert "Condition" not in administration
    actions = set(administration["Action"])
    assert "kms:PutKeyPolicy" in actions
    assert actions.isdisjoint(
        {
            "kms:Decrypt",
            "kms:Encrypt",
            "kms:GenerateDataKey",
            "kms:ReEncryptFrom",
            "kms:CreateGrant",
            "kms:DisableKeyRotation",
        }
    )
    assert not any("*" in action for action in actions)


def test_key_policy_and_alias_changes_are_denied_to_all_but_the_landing_zone(
    statements: dict[str, dict[str, Any]],
) -> None:
    # Escape 8: alias/acme/logs names the key for the trail, GuardDuty's export and replication;
    # an admin of the log archive account could repoint it or rewrite the key policy.
    deny = statements["DenyKeyChangesOutsideTheLandingZone"]
    assert (deny["Effect"], deny["Principal"]) == ("Deny", {"AWS": "*"})
    assert {
        "kms:PutKeyPolicy",
        "kms:ScheduleKeyDeletion",
        "kms:DisableKey",
        "kms:DisableKeyRotation",
        "kms:UpdateAlias",
        "kms:DeleteAlias",
        "kms:CreateAlias",
        "kms:UpdateKeyDescription",
    } <= set(deny["Action"])
    # The log archive stack is deployed by the lzone qualifier's CloudFormation execution role.
    principals = deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert "arn:aws:iam::*:role/cdk-lzone-cfn-exec-role-*" in principals
    assert statements["DenyGrantsOutsideTheLandingZone"]["Effect"] == "Deny"


def test_landing_zone_principals_override_reaches_the_key_policy() -> None:
    principals = ["arn:aws:iam::*:role/acme-*"]
    statements = _statements(_key_stack(landing_zone_principals=principals))
    deny = statements["DenyKeyChangesOutsideTheLandingZone"]
    assert deny["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": principals}}


def test_account_principals_decrypt_only_through_s3(statements: dict[str, dict[str, Any]]) -> None:
    reader = statements["ReadLogsThroughS3InThisAccount"]
    assert reader["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    assert reader["Condition"] == {
        "StringEquals": {
            "kms:ViaService": {"Fn::Join": ["", ["s3.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]},
            "kms:CallerAccount": {"Ref": "AWS::AccountId"},
        }
    }


def test_cloudtrail_encrypts_for_the_organization_trail_only(
    statements: dict[str, dict[str, Any]],
) -> None:
    trail_arn = _arn(f":cloudtrail:eu-central-1:{MANAGEMENT}:trail/acme-organization-trail")
    encrypt = statements["CloudTrailEncryptsOrganizationTrailLogs"]
    assert encrypt["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert encrypt["Action"] == "kms:GenerateDataKey*"
    assert encrypt["Condition"] == {
        "StringEquals": {"aws:SourceArn": trail_arn},
        "StringLike": {
            "kms:EncryptionContext:aws:cloudtrail:arn": _arn(f":cloudtrail:*:{MANAGEMENT}:trail/*")
        },
    }
    describe = statements["CloudTrailDescribesKey"]
    assert describe["Action"] == "kms:DescribeKey"
    assert describe["Condition"] == {"StringEquals": {"aws:SourceArn": trail_arn}}


def test_management_account_decrypts_only_cloudtrail_data(
    statements: dict[str, dict[str, Any]],
) -> None:
    decrypt = statements["TrailCreatorDecryptsTrailLogs"]
    assert decrypt["Principal"] == {"AWS": f"arn:aws:iam::{MANAGEMENT}:root"}
    assert decrypt["Action"] == "kms:Decrypt"
    assert decrypt["Condition"] == {
        "StringLike": {
            "kms:EncryptionContext:aws:cloudtrail:arn": _arn(f":cloudtrail:*:{MANAGEMENT}:trail/*")
        }
    }


@pytest.mark.parametrize(
    ("sid", "service", "actions"),
    [
        (
            "ConfigEncryptsDeliveries",
            "config.amazonaws.com",
            ["kms:Decrypt", "kms:GenerateDataKey"],
        ),
        (
            "LogDeliveryEncryptsFlowLogs",
            "delivery.logs.amazonaws.com",
            [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
            ],
        ),
        ("BedrockEncryptsInvocationLogs", "bedrock.amazonaws.com", "kms:GenerateDataKey"),
    ],
)
def test_organization_services_encrypt_for_this_organization_only(
    statements: dict[str, dict[str, Any]], sid: str, service: str, actions: Any
) -> None:
    statement = statements[sid]
    assert statement["Principal"] == {"Service": service}
    assert statement["Action"] == actions
    assert statement["Condition"] == {"StringEquals": {"aws:SourceOrgID": ORGANIZATION_ID}}


def test_guardduty_encrypts_for_the_security_tooling_account_only(
    statements: dict[str, dict[str, Any]],
) -> None:
    statement = statements["GuardDutyEncryptsFindings"]
    assert statement["Principal"] == {"Service": "guardduty.amazonaws.com"}
    assert statement["Action"] == "kms:GenerateDataKey"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": SECURITY_TOOLING},
        "ArnLike": {"aws:SourceArn": _arn(f":guardduty:*:{SECURITY_TOOLING}:detector/*")},
    }


def test_trail_region_override_names_the_trail_of_that_region() -> None:
    statement = _statements(_key_stack(trail_region="eu-west-1"))["CloudTrailDescribesKey"]
    assert statement["Condition"]["StringEquals"]["aws:SourceArn"] == _arn(
        f":cloudtrail:eu-west-1:{MANAGEMENT}:trail/acme-organization-trail"
    )


def test_additional_statements_join_the_policy() -> None:
    reader = iam.PolicyStatement(
        sid="AuditorsReadThroughS3",
        principals=[iam.ArnPrincipal("arn:aws:iam::444444444444:role/Auditor")],
        actions=["kms:Decrypt"],
        resources=["*"],
        conditions={"StringEquals": {"kms:ViaService": "s3.eu-central-1.amazonaws.com"}},
    )
    statements = _statements(_key_stack(additional_key_policy_statements=[reader]))
    assert statements["AuditorsReadThroughS3"]["Principal"] == {
        "AWS": "arn:aws:iam::444444444444:role/Auditor"
    }


def test_accepts_a_wildcard_principal_narrowed_by_a_condition() -> None:
    statement = iam.PolicyStatement(
        sid="OrganizationDescribes",
        principals=[iam.AnyPrincipal()],
        actions=["kms:DescribeKey"],
        resources=["*"],
        conditions={"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION_ID}},
    )
    assert "OrganizationDescribes" in _statements(
        _key_stack(additional_key_policy_statements=[statement])
    )


KMS_STAR = r"allows kms:\*"


def _statement(**overrides: Any) -> iam.PolicyStatement:
    props: dict[str, Any] = {
        "sid": "Extra",
        "principals": [iam.ArnPrincipal("arn:aws:iam::444444444444:role/Reader")],
        "actions": ["kms:Decrypt"],
        "resources": ["*"],
    }
    return iam.PolicyStatement(**{**props, **overrides})


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (_statement(principals=[iam.AnyPrincipal()], actions=["kms:*"]), KMS_STAR),
        (_statement(principals=[iam.AccountRootPrincipal()], actions=["kms:*"]), KMS_STAR),
        (_statement(principals=[iam.AccountPrincipal(MANAGEMENT)], actions=["*"]), KMS_STAR),
        (_statement(actions=["KMS:*"]), KMS_STAR),
        (_statement(principals=[iam.AnyPrincipal()]), "wildcard principal without a condition"),
        (_statement(principals=[iam.StarPrincipal()]), "wildcard principal without a condition"),
        (_statement(actions=[], not_actions=["kms:Encrypt"]), "NotAction"),
        (
            _statement(principals=[], not_principals=[iam.AccountRootPrincipal()]),
            "NotPrincipal",
        ),
        (_statement(sid=None), "every statement needs a sid"),
        (_statement(sid="CloudTrailDescribesKey"), "'CloudTrailDescribesKey' is used twice"),
    ],
)
def test_rejects_broad_or_unnamed_additional_statements(
    statement: iam.PolicyStatement, message: str
) -> None:
    with pytest.raises(ValueError, match=f"additional_key_policy_statements: .*{message}"):
        _key_stack(additional_key_policy_statements=[statement])


def test_rejects_two_additional_statements_with_one_sid() -> None:
    with pytest.raises(ValueError, match="'Extra' is used twice"):
        _key_stack(additional_key_policy_statements=[_statement(), _statement()])


def test_rejects_a_single_statement_where_a_list_is_expected() -> None:
    with pytest.raises(TypeError, match="expected a list of PolicyStatement"):
        _key_stack(additional_key_policy_statements=_statement())


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"organization_id": "o-1"}, "organization_id: 'o-1' is not an AWS Organizations id"),
        ({"management_account_id": "1111"}, "management_account_id: '1111'"),
        ({"security_tooling_account_id": "x"}, "security_tooling_account_id: 'x'"),
        ({"trail_region": "Frankfurt"}, "trail_region: 'Frankfurt'"),
        ({"organization_name": "Acme"}, "organization_name: 'Acme'"),
    ],
)
def test_rejects_impossible_props(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _key_stack(**props)


def test_key_passes_the_compliance_packs(stack: Stack) -> None:
    assert violations(stack) == {}
