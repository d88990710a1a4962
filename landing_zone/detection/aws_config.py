"""AWS Config across the organization, from its delegated administrator (the security-tooling
account): the organization aggregator, the PCI DSS conformance pack and configurable rules.

Each member account needs a running recorder first (``ConfigRecorder`` in the account baseline):
an organization rule or pack reaching an account without one fails there. Organization rules and
packs are regional: create them in every governed region, the PCI DSS pack with
``include_global_resource_types`` in the home region only.

Not verified here (no AWS account): the security-tooling account must already be registered as
delegated administrator for ``config.amazonaws.com`` (aggregator) and
``config-multiaccountsetup.amazonaws.com`` (organization rules and packs), with trusted access
enabled for both; CloudFormation then creates these resources from that account.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_config as config
from aws_cdk import aws_iam as iam
from constructs import Construct

from landing_zone.baseline.config_recorder import ConfigFrequency
from landing_zone.common.patterns import ACCOUNT_ID, CONFIG_RULE_IDENTIFIER, REGION, RESOURCE_TYPE
from landing_zone.common.tokens import is_unresolved
from landing_zone.detection.pci_dss_rules import PCI_DSS_RULES, conformance_pack_template_body

EXCLUDED_ACCOUNTS_MAX = 1000
"""AWS Config's limit on the accounts an organization rule or pack excludes."""

_RULE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_PACK_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]{0,127}")
_INPUT_PARAMETERS_MAX_LENGTH = 2048
_RESOURCE_TYPES_MAX = 100
_DESCRIPTION_MAX_LENGTH = 256


@dataclass(frozen=True, kw_only=True)
class ManagedRuleSpec:
    """An AWS Config managed rule to deploy to every account of the organization."""

    identifier: str
    """The managed rule's identifier, such as ``S3_BUCKET_VERSIONING_ENABLED``."""

    input_parameters: Mapping[str, str] = field(default_factory=dict, hash=False)
    """The rule's parameters, as strings. Default: none, the rule's own defaults."""

    resource_types: tuple[str, ...] = ()
    """Resource types whose changes trigger an evaluation. Default: none named, so AWS Config
    uses the rule's own scope."""

    maximum_execution_frequency: ConfigFrequency | None = None
    """For periodic rules only: how often they run at most. Default: every 24 hours."""

    description: str | None = None
    """Shown beside the rule in AWS Config. Default: none."""

    def __post_init__(self) -> None:
        if not CONFIG_RULE_IDENTIFIER.fullmatch(self.identifier):
            raise ValueError(
                f"identifier: {self.identifier!r} is not a managed rule identifier; allowed: "
                "uppercase words joined by '_', such as 'S3_BUCKET_VERSIONING_ENABLED'"
            )
        for key, value in self.input_parameters.items():
            if not isinstance(key, str) or not key or not isinstance(value, str):
                raise ValueError(
                    f"input_parameters: {key!r}={value!r}; allowed: string names and values"
                )
        length = len(self.input_parameters_json or "")
        if length > _INPUT_PARAMETERS_MAX_LENGTH:
            raise ValueError(
                f"input_parameters: {length} characters of JSON; AWS Config allows "
                f"{_INPUT_PARAMETERS_MAX_LENGTH}"
            )
        if isinstance(self.resource_types, str) or len(self.resource_types) > _RESOURCE_TYPES_MAX:
            raise ValueError(
                f"resource_types: got {self.resource_types!r}; allowed: a list of at most "
                f"{_RESOURCE_TYPES_MAX} resource types"
            )
        for resource_type in self.resource_types:
            if not RESOURCE_TYPE.fullmatch(resource_type):
                raise ValueError(
                    f"resource_types: {resource_type!r} is not a resource type such as "
                    "'AWS::S3::Bucket'"
                )
        if self.maximum_execution_frequency is not None:
            object.__setattr__(
                self,
                "maximum_execution_frequency",
                _frequency(self.maximum_execution_frequency),
            )
        if self.description is not None and len(self.description) > _DESCRIPTION_MAX_LENGTH:
            raise ValueError(
                f"description: {len(self.description)} characters; AWS Config allows "
                f"{_DESCRIPTION_MAX_LENGTH}"
            )
        object.__setattr__(self, "resource_types", tuple(self.resource_types))
        object.__setattr__(self, "input_parameters", MappingProxyType(dict(self.input_parameters)))

    @property
    def input_parameters_json(self) -> str | None:
        """The parameters as AWS Config takes them: one JSON string, keys sorted."""
        if not self.input_parameters:
            return None
        return json.dumps(dict(self.input_parameters), separators=(",", ":"), sort_keys=True)


