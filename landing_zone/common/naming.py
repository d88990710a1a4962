"""Names derived from config values, the same way wherever a construct id needs one."""

from __future__ import annotations

import re


def pascal_case(name: str) -> str:
    """``eu-west-1`` as ``EuWest1``, ``acme-kyc.uploads`` as ``AcmeKycUploads``: a region, rule
    or bucket name as part of a construct id, which must not change while the name does not."""
    return "".join(part.capitalize() for part in re.split(r"[-.]", name))
