"""ONNX front end: a .onnx graph (as torch.onnx.export writes it) as sb3gen's list of Layers.

Nothing from the file runs: it is parsed as a protobuf and every tensor's size is checked before it is loaded
(sb3gen.importers.onnx_files). The graph must be one chain from its input to its output; each node is mapped
through the registry (a kind's ONNX_OPS and from_onnx), and every problem of every node is collected into
one Sb3genError, one line each, naming the node.

The graph owns what a single node cannot know, so this module does it:
- NCHW: ONNX maps are channels first; sb3gen's are channels last. The input (N, C, H, W) becomes (H, W, C),
  and a Flatten of a map of several channels is followed by a reordering of the next Gemm/MatMul's weight
  rows (the rows are in C, H, W order). Conv weights are turned around by the conv2d kind.
- Folds: BatchNormalization, an Add of a constant (MatMul + Add) and Relu / Sigmoid / Tanh / Softmax go into
  the Conv / Gemm / MatMul just before them when they can; consecutive Sub / Div / Mul / Add by constants
  (PyTorch's Normalize(mean, std)) make one `scale` layer.
- Identity and Dropout give no layer; Constant nodes are constants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from sb3gen.errors import ProblemReport, Sb3genError
from sb3gen.importers.keras import ImportedModel, flatten_order
from sb3gen.importers.onnx_files import TensorBudget, TensorProblem, read_model
from sb3gen.kinds import KINDS, Layer, LayerProblem, Shape
from sb3gen.kinds.scale import batch_norm_factors

SUFFIXES = (".onnx",)
PASS_OPS = ("Identity", "Dropout")
ELEMENTWISE_OPS = ("Sub", "Div", "Mul", "Add")
ACTIVATION_OPS = ("Relu", "Sigmoid", "Tanh", "Softmax")
FOLDS_INTO = ("conv2d", "dense")
FLAT_AFTER_FLATTEN = ("Gemm", "MatMul", *PASS_OPS, *ACTIVATION_OPS)
PASS = ModuleType("pass")  # Identity and Dropout: no layer


@dataclass(frozen=True)
class OnnxModel(ImportedModel):
    """keras_input_shape holds the ONNX input's shape without the batch axis."""

    input_name: str = "input"
    ends: tuple[str, ...] = ()  # per layer: the graph's tensor equal to its output (NCHW maps channels last)


def onnx_ops() -> dict[str, ModuleType]:
    return {op: module for module in KINDS.values() for op in module.ONNX_OPS}


def to_channels_last(dims: list[int]) -> Shape:
    """An ONNX shape without its batch axis: (C, H, W), (H, W) or (F,)."""
    if len(dims) == 3:
        return (dims[1], dims[2], dims[0])
    if len(dims) == 2:
        return (dims[0], dims[1], 1)
    return (1, 1, dims[0])


def _attributes(node: Any) -> tuple[dict[str, Any], list[str]]:
    """A node's attributes as plain values; sub-graphs (If, Loop, Scan) are refused."""
    from onnx import AttributeProto, helper

    values: dict[str, Any] = {}
    refused = []
    for attribute in node.attribute:
        if attribute.type in (AttributeProto.GRAPH, AttributeProto.GRAPHS, AttributeProto.TENSOR,
                              AttributeProto.SPARSE_TENSOR, AttributeProto.TENSORS):
            refused.append(attribute.name)
            continue
        value = helper.get_attribute_value(attribute)
        values[attribute.name] = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return values, refused


