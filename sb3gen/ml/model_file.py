"""Read a saved Keras model (.keras or .h5) into a Network, refusing what the Scratch side cannot run.

Accepted: a model whose layers are InputLayer / Flatten / Dense only (Dropout is skipped), hidden Dense layers
all with the same activation (sigmoid or relu), the last Dense with softmax and 10 outputs, and a square input
of size x size pixels (e.g. 14x14 or 196 flat). Or a CNN: one or two Conv2D (3x3, valid padding, stride 1,
no dilation, relu) each followed by MaxPooling2D 2x2, on a size x size (x 1) input, then Flatten, Dense relu
layers, Dense 10 softmax; Reshape to one channel and Dropout (inactive at inference) are fine. Anything else
is refused with the layer's name and the reason (padding 'same', strides, dilation, BatchNormalization, ...),
before any other work.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sb3gen import layers as layer_kinds
from sb3gen.errors import Sb3genError
from sb3gen.layers import LayerSpec
from sb3gen.ml.keras_model import flatten_keras, import_keras
from sb3gen.ml.network import HIDDEN_ACTIVATIONS, Network
from sb3gen.ml.preprocess import PreprocessSettings
from sb3gen.untrusted import (
    LIMITS,
    check_regular,
    loads_bounded,
    one_line,
    open_regular,
    short,
    whole_number,
)

PASS_THROUGH_LAYERS = ("InputLayer", "Flatten")
INFERENCE_NO_OPS = ("Dropout",)  # acts only while training: between Dense layers it changes nothing
CNN_PASS_THROUGH = ("InputLayer", "Flatten", "Reshape", "Dropout")
CNN_LAYERS = ("Conv2D", "MaxPooling2D")
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")


def load_model_file(path: str | Path, preprocess: PreprocessSettings | None = None) -> Network:
    """A Network from a Keras model file. `preprocess` gives crop/threshold/invert (defaults: the articles');
    its size is taken from the model's input."""
    path = Path(path)
    model_config(path)  # sizes, nesting and layer sizes checked before Keras reads anything
    keras = import_keras()
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many kinds (ValueError, OSError, TypeError, ...) for bad files
        cause = one_line(f"{type(exc).__name__}: {exc}")  # Keras' own are many lines, some 2,700 characters
        raise Sb3genError(f"{path}: cannot load as a Keras model ({cause[:300]})") from None
    settings = preprocess or PreprocessSettings()
    if any(layer.__class__.__name__ in CNN_LAYERS for layer in model.layers):
        specs, side = check_cnn_model(model, path)
        settings = PreprocessSettings(settings.crop, side, settings.threshold, settings.invert)
        return Network([], "relu", flatten_keras(model), settings, {"model_file": str(path)},
                       layer_specs=specs)
    layer_sizes, activation = check_model(model, path)
    side = math.isqrt(layer_sizes[0])
    if side * side != layer_sizes[0]:
        raise Sb3genError(f"{path}: the model takes {layer_sizes[0]} inputs, not a square image")
    settings = PreprocessSettings(settings.crop, side, settings.threshold, settings.invert)
    return Network(layer_sizes, activation, flatten_keras(model), settings,
                   {"model_file": path.name})


def model_config(path: Path) -> object:
    """The model's configuration (JSON), read within LIMITS before Keras sees the file: a regular file of at
    most "model file bytes"; a .keras zip of few entries, its config.json streamed with a cap of "model
    config bytes" (a 720 KB file once declared 734 MB of it); an .h5's model_config attribute checked by its
    stored size; the JSON's depth scanned before it is decoded; every layer size in it bounded (Keras would
    allocate a Dense layer of 10^9 units before reading a weight). Sb3genError for anything else."""
    if path.suffix.lower() not in MODEL_SUFFIXES:
        raise Sb3genError(f"{path}: a model file must end in .keras or .h5")
    info = check_regular(path, "model file")
    if info.st_size > LIMITS["model file bytes"]:
        raise Sb3genError(f"{path}: {info.st_size:,} bytes, over the {LIMITS['model file bytes']:,} sb3gen "
                          "reads for a model file")
    cap = LIMITS["model config bytes"]
    if path.suffix.lower() == ".keras":
        raw = _keras_zip_config(path, cap)
    else:
        raw = _h5_config(path, cap)
    config = loads_bounded(raw, f"{path}: the model's configuration")
    check_config_sizes(config, path)
    weights = config_weight_count(config)
    if weights is not None and weights > LIMITS["model weights"]:
        raise Sb3genError(f"{path}: the model has {weights:,} weights and biases, more than the "
                          f"{LIMITS['model weights']:,} sb3gen loads (a Scratch list holds 200,000)")
    return config


SIZE_KEYS = ("units", "filters")  # Keras settings that size a layer's weights
SHAPE_KEYS = ("batch_shape", "batch_input_shape", "shape", "target_shape")


def config_weight_count(config: object) -> int | None:
    """The weights and biases of a Sequential configuration's layers, counted from their settings (Keras
    would allocate them all before reading one), or None for a configuration of another shape."""
    try:
        layers = config["config"]["layers"]  # type: ignore[index]
        shape: tuple[int, ...] = ()
        total = 0
        for layer in layers:
            kind, settings = layer["class_name"], layer["config"]
            if kind == "InputLayer":
                given = settings.get("batch_shape") or settings.get("batch_input_shape")
                shape = tuple(int(d) for d in given[1:])
            elif kind == "Reshape":
                shape = tuple(int(d) for d in settings["target_shape"])
            elif kind == "Flatten":
                shape = (math.prod(shape),)
            elif kind == "Dense":
                units = int(settings["units"])
                total += (math.prod(shape) + 1) * units
                shape = (units,)
            elif kind == "Conv2D":
                k, filters = int(settings["kernel_size"][0]), int(settings["filters"])
                total += (k * k * shape[-1] + 1) * filters
                shape = (max(shape[0] - k + 1, 1), max(shape[1] - k + 1, 1), filters)
            elif kind == "MaxPooling2D":
                p = int(settings.get("pool_size", (2, 2))[0])
                shape = (max(shape[0] // p, 1), max(shape[1] // p, 1), shape[2])
            elif kind != "Dropout":
                return None
        return total
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def check_config_sizes(config: object, path: Path) -> None:
    """Every layer size and input shape in a Keras configuration within LIMITS, walked without recursion."""
    todo = [config]
    while todo:
        item = todo.pop()
        if isinstance(item, list):
            todo.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key in SIZE_KEYS:
                    whole_number(value, f"{path}: a layer's {key}")
                elif key in SHAPE_KEYS and isinstance(value, list):
                    dims = [whole_number(d, f"{path}: a dimension of {key}", 1, 10_000)
                            for d in value if d is not None]
                    if math.prod(dims) > LIMITS["layer size"]:
                        raise Sb3genError(f"{path}: the input shape {short(value)} is over "
                                          f"{LIMITS['layer size']:,} values")
                else:
                    todo.append(value)


def _keras_zip_config(path: Path, cap: int) -> bytes:
    import zipfile
    import zlib

    try:
        with open_regular(path, "model file") as handle, zipfile.ZipFile(handle) as archive:
            entries = archive.infolist()
            if len(entries) > 100 or sum(e.file_size for e in entries) > LIMITS["model file bytes"]:
                raise Sb3genError(f"{path}: the .keras zip declares {len(entries):,} entries of "
                                  f"{sum(e.file_size for e in entries):,} bytes, more than a model of "
                                  "digits has")
            info = archive.getinfo("config.json")
            if info.file_size > cap:
                raise Sb3genError(f"{path}: config.json declares {info.file_size:,} bytes, over the "
                                  f"{cap:,} sb3gen reads")
            with archive.open(info) as stream:
                raw = stream.read(cap + 1)
    except Sb3genError:
        raise
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError,
            NotImplementedError) as exc:
        cause = one_line(str(exc))[:120]
        raise Sb3genError(f"{path}: cannot load as a Keras model (not a .keras zip: {cause})") from None
    if len(raw) > cap:
        raise Sb3genError(f"{path}: config.json decompresses to more than {cap:,} bytes")
    return raw


def _h5_config(path: Path, cap: int) -> bytes:
    try:
        import h5py

        with h5py.File(path, "r") as h5:
            if "model_config" not in h5.attrs:
                raise Sb3genError(f"{path}: an .h5 file without a model configuration (weights only?)")
            size = h5.attrs.get_id("model_config").get_storage_size()
            if size > cap:
                raise Sb3genError(f"{path}: its model configuration is {size:,} bytes, over the {cap:,} "
                                  "sb3gen reads")
            text = h5.attrs["model_config"]
    except Sb3genError:
        raise
    except Exception as exc:  # h5py raises OSError, KeyError, TypeError, ... for damaged files
        cause = one_line(str(exc))[:120]
        raise Sb3genError(f"{path}: cannot load as a Keras model (not an .h5 file: {cause})") from None
    return text if isinstance(text, bytes) else str(text).encode("utf-8", "replace")


def peek_layer_sizes(path: str | Path) -> list[int] | None:
    """The layer sizes from a model file's configuration alone (no TensorFlow, no weights read), so an
    oversized model is refused in a second; None when the configuration is not a plain Sequential MLP (the
    full load then decides). Sb3genError for a file over the limits (model_config)."""
    path = Path(path)
    config = model_config(path)
    try:
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


def check_cnn_model(model: Any, path: Path) -> tuple[list[LayerSpec], int]:
    """The layers of a Conv2D / MaxPooling2D / Dense model the blocks can run, and its input side."""
    shape = tuple(int(d) for d in model.input_shape[1:] if d is not None)
    if len(shape) not in (2, 3) or shape[0] != shape[1] or (len(shape) == 3 and shape[2] != 1):
        raise Sb3genError(f"{path}: a CNN must take a square one-channel image, this one takes {shape}")
    specs: list[LayerSpec] = []
    for layer in model.layers:
        kind, config = layer.__class__.__name__, layer.get_config()
        where = f"{path}: layer '{layer.name}' ({kind})"
        if kind in CNN_PASS_THROUGH:
            continue
        if kind == "Conv2D":
            for key, wanted, what in (("padding", "valid", "padding"), ("strides", (1, 1), "strides"),
                                      ("dilation_rate", (1, 1), "dilation"), ("kernel_size", (3, 3),
                                                                             "kernel size")):
                value = config.get(key)
                value = tuple(value) if isinstance(value, list | tuple) else value
                if value != wanted:
                    raise Sb3genError(f"{where} has {what} {value!r}; the blocks run {wanted!r} only")
            if config.get("data_format", "channels_last") != "channels_last":
                raise Sb3genError(f"{where} uses {config.get('data_format')}; only channels_last")
            specs.append(LayerSpec("conv", int(config["filters"]), activation_name(layer), 3))
        elif kind == "MaxPooling2D":
            pool, strides = tuple(config.get("pool_size", (2, 2))), config.get("strides")
            strides = tuple(strides) if strides is not None else pool
            if pool != (2, 2) or strides != (2, 2) or config.get("padding", "valid") != "valid":
                raise Sb3genError(f"{where}: the blocks run 2x2 max-pooling with stride 2 and valid padding "
                                  f"only (this one: pool {pool}, strides {strides}, padding "
                                  f"{config.get('padding')!r})")
            specs.append(LayerSpec("maxpool", 2))
        elif kind == "Dense":
            specs.append(LayerSpec("dense", int(config["units"]), activation_name(layer)))
        else:
            raise Sb3genError(f"{where}: only Conv2D, MaxPooling2D, Flatten, Dense (and Dropout, Reshape) "
                              "layers can become Scratch blocks")
    try:
        layers = layer_kinds.describe((shape[0], shape[0], 1), specs)
        layer_kinds.check_runnable(layers)  # the blocks' own limits, named up front
    except Sb3genError as exc:
        raise Sb3genError(f"{path}: {exc}") from None
    return specs, shape[0]
