"""Organization policies (SCPs, RCPs, AI opt-out, tag policies) as CloudFormation resources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import aws_organizations as organizations
from constructs import Construct

from landing_zone.common.tokens import is_unresolved

from .guardrails import PolicyType
from .packing import MAX_POLICY_CHARACTERS, minified


class OrganizationPolicy(Construct):
    """One organization policy attached to targets (root, OU or account ids).

    Policies are not retained: removing one from the config must remove the
    control from the organization. The construct id is the policy's identity;
    its content and targets are updated in place.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        policy_name: str,
        policy_type: PolicyType,
        document: Mapping[str, Any],
        target_ids: Sequence[str],
        description: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        content = minified(document)
        limited = policy_type in (
            PolicyType.SERVICE_CONTROL_POLICY,
            PolicyType.RESOURCE_CONTROL_POLICY,
        )
        if limited and not is_unresolved(content) and len(content) > MAX_POLICY_CHARACTERS:
            raise ValueError(
                f"policy {policy_name!r}: document is {len(content)} characters minified; "
                f"{policy_type.value} allows at most {MAX_POLICY_CHARACTERS}"
            )
        if not target_ids:
            raise ValueError(f"policy {policy_name!r}: target_ids is empty; attach it to a target")
        self.resource = organizations.CfnPolicy(
            self,
            "Resource",
            name=policy_name,
            type=policy_type.value,
            # An object, not a string, so reviewers read the policy in template diffs;
            # CloudFormation sends it minified, as measured above.
            content=dict(document),
            description=description,
            target_ids=list(target_ids),
        )
        """The ``AWS::Organizations::Policy``."""
        self.policy_id: str = self.resource.attr_id
        """The policy id (p-...), a token resolved at deploy time."""
