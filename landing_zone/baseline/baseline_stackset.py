"""The engine that carries a baseline to every account of the targeted OUs: a service-managed
CloudFormation StackSet with automatic deployment to accounts that join those OUs."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TypedDict

from aws_cdk import CfnResource, Fn, RemovalPolicy, Stack
from cdk_stacksets import (
    Capability,
    DeploymentType,
    OperationPreferences,
    RegionConcurrencyType,
    StackSet,
    StackSetStack,
    StackSetTarget,
    StackSetTemplate,
)
from constructs import Construct

from landing_zone.baseline import _validation
from landing_zone.baseline.asset_replication import asset_bucket_deployments
from landing_zone.common.patterns import ACCOUNT_ID
from landing_zone.common.tokens import is_unresolved


class CallAs(enum.Enum):
    """Which account the StackSet is administered from (CloudFormation ``CallAs``)."""

    SELF = "SELF"
    """The organization's management account."""
    DELEGATED_ADMIN = "DELEGATED_ADMIN"
    """A member account registered as delegated administrator for StackSets."""


class StackSetOperationProps(TypedDict, total=False):
    """The operation preferences of a :class:`BaselineStackSet`, as its keyword arguments: one
    set of values for every StackSet of a landing zone
    (``LandingZoneConfig.delivery.stackset_operations.stack_set_props()``)."""

    failure_tolerance_percentage: int
    max_concurrent_percentage: int
    region_concurrency: RegionConcurrencyType
    region_order: Sequence[str]


