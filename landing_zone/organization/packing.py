"""Pack named guardrails into as few SCP or RCP documents as AWS Organizations accepts.

AWS limits a service control policy and a resource control policy to 5,120 characters
(counted on the document as stored, so we measure it minified) and a target (root, OU or
account) to 5 attached policies of each type. The AWS-managed ``FullAWSAccess`` SCP, and
``RCPFullAWSAccess`` for RCPs, must stay attached to every target (without it an SCP target
allows nothing; the RCP one cannot be detached), so 4 slots are left for guardrails. Policies
inherited from a parent OU or the root do not count against a child's 5 slots.

Packing is deterministic first-fit decreasing: the same guardrails and parameters always give
the same documents, because the documents go into CloudFormation templates and a reshuffle
would show up as a change in review. A guardrail's statements always stay in one document.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .guardrails import GuardrailCatalog, PolicyStatement

P = TypeVar("P")

MAX_POLICY_CHARACTERS = 5120
"""Size limit of an SCP or RCP document, counted on its minified JSON."""

MAX_POLICIES_PER_TARGET = 5
"""How many SCPs (and, separately, RCPs) AWS lets you attach to one root, OU or account."""

DEFAULT_MAX_POLICIES = MAX_POLICIES_PER_TARGET - 1
"""Slots left for guardrails once the AWS-managed full-access policy takes its slot."""

POLICY_LANGUAGE_VERSION = "2012-10-17"


def minified(document: Mapping[str, Any]) -> str:
    """The document as Organizations measures it: JSON without insignificant white space."""
    return json.dumps(document, separators=(",", ":"))


def policy_document(statements: Sequence[PolicyStatement]) -> dict[str, Any]:
    """An IAM policy document holding ``statements``."""
    return {"Version": POLICY_LANGUAGE_VERSION, "Statement": list(statements)}


@dataclass(frozen=True)
class PackedPolicy:
    """One policy document and the guardrails it carries, in the order they were listed."""

    guardrails: tuple[str, ...]
    document: dict[str, Any]
    characters: int
    """Length of the minified document: what AWS compares with the size limit."""


class GuardrailPackingError(ValueError):
    """The guardrails of one target do not fit the policies AWS allows."""


def _sizes_report(sizes: Mapping[str, int]) -> str:
    return "\n".join(f"  - {name}: {size:,} characters" for name, size in sizes.items())


def pack_guardrails(
    names: Sequence[str],
    params: P,
    *,
    catalog: GuardrailCatalog[P],
    max_policies: int = DEFAULT_MAX_POLICIES,
    max_characters: int = MAX_POLICY_CHARACTERS,
) -> list[PackedPolicy]:
    """Group the guardrails ``names`` of one target into at most ``max_policies`` documents.

    Every document is at most ``max_characters`` long once minified. Documents are ordered by
    the first guardrail they carry, and statements inside a document follow ``names``.

    :param names: guardrails attached to the target, in config order; no duplicates.
    :param params: the catalog's parameters (``GuardrailParameters`` for SCPs,
        ``DataPerimeterParameters`` for RCPs).
    :param catalog: where the names are looked up; its policy type is that of every document.
    :param max_policies: default 4, the 5 allowed per target minus the AWS-managed full-access
        policy, which must stay attached.
    :param max_characters: default 5,120, AWS's limit for SCPs and RCPs; lower it to keep
        headroom.
    :raises UnknownGuardrailError: if a name is not in ``catalog``.
    :raises GuardrailPackingError: if one guardrail is larger than ``max_characters`` or all
        of them do not fit ``max_policies`` documents.
    """
    if not 1 <= max_policies <= MAX_POLICIES_PER_TARGET:
        raise ValueError(
            f"max_policies must be between 1 and {MAX_POLICIES_PER_TARGET} "
            f"(AWS's limit per target), received {max_policies}"
        )
    if not 1 <= max_characters <= MAX_POLICY_CHARACTERS:
        raise ValueError(
            f"max_characters must be between 1 and {MAX_POLICY_CHARACTERS} "
            f"(AWS's limit per policy), received {max_characters}"
        )
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"guardrails listed more than once: {', '.join(duplicates)}")

    kind = catalog.policy_type.value
    statements = [catalog[name].statements(params) for name in names]
    sizes = {
        name: len(minified(policy_document(own)))
        for name, own in zip(names, statements, strict=True)
    }

    too_large = {name: size for name, size in sizes.items() if size > max_characters}
    if too_large:
        raise GuardrailPackingError(
            f"{len(too_large)} {kind} guardrail(s) exceed the limit of {max_characters:,} "
            f"characters on their own, and a guardrail is never split across policies:\n"
            f"{_sizes_report(too_large)}\n"
            "Reduce their parameters (for example fewer governed regions or exempt role "
            "names) or drop them."
        )

    def document_of(members: Sequence[int]) -> dict[str, Any]:
        return policy_document([s for index in sorted(members) for s in statements[index]])

    # First-fit decreasing; ties keep config order, so the result is deterministic.
    largest_first = sorted(range(len(names)), key=lambda index: (-sizes[names[index]], index))
    bins: list[list[int]] = []
    for index in largest_first:
        for members in bins:
            if len(minified(document_of([*members, index]))) <= max_characters:
                members.append(index)
                break
        else:
            bins.append([index])

    if len(bins) > max_policies:
        raise GuardrailPackingError(
            f"{len(names)} {kind} guardrails need {len(bins)} policies of at most "
            f"{max_characters:,} characters each, but only {max_policies} may be attached to "
            f"one target (AWS allows {MAX_POLICIES_PER_TARGET}; the AWS-managed full-access "
            f"policy takes one). Minified size of each guardrail (total "
            f"{sum(sizes.values()):,}):\n{_sizes_report(sizes)}\n"
            "Attach some of these guardrails to a parent OU or the root instead (inherited "
            "policies do not count against this target's limit), or drop some of them."
        )

    packed = []
    for members in sorted(bins, key=min):
        document = document_of(members)
        sids = [statement.get("Sid") for statement in document["Statement"]]
        repeated = sorted({str(sid) for sid in sids if sid is not None and sids.count(sid) > 1})
        if repeated:
            raise ValueError(
                f"statement ids repeat within one {kind} document: {', '.join(repeated)}; "
                "every Sid in a catalog must be unique"
            )
        packed.append(
            PackedPolicy(
                guardrails=tuple(names[index] for index in sorted(members)),
                document=document,
                characters=len(minified(document)),
            )
        )
    return packed
