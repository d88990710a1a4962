"""Every StackSet of the reference landing zone survives its removal from the management stacks.

Deleting an ``AWS::CloudFormation::StackSet`` resource deletes its stack instances: the accounts'
VPCs, guardrails and every other resource they do not retain. Issue 16's upgrade moves accounts
from per-account StackSets to shared ones by removing the old resources, so each must be
``Retain`` (deletion and replacement) one release before any is removed.
"""

from __future__ import annotations

from conftest import ReferenceApp


def test_every_stack_set_is_retained(reference_app: ReferenceApp) -> None:
    stack_sets = {
        f"{stack_name}/{logical_id}": resource
        for stack_name in reference_app.stacks
        for logical_id, resource in reference_app.template(stack_name)["Resources"].items()
        if resource["Type"] == "AWS::CloudFormation::StackSet"
    }
    # The account baseline, and one workload-defenses StackSet per account and region.
    assert len(stack_sets) == 1 + 9
    not_retained = sorted(
        name
        for name, resource in stack_sets.items()
        if resource.get("DeletionPolicy") != "Retain"
        or resource.get("UpdateReplacePolicy") != "Retain"
    )
    assert not_retained == []
