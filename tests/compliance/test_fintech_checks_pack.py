import json
from pathlib import Path
from typing import Any, cast

import jsii
import pytest
from aws_cdk import (
    Acknowledgment,
    App,
    CfnParameter,
    CfnResource,
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    NestedStack,
    RemovalPolicy,
    Stack,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from cdk_nag import NagRuleCompliance
from cdk_stacksets import StackSetStack
from conftest import ReferenceApp
from constructs import IConstruct
from fintech_view import view

from landing_zone.common import ProtectedNamespace
from landing_zone.compliance import FINTECH_RULES, PACK_NAME, FintechChecks, violations
from landing_zone.compliance.acknowledgments import UnknownAcknowledgmentError
from landing_zone.compliance.assembly import (
    assembly_templates,
    read_json,
    stack_templates,
    synthesize,
    tree_resources,
)

RETAINED = "Fintech-StatefulResourceRetained"
WILDCARD = "Fintech-IAMNoWildcardActions"
KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"


@pytest.fixture
def stack() -> Stack:
    return Stack(App(builtin_cloud_formation_validation=False), "Test")


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

    assert [rule.check(view(subscription)) for rule in FINTECH_RULES] == [
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


def test_cli_suggested_plugin_prefix_is_rejected_with_the_plain_id(stack: Stack) -> None:
    # `cdk synth` prints "Acknowledge with 'Fintech::Fintech-…'"; the packs ignore that form,
    # so the check refuses it and names the plain id (landing_zone.compliance.checks).
    _destroyed_log_group(stack, "Logs")
    _acknowledge(stack, f"{PACK_NAME}::{RETAINED}")

    with pytest.raises(UnknownAcknowledgmentError, match=f"plain id '{RETAINED}' instead"):
        violations(stack, [FintechChecks()])


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


def test_acknowledging_a_finding_no_rule_reports_is_harmless(stack: Stack) -> None:
    kept = _destroyed_log_group(stack, "Kept")
    _acknowledge(kept, f"{WILDCARD}[Action::nothing]")

    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RETAINED}: Test/Kept/Resource"]}


def test_acknowledging_a_rule_no_pack_has_is_rejected(stack: Stack) -> None:
    kept = _destroyed_log_group(stack, "Kept")
    _acknowledge(kept, "Fintech-NoSuchRule")

    with pytest.raises(UnknownAcknowledgmentError, match="/Test/Kept: acknowledges 'Fintech-NoSu"):
        violations(stack, [FintechChecks()])


def test_the_rules_read_the_synthesized_template_overrides_included(stack: Stack) -> None:
    # A tree-walking pack read cfn_options and missed the overrides; CloudFormation does not.
    log_group = _destroyed_log_group(stack, "Logs")
    resource = cast(CfnResource, log_group.node.default_child)
    resource.add_override("DeletionPolicy", "Retain")
    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RETAINED}: Test/Logs/Resource"]}

    resource.add_override("UpdateReplacePolicy", "Retain")
    _destroyed_log_group(stack, "Added")  # a new construct: the app is synthesized again

    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RETAINED}: Test/Added/Resource"]}


def _synth_report(app: App, outdir: Path) -> list[tuple[str, str]]:
    """The Fintech findings of CDK's report at synth, by rule id and construct path."""
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((outdir / "validation-report.json").read_text())
    (fintech,) = (p for p in report["pluginReports"] if p["pluginName"] == PACK_NAME)
    return sorted(
        (violation["ruleName"], resource["constructPath"])
        for violation in fintech["violations"]
        for resource in violation["violatingConstructs"]
    )


