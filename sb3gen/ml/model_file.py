"""Read a saved Keras model (.keras or .h5) into a Network, refusing what the Scratch side cannot run.

Accepted: a model whose layers are InputLayer / Flatten / Dense only (Dropout is skipped), hidden Dense layers
all with the same activation (sigmoid or relu), the last Dense with softmax and 10 outputs, and a square input
of size x size pixels (e.g. 14x14 or 196 flat). Anything else is refused with the layer's name and the reason,
before any other work.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sb3gen.errors import Sb3genError
from sb3gen.ml.keras_model import flatten_keras, import_keras
from sb3gen.ml.network import HIDDEN_ACTIVATIONS, Network
from sb3gen.ml.preprocess import PreprocessSettings

PASS_THROUGH_LAYERS = ("InputLayer", "Flatten")
INFERENCE_NO_OPS = ("Dropout",)  # acts only while training: between Dense layers it changes nothing
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")


def load_model_file(path: str | Path, preprocess: PreprocessSettings | None = None) -> Network:
    """A Network from a Keras model file. `preprocess` gives crop/threshold/invert (defaults: the articles');
    its size is taken from the model's input."""
    path = Path(path)
    if path.suffix.lower() not in MODEL_SUFFIXES:
        raise Sb3genError(f"{path}: a model file must end in .keras or .h5")
    if not path.is_file():
        raise Sb3genError(f"{path}: no such model file")
    keras = import_keras()
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many kinds (ValueError, OSError, TypeError, ...) for bad files
        raise Sb3genError(f"{path}: cannot load as a Keras model ({type(exc).__name__}: {exc})") from exc
    layer_sizes, activation = check_model(model, path)
    settings = preprocess or PreprocessSettings()
    side = math.isqrt(layer_sizes[0])
    if side * side != layer_sizes[0]:
        raise Sb3genError(f"{path}: the model takes {layer_sizes[0]} inputs, not a square image")
    settings = PreprocessSettings(settings.crop, side, settings.threshold, settings.invert)
    return Network(layer_sizes, activation, flatten_keras(model), settings,
                   {"model_file": path.name})


def peek_layer_sizes(path: str | Path) -> list[int] | None:
    """The layer sizes from a model file's configuration alone (no TensorFlow, no weights read), so an
    oversized model is refused in a second; None when the configuration is not a plain Sequential MLP (the
    full load then decides)."""
    import json
    import zipfile

    path = Path(path)
    try:
        if path.suffix.lower() == ".keras":
            with zipfile.ZipFile(path) as archive:
                info = archive.getinfo("config.json")
                if info.file_size > 10_000_000:
                    return None
                config = json.loads(archive.read(info))
        else:
            import h5py

            with h5py.File(path, "r") as h5:
                text = h5.attrs.get("model_config")
                config = json.loads(text.decode() if isinstance(text, bytes) else text)
        layers = config["config"]["layers"]
        sizes: list[int] = []
        for layer in layers:
            kind, settings = layer["class_name"], layer["config"]
            if kind == "InputLayer":
                shape = settings.get("batch_shape") or settings.get("batch_input_shape")
                sizes = [math.prod(int(d) for d in shape[1:])]
            elif kind == "Dense" and sizes:
                sizes.append(int(settings["units"]))
            elif kind != "Flatten":
                return None
        return sizes if len(sizes) >= 2 else None
    except Exception:  # any other shape of file: the full load gives the precise message
        return None


def check_model(model: Any, path: Path) -> tuple[list[int], str]:
    """Layer sizes and the hidden activation of a plain Flatten/Dense model, or an Sb3genError."""
    dense = []
    for layer in model.layers:
        kind = layer.__class__.__name__
        if kind in INFERENCE_NO_OPS:
            continue
        if kind in PASS_THROUGH_LAYERS:
            if dense:
                raise Sb3genError(f"{path}: layer '{layer.name}' ({kind}) comes after a Dense layer; "
                                  "only Flatten then Dense layers are supported")
            continue
        if kind != "Dense":
            raise Sb3genError(f"{path}: layer '{layer.name}' is a {kind}; only Flatten and Dense layers "
                              "can become Scratch blocks")
        dense.append(layer)
    if not dense:
        raise Sb3genError(f"{path}: the model has no Dense layers")

    n_inputs = math.prod(int(d) for d in model.input_shape[1:])
    sizes = [n_inputs]
    hidden_activations = set()
    for index, layer in enumerate(dense):
        kernel = layer.get_weights()[0]
        if kernel.ndim != 2 or kernel.shape[0] != sizes[-1]:
            raise Sb3genError(f"{path}: layer '{layer.name}' takes {kernel.shape[0]} inputs but receives "
                              f"{sizes[-1]} (a Flatten layer missing before it?)")
        sizes.append(int(kernel.shape[1]))
        activation = activation_name(layer)
        if index == len(dense) - 1:
            if activation != "softmax":
                raise Sb3genError(f"{path}: output layer '{layer.name}' uses activation '{activation}'; "
                                  "it must be softmax")
        elif activation not in HIDDEN_ACTIVATIONS:
            raise Sb3genError(f"{path}: layer '{layer.name}' uses activation '{activation}'; "
                              f"supported hidden activations: {', '.join(HIDDEN_ACTIVATIONS)}")
        else:
            hidden_activations.add(activation)
    if len(hidden_activations) > 1:
        raise Sb3genError(f"{path}: hidden layers mix activations {sorted(hidden_activations)}; the Scratch "
                          "network uses one for all hidden layers")
    if sizes[-1] != 10:
        raise Sb3genError(f"{path}: output layer '{dense[-1].name}' has {sizes[-1]} outputs, "
                          "10 (one per digit) needed")
    return sizes, hidden_activations.pop() if hidden_activations else "sigmoid"


def activation_name(layer: Any) -> str:
    activation = layer.get_config().get("activation", "linear")
    if isinstance(activation, dict):  # a serialized object, e.g. {"class_name": "function", "config": "relu"}
        activation = activation.get("config", activation.get("class_name"))
    return str(activation)
