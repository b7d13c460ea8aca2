"""Keras front end: a saved .keras / .h5 model as sb3gen's list of Layers, without running code from it.

Reading is bounded and code-free (sb3gen.importers.keras_files); each Keras layer is mapped through the
registry (a kind's KERAS_CLASSES) to a Layer named LABEL + number per label ("conv 1", "pool 1", "dense 1").
Every problem of every layer (unknown class, unsupported option, a kind's own problems) is collected, and one
Sb3genError names them all, one line each, before anything else is read or written.

At import:
- InputLayer and Dropout give no layer (Dropout does nothing at inference).
- BatchNormalization is folded into the Conv2D / Dense just before it when that one has no activation;
  otherwise it becomes a `scale` layer. Rescaling and Normalization become `scale` layers.
- Activation / ReLU / Softmax are folded into the Conv2D / Dense just before it when that one has no
  activation (a conv takes no softmax); otherwise they become an `activation` layer.
- channels_first models: sb3gen keeps every map channels_last, so the input shape is turned around, and a
  Flatten that flattens channels first (Keras' Flatten with data_format channels_last on a channels_first map)
  is followed by a reordering of the next Dense's kernel rows. Conv kernels are the same in both formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from sb3gen.errors import ProblemReport
from sb3gen.importers import keras_config
from sb3gen.importers.keras_files import WeightReader, open_model
from sb3gen.kinds import KINDS, Layer, LayerProblem, Shape
from sb3gen.kinds.scale import batch_norm_factors

PASS_CLASSES = ("InputLayer", "Dropout")
CODE_CLASSES = ("Lambda", "TFOpLambda", "TorchModuleWrapper", "JaxLayer", "FlaxLayer")
ACTIVATION_CLASSES = ("Activation", "ReLU", "Softmax")
FOLDS_INTO = ("conv2d", "dense")  # kinds whose config has an activation and whose params are kernel, bias
FLAT_AFTER_FLATTEN = ("Dense", "Dropout", *ACTIVATION_CLASSES)  # may follow a channels_first Flatten


@dataclass(frozen=True)
class ImportedModel:
    layers: tuple[Layer, ...]
    input_shape: Shape  # sb3gen's (rows, columns, channels)
    keras_input_shape: tuple[int, ...]  # as the model takes it, without the batch axis
    data_format: str  # of the model's maps: channels_last or channels_first
    source: str


def keras_classes() -> dict[str, ModuleType]:
    return {cls: module for module in KINDS.values() for cls in module.KERAS_CLASSES}


def to_channels_last(shape: Sequence[int], channels_first: bool) -> Shape:
    if len(shape) == 1:
        return (1, 1, int(shape[0]))
    if len(shape) == 2:
        return (int(shape[0]), int(shape[1]), 1)
    if channels_first:
        return (int(shape[1]), int(shape[2]), int(shape[0]))
    return (int(shape[0]), int(shape[1]), int(shape[2]))


def flatten_order(shape: Shape) -> np.ndarray:
    """For each item of sb3gen's flat order (row, column, channel): its index in channels-first order."""
    rows, cols, channels = shape
    r, c, ch = np.meshgrid(np.arange(rows), np.arange(cols), np.arange(channels), indexing="ij")
    return (ch * rows * cols + r * cols + c).ravel()


