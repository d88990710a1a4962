"""The exported JSON schema editors use must match the model and accept the example."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from landing_zone.config.schema import config_schema, main

ROOT = Path(__file__).parents[2]
COMMITTED = ROOT / "schema" / "landing-zone.schema.json"


def test_committed_schema_is_up_to_date() -> None:
    # Regenerate with: landing-zone-schema schema/landing-zone.schema.json
    assert json.loads(COMMITTED.read_text()) == config_schema()


def test_schema_forbids_unknown_keys_everywhere() -> None:
    schema = config_schema()
    assert schema["additionalProperties"] is False
    for name, definition in schema["$defs"].items():
        assert definition.get("additionalProperties") is False, name


def test_schema_lists_regions_for_completion() -> None:
    regions = config_schema()["$defs"]["OrganizationSettings"]["properties"]["home_region"]["enum"]
    assert "eu-west-1" in regions
    assert "eu-west-9" not in regions


def test_example_config_points_editors_at_the_schema() -> None:
    first_line = (ROOT / "tests" / "fixtures" / "landing-zone.yaml").read_text().splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=../../schema/landing-zone.schema.json"


def test_export_command_writes_the_schema(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "schema.json"
    assert main([str(target)]) == 0
    assert json.loads(target.read_text()) == config_schema()


def test_example_validates_against_exported_schema() -> None:
    import jsonschema

    example = yaml.safe_load((ROOT / "tests" / "fixtures" / "landing-zone.yaml").read_text())
    jsonschema.Draft202012Validator(config_schema()).validate(example)
    broken = dict(example, surprise=True)
    assert not jsonschema.Draft202012Validator(config_schema()).is_valid(broken)
