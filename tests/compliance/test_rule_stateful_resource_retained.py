from typing import cast

import pytest
from aws_cdk import App, CfnDeletionPolicy, CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_cloudformation as cloudformation
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_organizations as organizations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagRuleCompliance
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import stateful_resource_retained

RULE = "Fintech-StatefulResourceRetained"


@pytest.fixture
def stack() -> Stack:
    return Stack(App(builtin_cloud_formation_validation=False), "Test")


def _bucket(stack: Stack, removal_policy: RemovalPolicy) -> CfnResource:
    bucket = s3.Bucket(stack, "Bucket", removal_policy=removal_policy)
    return cast(CfnResource, bucket.node.default_child)


def _cfn_bucket(
    stack: Stack, deletion: CfnDeletionPolicy | None, update_replace: CfnDeletionPolicy | None
) -> CfnResource:
    bucket = s3.CfnBucket(stack, "Bucket")
    bucket.cfn_options.deletion_policy = deletion
    bucket.cfn_options.update_replace_policy = update_replace
    return bucket


def test_retained_bucket_is_compliant(stack: Stack) -> None:
    assert (
        stateful_resource_retained(view(_bucket(stack, RemovalPolicy.RETAIN)))
        == NagRuleCompliance.COMPLIANT
    )


def test_log_group_retained_by_default_is_compliant(stack: Stack) -> None:
    log_group = logs.LogGroup(stack, "Logs")

    assert (
        stateful_resource_retained(view(cast(CfnResource, log_group.node.default_child)))
        == NagRuleCompliance.COMPLIANT
    )


@pytest.mark.parametrize(
    "removal_policy",
    [
        pytest.param(RemovalPolicy.DESTROY, id="destroy"),
        # DeletionPolicy RetainExceptOnCreate: lost if the creating deployment rolls back.
        pytest.param(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, id="retain-except-on-create"),
    ],
)
def test_bucket_not_retained_is_non_compliant(stack: Stack, removal_policy: RemovalPolicy) -> None:
    assert (
        stateful_resource_retained(view(_bucket(stack, removal_policy)))
        == NagRuleCompliance.NON_COMPLIANT
    )


@pytest.mark.parametrize(
    ("deletion", "update_replace"),
    [
        pytest.param(None, None, id="cloudformation-defaults"),
        pytest.param(CfnDeletionPolicy.RETAIN, None, id="replaced-on-update"),
        pytest.param(CfnDeletionPolicy.RETAIN, CfnDeletionPolicy.DELETE, id="deleted-on-replace"),
        pytest.param(CfnDeletionPolicy.DELETE, CfnDeletionPolicy.RETAIN, id="deleted-with-stack"),
    ],
)
def test_both_policies_must_retain(
    stack: Stack, deletion: CfnDeletionPolicy | None, update_replace: CfnDeletionPolicy | None
) -> None:
    assert (
        stateful_resource_retained(view(_cfn_bucket(stack, deletion, update_replace)))
        == NagRuleCompliance.NON_COMPLIANT
    )


@pytest.mark.parametrize(
    ("deletion", "expected"),
    [
        pytest.param(CfnDeletionPolicy.RETAIN, NagRuleCompliance.COMPLIANT, id="retained"),
        pytest.param(None, NagRuleCompliance.NON_COMPLIANT, id="deleted-with-its-instances"),
    ],
)
def test_stack_set_must_retain(
    stack: Stack, deletion: CfnDeletionPolicy | None, expected: NagRuleCompliance
) -> None:
    # The StackSet resource's delete handler deletes every stack instance first.
    stack_set = cloudformation.CfnStackSet(
        stack, "StackSet", permission_model="SERVICE_MANAGED", stack_set_name="defenses"
    )
    stack_set.cfn_options.deletion_policy = deletion
    stack_set.cfn_options.update_replace_policy = deletion

    assert stateful_resource_retained(view(stack_set)) == expected


def test_account_must_retain_explicitly(stack: Stack) -> None:
    # CloudFormation retains accounts by default; the template must still say so.
    account = organizations.CfnAccount(
        stack, "Account", account_name="log-archive", email="log-archive@example.com"
    )

    assert stateful_resource_retained(view(account)) == NagRuleCompliance.NON_COMPLIANT


@pytest.mark.parametrize(
    "resource_type",
    [
        pytest.param(sqs.CfnQueue, id="queue"),
        pytest.param(sns.CfnTopic, id="topic"),
    ],
)
def test_message_passing_resources_are_not_applicable(
    stack: Stack, resource_type: type[sqs.CfnQueue] | type[sns.CfnTopic]
) -> None:
    assert stateful_resource_retained(view(resource_type(stack, "Messages"))) == (
        NagRuleCompliance.NOT_APPLICABLE
    )


def _imported_key(stack: Stack) -> kms.IKey:
    # A key made here would carry CDK's default policy (root kms:*), a finding of its own.
    return kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"
    )


def test_pack_reports_the_destroyed_log_group(stack: Stack) -> None:
    logs.LogGroup(
        stack, "Logs", encryption_key=_imported_key(stack), removal_policy=RemovalPolicy.DESTROY
    )

    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RULE}: Test/Logs/Resource"]}


def test_pack_passes_the_retained_log_group(stack: Stack) -> None:
    logs.LogGroup(
        stack, "Logs", encryption_key=_imported_key(stack), removal_policy=RemovalPolicy.RETAIN
    )

    assert violations(stack, [FintechChecks()]) == {}
