"""Bucket names that one template can share between accounts: a name may hold the placeholders
``{account_id}`` and ``{region}``, which the template fills in at deploy time
(``${AWS::AccountId}``, ``${AWS::Region}``) and an IAM policy at evaluation time
(``${aws:PrincipalAccount}``). A name without placeholders is a literal name and stays as it
is everywhere, so today's templates do not change.

Pure Python: nothing here calls into Node, so config checks may use it freely."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

from landing_zone.common import pseudo
from landing_zone.common.naming import bounded_name

ACCOUNT_ID = "{account_id}"
"""Stands for the 12-digit id of the account the template is deployed to."""

REGION = "{region}"
"""Stands for the region the template is deployed to."""

PLACEHOLDERS = (ACCOUNT_ID, REGION)

WORST_CASE_ACCOUNT_ID = "123456789012"
"""An account id is always 12 digits: the stand-in for ``{account_id}`` in length and validity
checks."""

WORST_CASE_REGION = "ap-southeast-1"
"""The stand-in for ``{region}`` when the governed regions are not given: 14 characters, as
long as the longest region names (``ap-southeast-*``, ``ap-northeast-*``)."""

_BRACES = re.compile(r"\{[^{}]*\}|[{}]")
_ID_WORDS = {ACCOUNT_ID: "account-id", REGION: "region"}

# S3's bucket naming rules (the config's ``BucketName``): 3-63 characters, no IP address form,
# no reserved prefix or suffix, no dots next to dots or hyphens.
_BUCKET_NAME = re.compile(
    r"(?!xn--|sthree-|amzn-s3-demo-)(?!.*(-s3alias|--ol-s3|--x-s3|\.mrap)$)"
    r"(?!.*(\.\.|\.-|-\.))(?![0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
)


def is_pattern(name: str) -> bool:
    """Whether ``name`` holds a placeholder (or anything in braces), rather than being a
    literal bucket name."""
    return "{" in name or "}" in name


def substitute(name: str, *, account_id: str, region: str) -> str:
    """``name`` with ``{account_id}`` and ``{region}`` replaced by the given texts (tokens or
    policy variables allowed)."""
    return name.replace(ACCOUNT_ID, account_id).replace(REGION, region)


def expand(name: str) -> str:
    """``name`` as CDK text for a template deployed to many accounts: the placeholders become
    the ``AWS::AccountId`` and ``AWS::Region`` pseudo parameters (rendered as ``Fn::Join``). A
    literal name comes back unchanged."""
    if not is_pattern(name):
        return name
    return substitute(name, account_id=pseudo.ACCOUNT_ID, region=pseudo.REGION)


def worst_case(name: str, *, regions: Sequence[str] = ()) -> str:
    """The longest name ``name`` can become: ``{account_id}`` as 12 digits, ``{region}`` as the
    longest of ``regions`` (default: a 14-character region name)."""
    return substitute(name, account_id=WORST_CASE_ACCOUNT_ID, region=_longest_region(regions))


def id_name(name: str) -> str:
    """The name construct ids are derived from: placeholders become the words ``account-id``
    and ``region``, so the id is the same in every account and has no account id in it. A
    literal name is its own."""
    return substitute(name, account_id=_ID_WORDS[ACCOUNT_ID], region=_ID_WORDS[REGION])


def validate_pattern(prop: str, name: str, *, regions: Sequence[str] = ()) -> str:
    """Return ``name`` if it is a literal bucket name or a pattern that yields one in every
    account and region; else raise ``ValueError`` naming ``prop``.

    A pattern holds only ``{account_id}`` and ``{region}``, each at most once, and whatever
    values they take (12 digits; each of ``regions``, default a 14-character region name) the
    result is a valid S3 bucket name of at most 63 characters."""
    if not isinstance(name, str):
        raise ValueError(f"{prop}: got {name!r}; allowed: a bucket name (text)")
    for braced in _BRACES.findall(name):
        if braced not in PLACEHOLDERS:
            raise ValueError(
                f"{prop}: {name!r} holds {braced!r}; allowed: a bucket name with at most the "
                f"placeholders {' and '.join(PLACEHOLDERS)}"
            )
    for placeholder in PLACEHOLDERS:
        if name.count(placeholder) > 1:
            raise ValueError(
                f"{prop}: {name!r} holds {placeholder} {name.count(placeholder)} times; "
                "allowed: each placeholder at most once"
            )
    candidates = (
        [substitute(name, account_id=WORST_CASE_ACCOUNT_ID, region=r) for r in regions]
        if regions and REGION in name
        else [worst_case(name, regions=regions)]
    )
    for candidate in candidates:
        if not _BUCKET_NAME.fullmatch(candidate):
            within = f" (as {candidate!r} in some account)" if is_pattern(name) else ""
            raise ValueError(
                f"{prop}: {name!r} is not an S3 bucket name{within}; allowed: 3-63 lowercase "
                "letters, digits, '.' or '-', starting and ending with a letter or digit, "
                "without '..', '.-' or '-.', not an IP address, without the prefixes xn--, "
                "sthree-, amzn-s3-demo- or the suffixes -s3alias, --ol-s3, --x-s3, .mrap; a "
                f"pattern counts {ACCOUNT_ID} as 12 digits and {REGION} as the longest region "
                "name"
            )
    return name


def bounded_pattern(name: str, max_length: int, *, regions: Sequence[str] = ()) -> str:
    """``name`` (a name derived from a bucket name, such as a role name) if it fits
    ``max_length`` at its worst case, else a shorter pattern that does: the start of its
    literal text, a stable hash of the whole pattern and its placeholders, which are never cut.
    A literal name is cut exactly as ``common.naming.bounded_name`` cuts it."""
    if not is_pattern(name):
        return bounded_name(name, max_length)
    if len(worst_case(name, regions=regions)) <= max_length:
        return name
    digest = f"{zlib.crc32(name.encode()):08x}"
    tail = "-".join(p for p in sorted(PLACEHOLDERS, key=name.find) if p in name)
    room = max_length - len(worst_case(tail, regions=regions)) - len(digest) - 2
    literal = substitute(name, account_id="", region="")
    return f"{literal[:room]}-{digest}-{tail}"


def _longest_region(regions: Sequence[str]) -> str:
    return max(regions, key=len) if regions else WORST_CASE_REGION