@dataclass
class _Builder:
    label: str
    channels_first: bool
    weights: WeightReader
    shape: Shape | None
    rank: int  # axes of the Keras tensor (without batch): a Flatten of rank 3 may reorder
    layers: list[Layer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    reorder: np.ndarray | None = None  # pending: rows of the next Dense's kernel, after a reordering Flatten
    fold_target: int | None = None  # index of the layer a following BatchNormalization/activation folds into

    def add(self, entry: dict[str, Any]) -> None:
        cls, config, name = entry["class_name"], entry["config"], keras_config.name_of(entry)
        where = f"{name} ({cls})"
        registered = entry.get("registered_name")
        module_path = str(entry.get("module") or "keras")
        if cls in CODE_CLASSES:
            return self._refuse(where, "it holds Python code; sb3gen runs no code from a model file")
        if not module_path.startswith("keras") or registered not in (None, cls):
            return self._refuse(where, f"a custom class ({registered or module_path}); sb3gen runs Keras' "
                                       "own layers only")
        if cls in keras_config.MODEL_CLASSES:
            return self._refuse(where, "a model inside the model; save it as one flat Sequential")
        if cls in PASS_CLASSES:
            return None
        if self.reorder is not None and cls not in FLAT_AFTER_FLATTEN:
            self.problems.append(f"{where}: after a channels_first Flatten the blocks need a Dense "
                                 "(to put its inputs in order)")
            self.reorder = None
        if self.shape is None:
            self._resync(entry)
            if self.shape is None:
                return self._check_blind(cls, config, name, where)
        if self._fold(cls, config, name, where):
            return None
        module = keras_classes().get(cls)
        if module is None:
            return self._refuse(where, self._unknown(cls))
        self._place(module, cls, config, name)

    def _check_blind(self, cls: str, config: dict[str, Any], name: str, where: str) -> None:
        """After a refused layer whose output shape is unknown: this layer's own settings are still checked,
        on a large stand-in input (so that no size problem is made up), and its problems reported."""
        module = keras_classes().get(cls)
        if module is None:
            return self._refuse(where, self._unknown(cls))
        where = f"{self._name(module)} ({name})"
        try:
            arrays = self.weights.arrays(name)
            channels = arrays[0].shape[-2] if arrays and arrays[0].ndim == 4 else 1
            flat = cls == "Dense" and arrays
            stand_in: Shape = (1, 1, arrays[0].shape[0]) if flat else (256, 256, channels)
            imported = module.from_keras(cls, config, arrays, stand_in)
            out = module.out_shape(stand_in, imported.config)
            layer = Layer(module.NAME, len(self.layers) + 1, where, name, stand_in, out,  # type: ignore[arg-type]
                          imported.config, imported.params)
            self.problems.extend(f"{where}: {text}" for text in module.problems(layer))
        except LayerProblem as problem:
            self.problems.append(f"{where}: {problem}")
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            self.problems.append(f"{where}: its settings cannot be read ({exc})")
        return None

    def _unknown(self, cls: str) -> str:
        return f"the blocks do not run {cls} layers (they run {', '.join(sorted(keras_classes()))})"

    def _refuse(self, where: str, text: str) -> None:
        self.problems.append(f"{where}: {text}")
        self.shape = None  # what follows is checked from its own saved input shape, if it has one
        self.fold_target = None

    def _resync(self, entry: dict[str, Any]) -> None:
        shape = (entry.get("build_config") or {}).get("input_shape")
        if isinstance(shape, list) and 2 <= len(shape) <= 4 and all(isinstance(d, int) for d in shape[1:]):
            self.shape, self.rank = to_channels_last(shape[1:], self.channels_first), len(shape) - 1

    def _name(self, module: ModuleType) -> str:
        self.counts[module.LABEL] = self.counts.get(module.LABEL, 0) + 1
        return f"{module.LABEL} {self.counts[module.LABEL]}"

    def _fold(self, cls: str, config: dict[str, Any], name: str, where: str) -> bool:
        """Fold a BatchNormalization or activation into the conv/dense before it; True when done."""
        if self.fold_target is None or cls not in ("BatchNormalization", *ACTIVATION_CLASSES):
            return False
        target = self.layers[self.fold_target]
        if target.config.get("activation") != "linear":
            return False
        if cls == "BatchNormalization":
            if not self._channel_axis(config.get("axis", -1)):
                return False
            try:
                a, b = batch_norm_factors(config, self.weights.arrays(name), target.out_shape[2])
            except LayerProblem as problem:
                self.problems.append(f"{where}: {problem}")
                return True
            kernel, bias = target.params[0], (target.params[1] if len(target.params) > 1
                                              else np.zeros(target.out_shape[2]))
            self.layers[self.fold_target] = replace(target, params=(kernel * a, bias * a + b))
            return True
        activation = _activation_of(cls, config)
        if activation is None or (target.kind == "conv2d" and activation == "softmax"):
            return False
        self.layers[self.fold_target] = replace(target, config={**target.config, "activation": activation})
        self.fold_target = None  # one activation only
        return True

    def _channel_axis(self, axis: Any) -> bool:
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
        if self.rank == 3:
            return axis == 1 if self.channels_first else axis in (-1, 3)
        return axis in (-1, self.rank)

    def _place(self, module: ModuleType, cls: str, config: dict[str, Any], name: str) -> None:
        assert self.shape is not None
        label = self._name(module)
        where = f"{label} ({name})"
        config = self._keras_view(cls, config, where)
        try:
            arrays = self.weights.arrays(name)
            if cls == "Dense" and self.reorder is not None:  # elementwise layers in between keep it pending
                if arrays and len(self.reorder) == len(arrays[0]):
                    arrays[0] = arrays[0][self.reorder]
                self.reorder = None
            imported = module.from_keras(cls, config, arrays, self.shape)
            out = tuple(int(n) for n in module.out_shape(self.shape, imported.config))
        except LayerProblem as problem:
            return self._refuse(where, str(problem))
        except (KeyError, TypeError, ValueError) as exc:
            return self._refuse(where, f"its settings cannot be read ({exc})")
        layer = Layer(module.NAME, len(self.layers) + 1, label, name, self.shape, out,  # type: ignore[arg-type]
                      imported.config, imported.params)
        self.problems.extend(f"{layer.where()}: {text}" for text in module.problems(layer))
        if module.NAME == "scale" and not self._along_channels(config, layer):
            self.problems.append(f"{layer.where()}: it scales along an axis that is not the channels; the "
                                 "blocks scale per channel (or by one number)")
        if cls == "Flatten" and self.channels_first and self.rank == 3 and not _keeps_order(config):
            self.reorder = flatten_order(self.shape)
        self.layers.append(layer)
        self.shape = layer.out_shape
        self.rank = _rank_after(cls, config, self.rank)
        self.fold_target = len(self.layers) - 1 if module.NAME in FOLDS_INTO else None

    def _along_channels(self, config: dict[str, Any], layer: Layer) -> bool:
        """Whether the factors of a Rescaling, Normalization or BatchNormalization run along the channels as
        sb3gen's scale does (Keras broadcasts them along the last axis, or along the layer's `axis`)."""
        if all(np.all(p == p[0]) for p in layer.params):
            return True  # one number for all: any axis
        axis = config.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
        if self.rank != 3:
            return axis in (-1, self.rank)
        if self.channels_first:
            return axis == 1
        return axis in (-1, 3)

    def _keras_view(self, cls: str, config: dict[str, Any], where: str) -> dict[str, Any]:
        """The config as a channels_last kind reads it (a channels_first Reshape's target turned around)."""
        if cls != "Reshape" or not self.channels_first:
            return config
        assert self.shape is not None
        target = list(config.get("target_shape", ()))
        if (self.rank == 3 and self.shape[2] > 1) or (len(target) == 3 and target[0] > 1):
            self.problems.append(f"{where}: in a channels_first model a Reshape of several channels reorders "
                                 "the values; the blocks run it with one channel")
        if len(target) == 3:
            return {**config, "target_shape": [target[1], target[2], target[0]]}
        return config


def _keeps_order(flatten_config: dict[str, Any]) -> bool:
    """Keras' Flatten with data_format channels_first moves channels last before flattening."""
    return flatten_config.get("data_format") == "channels_first"


def _rank_after(cls: str, config: dict[str, Any], rank: int) -> int:
    if cls in ("Flatten", "Dense"):
        return 1
    if cls == "Reshape":
        return len(config.get("target_shape", ())) or rank
    if cls in keras_config.SPATIAL_CLASSES:
        return 3
    return rank


def _activation_of(cls: str, config: dict[str, Any]) -> str | None:
    """The activation an Activation / ReLU / Softmax layer applies, if it is a plain one."""
    activation_kind = KINDS.get("activation")
    if activation_kind is None:
        return None
    try:
        return str(activation_kind.from_keras(cls, config, [], (1, 1, 1)).config["activation"])
    except (LayerProblem, KeyError, TypeError, ValueError):
        return None  # not foldable: the standalone layer reports it


def import_keras_model(path: str | Path) -> ImportedModel:
    """The model's layers, or one Sb3genError listing every problem (one line each)."""
    path = Path(path)
    with open_model(path) as (config, weights):
        entries, problems = keras_config.layer_entries(config, path.name)
        weights.use_keys(keras_config.saved_keys(config, entries))
        keras_shape = keras_config.input_shape(config, entries, path.name)
        data_format, format_problems = keras_config.data_format(entries)
        channels_first = data_format == "channels_first"
        builder = _Builder(path.name, channels_first, weights, to_channels_last(keras_shape, channels_first),
                           len(keras_shape), problems=[*problems, *format_problems])
        for entry in entries:
            builder.add(entry)
    if builder.reorder is not None:
        builder.problems.append("the model ends in a channels_first Flatten; the blocks need a Dense "
                                "after it")
    if not builder.layers and not builder.problems:
        builder.problems.append("the model has no layers the blocks compute")
    if builder.problems:
        raise ProblemReport.for_model(path.name, builder.problems)
    return ImportedModel(tuple(builder.layers), to_channels_last(keras_shape, channels_first), keras_shape,
                         data_format, path.name)
