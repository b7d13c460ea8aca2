"""The contract every layer kind keeps: one neutral `Layer`, and the parts a kind module provides.

A network is an ordered list of `Layer`s everywhere (import, reference, plan, templates, verify, export).
Inside sb3gen every feature map is channels_last: shape (rows, columns, channels), flattened row by row,
column by column, channel by channel (Keras' Flatten order for channels_last models). A front end (Keras,
later ONNX) turns its framework's layers into this form; a kind never sees a framework object.

A kind module (sb3gen/kinds/<kind>.py) defines, at module level (REQUIRED_PARTS; a test checks them all):
  NAME            registry key, e.g. "conv2d"
  LABEL           how a Scratch user reads it, numbered from 1 per label: "conv" -> "conv 1", "conv 2"
  KERAS_CLASSES   the Keras class names it imports, e.g. ("Conv2D",)
  from_keras(class_name, config, weights, in_shape) -> Imported | None
                  the neutral config and params from a Keras layer's config dict (as saved in the
                  model's config.json) and its weight arrays; None: the layer does nothing at inference
                  (Dropout, InputLayer). Problems are raised as LayerProblem, one per problem.
  ONNX_OPS        the ONNX operators it imports, e.g. ("Conv",)
  from_onnx(op_type, attributes, constants, in_shape) -> Imported
                  the same from an ONNX node: its attributes (plain Python values) and its constant inputs
                  after the data input (None for an absent optional one), already channels_last where the
                  graph's NCHW order matters (sb3gen.importers.onnx owns the graph: folds, Flatten order).
  out_shape(in_shape, config) -> Shape
  problems(layer) -> list[str]
                  everything the blocks cannot run about this layer (empty: fine); each says what would
                  work instead. The model check collects them for every layer before failing.
  forward(layer, x) -> y
                  the numpy reference: float64, flat in and out, operation by operation in the order the
                  blocks compute (each sum term by term in the blocks' order), so the VM equals it bit for bit
  backward(layer, x, y, dy) -> (dx, grads)     gradient of the loss for the layer's input and params
  update(layer, grads, rate) -> Layer          the layer after one SGD step, as the blocks do it
  flat_params(layer) -> np.ndarray             the params in the order of the project's `weights` list
  TEMPLATE        path under templates/ of its scratchblocks macros (forward, backward, update), or None
  plan(layer, context) -> object               names, lists and item ranges its template needs
  csv(layer) -> str                            its params for a spreadsheet, one block per unit/filter
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

Shape = tuple[int, int, int]  # (rows, columns, channels)

REQUIRED_PARTS = ("NAME", "LABEL", "KERAS_CLASSES", "from_keras", "ONNX_OPS", "from_onnx", "out_shape",
                  "problems", "forward", "backward", "update", "flat_params", "TEMPLATE", "plan", "csv")


class LayerProblem(Exception):
    """One thing about one layer that sb3gen cannot run; the model check collects them all."""


def _frozen(config: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(config))


@dataclass(frozen=True)
class Imported:
    """What a front end hands over for one layer: its kind's neutral settings and its params."""

    config: Mapping[str, Any]
    params: tuple[np.ndarray, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", _frozen(self.config))
        object.__setattr__(self, "params", tuple(np.asarray(p, dtype=np.float64) for p in self.params))


@dataclass(frozen=True)
class Layer:
    """One layer of a network, as every stage of sb3gen sees it."""

    kind: str  # registry key (sb3gen.kinds.KINDS)
    number: int  # 1-based position in the network
    name: str  # what Scratch users read: "conv 1", "pool 1", "dense 2"
    source: str  # the model's own name for it, for messages ("conv2d_1")
    in_shape: Shape
    out_shape: Shape
    config: Mapping[str, Any] = field(default_factory=dict)  # the kind's settings (activation, kernel, ...)
    params: tuple[np.ndarray, ...] = ()  # float64 arrays in the kind's own layout

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", _frozen(self.config))

    @property
    def n_in(self) -> int:
        return int(np.prod(self.in_shape))

    @property
    def n_out(self) -> int:
        return int(np.prod(self.out_shape))

    @property
    def param_count(self) -> int:
        return int(sum(p.size for p in self.params))

    def where(self) -> str:
        """How messages name the layer: 'conv 1 (conv2d_1)'."""
        return f"{self.name} ({self.source})" if self.source and self.source != self.name else self.name
