"""Management policy documents: AI services opt-out and the data-classification tag policy.

Management policies use AWS Organizations' inheritance syntax (``@@assign`` and friends)
rather than IAM JSON. Both documents here lock their settings with
``@@operators_allowed_for_child_policies``, so a policy attached lower in the tree cannot
weaken what the root sets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

DATA_CLASSIFICATION_TAG_KEY = "data-classification"

DEFAULT_DATA_CLASSIFICATION_VALUES: tuple[str, ...] = (
    "public",
    "internal",
    "confidential",
    "restricted",
    "pci",
)

DEFAULT_ENFORCED_RESOURCE_TYPES: tuple[str, ...] = (
    "dynamodb:table",
    "s3:bucket",
    "secretsmanager:secret",
)
"""Resource types where a wrong ``data-classification`` value is rejected, taken from AWS's
list of resource types that support tag policy enforcement: the stores of customer data."""

# Characters AWS allows in tag values, minus '*', which tag policies read as a wildcard.
_TAG_VALUE = re.compile(r"^[\w .:/=+@-]{1,256}$")
# "service:resource-type", or "service:ALL_SUPPORTED" for every supported type of a service.
_RESOURCE_TYPE = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9_/-]+$")


def _locked(value: str | list[str]) -> dict[str, Any]:
    """An ``@@assign`` that policies lower in the tree may not change."""
    return {"@@operators_allowed_for_child_policies": ["@@none"], "@@assign": value}


def ai_services_opt_out_policy() -> dict[str, Any]:
    """An ``AISERVICES_OPT_OUT_POLICY`` that opts every account out of all AWS AI services.

    ``default`` covers every AI service, including ones AWS launches later, so no customer
    content is stored or used to improve AWS services. The setting is locked: child policies
    cannot opt the default back in (a child could still name one service; review those).
    """
    return {"services": {"default": {"opt_out_policy": _locked("optOut")}}}


def _check_unique(field: str, values: Sequence[str]) -> None:
    duplicates = sorted({value for value in values if values.count(value) > 1})
    if duplicates:
        raise ValueError(f"{field} lists {', '.join(duplicates)} more than once")


def data_classification_tag_policy(
    *,
    allowed_values: Sequence[str] = DEFAULT_DATA_CLASSIFICATION_VALUES,
    enforced_for: Sequence[str] = DEFAULT_ENFORCED_RESOURCE_TYPES,
) -> dict[str, Any]:
    """A ``TAG_POLICY`` for the ``data-classification`` tag.

    A tag policy rejects a *wrong* value (or a wrongly capitalized key) on the resource types in
    ``enforced_for`` and reports non-compliance on every other type; it does not make the tag
    mandatory, which takes an SCP on ``aws:RequestTag``.

    :param allowed_values: the classification scheme; default public, internal, confidential,
        restricted, pci. Locked against child policies: one scheme for the whole organization.
    :param enforced_for: resource types (``service:type`` or ``service:ALL_SUPPORTED``) where
        non-compliant tagging is refused; default DynamoDB tables, S3 buckets and Secrets
        Manager secrets. Child policies may add types (``@@append``) but not remove any. Empty:
        report only.
    """
    if isinstance(allowed_values, str) or not allowed_values:
        raise ValueError(
            "allowed_values must list at least one data classification, for example "
            f"{DEFAULT_DATA_CLASSIFICATION_VALUES}; received {allowed_values!r}"
        )
    for value in allowed_values:
        if not _TAG_VALUE.fullmatch(value):
            raise ValueError(
                f"allowed_values contains {value!r}; a tag value is 1-256 letters, digits, "
                "spaces or '_.:/=+-@' (no '*', which tag policies treat as a wildcard)"
            )
    _check_unique("allowed_values", allowed_values)
    if isinstance(enforced_for, str):
        raise ValueError(
            f"enforced_for must be a sequence of resource types, received {enforced_for!r}"
        )
    for resource_type in enforced_for:
        if not _RESOURCE_TYPE.fullmatch(resource_type):
            raise ValueError(
                f"enforced_for contains {resource_type!r}; expected 'service:resource-type' "
                "such as 's3:bucket', or 'service:ALL_SUPPORTED'"
            )
    _check_unique("enforced_for", enforced_for)

    rule: dict[str, Any] = {
        "tag_key": _locked(DATA_CLASSIFICATION_TAG_KEY),
        "tag_value": _locked(list(allowed_values)),
    }
    if enforced_for:
        rule["enforced_for"] = {
            "@@operators_allowed_for_child_policies": ["@@append"],
            "@@assign": list(enforced_for),
        }
    return {"tags": {DATA_CLASSIFICATION_TAG_KEY: rule}}