class OrganizationConfigAggregator(Construct):
    """Aggregates the configuration and compliance of every account of the organization.

    The aggregator (``Resource``) reads the organization's accounts through a role AWS Config
    assumes, with the four read-only Organizations actions of the AWS managed policy
    ``AWSConfigRoleForOrganizations`` in a customer managed policy: the AWS managed one could
    gain actions without review. It holds no data of its own (a view over the member accounts'
    recorded data), so it is not retained: deleting it loses nothing a new one would not
    rebuild.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        regions: Sequence[str] | None = None,
        name: str | None = None,
    ) -> None:
        """
        :param regions: Regions to aggregate. Default: all AWS regions, current and future, so
            a resource recorded in a region someone enabled outside the landing zone is still
            seen.
        :param name: Name of the aggregator's role and of its managed policy, unique in the
            account (IAM). Default: names CloudFormation generates. Under the guardrails'
            protected prefix, nobody but the landing zone may cut the aggregator off.
        """
        super().__init__(scope, construct_id)
        aggregated_regions = None if regions is None else _regions(regions)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("config.amazonaws.com"),
            description="Lets AWS Config list the organization's accounts for its aggregator",
            role_name=name,
        )
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=name,
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="ReadOrganizationAccounts",
                    actions=[
                        "organizations:DescribeOrganization",
                        "organizations:ListAWSServiceAccessForOrganization",
                        "organizations:ListAccounts",
                        "organizations:ListDelegatedAdministrators",
                    ],
                    resources=["*"],
                )
            ],
        )
        Validations.of(self.policy).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=(
                    "DescribeOrganization, ListAccounts, ListAWSServiceAccessForOrganization and "
                    "ListDelegatedAdministrators have no resource type in the Service "
                    "Authorization Reference, so IAM only accepts Resource '*'; all four are "
                    "read-only and named exactly."
                ),
            )
        )
        self.resource = config.CfnConfigurationAggregator(
            self,
            "Resource",
            organization_aggregation_source=(
                config.CfnConfigurationAggregator.OrganizationAggregationSourceProperty(
                    role_arn=self.role.role_arn,
                    all_aws_regions=True if aggregated_regions is None else None,
                    aws_regions=None if aggregated_regions is None else list(aggregated_regions),
                )
            ),
        )
        # The aggregator starts listing accounts as soon as it exists: not before its role may.
        self.resource.node.add_dependency(self.policy)
        self.aggregator_name: str = self.resource.ref
        """The aggregator's name, generated by CloudFormation."""


