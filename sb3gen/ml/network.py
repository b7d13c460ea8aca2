"""A trained network: its layers (sb3gen.layers), activation, flat weights, preprocessing, metrics.

Flat weight layout (the day-2 article's, also the order of `export-weights --format lines`; sb3gen/layers.py
has it for every layer kind): for each dense layer in order, its n_out x n_in weights output neuron by
output neuron (row j holds the n_in weights INTO output neuron j, i.e. column j of Keras' kernel: the
transpose of the kernel), then its n_out biases. For 196-8-4-10: W1 (8 rows of 196), b1 (8), W2 (4 rows
of 8), b2 (4), W3 (10 rows of 4), b3 (10). A conv layer stores filter by filter its kernel (kernel row,
kernel column, input channel), then the filters' biases.
Hidden layers use `hidden_activation`; the output layer is always softmax. An MLP is given by its
`layer_sizes`; a network with conv and pooling layers by `layer_specs` (then `layer_sizes` is derived: the
flat size of the input and of every layer's output).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sb3gen import layers as layer_kinds
from sb3gen.errors import Sb3genError
from sb3gen.files import write_text_atomic
from sb3gen.layers import Layer, LayerSpec
from sb3gen.ml.preprocess import PreprocessSettings
from sb3gen.untrusted import LIMITS, loads_bounded, read_capped, short, sized_list, whole_number

HIDDEN_ACTIVATIONS = ("sigmoid", "relu")
FORMAT_NAME = "sb3gen-network"
FORMAT_VERSION = 1


EXACT_DIGITS = 17  # every float64 reads back exactly from 17 significant digits


def round_weights(weights: np.ndarray, digits: int) -> np.ndarray:
    """Weights rounded to `digits` significant digits (the fourth article's size/accuracy trade-off): the
    project stores their shortest text, so project.json shrinks; 17 leaves them exact."""
    if digits >= EXACT_DIGITS:
        return np.asarray(weights, dtype=np.float64).copy()
    return np.array([float(f"{w:.{digits}g}") for w in np.asarray(weights, dtype=np.float64).tolist()])


def weight_count(layer_sizes: list[int]) -> int:
    return sum((n_in + 1) * n_out for n_in, n_out in zip(layer_sizes, layer_sizes[1:], strict=False))


def check_shape(layer_sizes: list[int], hidden_activation: str) -> None:
    if len(layer_sizes) < 2 or any(int(n) < 1 for n in layer_sizes):
        raise Sb3genError(f"layer sizes must be at least two positive numbers, got {layer_sizes}")
    if layer_sizes[-1] != 10:
        raise Sb3genError(f"the output layer must have 10 neurons (digits 0-9), got {layer_sizes[-1]}")
    if hidden_activation not in HIDDEN_ACTIVATIONS:
        raise Sb3genError(f"hidden activation must be one of {', '.join(HIDDEN_ACTIVATIONS)}, "
                          f"got {hidden_activation!r}")


def parse_layer_sizes(text: str) -> list[int]:
    """'196,32,10' (or '196-32-10') -> [196, 32, 10]; every size a whole number >= 1."""
    parts = text.split(",") if "," in text else text.split("-")
    try:
        sizes = [int(part) for part in parts]
    except ValueError:
        raise Sb3genError(f"layer sizes must be whole numbers separated by commas, got {text!r}") from None
    if len(sizes) < 2 or any(n < 1 for n in sizes):
        raise Sb3genError(f"layer sizes must be at least two whole numbers >= 1, got {text!r}")
    if len(sizes) > LIMITS["layers"] or max(sizes) > LIMITS["layer size"]:
        raise Sb3genError(f"layer sizes must be at most {LIMITS['layers']} layers of at most "
                          f"{LIMITS['layer size']:,} neurons (a list's items in Scratch), got {text[:60]!r}")
    return sizes


def layers_text(layer_sizes: list[int]) -> str:
    return "-".join(str(n) for n in layer_sizes)


@dataclass
class Network:
    layer_sizes: list[int]
    hidden_activation: str
    weights: np.ndarray  # float64, flat, layout in the module docstring
    preprocess: PreprocessSettings = field(default_factory=PreprocessSettings)
    metrics: dict[str, Any] = field(default_factory=dict)
    layer_specs: list[LayerSpec] | None = None  # None: dense layers of `layer_sizes`
    layers: list[Layer] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.layer_specs is None:
            self.layer_sizes = [int(n) for n in self.layer_sizes]
            check_shape(self.layer_sizes, self.hidden_activation)
            if self.layer_sizes[0] != self.preprocess.n_inputs:
                raise Sb3genError(f"the first layer takes {self.layer_sizes[0]} inputs but preprocessing "
                                  f"gives {self.preprocess.size}x{self.preprocess.size} = "
                                  f"{self.preprocess.n_inputs}")
            specs = layer_kinds.mlp_specs(self.layer_sizes, self.hidden_activation)
            self.layers = layer_kinds.describe(layer_kinds.input_shape(self.layer_sizes[0]), specs)
        else:
            if self.hidden_activation not in HIDDEN_ACTIVATIONS:
                raise Sb3genError(f"hidden activation must be one of {', '.join(HIDDEN_ACTIVATIONS)}, "
                                  f"got {self.hidden_activation!r}")
            self.layer_specs = list(self.layer_specs)
            side = self.preprocess.size
            self.layers = layer_kinds.describe((side, side, 1), self.layer_specs)
            self.layer_sizes = layer_kinds.flat_sizes(self.layers)
        self.weights = np.asarray(self.weights, dtype=np.float64).ravel()
        expected = layer_kinds.weight_count(self.layers)
        if self.weights.size != expected:
            raise Sb3genError(f"layers {self.shape_text} need {expected:,} weights and biases, "
                              f"got {self.weights.size:,}")
        if not np.all(np.isfinite(self.weights)):
            raise Sb3genError("the weights contain NaN or infinite values (training diverged?)")

    @property
    def is_mlp(self) -> bool:
        return self.layer_specs is None

    @property
    def shape_text(self) -> str:
        """'196-32-10' for an MLP; '14x14 conv 8 3x3 relu, maxpool 2x2, dense 32 relu, dense 10 softmax'."""
        if self.is_mlp:
            return layers_text(self.layer_sizes)
        side = self.preprocess.size
        return f"{side}x{side} " + ", ".join(layer_kinds.layer_text(layer) for layer in self.layers)

    def layer_slices(self) -> list[tuple[int, int, int, int]]:
        """(w_offset, fan_in, units, b_offset) per layer with weights, 0-based offsets into `weights`."""
        return [(layer.w_offset, layer.fan_in, layer.units, layer.b_offset)
                for layer in self.layers if layer.units]

    def layer_arrays(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(W of shape (units, fan_in), b of shape (units,)) per layer with weights, views into `weights`."""
        return [(self.weights[w : w + n_in * n_out].reshape(n_out, n_in), self.weights[b : b + n_out])
                for w, n_in, n_out, b in self.layer_slices()]

    def forward(self, inputs: np.ndarray) -> np.ndarray:
        """Class probabilities (N, 10) for preprocessed inputs (N, n_inputs), in float64 numpy."""
        a = np.atleast_2d(np.asarray(inputs, dtype=np.float64))
        a = a.reshape(len(a), *self.layers[0].in_shape)
        for layer in self.layers:
            w = self.weights[layer.w_offset : layer.b_offset].reshape(layer.units, layer.fan_in)
            b = self.weights[layer.b_offset : layer.end]
            if layer.kind == "dense":
                z = a.reshape(len(a), -1) @ w.T + b
            elif layer.kind == "conv":
                z = _conv(a, w.reshape(layer.units, layer.window, layer.window, -1), b)
            else:
                z = _maxpool(a, layer.window)
            if layer.activation == "softmax":
                z = z - z.max(axis=1, keepdims=True)
                e = np.exp(z)
                a = e / e.sum(axis=1, keepdims=True)
            elif layer.activation == "relu":
                a = np.maximum(z, 0.0)
            elif layer.activation == "sigmoid":
                a = 1.0 / (1.0 + np.exp(-z))
            else:
                a = z
        return a

    def describe(self) -> str:
        if self.is_mlp:
            return (f"{layers_text(self.layer_sizes)} {self.hidden_activation} (softmax output), "
                    f"{self.weights.size:,} weights and biases")
        return f"{self.shape_text}, {self.weights.size:,} weights and biases"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "layer_sizes": self.layer_sizes,
            "hidden_activation": self.hidden_activation,
            "output_activation": "softmax",
            "preprocess": self.preprocess.to_dict(),
            "metrics": self.metrics,
            "weights_layout": "per layer: n_out rows of n_in weights (row j = weights into output neuron j), "
                              "then n_out biases",
            "weights": [float(w) for w in self.weights],  # json writes repr(): exact float64 round trip
        }
        if not self.is_mlp:  # MLP files stay as they were
            data["layers"] = [spec.to_dict() for spec in self.layer_specs or []]
            data["weights_layout"] = ("per layer with weights: unit by unit (dense: output neuron, conv: "
                                      "filter with its kernel rows, columns, input channels) the weights "
                                      "into it, then one bias per unit")
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "network") -> Network:
        check_network_data(data, source)
        try:
            net = cls(layer_sizes=list(data["layer_sizes"]), hidden_activation=data["hidden_activation"],
                      weights=np.array(data["weights"], dtype=np.float64),
                      preprocess=PreprocessSettings.from_dict(data.get("preprocess", {})),
                      metrics=dict(data.get("metrics", {})),
                      layer_specs=layer_kinds.specs_from_dicts(data["layers"]) if "layers" in data else None)
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise Sb3genError(f"{source}: malformed network file ({type(exc).__name__}: {exc})") from None
        config = net.metrics.get("config")
        if not net.is_mlp and isinstance(config, dict) and config.get("arch") == "cnn":
            # Earlier files recorded a CNN's training configuration with the MLP's placeholder sizes
            # (196-64-10); a file written again says the real ones, as TrainConfig.to_dict does now.
            net.metrics["config"] = {**config, "layer_sizes": list(net.layer_sizes)}
        return net

    @classmethod
    def from_json(cls, text: str | bytes, source: str = "network") -> Network:
        data = loads_bounded(text, source)  # depth scanned first, finite numbers only
        if not isinstance(data, dict):
            raise Sb3genError(f"{source}: not an sb3gen network file")
        return cls.from_dict(data, source)

    def save(self, path: str | Path) -> None:
        write_text_atomic(Path(path), self.to_json() + "\n")

    @classmethod
    def load(cls, path: str | Path) -> Network:
        path = Path(path)
        return cls.from_json(read_capped(path, LIMITS["network file bytes"], "network file"), str(path))


