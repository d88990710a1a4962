"""Root console sign-ins of every member account, to the response triage in security tooling.

A console sign-in is an event of the account signed in to, on that account's default event bus
(EventBridge user guide, "Events from AWS services": AWS Console Sign-in events are delivered
on a best-effort basis to the bus of the account and of the region of the sign-in endpoint, the
global endpoint's in us-east-1). The security-tooling account sees only its own. So:

- ``SignInForwarding``, in the account baseline (every account of the targeted OUs, every
  governed region; not the security-tooling account, whose own rules already send its
  sign-ins to the triage): the rule ``<prefix>response-sign-in-forward`` sends root sign-ins to
  the bus below, as the role ``<prefix>response-sign-in-forward-<region>`` (``events:PutEvents``
  on that bus only). Both are in the guardrails' protected namespace: no account administrator
  can delete, disable or retarget the rule, or change the role.
- ``SignInBus``, in security tooling's home region: the bus ``<prefix>response-sign-ins``.
  Its policy admits ``PutEvents`` from principals of the organization only, and only of events
  whose source is ``aws.signin`` with the console sign-in detail type (the ``events:source`` and
  ``events:detail-type`` condition keys: EventBridge user guide, "Using IAM policy conditions in
  Amazon EventBridge"). No principal can put an event with an ``aws.`` source
  (``NotAuthorizedForSourceException``, EventBridge API reference, PutEvents), so what arrives
  is a real sign-in event an account's own bus received, forwarded by a rule. The rule
  ``<prefix>response-triage-member-sign-in`` on this bus starts the triage like the home bus's
  own root sign-in rule. The triage refuses (alerts on) a sign-in of an account the landing
  zone does not know.

Not verified here (no AWS account): that forwarding an ``aws.signin`` event to another
account's bus keeps its source and detail type for the bus policy's conditions (the EventBridge
user guide says events sent between buses keep their content); sign-ins of the management
account (outside the StackSets) are covered by the organization trail's root-use alarm only.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import CfnCondition, Fn
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from landing_zone.common import pseudo
from landing_zone.common.event_bus_policy import event_bus_policy
from landing_zone.common.patterns import ACCOUNT_ID, ORGANIZATION_ID
from landing_zone.response.response_role import execution_role_name
from landing_zone.response.runtime.decisions import CONSOLE_SIGN_IN
from landing_zone.response.workflows import ROOT_SIGN_IN_PATTERN, triage_rule

SIGN_IN_BUS: Final = "sign-ins"
"""The bus ``<prefix>response-sign-ins`` in security tooling's home region."""

FORWARD: Final = "sign-in-forward"
"""The member accounts' rule ``<prefix>response-sign-in-forward`` and its role
``<prefix>response-sign-in-forward-<region>``."""


def sign_in_bus_arn(prefix: str, security_tooling_account_id: str, home_region: str) -> str:
    """The ARN of the bus member accounts forward root sign-ins to."""
    name = execution_role_name(prefix, SIGN_IN_BUS)
    account = security_tooling_account_id
    return f"arn:{pseudo.PARTITION}:events:{home_region}:{account}:event-bus/{name}"


