"""IAM Access Analyzer organization analyzers, run from the delegated administrator.

``AccessAnalyzers`` goes in the security-tooling account: the external access analyzer in every
governed Region, the unused access analyzer in the home Region only (``unused=False`` elsewhere).
"""

from __future__ import annotations

from aws_cdk import aws_accessanalyzer as accessanalyzer
from constructs import Construct

from landing_zone.common.tokens import is_unresolved

EXTERNAL_ACCESS_ANALYZER_NAME = "organization-external-access"
"""Name of the organization analyzer for external access (names are unique per Region)."""

UNUSED_ACCESS_ANALYZER_NAME = "organization-unused-access"
"""Name of the organization analyzer for unused access."""


class AccessAnalyzers(Construct):
    """Organization-wide IAM Access Analyzer: who outside the organization can reach a
    resource, and which roles, users, keys and permissions no one uses.

    Deploy it in the security-tooling account after ``DelegatedAdministrators`` has registered
    it for ``access-analyzer.amazonaws.com``; organization analyzers can only be created by the
    management account or that delegated administrator.

    * :attr:`external` (``ORGANIZATION``): resource-based policies are regional, so one per
      governed Region.
    * :attr:`unused` (``ORGANIZATION_UNUSED_ACCESS``): IAM is global, so one in the home Region
      is enough; a second Region would only double the findings and the cost (unused access
      analysis is charged per IAM role and user analyzed).

    Deleting the construct deletes the analyzers. A new analyzer finds the same access again
    from the policies and access activity; only the archive status of findings is lost.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        external: bool = True,
        unused: bool = True,
        unused_access_age_days: int = 90,
    ) -> None:
        """
        :param external: Create the external access analyzer. Default: on; turn it off only
            where another stack of the same account and Region has one.
        :param unused: Create the unused access analyzer. Default: on; set ``False`` in every
            Region but the home Region.
        :param unused_access_age_days: Days without use after which access counts as unused,
            1 to 365. Default: 90, IAM Access Analyzer's own default, well inside the
            six-monthly review of accounts and privileges of PCI DSS 4.0 requirement 7.2.4.
        """
        super().__init__(scope, construct_id)
        if not external and not unused:
            raise ValueError(
                "AccessAnalyzers creates nothing with external=False and unused=False; leave "
                "the construct out instead"
            )
        if not is_unresolved(unused_access_age_days) and not (1 <= unused_access_age_days <= 365):
            raise ValueError(
                f"unused_access_age_days must be 1 to 365 days, got {unused_access_age_days}"
            )
        self.external: accessanalyzer.CfnAnalyzer | None = None
        if external:
            self.external = accessanalyzer.CfnAnalyzer(
                self,
                "ExternalAccess",
                type="ORGANIZATION",
                analyzer_name=EXTERNAL_ACCESS_ANALYZER_NAME,
            )
        self.unused: accessanalyzer.CfnAnalyzer | None = None
        if unused:
            self.unused = accessanalyzer.CfnAnalyzer(
                self,
                "UnusedAccess",
                type="ORGANIZATION_UNUSED_ACCESS",
                analyzer_name=UNUSED_ACCESS_ANALYZER_NAME,
                analyzer_configuration=accessanalyzer.CfnAnalyzer.AnalyzerConfigurationProperty(
                    unused_access_configuration=accessanalyzer.CfnAnalyzer.UnusedAccessConfigurationProperty(
                        unused_access_age=unused_access_age_days
                    )
                ),
            )
