"""Who an AI agent is and what it may do: a Cognito user pool that issues each agent an OAuth2
client-credentials token scoped to its tools, and a Verified Permissions policy store whose Cedar
policies decide, call by call, whether an agent may invoke a tool on a given customer's data.

Built on the L1 ``aws_cdk.aws_verifiedpermissions`` resources rather than the public L2
``cdklabs-cdk-verified-permissions`` (0.3.5), which was tried and does the job (STRICT schemas,
Cognito identity sources, static policies holding tokens) but does not fit here:

- it is a 0.x release whose README reserves breaking changes without a major version;
- its resources are not default children (the ``CfnPolicyStore`` has the construct's own id, not
  ``Resource``), so ``apply_removal_policy`` on the policy store raises and retention or any
  escape hatch needs a child looked up by id, and logical ids do not follow the project's
  convention;
- it runs a bundled WebAssembly Cedar engine (4.4 MB; the package unpacks to 15 MB) in the
  jsii process at every synth, for a syntax check of statements this module generates from
  validated names (it checks static policies against the schema only when they are read from
  ``.cedar`` files);
- it would be one more runtime dependency of the landing zone, for three resource types.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_verifiedpermissions as avp
from constructs import Construct

from landing_zone.common.tokens import is_unresolved

CEDAR_NAMESPACE = "LandingZone"
"""Namespace of the Cedar entity types and action of the policy store."""

INVOKE_TOOL = f'{CEDAR_NAMESPACE}::Action::"InvokeTool"'
"""The Cedar action an agent's tool call is authorized as."""

AUTHORIZE_ACTIONS: tuple[str, ...] = (
    "verifiedpermissions:IsAuthorizedWithToken",
    "verifiedpermissions:BatchIsAuthorizedWithToken",
)
"""What a tool gateway needs to ask the policy store for a decision on an agent's token."""

MAX_NAME = 40
MAX_TOOLS = 100
"""Custom scopes a Cognito resource server may have."""
MIN_TOKEN_MINUTES = 5
"""The shortest access token validity Cognito allows."""
MAX_TOKEN_MINUTES = 60
_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*")
_NAME_RULE = (
    f"1-{MAX_NAME} characters: lowercase words of letters and digits, each starting with a "
    "letter, joined by single hyphens (e.g. 'fraud-triage')"
)
_DOMAIN_PREFIX = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_RESOURCE_SERVER = re.compile(r"[\x21\x23-\x5B\x5D-\x7E]{1,256}")


