"""Formats of AWS identifiers, defined once so every construct accepts the same values."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

ORGANIZATION_ID = re.compile(r"o-[a-z0-9]{10,32}")
"""An AWS Organizations id."""

ACCOUNT_ID = re.compile(r"\d{12}")
"""A 12-digit AWS account id."""

REGION = re.compile(r"[a-z]{2,4}(-[a-z]+)+-\d{1,2}")
"""A region name: eu-central-1, us-gov-west-1, eusc-de-east-1 (match with ``fullmatch``)."""

BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
"""The characters and length of an S3 bucket name (general purpose buckets; ``..`` and other
reserved forms are checked by whoever needs them)."""

CONFIG_RULE_IDENTIFIER = re.compile(r"[A-Z0-9]+(_[A-Z0-9]+)*")
"""An AWS Config managed rule identifier, such as ``S3_BUCKET_VERSIONING_ENABLED``."""

RESOURCE_TYPE = re.compile(r"AWS::[A-Za-z0-9]*::[A-Za-z0-9]+")
"""A CloudFormation / AWS Config resource type, such as ``AWS::S3::Bucket``."""

IAM_ROLE_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,64}")
"""An IAM role name without a path (match with ``fullmatch``)."""

PERMISSION_SET_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,32}")
"""An IAM Identity Center permission set name (match with ``fullmatch``)."""

BEDROCK_MODEL_ID = re.compile(r"[a-z0-9-]{1,63}\.[a-zA-Z0-9.:_-]{1,128}")
"""A Bedrock foundation model id, such as ``anthropic.claude-3-5-sonnet-20240620-v1:0``."""

EMAIL_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
"""An email address an SNS email subscription accepts (match with ``fullmatch``)."""


def is_https_url(value: str) -> bool:
    """Whether ``value`` is an https:// URL with a dotted host name and no whitespace: an SNS
    HTTPS subscription endpoint."""
    if any(character.isspace() for character in value):
        return False
    parts = urlsplit(value)
    return parts.scheme == "https" and "." in (parts.hostname or "")
