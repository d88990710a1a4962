"""The mark of a stack whose resources belong to the landing zone's protected namespace."""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import Stack
from constructs import Construct

DEFAULT_PREFIX = "lz-"
"""``GuardrailParameters.landing_zone_role_prefix`` by default."""

DEFAULT_EXEMPT_ROLE_NAMES = ("stacksets-exec-*", "AWSCloudFormationStackSetExecutionRole")
"""``GuardrailParameters.deployment_role_names`` by default: the StackSets execution roles."""

_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,64}")
_PATTERN = re.compile(r"[A-Za-z0-9+=,.@_-][A-Za-z0-9+=,.@_*-]{0,63}")


class ProtectedNamespace(Construct):
    """Marks its stack as the landing zone's, and says which role names the guardrails exempt.

    ``Fintech-ProtectedNamespace`` then requires an explicit name on every resource of the stack
    that the guardrails protect by name (functions, roles, managed policies, rules, topics,
    alarms, metric filters, log groups, queues, state machines, Config rules); in stacks without
    it, only what an exempt role runs or is granted must carry the prefix. The construct creates
    no resource; create it with ``ProtectedNamespace.mark(stack)``.
    """

    ID = "ProtectedNamespace"
    """Construct id of the mark, a direct child of its stack."""

    def __init__(
        self,
        scope: Stack,
        construct_id: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        exempt_role_names: Sequence[str] = DEFAULT_EXEMPT_ROLE_NAMES,
    ) -> None:
        """
        :param prefix: The protected name prefix, ``GuardrailParameters.
            landing_zone_role_prefix``. Default: ``lz-``.
        :param exempt_role_names: Other role names the guardrails exempt (``*`` wildcards, not
            leading), ``GuardrailParameters.deployment_role_names``. Default: the StackSets
            execution roles, as ``GuardrailParameters``; the config's default also names the
            ``cdk-lzone-*`` deployment roles of the reference app (pass them when you use it).
        """
        if not _NAME.fullmatch(prefix):
            raise ValueError(
                "prefix must be 1-64 IAM name characters (letters, digits, '+=,.@_-'); "
                f"received {prefix!r}"
            )
        for name in exempt_role_names:
            if not _PATTERN.fullmatch(name):
                raise ValueError(
                    "exempt_role_names must be IAM role names of 1-64 characters, '*' allowed "
                    f"except first; received {name!r}"
                )
        super().__init__(scope, construct_id)
        self.prefix = prefix
        self.exempt_role_names = tuple(exempt_role_names)

    @classmethod
    def mark(
        cls,
        stack: Stack,
        *,
        prefix: str = DEFAULT_PREFIX,
        exempt_role_names: Sequence[str] = DEFAULT_EXEMPT_ROLE_NAMES,
    ) -> ProtectedNamespace:
        """The mark of ``stack``, created on first use; a second mark must agree."""
        existing = cls.of(stack)
        if existing is None:
            return cls(stack, cls.ID, prefix=prefix, exempt_role_names=exempt_role_names)
        if (existing.prefix, existing.exempt_role_names) != (prefix, tuple(exempt_role_names)):
            raise ValueError(
                f"{stack.node.path} is already marked with the prefix {existing.prefix!r} and "
                f"the exempt roles {existing.exempt_role_names!r}"
            )
        return existing

    @classmethod
    def of(cls, stack: Stack) -> ProtectedNamespace | None:
        """The mark of ``stack``, if any."""
        found = stack.node.try_find_child(cls.ID)
        if found is None:
            return None
        if not isinstance(found, ProtectedNamespace):
            raise TypeError(
                f"{stack.node.path}/{cls.ID} is a {type(found).__name__}; the id is reserved "
                "for the ProtectedNamespace mark of the stack"
            )
        return found
