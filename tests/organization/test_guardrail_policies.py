"""GuardrailPolicies: the guardrails of one target packed into Part1..PartN policies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.config import ROOT, LandingZoneConfig
from landing_zone.config.guardrails import scp_parameters
from landing_zone.organization import (
    DATA_PERIMETER_GUARDRAILS,
    GUARDRAILS,
    MAX_POLICY_CHARACTERS,
    DataPerimeterParameters,
    Guardrail,
    GuardrailCatalog,
    GuardrailPackingError,
    GuardrailParameters,
    GuardrailPolicies,
    PolicyType,
    minified,
)

ROOT_ID = "r-a1b2"
SMALL = ["deny-leave-organization", "deny-root-user"]


def _stack() -> Stack:
    return Stack(App(context=cdk_context()), "Organization")


def _policies(stack: Stack) -> list[dict[str, Any]]:
    """The template's policies, in construct order (Part1 first)."""
    found = Template.from_stack(stack).find_resources("AWS::Organizations::Policy")
    return [dict(found[logical_id]) for logical_id in sorted(found)]


@pytest.fixture(scope="module")
def params(example_config: LandingZoneConfig) -> GuardrailParameters:
    return scp_parameters(example_config)


@pytest.fixture(scope="module")
def root_guardrails(example_config: LandingZoneConfig) -> list[str]:
    return list(example_config.guardrails.service_control_policies[ROOT])


def _attach(
    stack: Stack,
    guardrails: Sequence[str],
    parameters: Any,
    catalog: GuardrailCatalog[Any] = GUARDRAILS,
    **props: Any,
) -> GuardrailPolicies:
    return GuardrailPolicies(
        stack,
        "Root",
        target_id=ROOT_ID,
        guardrails=guardrails,
        parameters=parameters,
        catalog=catalog,
        policy_name_prefix="acme-pay-scp-root",
        **props,
    )


@pytest.fixture(scope="module")
def small(params: GuardrailParameters) -> tuple[GuardrailPolicies, list[dict[str, Any]]]:
    stack = _stack()
    construct = _attach(stack, SMALL, params)
    return construct, _policies(stack)


@pytest.fixture(scope="module")
def packed_root(
    params: GuardrailParameters, root_guardrails: list[str]
) -> tuple[GuardrailPolicies, list[dict[str, Any]]]:
    stack = _stack()
    construct = _attach(stack, root_guardrails, params)
    return construct, _policies(stack)


def _sids(policy: dict[str, Any]) -> list[str]:
    return [statement["Sid"] for statement in policy["Properties"]["Content"]["Statement"]]


# --- a few small guardrails: one policy ---------------------------------------------------


def test_few_small_guardrails_make_one_policy(small, params) -> None:
    construct, policies = small
    assert [policy.node.id for policy in construct.policies] == ["Part1"]
    assert len(policies) == 1
    properties = policies[0]["Properties"]
    assert properties["Name"] == "acme-pay-scp-root-1"
    assert properties["Type"] == "SERVICE_CONTROL_POLICY"
    assert properties["TargetIds"] == [ROOT_ID]
    assert properties["Description"] == "Guardrails: deny-leave-organization, deny-root-user"
    expected = [s for name in SMALL for s in GUARDRAILS[name].statements(params)]
    assert properties["Content"] == {"Version": "2012-10-17", "Statement": expected}


# --- the example's Root guardrails: several parts -----------------------------------------


def test_example_root_guardrails_need_every_slot(packed_root, root_guardrails) -> None:
    construct, policies = packed_root
    assert len(root_guardrails) == 12
    assert [policy.node.id for policy in construct.policies] == ["Part1", "Part2", "Part3", "Part4"]
    assert len(policies) == 4


def test_every_part_fits_the_scp_size_limit(packed_root) -> None:
    _, policies = packed_root
    for policy in policies:
        assert len(minified(policy["Properties"]["Content"])) <= MAX_POLICY_CHARACTERS


def test_parts_are_named_by_slot_and_attached_to_the_target(packed_root) -> None:
    _, policies = packed_root
    assert [p["Properties"]["Name"] for p in policies] == [
        "acme-pay-scp-root-1",
        "acme-pay-scp-root-2",
        "acme-pay-scp-root-3",
        "acme-pay-scp-root-4",
    ]
    for policy in policies:
        assert policy["Properties"]["TargetIds"] == [ROOT_ID]
        assert policy["Properties"]["Type"] == "SERVICE_CONTROL_POLICY"


