#!/usr/bin/env python3
"""Checks the team's own landing zone config before it is merged or deployed.

    scripts/check_config.sh [CONFIG] [--previous CDK_OUT|GIT_REF] [--out DIR] [--accept T:ID ...]

The library's tests run on the example organization of ``tests/fixtures/``; this is the check of
the config the team deploys (default ``config/landing-zone.yaml``), in four steps:

1. synth: the real CDK CLI runs ``app.py`` on the config with every check pack (AwsSolutions,
   PCI DSS, NIST 800-53, Fintech): an unacknowledged finding or a config error fails it;
2. cfn-lint over every template, StackSet templates included (``scripts/lint_templates.py``);
3. the attack-simulation suite (``tests/attack/``) over the synthesized policies: an attack
   scenario that is allowed fails; a legitimate one that is denied is reported (the config may
   have removed that access on purpose); a scenario naming an account or resource this config
   does not have is counted as not applicable;
4. with ``--previous``, the stateful guard (``landing_zone.stateful_guard``) against the
   templates deployed last (a cdk.out, or a git ref such as ``origin/main``, synthesized with its
   own checkout's default config): added resources are fine, a stateful resource replaced or
   removed fails unless accepted with ``--accept TEMPLATE:LOGICAL_ID``.

Exits 0 when every step passes, 1 when one fails, 2 on unusable arguments.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
# Run as a file, scripts/ is on sys.path and the checkout is not; imported as scripts.check_config
# (the tests), the reverse. The sibling script is imported by its own name either way, as mypy
# checks scripts/ (one module name per file).
for _path in (REPO, REPO / "scripts"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from lint_templates import lint  # noqa: E402

from landing_zone.config import LandingZoneConfig, LandingZoneError, load_config  # noqa: E402
from landing_zone.report.diff.assembly import AssemblyError  # noqa: E402
from landing_zone.report.diff.synth import synthesize_ref  # noqa: E402
from landing_zone.stateful_guard import (  # noqa: E402
    GuardInputError,
    read_templates,
    report,
    stateful_changes,
)

DEFAULT_CONFIG = REPO / "config" / "landing-zone.yaml"
CDK = REPO / "node_modules" / ".bin" / "cdk"
ATTACK_SUITE = REPO / "tests" / "attack"
SCENARIO_ORGANIZATION = "acme-pay"
"""The organization the scenarios are written for (the fixture's): the stack names they look
resources up in start with its name, which is replaced by the checked config's."""


@dataclass
class AttackResult:
    applied: int = 0
    escapes: list[str] = field(default_factory=list)
    """Attack scenarios the policies allow: the perimeter does not hold."""
    legitimate_denied: list[str] = field(default_factory=list)
    known_open: list[str] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.escapes or self.errors) or self.applied == 0


def _attack_modules() -> tuple[ModuleType, ModuleType]:
    """The suite's engine and world (tests/attack), which import each other by plain name."""
    if str(ATTACK_SUITE) not in sys.path:
        sys.path.insert(0, str(ATTACK_SUITE))
    return importlib.import_module("engine"), importlib.import_module("world")


def scenarios_for(organization: str, text: str) -> str:
    """The scenarios' text with the example organization's stack-name prefix made the config's."""
    return re.sub(rf"\b{re.escape(SCENARIO_ORGANIZATION)}-", f"{organization}-", text)


def run_attack_suite(
    config: LandingZoneConfig, assembly: Path, scenarios_text: str | None = None
) -> AttackResult:
    """Every scenario of ``scenarios_text`` (default tests/attack/scenarios.yaml) over the
    templates of ``assembly``."""
    engine, world_module = _attack_modules()
    try:
        world = world_module.build_world(config, assembly)
    except Exception as error:  # the model of an organization unlike any the suite knows
        return AttackResult(errors=[f"the policies of {assembly} cannot be modelled: {error!r}"])
    if scenarios_text is None:
        scenarios_text = (ATTACK_SUITE / "scenarios.yaml").read_text(encoding="utf-8")
    text = scenarios_for(config.organization.name, scenarios_text)
    scenarios = engine.load_scenarios_from_text(text)
    builder = engine.Builder(world)
    result = AttackResult()
    applicable = []
    for scenario in scenarios:
        try:
            builder.simulation(scenario)
        except (LookupError, KeyError) as error:
            result.not_applicable.append(f"{scenario.id}: {error}")
        else:
            applicable.append(scenario)
    outcomes = engine.run(world, applicable)
    for scenario in applicable:
        outcome = outcomes[scenario.id]
        result.applied += 1
        line = f"{scenario.id}: {scenario.persona} {scenario.action} in {scenario.account}"
        if outcome.decision == "error":
            result.errors.append(f"{line}: the simulator failed ({outcome.detail.get('errors')})")
        elif outcome.decision == scenario.expect:
            continue
        elif scenario.open:
            result.known_open.append(f"{line}: {scenario.open}")
        elif scenario.attack:
            result.escapes.append(f"{line} is allowed ({outcome.raw})")
        else:
            result.legitimate_denied.append(f"{line} is denied ({outcome.raw})")
    return result


def _print_attack(result: AttackResult) -> None:
    for title, lines in (
        ("ESCAPE", result.escapes),
        ("ERROR", result.errors),
        ("legitimate access denied", result.legitimate_denied),
        ("known open", result.known_open),
        ("not applicable", result.not_applicable),
    ):
        for line in lines:
            print(f"attack suite: {title}: {line}")
    print(
        f"attack suite: {result.applied} scenarios applied, {len(result.escapes)} escapes, "
        f"{len(result.legitimate_denied)} legitimate denied, {len(result.known_open)} known "
        f"open, {len(result.not_applicable)} not applicable to this config"
    )
    if result.applied == 0:
        print("attack suite: FAIL: no scenario applies to this config, so nothing was checked")