@dataclass
class _Builder:
    opset: int
    shape: Shape | None
    rank: int  # axes of the ONNX tensor, batch included
    current: str  # the tensor the chain has reached
    constants: dict[str, np.ndarray | None]  # None: refused (its problem is reported)
    budget: TensorBudget
    layers: list[Layer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    reorder: np.ndarray | None = None
    fold_target: int | None = None  # the conv/dense a following BatchNormalization/Add/activation folds into
    scale_open: bool = False  # the last layer is a scale that a following Sub/Div/Mul/Add joins
    reshaped_rank: int = 0  # axes of the last Reshape's target
    ends: list[str] = field(default_factory=list)  # per layer: the tensor equal to its output (OnnxModel)

    def add(self, index: int, node: Any) -> None:
        op = node.op_type
        where = f"{node.name or f'node {index + 1}'} ({op})"
        outputs = [name for name in node.output if name] or [f"{where} output"]
        if op == "Constant":
            return self._constant(node, where)
        module = self._module(node, where, outputs)
        if module is None:
            return None
        attributes, _ = _attributes(node)
        _, constants = self._inputs(node, op)
        before, self.current = self.current, outputs[0]
        if self.shape is None or op in PASS_OPS:
            return None  # after a refused node the shapes are unknown; its own op was checked
        if op == "Softmax":
            attributes = self._softmax_axis(attributes)
        if op in ELEMENTWISE_OPS and not self._channel_constant(constants, where):
            return self._lost(outputs)
        if self._fold(op, attributes, constants, where):
            self.ends[-1] = self.current
            return None
        if self._place(module, op, attributes, constants, node.name or f"node {index + 1}"):
            # a Flatten/Reshape keeps sb3gen's flat order: its output is its input map, channels last
            self.ends.append(before if module.NAME == "reshape" else self.current)
        return None

    def _module(self, node: Any, where: str, outputs: list[str]) -> ModuleType | None:
        """The kind of a node the blocks can run (PASS for Identity/Dropout), or None with its problems."""
        op = node.op_type
        data, _ = self._inputs(node, op)
        if any(name in self.constants and self.constants[name] is None for name in node.input):
            return self._lost(outputs)  # a refused tensor: its problem is reported already
        if node.domain not in ("", "ai.onnx"):
            return self._refuse(where, f"an operator of the domain {node.domain!r}; sb3gen runs ONNX's own",
                                outputs)
        module = PASS if op in PASS_OPS else onnx_ops().get(op)
        if module is None:
            return self._refuse(where, f"the blocks do not run {op} (they run "
                                       f"{', '.join(sorted([*onnx_ops(), *PASS_OPS]))})", outputs)
        if data != [self.current]:
            self.problems.append(f"{where}: it takes {data or 'only constants'}, not just {self.current!r}; "
                                 "sb3gen runs graphs whose nodes follow one another")
        if op in ("Sub", "Div") and node.input[0] in self.constants:
            return self._refuse(where, f"a constant {op.lower()} the tensor; the blocks run x - c and x / c",
                                outputs)
        if _attributes(node)[1]:
            return self._refuse(where, f"attributes {_attributes(node)[1]} hold graphs or tensors; sb3gen "
                                       "runs plain operators", outputs)
        if self.reorder is not None and op not in FLAT_AFTER_FLATTEN:
            self.problems.append(f"{where}: after a Flatten of several channels the blocks need a Gemm or "
                                 "MatMul (to put its inputs in order)")
            self.reorder = None
        return module

    def _inputs(self, node: Any, op: str) -> tuple[list[str], list[np.ndarray | None]]:
        names = list(node.input)
        if op in ("Mul", "Add") and len(names) == 2 and names[0] in self.constants:
            names.reverse()  # c * x = x * c
        data = [name for name in names if name and name not in self.constants]
        constants = [self.constants.get(name) if name else None for name in names[1:]]
        return data, constants

    def _constant(self, node: Any, where: str) -> None:
        from onnx import helper

        value = next((a for a in node.attribute if a.name == "value"), None)
        for output in node.output:
            self.constants[output] = None
        if value is None:
            attribute = next(iter(node.attribute), None)
            if attribute is None or attribute.name not in ("value_float", "value_floats", "value_int",
                                                           "value_ints"):
                self.problems.append(f"{where}: a constant sb3gen does not read")
                return
            self.constants[node.output[0]] = np.asarray(helper.get_attribute_value(attribute))
            return
        try:
            self.constants[node.output[0]] = self.budget.load(value.t, where)
        except TensorProblem as problem:
            self.problems.append(str(problem))

    def _refuse(self, where: str, text: str, outputs: list[str]) -> None:
        self.problems.append(f"{where}: {text}")
        self._lost(outputs)

    def _lost(self, outputs: list[str]) -> None:
        self.shape, self.fold_target, self.scale_open, self.reorder = None, None, False, None
        self.current = outputs[0]

    def _softmax_axis(self, attributes: dict[str, Any]) -> dict[str, Any]:
        """Before opset 13 Softmax's default axis is 1 (of a 2-D input: its last axis)."""
        axis = int(attributes.get("axis", -1 if self.opset >= 13 else 1))
        return {**attributes, "axis": -1 if axis in (-1, self.rank - 1) else axis}

    def _channel_constant(self, constants: list[np.ndarray | None], where: str) -> bool:
        """A constant of an NCHW map must be one number or one per channel, shaped (C, 1, 1)."""
        assert self.shape is not None
        c = constants[0] if constants else None
        if c is None or c.size == 1 or self.rank != 4:
            return True
        dims = list(c.shape)
        while dims and dims[0] == 1 and len(dims) > 3:
            dims.pop(0)
        if dims == [self.shape[2], 1, 1]:
            return True
        self.problems.append(f"{where}: a constant of shape {tuple(c.shape)} on a {self.shape[2]}-channel "
                             f"map; the blocks scale by one number or one per channel (shape "
                             f"({self.shape[2]}, 1, 1))")
        return False

    def _fold(self, op: str, attributes: dict[str, Any], constants: list[np.ndarray | None],
              where: str) -> bool:
        """Fold into the layer before (module docstring); True when done."""
        if op in ELEMENTWISE_OPS and self.scale_open:
            return self._join_scale(op, attributes, constants, where)
        if self.fold_target is None or op not in ("BatchNormalization", "Add", *ACTIVATION_OPS):
            return False
        target = self.layers[self.fold_target]
        if target.config.get("activation") != "linear":
            return False
        channels = target.out_shape[2]
        kernel, bias = target.params[0], (target.params[1] if len(target.params) > 1 else np.zeros(channels))
        try:
            if op == "BatchNormalization":
                if int(attributes.get("training_mode", 0)):
                    return False  # the scale kind reports it
                a, b = batch_norm_factors({"epsilon": float(attributes.get("epsilon", 1e-5))},
                                          [c for c in constants if c is not None], channels)
                params = (kernel * a, bias * a + b)
            elif op == "Add":
                params = (kernel, bias + _per_channel(constants[0], channels))
            else:
                activation = op.lower()
                if target.kind == "conv2d" and activation == "softmax":
                    return False
                self.layers[self.fold_target] = replace(target, config={**target.config,
                                                                       "activation": activation})
                self.fold_target = None  # one activation only
                return True
        except (LayerProblem, ValueError) as problem:
            self.problems.append(f"{where}: {problem}")
            return True
        config = {**target.config, "use_bias": True} if target.kind == "dense" else target.config
        self.layers[self.fold_target] = replace(target, params=params, config=config)
        return True

    def _join_scale(self, op: str, attributes: dict[str, Any], constants: list[np.ndarray | None],
                    where: str) -> bool:
        """x * a1 + b1 then x * a2 + b2 is one scale: x * (a1 * a2) + (b1 * a2 + b2)."""
        scale = self.layers[-1]
        try:
            joined = KINDS["scale"].from_onnx(op, attributes, constants, scale.out_shape)
        except LayerProblem as problem:
            self.problems.append(f"{where}: {problem}")
            return True
        (a1, b1), (a2, b2) = scale.params, joined.params
        self.layers[-1] = replace(scale, params=(a1 * a2, b1 * a2 + b2))
        return True

    def _place(self, module: ModuleType, op: str, attributes: dict[str, Any],
               constants: list[np.ndarray | None], source: str) -> bool:
        assert self.shape is not None
        self.counts[module.LABEL] = self.counts.get(module.LABEL, 0) + 1
        label = f"{module.LABEL} {self.counts[module.LABEL]}"
        where = f"{label} ({source})"
        if op in ("Conv", "MaxPool", "AveragePool") and self.rank != 4:
            self._refuse(where, f"a {op} on a {self.rank}-D tensor; the blocks run it on an NCHW map",
                         [self.current])
            return False
        try:
            constants = self._reshape_target(op, constants, where)
            imported = module.from_onnx(op, attributes, constants, self.shape)
            out = tuple(int(n) for n in module.out_shape(self.shape, imported.config))
        except LayerProblem as problem:
            self._refuse(where, str(problem), [self.current])
            return False
        except (KeyError, TypeError, ValueError) as exc:
            self._refuse(where, f"its settings cannot be read ({exc})", [self.current])
            return False
        params = imported.params
        if module.NAME == "dense" and self.reorder is not None:
            params = (params[0][self.reorder], *params[1:])
        self.reorder = None
        layer = Layer(module.NAME, len(self.layers) + 1, label, source, self.shape, out,  # type: ignore[arg-type]
                      imported.config, params)
        self.problems.extend(f"{layer.where()}: {text}" for text in module.problems(layer))
        flattens = op == "Flatten" or (op == "Reshape" and layer.out_shape[:2] == (1, 1))
        if flattens and self.rank == 4 and self.shape[2] > 1:
            self.reorder = flatten_order(self.shape)
        self.layers.append(layer)
        self.shape = layer.out_shape
        self.rank = 2 if flattens or module.NAME == "dense" else (self.reshaped_rank if op == "Reshape"
                                                                  else self.rank)
        self.fold_target = len(self.layers) - 1 if module.NAME in FOLDS_INTO else None
        self.scale_open = module.NAME == "scale" and op in ELEMENTWISE_OPS
        return True

    def _reshape_target(self, op: str, constants: list[np.ndarray | None],
                        where: str) -> list[np.ndarray | None]:
        """A Reshape's ONNX target (batch axis first, NCHW) as the reshape kind reads it."""
        if op != "Reshape" or not constants or constants[0] is None:
            return constants
        assert self.shape is not None
        dims = [int(d) for d in constants[0].ravel()]
        if len(dims) < 2 or dims[0] not in (1, -1, 0) or 0 in dims[1:]:
            raise LayerProblem(f"shape {dims}: the blocks keep the batch axis first and sizes fixed")
        rest, self.reshaped_rank = dims[1:], len(dims)
        if dims[0] == -1 and -1 not in rest:
            pass
        elif dims[0] == -1:
            raise LayerProblem(f"shape {dims}: two unknown sizes")
        several = (len(rest) == 3 and rest[0] > 1) or (self.rank == 4 and self.shape[2] > 1 and len(rest) > 1)
        if several:
            raise LayerProblem(f"shape {dims}: a Reshape of several channels of an NCHW map reorders the "
                               "values; the blocks run it with one channel (or Flatten)")
        if len(rest) == 3:
            rest = [rest[1], rest[2], rest[0]]
        return [np.asarray(rest)]


def _per_channel(value: np.ndarray | None, channels: int) -> np.ndarray:
    if value is None:
        raise ValueError("an Add of a computed value")
    array = np.asarray(value, dtype=np.float64).ravel()
    if array.size == 1:
        return np.full(channels, float(array[0]))
    if array.size != channels:
        raise ValueError(f"an Add of {array.size} values to {channels} outputs")
    return array


def _input_dims(graph: Any, constants: dict[str, np.ndarray | None], label: str) -> tuple[str, list[int]]:
    inputs = [value for value in graph.input if value.name not in constants]
    if len(inputs) != 1 or len(graph.output) != 1:
        raise Sb3genError(f"{label}: the graph has {len(inputs)} inputs and {len(graph.output)} outputs; "
                          "sb3gen runs one image in, one answer out")
    tensor = inputs[0].type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else -1 for d in tensor.shape.dim]
    rest = dims[1:]
    if not 2 <= len(dims) <= 4 or dims[0] not in (1, -1) or not all(d > 0 for d in rest):
        raise Sb3genError(f"{label}: the input's shape {dims} (-1: not fixed); sb3gen takes a batch axis "
                          "then fixed sizes: (N, C, H, W), (N, H, W) or (N, features)")
    if math.prod(rest) > 1_000_000:
        raise Sb3genError(f"{label}: the input's shape {dims}; sb3gen takes at most 1,000,000 values")
    return inputs[0].name, rest


