"""One neutral description of a network's layers: kind, shapes, activation and place in the flat weights.

The ML side (sb3gen.ml), the numpy reference (sb3gen.reference), the project plan (sb3gen.project.plan)
and verify all read this description instead of working the layout out themselves. It knows nothing of
Keras, Scratch or project.json. A new layer kind is one row of KINDS here (its output shape and weights),
one reference function and one template.

The network's input is an image of side x side pixels, one channel; shapes are (rows, columns, channels).
Feature maps are stored row by row, column by column, channel by channel (Keras' channels_last), so a
Dense layer after a map reads it in Keras' Flatten order without any reordering.

Flat weight layout (the day-2 article's, extended to convolutions): layers in order; a layer with weights
stores, unit by unit, the weights into that unit, then one bias per unit.
  dense    unit = output neuron j: its n_in weights from the inputs in flattened order (column j of Keras'
           kernel, i.e. the kernel transposed), then the n_out biases.
  conv     unit = filter f: its k x k x channels kernel in order (kernel row, kernel column, input channel),
           i.e. Keras' kernel[:, :, :, f] read row-major, then the filters' biases. Valid padding, stride 1.
  maxpool  no weights: each output is the largest of a size x size window (stride = size).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sb3gen.errors import Sb3genError

Shape = tuple[int, int, int]
WINDOWED = ("conv", "maxpool")  # the layer kinds that slide a window over a map
HIDDEN_ACTIVATIONS = ("sigmoid", "relu")
OUTPUT_ACTIVATION = "softmax"


@dataclass(frozen=True)
class LayerSpec:
    """What a user or a Keras model asks for. size: dense units, conv filters, or the pool window."""

    kind: str
    size: int
    activation: str = "none"
    window: int = 3  # conv kernel side

    def to_dict(self) -> dict[str, Any]:
        """As network.json records a layer: a window only where the layer has one (conv: its kernel side;
        maxpool: its size, the pool's side); a dense layer has none."""
        data: dict[str, Any] = {"kind": self.kind, "size": self.size, "activation": self.activation}
        if self.kind in WINDOWED:
            data["window"] = self.window if self.kind == "conv" else self.size
        return data


@dataclass(frozen=True)
class Kind:
    """One table row: the output shape of a layer of this kind, and the weights each unit owns."""

    out_shape: Callable[[Shape, LayerSpec], Shape]
    fan_in: Callable[[Shape, LayerSpec], int]  # weights into one unit (0: no weights)
    units: Callable[[Shape, LayerSpec], int]  # units with their own weights and bias


def _conv_shape(shape: Shape, spec: LayerSpec) -> Shape:
    rows, cols, _ = shape
    if rows < spec.window or cols < spec.window:
        raise Sb3genError(f"a {spec.window}x{spec.window} convolution needs at least {spec.window}x"
                          f"{spec.window} inputs, gets {rows}x{cols}")
    return (rows - spec.window + 1, cols - spec.window + 1, spec.size)


def _pool_shape(shape: Shape, spec: LayerSpec) -> Shape:
    rows, cols, channels = shape
    if rows < spec.size or cols < spec.size:
        raise Sb3genError(f"a {spec.size}x{spec.size} max-pool needs at least that many inputs, gets "
                          f"{rows}x{cols}")
    return (rows // spec.size, cols // spec.size, channels)


KINDS: dict[str, Kind] = {
    "dense": Kind(lambda shape, spec: (1, 1, spec.size),
                  lambda shape, spec: shape[0] * shape[1] * shape[2], lambda shape, spec: spec.size),
    "conv": Kind(_conv_shape, lambda shape, spec: spec.window * spec.window * shape[2],
                 lambda shape, spec: spec.size),
    "maxpool": Kind(_pool_shape, lambda shape, spec: 0, lambda shape, spec: 0),
}


@dataclass(frozen=True)
class Layer:
    number: int  # 1 = first layer after the input
    kind: str
    in_shape: Shape
    out_shape: Shape
    activation: str  # "sigmoid" | "relu" | "softmax" | "none"
    window: int  # conv kernel side, pool size; 0 for dense
    fan_in: int  # weights into one unit
    units: int  # units owning weights (dense neurons, conv filters)
    w_offset: int  # 0-based index of the layer's first weight in the flat list
    b_offset: int  # 0-based index of its first bias

    @property
    def n_in(self) -> int:
        return self.in_shape[0] * self.in_shape[1] * self.in_shape[2]

    @property
    def n_out(self) -> int:
        return self.out_shape[0] * self.out_shape[1] * self.out_shape[2]

    @property
    def w_count(self) -> int:
        return self.fan_in * self.units

    @property
    def end(self) -> int:
        """0-based index just after the layer's biases."""
        return self.b_offset + self.units

    @property
    def is_output(self) -> bool:
        return self.activation == OUTPUT_ACTIVATION


def input_shape(n_inputs: int) -> Shape:
    """A square image of side x side pixels; a flat row when n_inputs is not a square."""
    side = int(round(n_inputs ** 0.5))
    return (side, side, 1) if side * side == n_inputs else (1, 1, n_inputs)


def mlp_specs(layer_sizes: list[int], hidden_activation: str) -> list[LayerSpec]:
    """Dense layers for sizes like [196, 32, 10]: hidden ones with `hidden_activation`, softmax output."""
    sizes = [int(n) for n in layer_sizes]
    return [LayerSpec("dense", n, OUTPUT_ACTIVATION if index == len(sizes) - 2 else hidden_activation, 3)
            for index, n in enumerate(sizes[1:])]


def describe(shape: Shape, specs: list[LayerSpec]) -> list[Layer]:
    """Shapes and weight offsets of every layer; refuses what the blocks cannot run, naming it."""
    if not specs:
        raise Sb3genError("a network needs at least one layer")
    layers: list[Layer] = []
    offset = 0
    flat = False
    for number, spec in enumerate(specs, start=1):
        if spec.kind not in KINDS:
            raise Sb3genError(f"layer {number}: unknown kind {spec.kind!r} (known: {', '.join(KINDS)})")
        if spec.size < 1:
            raise Sb3genError(f"layer {number} ({spec.kind}) must have a size of at least 1, got {spec.size}")
        if spec.kind != "dense" and flat:
            raise Sb3genError(f"layer {number} ({spec.kind}) comes after a dense layer; convolutions and "
                              "pooling must come first")
        if spec.kind == "conv" and spec.window != 3:
            raise Sb3genError(f"layer {number}: only 3x3 convolutions are supported, got {spec.window}x"
                              f"{spec.window}")
        kind = KINDS[spec.kind]
        out = kind.out_shape(shape, spec)
        fan_in, units = kind.fan_in(shape, spec), kind.units(shape, spec)
        window = {"dense": 0, "conv": spec.window, "maxpool": spec.size}[spec.kind]
        layers.append(Layer(number, spec.kind, shape, out, spec.activation, window, fan_in, units,
                            offset, offset + fan_in * units))
        offset += (fan_in + 1) * units if units else 0
        flat = flat or spec.kind == "dense"
        shape = out
    last = layers[-1]
    if last.kind != "dense" or last.activation != OUTPUT_ACTIVATION or last.n_out != 10:
        raise Sb3genError("the last layer must be dense with 10 softmax outputs (digits 0-9)")
    for layer in layers[:-1]:
        allowed = ("none",) if layer.kind == "maxpool" else HIDDEN_ACTIVATIONS
        if layer.activation not in allowed:
            raise Sb3genError(f"layer {layer.number} ({layer.kind}) has activation {layer.activation!r}; "
                              f"it must be one of {', '.join(allowed)}")
    return layers


def check_runnable(layers: list[Layer]) -> None:
    """What the Scratch blocks run: dense layers, or one or two relu conv layers each followed by a max-pool
    (conv, maxpool[, conv, maxpool]), then dense layers. Checked up front (build, --model) so nothing is
    trained or read for nothing."""
    kinds = [layer.kind for layer in layers]
    if "conv" not in kinds and "maxpool" not in kinds:
        return
    maps = 4 if kinds[2:4] == ["conv", "maxpool"] else 2
    if kinds[:2] != ["conv", "maxpool"] or any(kind != "dense" for kind in kinds[maps:]):
        raise Sb3genError("the Scratch blocks run one or two conv layers, each followed by a max-pool "
                          "(conv, maxpool[, conv, maxpool]), then dense layers; this network has "
                          f"{', '.join(kinds)}")
    for layer in layers[:maps:2]:
        if layer.activation != "relu":
            raise Sb3genError(f"the Scratch blocks run relu conv layers; layer {layer.number} (conv) has "
                              f"{layer.activation}")


def weight_count(layers: list[Layer]) -> int:
    return layers[-1].end


def flat_sizes(layers: list[Layer]) -> list[int]:
    """Inputs, then every layer's outputs, as flat counts: [196, 32, 10] for the default MLP."""
    return [layers[0].n_in] + [layer.n_out for layer in layers]


def is_dense_only(layers: list[Layer]) -> bool:
    return all(layer.kind == "dense" for layer in layers)


def layer_text(layer: Layer) -> str:
    """How the project's `layer kinds` list and the build output name a layer, e.g. 'conv 8 3x3 relu'."""
    if layer.kind == "dense":
        return f"dense {layer.n_out} {layer.activation}"
    if layer.kind == "conv":
        return f"conv {layer.out_shape[2]} {layer.window}x{layer.window} {layer.activation}"
    return f"maxpool {layer.window}x{layer.window}"


def spec_from_text(text: str) -> LayerSpec:
    """Inverse of layer_text: 'dense 32 relu', 'conv 8 3x3 relu', 'maxpool 2x2'."""
    parts = str(text).split()
    try:
        if parts[0] == "dense" and len(parts) == 3:
            return LayerSpec("dense", int(parts[1]), parts[2])
        if parts[0] == "conv" and len(parts) == 4:
            return LayerSpec("conv", int(parts[1]), parts[3], int(parts[2].split("x")[0]))
        if parts[0] == "maxpool" and len(parts) == 2:
            return LayerSpec("maxpool", int(parts[1].split("x")[0]))
    except (ValueError, IndexError):
        pass
    raise Sb3genError(f"cannot read the layer {text!r} (expected e.g. 'conv 8 3x3 relu', 'maxpool 2x2', "
                      "'dense 32 relu')")


def specs_from_dicts(items: list[dict[str, Any]]) -> list[LayerSpec]:
    try:
        # Only a conv layer's window is read: earlier files wrote "window": 3 on every layer, and a pool's
        # window is its size; so old and new files give equal specs.
        return [LayerSpec(str(d["kind"]), int(d["size"]), str(d.get("activation", "none")),
                          int(d.get("window", 3)) if d["kind"] == "conv" else 3) for d in items]
    except (KeyError, TypeError, ValueError) as exc:
        raise Sb3genError(f"malformed layer list ({type(exc).__name__}: {exc})") from None
