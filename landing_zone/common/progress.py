"""Progress of a long synth on stderr: the stage, and stacks done of the total.

A synth of thousands of accounts runs for minutes, mostly inside jsii, where Python cannot count
what is done. What Python can see without calling into Node (jsii's kernel must not be called
from a second thread) is the cloud assembly growing on disk: a thread counts the stack templates
written to the output directory while ``app.synth()`` runs, and says when the check packs start,
which is when the last template is there.

Shown when stderr is a terminal, or when the process that started the app writes to one (the CDK
CLI runs the app with pipes and forwards its stderr line by line), or when ``LZ_PROGRESS=1``;
``LZ_PROGRESS=0`` turns it off.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

ANCESTORS_CHECKED = 4
"""How far up the process tree a terminal is looked for (the CLI may run the app via a shell)."""


def wanted(stream: TextIO | None = None, environ: dict[str, str] | None = None) -> bool:
    """Whether progress should be shown on ``stream`` (stderr by default)."""
    setting = (os.environ if environ is None else environ).get("LZ_PROGRESS", "")
    if setting in ("0", "1"):
        return setting == "1"
    stream = sys.stderr if stream is None else stream
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):  # closed or not a real stream
        return False
    return _ancestor_writes_to_a_terminal()


def _ancestor_writes_to_a_terminal() -> bool:
    """Whether a parent process (up to ``ANCESTORS_CHECKED``) has its stderr on a terminal:
    Linux's /proc only; elsewhere, False."""
    pid = os.getppid()
    for _ in range(ANCESTORS_CHECKED):
        if pid <= 1:
            return False
        try:
            target = os.readlink(f"/proc/{pid}/fd/2")
            status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
        except OSError:
            return False
        if target.startswith(("/dev/pts/", "/dev/tty")):
            return True
        parent = next((line for line in status.splitlines() if line.startswith("PPid:")), "")
        pid = int(parent.split()[1]) if parent else 0
    return False


class Progress:
    """Writes ``<stage>: <message>`` lines, each with the seconds since the start."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self._stream = sys.stderr if stream is None else stream
        self.enabled = wanted(self._stream) if enabled is None else enabled
        self._start = time.monotonic()
        self._lock = threading.Lock()

    def say(self, stage: str, message: str) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self._start
        with self._lock:
            print(f"[{elapsed:6.1f}s] {stage}: {message}", file=self._stream, flush=True)

    @contextmanager
    def watching_templates(
        self, outdir: str | Path, total: int, *, interval: float = 0.5
    ) -> Iterator[None]:
        """While the body runs (``app.synth()``), report the stack templates written to
        ``outdir`` out of ``total``: at every tenth of the total (or every template when there
        are few), then once when all are there and the checks start."""
        if not self.enabled or total <= 0:
            yield
            return
        done = threading.Event()
        thread = threading.Thread(
            target=_watch,
            args=(Path(outdir), total, interval, done, self.say),
            name="lz-progress",
            daemon=True,
        )
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()


def _watch(
    outdir: Path,
    total: int,
    interval: float,
    done: threading.Event,
    say: Callable[[str, str], None],
) -> None:
    step = max(1, total // 10)
    reported = 0
    # Templates left by an earlier synth in the same directory do not count.
    since = time.time() - 1
    while not done.wait(interval):
        written = _stack_templates(outdir, since)
        if written >= total:
            say("synth", f"{total} of {total} stack templates written")
            say("checks", f"check packs running over the {total} stacks")
            return
        if written // step > reported // step:
            reported = written
            say("synth", f"{written} of {total} stack templates written")


def _stack_templates(outdir: Path, since: float) -> int:
    """Stack templates written to ``outdir`` at or after ``since`` (StackSet templates are
    part of their stack's)."""
    try:
        return sum(
            1
            for entry in os.scandir(outdir)
            if entry.name.endswith(".template.json")
            and not entry.name.endswith(".stackset.template.json")
            and entry.stat().st_mtime >= since
        )
    except OSError:
        return 0
