"""AccountPasswordPolicy: the IAM account password policy with the PCI DSS v4.0 floor."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of, sdk_call

from landing_zone.baseline import AccountPublicAccessBlock
from landing_zone.common import AwsSdkCallHandler
from landing_zone.compliance import violations
from landing_zone.identity import AccountPasswordPolicy
from landing_zone.identity.password_policy import (
    validate_max_password_age_days,
    validate_minimum_password_length,
    validate_password_reuse_prevention,
)

DEFAULT_POLICY = {
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
    return Stack(App(context=cdk_context()), "Baseline")


def _policy(**props: Any) -> tuple[AccountPasswordPolicy, dict[str, dict[str, Any]]]:
    policy = AccountPasswordPolicy(_stack(), "PasswordPolicy", **props)
    return policy, dict(Template.from_stack(Stack.of(policy)).to_json()["Resources"])


@pytest.fixture(scope="module")
def default_policy() -> tuple[AccountPasswordPolicy, dict[str, dict[str, Any]]]:
    return _policy()


def _handler_statements(resources: dict[str, dict[str, Any]], stack: Stack) -> list[Any]:
    policy = AwsSdkCallHandler.of(stack).policy
    return list(resources[logical_id_of(policy)]["Properties"]["PolicyDocument"]["Statement"])


def test_sets_the_pci_defaults_on_create_and_update_and_nothing_on_delete(
    default_policy,
) -> None:
    policy, resources = default_policy
    # sdk_call checks the update call equals the create call and that there is no delete call.
    assert sdk_call(resources, policy.resource) == {
        "service": "IAM",
        "action": "UpdateAccountPasswordPolicy",
        "parameters": DEFAULT_POLICY,
        "physicalResourceId": {"id": "${AWS::AccountId}-iam-account-password-policy"},
    }


def test_may_only_update_the_password_policy(default_policy) -> None:
    policy, resources = default_policy
    statements = _handler_statements(resources, Stack.of(policy))
    assert {
        "Action": "iam:UpdateAccountPasswordPolicy",
        "Effect": "Allow",
        "Resource": "*",
        "Sid": "UpdateAccountPasswordPolicy",
    } in statements
    granted = sorted(
        action
        for statement in statements
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    )
    assert granted == [
        "iam:UpdateAccountPasswordPolicy",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ]
    assert all(statement["Effect"] == "Allow" for statement in statements)


def test_each_override_reaches_the_call() -> None:
    overrides = {
        "minimum_password_length": 16,
        "require_uppercase_characters": False,
        "require_symbols": False,
        "max_password_age_days": 60,
        "password_reuse_prevention": 4,
        "allow_users_to_change_password": False,
        "hard_expiry": True,
    }
    policy, resources = _policy(**overrides)
    assert sdk_call(resources, policy.resource)["parameters"] == {
        **DEFAULT_POLICY,
        "MinimumPasswordLength": 16,
        "RequireUppercaseCharacters": False,
        "RequireSymbols": False,
        "MaxPasswordAge": 60,
        "PasswordReusePrevention": 4,
        "AllowUsersToChangePassword": False,
        "HardExpiry": True,
    }


def test_accepts_the_limits_of_the_pci_floor_and_of_iam() -> None:
    policy, resources = _policy(
        minimum_password_length=12, max_password_age_days=1, password_reuse_prevention=4
    )
    parameters = sdk_call(resources, policy.resource)["parameters"]
    assert (parameters["MinimumPasswordLength"], parameters["MaxPasswordAge"]) == (12, 1)
    policy, resources = _policy(minimum_password_length=128, max_password_age_days=90)
    parameters = sdk_call(resources, policy.resource)["parameters"]
    assert (parameters["MinimumPasswordLength"], parameters["MaxPasswordAge"]) == (128, 90)


@pytest.mark.parametrize(
    ("prop", "value", "message"),
    [
        ("minimum_password_length", 11, r"got 11; allowed: an integer from 12 to 128 .*8\.3\.6"),
        ("minimum_password_length", 6, r"got 6; allowed: an integer from 12 to 128"),
        ("minimum_password_length", 129, r"got 129; .*IAM accepts 6 to 128"),
        ("max_password_age_days", 91, r"got 91; allowed: an integer from 1 to 90 .*8\.3\.9"),
        ("max_password_age_days", 0, r"got 0; allowed: an integer from 1 to 90"),
        ("max_password_age_days", 1095, r"got 1095; .*IAM accepts 1 to 1095"),
        ("password_reuse_prevention", 3, r"got 3; allowed: an integer from 4 to 24 .*8\.3\.7"),
        ("password_reuse_prevention", 25, r"got 25; .*IAM accepts 1 to 24"),
        ("minimum_password_length", 14.0, r"got 14\.0; allowed: an integer"),
        ("minimum_password_length", True, r"got True; allowed: an integer"),
    ],
)
def test_rejects_values_below_the_pci_floor_or_outside_iam_limits(prop, value, message) -> None:
    with pytest.raises(ValueError, match=f"^{prop}: {message}"):
        AccountPasswordPolicy(_stack(), "PasswordPolicy", **{prop: value})


def test_rejects_passwords_without_digits() -> None:
    with pytest.raises(ValueError, match=r"^require_numbers: got False; .*8\.3\.6"):
        AccountPasswordPolicy(_stack(), "PasswordPolicy", require_numbers=False)


def test_rejects_passwords_without_letters() -> None:
    with pytest.raises(ValueError, match=r"got False for both; allowed: at least one .*8\.3\.6"):
        AccountPasswordPolicy(
            _stack(),
            "PasswordPolicy",
            require_uppercase_characters=False,
            require_lowercase_characters=False,
        )


def test_validators_name_the_field_they_are_given() -> None:
    """The config layer passes the path of the field it checks."""
    for validate in (
        validate_minimum_password_length,
        validate_max_password_age_days,
        validate_password_reuse_prevention,
    ):
        with pytest.raises(ValueError, match=r"^accounts\.password_policy\.x: got 0;"):
            validate("accounts.password_policy.x", 0)


def test_rejects_a_second_policy_in_the_same_stack() -> None:
    stack = _stack()
    AccountPasswordPolicy(stack, "PasswordPolicy")
    with pytest.raises(ValueError, match="'UpdateAccountPasswordPolicy' is already granted"):
        AccountPasswordPolicy(stack, "MorePasswordPolicy")


def test_shares_the_handler_with_the_other_account_controls() -> None:
    stack = _stack()
    AccountPublicAccessBlock(stack, "PublicAccessBlock")
    AccountPasswordPolicy(stack, "PasswordPolicy")
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.resource_count_is("AWS::IAM::ManagedPolicy", 1)


def test_passes_the_compliance_packs(default_policy) -> None:
    policy, _ = default_policy
    assert violations(Stack.of(policy)) == {}
