"""AWS Organizations: OUs, accounts, guardrail policies (SCPs, RCPs) and management policies."""

from .data_perimeter import DATA_PERIMETER_GUARDRAILS, DataPerimeterParameters
from .guardrail_policies import GuardrailPolicies
from .guardrails import (
    GUARDRAILS,
    Guardrail,
    GuardrailCatalog,
    GuardrailParameters,
    PolicyType,
    UnknownGuardrailError,
)
from .management_policies import ai_services_opt_out_policy, data_classification_tag_policy
from .packing import (
    DEFAULT_MAX_POLICIES,
    MAX_POLICY_CHARACTERS,
    GuardrailPackingError,
    PackedPolicy,
    minified,
    pack_guardrails,
)
from .policy import OrganizationPolicy
from .prerequisites import EnabledPolicyTypes, StackSetsTrustedAccess
from .structure import Account, OrganizationalUnit

__all__ = [
    "DATA_PERIMETER_GUARDRAILS",
    "DEFAULT_MAX_POLICIES",
    "GUARDRAILS",
    "MAX_POLICY_CHARACTERS",
    "Account",
    "DataPerimeterParameters",
    "EnabledPolicyTypes",
    "Guardrail",
    "GuardrailCatalog",
    "GuardrailPackingError",
    "GuardrailParameters",
    "GuardrailPolicies",
    "OrganizationPolicy",
    "OrganizationalUnit",
    "PackedPolicy",
    "PolicyType",
    "StackSetsTrustedAccess",
    "UnknownGuardrailError",
    "ai_services_opt_out_policy",
    "data_classification_tag_policy",
    "minified",
    "pack_guardrails",
]
