"""Construct defaults equal the config's defaults, or the construct's docstring says how and why
they differ: a team that moves from the config to the constructs must not lose an exemption or
gain one without reading about it."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path
from typing import Any

from landing_zone.common.protected_namespace import DEFAULT_EXEMPT_ROLE_NAMES, ProtectedNamespace
from landing_zone.config.model import GuardrailParametersConfig
from landing_zone.organization import GuardrailParameters

DOCUMENTED_DIFFERENCES = {"deployment_role_names"}
"""Fields whose construct default differs from the config default, with the reason in the
construct's attribute docstring (the config's default names the reference app's CDK qualifier,
which the construct cannot know)."""


def _normalized(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


def _config_defaults() -> dict[str, Any]:
    return {
        name: _normalized(field.get_default(call_default_factory=True))
        for name, field in GuardrailParametersConfig.model_fields.items()
    }


def _construct_defaults() -> dict[str, Any]:
    defaults = {}
    for field in dataclasses.fields(GuardrailParameters):
        if field.default is not dataclasses.MISSING:
            defaults[field.name] = _normalized(field.default)
        elif field.default_factory is not dataclasses.MISSING:
            defaults[field.name] = _normalized(field.default_factory())
    return defaults


def _attribute_docstrings(cls: type) -> dict[str, str]:
    source = Path(inspect.getfile(cls)).read_text(encoding="utf-8")
    (node,) = (
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__
    )
    docs = {}
    for statement, following in zip(node.body, node.body[1:], strict=False):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
        ):
            docs[statement.target.id] = str(following.value.value)
    return docs


def test_the_shared_parameters_are_compared() -> None:
    shared = set(_config_defaults()) & set(_construct_defaults())
    assert {
        "landing_zone_role_prefix",
        "break_glass_role_names",
        "deployment_role_names",
        "approved_bedrock_models",
        "guardrail_exempt_bedrock_models",
    } <= shared


def test_guardrail_parameter_defaults_equal_the_config_defaults_unless_documented() -> None:
    config, construct = _config_defaults(), _construct_defaults()
    differing = {name for name in set(config) & set(construct) if config[name] != construct[name]}
    assert differing == DOCUMENTED_DIFFERENCES


def test_each_difference_names_what_the_config_adds_in_the_docstring() -> None:
    config, construct = _config_defaults(), _construct_defaults()
    docs = _attribute_docstrings(GuardrailParameters)
    for name in DOCUMENTED_DIFFERENCES:
        added = set(config[name]) - set(construct[name])
        removed = set(construct[name]) - set(config[name])
        assert added or removed, name
        for role_name in added | removed:
            assert role_name in docs[name], f"{name}: the docstring does not name {role_name}"


def test_the_protected_namespace_exempts_what_guardrail_parameters_exempt_by_default() -> None:
    assert _construct_defaults()["deployment_role_names"] == DEFAULT_EXEMPT_ROLE_NAMES
    default = inspect.signature(ProtectedNamespace.__init__).parameters["exempt_role_names"]
    assert default.default == DEFAULT_EXEMPT_ROLE_NAMES
