"""The reference against ONNX's own: each layer's output next to the graph tensor it stands for
(OnnxModel.ends), computed by onnx.reference.ReferenceEvaluator (the onnx package's numpy evaluator, no
runtime). Called only on a model the importer accepted: every node is a plain ONNX operator it knows."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sb3gen.importers.onnx import OnnxModel, import_onnx_model
from sb3gen.importers.onnx_files import read_model
from sb3gen.kinds import Layer, kind

if TYPE_CHECKING:
    from sb3gen.verify import Check

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


def model_check(model: Path, project_layers: Sequence[Layer], test_images: np.ndarray, number: int) -> Check:
    """verify --model: (a) the model's import against ONNX's evaluator, every layer within TOLERANCE on the
    project's first test images (the model's own weights); (b) the project's weights are the model's, rounded
    to some --weight-digits (the build's rounding, exactly)."""
    from sb3gen.loops.model_build import rounded
    from sb3gen.loops.plan import flat_weights
    from sb3gen.verify import Check

    imported = import_onnx_model(model)
    layers = list(imported.layers)
    check = Check(number, f"the reference against ONNX's evaluator on {model.name}", True)
    differences = layer_differences(model, imported, layers, test_images)
    check.passed = max(differences) <= TOLERANCE
    check.lines.append(f"{len(test_images)} images; largest difference per layer: " + ", ".join(
        f"{layer.name} {difference:.2g}" for layer, difference in zip(layers, differences, strict=True))
        + f" (at most {TOLERANCE:g})")
    shipped = flat_weights(list(project_layers))
    digits = next((d for d in range(3, 18) if shipped.shape == flat_weights(layers).shape
                   and np.array_equal(flat_weights(rounded(layers, d)), shipped)), None)
    if digits is None:
        check.passed = False
        check.lines.append("the project's weights are not the model's at any --weight-digits (3 to 17)")
    else:
        check.lines.append(f"the project's {shipped.size:,} weights are the model's at {digits} significant "
                           "digits")
    return check
