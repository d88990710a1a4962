"""One deployer: the landing zone's bootstrap roles trust exactly the deployer role, never an
account, and the deployer itself is reachable only through the landing zone's pipeline."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from conftest import EXAMPLE_CONFIG, cdk_context, template_text

from landing_zone.compliance import violations
from landing_zone.config import parse_config
from landing_zone.identity.bootstrap import (
    BOOTSTRAP_VARIANT,
    LandingZoneDeployer,
    deployer_role_arn,
    landing_zone_bootstrap_template,
    roles_trusting_accounts,
    trusted_roles_bootstrap_template,
)
from landing_zone.identity.pipeline_role import GitHubOidcProvider

ROOT = Path(__file__).parents[2]
CDK_TEMPLATE = (
    ROOT / "node_modules" / "aws-cdk" / "lib" / "api" / "bootstrap" / "bootstrap-template.yaml"
)
DEPLOYER = "arn:aws:iam::111111111111:role/lz-deployer"
KINDS = {
    "DeploymentActionRole": "deploy",
    "FilePublishingRole": "file-publishing",
    "ImagePublishingRole": "image-publishing",
    "LookupRole": "lookup",
}


@pytest.fixture(scope="module")
def cdk_template() -> dict[str, Any]:
    """The pinned CDK CLI's own bootstrap template (what cdk bootstrap --show-template prints)."""
    return yaml.safe_load(CDK_TEMPLATE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bootstrap(cdk_template) -> dict[str, Any]:
    return landing_zone_bootstrap_template(cdk_template, deployer_role_arn=DEPLOYER)


def _roles(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::IAM::Role"
    }


def test_the_cli_template_trusts_whole_accounts(cdk_template) -> None:
    # What the rewrite removes, and what the check below would catch if it came back.
    assert roles_trusting_accounts(cdk_template) == sorted(KINDS)


def test_no_role_of_the_landing_zone_bootstrap_trusts_an_account(bootstrap) -> None:
    assert roles_trusting_accounts(bootstrap) == []


def test_the_four_bootstrap_roles_trust_the_deployer_alone(bootstrap) -> None:
    roles = _roles(bootstrap)
    for logical_id in KINDS:
        [statement] = roles[logical_id]["AssumeRolePolicyDocument"]["Statement"]
        assert statement == {
            "Sid": "NamedRolesOnly",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"AWS": DEPLOYER},
            "Condition": {"Null": {"sts:ExternalId": "true"}},
        }
    # The execution role stays CloudFormation's alone.
    [statement] = roles["CloudFormationExecutionRole"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    assert set(roles) == {*KINDS, "CloudFormationExecutionRole"}


def test_only_trusts_change(cdk_template, bootstrap) -> None:
    # Everything else is the CLI's template: names, policies, buckets, the version.
    before = copy.deepcopy(cdk_template["Resources"])
    after = copy.deepcopy(bootstrap["Resources"])
    for logical_id in KINDS:
        del before[logical_id]["Properties"]["AssumeRolePolicyDocument"]
        del after[logical_id]["Properties"]["AssumeRolePolicyDocument"]
    assert before == after
    assert bootstrap["Outputs"] == cdk_template["Outputs"]
    assert set(bootstrap["Parameters"]) == set(cdk_template["Parameters"])


def test_trust_parameters_are_refused_and_the_variant_is_ours(bootstrap) -> None:
    assert bootstrap["Parameters"]["BootstrapVariant"]["Default"] == BOOTSTRAP_VARIANT
    assertions = bootstrap["Rules"]["NamedRolesOnly"]["Assertions"]
    assert [a["Assert"] for a in assertions] == [
        {"Fn::EachMemberEquals": [{"Ref": "TrustedAccounts"}, ""]},
        {"Fn::EachMemberEquals": [{"Ref": "TrustedAccountsForLookup"}, ""]},
    ]
    # No condition is left that only the replaced trusts used.
    assert "ShouldDenyExternalId" not in bootstrap["Conditions"]
    assert "HasTrustedAccountsForLookup" not in bootstrap["Conditions"]


def test_an_unknown_role_trusting_an_aws_principal_fails_closed(cdk_template) -> None:
    template = copy.deepcopy(cdk_template)
    template["Resources"]["NewRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Principal": {"AWS": {"Ref": "AWS::AccountId"}},
                    }
                ]
            }
        },
    }
    with pytest.raises(ValueError, match=r"Resources\.NewRole"):
        landing_zone_bootstrap_template(template, deployer_role_arn=DEPLOYER)


def test_a_missing_bootstrap_role_fails(cdk_template) -> None:
    template = copy.deepcopy(cdk_template)
    del template["Resources"]["LookupRole"]
    with pytest.raises(ValueError, match="aws-cdk:bootstrap-role=lookup"):
        landing_zone_bootstrap_template(template, deployer_role_arn=DEPLOYER)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::111111111111:root",
        "111111111111",
        "arn:aws:iam::111111111111:role/lz-*",
        "arn:aws:iam::*:role/lz-deployer",
    ],
)
def test_the_deployer_must_be_one_role(cdk_template, arn) -> None:
    with pytest.raises(ValueError, match="deployer_role_arn"):
        landing_zone_bootstrap_template(cdk_template, deployer_role_arn=arn)
    with pytest.raises(ValueError, match="trusted_role_arns"):
        trusted_roles_bootstrap_template(
            cdk_template, trusted_role_arns=[DEPLOYER, arn], variant="v", description="d"
        )


def test_deployer_role_arn() -> None:
    assert (
        deployer_role_arn(partition="aws", management_account_id="111111111111", role_name="lz-d")
        == "arn:aws:iam::111111111111:role/lz-d"
    )
    with pytest.raises(ValueError, match="management_account_id"):
        deployer_role_arn(partition="aws", management_account_id="1111", role_name="lz-d")


