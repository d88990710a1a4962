"""Headroom against the AWS limits the landing zone is designed around.

- Resources per stack: 500, and the project's own ceiling of 400
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
  A StackSet's template becomes one stack per instance, so the same limit applies to it.
- Template size: 1 MB for a template CloudFormation reads from S3 (same page), where CDK puts
  every template above 51,200 bytes; counted as 1,000,000 bytes, as cfn-lint's E1002 does.
- SCP and RCP size: 5,120 characters of the minified document, and 5 policies of each type per
  root, OU or account, one of them the AWS-managed ``FullAWSAccess`` (``RCPFullAWSAccess``) that
  is not in the templates
  (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html);
  the numbers and the measure are ``landing_zone.organization.packing``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from landing_zone.organization.packing import MAX_POLICIES_PER_TARGET, MAX_POLICY_CHARACTERS
from landing_zone.report.assembly import Assembly
from landing_zone.report.organization import Organization, type_label
from landing_zone.summary import MAX_RESOURCES_PER_STACK

CLOUDFORMATION_MAX_RESOURCES = 500
TEMPLATE_MAX_BYTES = 1_000_000
FLAG_ABOVE = 0.9
"""A use above this share of a limit is flagged."""
MANAGED_FULL_ACCESS_POLICIES = 1
"""The AWS-managed full-access policy every target keeps attached (one slot of the five)."""
SIZED_POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")
"""Policy types with the 5,120-character and 5-per-target limits."""


@dataclass(frozen=True)
class Usage:
    subject: str
    """What is measured: a template, a policy or a target."""
    measure: str
    used: int
    limit: int
    template: str | None = None
    logical_id: str | None = None
    note: str = ""

    @property
    def share(self) -> float:
        return self.used / self.limit

    @property
    def flagged(self) -> bool:
        return self.share > FLAG_ABOVE


@dataclass(frozen=True)
class Limits:
    resources: tuple[Usage, ...]
    template_sizes: tuple[Usage, ...]
    policy_sizes: tuple[Usage, ...]
    policies_per_target: tuple[Usage, ...]
    project_max_resources: int = MAX_RESOURCES_PER_STACK

    def all(self) -> tuple[Usage, ...]:
        return self.resources + self.template_sizes + self.policy_sizes + self.policies_per_target

    def flagged(self) -> list[Usage]:
        return [usage for usage in self.all() if usage.flagged]

    def over_project_ceiling(self) -> list[Usage]:
        return [usage for usage in self.resources if usage.used > self.project_max_resources]


def measure_limits(assembly: Assembly, organization: Organization) -> Limits:
    resources = tuple(
        Usage(
            template.name,
            "resources",
            len(template.resources),
            CLOUDFORMATION_MAX_RESOURCES,
            template=template.name,
        )
        for template in assembly.templates
    )
    sizes = tuple(
        Usage(
            template.name, "template bytes", template.size_bytes, TEMPLATE_MAX_BYTES, template.name
        )
        for template in assembly.templates
    )
    policy_sizes = tuple(
        Usage(
            policy.name,
            f"{type_label(policy.policy_type)} characters",
            policy.characters,
            MAX_POLICY_CHARACTERS,
            template=policy.template,
            logical_id=policy.logical_id,
            note="" if policy.exact else "holds CloudFormation functions: measured unresolved",
        )
        for policy in organization.policies
        if policy.policy_type in SIZED_POLICY_TYPES
    )
    per_target = []
    for target in organization.targets():
        attached = organization.attached(target)
        for policy_type in SIZED_POLICY_TYPES:
            count = sum(1 for policy in attached if policy.policy_type == policy_type)
            if policy_type == "RESOURCE_CONTROL_POLICY" and not any(
                policy.policy_type == policy_type for policy in organization.policies
            ):
                continue  # RCPs not in use: nothing to measure
            per_target.append(
                Usage(
                    organization.path(target),
                    f"{type_label(policy_type)}s attached",
                    count + MANAGED_FULL_ACCESS_POLICIES,
                    MAX_POLICIES_PER_TARGET,
                    note="includes the AWS-managed full-access policy",
                )
            )
    return Limits(resources, sizes, policy_sizes, tuple(per_target))
