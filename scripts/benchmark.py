#!/usr/bin/env python3
"""Measures `cdk synth` with the real CLI: wall time and peak memory, per organization size.

    python scripts/benchmark.py                       # sizes 10,100,1000,5000, one run each
    python scripts/benchmark.py --sizes 10,100 --repeat 3 --json

Cases, measured in one run: an empty CDK app (one empty stack: the floor that jsii and Node set;
a second one without CDK's built-in CloudFormation validation, as app.py builds its App),
the reference config and configs of generated organizations (scripts/generate_org.py). Each
synth runs `cdk synth --quiet -o <tmpdir>` from the repository root, with the Python that runs
this script and the CDK CLI of node_modules first on PATH. Peak memory is the largest sum of the
resident set sizes of the CLI and all its descendants (the app's Python and jsii's Node), sampled
every 50 ms (--interval); a page shared by several processes counts in each of them, so the sum
somewhat overstates what the tree really uses.

Python's bytecode cache is on, in the temporary folder (PYTHONPYCACHEPREFIX; a machine that sets
PYTHONDONTWRITEBYTECODE would otherwise compile the app's own modules at every synth, while the
empty app's come compiled from pip), filled by one untimed synth of each app before the timed
runs; --cold-bytecode measures without it.

Exits 1 when a synth fails (a cdk-nag finding fails it) or a template has more resources than the
project allows.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
import yaml
from generate_org import generate_config, render

from landing_zone.summary import MAX_RESOURCES_PER_STACK, findings, templates

REPO = Path(__file__).resolve().parents[1]
REFERENCE_CONFIG = REPO / "config" / "landing-zone.yaml"
CDK = REPO / "node_modules" / ".bin" / "cdk"
MIB = 1024 * 1024
PINNED_SIZE = 1000
"""The generated size that also runs with pinned accounts (--pinned)."""
FINDINGS_SHOWN = 10
"""Findings listed per case under the table; --json has them all."""

EMPTY_APP = """\
from aws_cdk import App, Stack

app = App({props})
Stack(app, "Empty")
app.synth()
"""
"""The floor: an empty app as ``App()`` gives it. A second empty app is built like app.py's,
without CDK's built-in CloudFormation validation, to show what that setting alone changes."""


@dataclass(frozen=True)
class Case:
    name: str
    accounts: int | None
    """Accounts in the config; None for the empty app."""
    args: tuple[str, ...]
    """What selects the app: `-c config=...` or `--app ...`."""


@dataclass(frozen=True)
class Synth:
    """One measured `cdk synth`."""

    ok: bool
    wall_seconds: float
    peak_rss_mib: float
    stacks: int
    resources: int
    max_resources: int
    largest_stack: str | None
    findings: list[str]
    """Unacknowledged check-pack findings."""
    warnings: list[str]
    """CDK construct warnings."""
    error: str | None


@dataclass
class Result:
    case: Case
    synths: list[Synth] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(synth.ok for synth in self.synths)

    @property
    def wall_seconds(self) -> float:
        return statistics.median(synth.wall_seconds for synth in self.synths)

    @property
    def peak_rss_mib(self) -> float:
        return statistics.median(synth.peak_rss_mib for synth in self.synths)

    @property
    def last(self) -> Synth:
        return self.synths[-1]


@dataclass(frozen=True)
class Growth:
    """The marginal cost of one more account between two generated organizations."""

    from_accounts: int
    to_accounts: int
    seconds_per_account: float
    mib_per_account: float


