"""Run .sb3 projects in the real Scratch runtimes (scratch-vm, TurboWarp) through Node; see runner.js."""

from sb3gen.vm.node_tools import ensure_node_tools, node_dir
from sb3gen.vm.runner import ENGINES, Case, Phase, RunResult, VMError, run_many, run_project

__all__ = [
    "ENGINES",
    "Case",
    "Phase",
    "RunResult",
    "VMError",
    "ensure_node_tools",
    "node_dir",
    "run_many",
    "run_project",
]
