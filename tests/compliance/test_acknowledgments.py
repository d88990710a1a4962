"""An acknowledgment must name a rule of the packs applied: an unknown rule id fails the check
(in tests through ``violations``, at synth through the Fintech pack) with the file, the
construct path, the id and what is allowed."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

import cdk_nag
import pytest
from aws_cdk import Acknowledgment, App, Stack, Validations
from aws_cdk import aws_sns as sns
from conftest import cdk_context

from landing_zone.compliance import apply_compliance_checks, violations
from landing_zone.compliance.acknowledgments import (
    APPLIED_PACK_RULE_IDS,
    UnknownAcknowledgmentError,
    is_known,
    plain_rule_id,
)
from landing_zone.compliance.assembly import assembly_acknowledgments, stack_templates
from landing_zone.compliance.nag_rule_ids import CDK_NAG_VERSION, PACK_RULE_IDS

PACK_FILES = {
    "AwsSolutions": "aws-solutions",
    "PCI.DSS.321": "pci-dss-321",
    "NIST.800.53.R5": "nist-800-53-r5",
}
REASON = "A reason long enough to count as one."


def _installed_rule_ids() -> tuple[str, dict[str, list[str]]]:
    """The version and rule ids of the installed cdk-nag, read from its jsii bundle: a rule's
    id is ``<pack>-<ruleSuffixOverride>``, or ``<pack>-<rule file name>`` without one."""
    (bundle,) = (Path(cdk_nag.__file__).parent / "_jsii").glob("cdk-nag@*.jsii.tgz")
    version = bundle.name.removeprefix("cdk-nag@").removesuffix(".jsii.tgz")
    found: dict[str, list[str]] = {}
    with tarfile.open(bundle) as archive:
        for pack, file in PACK_FILES.items():
            member = archive.extractfile(f"package/lib/packs/{file}.js")
            assert member is not None
            source = member.read().decode()
            ids = []
            for block in source.split("this.applyRule({")[1:]:
                block = block[: block.index("});")]
                override = re.search(r"ruleSuffixOverride: '([^']+)'", block)
                rule = re.search(r"rule: [a-z_0-9]+\.([A-Za-z0-9]+)", block)
                assert override or rule, block
                ids.append(f"{pack}-{override.group(1) if override else rule.group(1)}")  # type: ignore[union-attr]
            found[pack] = sorted(set(ids))
    return version, found


def test_the_recorded_rule_ids_are_those_of_the_installed_cdk_nag() -> None:
    version, installed = _installed_rule_ids()
    assert version == CDK_NAG_VERSION
    assert {pack: list(ids) for pack, ids in PACK_RULE_IDS.items()} == installed


def test_every_applied_pack_has_rules() -> None:
    assert set(APPLIED_PACK_RULE_IDS) == {
        "AwsSolutions",
        "PCI.DSS.321",
        "NIST.800.53.R5",
        "Fintech",
    }
    assert all(APPLIED_PACK_RULE_IDS.values())


@pytest.mark.parametrize(
    "rule_id",
    [
        "AwsSolutions-S1",
        "AwsSolutions-IAM5[Resource::*]",
        "PCI.DSS.321-S3BucketReplicationEnabled",
        "NIST.800.53.R5-DynamoDBInBackupPlan",
        "Fintech-StatefulResourceRetained",
        "Fintech-IAMNoWildcardActions[Action::s3:*]",
        "CloudFormation-Validate::W3010",
    ],
)
def test_known_rule_ids(rule_id: str) -> None:
    assert is_known(rule_id)


@pytest.mark.parametrize(
    "rule_id",
    [
        "AwsSolutions-S99",
        "PCI.DSS.321-DynamoDBInBackupPlan",
        "Fintech::Fintech-StatefulResourceRetained",
        "HIPAA.Security-S3BucketLoggingEnabled",
        "Fintech-StatefulResource",
    ],
)
def test_unknown_rule_ids(rule_id: str) -> None:
    assert not is_known(rule_id)


def test_annotation_prefix_is_dropped() -> None:
    assert plain_rule_id("Annotation::AwsSolutions-S1") == "AwsSolutions-S1"
    assert plain_rule_id("annotation::Fintech-LogBucketWorm") == "Fintech-LogBucketWorm"
    assert plain_rule_id("AwsSolutions-S1") == "AwsSolutions-S1"


def _stack_acknowledging(*rule_ids: str) -> Stack:
    stack = Stack(App(context=cdk_context()), "Acks")
    topic = sns.Topic(stack, "Topic")
    Validations.of(topic).acknowledge(
        *(Acknowledgment(id=rule_id, reason=REASON) for rule_id in rule_ids)
    )
    return stack


def test_rejects_an_acknowledgment_of_an_unknown_rule_naming_file_path_and_id() -> None:
    stack = _stack_acknowledging("AwsSolutions-SNS3", "AwsSolutions-SNS99")
    with pytest.raises(UnknownAcknowledgmentError) as raised:
        violations(stack)
    message = str(raised.value)
    assert message.startswith("1 acknowledgment of unknown rule ids:")
    assert re.search(
        r"Acks\.metadata\.json: /Acks/Topic: acknowledges 'AwsSolutions-SNS99', which is no "
        r"rule of the packs applied; allowed: a rule id of AwsSolutions, PCI\.DSS\.321, "
        r"NIST\.800\.53\.R5, Fintech",
        message,
    )
    assert "Did you mean 'AwsSolutions-SNS3'?" in message
    assert [ack.rule_id for ack in raised.value.unknown] == ["AwsSolutions-SNS99"]


def test_the_fintech_cli_form_is_rejected_with_the_plain_id_to_use() -> None:
    with pytest.raises(UnknownAcknowledgmentError, match="plain id 'Fintech-StatefulResourceRet"):
        violations(_stack_acknowledging("Fintech::Fintech-StatefulResourceRetained"))


def test_known_acknowledgments_pass_the_check() -> None:
    stack = _stack_acknowledging("AwsSolutions-SNS3", "Fintech-StatefulResourceRetained")
    found = violations(stack)
    assert "AwsSolutions" not in found  # SNS3, the topic's only AwsSolutions finding, is silenced
    assert found["PCI.DSS.321"] == ["PCI.DSS.321-SNSEncryptedKMS: Acks/Topic/Resource"]


def test_only_acknowledgments_under_the_scope_are_checked() -> None:
    app = App(context=cdk_context())
    bad = Stack(app, "Bad")
    Validations.of(sns.Topic(bad, "Topic")).acknowledge(
        Acknowledgment(id="AwsSolutions-SNS99", reason=REASON)
    )
    good = Stack(app, "Good")
    sns.Topic(good, "Topic")
    violations(good)
    with pytest.raises(UnknownAcknowledgmentError):
        violations(bad)


def test_the_assembly_records_each_acknowledgment_with_its_construct_path() -> None:
    stack = _stack_acknowledging("AwsSolutions-SNS3")
    app = stack.node.root
    assert isinstance(app, App)
    acknowledgments = assembly_acknowledgments(stack_templates(app.synth()))
    assert [(ack.path, ack.rule_id) for ack in acknowledgments] == [
        ("/Acks/Topic", "AwsSolutions-SNS3")
    ]
    assert Path(acknowledgments[0].file).name in {"Acks.metadata.json", "manifest.json"}


def test_synth_fails_on_an_acknowledgment_of_an_unknown_rule(tmp_path: Path) -> None:
    app = App(context=cdk_context(), outdir=str(tmp_path))
    stack = Stack(app, "Acks")
    Validations.of(sns.Topic(stack, "Topic")).acknowledge(
        Acknowledgment(id="AwsSolutions-SNS99", reason=REASON)
    )
    apply_compliance_checks(app)
    with pytest.raises(RuntimeError, match="Validation plugin 'Fintech' failed"):
        app.synth()
    report = (tmp_path / "validation-report.json").read_text(encoding="utf-8")
    assert "acknowledges 'AwsSolutions-SNS99'" in report
