"""Organizational units and member accounts as native CloudFormation resources.

Both are retained when removed from a template: deleting an OU would fail while
it holds accounts, and an account is a legal entity with its own data and bill
that must be closed deliberately, never as a side effect of a config edit.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_organizations as organizations
from constructs import Construct


class OrganizationalUnit(Construct):
    """An OU under a parent (the root or another OU), retained on delete.

    Organizations cannot move an OU: a changed parent or name replaces it, so the
    construct id of an OU should follow its path. Organizations rejects a change to a target
    that another request is changing (``ConcurrentModificationException``): use
    :meth:`create_after` to serialize OUs that CloudFormation would otherwise create side by side.
    """

    def __init__(self, scope: Construct, construct_id: str, *, name: str, parent_id: str) -> None:
        super().__init__(scope, construct_id)
        self.resource = organizations.CfnOrganizationalUnit(
            self, "Resource", name=name, parent_id=parent_id
        )
        """The ``AWS::Organizations::OrganizationalUnit``."""
        self.resource.apply_removal_policy(RemovalPolicy.RETAIN)
        self.organizational_unit_id: str = self.resource.attr_id
        """The OU id (ou-...), a token resolved at deploy time."""

    def create_after(self, other: OrganizationalUnit | Account) -> None:
        """Creates (and updates) this OU only once ``other`` exists. An OU under another OU
        already waits for its parent; siblings and accounts do not. Organizations answers
        concurrent changes with ``ConcurrentModificationException`` ("The target of the operation
        is currently being modified by a different request", AWS Organizations API reference,
        Common errors)."""
        if other is self:
            raise ValueError("create_after: got the OU itself; allowed: another OU or an account")
        self.resource.add_resource_dependency(
            other.resource, "Organizations rejects concurrent changes to the organization"
        )


class Account(Construct):
    """A member account created in an OU, retained (never closed) on delete.

    Organizations rejects concurrent CreateAccount calls beyond a small quota; use
    :meth:`create_after` to serialize creations.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        account_name: str,
        email: str,
        parent_id: str,
        role_name: str | None = None,
    ) -> None:
        """
        :param account_name: the account's friendly name.
        :param email: the owner's email; unique across all of AWS.
        :param parent_id: the root or OU id the account is placed in.
        :param role_name: the role Organizations creates in the account for administrators of
            the management account. Default: ``OrganizationAccountAccessRole``.
        """
        super().__init__(scope, construct_id)
        self.resource = organizations.CfnAccount(
            self,
            "Resource",
            account_name=account_name,
            email=email,
            parent_ids=[parent_id],
            role_name=role_name,
        )
        """The ``AWS::Organizations::Account``."""
        self.resource.apply_removal_policy(RemovalPolicy.RETAIN)
        self.account_id: str = self.resource.attr_account_id
        """The 12-digit account id, a token resolved at deploy time."""

    def create_after(self, other: Account | OrganizationalUnit) -> None:
        """Creates this account only once ``other`` exists (Organizations serializes creation)."""
        self.resource.add_resource_dependency(
            other.resource, "Organizations accepts only a few concurrent account creations"
        )
