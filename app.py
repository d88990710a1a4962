#!/usr/bin/env python3
"""The reference landing zone: reads the config, builds the stacks, applies the check packs.

cdk synth                                 # config/landing-zone.yaml
cdk synth -c config=path/to/other.yaml    # another config (relative to the current directory)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from aws_cdk import App, Stack

from landing_zone import LandingZone
from landing_zone.common.progress import Progress
from landing_zone.compliance import apply_compliance_checks
from landing_zone.config import LandingZoneError, load_config
from landing_zone.config.build_errors import build_error_report, is_build_error

DEFAULT_CONFIG = "config/landing-zone.yaml"


def _failing_sections(app: App) -> tuple[str, ...]:
    # A stack joins the app before its constructor builds anything, so the last stack is the
    # one whose constructs refused the config.
    stacks = [child for child in app.node.children if isinstance(child, Stack)]
    return LandingZone.config_sections_of(stacks[-1]) if stacks else ()


def _builtin_validation() -> bool:
    return os.environ.get("CDK_VALIDATION", "").lower() == "true"


def main() -> int:
    # CDK's built-in CloudFormation validation is off: it is cfn-lint's rules run again inside
    # jsii (about 60 % of the reference app's synth here). The real cfn-lint checks every
    # template, StackSet templates included: scripts/synth.sh after each synth, and the tests
    # before merge (README, Checks at every synth). CDK_VALIDATION=true turns it back on.
    app = App(builtin_cloud_formation_validation=_builtin_validation())
    config_path = str(app.node.try_get_context("config") or DEFAULT_CONFIG)
    progress = Progress()
    try:
        # Everything that can reject the config runs before anything is written to cdk.out.
        progress.say("config", f"reading {config_path}")
        config = load_config(config_path)
        progress.say("build", f"building the stacks of {len(config.accounts)} accounts")
        stacks = LandingZone(app, config=config).stacks
    except LandingZoneError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Exception as error:
        # A construct refused what the config model let through: report it like a config error
        # (file, field, value, what is allowed), not as a traceback.
        if not is_build_error(error):
            raise
        report = build_error_report(config_path, error, _failing_sections(app))
        print(f"error: {report}", file=sys.stderr)
        return 1
    packs = apply_compliance_checks(app)
    progress.say("synth", f"{len(stacks)} stacks built; writing their templates")
    try:
        with progress.watching_templates(app.outdir, len(stacks)):
            assembly = app.synth()
    except Exception as error:
        if not is_build_error(error):
            raise
        # Validation at synth (construct validations, the check packs' report printed above).
        print(f"error: {build_error_report(config_path, error)}", file=sys.stderr)
        return 1
    summary = {
        "config": config_path,
        "stacks": [stack.stack_name for stack in stacks],
        "check_packs": packs,
    }
    Path(assembly.directory, "landing-zone-summary.json").write_text(
        json.dumps(summary, indent=2) + "\n", encoding="utf-8"
    )
    progress.say("done", f"{len(stacks)} stacks, no unacknowledged findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
