"""The synthesized view rules read: resources of a template, and the per-template index of
related resources (flow logs, bucket policies, logging configurations)."""

from typing import Any

import pytest

from landing_zone.compliance.rules import protected_namespace
from landing_zone.compliance.rules.resource import UNMARKED, StackMark, Template

FLOW_LOG = "AWS::EC2::FlowLog"


def _template(*targets: Any, unreadable: bool = False) -> Template:
    resources: dict[str, Any] = {"Vpc": {"Type": "AWS::EC2::VPC"}}
    for number, target in enumerate(targets):
        resources[f"FlowLog{number}"] = {"Type": FLOW_LOG, "Properties": {"ResourceId": target}}
    if unreadable:
        resources["Unreadable"] = {"Type": FLOW_LOG, "Properties": {"Fn::If": ["C", {}, {}]}}
    return Template("Test.template.json", {"Resources": resources})


def test_a_resource_reads_its_entry_of_the_template() -> None:
    template = Template(
        "Test.template.json",
        {
            "Resources": {
                "Logs": {
                    "Type": "AWS::Logs::LogGroup",
                    "Properties": {"RetentionInDays": 7},
                    "Metadata": {"cdk_nag": {"rules_to_suppress": []}},
                    "DeletionPolicy": "Retain",
                    "UpdateReplacePolicy": "Delete",
                }
            }
        },
        paths={"Logs": "Test/Logs/Resource"},
    )

    (resource,) = template
    assert (resource.type, resource.logical_id, resource.ref) == (
        "AWS::Logs::LogGroup",
        "Logs",
        {"Ref": "Logs"},
    )
    assert resource.properties == {"RetentionInDays": 7}
    assert (resource.deletion_policy, resource.update_replace_policy) == ("Retain", "Delete")
    assert resource.metadata == {"cdk_nag": {"rules_to_suppress": []}}
    assert resource.path == "Test/Logs/Resource"
    assert template.resource("Logs") == resource


def test_without_a_construct_path_a_resource_is_named_by_template_and_logical_id() -> None:
    assert _template().resource("Vpc").path == "Test.template.json/Vpc"


def test_properties_that_are_not_an_object_cannot_be_read() -> None:
    with pytest.raises(TypeError, match="cannot read the properties"):
        _ = _template(unreadable=True).resource("Unreadable").properties


def test_the_index_is_built_once_per_template_and_type() -> None:
    template = _template({"Ref": "Vpc"})

    assert template.related(FLOW_LOG, "ResourceId") is template.related(FLOW_LOG, "ResourceId")
    assert _template({"Ref": "Vpc"}).related(FLOW_LOG, "ResourceId") is not template.related(
        FLOW_LOG, "ResourceId"
    )


def test_naming_finds_equal_targets_in_template_order_whatever_their_key_order() -> None:
    index = _template(
        {"Ref": "Vpc"},
        {"Ref": "Other"},
        {"Fn::Join": ["", ["a", {"Ref": "Vpc"}]]},
        {"Ref": "Vpc"},
        {"Fn::Join": ["", ["a", {"Ref": "Vpc"}]]},
    ).related(FLOW_LOG, "ResourceId")

    assert [r.logical_id for r in index.naming({"Ref": "Vpc"})] == ["FlowLog0", "FlowLog3"]
    assert [r.logical_id for r in index.naming({"Ref": "Nothing"})] == []
    join = {"Fn::Join": ["", ["a", {"Ref": "Vpc"}]]}
    assert [r.logical_id for r in index.naming(join)] == ["FlowLog2", "FlowLog4"]


def test_unclear_holds_every_target_that_may_name_a_resource_in_another_way() -> None:
    index = _template(
        {"Ref": "Vpc"},
        "vpc-123",
        {"Fn::GetAtt": ["Vpc", "VpcId"]},
        {"Fn::If": ["Cond", {"Ref": "Vpc"}, "vpc-1"]},
        {"Fn::Join": ["", ["a", {"Ref": "Vpc"}]]},
        None,
        unreadable=True,
    ).related(FLOW_LOG, "ResourceId")

    assert [r.logical_id for r in index.unclear()] == [
        "FlowLog3",
        "FlowLog4",
        "FlowLog5",
        "Unreadable",
    ]


def test_a_template_without_a_mark_has_the_guardrails_defaults() -> None:
    assert _template().stack_mark() == UNMARKED == StackMark("lz-", UNMARKED.exempt_role_names)
    assert not UNMARKED.landing_zone


def test_a_mark_that_could_not_be_read_raises_for_each_rule_that_needs_it() -> None:
    template = Template("Test.template.json", {}, LookupError("cannot find the stack"))

    for _ in range(2):
        with pytest.raises(LookupError, match="cannot find the stack"):
            template.stack_mark()


def test_protected_names_fail_closed_when_the_stack_mark_cannot_be_read() -> None:
    body = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {}}}}
    template = Template("Test.template.json", body, LookupError("cannot find the stack"))

    with pytest.raises(LookupError, match="cannot find the stack"):
        protected_namespace(template.resource("Topic"))