def _opset(model: Any) -> int:
    return next((int(o.version) for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)


def import_onnx_model(path: str | Path) -> ImportedModel:
    """The model's layers, or one Sb3genError listing every problem (one line each)."""
    path = Path(path)
    model = read_model(path)
    graph = model.graph
    budget = TensorBudget()
    constants: dict[str, np.ndarray | None] = {}
    problems = []
    if len(graph.sparse_initializer):
        problems.append("the graph has sparse initializers; sb3gen reads dense tensors")
    for tensor in graph.initializer:
        try:
            constants[tensor.name] = budget.load(tensor, f"initializer {tensor.name!r}")
        except TensorProblem as problem:
            constants[tensor.name] = None
            problems.append(str(problem))
    input_name, dims = _input_dims(graph, constants, path.name)
    builder = _Builder(_opset(model), to_channels_last(dims), len(dims) + 1, input_name, constants, budget,
                       problems=problems)
    for index, node in enumerate(graph.node):
        builder.add(index, node)
    if builder.reorder is not None:
        builder.problems.append("the graph ends in a Flatten of several channels; the blocks need a Gemm "
                                "after it")
    if graph.output[0].name != builder.current:
        builder.problems.append(f"the graph's output {graph.output[0].name!r} is not the end of its chain "
                                f"({builder.current!r})")
    if not builder.layers and not builder.problems:
        builder.problems.append("the graph has no nodes the blocks compute")
    if builder.problems:
        raise ProblemReport.for_model(path.name, builder.problems)
    data_format = "channels_first" if len(dims) == 3 else "channels_last"
    return OnnxModel(tuple(builder.layers), to_channels_last(dims), tuple(dims), data_format, path.name,
                     input_name, tuple(builder.ends))
