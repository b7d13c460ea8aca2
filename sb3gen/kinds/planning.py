"""What a kind's template needs about one layer: its shapes, the lists the driver gives it, where its params
start in the `weights` list, the names of its custom blocks, and the kind's own numbers (plan.kernel, ...).

The driver passes `context`, a mapping with:
  in_list, out_list            sprite lists holding the layer's input and output (flat, sb3gen's order)
  in_grad_list, out_grad_list  dL/d input (the layer writes it) and dL/d output (the layer reads it)
  weights_offset               items of `weights` before this layer's first param
  rate                         the learning-rate variable
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sb3gen.kinds.base import Layer

CONTEXT_KEYS = ("in_list", "out_list", "in_grad_list", "out_grad_list", "weights_offset", "rate")


@dataclass(frozen=True)
class KindPlan:
    layer: Layer
    in_list: str
    out_list: str
    in_grad_list: str
    out_grad_list: str
    weights_offset: int
    rate: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:  # the kind's own numbers: plan.kernel, plan.pad, ...
        try:
            return self.__dict__["extra"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def name(self) -> str:
        return self.layer.name

    @property
    def forward_block(self) -> str:
        return f"{self.layer.name} forward"

    @property
    def backward_block(self) -> str:
        return f"{self.layer.name} backward"

    @property
    def update_block(self) -> str:
        return f"{self.layer.name} update"

    @property
    def in_rows(self) -> int:
        return self.layer.in_shape[0]

    @property
    def in_cols(self) -> int:
        return self.layer.in_shape[1]

    @property
    def in_channels(self) -> int:
        return self.layer.in_shape[2]

    @property
    def out_rows(self) -> int:
        return self.layer.out_shape[0]

    @property
    def out_cols(self) -> int:
        return self.layer.out_shape[1]

    @property
    def out_channels(self) -> int:
        return self.layer.out_shape[2]


def make_plan(layer: Layer, context: Mapping[str, Any], **extra: Any) -> KindPlan:
    missing = [key for key in CONTEXT_KEYS if key not in context]
    if missing:
        raise KeyError(f"{layer.name}: the plan's context lacks {', '.join(missing)}")
    lists = (str(context[key]) for key in ("in_list", "out_list", "in_grad_list", "out_grad_list"))
    return KindPlan(layer, *lists, int(context["weights_offset"]), str(context["rate"]), extra)