class PeakTreeRss:
    """Samples the summed RSS of a process and its descendants until stopped; keeps the peak."""

    def __init__(self, pid: int, interval_seconds: float) -> None:
        self._process = psutil.Process(pid)
        self._interval = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.peak_bytes = 0

    def __enter__(self) -> PeakTreeRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self._sample())
            self._stop.wait(self._interval)

    def _sample(self) -> int:
        try:
            processes = [self._process, *self._process.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for process in processes:
            # A process may exit between the listing and the reading.
            try:
                total += process.memory_info().rss
            except psutil.Error:
                continue
        return total


def _kill_tree(pid: int) -> None:
    try:
        process = psutil.Process(pid)
        processes = [*process.children(recursive=True), process]
    except psutil.Error:
        return
    for each in processes:
        try:
            each.kill()
        except psutil.Error:
            continue


def _environment(pycache: Path | None) -> dict[str, str]:
    # `python3` in cdk.json and in --app must be the interpreter that runs the benchmark (the
    # virtualenv, whose Node 24 jsii then uses), and `cdk` the pinned CLI.
    path = os.pathsep.join(
        [str(Path(sys.executable).parent), str(CDK.parent), os.environ.get("PATH", "")]
    )
    environment = {**os.environ, "PATH": path}
    if pycache is not None:
        # Python's bytecode cache as on a machine that does not set PYTHONDONTWRITEBYTECODE: the
        # empty app's modules come compiled from pip, the app's own would otherwise be compiled
        # from source at every synth (about 0.2 s of the reference here). The cache lives in
        # the benchmark's temporary folder, not in the checkout.
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        environment["PYTHONPYCACHEPREFIX"] = str(pycache)
    return environment


def synth(
    case: Case,
    workdir: Path,
    *,
    interval_seconds: float,
    timeout_seconds: float,
    pycache: Path | None = None,
) -> Synth:
    outdir = Path(tempfile.mkdtemp(prefix="cdk.out-", dir=workdir))
    log_path = workdir / f"{outdir.name}.log"
    command = [str(CDK), "synth", "--quiet", *case.args, "-o", str(outdir)]
    error: str | None = None
    with log_path.open("wb") as log:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=REPO, env=_environment(pycache), stdout=log, stderr=subprocess.STDOUT
        )
        with PeakTreeRss(process.pid, interval_seconds) as memory:
            try:
                returncode = process.wait(timeout=timeout_seconds)
            except subprocess.TimeoutExpired:
                _kill_tree(process.pid)
                returncode = process.wait()
                error = f"timed out after {timeout_seconds:.0f} s"
        wall = time.perf_counter() - start
    if returncode != 0 and error is None:
        tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
        error = f"exit code {returncode}:\n" + "\n".join(tail)
    rows = templates(outdir) if outdir.exists() else []
    largest = max(rows, key=lambda row: row.resources, default=None)
    pack_findings, warnings = findings(outdir) if outdir.exists() else ([], [])
    return Synth(
        ok=error is None,
        wall_seconds=wall,
        peak_rss_mib=memory.peak_bytes / MIB,
        stacks=len(rows),
        resources=sum(row.resources for row in rows),
        max_resources=largest.resources if largest else 0,
        largest_stack=largest.name if largest else None,
        findings=pack_findings,
        warnings=warnings,
        error=error,
    )


def cases(workdir: Path, sizes: Sequence[int], pinned: int = 0) -> list[Case]:
    empty_app = workdir / "empty_app.py"
    empty_app.write_text(EMPTY_APP.format(props=""), encoding="utf-8")
    unvalidated_app = workdir / "empty_app_without_validation.py"
    unvalidated_app.write_text(
        EMPTY_APP.format(props="builtin_cloud_formation_validation=False"), encoding="utf-8"
    )
    reference = yaml.safe_load(REFERENCE_CONFIG.read_text(encoding="utf-8"))
    found = [
        Case("empty app", None, ("--app", f"python3 {shlex.quote(str(empty_app))}")),
        Case(
            "empty, no CFN validation",
            None,
            ("--app", f"python3 {shlex.quote(str(unvalidated_app))}"),
        ),
        Case("reference", len(reference["accounts"]), ("-c", f"config={REFERENCE_CONFIG}")),
    ]
    for size in sizes:
        config = workdir / f"org-{size}.yaml"
        config.write_text(render(generate_config(size)), encoding="utf-8")
        found.append(Case(f"generated {size}", size, ("-c", f"config={config}")))
    if pinned and PINNED_SIZE in sizes:
        # The same organization with some accounts pinned to fixed VPC ranges: each keeps a
        # template of its own, which is what a pinned account costs.
        config = workdir / f"org-{PINNED_SIZE}-pinned-{pinned}.yaml"
        config.write_text(render(generate_config(PINNED_SIZE, pinned)), encoding="utf-8")
        found.append(
            Case(f"{PINNED_SIZE}, {pinned} pinned", PINNED_SIZE, ("-c", f"config={config}"))
        )
    return found


