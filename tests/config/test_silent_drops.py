"""What the config used to drop without a word: an OU outside the account baseline (now an
error) and assignments to accounts without an id yet (now a ``ConfigWarning``), each in the
usual format: file, field path with its line, what happens or is allowed, the value."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest
import yaml
from conftest import EXAMPLE_CONFIG

from landing_zone.config import ConfigError, ConfigWarning, parse_config

SOURCE = "landing-zone.yaml"


def _example() -> dict[str, Any]:
    config = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    assert isinstance(config, dict)
    return config


def _parse(config: dict[str, Any]) -> list[str]:
    """The config's warnings; raises ConfigError when it is invalid."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parse_config(yaml.safe_dump(config, sort_keys=False), SOURCE)
    return [str(w.message) for w in caught if issubclass(w.category, ConfigWarning)]


def test_the_example_config_has_no_warning() -> None:
    assert _parse(_example()) == []


# --- an OU outside baselines.organizational_units ----------------------------------------


def test_rejects_a_new_ou_outside_the_account_baseline() -> None:
    config = _example()
    config["organizational_units"]["Partners"] = {"description": "Partner integrations."}
    with pytest.raises(ConfigError) as raised:
        _parse(config)
    (issue,) = raised.value.issues
    assert issue.path == ("organizational_units", "Partners")
    assert issue.value == "Partners"
    rendered = str(raised.value)
    assert re.search(
        r"organizational_units\.Partners \(line \d+\): gets no account baseline: neither it nor "
        r"a parent OU is in baselines\.organizational_units \(Security, ",
        rendered,
    )
    assert "allowed: add 'Partners' or a parent OU to baselines.organizational_units" in rendered
    assert (
        "guardrails.service_control_policies.Partners: [deny-all-except-landing-zone]" in rendered
    )
    assert rendered.rstrip().endswith('received "Partners"')


def test_a_new_ou_under_a_baselined_ou_needs_nothing_more() -> None:
    config = _example()
    config["organizational_units"]["Workloads/Cards"] = {"environment": "production"}
    assert _parse(config) == []


def test_a_new_ou_listed_in_the_baseline_is_fine() -> None:
    config = _example()
    config["organizational_units"]["Partners"] = {}
    config["baselines"]["organizational_units"].append("Partners")
    assert _parse(config) == []


def test_a_quarantined_ou_needs_no_baseline_and_neither_do_its_children() -> None:
    config = _example()
    config["organizational_units"]["Suspended/Closing"] = {}
    assert "Suspended" not in config["baselines"]["organizational_units"]
    assert _parse(config) == []


def test_rejects_an_ou_dropped_from_the_baseline() -> None:
    config = _example()
    config["baselines"]["organizational_units"].remove("Sandbox")
    with pytest.raises(ConfigError) as raised:
        _parse(config)
    paths = [issue.path for issue in raised.value.issues]
    assert ("organizational_units", "Sandbox") in paths


# --- assignment targets reaching accounts without an id -----------------------------------


def _with_labs(config: dict[str, Any], target: str) -> int:
    """Add the OU Sandbox/Labs, its account ``labs`` without an id and an assignment to
    ``target`` of the permission set and group of the first Sandbox assignment; its index."""
    config["organizational_units"]["Sandbox/Labs"] = {}
    config["accounts"]["labs"] = {"email": "aws-labs@acme-pay.example", "ou": "Sandbox/Labs"}
    assignments = config["identity"]["assignments"]
    (template, *_) = (a for a in assignments if "Sandbox" in a["targets"])
    assignments.append({**template, "targets": [target]})
    return len(assignments) - 1


def _reaching_labs(config: dict[str, Any]) -> set[str]:
    return {
        f"identity.assignments[{index}].targets[{position}]"
        for index, assignment in enumerate(config["identity"]["assignments"])
        for position, target in enumerate(assignment["targets"])
        if target in ("Root", "Sandbox", "Sandbox/Labs", "labs")
    }


@pytest.mark.parametrize("target", ["Sandbox/Labs", "labs"])
def test_warns_of_each_target_reaching_an_account_without_an_id(target: str) -> None:
    config = _example()
    index = _with_labs(config, target)
    messages = _parse(config)
    assert {message.split(" (line")[0].removeprefix(f"{SOURCE}: ") for message in messages} == (
        _reaching_labs(config)
    )
    (mine,) = (m for m in messages if f"assignments[{index}]" in m)
    assignment = config["identity"]["assignments"][index]
    assert re.fullmatch(
        rf"{SOURCE}: identity\.assignments\[{index}\]\.targets\[0\] \(line \d+\): "
        rf"reaches accounts without an id yet \(labs\): their {assignment['permission_set']} "
        rf"assignments for {assignment['group']} are left out until accounts\.labs\.id is "
        r"filled in \(after the organization stack has created the account\); "
        rf'received "{target}"',
        mine,
    )


def test_no_warning_once_the_account_has_its_id() -> None:
    config = _example()
    _with_labs(config, "Sandbox/Labs")
    config["accounts"]["labs"]["id"] = "123456789012"
    assert _parse(config) == []


def test_a_config_warning_can_be_made_an_error() -> None:
    config = _example()
    _with_labs(config, "labs")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConfigWarning)
        with pytest.raises(ConfigWarning, match=r"accounts\.labs\.id"):
            parse_config(yaml.safe_dump(config, sort_keys=False), SOURCE)
