"""The review report of an app the check packs object to: findings, acknowledgments, SARIF,
the posture diff against a base, and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from aws_cdk import Acknowledgment, App, RemovalPolicy, Stack, Validations
from aws_cdk import aws_s3 as s3
from review_report_helpers import FILES, Written, run_report

from landing_zone.compliance import apply_compliance_checks
from landing_zone.report.diff import posture_diff

REASON = "Scratch bucket of the report test, emptied by its own lifecycle."
SHORT_REASON = "short"
TEMPLATE = "Test.template.json"


@pytest.fixture(scope="module")
def assembly_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two buckets the packs object to, one acknowledgment with a reason and one without."""
    outdir = tmp_path_factory.mktemp("noncompliant") / "cdk.out"
    app = App(outdir=str(outdir))
    stack = Stack(app, "Test")
    bucket = s3.Bucket(stack, "Bucket", removal_policy=RemovalPolicy.DESTROY)
    Validations.of(bucket).acknowledge(
        Acknowledgment(id="Fintech-StatefulResourceRetained", reason=REASON)
    )
    other = s3.Bucket(stack, "Other")
    Validations.of(other).acknowledge(Acknowledgment(id="AwsSolutions-S1", reason=SHORT_REASON))
    apply_compliance_checks(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    return outdir


@pytest.fixture(scope="module")
def written(assembly_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Written:
    out = tmp_path_factory.mktemp("report")
    status, _, _ = run_report(None, str(assembly_dir), "--out", str(out))
    assert status == 0
    return Written(out, "")


def _template(assembly_dir: Path) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((assembly_dir / TEMPLATE).read_text())
    return body


def _logical_id(assembly_dir: Path, acknowledged_rule: str) -> str:
    """The bucket whose metadata acknowledges ``acknowledged_rule``."""
    (found,) = (
        str(logical_id)
        for logical_id, resource in _template(assembly_dir)["Resources"].items()
        if any(
            rule["id"] == acknowledged_rule
            for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
        )
    )
    return found


def _violations(assembly_dir: Path) -> set[tuple[str, str]]:
    report = json.loads((assembly_dir / "validation-report.json").read_text())
    return {
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        if plugin["pluginName"] != "Construct Annotations"
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    }


def test_every_finding_of_the_validation_report_is_reported_at_its_resource(
    written: Written, assembly_dir: Path
) -> None:
    findings = written.json["findings"]
    bucket = _logical_id(assembly_dir, "Fintech-StatefulResourceRetained")
    other = _logical_id(assembly_dir, "AwsSolutions-S1")
    by_path = {"Test/Bucket/Resource": bucket, "Test/Other/Resource": other}

    assert {(f["rule_id"], f["construct_path"]) for f in findings} == _violations(assembly_dir)
    for finding in findings:
        assert (finding["template"], finding["logical_id"]) == (
            TEMPLATE,
            by_path[finding["construct_path"]],
        )
    attention = written.markdown.split("## Needs attention", 1)[1].split("\n## ", 1)[0]
    assert attention.count("unacknowledged finding on") == len(findings)


def test_acknowledgments_carry_their_reasons(written: Written, assembly_dir: Path) -> None:
    acknowledgments = {a["rule_id"]: a for a in written.json["acknowledgments"]}
    bucket = _logical_id(assembly_dir, "Fintech-StatefulResourceRetained")
    other = _logical_id(assembly_dir, "AwsSolutions-S1")

    assert acknowledgments == {
        "Fintech-StatefulResourceRetained": {
            "rule_id": "Fintech-StatefulResourceRetained",
            "reason": REASON,
            "reason_ok": True,
            "resources": [{"template": TEMPLATE, "logical_id": bucket}],
        },
        "AwsSolutions-S1": {
            "rule_id": "AwsSolutions-S1",
            "reason": SHORT_REASON,
            "reason_ok": False,
            "resources": [{"template": TEMPLATE, "logical_id": other}],
        },
    }
    section = written.markdown.split("## Acknowledged findings", 1)[1].split("\n## ", 1)[0]
    assert f"| {REASON} | Fintech-StatefulResourceRetained | `Test`: {bucket} |" in section
    assert "no real reason: 'short'" in section


# What SARIF 2.1.0 requires of the parts the report writes (sarif-schema-2.1.0.json: sarifLog
# needs version and runs, run needs tool, tool needs driver, toolComponent needs name, result
# needs message, suppression needs kind; level and kind are enums) plus what code scanning needs
# to place a result (a location with artifactLocation.uri and region.startLine). The full schema
# is not installed here and is not downloaded.
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "name": {"type": "string", "minLength": 1},
                                    "rules": {
                                        "type": "array",
                                        "items": {"type": "object", "required": ["id"]},
                                    },
                                },
                            }
                        },
                    },
                    "results": {"type": "array", "items": {"$ref": "#/$defs/result"}},
                },
            },
        },
    },
    "$defs": {
        "result": {
            "type": "object",
            "required": ["ruleId", "level", "message", "locations"],
            "properties": {
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": {
                    "type": "object",
                    "required": ["text"],
                    "properties": {"text": {"type": "string", "minLength": 1}},
                },
                "locations": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["physicalLocation"],
                        "properties": {
                            "physicalLocation": {
                                "type": "object",
                                "required": ["artifactLocation", "region"],
                                "properties": {
                                    "artifactLocation": {
                                        "type": "object",
                                        "required": ["uri"],
                                        "properties": {"uri": {"type": "string", "minLength": 1}},
                                    },
                                    "region": {
                                        "type": "object",
                                        "required": ["startLine"],
                                        "properties": {
                                            "startLine": {"type": "integer", "minimum": 1}
                                        },
                                    },
                                },
                            }
                        },
                    },
                },
                "suppressions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["kind"],
                        "properties": {
                            "kind": {"enum": ["inSource", "external"]},
                            "status": {"enum": ["accepted", "underReview", "rejected"]},
                        },
                    },
                },
            },
        }
    },
}


