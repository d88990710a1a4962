"""The organization's structure and policies, in the management account."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from aws_cdk import Stack
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from landing_zone.config import ROOT, LandingZoneConfig
from landing_zone.config.guardrails import rcp_parameters, scp_parameters
from landing_zone.detection.delegated_admins import DelegatedAdministrators, IpamDelegation
from landing_zone.organization import (
    DATA_PERIMETER_GUARDRAILS,
    GUARDRAILS,
    EnabledPolicyTypes,
    GuardrailCatalog,
    GuardrailPolicies,
    OrganizationalUnit,
    OrganizationPolicy,
    PolicyType,
    StackSetsTrustedAccess,
    ai_services_opt_out_policy,
    data_classification_tag_policy,
)

from .naming import ou_id_parameter_name, policy_name_prefix
from .sdk_calls import add_sdk_call_handler

P = TypeVar("P")


def _construct_id(ou_path: str) -> str:
    # One construct per path segment keeps ids readable and independent of config order.
    return ou_path.rsplit("/", 1)[-1]


class OrganizationStack(Stack):
    """OUs, organization policies and the organization-level prerequisites they need."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: LandingZoneConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._config = config
        add_sdk_call_handler(self, config)
        self.policy_types = EnabledPolicyTypes(
            self,
            "EnabledPolicyTypes",
            organization_id=config.organization.id,
            root_id=config.organization.root_id,
            policy_types=list(PolicyType),
        )
        self.stack_sets_trusted_access = StackSetsTrustedAccess(self, "StackSetsTrustedAccess")
        self.delegated_administrators = DelegatedAdministrators(
            self,
            "DelegatedAdministrators",
            organization_id=config.organization.id,
            admin_account_id=config.core_account_id("security_tooling"),
            regions=config.organization.governed_regions,
        )
        self.delegated_administrators.stacksets_registration.node.add_dependency(
            self.stack_sets_trusted_access
        )
        # OU-wide VPCs take their ranges from the network account's IPAM pools, shared to OUs.
        self.ipam_delegation = (
            None
            if config.network.ipam is None
            else IpamDelegation(
                self,
                "IpamDelegation",
                organization_id=config.organization.id,
                admin_account_id=config.core_account_id("network"),
                after=self.delegated_administrators.registrations[-1],
            )
        )
        self.organizational_unit_ids = self._organizational_units()
        self._guardrails()
        self._management_policies()

    def _organizational_units(self) -> dict[str, str]:
        """Creates the OUs without an id, parents first and one at a time."""
        config = self._config
        ids: dict[str, str] = {
            path: ou.id for path, ou in config.organizational_units.items() if ou.id is not None
        }
        scopes: dict[str, Construct] = {ROOT: Construct(self, "OrganizationalUnits")}
        previous: OrganizationalUnit | None = None
        for path in sorted(config.organizational_units, key=lambda p: (p.count("/"), p)):
            parent_path = path.rsplit("/", 1)[0] if "/" in path else ROOT
            if path in ids:
                scopes[path] = Construct(scopes[parent_path], _construct_id(path))
                continue
            parent_id = ids[parent_path] if parent_path != ROOT else config.organization.root_id
            unit = OrganizationalUnit(
                scopes[parent_path],
                _construct_id(path),
                name=path.rsplit("/", 1)[-1],
                parent_id=parent_id,
            )
            # Organizations rejects concurrent writes to the same tree.
            if previous is not None:
                unit.create_after(previous)
            previous = unit
            scopes[path] = unit
            ids[path] = unit.organizational_unit_id
            ssm.StringParameter(
                unit,
                "IdParameter",
                parameter_name=ou_id_parameter_name(config.organization.name, path),
                string_value=unit.organizational_unit_id,
                description=f"Id of the OU {path}, for the landing zone's account stacks",
            )
        return ids

    def _guardrails(self) -> None:
        config = self._config
        self._attach(
            "ServiceControlPolicies",
            "scp",
            config.guardrails.service_control_policies,
            scp_parameters(config),
            GUARDRAILS,
        )
        self._attach(
            "ResourceControlPolicies",
            "rcp",
            config.guardrails.resource_control_policies,
            rcp_parameters(config),
            DATA_PERIMETER_GUARDRAILS,
        )

    def _attach(
        self,
        group_id: str,
        kind: str,
        attachments: Mapping[str, Sequence[str]],
        parameters: P,
        catalog: GuardrailCatalog[P],
    ) -> None:
        group = Construct(self, group_id)
        group.node.add_dependency(self.policy_types.of(catalog.policy_type))
        for target, names in attachments.items():
            if names:
                GuardrailPolicies(
                    group,
                    self._target_construct_id(target),
                    target_id=self.target_id(target),
                    guardrails=names,
                    parameters=parameters,
                    catalog=catalog,
                    policy_name_prefix=policy_name_prefix(
                        self._config.organization.name, kind, self._target_kind(target), target
                    ),
                )

    def _management_policies(self) -> None:
        config = self._config
        org = config.organization.name
        opt_out = config.guardrails.ai_services_opt_out
        tags = config.guardrails.tag_policy
        policies = (
            (
                opt_out,
                "AiServicesOptOut",
                f"{org}-ai-services-opt-out",
                PolicyType.AISERVICES_OPT_OUT_POLICY,
                ai_services_opt_out_policy(),
                "Customer content is not used to improve AWS AI services",
            ),
            (
                tags,
                "DataClassificationTagPolicy",
                f"{org}-data-classification-tags",
                PolicyType.TAG_POLICY,
                data_classification_tag_policy(allowed_values=tags.data_classification_values),
                "Allowed values of the data-classification tag",
            ),
        )
        for settings, construct_id, name, policy_type, document, description in policies:
            if settings.enabled:
                policy = OrganizationPolicy(
                    self,
                    construct_id,
                    policy_name=name,
                    policy_type=policy_type,
                    document=document,
                    target_ids=[self.target_id(target) for target in settings.targets],
                    description=description,
                )
                policy.node.add_dependency(self.policy_types.of(policy_type))

    def _target_kind(self, target: str) -> str:
        if target == ROOT:
            return "root"
        return "ou" if target in self._config.organizational_units else "account"

    def _target_construct_id(self, target: str) -> str:
        # Stable whatever the config order, and distinct for an OU and an account of similar
        # names ('.' appears in neither an OU nor an account name).
        if target == ROOT:
            return ROOT
        if target in self._config.organizational_units:
            return "Ou-" + target.replace("/", ".")
        return "Account-" + target

    def target_id(self, target: str) -> str:
        """The id to attach a policy to: the root, an OU path or an account name."""
        if target == ROOT:
            return self._config.organization.root_id
        if target in self.organizational_unit_ids:
            return self.organizational_unit_ids[target]
        account_id = self._config.accounts[target].id
        assert account_id is not None, "config validation requires ids of policy-target accounts"
        return account_id
