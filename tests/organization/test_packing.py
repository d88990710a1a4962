import re

import pytest

from landing_zone.organization.data_perimeter import (
    DATA_PERIMETER_GUARDRAILS,
    DataPerimeterParameters,
)
from landing_zone.organization.guardrails import (
    GUARDRAILS,
    Guardrail,
    GuardrailCatalog,
    GuardrailParameters,
    PolicyType,
    UnknownGuardrailError,
)
from landing_zone.organization.packing import (
    GuardrailPackingError,
    minified,
    pack_guardrails,
    policy_document,
)

# Seventeen valid, made-up Region names: size is what matters here.
SEVENTEEN_REGIONS = tuple(f"xx-test-{number}" for number in range(1, 18))


def statement_of_size(sid: str, characters: int) -> dict:
    """A statement whose document, alone, is exactly ``characters`` long once minified."""
    statement = {"Sid": sid, "Effect": "Deny", "Action": "x:", "Resource": "*"}
    padding = characters - len(minified(policy_document([statement])))
    assert padding >= 0
    statement["Action"] = "x:" + "A" * padding
    return statement


def sized(name: str, characters: int) -> Guardrail[None]:
    sid = "".join(part.title() for part in name.split("-"))
    return Guardrail(
        name=name,
        threat="Test guardrail of a known size.",
        build=lambda _: [statement_of_size(sid, characters)],
    )


def catalog(*guardrails: Guardrail[None]) -> GuardrailCatalog[None]:
    return GuardrailCatalog(PolicyType.SERVICE_CONTROL_POLICY, guardrails)


@pytest.fixture
def params() -> GuardrailParameters:
    return GuardrailParameters(governed_regions=SEVENTEEN_REGIONS)


def test_packs_the_organization_wide_guardrails_into_the_allowed_policies(params):
    # Everything the example attaches at the root.
    below_root = {
        "protect-delegated-administration",
        "keep-data-in-organization",
        "require-encryption-at-rest",
        "deny-disable-ebs-default-encryption",
        "deny-all-except-landing-zone",
        "deny-unapproved-bedrock-models",
        "require-sagemaker-encryption-and-vpc",
        "deny-sagemaker-root-and-internet",
    }
    names = [name for name in GUARDRAILS if name not in below_root]
    packed = pack_guardrails(names, params, catalog=GUARDRAILS)

    assert 1 <= len(packed) <= 4
    assert sorted(name for policy in packed for name in policy.guardrails) == sorted(names)
    for policy in packed:
        assert policy.characters == len(minified(policy.document)) <= 5120
        assert policy.document["Version"] == "2012-10-17"
        expected = [s for name in policy.guardrails for s in GUARDRAILS[name].statements(params)]
        assert policy.document["Statement"] == expected


def test_packs_the_rcp_catalog():
    params = DataPerimeterParameters(organization_id="o-a1b2c3d4e5")
    packed = pack_guardrails(
        list(DATA_PERIMETER_GUARDRAILS), params, catalog=DATA_PERIMETER_GUARDRAILS
    )
    assert [policy.guardrails for policy in packed] == [tuple(DATA_PERIMETER_GUARDRAILS)]
    assert all(s["Principal"] == "*" for s in packed[0].document["Statement"])


def test_nothing_to_pack_gives_no_policies(params):
    assert pack_guardrails([], params, catalog=GUARDRAILS) == []


def test_packing_is_deterministic_and_follows_the_listed_order():
    guardrails = catalog(
        sized("g-a", 300), sized("g-b", 2000), sized("g-c", 2500), sized("g-d", 700)
    )
    names = ["g-a", "g-b", "g-c", "g-d"]

    first = pack_guardrails(names, None, catalog=guardrails, max_characters=3000)
    second = pack_guardrails(names, None, catalog=guardrails, max_characters=3000)

    assert first == second
    assert [minified(policy.document) for policy in first] == [
        minified(policy.document) for policy in second
    ]
    # First-fit decreasing puts g-c (2500) with g-a (300), g-b (2000) with g-d (700); each
    # document lists its guardrails in config order and documents follow their first one.
    assert [policy.guardrails for policy in first] == [("g-a", "g-c"), ("g-b", "g-d")]
    sids = [[s["Sid"] for s in policy.document["Statement"]] for policy in first]
    assert sids == [["GA", "GC"], ["GB", "GD"]]


def test_fills_a_policy_exactly_to_the_limit():
    guardrails = catalog(sized("g-a", 1000), sized("g-b", 1500))
    together = len(
        minified(
            policy_document(guardrails["g-a"].statements(None) + guardrails["g-b"].statements(None))
        )
    )

    at_limit = pack_guardrails(["g-a", "g-b"], None, catalog=guardrails, max_characters=together)
    one_short = pack_guardrails(
        ["g-a", "g-b"], None, catalog=guardrails, max_characters=together - 1
    )

    assert [(p.guardrails, p.characters) for p in at_limit] == [(("g-a", "g-b"), together)]
    assert [p.guardrails for p in one_short] == [("g-a",), ("g-b",)]


