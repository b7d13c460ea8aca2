"""Reading an untrusted .onnx file: bounded, code-free, every tensor's size checked before it is loaded.

The file is read up to MAX_FILE_BYTES and parsed as a protobuf (onnx.ModelProto; nothing in it runs). Data
outside the file (external data) is refused, so no other file is opened. A tensor's dims, type and stored
length are checked against each other and against the caps before numpy_helper.to_array makes an array of it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from sb3gen.errors import Sb3genError

MAX_FILE_BYTES = 64_000_000  # a 200,000-parameter model is about 0.8 MB
MAX_TENSOR_VALUES = 4_000_000
MAX_TOTAL_VALUES = 8_000_000
MAX_NODES = 2_000


class TensorProblem(Exception):
    """A tensor sb3gen will not load (its text names the tensor)."""


def read_model(path: Path) -> Any:
    """The parsed onnx.ModelProto, or one Sb3genError."""
    import onnx
    from google.protobuf.message import DecodeError

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise Sb3genError(f"{path.name}: {size:,} bytes; sb3gen reads ONNX models of at most "
                              f"{MAX_FILE_BYTES:,} bytes")
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise Sb3genError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise Sb3genError(f"{path.name}: over {MAX_FILE_BYTES:,} bytes")
    try:
        model = onnx.ModelProto.FromString(data)
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise Sb3genError(f"{path.name}: not an ONNX model ({type(exc).__name__})") from None
    if not model.HasField("graph") or not model.graph.node:
        raise Sb3genError(f"{path.name}: not an ONNX model (no graph of nodes)")
    if len(model.graph.node) > MAX_NODES:
        raise Sb3genError(f"{path.name}: {len(model.graph.node):,} nodes; sb3gen reads at most {MAX_NODES:,}")
    if model.functions:
        raise Sb3genError(f"{path.name}: the model defines its own functions; sb3gen runs ONNX's operators")
    return model


def _item_bytes() -> dict[int, tuple[int, str]]:
    """Tensor types sb3gen loads: bytes per value and the field that holds them when not raw."""
    from onnx import TensorProto

    return {TensorProto.FLOAT: (4, "float_data"), TensorProto.DOUBLE: (8, "double_data"),
            TensorProto.FLOAT16: (2, "int32_data"), TensorProto.INT64: (8, "int64_data"),
            TensorProto.INT32: (4, "int32_data")}


class TensorBudget:
    """Checks each tensor before it is loaded, and the total over the model."""

    def __init__(self) -> None:
        self.total = 0

    def load(self, tensor: Any, what: str) -> np.ndarray:
        from onnx import TensorProto, numpy_helper

        if tensor.data_location == TensorProto.EXTERNAL or len(tensor.external_data):
            raise TensorProblem(f"{what}: its data is in another file; sb3gen reads only the model file "
                                "(save it with its weights inside)")
        if tensor.HasField("segment"):
            raise TensorProblem(f"{what}: a segmented tensor; sb3gen reads whole tensors")
        dims = [int(d) for d in tensor.dims]
        if any(d < 0 for d in dims):
            raise TensorProblem(f"{what}: negative dims {dims}")
        count = math.prod(dims)
        if count > MAX_TENSOR_VALUES:
            raise TensorProblem(f"{what}: it declares {count:,} values (dims {dims}); sb3gen loads at most "
                                f"{MAX_TENSOR_VALUES:,} per tensor")
        if self.total + count > MAX_TOTAL_VALUES:
            raise TensorProblem(f"{what}: the model's tensors pass {MAX_TOTAL_VALUES:,} values")
        item = _item_bytes().get(tensor.data_type)
        if item is None:
            raise TensorProblem(f"{what}: tensor type {TensorProto.DataType.Name(tensor.data_type)}; sb3gen "
                                "reads float, double, float16, int32 and int64")
        size, field = item
        stored = (len(tensor.raw_data) if tensor.raw_data else len(getattr(tensor, field)) * size)
        if stored != count * size:
            raise TensorProblem(f"{what}: it declares {count:,} values (dims {dims}) but stores "
                                f"{stored:,} bytes")
        self.total += count
        array = np.asarray(numpy_helper.to_array(tensor))
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise TensorProblem(f"{what}: not all its values are finite numbers")
        return array
