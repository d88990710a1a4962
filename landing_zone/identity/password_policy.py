"""The IAM password policy of an account, held to the PCI DSS v4.0 floor.

CloudFormation has no resource type for the account password policy, so it is set with the IAM
``UpdateAccountPasswordPolicy`` SDK call through the stack's ``AwsSdkCallHandler``.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.sdk_call_handler import AwsSdkCallHandler


class AccountPasswordPolicy(Construct):
    """The password policy of the IAM users of the account the stack is deployed to, with the
    PCI DSS v4.0 requirements as a floor that cannot be lowered.

    Defaults: at least 14 characters (PCI DSS 8.3.6 asks for 12, the CIS AWS Foundations
    Benchmark for 14) with upper- and lowercase letters, digits and symbols; a password expires
    after 90 days (8.3.9) and may not repeat any of the last 24 (8.3.7 asks for 4, 24 is IAM's
    maximum); users may change their own password and, once it has expired, still set a new one
    at sign-in.

    The policy is account-wide, not regional: in a template deployed to several regions each
    stack instance sets the same policy, which is idempotent. Deleting the construct leaves the
    policy in place, as a StackSet deletes stack instances on its own when an account moves out
    of a targeted OU, and deleting the policy would put the account back on IAM's default
    policy, under which passwords never expire and may be reused. Undoing it is a deliberate
    act outside CloudFormation. The policy binds IAM users only, which the landing zone
    otherwise avoids (people sign in through IAM Identity Center): it is the net under the ones
    that exist.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        minimum_password_length: int = 14,
        require_uppercase_characters: bool = True,
        require_lowercase_characters: bool = True,
        require_numbers: bool = True,
        require_symbols: bool = True,
        max_password_age_days: int = 90,
        password_reuse_prevention: int = 24,
        allow_users_to_change_password: bool = True,
        hard_expiry: bool = False,
    ) -> None:
        """
        :param minimum_password_length: Fewest characters a password may have, from 12
            (PCI DSS v4.0 requirement 8.3.6) to 128 (IAM's maximum). Default: 14.
        :param require_uppercase_characters: Require at least one letter A-Z. Default: on.
        :param require_lowercase_characters: Require at least one letter a-z. Default: on.
            PCI DSS 8.3.6 asks for letters and digits, so it and
            ``require_uppercase_characters`` cannot both be off.
        :param require_numbers: Require at least one digit; PCI DSS 8.3.6 asks for it, so it
            cannot be turned off. Default: on.
        :param require_symbols: Require at least one non-alphanumeric character. Default: on.
        :param max_password_age_days: Days a password stays valid, from 1 to 90 (PCI DSS 8.3.9
            for passwords that are the only authentication factor). Default: 90.
        :param password_reuse_prevention: How many previous passwords a new one may not
            repeat, from 4 (PCI DSS 8.3.7) to 24 (IAM's maximum). Default: 24.
        :param allow_users_to_change_password: Let IAM users change their own password.
            Default: on.
        :param hard_expiry: Lock users whose password has expired out until an administrator
            resets it. Default: off, users set a new password at their next sign-in.
        """
        super().__init__(scope, construct_id)
        if not require_numbers:
            raise ValueError(
                "require_numbers: got False; allowed: True, as PCI DSS v4.0 requirement 8.3.6 "
                "asks for passwords with both letters and digits"
            )
        if not (require_uppercase_characters or require_lowercase_characters):
            raise ValueError(
                "require_uppercase_characters, require_lowercase_characters: got False for both; "
                "allowed: at least one True, as PCI DSS v4.0 requirement 8.3.6 asks for "
                "passwords with both letters and digits"
            )
        policy = {
            "MinimumPasswordLength": validate_minimum_password_length(
                "minimum_password_length", minimum_password_length
            ),
            "RequireUppercaseCharacters": require_uppercase_characters,
            "RequireLowercaseCharacters": require_lowercase_characters,
            "RequireNumbers": require_numbers,
            "RequireSymbols": require_symbols,
            "MaxPasswordAge": validate_max_password_age_days(
                "max_password_age_days", max_password_age_days
            ),
            "PasswordReusePrevention": validate_password_reuse_prevention(
                "password_reuse_prevention", password_reuse_prevention
            ),
            "AllowUsersToChangePassword": allow_users_to_change_password,
            "HardExpiry": hard_expiry,
        }
        self.resource = AwsSdkCallHandler.of(self).sdk_call(
            self,
            "Resource",
            on_update=cr.AwsSdkCall(
                service="IAM",
                action="UpdateAccountPasswordPolicy",
                parameters=policy,
                physical_resource_id=cr.PhysicalResourceId.of(
                    f"{pseudo.ACCOUNT_ID}-iam-account-password-policy"
                ),
            ),
            statements=[
                iam.PolicyStatement(
                    sid="UpdateAccountPasswordPolicy",
                    actions=["iam:UpdateAccountPasswordPolicy"],
                    resources=["*"],
                )
            ],
            acknowledge_wildcard_resource=True,
        )
        """The custom resource that sets the account's IAM password policy
        (``UpdateAccountPasswordPolicy``)."""


def validate_minimum_password_length(field: str, value: int) -> int:
    """``value`` if IAM accepts it (6 to 128) and PCI DSS v4.0 8.3.6 is met (at least 12)."""
    return _integer(field, value, 12, 128, "requirement 8.3.6 asks for at least 12", "6 to 128")


def validate_max_password_age_days(field: str, value: int) -> int:
    """``value`` if IAM accepts it (1 to 1095) and PCI DSS v4.0 8.3.9 is met (at most 90)."""
    return _integer(field, value, 1, 90, "requirement 8.3.9 asks for at most 90", "1 to 1095")


def validate_password_reuse_prevention(field: str, value: int) -> int:
    """``value`` if IAM accepts it (1 to 24) and PCI DSS v4.0 8.3.7 is met (at least 4)."""
    return _integer(field, value, 4, 24, "requirement 8.3.7 asks for at least 4", "1 to 24")


def _integer(field: str, value: int, low: int, high: int, pci: str, iam_limits: str) -> int:
    """``value`` if it is an integer from ``low`` to ``high``. Tokens are rejected: CDK number
    tokens are floats, and a value known only at deploy time could not be held to the floor."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(
            f"{field}: got {value!r}; allowed: an integer from {low} to {high} (PCI DSS v4.0 "
            f"{pci}; IAM accepts {iam_limits})"
        )
    return value
