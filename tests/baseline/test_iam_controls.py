"""IamConfigRules and the password policy settings: alone, and in the account baseline."""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of, sdk_call, template_text

from landing_zone.baseline import AccountBaseline
from landing_zone.baseline.config_recorder import ConfigFrequency, ConfigRecorder
from landing_zone.baseline.iam_controls import (
    IAM_CONFIG_RULES,
    IamConfigRules,
    PasswordPolicySettings,
    account_password_policy,
)
from landing_zone.common import AwsSdkCallHandler
from landing_zone.common.patterns import CONFIG_RULE_IDENTIFIER
from landing_zone.compliance import violations
from landing_zone.detection.pci_dss_rules import PCI_DSS_RULES
from landing_zone.identity import AccountPasswordPolicy

ENV = Environment(account="333333333333", region="eu-west-1")
BUCKET = "fintech-config-222222222222"
RULES = {
    "lz-access-keys-rotated": "ACCESS_KEYS_ROTATED",
    "lz-mfa-enabled-for-iam-console-access": "MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS",
    "lz-root-account-hardware-mfa-enabled": "ROOT_ACCOUNT_HARDWARE_MFA_ENABLED",
    "lz-iam-root-access-key-check": "IAM_ROOT_ACCESS_KEY_CHECK",
}
PCI_DEFAULT_POLICY = {
    "MinimumPasswordLength": 14,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "MaxPasswordAge": 90,
    "PasswordReusePrevention": 24,
    "AllowUsersToChangePassword": True,
    "HardExpiry": False,
}


def _stack() -> Stack:
    return Stack(App(context=cdk_context()), "Baseline", env=ENV)


def _rules(stack: Stack, **props: Any) -> IamConfigRules:
    defaults: dict[str, Any] = {"global_resources_region": "eu-west-1"}
    return IamConfigRules(stack, "IamConfigRules", **{**defaults, **props})


def _with_recorder(**props: Any) -> tuple[Stack, IamConfigRules, ConfigRecorder]:
    stack = _stack()
    recorder = ConfigRecorder(
        stack, "ConfigRecorder", delivery_bucket_name=BUCKET, global_resources_region="eu-west-1"
    )
    return stack, _rules(stack, recorder=recorder.resource, **props), recorder


def _resources(stack: Stack, resource_type: str) -> dict[str, dict[str, Any]]:
    return dict(Template.from_stack(stack).find_resources(resource_type))


def _rules_by_name(stack: Stack) -> dict[str, dict[str, Any]]:
    return {
        rule["Properties"]["ConfigRuleName"]: rule
        for rule in _resources(stack, "AWS::Config::ConfigRule").values()
    }


@pytest.fixture(scope="module")
def default() -> tuple[Stack, IamConfigRules, ConfigRecorder]:
    return _with_recorder()


# --- the rules ---------------------------------------------------------------------------


def test_deploys_the_four_aws_managed_rules(default) -> None:
    stack, rules, _ = default
    deployed = _rules_by_name(stack)
    assert {name: rule["Properties"]["Source"] for name, rule in deployed.items()} == {
        name: {"Owner": "AWS", "SourceIdentifier": identifier} for name, identifier in RULES.items()
    }
    assert sorted(rules.rules) == sorted(RULES.values())
    resources = _resources(stack, "AWS::Config::ConfigRule")
    for identifier, rule in rules.rules.items():
        source = resources[logical_id_of(rule)]["Properties"]["Source"]
        assert source["SourceIdentifier"] == identifier


def test_construct_ids_are_the_rule_names_in_pascal_case(default) -> None:
    _, rules, _ = default
    assert sorted(rule.node.id for rule in rules.rules.values()) == [
        "AccessKeysRotated",
        "IamRootAccessKeyCheck",
        "MfaEnabledForIamConsoleAccess",
        "RootAccountHardwareMfaEnabled",
    ]


def test_access_keys_older_than_37_days_are_reported(default) -> None:
    stack, _, _ = default
    parameters = {
        name: rule["Properties"].get("InputParameters")
        for name, rule in _rules_by_name(stack).items()
    }
    assert parameters == {
        "lz-access-keys-rotated": {"maxAccessKeyAge": "37"},
        "lz-mfa-enabled-for-iam-console-access": None,
        "lz-root-account-hardware-mfa-enabled": None,
        "lz-iam-root-access-key-check": None,
    }