class SignInBus(Construct):
    """The bus ``<prefix>response-sign-ins`` and its rule to the triage function (security
    tooling, home region)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        triage: lambda_.IFunction,
        dead_letter_queue: sqs.Queue,
        organization_id: str,
        name_prefix: str = "lz-",
    ) -> None:
        """
        :param triage: The response triage function.
        :param dead_letter_queue: Where undelivered sign-ins go (the triage rules' queue, whose
            alarm notifies both topics).
        :param organization_id: Only principals of this organization may put events.
        :param name_prefix: The guardrails' protected prefix. Default: ``lz-``.
        """
        super().__init__(scope, construct_id)
        if not ORGANIZATION_ID.fullmatch(organization_id):
            raise ValueError(
                f"organization_id: got {organization_id!r}; allowed: an organization id o-..."
            )
        name = execution_role_name(name_prefix, SIGN_IN_BUS)
        self.bus = events.CfnEventBus(
            self,
            "Bus",
            name=name,
            description="Root console sign-ins forwarded by every member account",
        )
        self.policy = event_bus_policy(
            self,
            "Policy",
            event_bus_name=self.bus.ref,
            statement={
                "Sid": "OrganizationRootSignInsOnly",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "events:PutEvents",
                "Resource": self.bus.attr_arn,
                # events:source and events:detail-type are multivalued (one value per entry of
                # the PutEvents call): every entry must be a console sign-in, and the keys must
                # be there (ForAllValues alone passes a request without them).
                "Condition": {
                    "StringEquals": {"aws:PrincipalOrgID": organization_id},
                    "ForAllValues:StringEquals": {
                        "events:source": ["aws.signin"],
                        "events:detail-type": [CONSOLE_SIGN_IN],
                    },
                    "Null": {"events:source": "false", "events:detail-type": "false"},
                },
            },
        )
        self.rule = triage_rule(
            self,
            "Rule",
            name=execution_role_name(name_prefix, "triage-member-sign-in"),
            description="Member accounts' root console sign-ins to the response triage",
            pattern=ROOT_SIGN_IN_PATTERN,
            function=triage,
            dead_letter_queue=dead_letter_queue,
            event_bus_name=self.bus.ref,
        )
        dead_letter_queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowDeadLettersOfTheMemberSignIns",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[dead_letter_queue.queue_arn],
                conditions={"ArnEquals": {"aws:SourceArn": self.rule.attr_arn}},
            )
        )


class SignInForwarding(Construct):
    """Root console sign-ins of this account and region to the security-tooling bus (account
    baseline; nothing in the security-tooling account itself)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        security_tooling_account_id: str,
        home_region: str,
        name_prefix: str = "lz-",
    ) -> None:
        """
        :param security_tooling_account_id: The account of the ``SignInBus``.
        :param home_region: Its region.
        :param name_prefix: The guardrails' protected prefix. Default: ``lz-``.
        """
        super().__init__(scope, construct_id)
        if not ACCOUNT_ID.fullmatch(security_tooling_account_id):
            raise ValueError(
                "security_tooling_account_id: got "
                f"{security_tooling_account_id!r}; allowed: a 12-digit account id"
            )
        self.condition = CfnCondition(
            self,
            "NotSecurityTooling",
            expression=Fn.condition_not(
                Fn.condition_equals(pseudo.ACCOUNT_ID, security_tooling_account_id)
            ),
        )
        bus_arn = sign_in_bus_arn(name_prefix, security_tooling_account_id, home_region)
        name = execution_role_name(name_prefix, FORWARD)
        # IAM is global and the template runs in every region: one role (and policy, managed
        # so that the checks see no inline policy; its versions are in the protected
        # namespace too) per region.
        regional_name = f"{name}-{pseudo.REGION}"
        self.policy = iam.CfnManagedPolicy(
            self,
            "Policy",
            managed_policy_name=regional_name,
            description="Put root console sign-ins on the response bus in security tooling",
            policy_document={
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "events:PutEvents", "Resource": bus_arn}
                ],
            },
        )
        self.role = iam.CfnRole(
            self,
            "Role",
            role_name=regional_name,
            description="Sends this account's root console sign-ins to the response triage",
            assume_role_policy_document={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": pseudo.ACCOUNT_ID}},
                    }
                ],
            },
            managed_policy_arns=[self.policy.ref],
        )
        self.rule = events.CfnRule(
            self,
            "Rule",
            name=name,
            description="Root user console sign-ins, to the response triage in security tooling",
            event_pattern=ROOT_SIGN_IN_PATTERN,
            state="ENABLED",
            targets=[
                events.CfnRule.TargetProperty(
                    id="SecurityTooling", arn=bus_arn, role_arn=self.role.attr_arn
                )
            ],
        )
        for resource in (self.policy, self.role, self.rule):
            resource.cfn_options.condition = self.condition


__all__ = ["SignInBus", "SignInForwarding", "sign_in_bus_arn"]
