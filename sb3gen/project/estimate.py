"""What a network's project will weigh, known from its layer sizes alone: refused before any data is read or
network trained when it cannot fit the Scratch website's limits, saying what to shrink.

The script bytes come from a fit over compiled projects (196-8-10 to 196-64-64-10, en and ja, tables and
native; within 1%): every weight after the first layer is unrolled into blocks (~2.1 KB each), every neuron
has its own blocks. MARGIN keeps the estimate above the real size; tests/test_build_refusals.py fails when
the templates grow past it (then refit BASE_BYTES and the per-neuron bytes on compiled projects).
"""

from __future__ import annotations

from dataclasses import dataclass

from sb3gen.errors import Sb3genError
from sb3gen.ml.network import weight_count
from sb3gen.reference.packed import symbol_count

# project.json bytes of the scripts (no lists): fitted on compiled projects, see the module docstring
BASE_BYTES = 352_000  # the UI (pad, buttons, views) and the fixed network scripts
BYTES_PER_UNROLLED_WEIGHT = 2_150  # a weight of layer 2 onwards: forward, delta and update blocks
BYTES_PER_FIRST_NEURON = 4_400  # a neuron of the first layer
BYTES_PER_OTHER_NEURON = 1_600
BYTES_PER_LAYER = 15_920
BYTES_PER_WEIGHT_ITEM = 25  # the longest repr of a float64 and its comma, in `weights` and `shipped weights`
TABLE_BYTES = 400_300  # the exp and log tables of --math tables
OTHER_LIST_BYTES = 20_000  # pad, input, activations, ... (small)
MARGIN = 1.05


@dataclass(frozen=True)
class Estimate:
    project_json_bytes: int  # conservative: at least the real size
    weight_items: int  # items of the `weights` list


def estimate(layer_sizes: list[int], n_train: int, n_test: int, math: str) -> Estimate:
    sizes = [int(n) for n in layer_sizes]
    unrolled = sum(a * b for a, b in zip(sizes[1:-1], sizes[2:], strict=False))
    scripts = (BASE_BYTES + BYTES_PER_UNROLLED_WEIGHT * unrolled + BYTES_PER_FIRST_NEURON * sizes[1]
               + BYTES_PER_OTHER_NEURON * sum(sizes[2:]) + BYTES_PER_LAYER * len(sizes))
    weights = weight_count(sizes)
    # an image is one packed text item (reference/packed.py); at worst every symbol is escaped in JSON
    image_bytes = 2 * symbol_count(sizes[0]) + 3 + 2  # quotes and comma, then its label and comma
    lists = (2 * weights * BYTES_PER_WEIGHT_ITEM + (n_train + n_test) * image_bytes + OTHER_LIST_BYTES
             + (TABLE_BYTES if math == "tables" else 0))
    return Estimate(int((scripts + lists) * MARGIN), weights)


def check_fits(layer_sizes: list[int], n_train: int, n_test: int, math: str, *, what: str) -> None:
    """Sb3genError naming the part over a limit and the largest single hidden layer that would fit."""
    from sb3gen.scratch.packer import LIST_LIMIT, PROJECT_JSON_LIMIT

    found = estimate(layer_sizes, n_train, n_test, math)
    shape = "-".join(map(str, layer_sizes))
    if found.weight_items > LIST_LIMIT:
        raise Sb3genError(f"{what} {shape} has {found.weight_items:,} weights and biases, over Scratch's "
                          f"{LIST_LIMIT:,} items per list: {_advice(layer_sizes, n_train, n_test, math)}")
    if found.project_json_bytes > PROJECT_JSON_LIMIT:
        raise Sb3genError(f"{what} {shape} makes a project.json of about {found.project_json_bytes:,} "
                          f"bytes, over the website's {PROJECT_JSON_LIMIT:,} (each weight after the first "
                          f"layer is about {BYTES_PER_UNROLLED_WEIGHT:,} bytes of blocks): "
                          f"{_advice(layer_sizes, n_train, n_test, math)}")


MIN_BYTES_PER_WEIGHT_ITEM = 3  # "0," at least, in `weights` and again in `shipped weights`
MIN_UNROLLED_SHARE = 0.8  # a lower bound: at least 80% of the bytes the MLP fit gives a dense-to-dense weight


def check_layers_fit(layers: list, *, what: str) -> None:
    """Any network's layers (sb3gen.layers, a CNN's too) against the website's limits from arithmetic alone,
    a lower bound of the size so that nothing that fits is refused: the weights' list items, the two weight
    lists' bytes and the unrolled dense-to-dense weights. capacity.py then builds a stand-in project only for
    networks this cannot refuse (a stand-in of conv 8 + dense 5,000 once took 58 s and ran out of memory)."""
    from sb3gen import layers as layer_kinds
    from sb3gen.scratch.packer import LIST_LIMIT, PROJECT_JSON_LIMIT

    weights = layer_kinds.weight_count(layers)
    shape = ", ".join(layer_kinds.layer_text(layer) for layer in layers)
    if weights > LIST_LIMIT:
        raise Sb3genError(f"{what} {shape} has {weights:,} weights and biases, over Scratch's {LIST_LIMIT:,} "
                          "items per list: use fewer neurons or filters")
    unrolled = sum(a.units * b.units for a, b in zip(layers, layers[1:], strict=False)
                   if a.kind == b.kind == "dense")
    least = int(2 * weights * MIN_BYTES_PER_WEIGHT_ITEM
                + MIN_UNROLLED_SHARE * BYTES_PER_UNROLLED_WEIGHT * unrolled)
    if least > PROJECT_JSON_LIMIT:
        raise Sb3genError(f"{what} {shape} makes a project.json of at least {least:,} bytes, over the "
                          f"website's {PROJECT_JSON_LIMIT:,}: use fewer neurons (each weight between two "
                          f"dense layers is about {BYTES_PER_UNROLLED_WEIGHT:,} bytes of blocks)")


def largest_hidden(layer_sizes: list[int], n_train: int, n_test: int, math: str) -> int:
    """The largest h for which n_in-h-n_out fits every limit (0 if none does)."""
    from sb3gen.scratch.packer import LIST_LIMIT, PROJECT_JSON_LIMIT

    def fits(h: int) -> bool:
        found = estimate([layer_sizes[0], h, layer_sizes[-1]], n_train, n_test, math)
        return found.weight_items <= LIST_LIMIT and found.project_json_bytes <= PROJECT_JSON_LIMIT

    low, high = 0, LIST_LIMIT
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low


def _advice(layer_sizes: list[int], n_train: int, n_test: int, math: str) -> str:
    h = largest_hidden(layer_sizes, n_train, n_test, math)
    if h == 0:
        return "use fewer images (--train-images, --test-images)"
    return (f"use fewer neurons, e.g. one hidden layer of at most {h} "
            f"(--layers {layer_sizes[0]},{h},{layer_sizes[-1]})")
