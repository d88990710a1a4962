"""How the reference app wires identity: permission sets, their assignments, the pipeline role."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from aws_cdk import App
from conftest import EXAMPLE_CONFIG, ReferenceApp, cdk_context, template_text

from landing_zone.config import ConfigError, parse_config
from landing_zone.config.identity import account_environment
from stacks import build_landing_zone

INSTANCE = "arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6"


def _resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == resource_type}


def _parameter_names(template: dict[str, Any]) -> dict[str, str]:
    """CloudFormation parameter logical id -> the SSM parameter name it reads."""
    return {k: p["Default"] for k, p in template.get("Parameters", {}).items() if "Default" in p}


def test_every_configured_permission_set_is_published_for_the_assignments(
    reference_app: ReferenceApp,
) -> None:
    template = reference_app.template("acme-pay-identity")
    permission_sets = _resources(template, "AWS::SSO::PermissionSet")
    names = {r["Properties"]["Name"] for r in permission_sets.values()}
    assert names == set(reference_app.config.identity.permission_sets)  # type: ignore[union-attr]
    for permission_set in permission_sets.values():
        assert permission_set["Properties"]["InstanceArn"] == INSTANCE
        assert permission_set["Properties"]["SessionDuration"] == "PT1H"
    parameters = {
        r["Properties"]["Name"]: r["Properties"]["Value"]
        for r in _resources(template, "AWS::SSM::Parameter").values()
    }
    for logical_id, permission_set in permission_sets.items():
        name = permission_set["Properties"]["Name"]
        key = f"/acme-pay/landing-zone/identity/permission-sets/{name}/arn"
        assert parameters[key] == {"Fn::GetAtt": [logical_id, "PermissionSetArn"]}


def test_assignments_expand_ous_to_their_accounts(reference_app: ReferenceApp) -> None:
    config = reference_app.config
    template = reference_app.template("acme-pay-identity-assignments-01")
    parameters = _parameter_names(template)
    ids = {account.id: name for name, account in config.accounts.items()}
    groups = {group_id: name for name, group_id in config.identity.groups.items()}  # type: ignore[union-attr]
    found: set[tuple[str, str, str]] = set()
    for assignment in _resources(template, "AWS::SSO::Assignment").values():
        properties = assignment["Properties"]
        assert properties["InstanceArn"] == INSTANCE
        assert properties["PrincipalType"] == "GROUP"
        assert properties["TargetType"] == "AWS_ACCOUNT"
        parameter = parameters[properties["PermissionSetArn"]["Ref"]]
        permission_set = parameter.split("/")[-2]
        found.add((permission_set, groups[properties["PrincipalId"]], ids[properties["TargetId"]]))
    developer = {account for ps, _, account in found if ps == "Developer"}
    assert developer == {"payments-nonprod", "sandbox"}
    # Root stands for every member account; the management account, where no SCP applies,
    # is reached by break glass alone.
    members = set(config.accounts) - {config.core_accounts.management}
    assert {account for ps, _, account in found if ps == "SecurityAuditor"} == members
    assert {account for ps, _, account in found if ps == "PlatformAdmin"} == members
    assert {account for ps, _, account in found if ps == "BreakGlass"} == set(config.accounts)
    assert {ps for ps, _, account in found if account == "management"} == {"BreakGlass"}
    assert {group for ps, group, _ in found if ps == "BreakGlass"} == {"break-glass"}
    assert {account for ps, _, account in found if ps == "DataScientist"} == {"ml-nonprod"}
    assert {account for ps, _, account in found if ps == "MLEngineer"} == {"ml-prod"}
    assert {account for ps, _, account in found if ps == "IncidentResponder"} == {
        config.core_accounts.security_tooling
    }
    # What the config check guarantees, seen in the template: no developer in production.
    for account in developer:
        assert account_environment(config, account) == "non-production"
    assert len(found) == 33


def test_assignments_wait_for_the_permission_sets_and_the_accounts(
    reference_app: ReferenceApp,
) -> None:
    stack = reference_app.stacks["acme-pay-identity-assignments-01"]
    assert {s.stack_name for s in stack.dependencies} == {"acme-pay-identity", "acme-pay-accounts"}
    assert (stack.account, stack.region) == ("111111111111", "eu-west-1")


def test_assignment_stacks_are_sharded_and_deployed_one_after_another() -> None:
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    raw = copy.deepcopy(raw)
    raw["identity"]["assignment_stacks"] = 3
    config = parse_config(yaml.safe_dump(raw, sort_keys=False), "sharded.yaml")
    stacks = {s.stack_name: s for s in build_landing_zone(App(context=cdk_context()), config)}
    shards = sorted(n for n in stacks if n.startswith("acme-pay-identity-assignments-"))
    # Every shard has a stack, even an empty one (so removing its last assignment deletes it).
    assert shards == [f"acme-pay-identity-assignments-{n:02d}" for n in (1, 2, 3)]
    previous = "acme-pay-identity"
    total = 0
    for name in shards:
        assert previous in {s.stack_name for s in stacks[name].dependencies}
        previous = name
        total += len(
            [c for c in stacks[name].node.find_all() if type(c).__name__ == "CfnAssignment"]
        )
    assert total == 33


def _policy_resources(template: dict[str, Any], role_id: str) -> set[str]:
    return {
        template_text(resource)
        for policy in _resources(template, "AWS::IAM::ManagedPolicy").values()
        if {"Ref": role_id} in policy["Properties"].get("Roles", [])
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }


def test_pipeline_roles_trust_only_the_repository_through_oidc(
    reference_app: ReferenceApp,
) -> None:
    template = reference_app.template("acme-pay-pipelines-shared-services")
    (provider,) = _resources(template, "AWS::IAM::OIDCProvider").values()
    assert provider["Properties"]["Url"] == "https://token.actions.githubusercontent.com"
    roles = {
        r["Properties"]["RoleName"]: (k, r)
        for k, r in _resources(template, "AWS::IAM::Role").items()
    }
    expected = {
        # Production: only the GitHub environment (its reviewers), never a branch.
        "pipeline-payments-api-prod-deploy": (
            ["repo:acme-pay/payments-api:environment:production"],
            "666666666666",
        ),
        "pipeline-payments-api-nonprod-deploy": (
            ["repo:acme-pay/payments-api:ref:refs/heads/main"],
            "777777777777",
        ),
    }
    assert set(roles) == set(expected)
    for name, (subjects, account) in expected.items():
        role_id, role = roles[name]
        properties = role["Properties"]
        (statement,) = properties["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Condition"] == {
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": subjects,
            }
        }
        assert "PermissionsBoundary" in properties
        # Only the CDK roles of the account it deploys to.
        resources = _policy_resources(template, role_id)
        assert resources
        for resource in resources:
            assert resource.startswith(
                f"arn:${{AWS::Partition}}:iam::{account}:role/cdk-hnb659fds-"
            ), resource


def test_identity_without_permission_sets_deploys_no_empty_stack() -> None:
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    raw["identity"] = {
        "identity_center": raw["identity"]["identity_center"],
        "pipelines": raw["identity"]["pipelines"],
    }
    config = parse_config(yaml.safe_dump(raw, sort_keys=False), "no-permission-sets.yaml")
    names = {s.stack_name for s in build_landing_zone(App(context=cdk_context()), config)}
    assert not {n for n in names if n.startswith("acme-pay-identity")}
    assert "acme-pay-pipelines-shared-services" in names


def test_reference_assignments_are_created_one_after_another(reference_app: ReferenceApp) -> None:
    template = reference_app.template("acme-pay-identity-assignments-01")
    assignments = _resources(template, "AWS::SSO::Assignment")
    waits = {k: r.get("DependsOn", []) for k, r in assignments.items()}
    # A single chain: one starts, every other waits for exactly one other assignment.
    assert sum(1 for d in waits.values() if not d) == 1
    assert all(len(d) <= 1 for d in waits.values())
    assert len({d[0] for d in waits.values() if d}) == len(assignments) - 1


def test_ai_permission_sets_reference_the_guardrail_pin_of_their_accounts(
    reference_app: ReferenceApp,
) -> None:
    template = reference_app.template("acme-pay-identity")
    references = {
        r["Properties"]["Name"]: r["Properties"].get("CustomerManagedPolicyReferences")
        for r in _resources(template, "AWS::SSO::PermissionSet").values()
    }
    pin = [{"Name": "lz-guardrail-pin-eu-west-1", "Path": "/"}]
    assert references["DataScientist"] == pin
    assert references["MLEngineer"] == pin
    assert not any(v for k, v in references.items() if k not in ("DataScientist", "MLEngineer"))


def _reference() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(EXAMPLE_CONFIG.read_text()))


def _issues(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_config(yaml.safe_dump(raw, sort_keys=False), "bad.yaml")
    # One line per issue: "<file>: <field path>: <message> (got <value>)".
    return str(error.value).splitlines()


@pytest.mark.parametrize("job", ["PlatformAdmin", "SecurityAuditor", "Developer"])
def test_no_job_function_but_break_glass_may_be_assigned_the_management_account(job) -> None:
    raw = _reference()
    group = {"PlatformAdmin": "platform-admins", "SecurityAuditor": "security-auditors"}.get(
        job, "developers"
    )
    raw["identity"]["assignments"].append(
        {"group": group, "permission_set": job, "targets": ["management"]}
    )
    appended = len(raw["identity"]["assignments"]) - 1
    issues = _issues(raw)
    assert any(
        f"identity.assignments[{appended}].targets[0]" in issue
        and "is the management account" in issue
        and "only break_glass" in issue
        for issue in issues
    ), issues


def test_break_glass_may_be_assigned_the_management_account_by_name() -> None:
    raw = _reference()
    raw["identity"]["assignments"][3]["targets"] = ["management", "Security"]
    parse_config(yaml.safe_dump(raw, sort_keys=False), "ok.yaml")


def test_pipelines_neither_live_in_nor_deploy_to_the_management_account() -> None:
    raw = _reference()
    pipeline = raw["identity"]["pipelines"]["payments-api-prod"]
    pipeline["account"] = "management"
    pipeline["deploy_to"] = ["payments-prod", "management"]
    issues = _issues(raw)
    assert any(
        "identity.pipelines.payments-api-prod.account" in i and "management account" in i
        for i in issues
    ), issues
    assert any(
        "identity.pipelines.payments-api-prod.deploy_to" in i and "landing-zone deployer" in i
        for i in issues
    ), issues


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"role_name": "deployer"}, "role_name", "must start with the landing zone's role prefix"),
        ({"role_name": "lz-de*"}, "role_name", "an IAM role name"),
        ({"environments": []}, "environments", ""),
        ({"repository": "acme-pay/*"}, "repository", "wildcard"),
    ],
)
def test_deployer_config_is_checked(change, field, message) -> None:
    raw = _reference()
    raw["identity"]["deployer"].update(change)
    issues = _issues(raw)
    assert any(f"identity.deployer.{field}" in i and message in i for i in issues), issues


def test_ai_permission_set_needs_an_ai_workload_in_every_pinned_region_of_each_account() -> None:
    """Identity Center fails to provision a permission set whose customer managed policy is
    missing from an assigned account: the guardrail pin exists only where an AI workload is."""
    raw = _reference()
    # ml-prod gets a second AI workload, in eu-central-1: MLEngineer is pinned there too, and
    # DataScientist, once also assigned to ml-prod, reaches ml-nonprod, which has none there.
    raw["ai"]["workloads"]["ml-prod-central"] = {"account": "ml-prod", "region": "eu-central-1"}
    raw["identity"]["assignments"][4]["targets"] = ["AI/NonProd", "ml-prod"]
    issues = _issues(raw)
    (issue,) = [i for i in issues if "guardrail pins" in i]
    assert issue.startswith("  - identity.assignments[4].targets[0] (line "), issue
    assert "lz-guardrail-pin-eu-central-1, lz-guardrail-pin-eu-west-1" in issue
    assert "ml-nonprod (none in eu-central-1)" in issue
    assert issue.endswith('received "AI/NonProd"')


def test_ai_permission_set_may_not_reach_an_account_without_ai_workload() -> None:
    raw = _reference()
    raw["identity"]["assignments"][5]["targets"] = ["AI/Prod", "payments-prod"]
    issues = _issues(raw)
    (issue,) = [i for i in issues if "guardrail pins" in i]
    assert "identity.assignments[5].targets[1]" in issue
    assert "payments-prod (no AI workload)" in issue
    assert "allowed: accounts with an AI workload in each of those regions" in issue


def _assignment_stacks_of(config_text: str) -> dict[str, str]:
    """Assignment construct path (without its stack) -> the stack that holds it."""
    config = parse_config(config_text, "sharded.yaml")
    stacks = build_landing_zone(App(context=cdk_context()), config)
    placement: dict[str, str] = {}
    for stack in stacks:
        if not stack.stack_name.startswith("acme-pay-identity-assignments-"):
            continue
        for construct in stack.node.find_all():
            if type(construct).__name__ == "CfnAssignment":
                path = construct.node.path.split("/", 1)[1]
                assert path not in placement, f"{path} is in two stacks"
                placement[path] = stack.stack_name
    return placement


def test_adding_an_account_moves_no_assignment_between_stacks() -> None:
    raw = copy.deepcopy(yaml.safe_load(EXAMPLE_CONFIG.read_text()))
    raw["identity"]["assignment_stacks"] = 3
    before = _assignment_stacks_of(yaml.safe_dump(raw, sort_keys=False))
    # A new sandbox account: the developers' assignment to the Sandbox OU reaches it.
    raw["accounts"]["sandbox-2"] = {
        "email": "aws-sandbox-2@acme-pay.example",
        "ou": "Sandbox",
        "id": "121212121212",
    }
    after = _assignment_stacks_of(yaml.safe_dump(raw, sort_keys=False))
    added = set(after) - set(before)
    assert added, "the new account got no assignment: the test would prove nothing"
    assert all("sandbox" in path.lower() for path in added), added
    assert set(before) <= set(after)
    assert {path: after[path] for path in before} == before
    assert len(set(before.values())) > 1, "one shard only: nothing could move"
