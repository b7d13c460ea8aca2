"""A command's phases on stderr, so a long build never sits silent.

On a terminal a phase is one line redrawn as it advances (a bar when its size is known) and left with what it
did and how long it took. Elsewhere (a log, a pipe, CI) each phase is one line when it ends: its name, what it
did and its seconds.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

REDRAW_SECONDS = 0.1  # at most ten redraws a second on a terminal
# A finished phase's line in a log ("copies: ... (8.6 s)"): what a refusal may follow, so a caller reading
# stderr can tell the phases done before it from the one line of the refusal itself.
PHASE_LINE = re.compile(r".*\(\d+\.\d s(, \d+\.\d s CPU)?\)$")


class Phase:
    def __init__(self, stream: TextIO, redraw: bool, label: str, total: int | None) -> None:
        self.stream, self.redraw, self.label, self.total = stream, redraw, label, total
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()
        self.done_text = ""
        self._drawn = 0.0

    def update(self, done: int, detail: str = "") -> None:
        """`done` of `total` steps finished (redrawn on a terminal only)."""
        now = time.perf_counter()
        if not self.redraw or (now - self._drawn < REDRAW_SECONDS and done != self.total):
            return
        self._drawn = now
        bar = ""
        if self.total:
            filled = round(20 * min(done / self.total, 1.0))
            bar = f" [{'#' * filled}{'.' * (20 - filled)}] {done}/{self.total}"
        detail = f", {detail}" if detail else ""
        self.stream.write(f"\r{self.label}{bar}{detail} ({now - self.started:.0f} s)\033[K")
        self.stream.flush()

    def finish(self, text: str) -> None:
        """What the phase did, shown when it ends."""
        self.done_text = text

    def seconds(self, cpu: bool) -> str:
        """Its wall time; with cpu, also the process's CPU time (all threads): on a shared machine the wall
        time says little."""
        wall = f"{time.perf_counter() - self.started:.1f} s"
        return f"{wall}, {time.process_time() - self.cpu_started:.1f} s CPU" if cpu else wall


class Progress:
    """verbose: each phase's start and end on lines of their own (TensorFlow and Keras print in between),
    with its CPU seconds too."""

    def __init__(self, stream: TextIO | None = None, enabled: bool = True, verbose: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stderr
        # (sys.stderr is None when Python started without file descriptor 2)
        self.enabled, self.verbose = enabled and self.stream is not None, verbose
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty and isatty())

    @contextmanager
    def phase(self, label: str, total: int | None = None) -> Iterator[Phase]:
        redraw = self.tty and not self.verbose
        phase = Phase(self.stream, self.enabled and redraw, label, total)
        # (start, stopped, end) per way of showing. A failed phase leaves no line of its own (a terminal's is
        # erased): the error message is then the one line a refusal prints.
        if self.verbose:
            texts = (f"{label} ...\n", "", f"{label}: {{}}\n")
        elif redraw:
            texts = (f"\r{label} ...\033[K", "\r\033[K", f"\r{label}: {{}}\033[K\n")
        else:
            texts = ("", "", f"{label}: {{}}\n")
        self._write(texts[0])
        try:
            yield phase
        except BaseException:
            self._write(texts[1])
            raise
        self._write(texts[2].format(f"{phase.done_text or 'done'} ({phase.seconds(self.verbose)})"))

    def _write(self, text: str) -> None:
        if self.enabled and text:
            self.stream.write(text)
            self.stream.flush()
