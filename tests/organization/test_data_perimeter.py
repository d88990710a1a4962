import re

import pytest

from landing_zone.organization.data_perimeter import (
    DATA_PERIMETER_GUARDRAILS,
    RCP_SERVICES,
    DataPerimeterParameters,
    data_perimeter_statements,
)
from landing_zone.organization.guardrails import PolicyType, UnknownGuardrailError
from landing_zone.organization.packing import MAX_POLICY_CHARACTERS, minified, policy_document

ORG_ID = "o-a1b2c3d4e5"
RCP_STATEMENT_KEYS = {"Sid", "Effect", "Principal", "Action", "Resource", "Condition"}


@pytest.fixture
def params() -> DataPerimeterParameters:
    return DataPerimeterParameters(organization_id=ORG_ID)


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def only_statement(name: str, params: DataPerimeterParameters) -> dict:
    (statement,) = data_perimeter_statements(name, params)
    return statement


def test_catalog_holds_the_documented_guardrail_names():
    assert list(DATA_PERIMETER_GUARDRAILS) == [
        "enforce-tls",
        "enforce-org-identities",
        "enforce-confused-deputy-protection",
    ]
    assert DATA_PERIMETER_GUARDRAILS.policy_type is PolicyType.RESOURCE_CONTROL_POLICY


@pytest.mark.parametrize("name", list(DATA_PERIMETER_GUARDRAILS))
def test_each_guardrail_follows_the_rcp_syntax_rules(name, params):
    document = policy_document(data_perimeter_statements(name, params))
    assert document["Version"] == "2012-10-17"
    for statement in document["Statement"]:
        # RCPs: Deny only, Principal "*", no NotPrincipal / NotAction, no bare "*" action.
        assert set(statement) <= RCP_STATEMENT_KEYS
        assert statement["Effect"] == "Deny"
        assert statement["Principal"] == "*"
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", statement["Sid"])
        actions = as_list(statement["Action"])
        assert "*" not in actions
        assert {action.split(":")[0] for action in actions} <= set(RCP_SERVICES)


@pytest.mark.parametrize("name", list(DATA_PERIMETER_GUARDRAILS))
def test_each_guardrail_fits_one_policy_alone(name):
    params = DataPerimeterParameters(
        organization_id=ORG_ID, trusted_account_ids=tuple(f"{n:012d}" for n in range(1, 21))
    )
    size = len(minified(policy_document(data_perimeter_statements(name, params))))
    assert size <= MAX_POLICY_CHARACTERS


def test_enforce_tls_denies_insecure_transport_on_every_rcp_service(params):
    statement = only_statement("enforce-tls", params)
    actions = as_list(statement["Action"])
    for action in ("s3:*", "kms:*", "sqs:*", "secretsmanager:*", "sts:*"):
        assert action in actions
    assert len(actions) == len(RCP_SERVICES)
    assert statement["Condition"] == {"BoolIfExists": {"aws:SecureTransport": "false"}}


def test_enforce_org_identities_denies_principals_outside_the_organization(params):
    statement = only_statement("enforce-org-identities", params)
    actions = as_list(statement["Action"])
    for action in ("s3:*", "kms:*", "sqs:*", "secretsmanager:*", "sts:AssumeRole"):
        assert action in actions
    # Federated callers carry no aws:PrincipalOrgID; denying these would break sign-in.
    assert "sts:AssumeRoleWithWebIdentity" not in actions
    assert "sts:AssumeRoleWithSAML" not in actions
    assert not any(action.startswith("cognito") for action in actions)
    assert statement["Condition"] == {
        "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID},
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
    }


def test_enforce_org_identities_lets_trusted_accounts_through():
    params = DataPerimeterParameters(
        organization_id=ORG_ID, trusted_account_ids=("111122223333", "444455556666")
    )
    statement = only_statement("enforce-org-identities", params)
    assert statement["Condition"]["StringNotEqualsIfExists"] == {
        "aws:PrincipalOrgID": ORG_ID,
        "aws:PrincipalAccount": ["111122223333", "444455556666"],
    }


def test_confused_deputy_protection_binds_service_principals_to_the_organization():
    params = DataPerimeterParameters(organization_id=ORG_ID, trusted_account_ids=("111122223333",))
    statement = only_statement("enforce-confused-deputy-protection", params)
    assert len(as_list(statement["Action"])) == len(RCP_SERVICES)
    assert statement["Condition"] == {
        "StringNotEqualsIfExists": {
            "aws:SourceOrgID": ORG_ID,
            "aws:SourceAccount": ["111122223333"],
        },
        "Null": {"aws:SourceAccount": "false"},
        "Bool": {"aws:PrincipalIsAWSService": "true"},
    }


@pytest.mark.parametrize(
    "organization_id", ["", "o-abc", "o-ABCDEFGHIJ", "r-abcdefghij", "o-abcdefghij ", "abcdefghij"]
)
def test_rejects_an_invalid_organization_id(organization_id):
    with pytest.raises(ValueError, match="organization_id must be an AWS Organizations id"):
        DataPerimeterParameters(organization_id=organization_id)


@pytest.mark.parametrize(
    ("trusted", "message"),
    [
        (("12345678901",), "12-digit AWS account ids, received '12345678901'"),
        (("111122223333", "111122223333"), "lists 111122223333 more than once"),
        ("111122223333", "received the string '111122223333'"),
    ],
)
def test_rejects_invalid_trusted_accounts(trusted, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        DataPerimeterParameters(organization_id=ORG_ID, trusted_account_ids=trusted)


def test_unknown_guardrail_error_lists_the_allowed_rcp_names(params):
    with pytest.raises(UnknownGuardrailError) as caught:
        data_perimeter_statements("enforce-https", params)
    message = str(caught.value)
    assert "RESOURCE_CONTROL_POLICY guardrail 'enforce-https'" in message
    for name in DATA_PERIMETER_GUARDRAILS:
        assert name in message
