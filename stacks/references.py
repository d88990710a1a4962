"""How a stack refers to OUs another stack created, without CloudFormation exports."""

from __future__ import annotations

from aws_cdk import aws_ssm as ssm
from constructs import Construct

from landing_zone.config import ROOT, LandingZoneConfig

from .naming import ou_id_parameter_name


def organizational_unit_id(scope: Construct, config: LandingZoneConfig, ou_path: str) -> str:
    """The root id, an adopted OU's id, or a created OU's id read from its SSM parameter."""
    if ou_path == ROOT:
        return config.organization.root_id
    adopted = config.organizational_units[ou_path].id
    if adopted is not None:
        return adopted
    # Resolved at deploy time, so an OU can be retired without a deadlock between stacks.
    return ssm.StringParameter.value_for_string_parameter(
        scope, ou_id_parameter_name(config.organization.name, ou_path)
    )
