import pytest
from aws_cdk import Acknowledgment, App, CfnParameter, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from cdk_nag import NagRuleCompliance
from constructs import IConstruct

from landing_zone.compliance import FINTECH_RULES, PACK_NAME, FintechChecks, violations

RETAINED = "Fintech-StatefulResourceRetained"
WILDCARD = "Fintech-IAMNoWildcardActions"
KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"


@pytest.fixture
def stack() -> Stack:
    return Stack(App(), "Test")


def _acknowledge(construct: IConstruct, rule_id: str) -> None:
    Validations.of(construct).acknowledge(
        Acknowledgment(id=rule_id, reason="Sandbox data, rebuilt from source every night.")
    )


def _destroyed_log_group(stack: Stack, construct_id: str) -> logs.LogGroup:
    """A log group whose only finding is Fintech-StatefulResourceRetained."""
    return logs.LogGroup(
        stack,
        construct_id,
        # Imported: a key of the stack would bring findings of its own.
        encryption_key=kms.Key.from_key_arn(stack, f"{construct_id}Key", KEY_ARN),
        removal_policy=RemovalPolicy.DESTROY,
    )


def _wide_role(stack: Stack) -> iam.Role:
    return iam.Role(
        stack,
        "Role",
        assumed_by=iam.AccountRootPrincipal(),
        inline_policies={
            "Wide": iam.PolicyDocument.from_json(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": ["s3:*", "*"], "Resource": "*"}],
                }
            )
        },
    )


def test_rule_ids_are_the_published_ones() -> None:
    # Acknowledgments in users' code name these ids: renaming one silently breaks them.
    assert PACK_NAME == FintechChecks().name == "Fintech"
    assert [f"{PACK_NAME}-{rule.suffix}" for rule in FINTECH_RULES] == [
        "Fintech-BedrockInferenceGuarded",
        "Fintech-GuardrailFiltersPiiAndPromptAttacks",
        "Fintech-IAMNoWildcardActions",
        "Fintech-KmsKeyPolicyScoped",
        "Fintech-LoadBalancerListenerTls",
        "Fintech-LogBucketWorm",
        "Fintech-LogGroupRetentionAndKms",
        "Fintech-PermissionSetSessionDuration",
        "Fintech-ProtectedNamespace",
        "Fintech-RoleTrustScoped",
        "Fintech-S3BucketKMSEncryption",
        "Fintech-S3BucketTlsOnly",
        "Fintech-SageMakerEncryptedAndVpcBound",
        "Fintech-StatefulResourceRetained",
        "Fintech-TrailValidatedAndEncrypted",
        "Fintech-VpcFlowLogsEnabled",
        "Fintech-WebAclLoggedAndProtected",
    ]


def test_rules_only_judge_their_resource_types(stack: Stack) -> None:
    subscription = sns.CfnSubscription(
        stack, "Subscription", protocol="email", topic_arn="arn:aws:sns:eu-west-1:1:t"
    )

    assert [rule.check(subscription) for rule in FINTECH_RULES] == [
        NagRuleCompliance.NOT_APPLICABLE
    ] * 17


def test_verbose_findings_carry_the_explanation(stack: Stack) -> None:
    _destroyed_log_group(stack, "Logs")
    rule = next(rule for rule in FINTECH_RULES if rule.suffix == "StatefulResourceRetained")

    terse = FintechChecks().validate_scope(stack).violations[0]
    verbose = FintechChecks(verbose=True).validate_scope(stack).violations[0]

    assert terse.description == rule.info
    assert verbose.description == f"{rule.info} {rule.explanation}"
    assert verbose.severity == "error"


def test_acknowledgment_with_a_reason_removes_the_finding(stack: Stack) -> None:
    kept = _destroyed_log_group(stack, "Kept")
    _destroyed_log_group(stack, "Other")
    _acknowledge(kept, RETAINED)

    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RETAINED}: Test/Other/Resource"]}


def test_acknowledgment_covers_the_constructs_below(stack: Stack) -> None:
    _destroyed_log_group(stack, "Logs")
    _acknowledge(stack, RETAINED)

    assert violations(stack, [FintechChecks()]) == {}


def test_granular_acknowledgment_removes_only_its_finding(stack: Stack) -> None:
    role = _wide_role(stack)
    _acknowledge(role, f"{WILDCARD}[Action::s3:*]")

    # The "*" also grants Bedrock inference without a guardrail, a finding of its own.
    assert violations(stack, [FintechChecks()]) == {
        "Fintech": [
            "Fintech-BedrockInferenceGuarded[Statement::0]: Test/Role/Resource",
            f"{WILDCARD}[Action::*]: Test/Role/Resource",
        ]
    }


def test_rule_id_does_not_acknowledge_granular_findings(stack: Stack) -> None:
    role = _wide_role(stack)
    _acknowledge(role, WILDCARD)

    assert violations(stack, [FintechChecks()]) == {
        "Fintech": [
            "Fintech-BedrockInferenceGuarded[Statement::0]: Test/Role/Resource",
            f"{WILDCARD}[Action::*]: Test/Role/Resource",
            f"{WILDCARD}[Action::s3:*]: Test/Role/Resource",
        ]
    }


def test_cli_suggested_plugin_prefix_is_not_honoured_by_cdk_nag(stack: Stack) -> None:
    # `cdk synth` prints "Acknowledge with 'Fintech::Fintech-…'"; cdk-nag itself ignores that form.
    _destroyed_log_group(stack, "Logs")
    _acknowledge(stack, f"{PACK_NAME}::{RETAINED}")

    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RETAINED}: Test/Logs/Resource"]}


def test_unreadable_resource_fails_closed_and_can_be_acknowledged(stack: Stack) -> None:
    policy = iam.CfnManagedPolicy(
        stack, "Managed", policy_document=CfnParameter(stack, "Document").value_as_string
    )

    report = FintechChecks(verbose=True).validate_scope(stack)
    _acknowledge(policy, WILDCARD)
    _acknowledge(policy, "Fintech-BedrockInferenceGuarded")

    unreadable = (
        "Rule threw an error during validation. cannot read 'Statement': "
        "{'Ref': 'Document'} is not a literal object"
    )
    assert [(v.rule_name, v.description) for v in report.violations] == [
        ("Fintech-BedrockInferenceGuarded", unreadable),
        (WILDCARD, unreadable),
    ]
    assert violations(stack, [FintechChecks()]) == {}


def test_only_findings_and_errors_cross_into_cdk_nag(stack: Stack, monkeypatch) -> None:
    # A compliant resource is decided in Python: cdk-nag's applyRule would record nothing for
    # it, and each call costs round trips to Node. A finding still goes through applyRule.
    applied: list[str] = []
    original = FintechChecks._apply_rule

    def counting(self, params) -> None:
        applied.append(f"{params.rule_suffix_override}: {params.node.node.path}")
        original(self, params)

    monkeypatch.setattr(FintechChecks, "_apply_rule", counting)
    logs.LogGroup(
        stack,
        "Kept",
        encryption_key=kms.Key.from_key_arn(stack, "KeptKey", KEY_ARN),
        removal_policy=RemovalPolicy.RETAIN,
    )
    _destroyed_log_group(stack, "Logs")

    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RETAINED}: Test/Logs/Resource"]}
    assert applied == ["StatefulResourceRetained: Test/Logs/Resource"]
