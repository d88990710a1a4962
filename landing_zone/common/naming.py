"""Names derived from config values, the same way wherever a construct id needs one."""

from __future__ import annotations

import re
import zlib


def pascal_case(name: str) -> str:
    """``eu-west-1`` as ``EuWest1``, ``acme-kyc.uploads`` as ``AcmeKycUploads``: a region, rule
    or bucket name as part of a construct id, which must not change while the name does not."""
    return "".join(part.capitalize() for part in re.split(r"[-.]", name))


MAX_IAM_NAME = 64
"""Length limit of an IAM role name (a managed policy name may have 128)."""


def bounded_name(name: str, max_length: int) -> str:
    """``name`` if it fits AWS's ``max_length``, else its start and a stable hash of the whole,
    so that two long names that share a start stay apart (IAM role and policy names: 64 and
    128 characters). CloudFormation tokens (``${Token[...]}``) must not be cut: keep them out of
    names that may be too long."""
    if len(name) <= max_length:
        return name
    digest = f"{zlib.crc32(name.encode()):08x}"
    return f"{name[: max_length - len(digest) - 1]}-{digest}"
