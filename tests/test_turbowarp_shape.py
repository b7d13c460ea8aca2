"""The network's custom blocks stay short enough for TurboWarp: it compiles each one to a JavaScript
function, and V8 gave up optimising the long ones (a 320-multiply-add block ran 30x slower than ten blocks of
32; see docs/blocks.md). Every block of the Network sprite holds at most about one neuron's work."""

from __future__ import annotations

import numpy as np
import pytest

from sb3gen.project.network import build_network_project
from sb3gen.scratch import compile_project

MAX_MULTIPLIES = 64  # per custom block; a 32-input neuron has 32


def multiplies_per_custom_block(sizes: list[int], activation: str) -> dict[str, int]:
    rng = np.random.default_rng(0)
    n_weights = sum((a + 1) * b for a, b in zip(sizes, sizes[1:], strict=False))
    images = (rng.random((4, sizes[0])) > 0.7).astype(int)
    labels = np.arange(4) % 10
    project = build_network_project(sizes, activation, rng.normal(size=n_weights), images, labels, images,
                                    labels)
    network = next(t for t in compile_project(project).project_json["targets"] if t["name"] == "Network")
    blocks = network["blocks"]
    counts: dict[str, int] = {}
    for block in blocks.values():
        if isinstance(block, dict) and block["opcode"] == "procedures_definition":
            prototype = blocks[block["inputs"]["custom_block"][1]]
            proccode = prototype["mutation"]["proccode"]
            counts[proccode] = count_below(blocks, block["next"], "operator_multiply")
    return counts


def count_below(blocks: dict, block_id: str | None, opcode: str) -> int:
    """How many `opcode` blocks a script holds from block_id on (its stack, inputs and nested stacks)."""
    total = 0
    pending = [block_id]
    while pending:
        current = pending.pop()
        if not isinstance(current, str) or current not in blocks or not isinstance(blocks[current], dict):
            continue
        block = blocks[current]
        total += block["opcode"] == opcode
        pending.append(block["next"])
        pending.extend(value[1] for value in block["inputs"].values() if len(value) > 1)
        pending.extend(value[2] for value in block["inputs"].values() if len(value) > 2)
    return total


@pytest.mark.parametrize("sizes,activation", [([196, 32, 10], "sigmoid"), ([196, 20, 8, 4, 10], "sigmoid"),
                                              ([196, 64, 10], "relu")])
def test_no_custom_block_holds_more_than_a_neurons_work(sizes: list[int], activation: str) -> None:
    counts = multiplies_per_custom_block(sizes, activation)
    assert max(counts.values()) <= MAX_MULTIPLIES, sorted(counts.items(), key=lambda kv: -kv[1])[:3]
    # and the work is still there: one forward block per neuron of every dense layer after the first
    for layer, n_out in enumerate(sizes[2:], start=2):
        names = [f"output digit {d} forward" for d in range(n_out)] if layer == len(sizes) - 1 else \
            [f"dense {layer} neuron {k} forward" for k in range(1, n_out + 1)]
        assert sum(name in counts for name in names) == n_out