def test_a_guardrail_exactly_at_the_limit_fits_alone():
    packed = pack_guardrails(["g-a"], None, catalog=catalog(sized("g-a", 5120)))
    assert [policy.characters for policy in packed] == [5120]


def test_too_many_guardrails_name_every_guardrail_its_size_and_what_to_do():
    guardrails = catalog(sized("g-a", 4000), sized("g-b", 3500), sized("g-c", 3000))

    with pytest.raises(GuardrailPackingError) as caught:
        pack_guardrails(["g-a", "g-b", "g-c"], None, catalog=guardrails, max_policies=2)

    message = str(caught.value)
    assert "3 SERVICE_CONTROL_POLICY guardrails need 3 policies" in message
    assert "at most 5,120 characters" in message
    assert "only 2 may be attached to one target" in message
    assert "  - g-a: 4,000 characters" in message
    assert "  - g-b: 3,500 characters" in message
    assert "  - g-c: 3,000 characters" in message
    assert "total 10,500" in message
    assert "parent OU" in message
    assert "drop some" in message


def test_a_guardrail_larger_than_the_limit_is_its_own_error():
    guardrails = catalog(sized("g-small", 200), sized("g-huge", 5121))

    with pytest.raises(GuardrailPackingError) as caught:
        pack_guardrails(["g-small", "g-huge"], None, catalog=guardrails)

    message = str(caught.value)
    assert "exceed the limit of 5,120 characters on their own" in message
    assert "never split" in message
    assert "  - g-huge: 5,121 characters" in message
    assert "g-small" not in message


def test_real_guardrails_that_cannot_fit_report_their_sizes(params):
    names = ["deny-iam-users-and-access-keys", "deny-unapproved-regions"]
    with pytest.raises(GuardrailPackingError) as caught:
        pack_guardrails(names, params, catalog=GUARDRAILS, max_policies=1, max_characters=2000)
    for name in names:
        size = len(minified(policy_document(GUARDRAILS[name].statements(params))))
        assert f"  - {name}: {size:,} characters" in str(caught.value)


def test_unknown_guardrail_names_fail_before_packing(params):
    with pytest.raises(UnknownGuardrailError, match="deny-everything"):
        pack_guardrails(["deny-root-user", "deny-everything"], params, catalog=GUARDRAILS)


def test_rejects_a_guardrail_listed_twice(params):
    with pytest.raises(ValueError, match="listed more than once: deny-root-user"):
        pack_guardrails(["deny-root-user", "deny-root-user"], params, catalog=GUARDRAILS)


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"max_policies": 0}, "max_policies must be between 1 and 5"),
        ({"max_policies": 6}, "max_policies must be between 1 and 5"),
        ({"max_characters": 0}, "max_characters must be between 1 and 5120"),
        ({"max_characters": 10_000}, "max_characters must be between 1 and 5120"),
    ],
)
def test_rejects_limits_aws_does_not_have(params, limits, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        pack_guardrails(["deny-root-user"], params, catalog=GUARDRAILS, **limits)


def test_rejects_statement_ids_that_repeat_within_one_document():
    clash = Guardrail(
        name="g-clash",
        threat="Reuses the statement id of g-a.",
        build=lambda _: [statement_of_size("GA", 300)],
    )
    with pytest.raises(ValueError, match=r"statement ids repeat .*: GA"):
        pack_guardrails(["g-a", "g-clash"], None, catalog=catalog(sized("g-a", 300), clash))


def test_network_ou_takes_the_delegated_administration_guardrail():
    # The network account is the delegated IPAM administrator: its OU carries the data
    # guardrails and protect-delegated-administration, with incident response on.
    full = GuardrailParameters(
        governed_regions=("eu-central-1", "eu-west-1", "us-east-1"),
        landing_zone_name="acme-pay",
        cdk_bootstrap_qualifier="lzone",
        organization_id="o-a1b2c3d4e5",
        incident_response_account_id="222222222222",
        incident_responder_permission_sets=("IncidentResponder",),
    )
    names = [
        "keep-data-in-organization",
        "require-encryption-at-rest",
        "deny-disable-ebs-default-encryption",
        "protect-delegated-administration",
    ]
    packed = pack_guardrails(names, full, catalog=GUARDRAILS)
    assert len(packed) <= 4  # AWS allows 5 per target, FullAWSAccess keeps one
    assert all(policy.characters <= 5120 for policy in packed)
