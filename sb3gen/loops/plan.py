"""A network for the loop engine: its layers in order, checked, named and planned (lists, `weights` items).

Each layer reads the list the one before writes (`input` for the first) and writes `<name> out`; backward, it
reads `<name> error` (d loss / d its output) and writes the error list of the layer before. The params of all
layers follow each other in the stage list `weights` (each kind's flat_params, in layer order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from sb3gen.errors import Sb3genError
from sb3gen.kinds import Imported, Layer, Shape, kind

INPUT_LIST = "input"
RATE_VARIABLE = "epoch learning rate"
OUTPUTS_GIVING_PROBABILITIES = ("softmax",)  # the last layer's activation when it already gives them
OUTPUTS_GIVING_LOGITS = ("linear",)  # the network adds the softmax in blocks


@dataclass(frozen=True)
class LayerSpec:
    """A layer before it has a place in a network: its kind, the front end's Imported, its own name."""

    kind: str
    imported: Imported
    source: str = ""


@dataclass(frozen=True)
class LayerContext:
    """What a kind's plan() is told about the layer's place in the network."""

    in_list: str
    out_list: str
    error_list: str
    in_error_list: str | None  # None: the first layer, whose input needs no error
    first_item: int  # item in `weights` of the layer's first param
    rate: str  # variable holding the learning rate


def assemble(in_shape: Shape, specs: Sequence[LayerSpec]) -> list[Layer]:
    """Number, name and shape the layers ("dense 1", "dense 2", "activation 1": numbered per label)."""
    layers: list[Layer] = []
    counts: dict[str, int] = {}
    shape = tuple(int(n) for n in in_shape)
    for number, spec in enumerate(specs, start=1):
        module = kind(spec.kind)
        counts[module.LABEL] = counts.get(module.LABEL, 0) + 1
        out = tuple(int(n) for n in module.out_shape(shape, spec.imported.config))
        layers.append(Layer(kind=spec.kind, number=number, name=f"{module.LABEL} {counts[module.LABEL]}",
                            source=spec.source, in_shape=shape, out_shape=out,  # type: ignore[arg-type]
                            config=spec.imported.config, params=spec.imported.params))
        shape = out
    return layers


def output_activation(layer: Layer) -> str | None:
    return layer.config.get("activation") if layer.kind in ("dense", "activation") else None


def problems(layers: Sequence[Layer]) -> list[str]:
    """Every problem of every layer, then the network's own (all at once, each naming its layer)."""
    found = [f"{layer.where()}: {text}" for layer in layers for text in kind(layer.kind).problems(layer)]
    if not layers:
        return ["the network has no layers"]
    for layer in layers[:-1]:
        if output_activation(layer) == "softmax":
            found.append(f"{layer.where()}: softmax before the last layer; the blocks learn it only last")
    last = layers[-1]
    if output_activation(last) not in (*OUTPUTS_GIVING_PROBABILITIES, *OUTPUTS_GIVING_LOGITS):
        found.append(f"{last.where()}: the last layer must give logits (no activation) or softmax "
                     "probabilities")
    if last.out_shape[:2] != (1, 1) or last.n_out < 2:
        found.append(f"{last.where()}: the last layer must give one flat value per class, "
                     f"not {last.out_shape}")
    return found


def check(layers: Sequence[Layer]) -> None:
    found = problems(layers)
    if found:
        raise Sb3genError("the blocks cannot run this network:\n  " + "\n  ".join(found))


def ends_in_softmax(layers: Sequence[Layer]) -> bool:
    return output_activation(layers[-1]) in OUTPUTS_GIVING_PROBABILITIES


def out_list(layer: Layer) -> str:
    return f"{layer.name} out"


def error_list(layer: Layer) -> str:
    return f"{layer.name} error"


@dataclass(frozen=True)
class PlannedLayer:
    layer: Layer
    module: ModuleType
    plan: Any  # the kind's own plan object, handed to its template macros
    context: LayerContext

    @property
    def template(self) -> str:
        return self.module.TEMPLATE

    @property
    def randomizes(self) -> bool:
        """Whether the kind's template has randomize(plan) (`<name> randomize`, for `randomize weights`)."""
        return self.layer.param_count > 0 and hasattr(self.module, "RANDOM_INIT")

    @property
    def separate_update(self) -> bool:
        """Whether `learn from label` calls `<name> update` after every backward (a kind with
        UPDATE_IN_BACKWARD changes its weights inside its own backward, after they gave their errors)."""
        return self.layer.param_count > 0 and not getattr(self.module, "UPDATE_IN_BACKWARD", False)


def plan_network(layers: Sequence[Layer]) -> list[PlannedLayer]:
    check(layers)
    planned = []
    first_item = 1
    for index, layer in enumerate(layers):
        module = kind(layer.kind)
        context = LayerContext(
            in_list=INPUT_LIST if index == 0 else out_list(layers[index - 1]),
            out_list=out_list(layer),
            error_list=error_list(layer),
            in_error_list=None if index == 0 else error_list(layers[index - 1]),
            first_item=first_item,
            rate=RATE_VARIABLE,
        )
        planned.append(PlannedLayer(layer, module, module.plan(layer, context), context))
        first_item += module.flat_params(layer).size
    return planned


def flat_weights(layers: Sequence[Layer]) -> np.ndarray:
    """The stage list `weights`: every layer's flat_params, in layer order."""
    parts = [kind(layer.kind).flat_params(layer) for layer in layers]
    return np.concatenate(parts) if parts else np.zeros(0)
