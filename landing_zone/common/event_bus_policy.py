"""An event bus policy statement, as ``AWS::Events::EventBusPolicy``."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CfnResource
from constructs import Construct


def event_bus_policy(
    scope: Construct, construct_id: str, *, event_bus_name: str, statement: Mapping[str, object]
) -> CfnResource:
    """One statement of the policy of bus ``event_bus_name``; its ``Sid`` is the statement id.

    A plain CfnResource: synthesizing aws-cdk-lib's ``CfnEventBusPolicy`` reads its deprecated
    ``Principal`` property and prints a deprecation warning on every synth.
    """
    return CfnResource(
        scope,
        construct_id,
        type="AWS::Events::EventBusPolicy",
        properties={
            "EventBusName": event_bus_name,
            "StatementId": statement["Sid"],
            "Statement": dict(statement),
        },
    )
