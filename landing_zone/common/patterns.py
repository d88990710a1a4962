"""Formats of AWS identifiers, defined once so every construct accepts the same values."""

from __future__ import annotations

import re

ORGANIZATION_ID = re.compile(r"o-[a-z0-9]{10,32}")
"""An AWS Organizations id."""

ACCOUNT_ID = re.compile(r"\d{12}")
"""A 12-digit AWS account id."""

REGION = re.compile(r"[a-z]{2,4}(-[a-z]+)+-\d{1,2}")
"""A region name: eu-central-1, us-gov-west-1, eusc-de-east-1 (match with ``fullmatch``)."""
