"""Dense layer: y = activation(bias + x . kernel), run as loops over the stage list `weights`.

Params (Keras' order and layout): kernel (n_in, n_out), row by row (an input's weights to every output are
next to each other), then bias (n_out) unless use_bias is False (then the sums start at 0 and there is no
bias to learn).

How the blocks run it (templates/kinds/dense.sb), and so this reference:
- forward: the inputs that are not 0 are listed once (their number, the item of their kernel row and their
  value); every output's sum starts at its bias and adds input x weight for those inputs only, in ascending
  input order. Skipping a 0 input changes no sum (sum + 0 x w = sum), and it is what makes a layer over
  sparse inputs (an image's background, relu outputs) cheap. The outputs are computed in groups of up to
  GROUP outputs (one sum variable each), so each listed input is read once per group.
- the first layer also counts its inputs that are neither 0 nor 1: when there are none (a binarised image),
  its groups add the weight itself (1 x w = w and step x 1 = step exactly: the same numbers, fewer blocks).
- backward and update run in one loop with the same groups: per output, dz = the activation's gradient
  (sb3gen.kinds.activation_math), step = dz x learning rate, bias = bias - step; per listed input i, the
  input's error gains w x dz (old weight, outputs in ascending order, starting from 0) and then
  w = w - step x x_i. Weights of 0 inputs do not change (their gradient is 0) and the error of an input
  that is 0 stays 0: exact after relu and after pooling of relu (their gradient there is 0), and for other
  activations an input of exactly 0 is treated as inactive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from sb3gen.kinds import activation_math
from sb3gen.kinds.base import Imported, Layer, LayerProblem, Shape

NAME = "dense"
LABEL = "dense"
KERAS_CLASSES = ("Dense",)
TEMPLATE = "kinds/dense.sb"
RANDOM_INIT = "he"  # the template's randomize(plan): kernel U(+-sqrt(6 / n_in)), biases 0
UPDATE_IN_BACKWARD = True  # see backward and update above: one loop in the blocks
SCAN = 8  # inputs tested for 0 per pass of the forward's first loop
GROUP = 32  # outputs per group: sum variables `sum 1` .. `sum 32` of the Network sprite


def from_keras(class_name: str, config: Mapping[str, Any], weights: Sequence[np.ndarray],
               in_shape: Shape) -> Imported:
    activation = activation_math.keras_activation(config.get("activation"))
    if activation is None:
        raise LayerProblem(f"activation {config.get('activation')!r}: the blocks run "
                           f"{', '.join(activation_math.ACTIVATIONS)}")
    use_bias = bool(config.get("use_bias", True))
    units = int(config["units"])
    if len(weights) != (2 if use_bias else 1):
        expected = "kernel and bias" if use_bias else "a kernel"
        raise LayerProblem(f"expected {expected}, got {len(weights)} arrays")
    kernel = np.asarray(weights[0], dtype=np.float64)
    if kernel.shape != (int(np.prod(in_shape)), units):
        raise LayerProblem(f"kernel shape {kernel.shape} does not fit {int(np.prod(in_shape))} inputs and "
                           f"{units} units")
    params = (kernel, np.asarray(weights[1], dtype=np.float64)) if use_bias else (kernel,)
    return Imported({"units": units, "activation": activation, "use_bias": use_bias}, params)


def out_shape(in_shape: Shape, config: Mapping[str, Any]) -> Shape:
    return (1, 1, int(config["units"]))


def problems(layer: Layer) -> list[str]:
    found = []
    if layer.in_shape[:2] != (1, 1):
        found.append(f"input of shape {layer.in_shape}: a Dense layer here needs a flat input "
                     "(put Flatten before it)")
    if layer.config["activation"] not in activation_math.ACTIVATIONS:
        found.append(f"activation {layer.config['activation']!r}: the blocks run "
                     f"{', '.join(activation_math.ACTIVATIONS)}")
    return found


def kernel_and_bias(layer: Layer) -> tuple[np.ndarray, np.ndarray | None]:
    kernel = layer.params[0].reshape(layer.n_in, layer.n_out)
    return kernel, (layer.params[1] if layer.config.get("use_bias", True) else None)


def pre_activation(layer: Layer, x: np.ndarray) -> np.ndarray:
    """The sums, as the blocks add them: bias, then input x weight for each input that is not 0, in order."""
    kernel, bias = kernel_and_bias(layer)
    sums = np.zeros(layer.n_out) if bias is None else bias.copy()
    for i in np.flatnonzero(x != 0.0).tolist():
        sums = sums + x[i] * kernel[i]
    return sums


def forward(layer: Layer, x: np.ndarray) -> np.ndarray:
    return activation_math.activate(pre_activation(layer, np.asarray(x, dtype=np.float64)),
                                    layer.config["activation"])


@dataclass(frozen=True)
class DenseGradient:
    """The factors of the params' gradient: d kernel[i, j] = x[i] x dz[j] (i over the inputs not 0),
    d bias = dz. Kept as factors because the update multiplies them in the blocks' order."""

    dz: np.ndarray
    x: np.ndarray


