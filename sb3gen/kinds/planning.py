"""What a kind's template needs about one layer: its shapes, the lists the driver gives it, where its params
start in the `weights` list, the names of its custom blocks, and the kind's own numbers (plan.kernel, ...).

The driver (h7's sb3gen.loops.plan.LayerContext) passes a context with the attributes:
  in_list, out_list          lists holding the layer's input and output (flat, sb3gen's order)
  error_list                 dL/d its output (the layer reads it)
  in_error_list              dL/d its input (the layer writes it); None for the first layer
  first_item                 item of `weights` holding the layer's first param
  rate                       the learning-rate variable
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sb3gen.kinds.base import Layer

CONTEXT_ATTRIBUTES = ("in_list", "out_list", "error_list", "in_error_list", "first_item", "rate")


@dataclass(frozen=True)
class KindPlan:
    layer: Layer
    in_list: str
    out_list: str
    error_list: str
    in_error_list: str | None
    first_item: int
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


def make_plan(layer: Layer, context: Any, **extra: Any) -> KindPlan:
    missing = [name for name in CONTEXT_ATTRIBUTES if not hasattr(context, name)]
    if missing:
        raise AttributeError(f"{layer.name}: the plan's context lacks {', '.join(missing)}")
    in_error = context.in_error_list
    return KindPlan(layer, str(context.in_list), str(context.out_list), str(context.error_list),
                    None if in_error is None else str(in_error), int(context.first_item), str(context.rate),
                    extra)
