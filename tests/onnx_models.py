"""ONNX graphs built with onnx.helper as torch.onnx.export writes them (node names, Gemm transB=1, NCHW input
(1, 1, 28, 28)), and the ONNX reference evaluator's value of every intermediate tensor."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

MEAN, STD = 0.1307, 0.3081  # PyTorch's Normalize for MNIST
OPSET = 17


def _init(name: str, array: np.ndarray) -> TensorProto:
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def _model(nodes: list, initializers: list, output: str, opset: int = OPSET) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes, "main_graph",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 28, 28])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, [1, 10])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def third_article_mlp(seed: int, hidden: int = 128) -> tuple[onnx.ModelProto, list[str]]:
    """MyNet of the third article (784 -> hidden x 3 -> 10, ReLU, Softmax(dim=-1)) behind Normalize(mean, std)
    as Sub / Div; the tensors that end each of sb3gen's layers (scale, reshape, dense 1..4)."""
    rng = np.random.default_rng(seed)
    sizes = [784, hidden, hidden, hidden, 10]
    inits = [_init("mean", np.full((1, 1, 1), MEAN)), _init("std", np.full((1, 1, 1), STD))]
    nodes = [helper.make_node("Sub", ["input", "mean"], ["/Sub_output_0"], name="/Sub"),
             helper.make_node("Div", ["/Sub_output_0", "std"], ["/Div_output_0"], name="/Div"),
             helper.make_node("Flatten", ["/Div_output_0"], ["/flatten/Flatten_output_0"],
                              name="/flatten/Flatten", axis=1)]
    ends = ["/Div_output_0", "/Div_output_0"]  # a Flatten stands for its input map (see small_cnn)
    x = "/flatten/Flatten_output_0"
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:], strict=False), start=1):
        bound = 1 / np.sqrt(n_in)  # nn.Linear's initialisation
        inits += [_init(f"layer{i}.weight", rng.uniform(-bound, bound, (n_out, n_in))),
                  _init(f"layer{i}.bias", rng.uniform(-bound, bound, n_out))]
        gemm = f"/layer{i}/Gemm_output_0"
        nodes.append(helper.make_node("Gemm", [x, f"layer{i}.weight", f"layer{i}.bias"], [gemm],
                                      name=f"/layer{i}/Gemm", alpha=1.0, beta=1.0, transB=1))
        if i < 4:
            x = f"/relu_{i - 1}/Relu_output_0" if i > 1 else "/relu/Relu_output_0"
            nodes.append(helper.make_node("Relu", [gemm], [x], name=x.removesuffix("_output_0")))
        else:
            x = "output"
            nodes.append(helper.make_node("Softmax", [gemm], [x], name="/softmax/Softmax", axis=-1))
        ends.append(x)
    return _model(nodes, inits, "output"), ends


def small_cnn(seed: int) -> tuple[onnx.ModelProto, list[str]]:
    """Conv 3x3 padding=1 + BatchNorm + Relu, MaxPool 2, Conv 3x3 + Relu, MaxPool 2, Flatten, MatMul + Add +
    Relu (a Linear exported without Gemm), Gemm, Softmax: 28x28x1 -> 28x28x4 -> 14x14x4 -> 12x12x6 -> 6x6x6
    -> 16 -> 10; the tensors that end each of sb3gen's layers (for the Flatten: the map before it, whose
    channels-last order is sb3gen's flat order; ONNX's Flatten output is in channels-first order)."""
    rng = np.random.default_rng(seed)
    shapes = {"conv1.weight": (0.5, (4, 1, 3, 3)), "conv1.bias": (0.1, 4), "bn.bias": (0.1, 4),
              "bn.running_mean": (0.1, 4), "conv2.weight": (0.3, (6, 4, 3, 3)), "conv2.bias": (0.1, 6),
              "fc1.weight_t": (0.1, (216, 16)), "fc1.bias": (0.1, 16), "fc2.weight": (0.3, (10, 16)),
              "fc2.bias": (0.1, 10)}
    inits = [_init(name, rng.normal(0, sd, shape)) for name, (sd, shape) in shapes.items()]
    inits += [_init("bn.weight", rng.uniform(0.5, 1.5, 4)), _init("bn.running_var", rng.uniform(0.5, 2, 4))]
    n = helper.make_node
    nodes = [n("Conv", ["input", "conv1.weight", "conv1.bias"], ["c1"], name="/conv1/Conv",
               kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1], group=1),
             n("BatchNormalization", ["c1", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"],
               ["b1"], name="/bn/BatchNormalization", epsilon=1e-5),
             n("Relu", ["b1"], ["r1"], name="/relu/Relu"),
             n("MaxPool", ["r1"], ["p1"], name="/pool/MaxPool", kernel_shape=[2, 2], strides=[2, 2],
               pads=[0, 0, 0, 0], ceil_mode=0),
             n("Conv", ["p1", "conv2.weight", "conv2.bias"], ["c2"], name="/conv2/Conv", kernel_shape=[3, 3]),
             n("Relu", ["c2"], ["r2"], name="/relu_1/Relu"),
             n("MaxPool", ["r2"], ["p2"], name="/pool_1/MaxPool", kernel_shape=[2, 2], strides=[2, 2]),
             n("Flatten", ["p2"], ["f"], name="/Flatten", axis=1),
             n("Dropout", ["f"], ["d"], name="/dropout/Dropout"),
             n("MatMul", ["d", "fc1.weight_t"], ["m"], name="/fc1/MatMul"),
             n("Add", ["m", "fc1.bias"], ["a"], name="/fc1/Add"),
             n("Relu", ["a"], ["r3"], name="/relu_2/Relu"),
             n("Gemm", ["r3", "fc2.weight", "fc2.bias"], ["g"], name="/fc2/Gemm", transB=1),
             n("Softmax", ["g"], ["output"], name="/softmax/Softmax", axis=1)]
    return _model(nodes, inits, "output"), ["r1", "p1", "r2", "p2", "p2", "r3", "output"]


