#!/usr/bin/env python3
"""The reference landing zone: reads the config, builds the stacks, applies the check packs.

cdk synth                                 # config/landing-zone.yaml
cdk synth -c config=path/to/other.yaml    # another config (relative to the current directory)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aws_cdk import App

from landing_zone.compliance import apply_compliance_checks
from landing_zone.config import LandingZoneError, load_config
from stacks import build_landing_zone

DEFAULT_CONFIG = "config/landing-zone.yaml"


def main() -> int:
    app = App()
    config_path = str(app.node.try_get_context("config") or DEFAULT_CONFIG)
    try:
        # Everything that can reject the config runs before anything is written to cdk.out.
        config = load_config(config_path)
        stacks = build_landing_zone(app, config)
    except LandingZoneError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    packs = apply_compliance_checks(app)
    assembly = app.synth()
    summary = {
        "config": config_path,
        "stacks": [stack.stack_name for stack in stacks],
        "check_packs": packs,
    }
    Path(assembly.directory, "landing-zone-summary.json").write_text(
        json.dumps(summary, indent=2) + "\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