class AgentIdentity(Construct):
    """An identity for each AI agent and the policies that bound its tool calls.

    **Identity (Cognito).** A user pool (``UserPool``) on the Plus feature plan with threat
    protection in full-function mode for standard and custom authentication, TOTP MFA required
    (no SMS), a 14-character password of all four character classes that may not repeat the
    last 24 (PCI DSS 8.3.6, 8.3.7), no self sign-up, email-only account recovery, deletion
    protection and ``RemovalPolicy.RETAIN``. These bind the people an administrator might add;
    the agents themselves are app clients, one per agent (``Client<AgentName>``), each with a
    generated secret, the client-credentials grant and no other flow, and exactly the scopes
    ``<resource_server_identifier>/<tool>`` of its own tools on the resource server
    (``ResourceServer``). Access tokens live ``access_token_validity_minutes``: Cognito revokes
    tokens only through a refresh token, which the client-credentials grant does not issue, so a
    leaked agent token is valid until it expires; stop an agent by rotating its secret or
    replacing its client, and keep the validity short. The token endpoint is :attr:`token_url`
    on the Cognito prefix domain (``Domain``).

    **Authorization (Verified Permissions).** A policy store (``PolicyStore``) validating
    policies STRICTLY against a Cedar schema: entity types ``Agent``, ``Tool`` and ``Customer``
    in the ``LandingZone`` namespace and one action, ``InvokeTool``, of an ``Agent`` on a
    ``Tool``, whose context says for which customer the agent acts (``actingFor``) and whose data
    the call touches (``dataOwner``). One ``permit`` per agent (``Permit<AgentName>``) allows it
    its tools only, and only when ``dataOwner == actingFor``; a ``forbid``
    (``ForbidOtherCustomersData``) refuses every call where they differ, whatever other
    policies permit. Everything else is denied, Cedar's default. The identity source
    (``IdentitySource``) accepts tokens of the agents' clients only and makes their principal
    ``LandingZone::Agent::"<user pool id>|<sub>"``; in a client-credentials token ``sub`` is
    the app client id, which is what the policies name.

    A tool gateway authorizes a call with ``IsAuthorizedWithToken``: the agent's access token,
    action ``LandingZone::Action::"InvokeTool"``, resource ``LandingZone::Tool::"<tool>"`` and
    the context ``actingFor`` and ``dataOwner`` as ``LandingZone::Customer`` entities, which the
    gateway establishes from the request, never from the agent's say-so. Verified Permissions
    adds the token's claims under ``context.token``. :meth:`grant_authorize` lets the gateway
    ask.

    The policies name no principal or resource in their scope, only in their conditions:
    Verified Permissions cannot change the principal or resource of a static policy in place,
    so a replaced app client or an agent's new tool would otherwise fail the stack update.

    Not verified here (no AWS account): that ``sub`` of a client-credentials token is the app
    client id (observed in Cognito tokens and documented by third parties, not by AWS), that
    ``IsAuthorizedWithToken`` accepts such a token from a Cognito identity source, and that a
    STRICT policy store accepts the token claims added to the context without the schema
    declaring every one (the schema declares ``client_id`` and ``scope``, as the Verified
    Permissions guide shows). Each failure would deny, not allow. The Plus feature plan bills
    per monthly active user, client-credentials tokens per request.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tools: Sequence[str],
        agents: Mapping[str, Sequence[str]],
        domain_prefix: str,
        resource_server_identifier: str = "tools",
        access_token_validity_minutes: int = 15,
    ) -> None:
        """
        :param tools: The tools agents may call, one OAuth scope each: 1-100 unique names of
            1-40 characters, lowercase words of letters and digits that each start with a
            letter, joined by single hyphens (``kyc-check``).
        :param agents: Agent name -> the declared tools it may call, each once, at least one.
            At least one agent; names follow the rule of ``tools``.
        :param domain_prefix: Prefix of the Cognito domain
            ``https://<prefix>.auth.<region>.amazoncognito.com`` that serves the token
            endpoint: 1-63 lowercase letters, digits and inner hyphens, unique in the region,
            without ``aws``, ``amazon`` or ``cognito``.
        :param resource_server_identifier: Identifier of the resource server that owns the tool
            scopes, the prefix of each scope. Default: ``tools``.
        :param access_token_validity_minutes: Lifetime of an agent's access token, 5-60
            minutes. Default: 15.
        """
        super().__init__(scope, construct_id)
        check_agent_identity(
            tools=tools,
            agents=agents,
            domain_prefix=domain_prefix,
            resource_server_identifier=resource_server_identifier,
            access_token_validity_minutes=access_token_validity_minutes,
        )
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            custom_threat_protection_mode=cognito.CustomThreatProtectionMode.FULL_FUNCTION,
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False, email=False),
            password_policy=cognito.PasswordPolicy(
                min_length=14,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                password_history_size=24,
                temp_password_validity=Duration.days(1),
            ),
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            # A changed address takes effect only once verified: an unverified one cannot
            # receive recovery codes.
            keep_original=cognito.KeepOriginalAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        """The Cognito user pool the agents authenticate against (client credentials)."""
        self.domain = cognito.UserPoolDomain(
            self,
            "Domain",
            user_pool=self.user_pool,
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=domain_prefix),
        )
        """The user pool's domain, whose token endpoint issues the agents' access tokens."""
        self.token_url = f"{self.domain.base_url()}/oauth2/token"
        """The OAuth2 token endpoint agents exchange their client id and secret at."""
        scopes = {
            tool: cognito.ResourceServerScope(
                scope_name=tool, scope_description=f"Invoke the {tool} tool"
            )
            for tool in tools
        }
        self.resource_server = cognito.UserPoolResourceServer(
            self,
            "ResourceServer",
            user_pool=self.user_pool,
            identifier=resource_server_identifier,
            user_pool_resource_server_name="Agent tools",
            scopes=list(scopes.values()),
        )
        """The resource server whose scopes name the tools."""
        validity = Duration.minutes(access_token_validity_minutes)
        self.clients: dict[str, cognito.UserPoolClient] = {
            agent: cognito.UserPoolClient(
                self,
                f"Client{_pascal(agent)}",
                user_pool=self.user_pool,
                user_pool_client_name=agent,
                generate_secret=True,
                o_auth=cognito.OAuthSettings(
                    flows=cognito.OAuthFlows(client_credentials=True),
                    scopes=[
                        cognito.OAuthScope.resource_server(self.resource_server, scopes[tool])
                        for tool in agent_tools
                    ],
                ),
                # Leaves only ALLOW_REFRESH_TOKEN_AUTH, which Cognito cannot go without; with no
                # auth flows at all Cognito would allow user SRP and custom sign-in.
                auth_flows=cognito.AuthFlow(user_srp=False),
                supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
                access_token_validity=validity,
                id_token_validity=validity,
                # The shortest Cognito allows; the client-credentials grant issues none.
                refresh_token_validity=Duration.minutes(60),
                enable_token_revocation=True,
                prevent_user_existence_errors=True,
                read_attributes=cognito.ClientAttributes(),
                write_attributes=cognito.ClientAttributes(),
            )
            for agent, agent_tools in agents.items()
        }
        """The app client of each agent, by agent name."""
        self.policy_store = avp.CfnPolicyStore(
            self,
            "PolicyStore",
            description="Which AI agent may invoke which tool, on whose data",
            validation_settings=avp.CfnPolicyStore.ValidationSettingsProperty(mode="STRICT"),
            schema=avp.CfnPolicyStore.SchemaDefinitionProperty(
                cedar_json=json.dumps(cedar_schema(), sort_keys=True)
            ),
            deletion_protection=avp.CfnPolicyStore.DeletionProtectionProperty(mode="ENABLED"),
        )
        """The Amazon Verified Permissions policy store."""
        self.policy_store.apply_removal_policy(RemovalPolicy.RETAIN)
        self.identity_source = avp.CfnIdentitySource(
            self,
            "IdentitySource",
            policy_store_id=self.policy_store.attr_policy_store_id,
            principal_entity_type=f"{CEDAR_NAMESPACE}::Agent",
            configuration=avp.CfnIdentitySource.IdentitySourceConfigurationProperty(
                cognito_user_pool_configuration=(
                    avp.CfnIdentitySource.CognitoUserPoolConfigurationProperty(
                        user_pool_arn=self.user_pool.user_pool_arn,
                        client_ids=[client.user_pool_client_id for client in self.clients.values()],
                    )
                )
            ),
        )
        """The policy store's identity source: the user pool's access tokens."""
        self.policies: dict[str, avp.CfnPolicy] = {
            agent: self._policy(
                f"Permit{_pascal(agent)}",
                description=f"Agent {agent}: its tools, on the data of the customer it acts for",
                statement=permit_statement(
                    f"{self.user_pool.user_pool_id}|{self.clients[agent].user_pool_client_id}",
                    agent_tools,
                ),
            )
            for agent, agent_tools in agents.items()
        }
        """Agent name -> the policy that permits it its tools."""
        self.forbid_policy = self._policy(
            "ForbidOtherCustomersData",
            description="No agent touches the data of a customer other than the one it acts for",
            statement=FORBID_STATEMENT,
        )
        """The policy that forbids every agent the data of any customer but the one it acts for."""

    def grant_authorize(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (a tool gateway) ask the policy store whether an agent's token may
        invoke a tool."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(AUTHORIZE_ACTIONS),
            resource_arns=[self.policy_store.attr_arn],
        )

    def _policy(self, construct_id: str, *, description: str, statement: str) -> avp.CfnPolicy:
        return avp.CfnPolicy(
            self,
            construct_id,
            policy_store_id=self.policy_store.attr_policy_store_id,
            definition=avp.CfnPolicy.PolicyDefinitionProperty(
                static=avp.CfnPolicy.StaticPolicyDefinitionProperty(
                    statement=statement, description=description
                )
            ),
        )


def cedar_schema() -> dict[str, Any]:
    """The Cedar schema (JSON format) of the policy store."""
    customer = {"type": "Entity", "name": "Customer", "required": True}
    return {
        CEDAR_NAMESPACE: {
            "entityTypes": {
                "Agent": {"shape": {"type": "Record", "attributes": {}}},
                "Tool": {"shape": {"type": "Record", "attributes": {}}},
                "Customer": {"shape": {"type": "Record", "attributes": {}}},
            },
            "actions": {
                "InvokeTool": {
                    "appliesTo": {
                        "principalTypes": ["Agent"],
                        "resourceTypes": ["Tool"],
                        "context": {
                            "type": "Record",
                            "attributes": {
                                "actingFor": customer,
                                "dataOwner": customer,
                                # The access token's claims, which Verified Permissions adds.
                                "token": {
                                    "type": "Record",
                                    "required": False,
                                    "attributes": {
                                        "client_id": {"type": "String", "required": False},
                                        "scope": {
                                            "type": "Set",
                                            "element": {"type": "String"},
                                            "required": False,
                                        },
                                    },
                                },
                            },
                        },
                    }
                }
            },
        }
    }


def permit_statement(principal_id: str, tools: Sequence[str]) -> str:
    """The Cedar policy that lets the agent ``principal_id`` (``<user pool id>|<client id>``)
    invoke ``tools``, on the data of the customer it acts for only."""
    listed = ", ".join(f'{CEDAR_NAMESPACE}::Tool::"{tool}"' for tool in tools)
    return (
        "permit (\n"
        "    principal,\n"
        f"    action == {INVOKE_TOOL},\n"
        "    resource\n"
        ")\n"
        "when {\n"
        f'    principal == {CEDAR_NAMESPACE}::Agent::"{principal_id}" &&\n'
        f"    [{listed}].contains(resource) &&\n"
        "    context.dataOwner == context.actingFor\n"
        "};"
    )


FORBID_STATEMENT = (
    "forbid (\n"
    "    principal,\n"
    f"    action == {INVOKE_TOOL},\n"
    "    resource\n"
    ")\n"
    "unless {\n"
    "    context.dataOwner == context.actingFor\n"
    "};"
)
"""Refuses any tool call on the data of a customer other than the one the agent acts for, even
if a policy added later permits it."""


def _pascal(name: str) -> str:
    """``fraud-triage`` -> ``FraudTriage``; one-to-one because each word starts with a letter."""
    return "".join(word.capitalize() for word in name.split("-"))


def _check_name(parameter: str, name: object) -> None:
    if not isinstance(name, str) or len(name) > MAX_NAME or not _NAME.fullmatch(name):
        raise ValueError(f"{parameter}: got {name!r}; allowed: {_NAME_RULE}")


def check_agent_identity(
    *,
    tools: Sequence[str],
    agents: Mapping[str, Sequence[str]],
    domain_prefix: str,
    resource_server_identifier: str = "tools",
    access_token_validity_minutes: int = 15,
) -> None:
    """Raise ValueError naming the first prop of :class:`AgentIdentity` (same names and
    defaults) that Cognito, Cedar or the landing zone would refuse: the construct's own checks,
    in plain Python, for config validation without building a construct tree."""
    if isinstance(tools, str) or not 1 <= len(tools) <= MAX_TOOLS:
        raise ValueError(
            f"tools: got {tools!r}; allowed: a sequence of 1-{MAX_TOOLS} tool names "
            "(one OAuth scope each)"
        )
    for tool in tools:
        _check_name("tools", tool)
    duplicates = sorted({tool for tool in tools if list(tools).count(tool) > 1})
    if duplicates:
        raise ValueError(f"tools: {duplicates} declared more than once; allowed: unique names")
    if not agents:
        raise ValueError("agents: got none; allowed: at least one agent name -> its tools")
    declared = set(tools)
    for agent, agent_tools in agents.items():
        _check_name("agents", agent)
        if isinstance(agent_tools, str) or not agent_tools:
            raise ValueError(
                f"agents: {agent!r} -> {agent_tools!r}; allowed: a tuple of at least one "
                "declared tool"
            )
        undeclared = sorted(set(agent_tools) - declared)
        if undeclared:
            raise ValueError(
                f"agents: {agent!r} may call {undeclared}, which are not in tools; allowed: "
                f"{sorted(declared)}"
            )
        if len(set(agent_tools)) != len(agent_tools):
            raise ValueError(
                f"agents: {agent!r} lists a tool more than once ({list(agent_tools)}); "
                "allowed: each tool once"
            )
    if not is_unresolved(domain_prefix) and (
        not _DOMAIN_PREFIX.fullmatch(domain_prefix)
        or any(word in domain_prefix for word in ("aws", "amazon", "cognito"))
    ):
        raise ValueError(
            f"domain_prefix: got {domain_prefix!r}; allowed: 1-63 lowercase letters, digits "
            "and hyphens, not at either end, without 'aws', 'amazon' or 'cognito'"
        )
    if not _RESOURCE_SERVER.fullmatch(resource_server_identifier):
        raise ValueError(
            f"resource_server_identifier: got {resource_server_identifier!r}; allowed: 1-256 "
            "printable ASCII characters without spaces, '\"' or '\\'"
        )
    if (
        isinstance(access_token_validity_minutes, bool)
        or not isinstance(access_token_validity_minutes, int)
        or not MIN_TOKEN_MINUTES <= access_token_validity_minutes <= MAX_TOKEN_MINUTES
    ):
        raise ValueError(
            f"access_token_validity_minutes: got {access_token_validity_minutes!r}; allowed: "
            f"{MIN_TOKEN_MINUTES}-{MAX_TOKEN_MINUTES} (whole minutes)"
        )
