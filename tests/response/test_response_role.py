"""The response role of every account (issue 15): who may assume it, what it may do, and that the
baseline StackSet creates it once per account."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_cdk import App, Aws, CfnCondition, Fn, Stack
from aws_cdk.assertions import Template
from conftest import EXAMPLE_CONFIG, cdk_context

from landing_zone.config import LandingZoneConfig, parse_config
from landing_zone.config.guardrails import scp_parameters
from landing_zone.organization.guardrails import FORENSIC_SNAPSHOT_TAG_KEY
from landing_zone.response.response_role import (
    ACTING_WORKFLOWS,
    FORENSIC_TAG_KEY,
    ResponseRole,
    execution_role_name,
    response_role_name,
    trusted_role_names,
)
from stacks.baselines_stack import BaselinesStack

SECURITY_TOOLING = "333333333333"
DRILL = "101010101010"
ORG = "o-a1b2c3d4e5"
EXECUTION_ROLES = [
    "lz-response-isolate-instance",
    "lz-response-contain-credentials",
    "lz-response-block-network-actor",
    "lz-response-s3-exfiltration",
    "lz-response-ip-expiry",
    "lz-response-drill",
    "lz-response-regional-call",
]


def _text(value: Any) -> str:
    """A template value as text: ``Fn::Join`` joined, ``Ref`` as ``${Name}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Ref" in value:
        return "${" + str(value["Ref"]) + "}"
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_text(part) for part in parts)
    raise AssertionError(f"unexpected template value {value!r}")