def save(model: onnx.ModelProto, folder: Path, name: str) -> Path:
    onnx.checker.check_model(model)
    path = folder / name
    path.write_bytes(model.SerializeToString())
    return path


def evaluate(model: onnx.ModelProto, tensors: list[str], image: np.ndarray) -> list[np.ndarray]:
    """The ONNX reference evaluator's value of each tensor, channels last (as sb3gen's lists), flat."""
    with_outputs = onnx.ModelProto()
    with_outputs.CopyFrom(model)
    known = {o.name for o in with_outputs.graph.output}
    with_outputs.graph.output.extend(helper.make_tensor_value_info(t, TensorProto.FLOAT, None)
                                     for t in tensors if t not in known)
    values = ReferenceEvaluator(with_outputs).run(tensors, {"input": image.reshape(1, 1, 28, 28)
                                                            .astype(np.float32)})
    return [(np.transpose(v, (0, 2, 3, 1)) if v.ndim == 4 else v).astype(np.float64).ravel() for v in values]


def other_ops(seed: int) -> tuple[onnx.ModelProto, list[str]]:
    """The rest of what is accepted: a Constant, Mul, Sub (one scale),
    Conv 5x5 stride 2 auto_pad SAME_UPPER + Tanh, AveragePool 3x3 stride 2, a BatchNormalization after an
    activation (a scale layer), Conv 1x1 + Sigmoid, Identity, Reshape to (1, -1), Gemm transB=0 alpha 0.5."""
    rng = np.random.default_rng(seed)
    inits = [_init("shift", np.full((1, 1, 1), 0.5)), _init("k1", rng.normal(0, 0.4, (3, 1, 5, 5))),
             _init("b1", rng.normal(0, 0.1, 3)), _init("g", rng.uniform(0.5, 1.5, 3)),
             _init("beta", rng.normal(0, 0.1, 3)), _init("mu", rng.normal(0, 0.1, 3)),
             _init("var", rng.uniform(0.5, 2, 3)), _init("k2", rng.normal(0, 0.5, (2, 3, 1, 1))),
             _init("b2", rng.normal(0, 0.1, 2)), _init("fc", rng.normal(0, 0.3, (72, 10))),
             _init("fcb", rng.normal(0, 0.1, 10)),
             numpy_helper.from_array(np.array([1, -1], dtype=np.int64), "flat")]
    n = helper.make_node
    nodes = [n("Constant", [], ["two"], name="/Constant", value=numpy_helper.from_array(np.float32(2.0))),
             n("Mul", ["two", "input"], ["m"], name="/Mul"),
             n("Sub", ["m", "shift"], ["s"], name="/Sub"),
             n("Conv", ["s", "k1", "b1"], ["c1"], name="/conv1/Conv", kernel_shape=[5, 5], strides=[2, 2],
               auto_pad="SAME_UPPER"),
             n("Tanh", ["c1"], ["t"], name="/Tanh"),
             n("AveragePool", ["t"], ["a"], name="/AveragePool", kernel_shape=[3, 3], strides=[2, 2]),
             n("BatchNormalization", ["a", "g", "beta", "mu", "var"], ["bn"], name="/bn", epsilon=1e-3),
             n("Conv", ["bn", "k2", "b2"], ["c2"], name="/conv2/Conv", kernel_shape=[1, 1]),
             n("Sigmoid", ["c2"], ["sg"], name="/Sigmoid"),
             n("Identity", ["sg"], ["i"], name="/Identity"),
             n("Reshape", ["i", "flat"], ["r"], name="/Reshape"),
             n("Gemm", ["r", "fc", "fcb"], ["gm"], name="/fc/Gemm", alpha=0.5),
             n("Softmax", ["gm"], ["output"], name="/Softmax")]
    return _model(nodes, inits, "output"), ["s", "t", "a", "bn", "sg", "i", "output"]