def synth(config_path: Path, out: Path) -> int:
    """``cdk synth`` of app.py on the config: the CLI, cdk.json's context, every check pack."""
    if not CDK.exists():
        print(f"error: {CDK} not found: run scripts/bootstrap.sh", file=sys.stderr)
        return 1
    env = dict(os.environ)
    # The virtualenv's Node and python3 first, as scripts/synth.sh arranges.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), str(CDK.parent), env["PATH"]])
    command = [str(CDK), "synth", "--quiet", "-c", f"config={config_path}", "-o", str(out)]
    return subprocess.run(command, cwd=REPO, env=env, check=False).returncode


def previous_assembly(previous: str | None) -> tuple[Path | None, bool]:
    """The previous templates: a cdk.out folder as given, or a git ref synthesized into a
    temporary folder (its checkout's own app and default config); True when synthesized here."""
    if previous is None:
        return None, False
    if Path(previous).is_dir():
        return Path(previous), False
    print(f"== synth of {previous} (the previous templates)", flush=True)
    return synthesize_ref(previous, REPO), True


def check(
    config_path: Path, out: Path, previous: Path | None, accept: Sequence[str] = ()
) -> dict[str, bool]:
    """Runs the steps; step name -> passed. Later steps need the synth, so a failed synth stops."""
    passed: dict[str, bool] = {}
    try:
        config = load_config(config_path)
    except LandingZoneError as error:
        print(f"error: {error}", file=sys.stderr)
        return {"config": False}
    print(f"== synth ({config_path} -> {out})", flush=True)
    passed["synth"] = synth(config_path, out) == 0
    if not passed["synth"]:
        return passed
    print("== cfn-lint", flush=True)
    linted = lint(out)
    for problem in linted.problems:
        print(f"cfn-lint: {problem}")
    print(f"cfn-lint: {len(linted.templates)} templates, {len(linted.problems)} problems")
    passed["cfn-lint"] = not linted.problems
    print("== attack suite", flush=True)
    attack = run_attack_suite(config, out)
    _print_attack(attack)
    passed["attack suite"] = not attack.failed
    if previous is not None:
        print(f"== stateful guard (against {previous})", flush=True)
        try:
            changes = stateful_changes(read_templates(previous), read_templates(out))
        except GuardInputError as error:
            print(f"error: {error}", file=sys.stderr)
            passed["stateful guard"] = False
        else:
            passed["stateful guard"] = report(changes, accept) == 0
    return passed


def accepted_changes(path: Path) -> list[str]:
    """The ``TEMPLATE:LOGICAL_ID`` entries of an accept file; each needs a reason after ``#``,
    which the pull request's reviewers read."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ValueError(f"{path}: cannot be read ({error.strerror})") from None
    accepted = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        entry, _, reason = (part.strip() for part in text.partition("#"))
        template, _, logical_id = entry.partition(":")
        if not (template and logical_id and " " not in entry and reason):
            raise ValueError(
                f"{path}, line {number}: {text!r}; allowed: 'TEMPLATE:LOGICAL_ID  # reason' "
                "(a template name, its logical id, and why the change is made on purpose)"
            )
        accepted.append(entry)
    return accepted


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/check_config.sh",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config", nargs="?", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument(
        "--previous",
        help="the cdk.out of the last deployment, or a git ref (branch, tag, commit) whose "
        "checkout is synthesized with its default config (stateful guard)",
    )
    parser.add_argument(
        "--out", type=Path, help="where to synthesize (default: a temporary folder, removed)"
    )
    parser.add_argument(
        "--accept",
        action="append",
        default=[],
        metavar="TEMPLATE:LOGICAL_ID",
        help="a stateful change made on purpose (repeatable)",
    )
    parser.add_argument(
        "--accept-file",
        type=Path,
        help="a reviewed file of stateful changes made on purpose, one "
        "'TEMPLATE:LOGICAL_ID  # reason' per line (# comment lines and blank lines ignored)",
    )
    args = parser.parse_args(argv)
    config_path = args.config.resolve()
    if args.accept_file is not None:
        try:
            args.accept += accepted_changes(args.accept_file)
        except ValueError as error:
            print(f"error: --accept-file {error}", file=sys.stderr)
            return 2
    if args.out is not None and args.out.exists() and any(args.out.iterdir()):
        # The CLI leaves the templates of stacks that no longer exist: they would hide a removal.
        print(f"error: --out {args.out}: not empty; give a new folder", file=sys.stderr)
        return 2
    try:
        previous, synthesized = previous_assembly(args.previous)
    except AssemblyError as error:
        print(
            f"error: --previous {args.previous}: not a folder (a cdk.out), and as a git ref: "
            f"{error}",
            file=sys.stderr,
        )
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="lz-check-") as temporary:
            out = args.out.resolve() if args.out else Path(temporary) / "cdk.out"
            passed = check(config_path, out, previous, args.accept)
    finally:
        if synthesized and previous is not None:
            shutil.rmtree(previous.parent, ignore_errors=True)
    failed = [step for step, ok in passed.items() if not ok]
    if failed:
        print(f"check_config: FAIL ({', '.join(failed)}) for {config_path}")
        return 1
    print(f"check_config: OK ({', '.join(passed)}) for {config_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
