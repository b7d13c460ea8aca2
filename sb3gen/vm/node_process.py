"""Runs runner.js and reads its JSON lines, killing it if one case takes far longer than its timeout.

runner.js enforces each case's timeout between steps itself; this watchdog catches a step that never
returns (e.g. a forever loop inside a run-without-screen-refresh block in TurboWarp, whose compiled
loops do not yield), so one bad case cannot hang the caller.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sb3gen.errors import Sb3genError
from sb3gen.vm.node_tools import RUNNER, node_executable

STARTUP_ALLOWANCE_S = 30.0  # loading Node and a runtime, on top of the first case's allowance
CASE_GRACE_S = 30.0  # validating and loading a large project, on top of each case's timeout_s


class RunnerFailed(Sb3genError):
    """runner.js crashed or hung; `case` is the index of the case it was working on."""

    def __init__(self, message: str, case: int) -> None:
        super().__init__(message)
        self.case = case


def run_runner(node_folder: Path, payload: dict[str, Any], timeouts: list[float]) -> list[str]:
    """One JSON line per case, in order."""
    process = subprocess.Popen(
        [node_executable(), str(RUNNER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "SB3GEN_NODE_DIR": str(node_folder)},
    )
    lines: queue.Queue[str | None] = queue.Queue()
    stderr_tail: deque[str] = deque(maxlen=8)
    threading.Thread(target=_pump, args=(process.stdout, lines.put), daemon=True).start()
    threading.Thread(target=_pump, args=(process.stderr, stderr_tail.append), daemon=True).start()
    assert process.stdin is not None
    process.stdin.write(json.dumps(payload))
    process.stdin.close()
    results: list[str] = []
    try:
        for index, timeout in enumerate(timeouts):
            allowance = timeout + CASE_GRACE_S + (STARTUP_ALLOWANCE_S if index == 0 else 0)
            try:
                line = lines.get(timeout=allowance)
            except queue.Empty:
                raise RunnerFailed(
                    f"the Scratch runtime did not return within {allowance:.0f} s (a step that never ends, "
                    "e.g. a forever loop in a run-without-screen-refresh block?)",
                    index,
                ) from None
            if line is None:
                break
            results.append(line)
    finally:
        if len(results) < len(timeouts):
            process.kill()
        code = process.wait()
    if len(results) < len(timeouts) or code != 0:
        tail = " | ".join(line.strip() for line in stderr_tail if line and line.strip())  # None ends it
        raise RunnerFailed(f"runner.js failed (exit {code}): {tail}", len(results))
    return results


def _pump(stream: Iterable[str] | None, put: Any) -> None:
    assert stream is not None
    for line in stream:
        put(line)
    put(None)
