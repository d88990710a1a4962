"""The index of related resources (flow logs, bucket policies, logging configurations) that the
flow-log, TLS-only, WORM and web ACL logging rules read once per stack and pack run."""

import itertools
import json
from typing import Any, cast

import pytest
from aws_cdk import App, CfnResource, Stack
from aws_cdk import aws_ec2 as ec2
from cdk_nag import NagRuleCompliance
from conftest import cdk_context

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import _cfn, vpc_flow_logs_enabled
from landing_zone.compliance.rules._cfn import (
    Related,
    RelatedIndex,
    check_run,
    mentions,
    related_resources,
)

RULE = "Fintech-VpcFlowLogsEnabled"
LOG_GROUP_ARN = "arn:aws:logs:eu-west-1:111111111111:log-group:vpc-flow-logs"
ROLE_ARN = "arn:aws:iam::111111111111:role/flow-logs"


def _stack(app: App | None = None, name: str = "Test") -> Stack:
    return Stack(app or App(context=cdk_context()), name)


def _vpc(stack: Stack, name: str = "Vpc") -> ec2.CfnVPC:
    return ec2.CfnVPC(stack, name, cidr_block="10.0.0.0/16")


def _flow_log(stack: Stack, vpc: ec2.CfnVPC, name: str = "FlowLog") -> ec2.CfnFlowLog:
    return ec2.CfnFlowLog(
        stack,
        name,
        resource_id=vpc.ref,
        resource_type="VPC",
        traffic_type="ALL",
        log_destination=LOG_GROUP_ARN,
        deliver_logs_permission_arn=ROLE_ARN,
    )


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stacks whose related resources are read (``find_all`` and resolve), in order."""
    read: list[str] = []
    original = _cfn._read_related

    def spy(stack: Stack, *args: Any) -> RelatedIndex:
        read.append(stack.node.path)
        return original(stack, *args)

    monkeypatch.setattr(_cfn, "_read_related", spy)
    return read


def test_a_pack_run_reads_each_stack_once(reads: list[str]) -> None:
    app = App(context=cdk_context())
    stack = _stack(app)
    for index in range(5):
        _flow_log(stack, _vpc(stack, f"Vpc{index}"), f"FlowLog{index}")
    _vpc(_stack(app, "Other"))

    assert violations(app, [FintechChecks()]) == {"Fintech": [f"{RULE}: Other/Vpc"]}
    assert sorted(reads) == ["Other", "Test"]


def test_a_run_forgets_its_indexes_when_it_ends() -> None:
    stack = _stack()
    _vpc(stack)

    with check_run():
        first = related_resources(stack, ec2.CfnFlowLog, "AWS::EC2::FlowLog", "ResourceId")
        again = related_resources(stack, ec2.CfnFlowLog, "AWS::EC2::FlowLog", "ResourceId")
        assert again is first
    assert _cfn._INDEXES == {}
    with check_run():
        assert (
            related_resources(stack, ec2.CfnFlowLog, "AWS::EC2::FlowLog", "ResourceId") is not first
        )


def test_two_apps_in_one_run_do_not_share_an_index() -> None:
    """Same construct paths and logical ids, different apps: the stack's jsii reference keys."""
    logged, unlogged = _stack(), _stack()
    logged_vpc = _vpc(logged)
    _flow_log(logged, logged_vpc)
    unlogged_vpc = _vpc(unlogged)

    with check_run():
        assert vpc_flow_logs_enabled(logged_vpc) == NagRuleCompliance.COMPLIANT
        assert vpc_flow_logs_enabled(unlogged_vpc) == NagRuleCompliance.NON_COMPLIANT
        assert vpc_flow_logs_enabled(logged_vpc) == NagRuleCompliance.COMPLIANT


def test_a_resource_added_in_a_second_app_is_seen() -> None:
    first = _stack()
    _vpc(first)
    assert violations(first, [FintechChecks()]) == {"Fintech": [f"{RULE}: Test/Vpc"]}

    second = _stack()
    _flow_log(second, _vpc(second))
    assert violations(second, [FintechChecks()]) == {}