def check_network_data(data: dict[str, Any], source: str) -> None:
    """Every field of a network file, its type and range, before any of it is used: the file may come from
    anyone (a size of 1e8 would size an allocation, `crop: 4.5` an index)."""
    if data.get("format") != FORMAT_NAME:
        raise Sb3genError(f"{source}: not an sb3gen network file (format {short(data.get('format'))})")
    if data.get("version") != FORMAT_VERSION:
        raise Sb3genError(f"{source}: network file version {short(data.get('version'))}, this sb3gen reads "
                          f"{FORMAT_VERSION}")
    for key in ("layer_sizes", "weights", "hidden_activation"):
        if key not in data:
            raise Sb3genError(f"{source}: the network file has no {key}")
    for size in sized_list(data["layer_sizes"], f"{source}: layer_sizes", LIMITS["layers"]):
        whole_number(size, f"{source}: a layer size")
    if not isinstance(data["hidden_activation"], str):
        raise Sb3genError(f"{source}: hidden_activation must be text, got {short(data['hidden_activation'])}")
    for weight in sized_list(data["weights"], f"{source}: weights", LIMITS["list items"]):
        if isinstance(weight, bool) or not isinstance(weight, int | float) or abs(weight) > 1e300:
            raise Sb3genError(f"{source}: the weights must be finite numbers, one is {short(weight)}")
    settings = data.get("preprocess", {})
    if not isinstance(settings, dict) or not isinstance(data.get("metrics", {}), dict):
        raise Sb3genError(f"{source}: preprocess and metrics must be objects")
    for key, low, high in (("crop", 0, 13), ("size", 1, 28)):
        if key in settings:
            whole_number(settings[key], f"{source}: preprocess {key}", low, high)
    threshold = settings.get("threshold", 0.5)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 <= threshold < 1:
        raise Sb3genError(f"{source}: preprocess threshold must be a number in [0, 1), got "
                          f"{short(threshold)}")
    if not isinstance(settings.get("invert", False), bool):
        raise Sb3genError(f"{source}: preprocess invert must be true or false")
    for layer in sized_list(data.get("layers", []), f"{source}: layers", LIMITS["layers"]):
        if not isinstance(layer, dict) or not isinstance(layer.get("kind"), str) or \
                not isinstance(layer.get("activation", ""), str):
            raise Sb3genError(f"{source}: a layer must be an object with a kind, got {short(layer)}")
        whole_number(layer.get("size"), f"{source}: the size of a {short(layer['kind'])} layer")
        whole_number(layer.get("window", 3), f"{source}: the window of a {short(layer['kind'])} layer", 1, 28)


def _conv(a: np.ndarray, kernels: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Valid k x k convolution, stride 1: a (N, rows, cols, channels), kernels (filters, k, k, channels)."""
    k = kernels.shape[1]
    rows, cols = a.shape[1] - k + 1, a.shape[2] - k + 1
    z = np.zeros((len(a), rows, cols, len(kernels))) + b
    for ky in range(k):
        for kx in range(k):
            z = z + a[:, ky : ky + rows, kx : kx + cols, :] @ kernels[:, ky, kx, :].T
    return z


def _maxpool(a: np.ndarray, size: int) -> np.ndarray:
    n, rows, cols, channels = a.shape
    rows, cols = rows // size, cols // size
    a = a[:, : rows * size, : cols * size, :].reshape(n, rows, size, cols, size, channels)
    return a.max(axis=(2, 4))
