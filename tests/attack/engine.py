"""Turns the scenarios of ``scenarios.yaml`` into simulator requests over the extracted world, and
runs them all in one Node process (``simulate.mjs``, @cloud-copilot/iam-simulate).

A scenario names a persona, an account and region, an action, a resource and context keys; this
module finds the persona's identity policies, permissions boundary, the SCPs and RCPs of every
level above the principal's and the resource's accounts, the resource policy and, where the request
goes through a VPC endpoint, the endpoint policies, all from the world. Nothing is decided here:
every decision is the simulator's.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from world import (
    PARTITION,
    PUBLISHED_GUARDRAIL_VERSION,
    Policy,
    World,
    bootstrap_trust,
    resource_tags,
)

HERE = Path(__file__).parent
REPO = HERE.parents[1]
SCENARIOS = HERE / "scenarios.yaml"
RUNNER = HERE / "simulate.mjs"
NODE = Path(os.environ.get("LZ_NODE", REPO / ".venv" / "bin" / "node"))

# An organization the landing zone does not own: the attacker's.
OUTSIDE_ACCOUNT = "999988887777"
OUTSIDE_ORG = "o-outsider000"
# The Identity Center roles every assignment creates (path and naming documented in
# https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html).
SSO_SUFFIX = "0123456789abcdef"
PERMISSION_SET_PERSONAS = {
    "PA": "PlatformAdmin",
    "Developer": "Developer",
    "SecurityAuditor": "SecurityAuditor",
    "IncidentResponder": "IncidentResponder",
    "DataScientist": "DataScientist",
    "MLEngineer": "MLEngineer",
    "BreakGlass": "BreakGlass",
}
# Identities that are not in the templates by definition: what the attacker holds.
# MA: the member account's own administrator role. Workload: a compromised application role with
# the broad data permissions application roles typically get. StackSetsExec: the role service-
# managed StackSets create in each member account (AdministratorAccess; documented in
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html).
# CfnExec: the landing zone's CDK CloudFormation execution role (AdministratorAccess by default).
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
WORKLOAD_POLICY: Policy = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "bedrock:*",
                "dynamodb:*",
                "kms:Decrypt",
                "kms:GenerateDataKey",
                "lambda:*",
                "logs:*",
                "s3:*",
                "secretsmanager:*",
                "sns:*",
                "sqs:*",
            ],
            "Resource": "*",
        }
    ],
}


@dataclass
class Scenario:
    id: str
    persona: str
    account: str
    region: str
    action: str
    resource: Any
    expect: str
    covers: list[str]
    context: dict[str, Any] = field(default_factory=dict)
    open: str | None = None
    via_endpoint: str | None = None
    note: str = ""
    resource_account: str | None = None

    @property
    def attack(self) -> bool:
        return self.expect == "denied"


def load_scenarios(path: Path = SCENARIOS) -> list[Scenario]:
    return load_scenarios_from_text(path.read_text())


def load_scenarios_from_text(text: str) -> list[Scenario]:
    raw = yaml.safe_load(text)
    scenarios = [Scenario(**entry) for entry in raw["scenarios"]]
    ids = [s.id for s in scenarios]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate scenario ids: {sorted(duplicates)}")
    for s in scenarios:
        if s.expect not in ("allowed", "denied"):
            raise ValueError(f"{s.id}: expect must be allowed or denied, got {s.expect!r}")
    return scenarios


@dataclass
class Principal:
    arn: str  # the IAM role (aws:PrincipalArn)
    session: str  # what signs the request
    account: str
    org: str
    policies: list[dict[str, Any]]
    boundary: Policy | None = None
    human: bool = True
    # The Identity Center assignment check that must pass first, for permission sets.
    reach: dict[str, Any] | None = None


class Builder:
    def __init__(self, world: World) -> None:
        self.world = world

    # -- placeholders ----------------------------------------------------------------------

    def text(self, value: str, scenario: Scenario) -> str:
        account = self.world.account_id(scenario.account)

        def one(match: re.Match[str]) -> str:
            key = match.group(1)
            if key == "account":
                return account
            if key == "region":
                return scenario.region
            if key == "org":
                return self.world.org_id
            if key == "org_name":
                return str(self.world.config.organization.name)
            if key == "management":
                return self.world.management
            if key == "outside":
                return OUTSIDE_ACCOUNT
            if key.startswith("id:"):
                return self.world.account_id(key[3:])
            if key.startswith("find:"):
                spec: dict[str, Any] = yaml.safe_load("{" + key[5:] + "}")
                return self.find(spec, scenario)
            raise KeyError(f"{scenario.id}: unknown placeholder {{{key}}}")

        return re.sub(r"\{([^{}]+)\}", one, value)

    def find(self, spec: dict[str, Any], scenario: Scenario) -> str:
        spec = dict(spec)
        account = self.world.account_id(str(spec.pop("account", scenario.account)))
        attribute = spec.pop("attribute", None)
        suffix = str(spec.pop("suffix", ""))
        if spec.get("type") == "stack":
            # The stack a StackSet created in the account and region.
            label = spec["stackset"]
            for instance in self.world.instances:
                if (
                    instance.label == label
                    and instance.account == account
                    and instance.region == scenario.region
                ):
                    return str(instance.ref("AWS::StackId"))
            raise LookupError(
                f"{scenario.id}: no stack of StackSet {label} in {account}/{scenario.region}"
            )
        arn = self.world.find(account=account, region=spec.pop("region", scenario.region), **spec)
        if attribute == "id":
            return arn.rsplit("/", 1)[-1]
        if attribute == "published":
            # A guardrail's published version, as its template's GuardrailVersion resolves it.
            return f"{arn}:{PUBLISHED_GUARDRAIL_VERSION}"
        return arn + suffix

    # -- principals ------------------------------------------------------------------------

    def principal(self, scenario: Scenario) -> Principal:
        persona = scenario.persona
        if persona == "External":
            arn = f"arn:{PARTITION}:iam::{OUTSIDE_ACCOUNT}:role/attacker"
            return Principal(
                arn, _session(arn), OUTSIDE_ACCOUNT, OUTSIDE_ORG, [self._managed(ADMIN)]
            )
        account = self.world.account_id(scenario.account)
        org = self.world.org_id
        if persona.startswith("service:"):
            # An AWS service acting for an account (log delivery, ...): no identity policy and no
            # SCP; the resource policy and the RCPs decide.
            service = persona.removeprefix("service:")
            return Principal(service, service, account, "", [], human=False)
        if persona in PERMISSION_SET_PERSONAS:
            name = PERMISSION_SET_PERSONAS[persona]
            role_name = f"AWSReservedSSO_{name}_{SSO_SUFFIX}"
            arn = f"arn:{PARTITION}:iam::{account}:role/aws-reserved/sso.amazonaws.com/{role_name}"
            policies = [{"name": n, "policy": d} for n, d in self.world.permission_sets[name]]
            policies += self._referenced(name, account)
            reach = self._reach(name, account, arn)
            return Principal(arn, _session(arn, "alice"), account, org, policies, reach=reach)
        if persona in ("MA", "Workload", "StackSetsExec", "CfnExec"):
            name, policies = {
                "MA": ("workload-admin", [self._managed(ADMIN)]),
                "Workload": (
                    "payments-api-task",
                    [{"name": "workload", "policy": WORKLOAD_POLICY}],
                ),
                "StackSetsExec": (
                    "stacksets-exec-0123456789abcdef0123456789abcdef",
                    [self._managed(ADMIN)],
                ),
                "CfnExec": (
                    f"cdk-lzone-cfn-exec-role-{account}-{scenario.region}",
                    [self._managed(ADMIN)],
                ),
            }[persona]
            arn = f"arn:{PARTITION}:iam::{account}:role/{name}"
            return Principal(arn, _session(arn), account, org, policies, human=persona == "MA")
        if persona.startswith("role:"):
            pattern = self.text(persona[5:], scenario)
            matches = [
                r
                for a, r in self.world.roles.items()
                if r.account == account and _glob(a.rsplit("/", 1)[-1], pattern)
            ]
            if len(matches) != 1:
                raise LookupError(f"{scenario.id}: {len(matches)} roles {pattern} in {account}")
            (role,) = matches
            if role.missing:
                raise LookupError(
                    f"{scenario.id}: {role.arn} uses AWS managed policies not shipped: "
                    f"{role.missing}"
                )
            policies = [{"name": n, "policy": d} for n, d in role.policies]
            return Principal(
                role.arn, _session(role.arn), account, org, policies, role.boundary, human=False
            )
        raise KeyError(f"{scenario.id}: unknown persona {persona}")

    def _referenced(self, permission_set: str, account: str) -> list[dict[str, Any]]:
        """The customer managed policies the permission set references, as the account has them
        (a StackSet may create them): Identity Center fails to provision the permission set in an
        assigned account without one, so a missing one fails the scenario; without an assignment
        there is no role to carry them."""
        if account not in self.world.assignments.get(permission_set, set()):
            return []
        found = []
        for reference in self.world.permission_set_references.get(permission_set, []):
            arn = f"arn:{PARTITION}:iam::{account}:policy{reference}"
            if arn not in self.world.managed_policies:
                raise LookupError(
                    f"{permission_set} references {reference}, which account {account} lacks: "
                    "Identity Center could not provision it there"
                )
            found.append(
                {"name": reference.rsplit("/", 1)[-1], "policy": self.world.managed_policies[arn]}
            )
        return found

    def _managed(self, arn: str) -> dict[str, Any]:
        return {"name": arn.rsplit("/", 1)[-1], "policy": self.world.managed_policy(arn)}

    def _reach(self, permission_set: str, account: str, role_arn: str) -> dict[str, Any]:
        """Signing in through Identity Center is AssumeRoleWithSAML on the role the assignment
        created; without an assignment to the account there is no such role (no trust policy)."""
        provider = f"arn:{PARTITION}:iam::{account}:saml-provider/AWSSSO_{SSO_SUFFIX}_DO_NOT_DELETE"
        trust = None
        if account in self.world.assignments.get(permission_set, set()):
            trust = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": provider},
                        "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                        "Condition": {
                            "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}
                        },
                    }
                ],
            }
        simulation: dict[str, Any] = {
            "request": {
                "principal": provider,
                "action": "sts:AssumeRoleWithSAML",
                "resource": {"resource": role_arn, "accountId": account},
                "contextVariables": {"SAML:aud": "https://signin.aws.amazon.com/saml"},
            },
            "identityPolicies": [],
            "serviceControlPolicies": [],
            "resourceControlPolicies": [],
        }
        if trust:
            simulation["resourcePolicy"] = trust
        return simulation

    # -- the request -----------------------------------------------------------------------

    def simulation(self, scenario: Scenario) -> tuple[dict[str, Any], dict[str, Any] | None]:
        principal = self.principal(scenario)
        resource = (
            self.text(scenario.resource, scenario)
            if isinstance(scenario.resource, str)
            else self.find(scenario.resource, scenario)
        )
        resource_account = self._resource_account(resource, scenario, principal)
        in_org = resource_account in self.world.account_parent
        context: dict[str, Any] = {
            "aws:PrincipalArn": principal.arn,
            "aws:PrincipalAccount": principal.account,
            "aws:PrincipalOrgID": principal.org,
            "aws:RequestedRegion": scenario.region,
            "aws:SecureTransport": "true",
            "aws:PrincipalIsAWSService": "false",
            "aws:ViaAWSService": "false",
            "aws:ResourceAccount": resource_account,
        }
        if scenario.persona.startswith("service:"):
            # Service principals carry the account they act for, not a principal ARN.
            for key in ("aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgID"):
                del context[key]
            context["aws:PrincipalIsAWSService"] = "true"
            context["aws:SourceAccount"] = principal.account
            context["aws:SourceOrgID"] = self.world.org_id
        if in_org:
            context["aws:ResourceOrgID"] = self.world.org_id
        if principal.human and scenario.attack:
            # The strongest attacker: a human who signed in with MFA. A legitimate request gets
            # no MFA key, as Identity Center sessions are understood not to carry it: a control
            # that only an MFA key satisfies would deny it, and the suite must see that.
            context["aws:MultiFactorAuthPresent"] = "true"
        for key, value in resource_tags(self.world, resource).items():
            # What AWS knows about the resource (the simulator drops the keys an action does
            # not support, as AWS does).
            context[f"aws:ResourceTag/{key}"] = value
        for key, value in scenario.context.items():
            if value is None:
                context.pop(key, None)
            else:
                context[key] = (
                    [self.text(str(v), scenario) for v in value]
                    if isinstance(value, list)
                    else self.text(str(value), scenario)
                )
        simulation: dict[str, Any] = {
            "request": {
                "principal": principal.session,
                "action": scenario.action,
                "resource": {"resource": resource, "accountId": resource_account},
                "contextVariables": context,
            },
            "identityPolicies": principal.policies,
            "serviceControlPolicies": self.world.org_policies(principal.account, "scp")
            if principal.account in self.world.account_parent
            and not scenario.persona.startswith("service:")
            else [],
            "resourceControlPolicies": self.world.org_policies(resource_account, "rcp")
            if in_org
            else [],
        }
        if principal.boundary:
            simulation["permissionBoundaryPolicies"] = [
                {"name": "boundary", "policy": principal.boundary}
            ]
        policy = self._resource_policy(resource, scenario, resource_account)
        if policy is not None:
            simulation["resourcePolicy"] = policy
        if scenario.via_endpoint:
            where = (principal.account, scenario.region, scenario.via_endpoint)
            policies = self.world.endpoint_policies.get(where)
            if not policies:
                raise LookupError(
                    f"{scenario.id}: no {scenario.via_endpoint} endpoint policy in {where}"
                )
            simulation["vpcEndpointPolicies"] = [
                {"name": f"vpce-{i}", "policy": _any_principal(p)} for i, p in enumerate(policies)
            ]
        return simulation, principal.reach

    def _resource_account(self, resource: str, scenario: Scenario, principal: Principal) -> str:
        if scenario.resource_account:
            return self.world.account_id(self.text(scenario.resource_account, scenario))
        parts = resource.split(":")
        if len(parts) > 4 and parts[4] and parts[4] != "aws":
            return parts[4]
        if resource.startswith(f"arn:{PARTITION}:s3:::"):
            bucket = resource.split(":::", 1)[1].split("/", 1)[0]
            entry = self.world.inventory.get(f"arn:{PARTITION}:s3:::{bucket}")
            if entry:
                return entry[1].account
        return principal.account

    def _resource_policy(self, resource: str, scenario: Scenario, account: str) -> Policy | None:
        if account == OUTSIDE_ACCOUNT:
            # The attacker's own bucket or table welcomes anyone: only our side can stop the write.
            return {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": resource}
                ],
            }
        if resource.startswith(f"arn:{PARTITION}:s3:::"):
            bucket = resource.split(":::", 1)[1].split("/", 1)[0]
            return self.world.resource_policies.get(f"arn:{PARTITION}:s3:::{bucket}")
        if ":iam::" in resource and ":role/" in resource and scenario.action.startswith("sts:"):
            name = resource.rsplit("/", 1)[-1]
            bootstrap_role = re.fullmatch(
                r"cdk-([a-z0-9]+)-(deploy|cfn-exec)-role-(\d{12})-([a-z0-9-]+)", name
            )
            if bootstrap_role:
                # Bootstrap roles come from `cdk bootstrap`, not from the app: their trust is the
                # one of the bootstrap template the landing zone prescribes for the account.
                qualifier, kind, _, region = bootstrap_role.groups()
                return bootstrap_trust(
                    self.world,
                    account,
                    region,
                    qualifier=qualifier,
                    role="deploy" if kind == "deploy" else "exec",
                )
            role = self.world.roles.get(resource)
            return role.trust if role else None
        if resource in self.world.resource_policies:
            return self.world.resource_policies[resource]
        if resource in self.world.aliases:
            return None
        return None


def _any_principal(policy: Policy) -> Policy:
    """Endpoint policies may say ``Principal: {"AWS": "*"}``, which AWS treats as ``"*"``; the
    simulator accepts only the latter."""
    statements = []
    for statement in policy.get("Statement", []):
        statement = dict(statement)
        if statement.get("Principal") == {"AWS": "*"}:
            statement["Principal"] = "*"
        statements.append(statement)
    return {**policy, "Statement": statements}


def _session(role_arn: str, session: str = "session") -> str:
    account = role_arn.split(":")[4]
    name = role_arn.rsplit("/", 1)[-1]
    return f"arn:{PARTITION}:sts::{account}:assumed-role/{name}/{session}"


def _glob(name: str, pattern: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(name, pattern)


@dataclass
class Outcome:
    decision: str  # allowed / denied / error
    raw: str
    detail: dict[str, Any]


def run(
    world: World, scenarios: list[Scenario], extra: dict[str, dict[str, Any]] | None = None
) -> dict[str, Outcome]:
    """Every scenario's decision, plus those of ``extra`` raw simulations, from one Node run."""
    builder = Builder(world)
    batch: list[dict[str, Any]] = []
    errors: dict[str, Outcome] = {}
    reach_of: dict[str, str] = {}
    for scenario in scenarios:
        try:
            simulation, reach = builder.simulation(scenario)
        except (LookupError, KeyError) as error:
            errors[scenario.id] = Outcome("error", "Error", {"errors": str(error)})
            continue
        batch.append({"id": scenario.id, "simulation": simulation})
        if reach is not None:
            reach_of[scenario.id] = f"{scenario.id}#reach"
            batch.append({"id": reach_of[scenario.id], "simulation": reach})
    for key, simulation in (extra or {}).items():
        batch.append({"id": key, "simulation": simulation})
    completed = subprocess.run(
        [str(NODE), str(RUNNER)],
        input=json.dumps({"simulations": batch}),
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    results = {r["id"]: r for r in json.loads(completed.stdout)["results"]}
    outcomes: dict[str, Outcome] = dict(errors)
    for key, result in results.items():
        if key.endswith("#reach"):
            continue
        raw = str(result["decision"])
        decision = {
            "Allowed": "allowed",
            "ExplicitlyDenied": "denied",
            "ImplicitlyDenied": "denied",
        }.get(raw, "error")
        detail = dict(result)
        if key in reach_of:
            reach = results[reach_of[key]]
            detail["reach"] = reach["decision"]
            if reach["decision"] == "Error":
                decision, raw = "error", "Error"
                detail["errors"] = reach.get("errors")
            elif reach["decision"] != "Allowed":
                # No assignment of the permission set to this account: the persona never gets
                # there, whatever its policies would allow.
                decision, raw = "denied", "NotAssigned"
        outcomes[key] = Outcome(decision, raw, detail)
    return outcomes
