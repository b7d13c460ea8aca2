"""The loop engine's Network sprite and the stage data it works on.

Stage interface (as the unrolled engine's, sb3gen/project/network.py): lists `input`, `probabilities`,
`weights`; variable `prediction`. The Network sprite holds every layer's output and error list
("dense 1 out", "dense 1 error"), the kinds' own lists, and the custom blocks `forward pass` and
`learn from label (label)` with each layer's `<name> forward` / `<name> backward` (and `<name> update` for
a kind without UPDATE_IN_BACKWARD). A kind module may add `sprite_lists(plan)` and `sprite_variables(plan)`:
the names of the extra lists and variables its template uses (declared on the Network sprite, empty / 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

from sb3gen.kinds import Layer
from sb3gen.kinds.dense import GROUP
from sb3gen.loops.plan import RATE_VARIABLE, ends_in_softmax, flat_weights, plan_network
from sb3gen.reference.network import NATIVE_LOG_FLOOR
from sb3gen.scratch import Costume, Project, Sprite, Stage, render_template

NETWORK_SPRITE = "Network"
TEMPLATE = "loops/network.sb"
DEFAULT_RATE = 0.01
SCALARS = ("column", "input #", "kernel row", "input value", "nonzero #", "weight #", "input error",
           "output value", "best", "softmax #", "total", "unit #", "probability", "log sum", RATE_VARIABLE)
GROUP_SCALARS = ("sum", "error", "step")  # "sum 1" .. "sum GROUP", the dense kind's group variables

_ICON = """<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48">
<g fill="#ffab19" stroke="#cf8b17" stroke-width="2"><rect x="6" y="10" width="10" height="28"/>
<rect x="20" y="16" width="10" height="16"/><rect x="34" y="19" width="8" height="10"/></g></svg>
"""


def network_sprite(layers: Sequence[Layer], *, rate: float = DEFAULT_RATE, bare: bool = True) -> Sprite:
    """bare: the broadcasts `predict` and `learn` run the blocks alone (network_project); else the passes
    of sb3gen.loops.app provide them."""
    planned = plan_network(layers)
    sprite = Sprite(name=NETWORK_SPRITE, visible=False, x=200, y=150)
    sprite.costumes.append(Costume.svg("network", _ICON))
    sprite.variables.update({name: 0 for name in SCALARS})
    sprite.variables.update({f"{name} {g}": 0 for name in GROUP_SCALARS for g in range(1, GROUP + 1)})
    sprite.variables[RATE_VARIABLE] = float(rate)
    for item in planned:
        sprite.lists[item.context.out_list] = []
        sprite.lists[item.context.error_list] = []
        for name in _optional(item.module, "sprite_lists", item.plan):
            sprite.lists[name] = []
        for name in _optional(item.module, "sprite_variables", item.plan):
            sprite.variables.setdefault(name, 0)
    text = render_template(TEMPLATE, layers=planned, last=planned[-1], n_inputs=layers[0].n_in,
                           n_classes=layers[-1].n_out, ends_in_softmax=ends_in_softmax(layers),
                           log_floor=repr(NATIVE_LOG_FLOOR), bare=bare)
    sprite.add_scripts(text, TEMPLATE)
    return sprite


def _optional(module: ModuleType, part: str, plan: Any) -> list[str]:
    """A kind's optional part: the extra lists / variables of the Network sprite its template uses."""
    return list(getattr(module, part)(plan)) if hasattr(module, part) else []


def network_project(layers: Sequence[Layer], *, rate: float = DEFAULT_RATE) -> Project:
    """Only the network: stage `input` (zeros), `probabilities`, `weights`, `prediction`; no UI."""
    stage = Stage()
    stage.lists.update({"input": [0] * layers[0].n_in, "probabilities": [],
                        "weights": [float(w) for w in flat_weights(layers).tolist()]})
    stage.variables.update({"prediction": 0, "right digit": 0})
    return Project(stage=stage, sprites=[network_sprite(layers, rate=rate)])