class BaselineStackSet(Construct):
    """Deploys ``baseline`` to every account of the target OUs (and their child OUs) in
    ``regions``, now and whenever an account joins one of them.

    Service-managed permissions: AWS Organizations creates the execution roles, so no account
    needs bootstrapping. The organization's management account never receives stack instances
    of a service-managed StackSet, even inside a targeted OU.

    Defaults suit an organization of hundreds to thousands of accounts:

    - regions are deployed in parallel: every region gets the same template, so a faulty
      change fails alike in each and the failure tolerance stops it early in each. Sequential
      regions would confine it to the first region, but multiply by the number of regions the
      time any control takes to reach the organization; ``SEQUENTIAL`` remains available;
    - a quarter of the accounts at a time, and a region's operation stops once more than a
      tenth of its accounts fail, so one faulty change halts early while a few broken or
      suspended accounts do not keep the control from all the others. The failure tolerance
      does not throttle the concurrency (``SOFT_FAILURE_TOLERANCE``);
    - operations are queued rather than rejected while another runs (managed execution), as
      automatic deployments to new accounts start at any time;
    - stack instances are deleted, not retained, when an account leaves the targeted OUs: a
      retained stack is detached from the StackSet, never updated again, and should the
      account return it gets a second copy beside the orphan. Controls are fail-secure
      (deleting them changes nothing in the account) and the baseline's stateful resources
      are retained, so the deletion removes only the machinery. An SCP denying everything in
      the destination OU makes the deletion fail unless it exempts the ``stacksets-exec-*``
      role.

    Operation preferences do not apply to automatic deployments (CloudFormation ignores them).

    The StackSet itself is retained (``DeletionPolicy`` and ``UpdateReplacePolicy``): deleting
    an ``AWS::CloudFormation::StackSet`` resource deletes every stack instance first, and with
    it every resource of those stacks that is not retained (VPCs, subnets, guardrails), so
    removing this construct from its stack, or a change that replaces the StackSet, would tear
    down what the accounts run on. Retained, the StackSet and its stacks stay, and are retired
    deliberately outside CloudFormation (``DeleteStackInstances``, with ``RetainStacks`` to
    keep the stacks, then ``DeleteStackSet``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        baseline: StackSetStack,
        target_organizational_unit_ids: Sequence[str],
        regions: Sequence[str],
        target_account_ids: Sequence[str] = (),
        call_as: CallAs = CallAs.SELF,
        stack_set_name: str | None = None,
        description: str = "Fintech landing zone account baseline",
        capabilities: Sequence[Capability] = (Capability.IAM, Capability.NAMED_IAM),
        failure_tolerance_percentage: int = 10,
        max_concurrent_percentage: int = 25,
        region_concurrency: RegionConcurrencyType = RegionConcurrencyType.PARALLEL,
        region_order: Sequence[str] = (),
        retain_stacks_on_account_removal: bool = False,
        after: Sequence[BaselineStackSet] = (),
    ) -> None:
        """
        :param baseline: The template, created in the scope of this construct's stack. If it
            has file assets, create this construct after the first one (an ``AccountBaseline``
            has them from its constructor): the StackSet is ordered after their copies.
        :param target_organizational_unit_ids: OU ids (``ou-...``), or the root id (``r-...``)
            for the whole organization. Child OUs are included.
        :param regions: Regions to deploy to. For a template with ``asset_regions`` (an
            ``AccountBaseline``), each must be one of them.
        :param target_account_ids: Only these accounts of the target OUs (CloudFormation's
            ``INTERSECTION`` account filter), for a template made for particular accounts.
            Automatic deployment is then off: CloudFormation's automatic deployments ignore
            account filters and would give the template to every account that joins the OUs.
            So an account that moves to another OU keeps its stack, which the StackSet no
            longer updates until its target follows the move. Default: every account of the
            OUs, with automatic deployment.
        :param call_as: Administer the StackSet from the management account (``SELF``) or from
            a delegated StackSets administrator (``DELEGATED_ADMIN``); this construct's stack
            must be deployed to that account. Default: ``SELF``.
        :param stack_set_name: Default: a name CloudFormation derives from the construct path.
        :param description: Description of the StackSet.
        :param capabilities: Default: ``IAM`` and ``NAMED_IAM``: an ``AccountBaseline`` names
            its SDK-call role (``<prefix>baseline-sdk-<region>``) so the guardrails exempt it,
            and CloudFormation rejects named IAM resources without ``NAMED_IAM``.
        :param failure_tolerance_percentage: Percentage of a region's accounts that may fail
            before the operation stops in that region (0 to 100, rounded down). Default: 10.
        :param max_concurrent_percentage: Percentage of a region's accounts deployed at a time
            (1 to 100, rounded down, at least one account). Default: 25.
        :param region_concurrency: Default: ``PARALLEL``. ``SEQUENTIAL`` follows
            ``region_order``, then the order of ``regions``.
        :param region_order: With ``SEQUENTIAL``, the regions deployed first, in this order;
            the other ``regions`` follow in their order, and listed regions this StackSet does
            not target are skipped, so one order serves StackSets of different regions
            (CloudFormation's ``RegionOrder``, which automatic deployments do not follow).
            Default: the order of ``regions``.
        :param retain_stacks_on_account_removal: Keep the stack in an account that leaves the
            targeted OUs (automatic deployment only). Default: false, the stack is deleted.
        :param after: StackSets (of the same stack) whose stack instances this one's need, such
            as the primary keys its key replicas read: this StackSet is created and updated
            after them, and with automatic deployment its deployments to a new account wait for
            theirs (``AutoDeployment.DependsOn``). Default: none.
        """
        super().__init__(scope, construct_id)
        parent = baseline.node.scope
        if parent is None or Stack.of(parent).node.path != Stack.of(self).node.path:
            raise ValueError(
                f"baseline: {baseline.node.path} must be created in the scope of "
                f"{Stack.of(self).node.path}, the stack that holds its StackSet"
            )
        ou_ids = _validation.distinct_ids(
            "target_organizational_unit_ids",
            target_organizational_unit_ids,
            _validation.ORGANIZATIONAL_UNIT_ID,
            "an OU id ('ou-' and two lowercase alphanumeric parts) or a root id ('r-...')",
        )
        target_regions = _validation.regions("regions", regions)
        account_ids = (
            _validation.distinct_ids(
                "target_account_ids",
                target_account_ids,
                ACCOUNT_ID,
                "a 12-digit AWS account id",
            )
            if target_account_ids
            else ()
        )
        asset_regions: Sequence[str] | None = getattr(baseline, "asset_regions", None)
        if asset_regions is not None:
            missing = [
                region
                for region in target_regions
                if not is_unresolved(region) and region not in asset_regions
            ]
            if missing:
                raise ValueError(
                    f"regions: {missing} have no asset bucket for {baseline.node.path}; "
                    f"allowed: its asset_regions {list(asset_regions)}"
                )
        _validation.percentage(
            "failure_tolerance_percentage", failure_tolerance_percentage, minimum=0
        )
        _validation.percentage("max_concurrent_percentage", max_concurrent_percentage, minimum=1)
        sequential = region_concurrency == RegionConcurrencyType.SEQUENTIAL
        first_regions = _validation.regions("region_order", region_order) if region_order else ()
        if first_regions and not sequential:
            raise ValueError(
                f"region_order: got {list(first_regions)} with region_concurrency "
                f"{region_concurrency.name}; allowed: a region order with SEQUENTIAL only"
            )
        self.stack_set = StackSet(
            self,
            "Resource",
            template=StackSetTemplate.from_stack_set_stack(baseline),
            target=StackSetTarget.from_organizational_units(
                regions=list(target_regions),
                organizational_units=list(ou_ids),
                intersection_accounts=list(account_ids) or None,
            ),
            deployment_type=DeploymentType.service_managed(
                auto_deploy_enabled=not account_ids,
                auto_deploy_retain_stacks=None if account_ids else retain_stacks_on_account_removal,
                delegated_admin=call_as is CallAs.DELEGATED_ADMIN,
            ),
            capabilities=list(capabilities),
            managed_execution=True,
            operation_preferences=OperationPreferences(
                failure_tolerance_percentage=failure_tolerance_percentage,
                max_concurrent_percentage=max_concurrent_percentage,
                region_concurrency_type=region_concurrency,
                region_order=(
                    [r for r in first_regions if r in target_regions]
                    + [r for r in target_regions if r not in first_regions]
                    if sequential
                    else None
                ),
            ),
            stack_set_name=stack_set_name,
            description=description,
        )
        cfn_stack_set = self.stack_set.node.default_child
        assert isinstance(cfn_stack_set, CfnResource)
        # The resource's delete handler deletes the stack instances (RetainStacks unset), then
        # the StackSet: aws-cloudformation-resource-providers-cloudformation,
        # aws-cloudformation-stackset/.../DeleteHandler.java and RequestTranslator.java.
        cfn_stack_set.apply_removal_policy(RemovalPolicy.RETAIN)
        # cdk-stacksets has no prop for it; without it the failure tolerance caps concurrency.
        cfn_stack_set.add_property_override(
            "OperationPreferences.ConcurrencyMode", "SOFT_FAILURE_TOLERANCE"
        )
        # The template's code assets must be in every region's bucket before any stack
        # instance is created; cdk-stacksets only orders this when the StackSet is a direct
        # child of the stack.
        for deployment in asset_bucket_deployments(baseline):
            self.stack_set.node.add_dependency(deployment)
        self._cfn_stack_set = cfn_stack_set
        for first in after:
            if Stack.of(first).node.path != Stack.of(self).node.path:
                raise ValueError(
                    f"after: {first.node.path} is in another stack; allowed: StackSets of "
                    f"{Stack.of(self).node.path}, whose ARNs this StackSet can reference"
                )
            self.node.add_dependency(first)
        if after and not account_ids:
            # A list of StackSet ARNs; without it CloudFormation runs the automatic deployments
            # of StackSets to a new account in any order.
            # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudformation-stackset-autodeployment.html
            cfn_stack_set.add_property_override(
                "AutoDeployment.DependsOn", [first.stack_set_arn for first in after]
            )

    @property
    def stack_set_arn(self) -> str:
        """The StackSet's ARN (``arn:<partition>:cloudformation:<region>:<account>:stackset/
        <name>:<uuid>``, the Service Authorization Reference's ``stackset`` resource type),
        built from its ``Ref``, the StackSet id ``<name>:<uuid>``; the resource has no ARN
        attribute. Not verified here (no AWS account): that ``AutoDeployment.DependsOn``
        accepts an ARN built this way, in the same template."""
        return Fn.sub(
            "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stackset/${Id}",
            {"Id": self._cfn_stack_set.ref},
        )