def test_synth_checks_stack_set_and_nested_stack_templates(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    parent = Stack(app, "Parent")
    _destroyed_log_group(StackSetStack(parent, "Set"), "Logs")
    _destroyed_log_group(NestedStack(parent, "Nested"), "Logs")
    Validations.of(app).add_plugins(cast(IPolicyValidationPlugin, FintechChecks(app)))

    assert _synth_report(app, tmp_path) == [
        (RETAINED, "Parent/Nested/Logs/Resource"),
        (RETAINED, "Parent/Set/Logs/Resource"),
    ]


def test_synth_reads_each_templates_own_stack_mark(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    parent = Stack(app, "Parent")
    stack_set = StackSetStack(parent, "Set")
    ProtectedNamespace.mark(stack_set)
    sns.Topic(stack_set, "Unnamed")
    sns.Topic(parent, "Unnamed")  # the parent is not marked: its generated names are its own
    _destroyed_log_group(parent, "Logs")  # something to fail synth with in any case
    Validations.of(app).add_plugins(cast(IPolicyValidationPlugin, FintechChecks(app)))

    assert _synth_report(app, tmp_path) == [
        ("Fintech-ProtectedNamespace[GeneratedName]", "Parent/Set/Unnamed/Resource"),
        (RETAINED, "Parent/Logs/Resource"),
    ]


def test_the_pack_alone_writes_and_reads_acknowledgments_at_synth(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    stack = Stack(app, "Test")
    _acknowledge(_destroyed_log_group(stack, "Kept"), RETAINED)
    _destroyed_log_group(stack, "Other")
    pack = FintechChecks(app, write_suppressions_to_cloud_formation=True)
    Validations.of(app).add_plugins(cast(IPolicyValidationPlugin, pack))

    assert _synth_report(app, tmp_path) == [(RETAINED, "Test/Other/Resource")]
    resources = json.loads((tmp_path / "Test.template.json").read_text())["Resources"]
    (kept,) = (r for key, r in resources.items() if key.startswith("Kept"))
    assert kept["Metadata"]["cdk_nag"]["rules_to_suppress"] == [
        {"id": RETAINED, "reason": "Sandbox data, rebuilt from source every night."}
    ]


def test_without_the_metadata_no_acknowledgment_counts_at_synth(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    stack = Stack(app, "Test")
    _acknowledge(_destroyed_log_group(stack, "Kept"), RETAINED)
    Validations.of(app).add_plugins(cast(IPolicyValidationPlugin, FintechChecks()))

    assert _synth_report(app, tmp_path) == [(RETAINED, "Test/Kept/Resource")]


@jsii.implements(IPolicyValidationContext)
class _Context:
    def __init__(self, app: App, templates: list[Path]) -> None:
        self._app = app
        self._templates = templates

    @property
    def template_paths(self) -> list[str]:
        return [str(path) for path in self._templates]

    @property
    def stack_templates(self) -> list[Any]:
        return []

    @property
    def app_construct(self) -> App:
        return self._app

    @property
    def account_id(self) -> str | None:
        return None

    @property
    def region(self) -> str | None:
        return None


def test_a_template_that_cannot_be_read_fails_instead_of_passing(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"version": "1", "artifacts": {}}')
    broken = tmp_path / "Broken.template.json"
    broken.write_text('{"Resources": {')

    with pytest.raises(json.JSONDecodeError):
        FintechChecks().validate(cast(IPolicyValidationContext, _Context(App(), [broken])))


def test_a_template_asset_that_is_missing_fails(tmp_path: Path) -> None:
    assets = {
        "files": {"h": {"source": {"path": "Gone.stackset.template.json", "packaging": "file"}}}
    }
    (tmp_path / "Parent.assets.json").write_text(json.dumps(assets))
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "version": "1",
                "artifacts": {
                    "Parent.assets": {
                        "type": "cdk:asset-manifest",
                        "properties": {"file": "Parent.assets.json"},
                    }
                },
            }
        )
    )
    parent = tmp_path / "Parent.template.json"
    parent.write_text('{"Resources": {}}')

    with pytest.raises(FileNotFoundError, match=r"Gone\.stackset\.template\.json"):
        FintechChecks().validate(cast(IPolicyValidationContext, _Context(App(), [parent])))


def test_every_resource_of_the_reference_app_is_checked(reference_app: ReferenceApp) -> None:
    """The templates the pack reads hold exactly the CfnResources of the construct tree, the
    StackSet templates' included."""
    files = assembly_templates(stack_templates(synthesize(reference_app.app)))
    checked = {
        (file.name, logical_id) for file in files for logical_id in read_json(file)["Resources"]
    }
    tree = tree_resources(reference_app.app)
    in_tree = {(name, logical_id) for name, ids in tree.paths.items() for logical_id in ids}

    assert checked == in_tree
    assert len({name for name, _ in checked if name.endswith(".stackset.template.json")}) == 10


def test_stack_marks_finds_stacks_below_their_stack_and_deeper_ones_too() -> None:
    from aws_cdk import App, NestedStack, Stack
    from constructs import Construct

    from landing_zone.compliance.assembly import stack_marks

    app = App()
    parent = Stack(app, "Parent")
    ProtectedNamespace.mark(parent, prefix="ab-")
    direct = NestedStack(parent, "Direct")
    ProtectedNamespace.mark(direct, prefix="cd-")
    deeper = NestedStack(Construct(parent, "Wrapper"), "Deeper")
    ProtectedNamespace.mark(deeper, prefix="ef-")
    wanted = {parent.template_file, direct.template_file, deeper.template_file, "gone.json"}

    marks = stack_marks(app, wanted)

    assert marks[parent.template_file].prefix == "ab-"  # type: ignore[union-attr]
    assert marks[direct.template_file].prefix == "cd-"  # type: ignore[union-attr]
    assert marks[deeper.template_file].prefix == "ef-"  # type: ignore[union-attr]
    assert isinstance(marks["gone.json"], LookupError)


def test_metadata_written_by_hand_without_a_reason_acknowledges_nothing(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    stack = Stack(app, "Test")
    forged = _destroyed_log_group(stack, "Forged")
    resource = forged.node.default_child
    assert isinstance(resource, CfnResource)
    # What the aspect writes, but by hand and with no reason (or a blank one).
    resource.add_metadata("cdk_nag", {"rules_to_suppress": [{"id": RETAINED}]})
    blank = _destroyed_log_group(stack, "Blank")
    blank_resource = blank.node.default_child
    assert isinstance(blank_resource, CfnResource)
    blank_resource.add_metadata(
        "cdk_nag", {"rules_to_suppress": [{"id": RETAINED, "reason": "   ok     "}]}
    )
    Validations.of(app).add_plugins(cast(IPolicyValidationPlugin, FintechChecks()))

    assert _synth_report(app, tmp_path) == [
        (RETAINED, "Test/Blank/Resource"),
        (RETAINED, "Test/Forged/Resource"),
    ]


def test_an_acknowledgment_needs_a_reason(stack: Stack) -> None:
    group = _destroyed_log_group(stack, "Logs")
    Validations.of(group).acknowledge(Acknowledgment(id=RETAINED, reason="because"))

    assert violations(stack, [FintechChecks()]) == {"Fintech": [f"{RETAINED}: Test/Logs/Resource"]}
