"""Security Hub CSPM central configuration for the whole organization.

``SecurityHubOrganization`` goes in the security-tooling account, in the home Region only:
central configuration, its policies and the finding aggregator live there and reach the linked
Regions from there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum

from aws_cdk import Stack
from aws_cdk import aws_securityhub as securityhub
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.patterns import REGION
from landing_zone.common.tokens import is_unresolved

_ROOT_ID = re.compile(r"r-[0-9a-z]{4,32}")


class SecurityHubStandard(Enum):
    """A Security Hub CSPM standard, by the path of its ARN."""

    AWS_FOUNDATIONAL_SECURITY_BEST_PRACTICES = "aws-foundational-security-best-practices/v/1.0.0"
    CIS_AWS_FOUNDATIONS_3_0_0 = "cis-aws-foundations-benchmark/v/3.0.0"
    CIS_AWS_FOUNDATIONS_5_0_0 = "cis-aws-foundations-benchmark/v/5.0.0"
    PCI_DSS_4_0_1 = "pci-dss/v/4.0.1"
    NIST_800_53_REV_5 = "nist-800-53/v/5.0.0"

    def arn(self, region: str) -> str:
        """The standard's ARN in ``region`` (``arn:<partition>:securityhub:<region>::...``)."""
        return f"arn:{pseudo.PARTITION}:securityhub:{region}::standards/{self.value}"


DEFAULT_STANDARDS = (
    SecurityHubStandard.AWS_FOUNDATIONAL_SECURITY_BEST_PRACTICES,
    SecurityHubStandard.CIS_AWS_FOUNDATIONS_5_0_0,
    SecurityHubStandard.PCI_DSS_4_0_1,
    SecurityHubStandard.NIST_800_53_REV_5,
)
"""FSBP, the latest CIS AWS Foundations Benchmark, PCI DSS 4.0.1 and NIST SP 800-53 Rev. 5."""


