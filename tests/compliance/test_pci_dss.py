"""PCI DSS v4.0 coverage: the mapping cannot rot, evidence is checked in the templates, the
generated page is current, bad mappings give clear errors, and the output is deterministic."""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLE_CONFIG, REPO, ReferenceApp

from landing_zone.compliance.pci_dss import (
    MAPPING_FILE,
    AssemblyError,
    GuardrailEvidence,
    MappingError,
    PciCoverage,
    Scope,
    Status,
    coverage,
    load_mapping,
    main,
)
from landing_zone.detection.pci_dss_rules import PCI_DSS_RULES

DOCS_PAGE = REPO / "docs" / "pci-dss-v4.md"


@pytest.fixture(scope="module")
def reference_coverage(reference_app: ReferenceApp) -> PciCoverage:
    return coverage(reference_app.assembly_dir)


def by_id(result: PciCoverage) -> dict[str, Any]:
    return {r["id"]: r for r in result.to_json()["requirements"]}


# --- the mapping against the reference templates -----------------------------------------------


def test_every_control_named_in_the_mapping_is_in_the_reference_templates(
    reference_coverage: PciCoverage,
) -> None:
    missing = [
        f"{requirement.requirement_id}: {item.label} ({item.missing})"
        for requirement in reference_coverage.requirements
        for item in requirement.missing
    ]
    assert missing == [], "the mapping names controls the templates do not hold:\n" + "\n".join(
        missing
    )


def test_reference_app_covers_every_infrastructure_requirement(
    reference_coverage: PciCoverage,
) -> None:
    statuses = {r.requirement_id: (r.scope, r.status) for r in reference_coverage.requirements}
    expected = {
        Scope.INFRASTRUCTURE: Status.COVERED,
        Scope.PARTIAL: Status.PARTLY_COVERED,
        Scope.OUTSIDE: Status.OUTSIDE_INFRASTRUCTURE,
    }
    wrong = {rid: s for rid, s in statuses.items() if expected[s[0]] is not s[1]}
    assert wrong == {}
    counts = reference_coverage.counts()
    assert counts["covered"] >= 20
    assert counts["not covered"] == 0


def test_all_twelve_principal_requirements_are_listed(reference_coverage: PciCoverage) -> None:
    principals = {int(r.requirement_id.split(".")[0]) for r in reference_coverage.requirements}
    assert principals == set(range(1, 13))
    # Requirements 10.5.1, 3.5.1, 11.5.1 and 12.10.1 are what a landing zone is asked about first.
    assert {"1.2.1", "3.5.1", "10.2.1", "10.5.1", "11.5.1", "12.10.1"} <= {
        r.requirement_id for r in reference_coverage.requirements
    }


def test_every_pci_dss_catalog_rule_is_evidence_for_the_requirements_it_names() -> None:
    mapping = load_mapping()
    named = {
        (item.config_rule, requirement_id)
        for requirement_id, requirement in mapping.requirements.items()
        for item in requirement.evidence
        if hasattr(item, "config_rule")
    }
    expected = {(rule.name, req) for rule in PCI_DSS_RULES for req in rule.requirements}
    assert sorted(expected - named) == []


def test_docs_page_is_current(reference_coverage: PciCoverage) -> None:
    expected = reference_coverage.to_markdown(heading_level=1)
    config = EXAMPLE_CONFIG.relative_to(REPO)
    assert DOCS_PAGE.read_text(encoding="utf-8") == expected, (
        f"{DOCS_PAGE.relative_to(REPO)} is stale; regenerate it with: cdk synth --quiet "
        f"-c config={config} -o /tmp/pci-cdk.out && python -m landing_zone.compliance.pci_dss "
        f"/tmp/pci-cdk.out --write {DOCS_PAGE.relative_to(REPO)}"
    )


def test_markdown_links_each_requirement_and_lists_the_uncovered(
    reference_coverage: PciCoverage,
) -> None:
    markdown = reference_coverage.to_markdown()
    assert markdown.startswith("## PCI DSS v4.0 coverage\n")
    assert '<a id="req-10-5-1"></a>10.5.1 |' in markdown
    assert "### Partly covered (" in markdown
    assert "- [12.10.1](#req-12-10-1): " in markdown
    assert "### Outside infrastructure (" in markdown
    assert "### Not covered" not in markdown


