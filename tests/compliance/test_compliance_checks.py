import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Acknowledgment, App, RemovalPolicy, Stack, Validations
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks

from landing_zone.compliance import (
    FintechChecks,
    apply_compliance_checks,
    compliance_packs,
    violations,
)

PACK_NAMES = ["AwsSolutions", "PCI.DSS.321", "NIST.800.53.R5", "Fintech"]
REASON = "Scratch bucket of the compliance test, emptied by its own lifecycle."


@dataclass(frozen=True)
class Synthesized:
    pack_names: list[str]
    error: str
    outdir: Path

    def json(self, name: str) -> Any:
        return json.loads((self.outdir / name).read_text())


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """One synth (seconds) of an app holding a bucket that every pack objects to."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = App(outdir=str(outdir))
    bucket = s3.Bucket(Stack(app, "Test"), "Bucket", removal_policy=RemovalPolicy.DESTROY)
    Validations.of(bucket).acknowledge(
        Acknowledgment(id="Fintech-StatefulResourceRetained", reason=REASON)
    )
    pack_names = apply_compliance_checks(app)
    with pytest.raises(RuntimeError) as failure:
        app.synth()
    return Synthesized(pack_names, str(failure.value), outdir)


def test_compliance_packs_are_the_four_packs() -> None:
    packs = compliance_packs(None)

    assert [type(pack) for pack in packs] == [
        AwsSolutionsChecks,
        PCIDSS321Checks,
        NIST80053R5Checks,
        FintechChecks,
    ]
    assert [pack.name for pack in packs] == PACK_NAMES


def test_apply_registers_the_four_packs_and_findings_fail_synth(synthesized: Synthesized) -> None:
    report = synthesized.json("validation-report.json")
    failed = {
        plugin["pluginName"]
        for plugin in report["pluginReports"]
        if plugin["conclusion"] == "failure"
    }

    assert synthesized.pack_names == PACK_NAMES
    assert set(PACK_NAMES) <= failed
    assert "ValidationFailed" in synthesized.error


def test_synth_honours_acknowledgments(synthesized: Synthesized) -> None:
    report = synthesized.json("validation-report.json")
    (fintech,) = (p for p in report["pluginReports"] if p["pluginName"] == "Fintech")

    assert [v["ruleName"] for v in fintech["violations"]] == [
        "Fintech-S3BucketKMSEncryption",
        "Fintech-S3BucketTlsOnly",
    ]


def test_acknowledgments_are_written_into_the_template(synthesized: Synthesized) -> None:
    resources = synthesized.json("Test.template.json")["Resources"]
    (bucket,) = (r for r in resources.values() if r["Type"] == "AWS::S3::Bucket")

    assert bucket["Metadata"]["cdk_nag"] == {
        "rules_to_suppress": [{"id": "Fintech-StatefulResourceRetained", "reason": REASON}]
    }


def test_violations_lists_each_pack_with_findings() -> None:
    stack = Stack(App(), "Test")
    s3.Bucket(stack, "Bucket", removal_policy=RemovalPolicy.DESTROY)

    found = violations(stack)

    assert list(found) == PACK_NAMES
    assert found["Fintech"] == [
        "Fintech-S3BucketKMSEncryption: Test/Bucket/Resource",
        "Fintech-S3BucketTlsOnly: Test/Bucket/Resource",
        "Fintech-StatefulResourceRetained: Test/Bucket/Resource",
    ]


def test_violations_is_empty_without_findings() -> None:
    assert violations(Stack(App(), "Test")) == {}


def test_violations_does_not_change_the_tree() -> None:
    # Otherwise a compliance test run first would add metadata to another test's snapshot.
    app = App()
    bucket = s3.Bucket(Stack(app, "Test"), "Bucket", removal_policy=RemovalPolicy.RETAIN)
    Validations.of(bucket).acknowledge(Acknowledgment(id="AwsSolutions-S1", reason=REASON))

    violations(bucket)
    resources = app.synth().get_stack_by_name("Test").template["Resources"]
    (synthesized,) = (r for r in resources.values() if r["Type"] == "AWS::S3::Bucket")

    assert "cdk_nag" not in synthesized.get("Metadata", {})
