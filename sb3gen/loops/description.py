"""The layers of a loop project, written into it (stage list `loop layers`, one text per layer) so that
`sb3gen verify` can rebuild the network from the project alone: kind, names, shapes, config and the shapes of
its params as Python literals; the params themselves are the layer's items of `weights`.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from sb3gen.errors import Sb3genError
from sb3gen.kinds import KINDS, Layer, kind

LIST_NAME = "loop layers"


def describe_layers(layers: Sequence[Layer]) -> list[str]:
    return [repr({"kind": layer.kind, "name": layer.name, "source": layer.source,
                  "in_shape": tuple(layer.in_shape), "out_shape": tuple(layer.out_shape),
                  "config": dict(layer.config), "params": [tuple(p.shape) for p in layer.params]})
            for layer in layers]


def flat_order(layer: Layer) -> np.ndarray:
    """Where each item of the layer's flat_params comes from in its params (ravelled one after another):
    a kind's flat_params only reorders its params, so numbering them shows the order."""
    sizes = [p.size for p in layer.params]
    starts = np.cumsum([0, *sizes])
    numbered = tuple(np.arange(starts[i], starts[i + 1], dtype=np.float64).reshape(p.shape)
                     for i, p in enumerate(layer.params))
    order = np.asarray(kind(layer.kind).flat_params(replace(layer, params=numbered)))
    if order.size != starts[-1] or not np.array_equal(np.sort(order), np.arange(starts[-1])):
        raise Sb3genError(f"{layer.where()}: its flat params are not a reordering of its params")
    return order.astype(np.int64)


def read_layers(items: Sequence[object], weights: np.ndarray, label: str) -> list[Layer]:
    """The layers described by `loop layers`, their params taken from `weights` (Sb3genError if they do not
    fit: not a loop project sb3gen wrote)."""
    layers: list[Layer] = []
    offset = 0
    for number, item in enumerate(items, start=1):
        try:
            entry = ast.literal_eval(str(item))
            if entry["kind"] not in KINDS:
                raise ValueError(f"unknown kind {entry['kind']!r}")
            shapes = [tuple(int(n) for n in s) for s in entry["params"]]
            sizes = [int(np.prod(s)) for s in shapes]
            if offset + sum(sizes) > weights.size or min(sizes, default=0) < 0:
                raise ValueError("`weights` is shorter than the layers need")
            layer = Layer(kind=entry["kind"], number=number, name=str(entry["name"]),
                          source=str(entry["source"]), in_shape=tuple(entry["in_shape"]),
                          out_shape=tuple(entry["out_shape"]), config=entry["config"],
                          params=tuple(np.zeros(s) for s in shapes))
        except (ValueError, SyntaxError, KeyError, TypeError, MemoryError, RecursionError) as exc:
            raise Sb3genError(f"{label}: layer {number} of `{LIST_NAME}` cannot be read ({exc})") from None
        entries = np.empty(layer.param_count)
        entries[flat_order(layer)] = weights[offset:offset + layer.param_count]
        starts = np.cumsum([0, *sizes])
        layers.append(replace(layer, params=tuple(entries[starts[i]:starts[i + 1]].reshape(s)
                                                  for i, s in enumerate(shapes))))
        offset += layer.param_count
    if offset != weights.size:
        raise Sb3genError(f"{label}: `weights` holds {weights.size:,} items, the layers need {offset:,}")
    return layers
