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
A conv after a max-pool (the second conv) reads the pool's outputs and skips those that are 0, forward and
backward; its input gradient goes to the pool's outputs above 0 (conv_input_gradient).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sb3gen import layers as layer_kinds
from sb3gen.layers import Layer
from sb3gen.reference import jsmath, tables

NATIVE_LOG_FLOOR = 1e-7  # `--math native`: probabilities below this are raised to it before `ln`
MATH_MODES = ("tables", "native")
ACTIVATIONS = ("sigmoid", "relu")


@dataclass
class ForwardResult:
    strokes: np.ndarray  # 0-based pixel indices equal to 1, ascending
    layers: list[np.ndarray]  # input, then every layer's outputs (the last one is the probabilities)
    prediction: int  # digit 0-9
    winners: dict[int, np.ndarray] = field(default_factory=dict)  # max-pool layer number -> winning inputs
    active: dict[int, np.ndarray] = field(default_factory=dict)  # max-pool layer number -> its outputs > 0
    pre_activation: dict[int, np.ndarray] = field(default_factory=dict)  # conv layer number -> its sums

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
    layers: list[Layer] | None = None  # None: the dense layers of `layer_sizes`

    def __post_init__(self) -> None:
        if self.math not in MATH_MODES:
            raise ValueError(f"math must be one of {MATH_MODES}, not {self.math!r}")
        if self.hidden_activation not in ACTIVATIONS:
            raise ValueError(f"hidden activation must be one of {ACTIVATIONS}, "
                             f"not {self.hidden_activation!r}")
        if self.layers is None:
            sizes = [int(n) for n in self.layer_sizes]
            self.layers = layer_kinds.describe(layer_kinds.input_shape(sizes[0]),
                                               layer_kinds.mlp_specs(sizes, self.hidden_activation))
        self.layer_sizes = layer_kinds.flat_sizes(self.layers)
        self.weights = np.array(self.weights, dtype=np.float64)  # a private copy, updated in place
        if self.weights.size != layer_kinds.weight_count(self.layers):
            raise ValueError(f"{self.weights.size} weights do not fit layers {self.layer_sizes}")

    # --- the blocks' elementary functions ---------------------------------------------------------
    def exp(self, x: np.ndarray) -> np.ndarray:
        return tables.table_exp(x) if self.math == "tables" else jsmath.native_exp(x)

    def log(self, p: float) -> float:
        if self.math == "tables":
            return float(tables.table_log(p))
        return jsmath.js_log(max(p, NATIVE_LOG_FLOOR))  # the blocks raise p with an `if`, same value

    def activate(self, z: np.ndarray, activation: str) -> np.ndarray:
        if activation == "sigmoid":
            return 1.0 / (1.0 + self.exp(0.0 - z))
        if activation == "relu":
            return np.where(z < 0.0, 0.0, z)
        return z

    # --- weights ----------------------------------------------------------------------------------
    def layer(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(W with shape (units, fan_in), biases) of layer `index` (0 = first layer): views to update."""
        layer = self.layers[index]
        return (self.weights[layer.w_offset : layer.b_offset].reshape(layer.units, layer.fan_in),
                self.weights[layer.b_offset : layer.end])

    # --- passes -----------------------------------------------------------------------------------
    def forward(self, image: np.ndarray) -> ForwardResult:
        x = np.asarray(image, dtype=np.float64).reshape(-1)
        result = ForwardResult(strokes=np.flatnonzero(x == 1.0), layers=[x], prediction=0)
        for index, layer in enumerate(self.layers):
            z = FORWARD[layer.kind](self, index, result)
            if layer.kind == "conv":
                result.pre_activation[layer.number] = z
            result.layers.append(z if layer.is_output else self.activate(z, layer.activation))
        result.layers[-1], result.prediction = self._softmax(result.layers[-1])
        return result

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
        outputs = result.layers
        deltas: list[np.ndarray] = [np.empty(0)] * len(self.layers)
        out = outputs[-1].copy()
        log_p = self.log(float(out[label]))
        out[label] = out[label] + -1.0
        deltas[-1] = out
        for index in range(len(self.layers) - 2, -1, -1):  # last hidden layer to the first, old weights
            s = INPUT_GRADIENT[self.layers[index + 1].kind](self, index + 1, deltas[index + 1], result)
            a = outputs[index + 1]
            activation = self.layers[index].activation
            if activation == "sigmoid":
                deltas[index] = s * (a * (1.0 - a))
            elif activation == "relu":
                deltas[index] = np.where(a > 0.0, s, 0.0)
            else:
                deltas[index] = s
        for index, layer in enumerate(self.layers):
            if layer.units:
                UPDATE[layer.kind](self, index, deltas[index] * self.learning_rate, result)
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


# --- per-kind functions: forward (pre-activation outputs), input gradient, update ---------------------

def _reads_a_map(net: ReferenceNetwork, index: int) -> bool:
    """A dense layer after a max-pool reads only the pool's outputs above 0 (its `active` lists)."""
    return index > 0 and net.layers[index - 1].kind != "dense"


def _active_inputs(net: ReferenceNetwork, index: int, result: ForwardResult) -> np.ndarray:
    return result.active[net.layers[index - 1].number]


def _learning_neurons(net: ReferenceNetwork, index: int, result: ForwardResult) -> range | np.ndarray:
    """Neurons of a dense layer after a map whose errors the blocks use: a relu neuron that is 0 has error 0
    (skipping it changes no weight and no sum), so only the others; every neuron of any other activation."""
    layer = net.layers[index]
    if layer.activation == "relu":
        return np.flatnonzero(result.layers[index + 1] > 0.0)
    return range(layer.n_out)


def dense_forward(net: ReferenceNetwork, index: int, result: ForwardResult) -> np.ndarray:
    """z = bias, then + weight of each stroke pixel (layer 1), or + weight * input for inputs 1..n
    (after a conv or pool: only the inputs above 0)."""
    w, b = net.layer(index)
    z = b.copy()
    if index == 0:
        for p in result.strokes:
            z = z + w[:, p]
    elif _reads_a_map(net, index):
        a = result.layers[-1]
        for i in _active_inputs(net, index, result):
            z = z + w[:, i] * a[i]
    else:
        a = result.layers[-1]
        for i in range(a.size):
            z = z + w[:, i] * a[i]
    return z


def dense_input_gradient(net: ReferenceNetwork, index: int, delta: np.ndarray,
                         result: ForwardResult) -> np.ndarray:
    """Sum over output neurons k in order of w[k, i] * delta_k, for every input i. After a map: only for the
    pool's outputs above 0 (0 for the others), from 0, adding the neurons that learn one at a time."""
    w, _ = net.layer(index)
    if _reads_a_map(net, index):
        active = _active_inputs(net, index, result)
        part = np.zeros(active.size)
        for k in _learning_neurons(net, index, result):
            part = part + w[k, active] * delta[k]
        s = np.zeros(w.shape[1])
        s[active] = part
        return s
    s = w[0, :] * delta[0]
    for k in range(1, delta.size):
        s = s + w[k, :] * delta[k]
    return s


def dense_update(net: ReferenceNetwork, index: int, g: np.ndarray, result: ForwardResult) -> None:
    """w[k, i] -= g_k * input_i (layer 1: only the stroke pixels, input 1); then bias_k -= g_k. After a map:
    neuron by neuron (those that learn), its bias, then its weights from the pool's outputs above 0."""
    w, b = net.layer(index)
    if index == 0:
        for p in result.strokes:
            w[:, p] = w[:, p] - g
    elif _reads_a_map(net, index):
        a = result.layers[index]
        active = _active_inputs(net, index, result)
        for k in _learning_neurons(net, index, result):
            b[k] = b[k] - g[k]
            w[k, active] = w[k, active] - g[k] * a[active]
        return
    else:
        w[:] = w - np.outer(g, result.layers[index])
    b[:] = b - g


def _binary_image(net: ReferenceNetwork, result: ForwardResult) -> np.ndarray:
    rows, cols, _ = net.layers[0].in_shape
    pixels = np.zeros(rows * cols)
    pixels[result.strokes] = 1.0
    return pixels.reshape(rows, cols)


def conv_forward(net: ReferenceNetwork, index: int, result: ForwardResult) -> np.ndarray:
    """Per output position (row by row), every filter at once: z = bias, then for each kernel tap (kernel
    row, column, input channel) + weight * input; in layer 1 (0/1 pixels) + weight where the pixel is 1.
    Outputs in the order (row, column, filter)."""
    layer = net.layers[index]
    w, b = net.layer(index)
    rows, cols, filters = layer.out_shape
    k, channels = layer.window, layer.in_shape[2]
    z = np.empty((rows, cols, filters))
    if index == 0:
        x = _binary_image(net, result)
        for oy in range(rows):
            for ox in range(cols):
                s = b.copy()
                for ky in range(k):
                    for kx in range(k):
                        if x[oy + ky, ox + kx] == 1.0:
                            s = s + w[:, ky * k + kx]
                z[oy, ox] = s
    else:  # a map: the previous max-pool's outputs (0 or above); those that are 0 add nothing and are skipped
        a = result.layers[-1].reshape(layer.in_shape)
        for oy in range(rows):
            for ox in range(cols):
                s = b.copy()
                for tap in range(k * k * channels):
                    ky, rest = divmod(tap, k * channels)
                    kx, c = divmod(rest, channels)
                    if a[oy + ky, ox + kx, c] > 0.0:
                        s = s + w[:, tap] * a[oy + ky, ox + kx, c]
                z[oy, ox] = s
    return z.ravel()


def maxpool_forward(net: ReferenceNetwork, index: int, result: ForwardResult) -> np.ndarray:
    """Each output = the largest of its size x size window, read row by row; the first largest wins. The
    winners (0-based items of the input) are kept for the backward pass. After a relu conv the blocks take the
    largest of the conv's sums before relu and apply relu to it (relu(max) = max(relu), the same value; the
    winner is the same wherever the output is above 0, the only outputs learning uses). The outputs above 0,
    in order, are the pool's `active` items."""
    layer = net.layers[index]
    rows, cols, channels = layer.out_shape
    size, in_cols = layer.window, layer.in_shape[1]
    previous = net.layers[index - 1] if index > 0 else None
    fused = previous is not None and previous.kind == "conv" and previous.activation == "relu"
    a = result.pre_activation[previous.number] if fused else result.layers[-1]
    out = np.empty(rows * cols * channels)
    winners = np.empty(rows * cols * channels, dtype=np.int64)
    for py in range(rows):
        for px in range(cols):
            for c in range(channels):
                best_item = -1
                for dy in range(size):
                    for dx in range(size):
                        item = ((py * size + dy) * in_cols + px * size + dx) * channels + c
                        if best_item < 0 or a[item] > a[best_item]:
                            best_item = item
                i = (py * cols + px) * channels + c
                out[i], winners[i] = a[best_item], best_item
                if fused and not out[i] > 0.0:
                    out[i] = 0.0
    result.winners[layer.number] = winners
    result.active[layer.number] = np.flatnonzero(out > 0.0)
    return out


def maxpool_input_gradient(net: ReferenceNetwork, index: int, delta: np.ndarray,
                           result: ForwardResult) -> np.ndarray:
    """Each output's delta goes to the input that won its window; every other input gets 0."""
    layer = net.layers[index]
    s = np.zeros(layer.n_in)
    s[result.winners[layer.number]] = delta
    return s


def _conv_learning_items(net: ReferenceNetwork, index: int, g: np.ndarray,
                         result: ForwardResult) -> np.ndarray:
    """The conv outputs that carry a delta, in the blocks' order: with a max-pool after the conv only the
    winners, in the pool's order, where the pooled output is above 0 (relu made the rest 0)."""
    if index + 1 < len(net.layers) and net.layers[index + 1].kind == "maxpool":
        pool = net.layers[index + 1]
        return result.winners[pool.number][result.active[pool.number]]
    return np.flatnonzero(g != 0.0)


def _conv_taps(layer: Layer) -> list[tuple[int, int, int, int]]:
    """(tap, kernel row, kernel column, input channel) in kernel order."""
    k, channels = layer.window, layer.in_shape[2]
    return [(tap, *divmod(tap // channels, k), tap % channels) for tap in range(k * k * channels)]


def conv_input_gradient(net: ReferenceNetwork, index: int, delta: np.ndarray,
                        result: ForwardResult) -> np.ndarray:
    """The errors of a conv's map input (a max-pool's outputs): from 0, for each output that carries a delta
    (the next pool's order), for each kernel tap in order where the input is above 0, + weight x delta into
    that input. Inputs that are 0 keep 0 (their winners were cut by relu: they learn nothing)."""
    layer = net.layers[index]
    w, _ = net.layer(index)
    _, cols, filters = layer.out_shape
    x = result.layers[index].reshape(layer.in_shape)
    s = np.zeros(layer.in_shape)
    for item in _conv_learning_items(net, index, delta, result):
        position, f = divmod(int(item), filters)
        oy, ox = divmod(position, cols)
        d = delta[item]
        for tap, ky, kx, c in _conv_taps(layer):
            if x[oy + ky, ox + kx, c] > 0.0:
                s[oy + ky, ox + kx, c] = s[oy + ky, ox + kx, c] + w[f, tap] * d
    return s.ravel()


def conv_update(net: ReferenceNetwork, index: int, g: np.ndarray, result: ForwardResult) -> None:
    """Per-sample SGD of kernels and biases, one output at a time (_conv_learning_items). For each: bias -= g,
    then for each kernel tap weight -= g * input (layer 1: -= g where the pixel is 1; a map input: where the
    input is above 0)."""
    layer = net.layers[index]
    w, b = net.layer(index)
    _, cols, filters = layer.out_shape
    x = _binary_image(net, result)[:, :, None] if index == 0 else result.layers[index].reshape(layer.in_shape)
    for item in _conv_learning_items(net, index, g, result):
        position, f = divmod(int(item), filters)
        oy, ox = divmod(position, cols)
        gf = g[item]
        b[f] = b[f] - gf
        for tap, ky, kx, c in _conv_taps(layer):
            if index == 0:
                if x[oy + ky, ox + kx, c] == 1.0:
                    w[f, tap] = w[f, tap] - gf
            elif x[oy + ky, ox + kx, c] > 0.0:
                w[f, tap] = w[f, tap] - gf * x[oy + ky, ox + kx, c]


LayerForward = Callable[[ReferenceNetwork, int, ForwardResult], np.ndarray]
# One row per layer kind (a conv's input gradient: the second conv's, into the first pool).
FORWARD: dict[str, LayerForward] = {"dense": dense_forward, "conv": conv_forward, "maxpool": maxpool_forward}
INPUT_GRADIENT: dict[str, Callable[..., np.ndarray]] = {"dense": dense_input_gradient,
                                                        "maxpool": maxpool_input_gradient,
                                                        "conv": conv_input_gradient}
UPDATE: dict[str, Callable[..., None]] = {"dense": dense_update, "conv": conv_update}


def weight_slices(layer_sizes: list[int]) -> list[tuple[slice, slice]]:
    """(weights, biases) slices per layer of the flat day-2 layout: n_out rows of n_in weights, biases."""
    layers = layer_kinds.describe(layer_kinds.input_shape(layer_sizes[0]),
                                  layer_kinds.mlp_specs(layer_sizes, "relu"))
    return [(slice(layer.w_offset, layer.b_offset), slice(layer.b_offset, layer.end)) for layer in layers]
