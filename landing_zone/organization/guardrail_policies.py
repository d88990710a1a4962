"""The guardrails of one policy target, packed into as few organization policies as fit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from constructs import Construct

from .guardrails import GuardrailCatalog
from .packing import DEFAULT_MAX_POLICIES, pack_guardrails
from .policy import OrganizationPolicy

P = TypeVar("P")

_MAX_DESCRIPTION = 512


class GuardrailPolicies(Construct):
    """Attaches named guardrails to one target (root, OU or account) as SCPs or RCPs.

    The guardrails are packed into at most ``max_policies`` documents of at most
    5,120 characters. The documents are children ``Part1``, ``Part2``, ...: slots,
    not list positions of the config, so adding a guardrail updates a policy in place
    instead of replacing one, which could briefly exceed the five-policy limit of the
    target while CloudFormation creates the new policy before deleting the old.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        target_id: str,
        guardrails: Sequence[str],
        parameters: P,
        catalog: GuardrailCatalog[P],
        policy_name_prefix: str,
        max_policies: int = DEFAULT_MAX_POLICIES,
    ) -> None:
        """
        :param target_id: root (r-...), OU (ou-...) or account id the policies attach to.
        :param guardrails: names from ``catalog``, in the order reviewers should read them.
        :param parameters: what the catalog's guardrails are built from.
        :param catalog: the SCP catalog (``GUARDRAILS``) or the RCP catalog.
        :param policy_name_prefix: policy names are ``<prefix>-1``, ``<prefix>-2``, ...
        :param max_policies: default 4: AWS allows 5 per target and its FullAWSAccess policy
            keeps one slot.
        """
        super().__init__(scope, construct_id)
        packed = pack_guardrails(guardrails, parameters, catalog=catalog, max_policies=max_policies)
        self.policies: list[OrganizationPolicy] = []
        """The packed policies, in slot order."""
        for slot, policy in enumerate(packed, start=1):
            description = f"Guardrails: {', '.join(policy.guardrails)}"
            self.policies.append(
                OrganizationPolicy(
                    self,
                    f"Part{slot}",
                    policy_name=f"{policy_name_prefix}-{slot}",
                    policy_type=catalog.policy_type,
                    document=policy.document,
                    target_ids=[target_id],
                    description=description[:_MAX_DESCRIPTION],
                )
            )