def test_a_pack_run_twice_sees_the_tree_as_it_is_now() -> None:
    stack = _stack()
    vpc = _vpc(stack)
    pack = FintechChecks()
    assert violations(stack, [pack]) == {"Fintech": [f"{RULE}: Test/Vpc"]}

    _flow_log(stack, vpc)

    assert violations(stack, [pack]) == {}


def test_a_rule_called_twice_on_its_own_reads_the_stack_each_time() -> None:
    stack = _stack()
    vpc = _vpc(stack)
    assert vpc_flow_logs_enabled(vpc) == NagRuleCompliance.NON_COMPLIANT

    _flow_log(stack, vpc)

    assert vpc_flow_logs_enabled(vpc) == NagRuleCompliance.COMPLIANT


def test_an_unreadable_resource_fails_every_check_that_reaches_it() -> None:
    unreadable = Related(cast(CfnResource, None), None, None, ValueError("cannot read it"))
    index = RelatedIndex([_related({"Ref": "Vpc1"}), unreadable, _related({"Ref": "Vpc2"})])

    for vpc in ({"Ref": "Vpc1"}, {"Ref": "Vpc2"}, {"Ref": "Vpc3"}):
        found = list(index.candidates([vpc], [vpc]))
        assert unreadable in found
        assert [entry._target for entry in found if entry is not unreadable] == (
            [vpc] if vpc != {"Ref": "Vpc3"} else []
        )
        for read in (lambda: unreadable.target, lambda: unreadable.properties):
            with pytest.raises(ValueError, match="cannot read it"):
                read()


# Targets and names chosen to trip a lookup by JSON text: equal values written in another key
# order or type (1, 1.0, True), names inside other intrinsics, names that are a key or a JSON
# separator of another target, strings holding quotes and backslashes, empty objects.
_VALUES: list[Any] = [
    {"Ref": "Vpc"},
    {"Ref": "Vpc2"},
    {"Ref": "Ref"},
    {"Ref": ": "},
    {"Ref": 'a"Vpc'},
    {"Ref": "a\\"},
    {"Fn::GetAtt": ["Acl", "Arn"]},
    {"Fn::GetAtt": "Acl.Arn"},
    {"Fn::If": ["Cond", {"Ref": "Vpc"}, "vpc-1"]},
    {"Fn::If": ["Cond", {"Fn::GetAtt": ["Acl", "Arn"]}, {"Ref": "AWS::NoValue"}]},
    {"Fn::Join": ["", ["logs-", {"Ref": "AWS::AccountId"}]]},
    {"b": 2, "a": 1},
    {"a": 1, "b": 2},
    {"a": 1.0, "b": True},
    {},
    [],
    ["Vpc"],
    "Vpc",
    'Vp"c',
    "Acl",
    "Ref",
    ": ",
    ", ",
    "",
    "é",
    "a\\",
    1,
    1.0,
    True,
    None,
    "{}",
    '"Vpc"',
]


def _related(target: Any) -> Related:
    return Related(cast(CfnResource, None), {}, target, None)


def _index(targets: list[Any]) -> RelatedIndex:
    return RelatedIndex([_related(target) for target in targets])


@pytest.mark.parametrize("name", _VALUES, ids=[json.dumps(value) for value in _VALUES])
def test_candidates_hold_every_target_equal_to_or_mentioning_a_name(name: Any) -> None:
    targets = _VALUES
    index = _index(targets)

    for equal, mentioned in itertools.product([[], [name]], [[], [name]]):
        found = [entry._target for entry in index.candidates(equal, mentioned)]
        needed = [
            target
            for target in targets
            if any(target == value for value in equal) or (mentioned and mentions(target, [name]))
        ]
        # In find_all() order, and none that the rule would act on is left out.
        positions = [targets.index(target) for target in found]
        assert positions == sorted(positions)
        assert all(any(target is each for each in found) for target in needed), (needed, found)


def test_candidates_leave_out_the_targets_naming_other_resources() -> None:
    index = _index([{"Ref": f"Vpc{number}"} for number in range(100)])

    found = [entry._target for entry in index.candidates([{"Ref": "Vpc7"}], [{"Ref": "Vpc7"}])]

    assert found == [{"Ref": "Vpc7"}]