def test_the_sarif_log_has_what_sarif_and_code_scanning_require(written: Written) -> None:
    sarif = written.sarif
    jsonschema.validate(sarif, SARIF_SUBSET)
    (run,) = sarif["runs"]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]

    assert rule_ids == sorted(set(rule_ids))
    assert {result["ruleId"] for result in run["results"]} == set(rule_ids)


def test_sarif_results_point_at_the_line_of_their_resource(
    written: Written, assembly_dir: Path
) -> None:
    lines = (assembly_dir / TEMPLATE).read_text().splitlines()
    results = written.sarif["runs"][0]["results"]
    findings = [r for r in results if "suppressions" not in r]

    assert len(findings) == len(written.json["findings"])
    for result in results:
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        (resource,) = (
            entry for entry in location["logicalLocations"] if entry.get("kind") == "resource"
        )
        assert physical["artifactLocation"]["uri"].endswith(f"/{TEMPLATE}")
        line = lines[physical["region"]["startLine"] - 1]
        assert line.strip().startswith(f'"{resource["name"]}": {{'), line
    assert {r["level"] for r in findings} == {"error"}


def test_sarif_suppresses_acknowledged_findings_with_their_reason(
    written: Written, assembly_dir: Path
) -> None:
    results = written.sarif["runs"][0]["results"]
    suppressed = {
        (r["properties"]["findingId"], r["locations"][0]["logicalLocations"][0]["name"]): r
        for r in results
        if "suppressions" in r
    }
    bucket = _logical_id(assembly_dir, "Fintech-StatefulResourceRetained")
    other = _logical_id(assembly_dir, "AwsSolutions-S1")

    assert set(suppressed) == {
        ("Fintech-StatefulResourceRetained", bucket),
        ("AwsSolutions-S1", other),
    }
    retained = suppressed[("Fintech-StatefulResourceRetained", bucket)]
    assert retained["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": REASON}
    ]
    assert retained["level"] == "note"
    assert suppressed[("AwsSolutions-S1", other)]["level"] == "warning"