def backward(layer: Layer, x: np.ndarray, y: np.ndarray, dy: np.ndarray) -> tuple[np.ndarray, DenseGradient]:
    x = np.asarray(x, dtype=np.float64)
    dz = activation_math.pre_activation_gradient(y, dy, layer.config["activation"])
    kernel, _ = kernel_and_bias(layer)
    active = np.flatnonzero(x != 0.0)
    dx = np.zeros(layer.n_in)
    for j in range(layer.n_out):  # each input's error: outputs in ascending order, old weights
        dx[active] = dx[active] + kernel[active, j] * dz[j]
    return dx, DenseGradient(dz=dz, x=x)


def update(layer: Layer, grads: DenseGradient, rate: float) -> Layer:
    kernel, bias = kernel_and_bias(layer)
    step = grads.dz * rate
    kernel = kernel.copy()
    for i in np.flatnonzero(grads.x != 0.0).tolist():
        kernel[i] = kernel[i] - step * grads.x[i]
    params = (kernel,) if bias is None else (kernel, bias - step)
    return replace(layer, params=params)


def flat_params(layer: Layer) -> np.ndarray:
    kernel, bias = kernel_and_bias(layer)
    parts = [kernel.ravel()] if bias is None else [kernel.ravel(), bias]
    return np.concatenate(parts).astype(np.float64)


@dataclass(frozen=True)
class DensePlan:
    """What templates/kinds/dense.sb needs: list names, item numbers in `weights`, the output groups."""

    name: str
    n_in: int
    n_out: int
    activation: str
    kernel_item: int  # item of kernel[0, 0] in `weights`
    bias_item: int | None  # item of bias[0], None without a bias
    in_list: str
    out_list: str
    error_list: str  # dL/dy, filled by the next layer (or the network for the last one)
    in_error_list: str | None  # dL/dx for the layer before; None for the first layer
    nonzero_numbers: str  # the inputs that are not 0: their number, kernel row item, value, error
    nonzero_rows: str
    nonzero_values: str
    nonzero_errors: str
    rate: str  # the variable holding the learning rate
    group: int
    full_groups: int
    scan: int  # inputs tested for 0 per pass of the scan loop
    scan_chunks: int
    scan_rest: int
    rest: int  # outputs in the last, smaller group (0: none)

    @property
    def init_limit(self) -> str:
        return repr(float(np.sqrt(6.0 / self.n_in)))

    @property
    def init_limit_text(self) -> str:
        return f"{np.sqrt(6.0 / self.n_in):.3g}"

    @property
    def checks_ones(self) -> bool:
        """The first layer: its input may be a binarised image (every input 0 or 1)."""
        return self.in_error_list is None

    @property
    def variants(self) -> list[bool]:
        """The group blocks to render: general, and for 0/1 inputs (without the multiplications by 1)."""
        return [True, False] if self.checks_ones else [False]

    @property
    def single_group(self) -> bool:
        return self.n_out <= self.group

    @property
    def group_sizes(self) -> list[int]:
        return sorted({size for size in (self.group if self.full_groups else 0, self.rest) if size})