class PciDssConformancePack(Construct):
    """The landing zone's PCI DSS v4.0 rule catalog as an organization conformance pack.

    The pack (``Resource``) holds the rules of :mod:`landing_zone.detection.pci_dss_rules`
    inline and deploys them to every account of the organization in this stack's region.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        include_global_resource_types: bool,
        excluded_accounts: Sequence[str] = (),
        pack_name: str = "landing-zone-pci-dss-v4",
    ) -> None:
        """
        :param include_global_resource_types: Include the rules on IAM and account-wide
            settings. True in the home region only (where the recorder records the global IAM
            types); elsewhere they would report every finding once per region.
        :param excluded_accounts: Accounts the pack is not deployed to. Default: none, every
            account of the organization.
        :param pack_name: Name of the organization conformance pack. Default:
            ``landing-zone-pci-dss-v4``.
        """
        super().__init__(scope, construct_id)
        if not is_unresolved(pack_name) and not _PACK_NAME.fullmatch(pack_name):
            raise ValueError(
                f"pack_name: {pack_name!r} is not a conformance pack name; allowed: 1 to 128 "
                "letters, digits and hyphens, starting with a letter"
            )
        excluded = _account_ids("excluded_accounts", excluded_accounts)
        self.rules = tuple(
            rule
            for rule in PCI_DSS_RULES
            if include_global_resource_types or not rule.global_resources
        )
        """The catalog rules this pack deploys."""
        self.resource = config.CfnOrganizationConformancePack(
            self,
            "Resource",
            organization_conformance_pack_name=pack_name,
            template_body=conformance_pack_template_body(
                include_global_resource_types=include_global_resource_types
            ),
            excluded_accounts=list(excluded) or None,
        )


class OrganizationConfigRules(Construct):
    """The organization's own AWS Config managed rules, beside the PCI DSS pack.

    One ``AWS::Config::OrganizationConfigRule`` per entry of ``rules``; its construct id is the
    rule name in PascalCase, so entries can be added or removed without replacing the others.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rules: Mapping[str, ManagedRuleSpec],
        excluded_accounts: Sequence[str] = (),
    ) -> None:
        """
        :param rules: Rule name (1 to 64 letters, digits, hyphens and underscores) to the
            managed rule it deploys.
        :param excluded_accounts: Accounts the rules are not deployed to. Default: none, every
            account of the organization.
        """
        super().__init__(scope, construct_id)
        excluded = _account_ids("excluded_accounts", excluded_accounts)
        construct_ids: dict[str, str] = {}
        for name in rules:
            if not _RULE_NAME.fullmatch(name):
                raise ValueError(
                    f"rules: {name!r} is not an organization rule name; allowed: 1 to 64 "
                    "letters, digits, hyphens and underscores, starting with a letter or digit"
                )
            rule_id = _pascal(name)
            if rule_id in construct_ids:
                raise ValueError(
                    f"rules: {name!r} and {construct_ids[rule_id]!r} differ only in separators "
                    "or case; name them apart"
                )
            construct_ids[rule_id] = name
        self.rules: dict[str, config.CfnOrganizationConfigRule] = {}
        """The created rules by name."""
        for rule_id, name in construct_ids.items():
            spec = rules[name]
            if not isinstance(spec, ManagedRuleSpec):
                raise TypeError(f"rules: {name!r} maps to {spec!r}; expected a ManagedRuleSpec")
            frequency = spec.maximum_execution_frequency
            self.rules[name] = config.CfnOrganizationConfigRule(
                self,
                rule_id,
                organization_config_rule_name=name,
                organization_managed_rule_metadata=(
                    config.CfnOrganizationConfigRule.OrganizationManagedRuleMetadataProperty(
                        rule_identifier=spec.identifier,
                        input_parameters=spec.input_parameters_json,
                        resource_types_scope=list(spec.resource_types) or None,
                        maximum_execution_frequency=None if frequency is None else frequency.value,
                        description=spec.description,
                    )
                ),
                excluded_accounts=list(excluded) or None,
            )


def _frequency(value: ConfigFrequency | str) -> ConfigFrequency:
    try:
        return ConfigFrequency(value)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in ConfigFrequency)
        raise ValueError(
            f"maximum_execution_frequency: got {value!r}; allowed: {allowed}"
        ) from None


def _regions(values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise TypeError(f"regions: expected a list, got the string {values!r}")
    if not values:
        raise ValueError("regions: got an empty list; allowed: None (all regions) or regions")
    for value in values:
        if not is_unresolved(value) and not REGION.fullmatch(value):
            raise ValueError(f"regions: {value!r} is not a region name such as 'eu-west-1'")
    duplicates = sorted({value for value in values if values.count(value) > 1})
    if duplicates:
        raise ValueError(f"regions: {duplicates} appear more than once; list each once")
    return tuple(values)


def _account_ids(prop: str, values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise TypeError(f"{prop}: expected a list, got the string {values!r}")
    if len(values) > EXCLUDED_ACCOUNTS_MAX:
        raise ValueError(
            f"{prop}: got {len(values)} accounts; AWS Config allows {EXCLUDED_ACCOUNTS_MAX}"
        )
    for value in values:
        if not is_unresolved(value) and not ACCOUNT_ID.fullmatch(value):
            raise ValueError(f"{prop}: {value!r} is not a 12-digit account id")
    duplicates = sorted({value for value in values if values.count(value) > 1})
    if duplicates:
        raise ValueError(f"{prop}: {duplicates} appear more than once; list each once")
    return tuple(values)


def _pascal(name: str) -> str:
    """``require-tags`` and ``require_tags`` as ``RequireTags``, for construct ids."""
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[-_]", name) if word)
