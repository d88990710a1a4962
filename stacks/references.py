"""How a stack refers to OUs another stack created, without CloudFormation exports."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from landing_zone.config import ROOT, LandingZoneConfig

from .naming import ou_id_parameter_name


class _OrganizationalUnitIds(Construct):
    """The SSM-parameter references to created OU ids of one stack, one per OU path."""

    ID = "OrganizationalUnitIds"

    @classmethod
    def of(cls, scope: Construct) -> _OrganizationalUnitIds:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(cls.ID)
        return existing if isinstance(existing, cls) else cls(stack, cls.ID)

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._ids: dict[str, str] = {}

    def id_of(self, config: LandingZoneConfig, ou_path: str) -> str:
        if ou_path not in self._ids:
            # One child per path: the CloudFormation parameter's logical id then carries a hash
            # of the path, so paths that differ only in separators (A/B, A-B) do not collide.
            reference = ssm.StringParameter.from_string_parameter_attributes(
                self,
                ou_path.replace("/", "."),
                parameter_name=ou_id_parameter_name(config.organization.name, ou_path),
            )
            self._ids[ou_path] = reference.string_value
        return self._ids[ou_path]


def organizational_unit_id(scope: Construct, config: LandingZoneConfig, ou_path: str) -> str:
    """The root id, an adopted OU's id, or a created OU's id read from its SSM parameter."""
    if ou_path == ROOT:
        return config.organization.root_id
    adopted = config.organizational_units[ou_path].id
    if adopted is not None:
        return adopted
    # Resolved at deploy time, so an OU can be retired without a deadlock between stacks.
    return _OrganizationalUnitIds.of(scope).id_of(config, ou_path)
