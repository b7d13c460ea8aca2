"""Python side of runner.js: write the cases, run one Node process, read one JSON line per case."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sb3gen.errors import Sb3genError
from sb3gen.vm.node_process import RunnerFailed, run_runner
from sb3gen.vm.node_tools import ensure_node_tools

ENGINES = ("scratch-vm", "turbowarp")
DEFAULT_MAX_STEPS = 1000
DEFAULT_TIMEOUT_S = 300.0

Sb3 = bytes | str | os.PathLike


class VMError(Sb3genError):
    """A case failed: invalid project (scratch-parser's message), step cap, timeout or a bad action."""


@dataclass(frozen=True)
class Phase:
    """One action's cost. evaluations counts primitive calls (None in TurboWarp, which compiles blocks).

    With profile=True: scratch-vm gives evaluations by_opcode and by_procedure (custom block proccode);
    TurboWarp gives seconds_by_procedure, each custom block's own time without the custom blocks it calls.
    """

    action: str
    seconds: float
    steps: int
    evaluations: int | None
    by_opcode: dict[str, int] | None = None
    by_procedure: dict[str, int] | None = None
    seconds_by_procedure: dict[str, float] | None = None
    cpu_seconds: float | None = None  # CPU time of the runner (all threads): steadier on a busy machine


@dataclass(frozen=True)
class RunResult:
    """Final variables and lists of every sprite, `read` snapshots, and one Phase per action."""

    engine: str
    targets: dict[str, dict[str, dict[str, Any]]]
    snapshots: list[dict[str, dict[str, dict[str, Any]]]] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    total_evaluations: int | None = None

    @property
    def stage_variables(self) -> dict[str, Any]:
        return self.targets["Stage"]["variables"]

    @property
    def stage_lists(self) -> dict[str, list[Any]]:
        return self.targets["Stage"]["lists"]

    @property
    def seconds(self) -> float:
        return sum(phase.seconds for phase in self.phases)


@dataclass(frozen=True)
class Case:
    """One project run for run_many: an .sb3 (bytes or path) and its actions."""

    sb3: Sb3
    actions: list[dict[str, Any]]
    max_steps: int = DEFAULT_MAX_STEPS
    timeout_s: float = DEFAULT_TIMEOUT_S
    profile: bool = False


def run_project(
    sb3: Sb3,
    actions: list[dict[str, Any]],
    *,
    engine: str = "scratch-vm",
    max_steps: int = DEFAULT_MAX_STEPS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    profile: bool = False,
) -> RunResult:
    """Run one project; raise VMError with the runner's message if it fails."""
    case = Case(sb3, actions, max_steps=max_steps, timeout_s=timeout_s, profile=profile)
    return run_many([case], engine=engine)[0]  # type: ignore[return-value]


def run_many(
    cases: Sequence[Case], *, engine: str = "scratch-vm", return_errors: bool = False
) -> list[RunResult | VMError]:
    """Run all cases in one Node process, in order.

    A failing case raises VMError (message prefixed with the case index), or with return_errors=True
    takes its place in the list as a VMError and the other cases still run.
    """
    if engine not in ENGINES:
        raise Sb3genError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if not cases:
        return []
    node_folder = ensure_node_tools()
    with tempfile.TemporaryDirectory(prefix="sb3gen-run-") as tmp:
        specs = [_spec(case, index, Path(tmp)) for index, case in enumerate(cases)]
        payload = {"engine": engine, "cases": specs}
        try:
            lines = run_runner(node_folder, payload, [case.timeout_s for case in cases])
        except RunnerFailed as failure:
            raise VMError(f"case {failure.case}: {failure}") from None
    results: list[RunResult | VMError] = []
    for index, line in enumerate(lines):
        outcome = _parse(line, engine)
        if isinstance(outcome, VMError) and not return_errors:
            raise VMError(f"case {index}: {outcome}") if len(cases) > 1 else outcome
        results.append(outcome)
    return results


def _spec(case: Case, index: int, tmp: Path) -> dict[str, Any]:
    if isinstance(case.sb3, bytes | bytearray):
        path = tmp / f"case{index}.sb3"
        path.write_bytes(case.sb3)
    else:
        path = Path(case.sb3)
        if not path.is_file():
            raise Sb3genError(f"no such .sb3 file: {path}")
    return {
        "sb3_path": str(path.resolve()),
        "actions": case.actions,
        "max_steps": case.max_steps,
        "timeout_s": case.timeout_s,
        "profile": case.profile,
    }


def _parse(line: str, engine: str) -> RunResult | VMError:
    data = json.loads(line)
    if "error" in data:
        return VMError(data["error"])
    return RunResult(
        engine=engine,
        targets=data["targets"],
        snapshots=data["snapshots"],
        phases=[Phase(**phase) for phase in data["phases"]],
        total_evaluations=data["total_evaluations"],
    )