def pinned_cost(results: Sequence[Result], pinned: int) -> tuple[float, float] | None:
    """Seconds and MiB one pinned account adds (the pinned case over its plain size)."""
    by_name = {result.case.name: result for result in results if result.ok}
    plain = by_name.get(f"generated {PINNED_SIZE}")
    with_pinned = by_name.get(f"{PINNED_SIZE}, {pinned} pinned")
    if plain is None or with_pinned is None or pinned <= 0:
        return None
    return (
        (with_pinned.wall_seconds - plain.wall_seconds) / pinned,
        (with_pinned.peak_rss_mib - plain.peak_rss_mib) / pinned,
    )


def growth(results: Sequence[Result]) -> list[Growth]:
    generated = sorted(
        (result for result in results if result.case.name.startswith("generated") and result.ok),
        key=lambda result: result.case.accounts or 0,
    )
    steps = []
    for smaller, larger in itertools.pairwise(generated):
        low, high = smaller.case.accounts or 0, larger.case.accounts or 0
        steps.append(
            Growth(
                low,
                high,
                (larger.wall_seconds - smaller.wall_seconds) / (high - low),
                (larger.peak_rss_mib - smaller.peak_rss_mib) / (high - low),
            )
        )
    return steps


def table(results: Sequence[Result], repeat: int, pinned: int = 0) -> str:
    floor = results[0]
    headers = (
        "case",
        "accounts",
        "synth",
        "wall s",
        "+empty s",
        "x empty",
        "peak MiB",
        "+empty MiB",
        "stacks",
        "resources",
        "max/stack",
        "findings",
        "warnings",
    )
    rows = [
        (
            result.case.name,
            "-" if result.case.accounts is None else str(result.case.accounts),
            "ok" if result.ok else "FAILED",
            f"{result.wall_seconds:.1f}",
            f"{result.wall_seconds - floor.wall_seconds:+.1f}",
            f"{result.wall_seconds / floor.wall_seconds:.1f}" if floor.wall_seconds else "-",
            f"{result.peak_rss_mib:.0f}",
            f"{result.peak_rss_mib - floor.peak_rss_mib:+.0f}",
            str(result.last.stacks),
            str(result.last.resources),
            str(result.last.max_resources)
            + (" !" if result.last.max_resources > MAX_RESOURCES_PER_STACK else ""),
            str(len(result.last.findings)),
            str(len(result.last.warnings)),
        )
        for result in results
    ]
    widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join(
            [first, *(cell.rjust(w) for cell, w in zip(cells[1:], widths[1:], strict=True))]
        )

    runs = "one run" if repeat == 1 else f"median of {repeat} runs"
    out = [
        f"cdk synth, {runs} per case ({os.cpu_count()} CPUs; +empty: over the empty app)",
        "",
        line(headers),
        line(["-" * w for w in widths]),
        *(line(row) for row in rows),
    ]
    steps = growth(results)
    if steps:
        out += ["", "Marginal cost of one more account (generated organizations):"]
        out += [
            f"  {step.from_accounts:>6} -> {step.to_accounts:<6} accounts: "
            f"{step.seconds_per_account * 1000:+8.2f} ms/account  "
            f"{step.mib_per_account * 1024:+8.1f} KiB/account"
            for step in steps
        ]
    cost = pinned_cost(results, pinned)
    if cost is not None:
        out += [
            "",
            f"One pinned account (own template, fixed VPC range) at {PINNED_SIZE} accounts: "
            f"{cost[0] * 1000:+.0f} ms, {cost[1]:+.1f} MiB",
        ]
    problems = []
    for result in results:
        last = result.last
        if last.max_resources > MAX_RESOURCES_PER_STACK:
            problems.append(
                f"! {result.case.name}: {last.largest_stack} has {last.max_resources} "
                f"resources (limit {MAX_RESOURCES_PER_STACK})"
            )
        shown = last.findings[:FINDINGS_SHOWN]
        problems += [f"! {result.case.name}: finding {finding}" for finding in shown]
        if len(last.findings) > len(shown):
            problems.append(f"! {result.case.name}: ... {len(last.findings) - len(shown)} more")
        problems += [
            f"! {result.case.name}: synth failed, {synth_.error}"
            for synth_ in result.synths
            if synth_.error is not None
        ]
    return "\n".join([*out, *([""] if problems else []), *problems])