def test_each_guardrail_is_whole_in_exactly_one_part(packed_root, root_guardrails, params) -> None:
    _, policies = packed_root
    parts = [set(_sids(policy)) for policy in policies]
    every_sid: set[str] = set()
    for name in root_guardrails:
        own = {statement["Sid"] for statement in GUARDRAILS[name].statements(params)}
        every_sid |= own
        holders = [index for index, sids in enumerate(parts) if own & sids]
        assert len(holders) == 1, name
        assert own <= parts[holders[0]], name
    # Nothing but the listed guardrails, and no statement twice.
    assert sorted(sid for policy in policies for sid in _sids(policy)) == sorted(every_sid)


def test_description_lists_the_guardrails_of_its_part(packed_root, root_guardrails, params) -> None:
    _, policies = packed_root
    described: list[str] = []
    for policy in policies:
        description = policy["Properties"]["Description"]
        assert description.startswith("Guardrails: ")
        names = description.removeprefix("Guardrails: ").split(", ")
        # Listed in config order, and exactly the guardrails whose statements the part holds.
        assert names == [n for n in root_guardrails if n in names]
        sids = {s["Sid"] for name in names for s in GUARDRAILS[name].statements(params)}
        assert set(_sids(policy)) == sids
        described += names
    assert sorted(described) == sorted(root_guardrails)


def test_parts_are_slots_whatever_the_config_order(params, root_guardrails, packed_root) -> None:
    # Reordering the config must not rename or replace a policy.
    stack = _stack()
    construct = _attach(stack, list(reversed(root_guardrails)), params)
    ids = [stack.resolve(p.resource.logical_id) for p in construct.policies]
    original, _ = packed_root
    assert ids == [Stack.of(original).resolve(p.resource.logical_id) for p in original.policies]


# --- overrides ----------------------------------------------------------------------------


def test_resource_control_policies_use_the_rcp_catalog() -> None:
    stack = _stack()
    names = list(DATA_PERIMETER_GUARDRAILS)
    _attach(
        stack,
        names,
        DataPerimeterParameters(organization_id="o-a1b2c3d4e5"),
        DATA_PERIMETER_GUARDRAILS,
    )
    policies = _policies(stack)
    assert len(policies) == 1
    assert policies[0]["Properties"]["Type"] == "RESOURCE_CONTROL_POLICY"
    assert policies[0]["Properties"]["Description"] == f"Guardrails: {', '.join(names)}"


def test_long_descriptions_are_cut_to_the_aws_limit() -> None:
    names = [f"guardrail-{index}-{'x' * 90}" for index in range(6)]
    catalog = GuardrailCatalog(
        PolicyType.SERVICE_CONTROL_POLICY,
        [
            Guardrail(
                name=name,
                threat="Test guardrail with a long name.",
                build=lambda _, sid=f"Sid{index}": [
                    {"Sid": sid, "Effect": "Deny", "Action": "x:Y", "Resource": "*"}
                ],
            )
            for index, name in enumerate(names)
        ],
    )
    stack = _stack()
    _attach(stack, names, None, catalog)
    description = _policies(stack)[0]["Properties"]["Description"]
    full = f"Guardrails: {', '.join(names)}"
    assert len(full) > 512
    assert description == full[:512]


def test_max_policies_override_allows_fewer_parts(params, root_guardrails) -> None:
    # Two parts are enough for the first five of the example's Root list.
    stack = _stack()
    construct = _attach(stack, root_guardrails[:5], params, max_policies=2)
    assert len(construct.policies) == 2


def test_rejects_guardrails_that_do_not_fit_max_policies(params, root_guardrails) -> None:
    with pytest.raises(GuardrailPackingError, match=r"need 4 policies .* only 3 may be attached"):
        _attach(_stack(), root_guardrails, params, max_policies=3)


def test_rejects_a_guardrail_larger_than_a_policy() -> None:
    catalog = GuardrailCatalog(
        PolicyType.SERVICE_CONTROL_POLICY,
        [
            Guardrail(
                name="too-large",
                threat="Test guardrail larger than any policy.",
                build=lambda _: [
                    {"Sid": "TooLarge", "Effect": "Deny", "Action": "x:" + "A" * 5200}
                ],
            )
        ],
    )
    with pytest.raises(GuardrailPackingError, match=r"too-large: 5,2\d\d characters"):
        _attach(_stack(), ["too-large"], None, catalog)
