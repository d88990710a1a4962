"""IAM credential controls of one account: AWS Config managed rules on access keys, console MFA
and the root user, and the settings of the account password policy.

Part of the account baseline, a template a StackSet deploys to every account and governed region.
IAM is global, so these controls act in ``global_resources_region`` only, decided by a
CloudFormation condition at deploy time: AWS Config runs a periodic rule over global IAM
resources in every region it is added to, and its documentation (``select-resources``, and the
page of each rule) asks for such rules in one region only, to avoid repeated evaluations, cost
and throttling.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from aws_cdk import CfnCondition, CfnResource, Fn
from aws_cdk import aws_config as config
from aws_cdk import custom_resources as cr
from constructs import Construct

from landing_zone.baseline.config_recorder import ConfigFrequency, _frequency
from landing_zone.common import pseudo
from landing_zone.common.naming import pascal_case
from landing_zone.common.patterns import REGION
from landing_zone.common.tokens import is_unresolved
from landing_zone.identity.password_policy import (
    AccountPasswordPolicy,
    validate_max_password_age_days,
    validate_minimum_password_length,
    validate_password_reuse_prevention,
)

MAX_ACCESS_KEY_AGE_CEILING_DAYS = 90
"""PCI DSS v4.0 8.3.9 and 8.6.3: credentials are changed at least every 90 days. A ceiling the
landing zone stays under, not the rotation target."""


@dataclass(frozen=True, kw_only=True)
class IamManagedRule:
    """One AWS Config managed rule of :class:`IamConfigRules`, for the README and reviewers."""

    identifier: str
    """The managed rule's identifier (``SourceIdentifier``)."""

    name: str
    """The rule's name after ``rule_name_prefix``; in PascalCase, its construct id."""

    description: str
    """Shown beside the rule in AWS Config (at most 256 characters)."""

    requirements: tuple[str, ...]
    """PCI DSS v4.0 requirements the rule gives evidence for, as the landing zone's PCI DSS
    conformance pack maps them (``landing_zone.detection.pci_dss_rules``)."""


IAM_CONFIG_RULES: tuple[IamManagedRule, ...] = (
    IamManagedRule(
        identifier="ACCESS_KEYS_ROTATED",
        name="access-keys-rotated",
        description="Every active IAM user access key is younger than maxAccessKeyAge days.",
        requirements=("8.3.9", "8.6.3"),
    ),
    IamManagedRule(
        identifier="MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS",
        name="mfa-enabled-for-iam-console-access",
        description="Every IAM user with a console password has MFA enabled.",
        requirements=("8.4.2",),
    ),
    IamManagedRule(
        identifier="ROOT_ACCOUNT_HARDWARE_MFA_ENABLED",
        name="root-account-hardware-mfa-enabled",
        description="The root user signs in with a hardware MFA device.",
        requirements=("8.4.1", "8.4.2"),
    ),
    IamManagedRule(
        identifier="IAM_ROOT_ACCESS_KEY_CHECK",
        name="iam-root-access-key-check",
        description="The root user has no access key.",
        requirements=("8.2.2",),
    ),
)
"""The rules :class:`IamConfigRules` deploys, all periodic over global IAM resources."""

_RULE_NAME_MAX_LENGTH = 128
_RULE_NAME_PREFIX = re.compile(r"[A-Za-z0-9_-]*")
_RULE_NAME_PREFIX_MAX_LENGTH = _RULE_NAME_MAX_LENGTH - max(len(r.name) for r in IAM_CONFIG_RULES)


@dataclass(frozen=True, kw_only=True)
class PasswordPolicySettings:
    """The parameters of :class:`~landing_zone.identity.AccountPasswordPolicy`, with its
    defaults, for constructs that create one; see :func:`account_password_policy`.

    The numeric values are checked against the PCI DSS floor when the settings are built. The
    character-class rules (``require_numbers``, at least one letter class) are checked by
    ``AccountPasswordPolicy`` itself, when the policy is created.
    """

    minimum_password_length: int = 14
    require_uppercase_characters: bool = True
    require_lowercase_characters: bool = True
    require_numbers: bool = True
    require_symbols: bool = True
    max_password_age_days: int = 90
    password_reuse_prevention: int = 24
    allow_users_to_change_password: bool = True
    hard_expiry: bool = False

    def __post_init__(self) -> None:
        validate_minimum_password_length("minimum_password_length", self.minimum_password_length)
        validate_max_password_age_days("max_password_age_days", self.max_password_age_days)
        validate_password_reuse_prevention(
            "password_reuse_prevention", self.password_reuse_prevention
        )


def account_password_policy(
    scope: Construct,
    construct_id: str,
    settings: PasswordPolicySettings | None = None,
    *,
    condition: CfnCondition | None = None,
) -> AccountPasswordPolicy:
    """An ``AccountPasswordPolicy`` with ``settings``, set only where ``condition`` holds.

    :param settings: The policy. Default: ``PasswordPolicySettings()``, the PCI DSS defaults.
    :param condition: Deploy-time condition under which the policy's SDK call exists, such as
        :attr:`IamConfigRules.is_global_resources_region`: the policy is account-wide, so in a
        template deployed to several regions one region sets it. Default: none, every stack
        instance sets it (the call is idempotent).
    """
    policy = AccountPasswordPolicy(
        scope, construct_id, **asdict(settings or PasswordPolicySettings())
    )
    if condition is not None:
        _custom_resource_of(policy.resource).cfn_options.condition = condition
    return policy


DEFAULT_MAX_ACCESS_KEY_AGE_DAYS = 37
"""Days after which ACCESS_KEYS_ROTATED reports an active access key: well inside the PCI DSS
ceiling of 90, so the owner is told while there is time to rotate."""


