#!/usr/bin/env python3
"""Writes landing_zone/config/cdk_catalog.py from the installed aws-cdk-lib (after a version bump:
tests/config/test_cdk_catalog.py fails until it is run).

    python scripts/write_cdk_catalog.py
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from pathlib import Path

from landing_zone.config.model import (
    library_bedrock_model_providers,
    library_interface_endpoint_services,
    library_regions,
)

CATALOG = Path(__file__).resolve().parents[1] / "landing_zone" / "config" / "cdk_catalog.py"

TEMPLATE = '''"""What the pinned aws-cdk-lib lists, read once and written here, so that loading a
config does not start jsii and read some 610 static properties through it (about half a second).

Written by ``python scripts/write_cdk_catalog.py`` from aws-cdk-lib {version}; used only while
that version is installed (``landing_zone.config.model`` reads the library otherwise), and
tests/config/test_cdk_catalog.py fails when the lists no longer match the library.
"""

from __future__ import annotations

AWS_CDK_LIB_VERSION = "{version}"

INTERFACE_ENDPOINT_SERVICES: tuple[str, ...] = (
{services})
"""``InterfaceVpcEndpointAwsService`` short names (``com.amazonaws.<region>.<service>``)."""

BEDROCK_MODEL_PROVIDERS: tuple[str, ...] = (
{providers})
"""Providers of ``FoundationModelIdentifier`` model ids (the part before the first dot)."""

REGIONS: tuple[str, ...] = (
{regions})
"""Region names of the region-info database (``RegionInfo.regions``)."""
'''


def _lines(values: Iterable[str]) -> str:
    return "".join(f'    "{value}",\n' for value in values)


def render() -> str:
    """The catalog module for the installed aws-cdk-lib."""
    return TEMPLATE.format(
        version=importlib.metadata.version("aws-cdk-lib"),
        services=_lines(library_interface_endpoint_services()),
        providers=_lines(library_bedrock_model_providers()),
        regions=_lines(library_regions()),
    )


def main() -> int:
    CATALOG.write_text(render(), encoding="utf-8")
    print(f"wrote {CATALOG}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
