"""IAM Identity Center account assignments, written a few at a time.

Identity Center processes account assignments asynchronously and rejects bursts: at most 10
``CreateAccountAssignment`` calls may be outstanding per instance (Identity Center quotas), and
CloudFormation would otherwise create every ``AWS::SSO::Assignment`` of a stack at once. So the
assignments of one ``AccountAssignments`` are chained with ``DependsOn`` into ``lanes`` queues
that run side by side, each creating one assignment after the other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import aws_sso as sso
from constructs import Construct

from landing_zone.common.patterns import ACCOUNT_ID
from landing_zone.common.tokens import is_unresolved

MAX_LANES = 8
"""Most queues that run side by side; below the 10 outstanding calls Identity Center allows,
leaving room for the console and other automation."""

PRINCIPAL_TYPES = ("GROUP", "USER")

_CONSTRUCT_ID = re.compile(r"[A-Za-z0-9._-]{1,200}")


@dataclass(frozen=True, kw_only=True)
class Assignment:
    """One principal given one permission set in one account."""

    construct_id: str
    """Id of the ``AWS::SSO::Assignment`` construct: its logical id follows it, so keep it
    stable (for example ``<permission set>.<group>.<account name>``)."""
    permission_set_arn: str
    principal_id: str
    account_id: str
    principal_type: str = "GROUP"


class AccountAssignments(Construct):
    """``AWS::SSO::Assignment`` resources for ``assignments``, created in ``lanes`` queues.

    Assignments go to groups by default: a person's access then follows their group membership
    in the identity source, and a leaver loses every account at once. Each resource is a child
    named ``Assignment.construct_id``; ``self.assignments`` maps those ids to the resources.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        instance_arn: str,
        assignments: Sequence[Assignment],
        lanes: int = 1,
    ) -> None:
        """
        :param instance_arn: ARN of the Identity Center instance.
        :param assignments: The assignments, in the order they are queued.
        :param lanes: How many queues create assignments side by side, 1 to :data:`MAX_LANES`.
            Default: 1, every assignment after the previous one.
        """
        super().__init__(scope, construct_id)
        if isinstance(lanes, bool) or not 1 <= lanes <= MAX_LANES:
            raise ValueError(f"lanes must be 1-{MAX_LANES}; received {lanes!r}")
        _check(assignments)
        self.assignments: dict[str, sso.CfnAssignment] = {}
        """The ``AWS::SSO::Assignment`` of each assignment, by its construct id."""
        tails: list[sso.CfnAssignment | None] = [None] * lanes
        for index, assignment in enumerate(assignments):
            resource = sso.CfnAssignment(
                self,
                assignment.construct_id,
                instance_arn=instance_arn,
                permission_set_arn=assignment.permission_set_arn,
                principal_id=assignment.principal_id,
                principal_type=assignment.principal_type,
                target_id=assignment.account_id,
                target_type="AWS_ACCOUNT",
            )
            lane = index % lanes
            previous = tails[lane]
            if previous is not None:
                # The L1 method: one call into Node, where ``node.add_dependency`` makes two
                # (``add_dependency``, its deprecated twin, printed a warning at every synth).
                resource.add_resource_dependency(
                    previous, "Identity Center limits the assignment calls in flight"
                )
            tails[lane] = resource
            self.assignments[assignment.construct_id] = resource


def _check(assignments: Sequence[Assignment]) -> None:
    if not assignments:
        raise ValueError("assignments must hold at least one assignment, got none")
    seen: set[str] = set()
    targets: set[tuple[str, str, str, str]] = set()
    for assignment in assignments:
        where = f"assignments[{assignment.construct_id!r}]"
        if not _CONSTRUCT_ID.fullmatch(assignment.construct_id):
            raise ValueError(
                f"{where}: construct_id must be 1-200 letters, digits or '._-'; received "
                f"{assignment.construct_id!r}"
            )
        if assignment.construct_id in seen:
            raise ValueError(f"{where}: construct_id is used twice")
        seen.add(assignment.construct_id)
        if not is_unresolved(assignment.account_id) and not ACCOUNT_ID.fullmatch(
            assignment.account_id
        ):
            raise ValueError(
                f"{where}: account_id must be a 12-digit account id; received "
                f"{assignment.account_id!r}"
            )
        if assignment.principal_type not in PRINCIPAL_TYPES:
            raise ValueError(
                f"{where}: principal_type must be GROUP or USER; received "
                f"{assignment.principal_type!r}"
            )
        target = (
            assignment.permission_set_arn,
            assignment.principal_type,
            assignment.principal_id,
            assignment.account_id,
        )
        if not any(is_unresolved(part) for part in target[2:]) and target in targets:
            raise ValueError(
                f"{where}: the same principal, permission set and account are assigned twice"
            )
        targets.add(target)
