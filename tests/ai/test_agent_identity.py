"""AgentIdentity: a Cognito identity per agent, scoped to its tools, and Cedar policies that let
it call those tools only on the data of the customer it acts for."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of, template_text

from landing_zone.ai.agent_identity import AUTHORIZE_ACTIONS, AgentIdentity, cedar_schema
from landing_zone.compliance import violations

ENV = Environment(account="888888888888", region="eu-west-1")
TOOLS = ("kyc-check", "fx-rates", "refund", "ledger-read")
AGENTS = {
    "fraud-triage": ("kyc-check", "refund"),
    "fx-quoter": ("fx-rates",),
}
DATA_OWNER_CONDITION = "context.dataOwner == context.actingFor"


def _identity(**props: Any) -> AgentIdentity:
    stack = Stack(App(context=cdk_context()), "Ai", env=ENV)
    merged: dict[str, Any] = {"tools": TOOLS, "agents": AGENTS, "domain_prefix": "acme-agents"}
    merged.update(props)
    return AgentIdentity(stack, "AgentIdentity", **merged)


def _resources(identity: AgentIdentity) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = Template.from_stack(Stack.of(identity)).to_json()[
        "Resources"
    ]
    return resources


@pytest.fixture(scope="module")
def identity() -> AgentIdentity:
    return _identity()


@pytest.fixture(scope="module")
def resources(identity: AgentIdentity) -> dict[str, dict[str, Any]]:
    return _resources(identity)


def _of(resources: dict[str, dict[str, Any]], resource_type: str) -> list[dict[str, Any]]:
    return [r for r in resources.values() if r["Type"] == resource_type]


def _user_pool(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    (pool,) = _of(resources, "AWS::Cognito::UserPool")
    return pool


def _ref(construct: Any) -> str:
    return "${" + str(logical_id_of(construct)) + "}"


def test_user_pool_requires_totp_mfa_and_threat_protection(
    resources: dict[str, dict[str, Any]],
) -> None:
    properties = _user_pool(resources)["Properties"]
    assert properties["MfaConfiguration"] == "ON"
    assert properties["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert properties["UserPoolTier"] == "PLUS"
    assert properties["UserPoolAddOns"] == {
        "AdvancedSecurityMode": "ENFORCED",
        "AdvancedSecurityAdditionalFlows": {"CustomAuthMode": "ENFORCED"},
    }


def test_password_policy_meets_pci_dss(resources: dict[str, dict[str, Any]]) -> None:
    assert _user_pool(resources)["Properties"]["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 14,
        "RequireLowercase": True,
        "RequireUppercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "PasswordHistorySize": 24,
        "TemporaryPasswordValidityDays": 1,
    }


def test_user_pool_is_closed_protected_and_retained(
    identity: AgentIdentity, resources: dict[str, dict[str, Any]]
) -> None:
    pool = resources[logical_id_of(identity.user_pool)]
    assert logical_id_of(identity.user_pool) == "AgentIdentityUserPoolC8BC443C"
    assert pool["DeletionPolicy"] == pool["UpdateReplacePolicy"] == "Retain"
    properties = pool["Properties"]
    assert properties["DeletionProtection"] == "ACTIVE"
    assert properties["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert properties["AccountRecoverySetting"] == {
        "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
    }
    assert properties["UserAttributeUpdateSettings"] == {
        "AttributesRequireVerificationBeforeUpdate": ["email"]
    }


def test_each_agent_has_a_secret_client_credentials_client_with_only_its_tools(
    identity: AgentIdentity, resources: dict[str, dict[str, Any]]
) -> None:
    assert sorted(identity.clients) == sorted(AGENTS)
    assert len(_of(resources, "AWS::Cognito::UserPoolClient")) == len(AGENTS)
    server = _ref(identity.resource_server)
    for agent, tools in AGENTS.items():
        properties = resources[logical_id_of(identity.clients[agent])]["Properties"]
        assert properties["ClientName"] == agent
        assert properties["GenerateSecret"] is True
        assert properties["AllowedOAuthFlows"] == ["client_credentials"]
        assert properties["AllowedOAuthFlowsUserPoolClient"] is True
        assert properties["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]
        assert "CallbackURLs" not in properties
        scopes = [template_text(scope) for scope in properties["AllowedOAuthScopes"]]
        assert scopes == [f"{server}/{tool}" for tool in tools]
        assert properties["SupportedIdentityProviders"] == ["COGNITO"]
        assert properties["AccessTokenValidity"] == 15
        assert properties["TokenValidityUnits"]["AccessToken"] == "minutes"
        assert properties["EnableTokenRevocation"] is True
        assert properties["PreventUserExistenceErrors"] == "ENABLED"
        assert properties["ReadAttributes"] == properties["WriteAttributes"] == []


def test_resource_server_has_one_scope_per_tool_and_a_domain_serves_tokens(
    identity: AgentIdentity, resources: dict[str, dict[str, Any]]
) -> None:
    (server,) = _of(resources, "AWS::Cognito::UserPoolResourceServer")
    assert server["Properties"]["Identifier"] == "tools"
    assert [s["ScopeName"] for s in server["Properties"]["Scopes"]] == list(TOOLS)
    (domain,) = _of(resources, "AWS::Cognito::UserPoolDomain")
    assert domain["Properties"]["Domain"] == "acme-agents"
    token_url = template_text(Stack.of(identity).resolve(identity.token_url))
    # The domain's Ref is its prefix.
    assert (
        token_url
        == f"https://{_ref(identity.domain)}.auth.eu-west-1.amazoncognito.com/oauth2/token"
    )


def test_policy_store_validates_strictly_against_the_agent_schema(
    identity: AgentIdentity, resources: dict[str, dict[str, Any]]
) -> None:
    store = resources[logical_id_of(identity.policy_store)]
    assert logical_id_of(identity.policy_store) == "AgentIdentityPolicyStoreE997825A"
    assert store["DeletionPolicy"] == store["UpdateReplacePolicy"] == "Retain"
    properties = store["Properties"]
    assert properties["ValidationSettings"] == {"Mode": "STRICT"}
    assert properties["DeletionProtection"] == {"Mode": "ENABLED"}
    schema = json.loads(properties["Schema"]["CedarJson"])
    assert schema == cedar_schema()
    namespace = schema["LandingZone"]
    assert sorted(namespace["entityTypes"]) == ["Agent", "Customer", "Tool"]
    (action,) = namespace["actions"].items()
    applies_to = action[1]["appliesTo"]
    assert action[0] == "InvokeTool"
    assert applies_to["principalTypes"] == ["Agent"]
    assert applies_to["resourceTypes"] == ["Tool"]
    context = applies_to["context"]["attributes"]
    for attribute in ("actingFor", "dataOwner"):
        assert context[attribute] == {"type": "Entity", "name": "Customer", "required": True}


def test_identity_source_accepts_the_agents_clients_as_agents(
    identity: AgentIdentity, resources: dict[str, dict[str, Any]]
) -> None:
    properties = resources[logical_id_of(identity.identity_source)]["Properties"]
    assert properties["PrincipalEntityType"] == "LandingZone::Agent"
    assert properties["PolicyStoreId"] == {
        "Fn::GetAtt": [logical_id_of(identity.policy_store), "PolicyStoreId"]
    }
    configuration = properties["Configuration"]["CognitoUserPoolConfiguration"]
    assert configuration["UserPoolArn"] == {
        "Fn::GetAtt": [logical_id_of(identity.user_pool), "Arn"]
    }
    assert sorted(template_text(c) for c in configuration["ClientIds"]) == sorted(
        _ref(client) for client in identity.clients.values()
    )


_PERMIT = re.compile(
    r'permit \(\s*principal,\s*action == LandingZone::Action::"InvokeTool",\s*resource\s*\)\s*'
    r'when \{\s*principal == LandingZone::Agent::"(?P<principal>[^"]+)" &&\s*'
    r"\[(?P<tools>[^\]]*)\]\.contains\(resource\) &&\s*"
    r"(?P<condition>[^;]*?)\s*\};"
)


def _statements(resources: dict[str, dict[str, Any]]) -> list[str]:
    return [
        template_text(policy["Properties"]["Definition"]["Static"]["Statement"])
        for policy in _of(resources, "AWS::VerifiedPermissions::Policy")
    ]


def test_permits_are_exactly_the_configured_agent_tool_pairs_on_the_customers_own_data(
    identity: AgentIdentity, resources: dict[str, dict[str, Any]]
) -> None:
    permitted: dict[str, list[str]] = {}
    for statement in _statements(resources):
        if statement.startswith("forbid"):
            continue
        match = _PERMIT.fullmatch(statement)
        assert match, statement
        assert match["condition"] == DATA_OWNER_CONDITION
        tools = re.findall(r'LandingZone::Tool::"([^"]+)"', match["tools"])
        permitted[match["principal"]] = tools
    pool = _ref(identity.user_pool)
    assert permitted == {
        f"{pool}|{_ref(identity.clients[agent])}": list(tools) for agent, tools in AGENTS.items()
    }
    assert sorted(identity.policies) == sorted(AGENTS)


def test_a_forbid_blocks_every_call_on_another_customers_data(
    identity: AgentIdentity, resources: dict[str, dict[str, Any]]
) -> None:
    forbids = [s for s in _statements(resources) if s.startswith("forbid")]
    assert len(forbids) == 1
    assert re.fullmatch(
        r'forbid \(\s*principal,\s*action == LandingZone::Action::"InvokeTool",\s*resource\s*\)\s*'
        r"unless \{\s*" + re.escape(DATA_OWNER_CONDITION) + r"\s*\};",
        forbids[0],
    )
    forbid = resources[logical_id_of(identity.forbid_policy)]["Properties"]["Definition"]
    assert template_text(forbid["Static"]["Statement"]) == forbids[0]


def test_options_reach_the_template() -> None:
    identity = _identity(
        tools=("refund",),
        agents={"refunder": ("refund",)},
        resource_server_identifier="https://tools.acme.example",
        access_token_validity_minutes=60,
    )
    resources = _resources(identity)
    (server,) = _of(resources, "AWS::Cognito::UserPoolResourceServer")
    assert server["Properties"]["Identifier"] == "https://tools.acme.example"
    (client,) = _of(resources, "AWS::Cognito::UserPoolClient")
    assert client["Properties"]["AccessTokenValidity"] == 60
    assert client["Properties"]["IdTokenValidity"] == 60


def test_grant_authorize_allows_token_decisions_on_this_store_only() -> None:
    identity = _identity()
    stack = Stack.of(identity)
    gateway = iam.Role(stack, "Gateway", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    identity.grant_authorize(gateway)
    (policy,) = _of(_resources(identity), "AWS::IAM::Policy")
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == sorted(AUTHORIZE_ACTIONS)
    assert statement["Resource"] == {"Fn::GetAtt": [logical_id_of(identity.policy_store), "Arn"]}


def test_no_compliance_findings(identity: AgentIdentity) -> None:
    assert violations(Stack.of(identity)) == {}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"agents": {}}, r"agents: got none; allowed: at least one agent"),
        ({"tools": ()}, r"tools: got \(\); allowed: a sequence of 1-100 tool names"),
        ({"tools": "refund"}, r"tools: got 'refund'; allowed: a sequence"),
        ({"tools": ("Refund",)}, r"tools: got 'Refund'; allowed: 1-40 characters: lowercase"),
        ({"tools": ("refund", "2fa")}, r"tools: got '2fa'; allowed: 1-40 characters"),
        ({"tools": ("a" * 41,)}, r"tools: got 'a{41}'; allowed: 1-40 characters"),
        ({"tools": ("refund", "refund")}, r"tools: \['refund'\] declared more than once"),
        (
            {"agents": {"fraud_triage": ("refund",)}},
            r"agents: got 'fraud_triage'; allowed: 1-40 characters",
        ),
        (
            {"agents": {"fx-quoter": ("fx-rates", "wire-out")}},
            r"agents: 'fx-quoter' may call \['wire-out'\], which are not in tools; allowed: "
            r"\['fx-rates', 'kyc-check', 'ledger-read', 'refund'\]",
        ),
        (
            {"agents": {"fx-quoter": ()}},
            r"agents: 'fx-quoter' -> \(\); allowed: a tuple of at least one declared tool",
        ),
        (
            {"agents": {"fx-quoter": "fx-rates"}},
            r"agents: 'fx-quoter' -> 'fx-rates'; allowed: a tuple",
        ),
        (
            {"agents": {"fx-quoter": ("fx-rates", "fx-rates")}},
            r"agents: 'fx-quoter' lists a tool more than once",
        ),
        ({"domain_prefix": "Acme"}, r"domain_prefix: got 'Acme'; allowed: 1-63 lowercase"),
        ({"domain_prefix": "acme-"}, r"domain_prefix: got 'acme-'"),
        ({"domain_prefix": "acme-cognito"}, r"without 'aws', 'amazon' or 'cognito'"),
        (
            {"resource_server_identifier": "my tools"},
            r"resource_server_identifier: got 'my tools'; allowed: 1-256 printable",
        ),
        (
            {"access_token_validity_minutes": 120},
            r"access_token_validity_minutes: got 120; allowed: 5-60",
        ),
        ({"access_token_validity_minutes": 4}, r"access_token_validity_minutes: got 4"),
        ({"access_token_validity_minutes": True}, r"access_token_validity_minutes: got True"),
    ],
)
def test_rejects_what_cognito_cedar_or_the_landing_zone_refuses(
    props: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _identity(**props)
