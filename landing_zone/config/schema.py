"""Exports the JSON schema of the config file, for editors (completion and checks as you type)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .model import (
    LandingZoneConfig,
    interface_endpoint_services,
    known_regions,
    waf_country_codes,
)


def config_schema() -> dict[str, Any]:
    schema = LandingZoneConfig.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Fintech landing zone configuration"
    # Regions are checked in Python against aws-cdk-lib's region list; give editors the same list.
    region = {"enum": list(known_regions()), "type": "string"}
    organization = schema["$defs"]["OrganizationSettings"]["properties"]
    organization["home_region"].update(region)
    organization["governed_regions"]["items"].update(region)
    # The same for the other closed sets the model checks in Python.
    rule = schema["$defs"]["CustomRuleConfig"]["properties"]
    rule["country_codes"]["items"]["enum"] = sorted(waf_country_codes())
    vpc = schema["$defs"]["VpcConfig"]["properties"]
    vpc["interface_endpoints"]["items"]["enum"] = list(interface_endpoint_services())
    return schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "output", nargs="?", help="file to write (default: standard output)", type=Path
    )
    args = parser.parse_args(argv)
    text = json.dumps(config_schema(), indent=2, sort_keys=True) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
