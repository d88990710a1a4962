import pytest

from landing_zone.organization.management_policies import (
    ai_services_opt_out_policy,
    data_classification_tag_policy,
)

LOCKED = ["@@none"]


def test_ai_opt_out_opts_every_account_out_of_every_ai_service_for_good():
    assert ai_services_opt_out_policy() == {
        "services": {
            "default": {
                "opt_out_policy": {
                    "@@operators_allowed_for_child_policies": LOCKED,
                    "@@assign": "optOut",
                }
            }
        }
    }


def test_tag_policy_defaults():
    rule = data_classification_tag_policy()["tags"]["data-classification"]
    assert rule["tag_key"] == {
        "@@operators_allowed_for_child_policies": LOCKED,
        "@@assign": "data-classification",
    }
    assert rule["tag_value"] == {
        "@@operators_allowed_for_child_policies": LOCKED,
        "@@assign": ["public", "internal", "confidential", "restricted", "pci"],
    }
    # Child policies may enforce on more resource types, never on fewer.
    assert rule["enforced_for"] == {
        "@@operators_allowed_for_child_policies": ["@@append"],
        "@@assign": ["dynamodb:table", "s3:bucket", "secretsmanager:secret"],
    }


def test_tag_policy_uses_the_given_values_and_resource_types():
    rule = data_classification_tag_policy(
        allowed_values=("internal", "secret"), enforced_for=("rds:db", "s3:ALL_SUPPORTED")
    )["tags"]["data-classification"]
    assert rule["tag_value"]["@@assign"] == ["internal", "secret"]
    assert rule["enforced_for"]["@@assign"] == ["rds:db", "s3:ALL_SUPPORTED"]


def test_tag_policy_without_enforced_types_only_reports():
    rule = data_classification_tag_policy(enforced_for=())["tags"]["data-classification"]
    assert "enforced_for" not in rule


def test_tag_policies_do_not_share_mutable_state():
    first = data_classification_tag_policy()
    first["tags"]["data-classification"]["tag_value"]["@@assign"].append("anything")
    first["tags"]["data-classification"]["tag_key"][
        "@@operators_allowed_for_child_policies"
    ].clear()
    assert data_classification_tag_policy() != first


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"allowed_values": ()}, "at least one data classification"),
        ({"allowed_values": "public"}, "at least one data classification"),
        ({"allowed_values": ("pci*",)}, "contains 'pci\\*'"),
        ({"allowed_values": ("",)}, "contains ''"),
        ({"allowed_values": ("pci", "pci")}, "lists pci more than once"),
        ({"enforced_for": ("bucket",)}, "contains 'bucket'"),
        ({"enforced_for": "s3:bucket"}, "must be a sequence of resource types"),
        ({"enforced_for": ("s3:bucket", "s3:bucket")}, "lists s3:bucket more than once"),
    ],
)
def test_rejects_invalid_tag_policy_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        data_classification_tag_policy(**arguments)