class SecurityHubOrganization(Construct):
    """Security Hub CSPM central configuration: one policy, associated with the organization
    root, enables Security Hub with the given standards and every control, in every account
    of the organization and every linked Region.

    Deploy it in the security-tooling account, in the home Region (this stack's Region), after
    ``DelegatedAdministrators`` has designated the account there. Designating the administrator
    enables Security Hub in that account and Region (the Security Hub user guide says so); an
    ``AWS::SecurityHub::Hub`` would fail to create a second hub, so none is declared here. In
    order:

    1. ``AWS::SecurityHub::FindingAggregator``: findings, control statuses and scores of the
       linked Regions aggregate in the home Region (a prerequisite of central configuration);
    2. ``AWS::SecurityHub::OrganizationConfiguration``: ``CENTRAL``, with auto-enable off,
       as central configuration requires (policies enable Security Hub instead);
    3. ``AWS::SecurityHub::ConfigurationPolicy`` (:attr:`policy`): Security Hub enabled, the
       standards enabled, every control enabled, new controls included (an empty list of
       disabled controls);
    4. ``AWS::SecurityHub::PolicyAssociation`` of the policy with the organization root, so every
       account, present and future, inherits it, unless an OU or account gets its own.

    Standards ARNs carry the home Region, as the central configuration examples do.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        root_id: str,
        linked_regions: Sequence[str],
        standards: Sequence[SecurityHubStandard] = DEFAULT_STANDARDS,
        policy_name: str = "landing-zone-security-baseline",
    ) -> None:
        """
        :param root_id: The organization root's id (``r-...``), which the policy is associated
            with.
        :param linked_regions: The governed Regions. The home Region may be among them; every
            other one is linked to it: the aggregator links specified Regions only, so new
            Regions are added deliberately. None besides the home Region (a single-Region
            landing zone): no Region is linked (see ``_region_linking``).
        :param standards: The standards the policy enables. Default: :data:`DEFAULT_STANDARDS`.
            A standard left out is disabled in every account.
        :param policy_name: Name of the configuration policy. Default:
            ``landing-zone-security-baseline``.
        """
        super().__init__(scope, construct_id)
        home_region = Stack.of(self).region
        linked = _linked_regions(linked_regions, home_region)
        _validate(root_id, standards, policy_name)

        linking_mode, regions = _region_linking(linked, home_region)
        self.finding_aggregator = securityhub.CfnFindingAggregator(
            self,
            "FindingAggregator",
            region_linking_mode=linking_mode,
            regions=regions,
        )
        self.organization_configuration = securityhub.CfnOrganizationConfiguration(
            self,
            "OrganizationConfiguration",
            configuration_type="CENTRAL",
            auto_enable=False,
            auto_enable_standards="NONE",
        )
        # Central configuration can only start in the aggregation (home) Region.
        self.organization_configuration.node.add_dependency(self.finding_aggregator)

        self.policy = securityhub.CfnConfigurationPolicy(
            self,
            "Policy",
            name=policy_name,
            description=(
                "Security Hub with "
                + ", ".join(standard.value for standard in standards)
                + " and every control enabled"
            ),
            configuration_policy=securityhub.CfnConfigurationPolicy.PolicyProperty(
                security_hub=securityhub.CfnConfigurationPolicy.SecurityHubPolicyProperty(
                    service_enabled=True,
                    enabled_standard_identifiers=[
                        standard.arn(home_region) for standard in standards
                    ],
                    security_controls_configuration=securityhub.CfnConfigurationPolicy.SecurityControlsConfigurationProperty(
                        # Disabling nothing enables every control, new ones included.
                        disabled_security_control_identifiers=[],
                    ),
                )
            ),
        )
        # Configuration policies exist only under central configuration.
        self.policy.node.add_dependency(self.organization_configuration)

        self.root_association = securityhub.CfnPolicyAssociation(
            self,
            "RootAssociation",
            configuration_policy_id=self.policy.attr_id,
            target_type="ROOT",
            target_id=root_id,
        )


def _linked_regions(regions: Sequence[str], home_region: str) -> list[str]:
    for region in regions:
        if is_unresolved(region) or not REGION.fullmatch(region):
            raise ValueError(
                f"linked_regions must hold literal Region names like eu-central-1, got {region!r}"
            )
    if len(set(regions)) != len(regions):
        raise ValueError(f"linked_regions must not repeat a Region, got {list(regions)}")
    if is_unresolved(home_region):
        raise ValueError(
            "SecurityHubOrganization needs a stack with an explicit Region, the home Region: "
            "the aggregator links the other Regions to it"
        )
    return [region for region in regions if region != home_region]


def _region_linking(linked: list[str], home_region: str) -> tuple[str, list[str]]:
    """The aggregator's linking mode and Regions: ``linked`` only, or none of them.

    Central configuration needs a home Region (a finding aggregator) but no linked Region
    (Security Hub CSPM user guide, "Impact of central configuration on cross-Region
    aggregation": "You can also choose to designate a home Region without any linked
    Regions"). The API's NO_REGIONS mode says so directly, but CloudFormation's
    ``RegionLinkingMode`` offers only ALL_REGIONS, ALL_REGIONS_EXCEPT_SPECIFIED and
    SPECIFIED_REGIONS (with at least one Region). So a single-Region landing zone excludes
    every other Region of the partition that the pinned aws-cdk-lib knows; a Region AWS adds
    later would link once the account opts into it (every Region since March 2019 is opt-in),
    which only adds detection there. Unverified against a deployment.
    """
    if linked:
        return "SPECIFIED_REGIONS", linked
    # Imported here: it starts the jsii runtime's region database only when needed.
    from aws_cdk.region_info import RegionInfo

    partition = RegionInfo.get(home_region).partition
    others = sorted(
        region.name
        for region in RegionInfo.regions
        if region.partition == partition and region.name != home_region
    )
    return "ALL_REGIONS_EXCEPT_SPECIFIED", others


def _validate(root_id: str, standards: Sequence[SecurityHubStandard], policy_name: str) -> None:
    if not is_unresolved(root_id) and not _ROOT_ID.fullmatch(root_id):
        raise ValueError(f"root_id must be an organization root id like r-a1b2, got {root_id!r}")
    if not standards:
        raise ValueError("standards must name at least one standard, got none")
    if len(set(standards)) != len(standards):
        raise ValueError(
            f"standards must not repeat a standard, got "
            f"{', '.join(standard.name for standard in standards)}"
        )
    if not policy_name.strip():
        raise ValueError(f"policy_name must not be empty, got {policy_name!r}")