def test_the_report_is_written_into_the_assembly_by_default(
    assembly_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = shutil.copytree(assembly_dir, tmp_path / "cdk.out")

    status, out, _ = run_report(capsys, str(copy))

    assert status == 0
    assert out.splitlines() == [f"wrote {copy / name}" for name in FILES]
    assert all((copy / name).is_file() for name in FILES)


def _broken_template(assembly_dir: Path, tmp_path: Path) -> tuple[Path, str]:
    copy = shutil.copytree(assembly_dir, tmp_path / "broken.out")
    (copy / TEMPLATE).write_text("{ not json")
    return copy, f"{copy / TEMPLATE}: cannot read the template"


def _no_manifest(assembly_dir: Path, tmp_path: Path) -> tuple[Path, str]:
    copy = shutil.copytree(assembly_dir, tmp_path / "no-manifest.out")
    (copy / "manifest.json").unlink()
    return copy, f"{copy}: has no manifest.json; expected the cloud assembly folder"


def _a_file(assembly_dir: Path, tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "cdk.out"
    path.write_text("not a folder")
    return path, f"{path}: is a file, not a folder; expected the cloud assembly folder"


def _missing(assembly_dir: Path, tmp_path: Path) -> tuple[Path, str]:
    return tmp_path / "nowhere", f"{tmp_path / 'nowhere'}: no such folder; expected"


def _rules_not_a_list(assembly_dir: Path, tmp_path: Path) -> tuple[Path, str]:
    copy = shutil.copytree(assembly_dir, tmp_path / "bad-report.out")
    (copy / "validation-report.json").write_text('{"pluginReports": {}}')
    return copy, "validation-report.json: pluginReports must be a list"


@pytest.mark.parametrize(
    "make", [_missing, _a_file, _no_manifest, _broken_template, _rules_not_a_list]
)
def test_bad_input_is_a_clear_error_not_a_traceback(
    make: Any, assembly_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, message = make(assembly_dir, tmp_path)

    status, _, err = run_report(capsys, str(path), "--out", str(tmp_path / "report"))

    assert status == 2
    assert err.startswith("error: ")
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "report").exists()


def test_a_base_that_is_neither_a_folder_nor_a_ref_is_a_clear_error(
    assembly_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run_report(
        capsys, str(assembly_dir), "--base", "no-such-ref-or-folder", "--out", str(tmp_path)
    )

    assert status == 2
    assert "--base 'no-such-ref-or-folder': not a folder, and not a git ref" in err
    assert "Traceback" not in err


def test_a_base_adds_the_posture_diff_and_its_alerts_come_first(
    assembly_dir: Path, tmp_path: Path
) -> None:
    base = shutil.copytree(assembly_dir, tmp_path / "base.out")
    head = shutil.copytree(assembly_dir, tmp_path / "head.out")
    bucket = _logical_id(assembly_dir, "Fintech-StatefulResourceRetained")
    # A new logical id: CloudFormation replaces the bucket, deleting the old one.
    text = (head / TEMPLATE).read_text()
    (head / TEMPLATE).write_text(text.replace(f'"{bucket}"', f'"{bucket}Renamed"'))
    alerts = posture_diff(base, head).alerts()
    errors = [alert for alert in alerts if alert.level == "error"]
    assert errors, "renaming a bucket's logical id raises no alert"

    status, _, _ = run_report(None, str(head), "--base", str(base), "--out", str(tmp_path / "r"))
    written = Written(tmp_path / "r", "")

    assert status == 0
    assert written.json["posture_diff"]["base"] == str(base)
    attention = written.markdown.split("## Needs attention\n\n", 1)[1]
    assert attention.startswith(f"- 🔴 **{errors[0].rule_id}**: {errors[0].message}")
    assert "\n## Posture diff\n" in written.markdown
    sarif = {
        (r["ruleId"], r["message"]["text"])
        for r in written.sarif["runs"][0]["results"]
        if r["properties"].get("postureDiff")
    }
    assert sarif == {(alert.rule_id, alert.message) for alert in alerts}


def test_sarif_active_only_leaves_acknowledged_findings_out(
    written: Written, assembly_dir: Path, tmp_path: Path
) -> None:
    status, _, _ = run_report(
        None, str(assembly_dir), "--out", str(tmp_path), "--sarif-active-only"
    )
    active = Written(tmp_path, "")
    everything = written.sarif["runs"][0]["results"]

    assert status == 0
    assert active.sarif["runs"][0]["results"] == [r for r in everything if "suppressions" not in r]
    assert len(active.sarif["runs"][0]["results"]) == len(written.json["findings"])
    assert active.json == written.json