class IamConfigRules(Construct):
    """AWS Config managed rules on the credentials of the account's IAM users and root user.

    One ``AWS::Config::ConfigRule`` per entry of :data:`IAM_CONFIG_RULES`, named
    ``<rule_name_prefix><name>`` (``lz-access-keys-rotated``) and with the rule's name in
    PascalCase as construct id (``AccessKeysRotated``). All four are periodic rules over global
    IAM resources: each exists only where the stack's region is ``global_resources_region``
    (condition ``IsGlobalResourcesRegion``), the region where the recorder records the global
    IAM types; elsewhere the stack instance holds none of them.

    AWS Config refuses a rule while the account and region have no configuration recorder, so
    pass the recorder created in the same stack as ``recorder``. The rules only evaluate: a
    non-compliant key or root user is reported, not changed.

    Not verified here (no AWS account): ``ROOT_ACCOUNT_HARDWARE_MFA_ENABLED`` in a member account
    whose root credentials were removed with centralized root access management.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        global_resources_region: str,
        recorder: CfnResource | None = None,
        condition: CfnCondition | None = None,
        max_access_key_age_days: int = DEFAULT_MAX_ACCESS_KEY_AGE_DAYS,
        maximum_execution_frequency: ConfigFrequency = ConfigFrequency.TWENTY_FOUR_HOURS,
        rule_name_prefix: str = "lz-",
    ) -> None:
        """
        :param global_resources_region: The one region where the rules exist: the region where
            AWS Config records the global IAM resource types.
        :param recorder: The account and region's configuration recorder, created before the
            rules. Default: none, for a recorder created outside this stack.
        :param condition: A condition of the stack that holds in ``global_resources_region``
            only, such as ``ConfigRecorder.records_global_resources``, to reuse instead of a
            second, equivalent one. Default: a new condition.
        :param max_access_key_age_days: ``ACCESS_KEYS_ROTATED`` reports an active access key
            older than this many days, from 1 to 90. Default: 37, well inside the PCI DSS
            ceiling of 90, so an owner is told while there is time to rotate.
        :param maximum_execution_frequency: How often each rule evaluates at most. Default:
            every 24 hours.
        :param rule_name_prefix: Prefix of every rule name, up to 94 letters, digits, ``-`` and
            ``_``; rule names are unique in an account and region. Default: ``lz-``.
        """
        super().__init__(scope, construct_id)
        _check_region(global_resources_region)
        max_age = _max_access_key_age_days(max_access_key_age_days)
        frequency = _frequency("maximum_execution_frequency", maximum_execution_frequency)
        _check_rule_name_prefix(rule_name_prefix)

        self.is_global_resources_region = condition or CfnCondition(
            self,
            "IsGlobalResourcesRegion",
            expression=Fn.condition_equals(pseudo.REGION, global_resources_region),
        )
        """True in ``global_resources_region`` only; every rule carries it."""
        input_parameters = {"ACCESS_KEYS_ROTATED": {"maxAccessKeyAge": str(max_age)}}
        self.rules: dict[str, config.CfnConfigRule] = {}
        """The rules by managed rule identifier."""
        for rule in IAM_CONFIG_RULES:
            resource = config.CfnConfigRule(
                self,
                pascal_case(rule.name),
                config_rule_name=f"{rule_name_prefix}{rule.name}",
                description=rule.description,
                source=config.CfnConfigRule.SourceProperty(
                    owner="AWS", source_identifier=rule.identifier
                ),
                # AWS Config passes every parameter value to the rule as a string.
                input_parameters=input_parameters.get(rule.identifier),
                maximum_execution_frequency=frequency.value,
            )
            resource.cfn_options.condition = self.is_global_resources_region
            if recorder is not None:
                resource.node.add_dependency(recorder)
            self.rules[rule.identifier] = resource


def _custom_resource_of(sdk_call: cr.AwsCustomResource) -> CfnResource:
    """The ``AWS::CloudFormation::CustomResource`` (``Custom::AWS``) behind ``sdk_call``."""
    custom_resource = sdk_call.node.default_child
    resource = None if custom_resource is None else custom_resource.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{sdk_call.node.path}: no CfnResource behind the AwsCustomResource")
    return resource


def _check_region(value: str) -> None:
    if not is_unresolved(value) and not REGION.fullmatch(value):
        raise ValueError(
            f"global_resources_region: {value!r} is not a region name; allowed: a region such "
            "as 'eu-west-1'"
        )


def _max_access_key_age_days(value: int) -> int:
    # Tokens are rejected: CDK number tokens are floats, and a deploy-time value could not be
    # held under the ceiling.
    ceiling = MAX_ACCESS_KEY_AGE_CEILING_DAYS
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ceiling:
        raise ValueError(
            f"max_access_key_age_days: got {value!r}; allowed: an integer from 1 to {ceiling} "
            f"({ceiling} days is the PCI DSS v4.0 ceiling of requirements 8.3.9 and 8.6.3, not "
            f"the target; the default is {DEFAULT_MAX_ACCESS_KEY_AGE_DAYS})"
        )
    return value


def _check_rule_name_prefix(value: str) -> None:
    if not _RULE_NAME_PREFIX.fullmatch(value) or len(value) > _RULE_NAME_PREFIX_MAX_LENGTH:
        raise ValueError(
            f"rule_name_prefix: got {value!r}; allowed: up to {_RULE_NAME_PREFIX_MAX_LENGTH} "
            f"letters, digits, '-' and '_', so that every rule name stays within AWS Config's "
            f"{_RULE_NAME_MAX_LENGTH} characters"
        )
