"""numpy mirror of the network blocks in templates/network/, operation by operation.

Every sum runs in the order the blocks run it (float64, one term at a time), every table lookup uses the
blocks' index formula, so the VM and this code agree bit for bit. Vector operations here only ever work
across neurons, never inside one neuron's sum, which keeps the order of each sum the blocks' order.

Order of work per image (what the blocks do):
  forward   stroke pixels = items equal to 1, ascending; layer 1: z = bias, then + weight of each stroke
            pixel; later layers: z = bias, then + weight * input for inputs 1..n; hidden activation;
            output: max (first one wins ties) = prediction, e = exp(z - max), sum in order, p = e / sum.
  backward  output delta = p, with 1 subtracted at the label; hidden delta j = (sum over k in order of
            w[k, j] * delta_k) * (a * (1 - a)) for sigmoid, or kept where a > 0 else 0 for relu;
            every delta is then multiplied by LEARNING_RATE.
  update    w[k, i] = w[k, i] - scaled delta_k * input_i (layer 1: only stroke pixels, input 1),
            bias_k = bias_k - scaled delta_k.
  loss      sum of log(p[label]) in image order; loss = (0 - sum) / images.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sb3gen.reference import jsmath, tables

NATIVE_LOG_FLOOR = 1e-7  # `--math native`: probabilities below this are raised to it before `ln`
MATH_MODES = ("tables", "native")
ACTIVATIONS = ("sigmoid", "relu")


@dataclass
class ForwardResult:
    strokes: np.ndarray  # 0-based pixel indices equal to 1, ascending
    layers: list[np.ndarray]  # input, then every layer's outputs (the last one is the probabilities)
    prediction: int  # digit 0-9

    @property
    def probabilities(self) -> np.ndarray:
        return self.layers[-1]

    def concatenated(self) -> np.ndarray:
        """The project's `activations` list."""
        return np.concatenate(self.layers)


@dataclass
class ReferenceNetwork:
    layer_sizes: list[int]
    hidden_activation: str
    weights: np.ndarray
    learning_rate: float
    math: str = "tables"
    _slices: list[tuple[slice, slice]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.math not in MATH_MODES:
            raise ValueError(f"math must be one of {MATH_MODES}, not {self.math!r}")
        if self.hidden_activation not in ACTIVATIONS:
            raise ValueError(f"hidden activation must be one of {ACTIVATIONS}, "
                             f"not {self.hidden_activation!r}")
        self.layer_sizes = [int(n) for n in self.layer_sizes]
        self.weights = np.array(self.weights, dtype=np.float64)  # a private copy, updated in place
        self._slices = weight_slices(self.layer_sizes)
        if self.weights.size != self._slices[-1][1].stop:
            raise ValueError(f"{self.weights.size} weights do not fit layers {self.layer_sizes}")

    # --- the blocks' elementary functions ---------------------------------------------------------
    def exp(self, x: np.ndarray) -> np.ndarray:
        return tables.table_exp(x) if self.math == "tables" else jsmath.native_exp(x)

    def log(self, p: float) -> float:
        if self.math == "tables":
            return float(tables.table_log(p))
        return jsmath.js_log(max(p, NATIVE_LOG_FLOOR))  # the blocks raise p with an `if`, same value

    def activate(self, z: np.ndarray) -> np.ndarray:
        if self.hidden_activation == "sigmoid":
            return 1.0 / (1.0 + self.exp(0.0 - z))
        return np.where(z < 0.0, 0.0, z)

    # --- weights ----------------------------------------------------------------------------------
    def layer(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(W with shape (n_out, n_in), biases) of layer `index` (0 = first dense layer): views to update."""
        w_slice, b_slice = self._slices[index]
        n_in, n_out = self.layer_sizes[index], self.layer_sizes[index + 1]
        return self.weights[w_slice].reshape(n_out, n_in), self.weights[b_slice]

    # --- passes -----------------------------------------------------------------------------------
    def forward(self, image: np.ndarray) -> ForwardResult:
        x = np.asarray(image, dtype=np.float64).reshape(-1)
        strokes = np.flatnonzero(x == 1.0)
        layers = [x]
        n_layers = len(self.layer_sizes) - 1
        for index in range(n_layers):
            w, b = self.layer(index)
            z = b.copy()
            if index == 0:
                for p in strokes:
                    z = z + w[:, p]
            else:
                a = layers[-1]
                for i in range(a.size):
                    z = z + w[:, i] * a[i]
            layers.append(self.activate(z) if index < n_layers - 1 else z)
        probabilities, prediction = self._softmax(layers[-1])
        layers[-1] = probabilities
        return ForwardResult(strokes=strokes, layers=layers, prediction=prediction)

    def _softmax(self, z: np.ndarray) -> tuple[np.ndarray, int]:
        best, best_index = z[0], 0
        for k in range(1, z.size):
            if z[k] > best:
                best, best_index = z[k], k
        e = self.exp(z - best)
        total = e[0]
        for k in range(1, e.size):
            total = total + e[k]
        return e / total, best_index

    def train_step(self, image: np.ndarray, label: int) -> float:
        """One per-sample SGD step. Returns log(p[label]) as the blocks add it to the epoch's sum."""
        result = self.forward(image)
        layers = result.layers
        n_layers = len(self.layer_sizes) - 1
        deltas: list[np.ndarray] = [np.empty(0)] * n_layers
        out = layers[-1].copy()
        log_p = self.log(float(out[label]))
        out[label] = out[label] + -1.0
        deltas[-1] = out
        for index in range(n_layers - 2, -1, -1):  # hidden layers, last to first, with the old weights
            w_next, _ = self.layer(index + 1)
            d_next = deltas[index + 1]
            s = w_next[0, :] * d_next[0]
            for k in range(1, d_next.size):
                s = s + w_next[k, :] * d_next[k]
            a = layers[index + 1]
            if self.hidden_activation == "sigmoid":
                deltas[index] = s * (a * (1.0 - a))
            else:
                deltas[index] = np.where(a > 0.0, s, 0.0)
        for index in range(n_layers):
            g = deltas[index] * self.learning_rate
            w, b = self.layer(index)
            if index == 0:
                for p in result.strokes:
                    w[:, p] = w[:, p] - g
            else:
                w[:] = w - np.outer(g, layers[index])
            b[:] = b - g
        return log_p

    def train_epoch(self, images: np.ndarray, labels: np.ndarray) -> float:
        """One epoch in list order; returns the mean cross-entropy `loss` as the blocks compute it."""
        log_sum = 0.0
        for image, label in zip(images, labels, strict=True):
            log_sum = log_sum + self.train_step(image, int(label))
        return (0.0 - log_sum) / len(labels)

    def test(self, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
        """Predicted digits of every image and `accuracy` in percent, as the blocks compute it."""
        predictions = np.array([self.forward(image).prediction for image in images], dtype=np.int64)
        correct = int(np.sum(predictions == np.asarray(labels)))
        return predictions, (correct * 100) / len(labels)


def weight_slices(layer_sizes: list[int]) -> list[tuple[slice, slice]]:
    """(weights, biases) slices per layer of the flat day-2 layout: n_out rows of n_in weights, biases."""
    slices = []
    offset = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=False):
        w = slice(offset, offset + n_in * n_out)
        b = slice(w.stop, w.stop + n_out)
        slices.append((w, b))
        offset = b.stop
    return slices