def _texts(value: Any) -> list[str]:
    return [_text(v) for v in value] if isinstance(value, list) else [_text(value)]


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def _role_and_policy(template: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    (role,) = [
        r
        for r in _resources(template, "AWS::IAM::Role").values()
        if r["Properties"].get("RoleName") == "lz-response"
    ]
    (policy,) = [
        p
        for p in _resources(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"].get("ManagedPolicyName") == "lz-response"
    ]
    return role, policy


def _statements(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def _synth(**props: Any) -> dict[str, Any]:
    stack = Stack(App(), "Baseline")
    ResponseRole(
        stack,
        "ResponseRole",
        security_tooling_account_id=SECURITY_TOOLING,
        organization_id=ORG,
        **props,
    )
    return dict(Template.from_stack(stack).to_json())


# --- names -------------------------------------------------------------------------------------


def test_names_follow_the_guardrail_prefix() -> None:
    assert response_role_name("lz-") == "lz-response"
    assert execution_role_name("lz-", "isolate-instance") == "lz-response-isolate-instance"
    assert list(trusted_role_names("lz-")) == EXECUTION_ROLES
    assert ACTING_WORKFLOWS == (
        "isolate-instance",
        "contain-credentials",
        "block-network-actor",
        "s3-exfiltration",
        "ip-expiry",
        "drill",
    )


def test_the_forensic_tag_is_the_guardrails() -> None:
    assert FORENSIC_TAG_KEY == FORENSIC_SNAPSHOT_TAG_KEY == "lz-forensic-finding"


# --- trust -------------------------------------------------------------------------------------


def test_trust_names_exactly_the_execution_roles_inside_the_organization() -> None:
    role, _ = _role_and_policy(_synth())
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    # Only AssumeRole: no session tags, no source identity, no web identity.
    assert statement["Action"] == "sts:AssumeRole"
    assert _texts(statement["Principal"]["AWS"]) == [
        f"arn:${{AWS::Partition}}:iam::{SECURITY_TOOLING}:root"
    ]
    assert set(statement["Condition"]) == {"ArnEquals", "StringEquals"}
    assert _texts(statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]) == [
        f"arn:${{AWS::Partition}}:iam::{SECURITY_TOOLING}:role/{name}" for name in EXECUTION_ROLES
    ]
    assert statement["Condition"]["StringEquals"] == {"aws:PrincipalOrgID": ORG}


def test_a_prefix_renames_the_role_and_whom_it_trusts() -> None:
    template = _synth(role_name_prefix="acme-")
    (role,) = _resources(template, "AWS::IAM::Role").values()
    assert role["Properties"]["RoleName"] == "acme-response"
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    trusted = _texts(statement["Condition"]["ArnEquals"]["aws:PrincipalArn"])
    assert all(arn.split("/")[-1].startswith("acme-response-") for arn in trusted)
    (policy,) = _resources(template, "AWS::IAM::ManagedPolicy").values()
    denied = _texts(_statements(policy)["NeverLandingZoneRoles"]["Resource"])
    assert "arn:${AWS::Partition}:iam::*:role/acme-*" in denied


# --- permissions -------------------------------------------------------------------------------


def test_every_action_is_named_no_wildcard_actions() -> None:
    _, policy = _role_and_policy(_synth(drill_account_id=DRILL))
    for statement in _statements(policy).values():
        assert "NotAction" not in statement
        for action in _actions(statement):
            assert "*" not in action, (statement["Sid"], action)
            assert "?" not in action, (statement["Sid"], action)


def test_the_policy_grants_exactly_the_playbooks_calls() -> None:
    _, policy = _role_and_policy(_synth(drill_account_id=DRILL))
    allowed = {
        sid: sorted(_actions(s)) for sid, s in _statements(policy).items() if s["Effect"] == "Allow"
    }
    assert allowed == {
        "ReadInstances": [
            "autoscaling:DescribeAutoScalingInstances",
            "ec2:DescribeIamInstanceProfileAssociations",
            "ec2:DescribeInstanceAttribute",
            "ec2:DescribeInstances",
            "ec2:DescribeSecurityGroupRules",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSnapshots",
            "ec2:DescribeVolumes",
        ],
        "IsolateInstances": ["ec2:ModifyInstanceAttribute"],
        "QuarantineGroups": [
            "ec2:AuthorizeSecurityGroupEgress",
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:CreateSecurityGroup",
            "ec2:RevokeSecurityGroupEgress",
            "ec2:RevokeSecurityGroupIngress",
        ],
        "SnapshotVolumes": ["ec2:CreateSnapshot"],
        "ForensicSnapshots": ["ec2:CreateSnapshot"],
        "ShareForensicSnapshots": ["ec2:ModifySnapshotAttribute"],
        "TagSnapshotsOnCreation": ["ec2:CreateTags"],
        "TagInstancesAndGroups": ["ec2:CreateTags"],
        "UntagInstancesOnRollback": ["ec2:DeleteTags"],
        "DetachFromAutoScaling": ["autoscaling:DetachInstances"],
        "DeactivateAccessKeys": ["iam:ListAccessKeys", "iam:UpdateAccessKey"],
        "RevokeRoleSessions": ["iam:DeleteRolePolicy", "iam:GetRolePolicy", "iam:PutRolePolicy"],
        "ReadInstanceProfiles": ["iam:GetInstanceProfile"],
        "FindBlockLists": ["wafv2:ListIPSets"],
        "UpdateBlockLists": ["wafv2:GetIPSet", "wafv2:UpdateIPSet"],
        "DenyPrincipalsInBucketPolicies": [
            "s3:DeleteBucketPolicy",
            "s3:GetBucketPolicy",
            "s3:PutBucketPolicy",
        ],
        "FireDrillSampleFindings": ["guardduty:CreateSampleFindings", "guardduty:ListDetectors"],
    }
    # Never deletes anything the response is evidence of, never terminates.
    every = {a for actions in allowed.values() for a in actions}
    assert not {"ec2:DeleteSnapshot", "ec2:DeleteVolume", "ec2:TerminateInstances"} & every


def test_only_describe_and_list_calls_and_the_drill_are_on_every_resource() -> None:
    _, policy = _role_and_policy(_synth(drill_account_id=DRILL))
    for statement in _statements(policy).values():
        if statement["Effect"] == "Allow" and statement["Resource"] == "*":
            for action in _actions(statement):
                name = action.split(":")[1]
                assert name.startswith(("Describe", "List")) or statement["Condition"] == {
                    "StringEquals": {"aws:PrincipalAccount": DRILL}
                }, action


def test_snapshots_are_created_tagged_and_shared_with_security_tooling_only() -> None:
    _, policy = _role_and_policy(_synth())
    statements = _statements(policy)
    assert statements["ForensicSnapshots"]["Condition"] == {
        "Null": {"aws:RequestTag/lz-forensic-finding": "false"}
    }
    assert statements["TagSnapshotsOnCreation"]["Condition"] == {
        "StringEquals": {"ec2:CreateAction": "CreateSnapshot"}
    }
    assert statements["ShareForensicSnapshots"]["Condition"] == {
        "Null": {
            "aws:ResourceTag/lz-forensic-finding": "false",
            "ec2:Add/userId": "false",
            "ec2:Add/group": "true",
        },
        "ForAllValues:StringEquals": {"ec2:Add/userId": [SECURITY_TOOLING]},
    }


def test_sessions_are_never_revoked_on_landing_zone_or_identity_center_roles() -> None:
    extra = "arn:aws:iam::*:role/stacksets-exec-*"
    _, policy = _role_and_policy(_synth(protected_role_arns=[extra]))
    deny = _statements(policy)["NeverLandingZoneRoles"]
    assert deny["Effect"] == "Deny"
    assert sorted(_actions(deny)) == ["iam:DeleteRolePolicy", "iam:PutRolePolicy"]
    assert _texts(deny["Resource"]) == [
        "arn:${AWS::Partition}:iam::*:role/lz-*",
        "arn:${AWS::Partition}:iam::*:role/aws-reserved/*",
        "arn:${AWS::Partition}:iam::*:role/aws-service-role/*",
        extra,
    ]


def test_bucket_policies_of_this_account_only_never_the_landing_zones() -> None:
    _, policy = _role_and_policy(_synth(protected_bucket_names=["acme-pay-*", "aws-waf-logs-*"]))
    statements = _statements(policy)
    assert statements["DenyPrincipalsInBucketPolicies"]["Condition"] == {
        "StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}
    }
    deny = statements["NeverLandingZoneBuckets"]
    assert deny["Effect"] == "Deny"
    assert sorted(_actions(deny)) == ["s3:DeleteBucketPolicy", "s3:PutBucketPolicy"]
    assert _texts(deny["Resource"]) == [
        "arn:${AWS::Partition}:s3:::lz-*",
        "arn:${AWS::Partition}:s3:::acme-pay-*",
        "arn:${AWS::Partition}:s3:::aws-waf-logs-*",
    ]


def test_web_acl_block_lists_only() -> None:
    _, policy = _role_and_policy(_synth())
    resources = _texts(_statements(policy)["UpdateBlockLists"]["Resource"])
    assert resources == [
        f"arn:${{AWS::Partition}}:wafv2:*:${{AWS::AccountId}}:{scope}/ipset/*-block-ipv{v}/*"
        for scope in ("regional", "global")
        for v in (4, 6)
    ]


def test_no_drill_account_no_sample_findings() -> None:
    _, policy = _role_and_policy(_synth())
    assert "FireDrillSampleFindings" not in _statements(policy)
    assert "guardduty" not in json.dumps(policy)


def test_condition_applies_to_role_and_policy() -> None:
    stack = Stack(App(), "Baseline")
    condition = CfnCondition(stack, "Home", expression=Fn.condition_equals(Aws.REGION, "eu-west-1"))
    ResponseRole(
        stack,
        "ResponseRole",
        security_tooling_account_id=SECURITY_TOOLING,
        organization_id=ORG,
        condition=condition,
    )
    template = dict(Template.from_stack(stack).to_json())
    for kind in ("AWS::IAM::Role", "AWS::IAM::ManagedPolicy"):
        (resource,) = _resources(template, kind).values()
        assert resource["Condition"] == "Home"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"security_tooling_account_id": "3333"}, "security_tooling_account_id: got '3333'"),
        ({"organization_id": "org-1"}, "organization_id: got 'org-1'"),
        ({"drill_account_id": "sandbox"}, "drill_account_id: got 'sandbox'"),
        ({"role_name_prefix": ""}, "role_name_prefix: got ''"),
        ({"role_name_prefix": "x" * 33}, "role_name_prefix: got 'xxx"),
        ({"protected_role_arns": ["lz-*"]}, "protected_role_arns: got 'lz-*'"),
        ({"protected_bucket_names": ["Logs_Bucket"]}, "protected_bucket_names: got 'Logs_Bucket'"),
        ({"protected_bucket_names": "lz-*"}, "expected lists"),
    ],
)
def test_rejects_bad_props(props: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {
        "security_tooling_account_id": SECURITY_TOOLING,
        "organization_id": ORG,
        **props,
    }
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        ResponseRole(Stack(App(), "Baseline"), "ResponseRole", **arguments)


# --- in the baseline StackSet of the reference app ----------------------------------------------


def _baseline_template(config: LandingZoneConfig, outdir: Path) -> dict[str, Any]:
    app = App(outdir=str(outdir), context=cdk_context())
    stack = BaselinesStack(
        app,
        "acme-pay-baselines",
        config=config,
        env={"account": "111111111111", "region": config.organization.home_region},
    )
    path = Path(app.synth().directory, stack.baseline.template_file)
    template: dict[str, Any] = json.loads(path.read_text())
    return template


@pytest.fixture(scope="module")
def example_with_response() -> LandingZoneConfig:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    # The reference config has an incident_response section; a copy keeps these tests about
    # the role whatever the example's other choices become.
    data.setdefault("incident_response", {"approval": {"timeout_action": "dry_run"}})
    return parse_config(yaml.safe_dump(data), "t.yaml")


@pytest.fixture(scope="module")
def baseline(
    example_with_response: LandingZoneConfig, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    return _baseline_template(example_with_response, tmp_path_factory.mktemp("cdk.out"))


def test_baseline_creates_the_role_once_per_account(baseline: dict[str, Any]) -> None:
    role, policy = _role_and_policy(baseline)
    # IAM is global: the home region's instance creates it, like the password policy.
    condition = baseline["Conditions"][role["Condition"]]
    assert condition == {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}
    assert policy["Condition"] == role["Condition"]
    assert policy["Properties"]["Roles"] == [{"Ref": _logical_id(baseline, role)}]


def _logical_id(template: dict[str, Any], resource: dict[str, Any]) -> str:
    (logical_id,) = [str(k) for k, v in template["Resources"].items() if v is resource]
    return logical_id


def test_baseline_role_trusts_the_security_tooling_workflows(
    baseline: dict[str, Any], example_with_response: LandingZoneConfig
) -> None:
    role, _ = _role_and_policy(baseline)
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    tooling = example_with_response.core_account_id("security_tooling")
    assert _texts(statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]) == [
        f"arn:${{AWS::Partition}}:iam::{tooling}:role/{name}" for name in EXECUTION_ROLES
    ]
    assert statement["Condition"]["StringEquals"] == {
        "aws:PrincipalOrgID": example_with_response.organization.id
    }


def test_baseline_role_keeps_off_every_landing_zone_role_and_log_bucket(
    baseline: dict[str, Any], example_with_response: LandingZoneConfig
) -> None:
    _, policy = _role_and_policy(baseline)
    statements = _statements(policy)
    roles = set(_texts(statements["NeverLandingZoneRoles"]["Resource"]))
    assert set(scp_parameters(example_with_response).landing_zone_role_arns) <= roles
    assert "arn:aws:iam::*:role/pipeline-*-deploy" in roles
    buckets = set(_texts(statements["NeverLandingZoneBuckets"]["Resource"]))
    assert {
        f"arn:${{AWS::Partition}}:s3:::{pattern}"
        for pattern in (
            "lz-*",
            "acme-pay-*",
            "cdk-lzone-*",
            "aws-waf-logs-*",
            "waf-access-*",
            "bedrock-logs-*",
            "bedrock-access-*",
            "ml-access-logs-*",
        )
    } == buckets


def test_baseline_drill_statement_names_the_drill_account(
    baseline: dict[str, Any], example_with_response: LandingZoneConfig
) -> None:
    _, policy = _role_and_policy(baseline)
    response = example_with_response.incident_response
    assert response is not None
    statements = _statements(policy)
    if response.fire_drill is None:
        assert "FireDrillSampleFindings" not in statements
    else:
        drill = example_with_response.accounts[response.fire_drill.account].id
        assert statements["FireDrillSampleFindings"]["Condition"] == {
            "StringEquals": {"aws:PrincipalAccount": drill}
        }


def test_no_incident_response_no_role(tmp_path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    data.pop("incident_response", None)
    # Identity assignments of the IncidentResponder need the section; drop what refers to it.
    config = _without_responders(data)
    template = _baseline_template(config, tmp_path)
    names = [
        r["Properties"].get("RoleName") for r in _resources(template, "AWS::IAM::Role").values()
    ]
    assert "lz-response" not in names


def _without_responders(data: dict[str, Any]) -> LandingZoneConfig:
    identity = data.get("identity") or {}
    for key in ("assignments", "permission_sets"):
        section = identity.get(key)
        if isinstance(section, dict):
            for name in [n for n in section if "respond" in n.lower()]:
                del section[name]
        elif isinstance(section, list):
            identity[key] = [a for a in section if "respond" not in json.dumps(a).lower()]
    return parse_config(yaml.safe_dump(data), "t.yaml")


def test_rollback_removes_only_the_quarantine_tags() -> None:
    _, policy = _role_and_policy(_synth())
    statement = _statements(policy)["UntagInstancesOnRollback"]
    assert statement["Condition"] == {
        "ForAllValues:StringEquals": {
            "aws:TagKeys": ["lz-response:quarantined", "lz-response:execution"]
        },
        "Null": {"aws:TagKeys": "false"},
    }
