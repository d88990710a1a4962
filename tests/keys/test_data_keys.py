"""DataClassKey and DataClassKeys: a rotated, retained key per data class whose key policy grants
no kms:* and lets the account use the key only through the services of its data class."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.compliance import violations
from landing_zone.keys import (
    DEFAULT_DATA_CLASSES,
    DataClassKey,
    DataClassKeys,
    DataClassKeySettings,
)

ACCOUNT = "222222222222"
OTHER_ACCOUNT = "444444444444"
PROPS: dict[str, Any] = {"data_class": "data", "alias_prefix": "acme-pay", "services": ["s3"]}


def _stack() -> Stack:
    return Stack(
        App(context=cdk_context()), "Keys", env=Environment(account=ACCOUNT, region="eu-west-1")
    )


def _key_stack(**props: Any) -> Stack:
    stack = _stack()
    DataClassKey(stack, "Key", **{**PROPS, **props})
    return stack


def _key(stack: Stack) -> dict[str, Any]:
    (key,) = Template.from_stack(stack).find_resources("AWS::KMS::Key").values()
    return dict(key)


def _statements(stack: Stack) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in _key(stack)["Properties"]["KeyPolicy"]["Statement"]}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _via(*services: str) -> list[dict[str, Any]]:
    return [
        {"Fn::Join": ["", [f"{service}.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
        for service in services
    ]


@pytest.fixture(scope="module")
def stack() -> Stack:
    return _key_stack(services=["logs", "s3", "ec2"])


@pytest.fixture(scope="module")
def statements(stack: Stack) -> dict[str, dict[str, Any]]:
    return _statements(stack)


def test_defaults_rotate_yearly_wait_30_days_single_region_and_retain(stack: Stack) -> None:
    key = _key(stack)
    assert key["DeletionPolicy"] == "Retain"
    assert key["UpdateReplacePolicy"] == "Retain"
    properties = key["Properties"]
    assert properties["EnableKeyRotation"] is True
    assert properties["RotationPeriodInDays"] == 365
    assert properties["PendingWindowInDays"] == 30
    assert properties["MultiRegion"] is False


def test_alias_is_prefix_and_data_class(stack: Stack) -> None:
    Template.from_stack(stack).has_resource_properties(
        "AWS::KMS::Alias", {"AliasName": "alias/acme-pay/data"}
    )


def test_logical_id_is_pinned(stack: Stack) -> None:
    assert list(Template.from_stack(stack).find_resources("AWS::KMS::Key")) == ["KeyE447D366"]


def test_overrides_reach_the_template() -> None:
    properties = _key(
        _key_stack(
            rotation_period=Duration.days(90),
            pending_window=Duration.days(7),
            multi_region=True,
        )
    )["Properties"]
    assert properties["RotationPeriodInDays"] == 90
    assert properties["PendingWindowInDays"] == 7
    assert properties["MultiRegion"] is True


def test_multi_region_key_lets_the_account_replicate_it() -> None:
    replication = _statements(_key_stack(multi_region=True))["ReplicationByThisAccount"]
    assert replication["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert replication["Action"] == ["kms:ReplicateKey", "kms:UpdatePrimaryRegion"]


def test_single_region_key_has_no_replication_statement(
    statements: dict[str, dict[str, Any]],
) -> None:
    assert "ReplicationByThisAccount" not in statements


def test_no_statement_grants_kms_star_or_a_bare_wildcard_principal(
    statements: dict[str, dict[str, Any]],
) -> None:
    for sid, statement in statements.items():
        actions = {a.lower() for a in _as_list(statement["Action"])}
        assert not actions & {"*", "kms:*"}, sid
        principal = statement["Principal"]
        wildcard = principal == "*" or "*" in _as_list(principal.get("AWS", []))
        assert not wildcard or "Condition" in statement, sid


def test_account_root_only_administers_the_key(statements: dict[str, dict[str, Any]]) -> None:
    administration = statements["KeyAdministrationByThisAccount"]
    assert administration["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert "Condition" not in administration
    assert set(administration["Action"]).isdisjoint(
        {"kms:Decrypt", "kms:Encrypt", "kms:CreateGrant", "kms:DisableKeyRotation"}
    )


def test_account_uses_the_key_only_through_its_services(
    statements: dict[str, dict[str, Any]],
) -> None:
    through_services = {
        "kms:ViaService": _via("ec2", "s3"),
        "kms:CallerAccount": {"Ref": "AWS::AccountId"},
    }
    use = statements["UseThroughServicesInThisAccount"]
    assert use["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert use["Action"] == ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    assert use["Condition"] == {"StringEquals": through_services}
    attach = statements["AttachToResourcesThroughServicesInThisAccount"]
    assert attach["Action"] == "kms:CreateGrant"
    assert attach["Condition"] == {
        "StringEquals": through_services,
        "Bool": {"kms:GrantIsForAWSResource": "true"},
    }


def test_cloudwatch_logs_uses_the_key_for_log_groups_of_this_account_and_region(
    statements: dict[str, dict[str, Any]],
) -> None:
    logs = statements["CloudWatchLogsOfThisAccountAndRegion"]
    assert logs["Principal"] == {
        "Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
    }
    assert "kms:Decrypt" in logs["Action"]
    (context,) = logs["Condition"]["ArnLike"].values()
    assert ":log-group:*" in json.dumps(context)
    assert list(logs["Condition"]["ArnLike"]) == ["kms:EncryptionContext:aws:logs:arn"]


def test_without_services_only_administration_is_allowed() -> None:
    statements = _statements(_key_stack(services=[]))
    assert [sid for sid, s in statements.items() if s["Effect"] == "Allow"] == [
        "KeyAdministrationByThisAccount"
    ]


KEY_PROTECTION = [
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:PutKeyPolicy",
    "kms:ReplicateKey",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
    "kms:UpdatePrimaryRegion",
]
LANDING_ZONE = [
    "arn:aws:iam::*:role/lz-*",
    "arn:aws:iam::*:role/stacksets-exec-*",
    "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole",
    "arn:aws:iam::*:role/cdk-lzone-cfn-exec-role-*",
]


def test_key_denies_policy_deletion_and_alias_changes_to_all_but_the_landing_zone(
    statements: dict[str, dict[str, Any]],
) -> None:
    # Escape 8: an account admin's IAM policy allowed kms:PutKeyPolicy, and UpdateAlias could
    # point alias/<org>/<class> at a key of their own; a key policy deny holds against both.
    deny = statements["DenyKeyChangesOutsideTheLandingZone"]
    assert (deny["Effect"], deny["Principal"], deny["Resource"]) == ("Deny", {"AWS": "*"}, "*")
    assert deny["Action"] == KEY_PROTECTION
    # The StackSets and CloudFormation execution roles that deploy the key stay allowed.
    assert deny["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": LANDING_ZONE}}
    grants = statements["DenyGrantsOutsideTheLandingZone"]
    assert (grants["Effect"], grants["Action"]) == ("Deny", "kms:CreateGrant")
    assert grants["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": LANDING_ZONE},
        "BoolIfExists": {"kms:GrantIsForAWSResource": "false"},
    }


def test_landing_zone_principals_reach_every_key_of_the_family() -> None:
    principals = ["arn:aws:iam::*:role/acme-*"]
    stack = _stack()
    DataClassKeys(stack, "Keys", alias_prefix="acme", landing_zone_principals=principals)
    keys = Template.from_stack(stack).find_resources("AWS::KMS::Key").values()
    assert len(keys) == len(DEFAULT_DATA_CLASSES)
    for key in keys:
        (deny,) = [
            s
            for s in key["Properties"]["KeyPolicy"]["Statement"]
            if s["Sid"] == "DenyKeyChangesOutsideTheLandingZone"
        ]
        assert deny["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": principals}}


def test_rejects_additional_statements_with_a_protection_sid() -> None:
    deny = _statement(sid="DenyKeyChangesOutsideTheLandingZone")
    with pytest.raises(ValueError, match="is used twice or by the key itself"):
        _key_stack(additional_key_policy_statements=[deny])


def test_additional_statements_join_the_policy() -> None:
    reader = iam.PolicyStatement(
        sid="AuditorsReadThroughS3",
        principals=[iam.ArnPrincipal(f"arn:aws:iam::{OTHER_ACCOUNT}:role/Auditor")],
        actions=["kms:Decrypt"],
        resources=["*"],
    )
    statements = _statements(_key_stack(additional_key_policy_statements=[reader]))
    assert statements["AuditorsReadThroughS3"]["Action"] == "kms:Decrypt"


def _statement(**overrides: Any) -> iam.PolicyStatement:
    props: dict[str, Any] = {
        "sid": "Extra",
        "principals": [iam.ArnPrincipal(f"arn:aws:iam::{OTHER_ACCOUNT}:role/Reader")],
        "actions": ["kms:Decrypt"],
        "resources": ["*"],
    }
    return iam.PolicyStatement(**{**props, **overrides})


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (_statement(principals=[iam.AccountRootPrincipal()], actions=["kms:*"]), r"kms:\*"),
        (_statement(actions=["*"]), r"kms:\*"),
        (_statement(principals=[iam.AnyPrincipal()]), "wildcard principal without a condition"),
        (_statement(sid="UseThroughServicesInThisAccount"), "is used twice"),
    ],
)
def test_rejects_broad_additional_statements(statement: iam.PolicyStatement, message: str) -> None:
    with pytest.raises(ValueError, match=f"additional_key_policy_statements: .*{message}"):
        _key_stack(additional_key_policy_statements=[statement])


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"rotation_period": Duration.days(366)},
            "rotation_period: got 366 days; allowed: .*90 to 365",
        ),
        ({"rotation_period": Duration.days(30)}, "rotation_period: got 30 days"),
        ({"rotation_period": Duration.hours(2401)}, "rotation_period: got 100 days 1 hour"),
        ({"pending_window": Duration.days(6)}, "pending_window: got 6 days; allowed: .*7 to 30"),
        ({"pending_window": Duration.days(31)}, "pending_window: got 31 days"),
        ({"data_class": "Data"}, "data_class: got 'Data'"),
        ({"data_class": "data-"}, "data_class: got 'data-'"),
        ({"data_class": "d"}, "data_class: got 'd'"),
        ({"alias_prefix": "acme/pay"}, "alias_prefix: got 'acme/pay'"),
        ({"alias_prefix": "aws"}, "alias_prefix: 'aws' is reserved"),
        ({"services": ["s3", "kinesis"]}, r"services: got \['kinesis'\]; allowed: .*sagemaker"),
    ],
)
def test_rejects_impossible_props(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _key_stack(**props)


def test_rejects_a_single_service_name_where_a_list_is_expected() -> None:
    with pytest.raises(TypeError, match="services: expected a list"):
        _key_stack(services="s3")


@pytest.mark.parametrize(
    ("grant", "actions"),
    [
        ("grant_decrypt", ["kms:Decrypt"]),
        ("grant_encrypt", ["kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]),
        (
            "grant_encrypt_decrypt",
            ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        ),
    ],
)
def test_grant_gives_a_role_of_this_account_an_iam_policy_on_this_key_only(
    grant: str, actions: list[str]
) -> None:
    stack = _stack()
    key = DataClassKey(stack, "Key", **PROPS)
    role = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    getattr(key, grant)(role)
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert sorted(_as_list(statement["Action"])) == actions
    assert statement["Resource"] == {"Fn::GetAtt": ["KeyE447D366", "Arn"]}
    # The key policy is unchanged: the IAM policy takes effect only through the services that
    # UseThroughServicesInThisAccount names, whose actions cover every grant.
    statements = _statements(stack)
    assert statements == _statements(_key_stack())
    assert set(actions) <= set(statements["UseThroughServicesInThisAccount"]["Action"])


def test_grant_to_another_account_names_it_in_the_key_policy() -> None:
    stack = _stack()
    key = DataClassKey(stack, "Key", **PROPS)
    key.grant_decrypt(iam.AccountPrincipal(OTHER_ACCOUNT))
    template = Template.from_stack(stack)
    assert template.find_resources("AWS::IAM::Policy") == {}
    added = _key(stack)["Properties"]["KeyPolicy"]["Statement"][-1]
    assert added == {
        "Action": "kms:Decrypt",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
        "Resource": "*",
    }


@pytest.mark.parametrize(
    "grantee",
    [iam.ServicePrincipal("events.amazonaws.com"), iam.AnyPrincipal()],
    ids=["service", "anyone"],
)
def test_rejects_grants_that_would_add_an_unconditioned_key_policy_statement(
    grantee: iam.IGrantable,
) -> None:
    stack = _stack()
    key = DataClassKey(stack, "Key", **PROPS)
    with pytest.raises(ValueError, match=r"grantee: .* service or wildcard principal"):
        key.grant_decrypt(grantee)


def test_key_passes_the_compliance_packs(stack: Stack) -> None:
    assert violations(stack) == {}


@pytest.fixture(scope="module")
def family() -> tuple[Stack, DataClassKeys]:
    stack = _stack()
    return stack, DataClassKeys(stack, "DataKeys", alias_prefix="acme")


def test_family_creates_a_key_per_reference_class_with_pinned_logical_ids(
    family: tuple[Stack, DataClassKeys],
) -> None:
    stack, keys = family
    template = Template.from_stack(stack)
    assert sorted(template.find_resources("AWS::KMS::Key")) == [
        "DataKeysAiArtifactsD2F85AA6",
        "DataKeysData697B63AA",
        "DataKeysLogs25DCEE10",
        "DataKeysSecrets8E1EBE1E",
    ]
    aliases = template.find_resources("AWS::KMS::Alias").values()
    assert sorted(a["Properties"]["AliasName"] for a in aliases) == [
        "alias/acme/ai-artifacts",
        "alias/acme/data",
        "alias/acme/logs",
        "alias/acme/secrets",
    ]
    assert set(keys.keys) == set(DEFAULT_DATA_CLASSES)


@pytest.mark.parametrize(
    ("data_class", "services"),
    [
        ("logs", ["logs", "s3"]),
        ("data", ["dynamodb", "ec2", "rds", "s3", "sns", "sqs"]),
        ("secrets", ["secretsmanager", "ssm"]),
        ("ai-artifacts", ["bedrock", "s3", "sagemaker"]),
    ],
)
def test_reference_classes_name_their_services(
    family: tuple[Stack, DataClassKeys], data_class: str, services: list[str]
) -> None:
    assert list(family[1].key_for(data_class).services) == services


def test_family_passes_the_compliance_packs(family: tuple[Stack, DataClassKeys]) -> None:
    assert violations(family[0]) == {}


def test_family_classes_come_from_settings() -> None:
    stack = _stack()
    keys = DataClassKeys(
        stack,
        "DataKeys",
        alias_prefix="acme",
        classes={
            "payments": DataClassKeySettings(
                services=("dynamodb",), rotation_days=180, pending_window_days=14, multi_region=True
            )
        },
    )
    properties = _key(stack)["Properties"]
    assert properties["RotationPeriodInDays"] == 180
    assert properties["PendingWindowInDays"] == 14
    assert properties["MultiRegion"] is True
    assert keys.key_for("payments").alias_name == "alias/acme/payments"


def test_key_for_an_unknown_class_names_the_known_ones(
    family: tuple[Stack, DataClassKeys],
) -> None:
    with pytest.raises(ValueError, match="data_class: got 'pii'; allowed: ai-artifacts, data, "):
        family[1].key_for("pii")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"rotation_days": 366}, "rotation_days: got 366; allowed: .*90 to 365"),
        ({"rotation_days": 89}, "rotation_days: got 89"),
        ({"pending_window_days": 6}, "pending_window_days: got 6; allowed: .*7 to 30"),
        ({"pending_window_days": 31}, "pending_window_days: got 31"),
        ({"services": ["kms"]}, r"services: got \['kms'\]"),
    ],
)
def test_settings_reject_impossible_values(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DataClassKeySettings(**settings)


@pytest.mark.parametrize(
    ("classes", "message"),
    [
        ({}, "classes: got no data class"),
        ({"AI": DataClassKeySettings()}, "classes: got 'AI'"),
    ],
)
def test_family_rejects_impossible_classes(
    classes: dict[str, DataClassKeySettings], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        DataClassKeys(_stack(), "DataKeys", alias_prefix="acme", classes=classes)
