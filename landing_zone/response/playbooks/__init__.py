"""Response playbooks: one module per playbook, each with ``definition() -> dict`` (ASL).

A playbook module is found by name (``landing_zone.response.playbooks.<name>``), so adding one
is adding its module and its name to ``NAMES``.
"""

from __future__ import annotations

import importlib
from typing import Any, Final

from landing_zone.config.model import PLAYBOOKS

NAMES: Final[tuple[str, ...]] = (*PLAYBOOKS, "ip_expiry")
"""Every state machine of the response domain: the finding playbooks and the scheduled clean-up
of expired IP blocks."""


def definition(playbook: str) -> dict[str, Any]:
    """The state machine definition (ASL as a dict, ``${Placeholder}`` strings unsubstituted)."""
    _check(playbook)
    module = importlib.import_module(f"{__name__}.{playbook}")
    built: dict[str, Any] = module.definition()
    return built


def _check(playbook: str) -> None:
    if playbook not in NAMES:
        raise ValueError(f"playbook {playbook!r}: expected one of {', '.join(NAMES)}")