def readme_link_problems(readme: str, result: PciCoverage) -> list[str]:
    """Links into the page that name no requirement of the mapping, or, in a guardrail table's
    row (first cell the guardrail's name), a requirement that does not list that guardrail."""
    by_guardrail: dict[str, set[str]] = {}
    for requirement_id, requirement in load_mapping().requirements.items():
        for item in requirement.evidence:
            if isinstance(item, GuardrailEvidence):
                by_guardrail.setdefault(item.guardrail, set()).add(requirement_id)
    anchors = {r.anchor: r.requirement_id for r in result.requirements}
    problems = []
    for line in readme.splitlines():
        first_cell = re.match(r"\|\s*`([a-z0-9-]+)`\s*\|", line)
        guardrail = first_cell[1] if first_cell else None
        for anchor in re.findall(r"docs/pci-dss-v4\.md#(req-[0-9-]+)", line):
            if anchor not in anchors:
                problems.append(f"{anchor}: no such requirement in the mapping")
            elif guardrail in by_guardrail and anchors[anchor] not in by_guardrail[guardrail]:
                problems.append(f"{anchor}: the mapping does not list guardrail {guardrail} there")
    return problems


def test_readme_links_into_the_page_name_mapped_requirements(
    reference_coverage: PciCoverage,
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme_link_problems(readme, reference_coverage) == []


def test_readme_link_check_finds_wrong_links(reference_coverage: PciCoverage) -> None:
    readme = (
        "| `require-imdsv2` | SSRF | [2.2.6](docs/pci-dss-v4.md#req-2-2-6) |\n"
        "| `require-imdsv2` | SSRF | [10.5.1](docs/pci-dss-v4.md#req-10-5-1) |\n"
        "See [99.1](docs/pci-dss-v4.md#req-99-1).\n"
    )
    assert readme_link_problems(readme, reference_coverage) == [
        "req-10-5-1: the mapping does not list guardrail require-imdsv2 there",
        "req-99-1: no such requirement in the mapping",
    ]


# --- evidence is checked in the templates ------------------------------------------------------


@pytest.fixture
def copied_assembly(reference_app: ReferenceApp, tmp_path: Path) -> Path:
    for template in reference_app.assembly_dir.glob("*.template.json"):
        shutil.copy(template, tmp_path / template.name)
    return tmp_path


def edit_resources(
    assembly: Path, edit: Callable[[str, str, dict[str, Any]], bool], *, expected: int = 1
) -> None:
    """Apply ``edit(template name, logical id, resource)`` to every resource of the copied
    templates; ``expected`` of them must say they changed something."""
    changed = 0
    for path in sorted(assembly.glob("*.template.json")):
        template = json.loads(path.read_text())
        touched = [
            logical_id
            for logical_id, resource in list(template.get("Resources", {}).items())
            if edit(path.name, logical_id, resource)
        ]
        changed += len(touched)
        if touched:
            path.write_text(json.dumps(template))
    assert changed >= expected, f"the edit matched {changed} resources; the fixture changed?"


def drop_pack_rule(rule_name: str) -> Callable[[str, str, dict[str, Any]], bool]:
    def edit(_: str, __: str, resource: dict[str, Any]) -> bool:
        if resource["Type"] != "AWS::Config::OrganizationConformancePack":
            return False
        body = json.loads(resource["Properties"]["TemplateBody"])
        kept = {
            lid: rule
            for lid, rule in body["Resources"].items()
            if rule["Properties"]["ConfigRuleName"] != rule_name
        }
        body["Resources"] = kept
        resource["Properties"]["TemplateBody"] = json.dumps(body)
        return True

    return edit


def drop_guardrail(guardrail: str) -> Callable[[str, str, dict[str, Any]], bool]:
    def edit(_: str, __: str, resource: dict[str, Any]) -> bool:
        properties = resource.get("Properties", {})
        if resource["Type"] != "AWS::Organizations::Policy":
            return False
        names = properties["Description"].removeprefix("Guardrails: ").split(", ")
        if guardrail not in names:
            return False
        names.remove(guardrail)
        properties["Description"] = "Guardrails: " + ", ".join(names)
        return True

    return edit


def set_trail_log_group_retention(days: int) -> Callable[[str, str, dict[str, Any]], bool]:
    def edit(template: str, logical_id: str, resource: dict[str, Any]) -> bool:
        if resource["Type"] != "AWS::Logs::LogGroup" or "organization-trail" not in template:
            return False
        resource["Properties"]["RetentionInDays"] = days
        return True

    return edit


def set_object_lock_days(
    days: int, *, template_part: str
) -> Callable[[str, str, dict[str, Any]], bool]:
    def edit(template: str, _: str, resource: dict[str, Any]) -> bool:
        properties = resource.get("Properties", {})
        if template_part not in template or "ObjectLockConfiguration" not in properties:
            return False
        properties["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Days"] = days
        return True

    return edit


def disable_security_hub_control(control: str) -> Callable[[str, str, dict[str, Any]], bool]:
    def edit(_: str, __: str, resource: dict[str, Any]) -> bool:
        if resource["Type"] != "AWS::SecurityHub::ConfigurationPolicy":
            return False
        hub = resource["Properties"]["ConfigurationPolicy"]["SecurityHub"]
        hub["SecurityControlsConfiguration"]["DisabledSecurityControlIdentifiers"] = [control]
        return True

    return edit


def one_key_without_rotation(template: str, logical_id: str, resource: dict[str, Any]) -> bool:
    if resource["Type"] != "AWS::KMS::Key" or "log-archive" not in template:
        return False
    resource["Properties"]["EnableKeyRotation"] = False
    return True


@pytest.mark.parametrize(
    ("edit", "requirement", "missing_label", "why"),
    [
        pytest.param(
            drop_pack_rule("cloud-trail-log-file-validation-enabled"),
            "10.3.4",
            "Config rule cloud-trail-log-file-validation-enabled",
            "no Config rule",
            id="config-rule-in-a-conformance-pack",
        ),
        pytest.param(
            drop_guardrail("require-imdsv2"),
            "2.2.6",
            "guardrail require-imdsv2",
            "no SCP or RCP carries it",
            id="guardrail",
        ),
        pytest.param(
            set_trail_log_group_retention(180),
            "10.5.1",
            "logs of AWS::CloudTrail::Trail kept >= 365 days",
            "keeps 180 days",
            id="trail-log-group-retention",
        ),
        pytest.param(
            set_object_lock_days(300, template_part="acme-pay-log-archive"),
            "10.5.1",
            "logs of AWS::CloudTrail::Trail kept >= 365 days",
            "locks objects for 300 days",
            id="log-archive-object-lock",
        ),
        pytest.param(
            # The WAF log buckets are in StackSet templates: those are checked too.
            set_object_lock_days(100, template_part="DefensesPaymentsProdEuWest1"),
            "10.5.1",
            "logs of AWS::WAFv2::LoggingConfiguration kept >= 365 days",
            "locks objects for 100 days",
            id="stackset-waf-log-bucket",
        ),
        pytest.param(
            disable_security_hub_control("CloudTrail.4"),
            "10.3.4",
            "Security Hub control CloudTrail.4",
            "no associated Security Hub configuration policy enables it",
            id="security-hub-control",
        ),
        pytest.param(
            one_key_without_rotation,
            "3.7.4",
            "every KMS key rotates automatically",
            "do not match: acme-pay-log-archive.template.json:",
            id="one-of-every-kms-key",
        ),
    ],
)
def test_removing_evidence_turns_covered_into_partly_covered(
    copied_assembly: Path,
    reference_coverage: PciCoverage,
    edit: Callable[[str, str, dict[str, Any]], bool],
    requirement: str,
    missing_label: str,
    why: str,
) -> None:
    before = by_id(reference_coverage)
    assert before[requirement]["status"] == "covered"
    edit_resources(copied_assembly, edit)

    after = by_id(coverage(copied_assembly))

    assert after[requirement]["status"] == "partly covered"
    assert missing_label in after[requirement]["missing"]
    (item,) = [e for e in after[requirement]["evidence"] if e["label"] == missing_label]
    assert not item["present"]
    assert why in item["missing"]
    # Requirements that do not rely on the removed evidence keep their status.
    assert after["10.2.1.4"]["status"] == "covered"


def test_markdown_lists_the_missing_evidence(copied_assembly: Path) -> None:
    edit_resources(copied_assembly, drop_guardrail("require-imdsv2"))
    markdown = coverage(copied_assembly).to_markdown()
    assert "guardrail require-imdsv2 **(missing)**" in markdown
    assert (
        "- [2.2.6](#req-2-2-6) Missing: guardrail require-imdsv2 (no SCP or RCP carries it)."
        in markdown
    )


def test_partial_requirement_without_any_evidence_is_not_covered(copied_assembly: Path) -> None:
    def long_sessions(_: str, __: str, resource: dict[str, Any]) -> bool:
        if resource["Type"] != "AWS::SSO::PermissionSet":
            return False
        resource["Properties"]["SessionDuration"] = "PT4H"
        return True

    edit_resources(copied_assembly, long_sessions, expected=2)
    result = coverage(copied_assembly)
    requirement = by_id(result)["8.2.8"]
    assert requirement["status"] == "not covered"
    assert "(session PT4H)" in requirement["evidence"][0]["missing"]
    assert "### Not covered (1)" in result.to_markdown()


def test_a_log_destination_outside_the_assembly_does_not_count(copied_assembly: Path) -> None:
    (copied_assembly / "acme-pay-log-archive.template.json").unlink()
    item = next(
        e
        for e in by_id(coverage(copied_assembly))["10.5.1"]["evidence"]
        if e["label"] == "logs of AWS::CloudTrail::Trail kept >= 365 days"
    )
    assert not item["present"]
    assert "bucket acme-pay-logs-" in item["missing"]
    assert "is not in the assembly" in item["missing"]


# --- determinism -------------------------------------------------------------------------------


def test_same_input_gives_the_same_output(reference_app: ReferenceApp) -> None:
    first, second = coverage(reference_app.assembly_dir), coverage(reference_app.assembly_dir)
    assert json.dumps(first.to_json(), sort_keys=True) == json.dumps(
        second.to_json(), sort_keys=True
    )
    assert first.to_markdown() == second.to_markdown()


def test_output_follows_the_standard_not_the_file_order(
    reference_app: ReferenceApp, reference_coverage: PciCoverage, tmp_path: Path
) -> None:
    document = yaml.safe_load(MAPPING_FILE.read_text())
    items = list(document["requirements"].items())
    random.Random(7).shuffle(items)
    document["requirements"] = dict(items)
    shuffled = tmp_path / "pci_dss_v4.yaml"
    shuffled.write_text(yaml.safe_dump(document, sort_keys=False))

    result = coverage(reference_app.assembly_dir, mapping=shuffled)

    expected = reference_coverage.to_json()
    assert result.to_json()["requirements"] == expected["requirements"]
    ids = [r["id"] for r in expected["requirements"]]
    assert ids.index("9.5.1") < ids.index("10.1.1") < ids.index("10.2.1") < ids.index("10.2.1.1")
    assert ids.index("1.2.7") < ids.index("1.3.1")
    # No machine-specific path in the packaged mapping's output.
    assert expected["mapping"] == "landing_zone/compliance/pci_dss_v4.yaml"


def test_json_lists_every_status_and_sorted_templates(reference_coverage: PciCoverage) -> None:
    data = reference_coverage.to_json()
    assert set(data["counts"]) == {s.value for s in Status}
    assert sum(data["counts"].values()) == len(data["requirements"])
    for requirement in data["requirements"]:
        for item in requirement["evidence"]:
            assert item["templates"] == sorted(item["templates"])
            assert item["present"] == bool(item["templates"])


# --- bad input ---------------------------------------------------------------------------------


def write_mapping(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    document = yaml.safe_load(MAPPING_FILE.read_text())
    edit(document)
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _unknown_kind(document: dict[str, Any]) -> None:
    document["requirements"]["1.3.1"]["evidence"][0] = {"firewall": "perimeter"}


def _bad_scope(document: dict[str, Any]) -> None:
    document["requirements"]["10.5.1"]["scope"] = "full"


def _outside_with_evidence(document: dict[str, Any]) -> None:
    document["requirements"]["9.1.1"]["evidence"] = [{"alarm": "lz-break-glass-usage"}]


def _bad_id(document: dict[str, Any]) -> None:
    document["requirements"]["13.1"] = document["requirements"].pop("12.1.1")


def _no_requirement_9(document: dict[str, Any]) -> None:
    for requirement_id in [r for r in document["requirements"] if r.startswith("9.")]:
        del document["requirements"][requirement_id]


def _two_lines(document: dict[str, Any]) -> None:
    document["requirements"]["3.5.1"]["summary"] = "first line\nsecond line"


def _unknown_field(document: dict[str, Any]) -> None:
    document["requirements"]["3.7.4"]["evidence"][0]["resource"]["propertys"] = {}


def _negative_retention(document: dict[str, Any]) -> None:
    document["requirements"]["10.5.1"]["evidence"][0]["log_retention"]["minimum_days"] = -1


@pytest.mark.parametrize(
    ("edit", "fragments"),
    [
        pytest.param(
            _unknown_kind,
            ['requirements."1.3.1".evidence[0]', "exactly one key", "config_rule", "firewall"],
            id="unknown-evidence-kind",
        ),
        pytest.param(
            _bad_scope,
            ['requirements."10.5.1".scope', "'infrastructure', 'partial' or 'outside'", '"full"'],
            id="scope",
        ),
        pytest.param(
            _outside_with_evidence,
            ['requirements."9.1.1"', "scope 'outside' takes no evidence", "lz-break-glass-usage"],
            id="outside-with-evidence",
        ),
        pytest.param(
            _bad_id,
            ["requirements", "'13.1' is not a PCI DSS v4.0 requirement id", "'10.5.1'"],
            id="requirement-id",
        ),
        pytest.param(
            _no_requirement_9,
            ["requirements", "nothing listed under principal requirement(s) 9"],
            id="principal-missing",
        ),
        pytest.param(
            _two_lines,
            ['requirements."3.5.1".summary', "should match pattern", '"first line\\nsecond line"'],
            id="summary-two-lines",
        ),
        pytest.param(
            _unknown_field,
            ['requirements."3.7.4".evidence[0].resource.propertys', "Extra inputs"],
            id="unknown-field",
        ),
        pytest.param(
            _negative_retention,
            [
                'requirements."10.5.1".evidence[0].log_retention.minimum_days',
                "greater than or equal to 1",
                "received -1",
            ],
            id="retention",
        ),
    ],
)
def test_bad_mapping_gives_a_clear_error(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], fragments: list[str]
) -> None:
    path = write_mapping(tmp_path, edit)
    with pytest.raises(MappingError) as raised:
        load_mapping(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: invalid PCI DSS mapping (1 problem)\n")
    for fragment in fragments:
        assert fragment in message


def test_repeated_requirement_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    entry = '  "10.5.1":\n    summary: kept a year\n    scope: outside\n    note: twice\n'
    path.write_text("version: 1\nrequirements:\n" + entry + entry)
    with pytest.raises(MappingError, match=r"key '10\.5\.1' appears more than once") as raised:
        load_mapping(path)
    assert str(raised.value) == (
        f"{path} (line 7, column 3): not valid YAML: key '10.5.1' appears more than once"
    )


def test_unquoted_requirement_id_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text("version: 1\nrequirements:\n  10.5:\n    summary: a\n    scope: outside\n")
    with pytest.raises(MappingError, match=r'requirements\."10\.5" \(the key\): Input should be'):
        load_mapping(path)


def test_command_reports_a_bad_mapping_without_a_traceback(
    reference_app: ReferenceApp, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_mapping(tmp_path, _bad_scope)
    code = main([str(reference_app.assembly_dir), "--mapping", str(path)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.startswith(f"error: {path}: invalid PCI DSS mapping")
    assert "Traceback" not in captured.err


def test_command_writes_the_page(
    reference_app: ReferenceApp, reference_coverage: PciCoverage, tmp_path: Path
) -> None:
    page = tmp_path / "pci.md"
    assert main([str(reference_app.assembly_dir), "--write", str(page)]) == 0
    assert page.read_text() == reference_coverage.to_markdown(heading_level=1)


def test_empty_or_unreadable_assembly_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AssemblyError, match=r"no \*\.template\.json found; synthesize first"):
        coverage(tmp_path)
    (tmp_path / "broken.template.json").write_text("{")
    with pytest.raises(
        AssemblyError, match=r"broken\.template\.json: cannot be read as a template"
    ):
        coverage(tmp_path)


# --- evidence rules on small templates ---------------------------------------------------------


def tiny_coverage(
    tmp_path: Path, evidence: list[dict[str, Any]], resources: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The coverage of one template holding ``resources``, for a mapping whose only
    infrastructure requirement (10.5.1) names ``evidence``."""
    requirements: dict[str, Any] = {
        f"{n}.1.1": {"summary": "process", "scope": "outside", "note": "people"}
        for n in range(1, 13)
    }
    requirements["10.5.1"] = {"summary": "kept", "scope": "infrastructure", "evidence": evidence}
    tmp_path.mkdir(exist_ok=True)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump({"version": 1, "requirements": requirements}))
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    (assembly / "stack.template.json").write_text(json.dumps({"Resources": resources}))
    return dict(by_id(coverage(assembly, mapping=mapping))["10.5.1"])


def test_disabled_event_rule_or_one_without_target_does_not_count(tmp_path: Path) -> None:
    def rule(name: str, state: str, targets: list[Any]) -> dict[str, Any]:
        properties = {"Name": name, "State": state, "Targets": targets}
        return {"Type": "AWS::Events::Rule", "Properties": properties}

    result = tiny_coverage(
        tmp_path,
        [{"event_rule": "off"}, {"event_rule": "no-target"}, {"event_rule": "all-events"}],
        {
            "Off": rule("off", "DISABLED", [{"Id": "t"}]),
            "NoTarget": rule("no-target", "ENABLED", []),
            "AllEvents": rule("all-events", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", [{}]),
        },
    )
    assert [e["present"] for e in result["evidence"]] == [False, False, True]
    assert result["status"] == "partly covered"


def test_security_hub_policy_counts_only_when_associated(tmp_path: Path) -> None:
    policy = {
        "Type": "AWS::SecurityHub::ConfigurationPolicy",
        "Properties": {
            "ConfigurationPolicy": {
                "SecurityHub": {
                    "ServiceEnabled": True,
                    "EnabledStandardIdentifiers": [
                        {
                            "Fn::Join": [
                                "",
                                ["arn:aws:securityhub:eu-west-1::standards/", "pci-dss/v/4.0.1"],
                            ]
                        }
                    ],
                    "SecurityControlsConfiguration": {"DisabledSecurityControlIdentifiers": []},
                }
            }
        },
    }
    evidence = [
        {"security_hub_standard": "pci-dss/v/4.0.1"},
        {"security_hub_control": "CloudTrail.2"},
    ]
    assert tiny_coverage(tmp_path / "alone", evidence, {"Policy": policy})["status"] == (
        "not covered"
    )
    association = {
        "Type": "AWS::SecurityHub::PolicyAssociation",
        "Properties": {"ConfigurationPolicyId": {"Fn::GetAtt": ["Policy", "Id"]}},
    }
    associated = tiny_coverage(
        tmp_path / "associated", evidence, {"Policy": policy, "Association": association}
    )
    assert associated["status"] == "covered"


def test_log_retention_of_groups_and_buckets(tmp_path: Path) -> None:
    def bucket(lock: dict[str, Any] | None) -> dict[str, Any]:
        properties: dict[str, Any] = {"BucketName": "logs"}
        if lock is not None:
            properties["ObjectLockEnabled"] = True
            properties["ObjectLockConfiguration"] = {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", **lock}},
            }
        return {"Type": "AWS::S3::Bucket", "Properties": properties}

    trail = {
        "Type": "AWS::CloudTrail::Trail",
        "Properties": {
            "S3BucketName": "logs",
            "CloudWatchLogsLogGroupArn": {"Fn::GetAtt": ["Group", "Arn"]},
        },
    }
    forever = {"Type": "AWS::Logs::LogGroup", "Properties": {}}
    evidence = [{"log_retention": {"logs_of": "AWS::CloudTrail::Trail", "minimum_days": 365}}]

    one_year = tiny_coverage(
        tmp_path / "years",
        evidence,
        {"Trail": trail, "Group": forever, "Bucket": bucket({"Years": 1})},
    )
    assert one_year["status"] == "covered"

    unlocked = tiny_coverage(
        tmp_path / "unlocked", evidence, {"Trail": trail, "Group": forever, "Bucket": bucket(None)}
    )
    assert unlocked["evidence"][0]["missing"] == (
        "Trail: bucket logs has no Object Lock default retention"
    )


def test_yaml_conformance_pack_and_sdk_call_case(tmp_path: Path) -> None:
    pack = {
        "Type": "AWS::Config::ConformancePack",
        "Properties": {
            "TemplateBody": "Resources:\n  Rule:\n    Type: AWS::Config::ConfigRule\n"
            "    Properties:\n      ConfigRuleName: from-yaml\n"
        },
    }
    call = {
        "Type": "Custom::AWS",
        "Properties": {
            "Create": json.dumps({"service": "EC2", "action": "enableEbsEncryptionByDefault"})
        },
    }
    result = tiny_coverage(
        tmp_path,
        [{"config_rule": "from-yaml"}, {"sdk_call": "EC2.EnableEbsEncryptionByDefault"}],
        {"Pack": pack, "Call": call},
    )
    assert result["status"] == "covered"