def plan(layer: Layer, context: Any) -> DensePlan:
    """context: sb3gen.loops.plan.LayerContext (list names, first item in `weights`, rate variable)."""
    group = min(GROUP, layer.n_out)
    use_bias = layer.config.get("use_bias", True)
    return DensePlan(
        name=layer.name, n_in=layer.n_in, n_out=layer.n_out, activation=layer.config["activation"],
        kernel_item=context.first_item,
        bias_item=context.first_item + layer.n_in * layer.n_out if use_bias else None,
        in_list=context.in_list, out_list=context.out_list, error_list=context.error_list,
        in_error_list=context.in_error_list,
        nonzero_numbers=f"{layer.name} nonzero inputs", nonzero_rows=f"{layer.name} nonzero rows",
        nonzero_values=f"{layer.name} nonzero values", nonzero_errors=f"{layer.name} nonzero errors",
        rate=context.rate, group=group, full_groups=layer.n_out // group, rest=layer.n_out % group,
        scan=SCAN, scan_chunks=layer.n_in // SCAN, scan_rest=layer.n_in % SCAN,
    )


def sprite_lists(p: DensePlan) -> list[str]:
    """The Network sprite's lists this layer uses besides its output and error lists."""
    return [p.nonzero_numbers, p.nonzero_rows, p.nonzero_values, p.nonzero_errors]


def sprite_variables(p: DensePlan) -> list[str]:
    return ["inputs not 1"] if p.checks_ones else []


def csv(layer: Layer) -> str:
    """One block per output: its bias (if any), then its weight from every input."""
    kernel, bias = kernel_and_bias(layer)
    lines = [f"# {layer.where()}: {layer.n_in} inputs, {layer.n_out} outputs, {layer.config['activation']}"]
    for j in range(layer.n_out):
        lines.append(f"output {j + 1}")
        if bias is not None:
            lines.append(f"bias,{float(bias[j])!r}")
        lines.extend(f"input {i + 1},{float(w)!r}" for i, w in enumerate(kernel[:, j].tolist()))
    return "\n".join(lines) + "\n"


ONNX_OPS = ("Gemm", "MatMul")


def from_onnx(op_type: str, attributes: Mapping[str, Any], constants: Sequence[np.ndarray | None],
              in_shape: Shape) -> Imported:
    """Gemm (y = alpha * x . B' + beta * C, B' = B transposed when transB) or MatMul (+ the Add after it,
    which the ONNX front end hands over as C). No activation: the front end folds a following one."""
    n_in = int(np.prod(in_shape))
    weights, bias = (list(constants) + [None, None])[:2]
    if weights is None or weights.ndim != 2:
        raise LayerProblem("its weights must be a constant 2-D matrix")
    kernel = np.asarray(weights, dtype=np.float64)
    if op_type == "Gemm":
        if int(attributes.get("transA", 0)):
            raise LayerProblem("transA=1: the blocks run x . B (transA=0)")
        if int(attributes.get("transB", 0)):
            kernel = kernel.T
        kernel = kernel * float(attributes.get("alpha", 1.0))
    if kernel.shape[0] != n_in:
        raise LayerProblem(f"weights of shape {kernel.shape} do not fit {n_in} inputs")
    params: tuple[np.ndarray, ...] = (kernel,)
    if bias is not None:
        bias = np.asarray(bias, dtype=np.float64).ravel() * float(attributes.get("beta", 1.0))
        if bias.size == 1:
            bias = np.full(kernel.shape[1], float(bias[0]))
        if bias.size != kernel.shape[1]:
            raise LayerProblem(f"its bias has {bias.size} values for {kernel.shape[1]} outputs")
        params = (kernel, bias)
    return Imported({"units": kernel.shape[1], "activation": "linear", "use_bias": bias is not None}, params)
