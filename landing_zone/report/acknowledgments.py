"""Every acknowledged finding of the assembly, with its reason and where it applies.

cdk-nag's aspect writes a construct's acknowledgments (its own and its ancestors') into the
``cdk_nag.rules_to_suppress`` metadata of each resource below it. Whether one counts is decided
as the Fintech pack decides it (``acknowledged_in_metadata``): an entry without a reason of at
least ``MIN_REASON_LENGTH`` characters silences no Fintech finding, and the report says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from landing_zone.compliance.assembly import (
    MIN_REASON_LENGTH,
    SUPPRESSIONS_METADATA,
    acknowledged_in_metadata,
)
from landing_zone.compliance.rules.resource import Resource, Template
from landing_zone.report.assembly import Assembly


@dataclass(frozen=True)
class Acknowledgment:
    """One acknowledged rule with one reason, and the resources it covers."""

    rule_id: str
    reason: str
    reason_ok: bool
    """A reason of at least ``MIN_REASON_LENGTH`` characters: without one the Fintech pack does
    not honour the acknowledgment (cdk-nag's packs honour any)."""
    resources: tuple[tuple[str, str], ...]
    """(template file name, logical id), sorted."""

    @property
    def base_rule(self) -> str:
        """``AwsSolutions-IAM5`` for ``AwsSolutions-IAM5[Action::s3:*]``."""
        return self.rule_id.split("[", 1)[0]


def read_acknowledgments(assembly: Assembly) -> list[Acknowledgment]:
    """Acknowledgments grouped by rule id and reason, sorted by rule id, then reason."""
    found: dict[tuple[str, str, bool], list[tuple[str, str]]] = {}
    for file in assembly.templates:
        template = Template(file.name, file.body)
        for logical_id, definition in file.resources.items():
            resource = Resource(template, logical_id, definition)
            entry = resource.metadata.get(SUPPRESSIONS_METADATA)
            rules = entry.get("rules_to_suppress") if isinstance(entry, Mapping) else None
            if not isinstance(rules, Sequence):
                continue
            counted = acknowledged_in_metadata(resource)
            for rule in rules:
                if not isinstance(rule, Mapping) or not isinstance(rule.get("id"), str):
                    continue
                reason = rule.get("reason")
                text = reason.strip() if isinstance(reason, str) else ""
                # One rule id can be listed twice with different reasons; only a valid reason
                # makes it count, so judge each entry on its own reason.
                reason_ok = rule["id"] in counted and len(text) >= MIN_REASON_LENGTH
                found.setdefault((rule["id"], text, reason_ok), []).append((file.name, logical_id))
    return [
        Acknowledgment(rule_id, reason, reason_ok, tuple(sorted(set(resources))))
        for (rule_id, reason, reason_ok), resources in sorted(found.items())
    ]