def as_json(results: Sequence[Result], repeat: int) -> str:
    return json.dumps(
        {
            "repeat": repeat,
            "cpus": os.cpu_count(),
            "max_resources_per_stack": MAX_RESOURCES_PER_STACK,
            "cases": [
                {
                    "name": result.case.name,
                    "accounts": result.case.accounts,
                    "ok": result.ok,
                    "wall_seconds": result.wall_seconds,
                    "peak_rss_mib": result.peak_rss_mib,
                    "runs": [asdict(synth_) for synth_ in result.synths],
                }
                for result in results
            ],
            "growth": [asdict(step) for step in growth(results)],
        },
        indent=2,
    )


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated account counts such as 10,100,1000; got {text!r}"
        ) from None
    return sorted(set(sizes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=[10, 100, 1000, 5000],
        help="accounts of the generated organizations (default: 10,100,1000,5000)",
    )
    parser.add_argument(
        "--pinned",
        type=int,
        default=50,
        help=f"pinned accounts of an extra {PINNED_SIZE}-account case, 0 for none (default: 50)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per case; the median is shown (default: 1)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument(
        "--interval",
        type=float,
        default=0.05,
        help="seconds between memory samples (default: 0.05)",
    )
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds allowed per synth (default: 1800)"
    )
    parser.add_argument(
        "--cold-bytecode",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE as the environment sets it: the app's own modules "
        "are compiled at every synth (default: a bytecode cache in the temporary folder, "
        "filled by one untimed synth of each case)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1; got {args.repeat}")
    if not CDK.exists():
        parser.error(f"the CDK CLI is missing at {CDK}; run scripts/bootstrap.sh")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lz-benchmark-") as tmp:
        workdir = Path(tmp)
        try:
            results = [Result(case) for case in cases(workdir, args.sizes, args.pinned)]
        except ValueError as error:
            parser.error(str(error))
        pycache = None if args.cold_bytecode else workdir / "pycache"
        if pycache is not None:
            # The empty apps and app.py once each: every config case runs the same modules.
            warm_ups = [result.case for result in results if result.case.accounts is None]
            warm_ups += [result.case for result in results if result.case.accounts is not None][:1]
            for case in warm_ups:
                print(f"[warm-up, untimed] {case.name} ...", file=sys.stderr, flush=True)
                synth(
                    case,
                    workdir,
                    interval_seconds=args.interval,
                    timeout_seconds=args.timeout,
                    pycache=pycache,
                )
        # Case after case within a repetition, so drift in machine load spreads over all cases.
        for run in range(args.repeat):
            for index, result in enumerate(results, 1):
                print(
                    f"[run {run + 1}/{args.repeat}, case {index}/{len(results)}] "
                    f"{result.case.name} ...",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
                measured = synth(
                    result.case,
                    workdir,
                    interval_seconds=args.interval,
                    timeout_seconds=args.timeout,
                    pycache=pycache,
                )
                result.synths.append(measured)
                print(
                    f" {'ok' if measured.ok else 'FAILED'} in {measured.wall_seconds:.1f} s",
                    file=sys.stderr,
                )
    print(as_json(results, args.repeat) if args.json else table(results, args.repeat, args.pinned))
    print(f"benchmark took {time.perf_counter() - started:.0f} s", file=sys.stderr)
    over = any(result.last.max_resources > MAX_RESOURCES_PER_STACK for result in results)
    return 1 if over or not all(result.ok for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