@pytest.mark.parametrize("days", [1, 30, 90])
def test_max_access_key_age_reaches_the_rule(days: int) -> None:
    stack, _, _ = _with_recorder(max_access_key_age_days=days)
    rule = _rules_by_name(stack)["lz-access-keys-rotated"]
    assert rule["Properties"]["InputParameters"] == {"maxAccessKeyAge": str(days)}


def test_rules_run_every_24_hours_by_default(default) -> None:
    stack, _, _ = default
    frequencies = {
        rule["Properties"]["MaximumExecutionFrequency"] for rule in _rules_by_name(stack).values()
    }
    assert frequencies == {"TwentyFour_Hours"}


@pytest.mark.parametrize("frequency", [ConfigFrequency.SIX_HOURS, "One_Hour"])
def test_frequency_reaches_every_rule(frequency: ConfigFrequency | str) -> None:
    stack, _, _ = _with_recorder(maximum_execution_frequency=frequency)
    frequencies = {
        rule["Properties"]["MaximumExecutionFrequency"] for rule in _rules_by_name(stack).values()
    }
    assert frequencies == {str(frequency)}


def test_every_rule_exists_only_in_the_global_resources_region(default) -> None:
    stack, rules, _ = default
    condition_id = logical_id_of(rules.is_global_resources_region)
    conditions = Template.from_stack(stack).to_json()["Conditions"]
    assert conditions[condition_id] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}
    assert {rule["Condition"] for rule in _rules_by_name(stack).values()} == {condition_id}


def test_global_resources_region_reaches_the_condition() -> None:
    stack, rules, _ = _with_recorder(global_resources_region="us-east-1")
    conditions = Template.from_stack(stack).to_json()["Conditions"]
    assert conditions[logical_id_of(rules.is_global_resources_region)] == {
        "Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]
    }


def test_every_rule_is_created_after_the_recorder(default) -> None:
    stack, _, recorder = default
    recorder_id = logical_id_of(recorder.resource)
    assert {name: rule.get("DependsOn") for name, rule in _rules_by_name(stack).items()} == {
        name: [recorder_id] for name in RULES
    }


def test_without_a_recorder_the_rules_depend_on_nothing() -> None:
    stack = _stack()
    _rules(stack)
    assert all("DependsOn" not in rule for rule in _rules_by_name(stack).values())
    assert len(_rules_by_name(stack)) == len(RULES)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("acme_pay-", "acme_pay-access-keys-rotated"), ("", "access-keys-rotated")],
)
def test_rule_name_prefix_reaches_every_name(prefix: str, expected: str) -> None:
    stack = _stack()
    _rules(stack, rule_name_prefix=prefix)
    names = set(_rules_by_name(stack))
    assert expected in names
    assert names == {prefix + name.removeprefix("lz-") for name in RULES}


