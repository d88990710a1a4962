"""OrganizationPolicy: one CfnPolicy, its content readable in the template, SCP/RCP size limit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.organization import (
    MAX_POLICY_CHARACTERS,
    OrganizationPolicy,
    PolicyType,
    minified,
)

ROOT_ID = "r-a1b2"
OU_ID = "ou-a1b2-c3d4e5f6"
DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyLeaveOrganization",
            "Effect": "Deny",
            "Action": "organizations:LeaveOrganization",
            "Resource": "*",
        }
    ],
}


def _stack() -> Stack:
    return Stack(App(context=cdk_context()), "Organization")


def document_of_size(characters: int) -> dict[str, Any]:
    """An SCP document exactly ``characters`` long once minified."""
    statement = {"Sid": "Padded", "Effect": "Deny", "Action": "x:", "Resource": "*"}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    statement["Action"] = "x:" + "A" * (characters - len(minified(document)))
    assert len(minified(document)) == characters
    return document


def _policy(stack: Stack, construct_id: str = "Policy", **props: Any) -> OrganizationPolicy:
    defaults: dict[str, Any] = {
        "policy_name": "acme-pay-scp-root-1",
        "policy_type": PolicyType.SERVICE_CONTROL_POLICY,
        "document": DOCUMENT,
        "target_ids": [ROOT_ID],
    }
    return OrganizationPolicy(stack, construct_id, **{**defaults, **props})


def _only_policy(stack: Stack) -> dict[str, Any]:
    policies = Template.from_stack(stack).find_resources("AWS::Organizations::Policy")
    assert len(policies) == 1
    return dict(next(iter(policies.values())))


@pytest.fixture(scope="module")
def defaults() -> dict[str, Any]:
    stack = _stack()
    _policy(stack)
    return _only_policy(stack)


def test_defaults(defaults) -> None:
    # Content stays an object so reviewers read the policy in template diffs.
    assert defaults["Properties"] == {
        "Name": "acme-pay-scp-root-1",
        "Type": "SERVICE_CONTROL_POLICY",
        "Content": DOCUMENT,
        "TargetIds": [ROOT_ID],
    }


def test_policy_is_not_retained(defaults) -> None:
    # Removing a policy from the config must remove the control from the organization.
    assert defaults.get("DeletionPolicy", "Delete") == "Delete"
    assert defaults.get("UpdateReplacePolicy", "Delete") == "Delete"


def test_description_and_several_targets() -> None:
    stack = _stack()
    _policy(stack, description="Guardrails: deny-leave-organization", target_ids=[ROOT_ID, OU_ID])
    properties = _only_policy(stack)["Properties"]
    assert properties["Description"] == "Guardrails: deny-leave-organization"
    assert properties["TargetIds"] == [ROOT_ID, OU_ID]


@pytest.mark.parametrize(
    "policy_type",
    [
        PolicyType.RESOURCE_CONTROL_POLICY,
        PolicyType.AISERVICES_OPT_OUT_POLICY,
        PolicyType.TAG_POLICY,
    ],
)
def test_policy_type_override(policy_type: PolicyType) -> None:
    stack = _stack()
    _policy(stack, policy_type=policy_type)
    assert _only_policy(stack)["Properties"]["Type"] == policy_type.value


def test_policy_id_is_the_resource_id() -> None:
    stack = _stack()
    policy = _policy(stack)
    logical_id = next(iter(Template.from_stack(stack).find_resources("AWS::Organizations::Policy")))
    assert stack.resolve(policy.policy_id) == {"Fn::GetAtt": [logical_id, "Id"]}


@pytest.mark.parametrize(
    "policy_type", [PolicyType.SERVICE_CONTROL_POLICY, PolicyType.RESOURCE_CONTROL_POLICY]
)
def test_scp_and_rcp_of_exactly_the_limit_are_accepted(policy_type: PolicyType) -> None:
    stack = _stack()
    document = document_of_size(MAX_POLICY_CHARACTERS)
    # Measured minified, as AWS stores it: with json.dumps' default spaces it would not fit.
    assert len(json.dumps(document)) > MAX_POLICY_CHARACTERS
    _policy(stack, policy_type=policy_type, document=document)
    assert _only_policy(stack)["Properties"]["Content"] == document


def test_tag_policy_over_the_scp_limit_is_accepted() -> None:
    # 5,120 characters is the SCP and RCP limit; tag policies may be larger.
    stack = _stack()
    document = document_of_size(MAX_POLICY_CHARACTERS + 1)
    _policy(stack, policy_type=PolicyType.TAG_POLICY, document=document)
    assert _only_policy(stack)["Properties"]["Content"] == document


@pytest.mark.parametrize(
    "policy_type", [PolicyType.SERVICE_CONTROL_POLICY, PolicyType.RESOURCE_CONTROL_POLICY]
)
def test_rejects_scp_or_rcp_over_the_limit(policy_type: PolicyType) -> None:
    with pytest.raises(
        ValueError,
        match=(
            rf"policy 'acme-pay-scp-root-1': document is 5121 characters minified; "
            rf"{policy_type.value} allows at most 5120"
        ),
    ):
        _policy(
            _stack(),
            policy_type=policy_type,
            document=document_of_size(MAX_POLICY_CHARACTERS + 1),
        )


def test_rejects_empty_target_ids() -> None:
    with pytest.raises(ValueError, match=r"'acme-pay-scp-root-1': target_ids is empty"):
        _policy(_stack(), target_ids=[])
