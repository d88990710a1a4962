"""Every acknowledgment names a rule of the packs the landing zone applies.

``Validations.of(construct).acknowledge`` accepts any id: a typo (``AwsSolutions-IAM55``), the
``Fintech::`` form the CDK CLI prints, or a rule of a pack that is not applied silences nothing
and would read, in the template metadata and the review report, as an accepted finding. So an
acknowledgment whose rule id (without its granular ``[...]`` part) is no rule of the AwsSolutions,
PCI DSS 3.2.1, NIST 800-53 rev 5 or Fintech pack fails the check, at synth and in tests.

Ids of CDK's built-in CloudFormation validation (``CloudFormation-Validate::<rule>``, which
aws-cdk-lib itself acknowledges on some constructs) are left alone: that validator is not one of
the packs and its rule ids are cfn-lint's.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from landing_zone.compliance.nag_rule_ids import PACK_RULE_IDS
from landing_zone.compliance.rules import FINTECH_RULES

FINTECH_PACK = "Fintech"
"""The Fintech pack's name, the prefix of its rule ids."""

APPLIED_PACK_RULE_IDS: Mapping[str, frozenset[str]] = {
    **{pack: frozenset(ids) for pack, ids in PACK_RULE_IDS.items()},
    FINTECH_PACK: frozenset(f"{FINTECH_PACK}-{rule.suffix}" for rule in FINTECH_RULES),
}
"""Pack name -> the rule ids an acknowledgment may name."""

KNOWN_RULE_IDS = frozenset(rule for ids in APPLIED_PACK_RULE_IDS.values() for rule in ids)

BUILTIN_VALIDATION_PREFIX = "CloudFormation-Validate::"
"""Ids of CDK's built-in CloudFormation validation, which this check leaves alone."""

_ANNOTATION_PREFIX = "annotation::"


@dataclass(frozen=True)
class Acknowledgment:
    """One acknowledged rule id on a construct, as the cloud assembly records it."""

    file: str
    """The assembly file that records it (a stack's ``*.metadata.json`` or ``manifest.json``)."""
    path: str
    """The construct path."""
    rule_id: str
    """The id as acknowledged, ``Annotation::`` dropped."""


class UnknownAcknowledgmentError(ValueError):
    """Acknowledgments of rule ids that no applied pack defines."""

    def __init__(self, unknown: Iterable[Acknowledgment]) -> None:
        self.unknown = tuple(unknown)
        lines = [_render(acknowledgment) for acknowledgment in self.unknown]
        count = len(lines)
        super().__init__(
            f"{count} acknowledgment{'s' * (count != 1)} of unknown rule ids:\n  - "
            + "\n  - ".join(lines)
        )


def plain_rule_id(acknowledged: str) -> str:
    """The acknowledged id without ``Annotation::`` (how ``acknowledge`` stores a plain id)."""
    if acknowledged.lower().startswith(_ANNOTATION_PREFIX):
        return acknowledged[len(_ANNOTATION_PREFIX) :]
    return acknowledged


def is_known(rule_id: str) -> bool:
    """Whether ``rule_id`` (plain, granular part allowed) names a rule of an applied pack, or
    is an id of CDK's built-in validation."""
    if rule_id.startswith(BUILTIN_VALIDATION_PREFIX):
        return True
    return rule_id.split("[", 1)[0] in KNOWN_RULE_IDS


def unknown_acknowledgments(acknowledgments: Iterable[Acknowledgment]) -> list[Acknowledgment]:
    """The acknowledgments that name no rule of an applied pack, each once, sorted."""
    return sorted({ack for ack in acknowledgments if not is_known(ack.rule_id)}, key=_order)


def check_acknowledgments(acknowledgments: Iterable[Acknowledgment]) -> None:
    """Raise :class:`UnknownAcknowledgmentError` if any acknowledgment names an unknown rule."""
    unknown = unknown_acknowledgments(acknowledgments)
    if unknown:
        raise UnknownAcknowledgmentError(unknown)


def _order(acknowledgment: Acknowledgment) -> tuple[str, str, str]:
    return (acknowledgment.file, acknowledgment.path, acknowledgment.rule_id)


def _render(acknowledgment: Acknowledgment) -> str:
    rule_id = acknowledgment.rule_id
    base = rule_id.split("[", 1)[0]
    if rule_id.startswith(f"{FINTECH_PACK}::"):
        hint = f" Acknowledge the plain id {rule_id[len(FINTECH_PACK) + 2 :]!r} instead."
    else:
        close = difflib.get_close_matches(base, sorted(KNOWN_RULE_IDS), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
    packs = ", ".join(APPLIED_PACK_RULE_IDS)
    return (
        f"{acknowledgment.file}: {acknowledgment.path}: acknowledges {rule_id!r}, which is no "
        f"rule of the packs applied; allowed: a rule id of {packs} (such as 'AwsSolutions-S1' "
        f"or 'Fintech-StatefulResourceRetained', optionally with its granular [...] part).{hint}"
    )