# --- the deployer role -----------------------------------------------------------------------


def _deployer_stack(**props: Any) -> Stack:
    stack = Stack(
        App(context=cdk_context()),
        "Deployer",
        env=Environment(account="111111111111", region="eu-west-1"),
    )
    provider = GitHubOidcProvider(stack, "GitHub").provider
    LandingZoneDeployer(
        stack,
        "Deployer",
        **{
            "role_name": "lz-deployer",
            "repository": "acme-pay/landing-zone",
            "environments": ["landing-zone"],
            "provider": provider,
            **props,
        },
    )
    return stack


def test_the_deployer_is_reached_only_through_the_pipelines_protected_environment() -> None:
    template = Template.from_stack(_deployer_stack()).to_json()
    [role] = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert role["Properties"]["RoleName"] == "lz-deployer"
    [statement] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert set(statement["Principal"]) == {"Federated"}
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": [
                "repo:acme-pay/landing-zone:environment:landing-zone"
            ],
        }
    }
    assert "PermissionsBoundary" in role["Properties"]


def test_the_deployer_can_only_assume_the_landing_zone_bootstrap_roles() -> None:
    template = Template.from_stack(_deployer_stack()).to_json()
    policies = {
        r["Properties"]["ManagedPolicyName"]: r["Properties"]["PolicyDocument"]["Statement"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
    }
    assert set(policies) == {"lz-deployer-boundary", "lz-deployer-policy"}
    for statements in policies.values():
        [statement] = statements
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == "sts:AssumeRole"
        assert sorted(template_text(r) for r in statement["Resource"]) == sorted(
            f"arn:${{AWS::Partition}}:iam::*:role/cdk-lzone-{kind}-role-*"
            for kind in KINDS.values()
        )  # never the cfn-exec role


def test_the_deployer_passes_the_compliance_packs() -> None:
    assert violations(_deployer_stack()) == {}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"environments": []}, "environments: got none"),
        ({"environments": ["prod*"]}, "wildcard"),
        ({"role_name": "lz-*"}, "role_name"),
    ],
)
def test_the_deployer_rejects_what_would_widen_it(props, message) -> None:
    with pytest.raises(ValueError, match=message):
        _deployer_stack(**props)


# --- the script that writes both templates -----------------------------------------------------


def _script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "bootstrap_templates", ROOT / "scripts" / "bootstrap_templates.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_writes_both_templates_for_the_reference_config(cdk_template) -> None:
    script = _script()
    config = parse_config(EXAMPLE_CONFIG.read_text(), "landing-zone.yaml")
    templates = script.bootstrap_templates(config, cdk_template)
    bootstrap = templates[script.BOOTSTRAP_TEMPLATE]
    assert roles_trusting_accounts(bootstrap) == []
    principals = {
        role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"]
        for logical_id, role in _roles(bootstrap).items()
        if logical_id in KINDS
    }
    # The management account of the reference config, and the role the deployer template makes.
    assert principals == {DEPLOYER}
    deployer = templates[script.DEPLOYER_TEMPLATE]
    names = {
        r["Properties"].get("RoleName")
        for r in deployer["Resources"].values()
        if r["Type"] == "AWS::IAM::Role"
    }
    assert names == {"lz-deployer"}
    # Deployed before any bootstrap: no bootstrap version rule or parameter.
    assert "Rules" not in deployer
    assert "BootstrapVersion" not in deployer.get("Parameters", {})
    # The production account a pipeline deploys to trusts that pipeline's role, not its account
    # (shared-services) nor itself; non-production accounts keep the CLI's template.
    workloads = {name for name in templates if name.startswith("workload-")}
    assert workloads == {"workload-payments-prod-hnb659fds.template.json"}
    workload = templates["workload-payments-prod-hnb659fds.template.json"]
    assert roles_trusting_accounts(workload) == []
    assert {
        role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"]
        for logical_id, role in _roles(workload).items()
        if logical_id in KINDS
    } == {"arn:aws:iam::555555555555:role/pipeline-payments-api-prod-deploy"}


def test_the_script_refuses_a_config_without_a_deployer(tmp_path) -> None:
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    del raw["identity"]["deployer"]
    config = tmp_path / "no-deployer.yaml"
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    out = tmp_path / "out"
    assert _script().main(["-c", str(config), "-o", str(out)]) == 1
    assert not out.exists()


def test_several_pipeline_roles_are_trusted_by_exact_arn(cdk_template) -> None:
    roles = [
        "arn:aws:iam::555555555555:role/pipeline-a-deploy",
        "arn:aws:iam::555555555555:role/pipeline-b-deploy",
    ]
    template = trusted_roles_bootstrap_template(
        cdk_template, trusted_role_arns=roles, variant="v", description="d"
    )
    assert roles_trusting_accounts(template) == []
    for logical_id in KINDS:
        [statement] = _roles(template)[logical_id]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"AWS": roles}
    assert template["Parameters"]["BootstrapVariant"]["Default"] == "v"


def test_cfn_lint_finds_no_error_in_the_rewritten_template(bootstrap) -> None:
    # Errors only: the CLI's own template carries warnings of its own (legacy AccessControl,
    # the BootstrapVariant parameter it reads but no resource uses).
    from cfnlint.api import ManualArgs, lint

    # One region: the template holds nothing region-specific, and every region costs minutes.
    matches = lint(json.dumps(bootstrap), config=ManualArgs(regions=["eu-west-1"]))
    errors = [m for m in matches if str(m.rule.id).startswith("E")]
    assert errors == []
