"""The PCI DSS v4.0 rule catalog and the conformance pack template built from it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from landing_zone.baseline.config_recorder import ConfigFrequency
from landing_zone.detection.pci_dss_rules import (
    PCI_DSS_RULES,
    RULE_NAME_MAX_LENGTH,
    TEMPLATE_BODY_LIMIT_BYTES,
    PciDssRule,
    conformance_pack_template,
    conformance_pack_template_body,
    logical_id,
    rules_by_requirement,
)

RULES_BY_NAME = {rule.name: rule for rule in PCI_DSS_RULES}


def _rule(**props: Any) -> PciDssRule:
    defaults: dict[str, Any] = {
        "name": "s3-bucket-ssl-requests-only",
        "source_identifier": "S3_BUCKET_SSL_REQUESTS_ONLY",
        "requirements": ("4.2.1",),
    }
    return PciDssRule(**{**defaults, **props})


# --- the catalog -------------------------------------------------------------------------


def test_catalog_has_fifty_to_seventy_distinct_rules() -> None:
    assert 50 <= len(PCI_DSS_RULES) <= 70
    assert len(RULES_BY_NAME) == len(PCI_DSS_RULES)
    identifiers = [rule.source_identifier for rule in PCI_DSS_RULES]
    assert len(set(identifiers)) == len(identifiers)


@pytest.mark.parametrize("family", ["1", "2", "3", "4", "6", "7", "8", "10", "11", "12"])
def test_catalog_covers_each_requirement_family(family: str) -> None:
    covered = {requirement.split(".")[0] for requirement in rules_by_requirement()}
    assert family in covered


@pytest.mark.parametrize(
    ("name", "parameters"),
    [
        (
            "iam-password-policy",
            {
                "MinimumPasswordLength": "14",
                "RequireUppercaseCharacters": "true",
                "RequireLowercaseCharacters": "true",
                "RequireNumbers": "true",
                "RequireSymbols": "true",
                "PasswordReusePrevention": "24",
                "MaxPasswordAge": "90",
            },
        ),
        ("access-keys-rotated", {"maxAccessKeyAge": "90"}),
        ("iam-user-unused-credentials-check", {"maxCredentialUsageAge": "90"}),
        ("cw-loggroup-retention-period-check", {"MinRetentionTime": "365"}),
        ("vpc-flow-logs-enabled", {"trafficType": "ALL"}),
        ("vpc-sg-open-only-to-authorized-ports", {"authorizedTcpPorts": "443"}),
    ],
)
def test_fintech_parameters(name: str, parameters: dict[str, str]) -> None:
    assert dict(RULES_BY_NAME[name].input_parameters) == parameters


def test_password_policy_meets_pci_dss_minimums() -> None:
    """PCI DSS 8.3.6, 8.3.7 and 8.3.9: 12 characters, not the last 4, changed within 90 days."""
    parameters = RULES_BY_NAME["iam-password-policy"].input_parameters
    assert int(parameters["MinimumPasswordLength"]) >= 12
    assert int(parameters["PasswordReusePrevention"]) >= 4
    assert int(parameters["MaxPasswordAge"]) <= 90


@pytest.mark.parametrize(
    "name",
    [
        "iam-password-policy",
        "iam-root-access-key-check",
        "root-account-mfa-enabled",
        "iam-policy-no-statements-with-admin-access",
        "iam-no-inline-policy-check",
        "multi-region-cloudtrail-enabled",
        "s3-account-level-public-access-blocks-periodic",
    ],
)
def test_iam_and_account_wide_rules_are_global(name: str) -> None:
    assert RULES_BY_NAME[name].global_resources


@pytest.mark.parametrize(
    "name",
    ["guardduty-enabled-centralized", "securityhub-enabled", "ec2-ebs-encryption-by-default"],
)
def test_regional_service_rules_run_in_every_region(name: str) -> None:
    assert not RULES_BY_NAME[name].global_resources


def test_every_rule_on_iam_resource_types_is_global() -> None:
    for rule in PCI_DSS_RULES:
        if any(resource_type.startswith("AWS::IAM::") for resource_type in rule.resource_types):
            assert rule.global_resources, rule.name


def test_rules_are_frozen() -> None:
    rule = RULES_BY_NAME["access-keys-rotated"]
    with pytest.raises(AttributeError):
        rule.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        rule.input_parameters["maxAccessKeyAge"] = "30"  # type: ignore[index]


def test_rule_copies_its_parameters() -> None:
    parameters = {"maxAccessKeyAge": "90"}
    rule = _rule(input_parameters=parameters)
    parameters["maxAccessKeyAge"] = "1"
    assert rule.input_parameters == {"maxAccessKeyAge": "90"}


def test_requirements_are_listed_in_numeric_order() -> None:
    requirements = list(rules_by_requirement())
    assert requirements.index("1.4.4") < requirements.index("3.5.1")
    assert requirements.index("8.3.9") < requirements.index("10.2.1")
    assert requirements.index("10.4.1.1") < requirements.index("10.5.1")
    assert requirements[-1] == "12.10.5"


def test_rules_by_requirement_names_every_rule_of_a_requirement() -> None:
    assert rules_by_requirement()["8.3.9"] == ("iam-password-policy", "access-keys-rotated")
    covered = {name for names in rules_by_requirement().values() for name in names}
    assert covered == set(RULES_BY_NAME)


def test_appendix_requirements_sort_last() -> None:
    rules = [_rule(requirements=("A3.3.1", "12.10.1", "2.2.1"))]
    assert list(rules_by_requirement(rules)) == ["2.2.1", "12.10.1", "A3.3.1"]


# --- rejected rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"name": "S3-Bucket"}, "name must be lowercase words"),
        ({"name": "s3--bucket"}, "name must be lowercase words"),
        ({"name": "a" * (RULE_NAME_MAX_LENGTH + 1)}, f"at most {RULE_NAME_MAX_LENGTH}"),
        ({"source_identifier": "s3-bucket"}, "source_identifier 's3-bucket' is not"),
        ({"requirements": ()}, "requirements is empty"),
        ({"requirements": ("PCI 3.5",)}, "requirement 'PCI 3.5' is not"),
        ({"requirements": ("3",)}, "requirement '3' is not"),
        ({"input_parameters": {"max age": "90"}}, "input parameter 'max age'"),
        ({"input_parameters": {"maxAge": ""}}, "input parameter 'maxAge'=''"),
        ({"input_parameters": {"maxAge": 90}}, "input parameter 'maxAge'=90"),
        ({"resource_types": ("S3::Bucket",)}, "'S3::Bucket' is not a resource type"),
    ],
)
def test_rejects_impossible_rules(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _rule(**props)


# --- the pack template -------------------------------------------------------------------


def test_logical_ids_are_the_names_in_pascal_case() -> None:
    assert logical_id("s3-bucket-ssl-requests-only") == "S3BucketSslRequestsOnly"
    assert RULES_BY_NAME["ec2-imdsv2-check"].logical_id == "Ec2Imdsv2Check"


def test_template_holds_only_config_rules() -> None:
    template = conformance_pack_template(include_global_resource_types=True)
    assert list(template) == ["Resources"]
    assert {resource["Type"] for resource in template["Resources"].values()} == {
        "AWS::Config::ConfigRule"
    }
    assert list(template["Resources"]) == [rule.logical_id for rule in PCI_DSS_RULES]


def test_home_region_template_holds_every_rule() -> None:
    template = conformance_pack_template(include_global_resource_types=True)
    assert len(template["Resources"]) == len(PCI_DSS_RULES)


def test_other_regions_template_leaves_global_rules_out() -> None:
    template = conformance_pack_template(include_global_resource_types=False)
    names = {
        resource["Properties"]["ConfigRuleName"] for resource in template["Resources"].values()
    }
    assert names == {rule.name for rule in PCI_DSS_RULES if not rule.global_resources}
    assert "iam-password-policy" not in names
    assert "guardduty-enabled-centralized" in names


def test_rule_resource_carries_every_setting() -> None:
    resources = conformance_pack_template(include_global_resource_types=True)["Resources"]
    assert resources["IamPasswordPolicy"]["Properties"] == {
        "ConfigRuleName": "iam-password-policy",
        "Description": "PCI DSS v4.0 8.3.6, 8.3.7, 8.3.9",
        "Source": {"Owner": "AWS", "SourceIdentifier": "IAM_PASSWORD_POLICY"},
        "InputParameters": dict(RULES_BY_NAME["iam-password-policy"].input_parameters),
        "MaximumExecutionFrequency": "Twelve_Hours",
    }
    assert resources["S3BucketSslRequestsOnly"]["Properties"] == {
        "ConfigRuleName": "s3-bucket-ssl-requests-only",
        "Description": "PCI DSS v4.0 4.2.1",
        "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_SSL_REQUESTS_ONLY"},
        "Scope": {"ComplianceResourceTypes": ["AWS::S3::Bucket"]},
    }


def test_rule_frequency_reaches_the_template() -> None:
    rule = _rule(maximum_execution_frequency=ConfigFrequency.ONE_HOUR)
    template = conformance_pack_template(include_global_resource_types=True, rules=[rule])
    properties = template["Resources"]["S3BucketSslRequestsOnly"]["Properties"]
    assert properties["MaximumExecutionFrequency"] == "One_Hour"


@pytest.mark.parametrize("include_global_resource_types", [True, False])
def test_template_body_is_minified_deterministic_and_within_the_limit(
    include_global_resource_types: bool,
) -> None:
    body = conformance_pack_template_body(
        include_global_resource_types=include_global_resource_types
    )
    assert len(body.encode("utf-8")) <= TEMPLATE_BODY_LIMIT_BYTES
    assert json.loads(body) == conformance_pack_template(
        include_global_resource_types=include_global_resource_types
    )
    assert body == json.dumps(json.loads(body), separators=(",", ":"), sort_keys=True)
    assert body == conformance_pack_template_body(
        include_global_resource_types=include_global_resource_types
    )


def test_rejects_a_template_body_over_the_limit() -> None:
    rules = [
        _rule(
            name=f"rule-{index}",
            input_parameters={f"parameter{n}": "x" * 100 for n in range(10)},
        )
        for index in range(60)
    ]
    with pytest.raises(ValueError, match=r"rules: the pack template has \d+ bytes"):
        conformance_pack_template_body(include_global_resource_types=True, rules=rules)


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["my-rule", "my-rule"], r"names \['my-rule'\] appear more than once"),
        (["my-rule1", "my-rule-1"], r"logical_ids \['MyRule1'\] appear more than once"),
    ],
)
def test_rejects_rules_that_collide(names: list[str], message: str) -> None:
    rules = [_rule(name=name) for name in names]
    with pytest.raises(ValueError, match=message):
        conformance_pack_template(include_global_resource_types=True, rules=rules)