def test_longest_prefix_keeps_every_name_within_128_characters() -> None:
    stack = _stack()
    _rules(stack, rule_name_prefix="p" * 94)
    assert max(len(name) for name in _rules_by_name(stack)) == 128


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"max_access_key_age_days": 0}, "max_access_key_age_days: got 0; allowed: an integer "),
        (
            {"max_access_key_age_days": 91},
            "max_access_key_age_days: got 91; allowed: an integer from 1 to 90 (90 days is the "
            "PCI DSS v4.0 ceiling of requirements 8.3.9 and 8.6.3, not the target",
        ),
        ({"max_access_key_age_days": 37.0}, "max_access_key_age_days: got 37.0;"),
        ({"max_access_key_age_days": True}, "max_access_key_age_days: got True;"),
        ({"global_resources_region": "Europe"}, "global_resources_region: 'Europe'"),
        ({"global_resources_region": "eu-west"}, "global_resources_region: 'eu-west'"),
        ({"rule_name_prefix": "lz."}, "rule_name_prefix: got 'lz.'"),
        ({"rule_name_prefix": "p" * 95}, "allowed: up to 94 letters"),
        ({"maximum_execution_frequency": "Daily"}, "maximum_execution_frequency: got 'Daily'"),
    ],
)
def test_rejects_impossible_props(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _rules(_stack(), **props)


def test_catalog_fits_aws_config() -> None:
    names = [rule.name for rule in IAM_CONFIG_RULES]
    assert len(set(names)) == len(names)
    for rule in IAM_CONFIG_RULES:
        assert CONFIG_RULE_IDENTIFIER.fullmatch(rule.identifier)
        assert re.fullmatch(r"[a-z0-9-]+", rule.name)
        assert 0 < len(rule.description) <= 256


def test_catalog_requirements_agree_with_the_pci_dss_pack() -> None:
    pack = {rule.source_identifier: rule.requirements for rule in PCI_DSS_RULES}
    shared = [rule for rule in IAM_CONFIG_RULES if rule.identifier in pack]
    assert len(shared) == 3
    for rule in shared:
        assert rule.requirements == pack[rule.identifier], rule.identifier


def test_rules_pass_the_compliance_packs(default) -> None:
    stack, _, _ = default
    assert violations(stack) == {}


# --- the password policy settings --------------------------------------------------------


def test_settings_mirror_the_parameters_and_defaults_of_the_policy() -> None:
    parameters = {
        name: parameter.default
        for name, parameter in inspect.signature(AccountPasswordPolicy.__init__).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    settings = {field.name: field.default for field in fields(PasswordPolicySettings)}
    assert settings == parameters


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("minimum_password_length", 11, r"got 11; allowed: an integer from 12 to 128 .*8\.3\.6"),
        ("max_password_age_days", 91, r"got 91; allowed: an integer from 1 to 90 .*8\.3\.9"),
        ("password_reuse_prevention", 3, r"got 3; allowed: an integer from 4 to 24 .*8\.3\.7"),
    ],
)
def test_settings_reject_values_below_the_pci_floor_when_built(
    field: str, value: int, message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{field}: {message}"):
        PasswordPolicySettings(**{field: value})


def test_settings_without_digits_are_rejected_when_the_policy_is_created() -> None:
    settings = PasswordPolicySettings(require_numbers=False)
    with pytest.raises(ValueError, match=r"^require_numbers: got False"):
        account_password_policy(_stack(), "PasswordPolicy", settings)


def test_policy_is_set_with_the_settings_everywhere_without_a_condition() -> None:
    stack = _stack()
    policy = account_password_policy(
        stack, "PasswordPolicy", PasswordPolicySettings(minimum_password_length=16)
    )
    resources = _resources(stack, "Custom::AWS")
    assert sdk_call(resources, policy.resource)["parameters"] == {
        **PCI_DEFAULT_POLICY,
        "MinimumPasswordLength": 16,
    }
    assert "Condition" not in resources[logical_id_of(policy.resource)]


def test_policy_is_set_only_where_the_condition_holds() -> None:
    stack = _stack()
    rules = _rules(stack, global_resources_region="us-east-1")
    policy = account_password_policy(
        stack, "PasswordPolicy", condition=rules.is_global_resources_region
    )
    resources = _resources(stack, "Custom::AWS")
    assert sdk_call(resources, policy.resource)["parameters"] == PCI_DEFAULT_POLICY
    assert resources[logical_id_of(policy.resource)]["Condition"] == logical_id_of(
        rules.is_global_resources_region
    )


# --- in the account baseline -------------------------------------------------------------


PREFIX = "lz-baseline-assets-111111111111"


def _baseline(**props: Any) -> tuple[AccountBaseline, dict[str, Any]]:
    """The baseline and the ``*.stackset.template.json`` the StackSet deploys."""
    stack = Stack(
        App(context=cdk_context()),
        "Baselines",
        env=Environment(account="111111111111", region="eu-west-1"),
    )
    baseline = AccountBaseline(
        stack,
        "AccountBaseline",
        asset_bucket_prefix=PREFIX,
        asset_regions=("eu-west-1", "eu-central-1"),
        config_delivery_bucket_name=BUCKET,
        global_resources_region="eu-west-1",
        **props,
    )
    app = stack.node.root
    assert isinstance(app, App)
    path = Path(app.synth().directory, baseline.template_file)
    return baseline, json.loads(path.read_text())


@pytest.fixture(scope="module")
def baseline() -> tuple[AccountBaseline, dict[str, Any]]:
    return _baseline()


def _of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def test_baseline_holds_the_rules_in_the_global_region_after_its_recorder(baseline) -> None:
    construct, template = baseline
    condition_id = logical_id_of(construct.iam_config_rules.is_global_resources_region)
    assert template["Conditions"][condition_id] == {
        "Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]
    }
    rules = {
        rule["Properties"]["ConfigRuleName"]: rule
        for rule in _of_type(template, "AWS::Config::ConfigRule").values()
    }
    assert {
        name: rule["Properties"]["Source"]["SourceIdentifier"] for name, rule in rules.items()
    } == RULES
    recorder_id = logical_id_of(construct.config_recorder.resource)
    for rule in rules.values():
        assert rule["Condition"] == condition_id
        assert rule["DependsOn"] == [recorder_id]
    assert rules["lz-access-keys-rotated"]["Properties"]["InputParameters"] == {
        "maxAccessKeyAge": "37"
    }


def test_baseline_sets_the_pci_password_policy_from_the_global_region_only(baseline) -> None:
    construct, template = baseline
    assert construct.password_policy is not None
    resources = template["Resources"]
    assert sdk_call(resources, construct.password_policy.resource) == {
        "service": "IAM",
        "action": "UpdateAccountPasswordPolicy",
        "parameters": PCI_DEFAULT_POLICY,
        "physicalResourceId": {"id": "${AWS::AccountId}-iam-account-password-policy"},
    }
    condition_id = resources[logical_id_of(construct.password_policy.resource)]["Condition"]
    assert condition_id == logical_id_of(construct.iam_config_rules.is_global_resources_region)
    # The other account-level settings are regional or tolerate every region: no condition.
    unconditioned = [
        json.loads(template_text(resource["Properties"]["Create"]))["action"]
        for resource in _of_type(template, "Custom::AWS").values()
        if "Condition" not in resource
    ]
    assert sorted(unconditioned) == [
        "EnableEbsEncryptionByDefault",
        "PutPublicAccessBlock",
        "createServiceLinkedRole",
    ]


def test_baseline_overrides_reach_the_template() -> None:
    construct, template = _baseline(
        max_access_key_age_days=30,
        password_policy=PasswordPolicySettings(max_password_age_days=60, hard_expiry=True),
    )
    (access_keys,) = [
        rule
        for rule in _of_type(template, "AWS::Config::ConfigRule").values()
        if rule["Properties"]["Source"]["SourceIdentifier"] == "ACCESS_KEYS_ROTATED"
    ]
    assert access_keys["Properties"]["InputParameters"] == {"maxAccessKeyAge": "30"}
    assert construct.password_policy is not None
    assert sdk_call(template["Resources"], construct.password_policy.resource)["parameters"] == {
        **PCI_DEFAULT_POLICY,
        "MaxPasswordAge": 60,
        "HardExpiry": True,
    }


def test_baseline_without_a_password_policy_neither_sets_nor_may_set_one() -> None:
    construct, template = _baseline(password_policy=None)
    assert construct.password_policy is None
    actions = [
        json.loads(template_text(resource["Properties"]["Create"]))["action"]
        for resource in _of_type(template, "Custom::AWS").values()
    ]
    assert "UpdateAccountPasswordPolicy" not in actions
    handler_policy = template["Resources"][logical_id_of(AwsSdkCallHandler.of(construct).policy)]
    sids = [s.get("Sid") for s in handler_policy["Properties"]["PolicyDocument"]["Statement"]]
    assert "UpdateAccountPasswordPolicy" not in sids
    assert len(_of_type(template, "AWS::Config::ConfigRule")) == len(RULES)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"max_access_key_age_days": 91}, "max_access_key_age_days: got 91;"),
        ({"max_access_key_age_days": 0}, "max_access_key_age_days: got 0;"),
    ],
)
def test_baseline_rejects_impossible_props(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _baseline(**props)


def test_baseline_with_the_iam_controls_passes_the_compliance_packs(baseline) -> None:
    construct, _ = baseline
    stack = construct.node.scope
    assert isinstance(stack, Stack)
    assert violations(stack) == {}
