"""The catalog of aws-cdk-lib's lists that config validation reads without starting jsii."""

from __future__ import annotations

import importlib.metadata

from landing_zone.config import cdk_catalog
from landing_zone.config.model import (
    bedrock_model_providers,
    interface_endpoint_services,
    known_regions,
)
from scripts.write_cdk_catalog import CATALOG, render


def test_the_catalog_is_written_from_the_installed_aws_cdk_lib() -> None:
    # After a version bump: run scripts/write_cdk_catalog.py.
    assert importlib.metadata.version("aws-cdk-lib") == cdk_catalog.AWS_CDK_LIB_VERSION
    assert CATALOG.read_text(encoding="utf-8") == render()


def test_validation_reads_the_catalog() -> None:
    assert interface_endpoint_services() == cdk_catalog.INTERFACE_ENDPOINT_SERVICES
    assert bedrock_model_providers() == cdk_catalog.BEDROCK_MODEL_PROVIDERS
    assert known_regions() == cdk_catalog.REGIONS
    assert {"eu-west-1", "us-east-1"} <= set(cdk_catalog.REGIONS)
    assert {"kms", "sts", "logs", "ecr.api", "bedrock-runtime"} <= set(
        cdk_catalog.INTERFACE_ENDPOINT_SERVICES
    )
    assert {"anthropic", "amazon"} <= set(cdk_catalog.BEDROCK_MODEL_PROVIDERS)
