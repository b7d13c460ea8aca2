"""The reference against ONNX's own: each layer's output next to the graph tensor it stands for
(OnnxModel.ends), computed by onnx.reference.ReferenceEvaluator (the onnx package's numpy evaluator, no
runtime). Called only on a model the importer accepted: every node is a plain ONNX operator it knows."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sb3gen.importers.onnx import OnnxModel
from sb3gen.importers.onnx_files import read_model
from sb3gen.kinds import Layer, kind

TOLERANCE = 1e-5  # per layer, as for Keras models (keras2c's bar)


def onnx_values(path: Path, imported: OnnxModel, images: np.ndarray) -> list[list[np.ndarray]]:
    """Per image: the graph's value of each layer's end tensor, flat in sb3gen's (channels last) order."""
    from onnx import TensorProto, helper
    from onnx.reference import ReferenceEvaluator

    model = read_model(path)
    known = {value.name for value in model.graph.output}
    model.graph.output.extend(helper.make_tensor_value_info(name, TensorProto.FLOAT, None)
                              for name in dict.fromkeys(imported.ends) if name not in known)
    evaluator = ReferenceEvaluator(model)
    shape = (1, *imported.keras_input_shape)
    found = []
    for image in images:
        values = evaluator.run(list(imported.ends), {imported.input_name: np.asarray(image, np.float32)
                                                     .reshape(shape)})
        found.append([(np.transpose(v, (0, 2, 3, 1)) if v.ndim == 4 else v).astype(np.float64).ravel()
                      for v in values])
    return found


def layer_differences(path: Path, imported: OnnxModel, layers: Sequence[Layer],
                      images: np.ndarray) -> list[float]:
    """Per layer: the largest |reference - ONNX| over the images (channels-last images as sb3gen's input)."""
    nchw = imported.data_format == "channels_first"
    onnx_inputs = [np.transpose(np.asarray(image).reshape(imported.input_shape), (2, 0, 1)) if nchw else image
                   for image in images]
    worst = np.zeros(len(layers))
    for image, expected in zip(images, onnx_values(path, imported, np.array(onnx_inputs)), strict=True):
        x = np.asarray(image, dtype=np.float64).ravel()
        for index, (layer, want) in enumerate(zip(layers, expected, strict=True)):
            x = kind(layer.kind).forward(layer, x)
            worst[index] = max(worst[index], float(np.max(np.abs(x - want))))
    return worst.tolist()
