"""Errors constructs raise while the stacks are built: reported like config errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsii.errors import JSIIError

from landing_zone.config.build_errors import build_error_report, is_build_error

CONFIG = """\
version: 1
organization:
  name: acme-pay
  home_region: eu-west-1
organizational_units:
  Workloads: {id: ou-ab12-cd34ef56}
  AI: {id: ou-ab12-cd34ef56}
  Sandbox: {}
accounts:
  sandbox: {email: a@b.example, ou: Sandbox, region: eu-west-1}
  other: {email: c@d.example, ou: Sandbox, region: eu-west-1}
  third: {email: e@f.example, ou: Sandbox, region: eu-west-1}
  fourth: {email: g@h.example, ou: Sandbox, region: eu-west-1}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "lz.yaml"
    path.write_text(CONFIG)
    return path


def test_names_the_fields_whose_value_the_message_quotes(config: Path) -> None:
    error = ValueError("target_organizational_unit_ids: ['ou-ab12-cd34ef56'] appear more than once")
    report = build_error_report(str(config), error, ("organizational_units", "guardrails"))
    text = str(report)
    assert text.startswith(f"{config}: invalid landing zone config (2 problems)")
    assert (
        "  - organizational_units.Workloads.id (line 6): the landing zone cannot be built from "
        "this: target_organizational_unit_ids: ['ou-ab12-cd34ef56'] appear more than once; "
        'received "ou-ab12-cd34ef56"'
    ) in text
    assert "  - organizational_units.AI.id (line 7):" in text


def test_a_mapping_key_the_message_names_is_the_field(config: Path) -> None:
    report = build_error_report(str(config), RuntimeError("account 'other' is refused"), ())
    assert [issue.path for issue in report.issues] == [("accounts", "other")]


def test_only_the_failing_stack_sections_are_searched(config: Path) -> None:
    error = ValueError("ou-ab12-cd34ef56 is wrong")
    report = build_error_report(str(config), error, ("accounts",))
    assert [issue.path for issue in report.issues] == [("accounts",)]
    assert not report.issues[0].has_value


def test_a_value_too_common_to_point_at_a_field_names_the_section(config: Path) -> None:
    # eu-west-1 is the value of four fields: the section is the honest answer.
    report = build_error_report(str(config), ValueError("eu-west-1 is full"), ("accounts",))
    assert [issue.path for issue in report.issues] == [("accounts",)]
    assert "  - accounts (line 10): " in str(report)


def test_an_unreadable_file_still_gives_the_message(tmp_path: Path) -> None:
    report = build_error_report(str(tmp_path / "gone.yaml"), ValueError("boom"), ("network",))
    assert str(report) == (
        f"{tmp_path / 'gone.yaml'}: invalid landing zone config (1 problem)\n"
        "  - network: the landing zone cannot be built from this: boom"
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ValueError("x"), True),
        (TypeError("x"), True),
        (KeyError("x"), True),
        (RuntimeError("thrown by the CDK's JavaScript"), True),
        (JSIIError("kernel fault"), True),
        (AssertionError("an invariant of the code"), False),
        (ZeroDivisionError(), False),
    ],
)
def test_which_errors_are_reported_as_config_errors(error: BaseException, expected: bool) -> None:
    assert is_build_error(error) is expected
