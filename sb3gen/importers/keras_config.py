"""The model-level reading of a Keras config: the layer list of a Sequential or a simple linear Functional
model, its input shape, and the model's data format. Only JSON is looked at."""

from __future__ import annotations

import math
import re
from collections import deque
from typing import Any

from sb3gen.errors import Sb3genError

MODEL_CLASSES = ("Sequential", "Functional", "Model")
SPATIAL_CLASSES = ("Conv2D", "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D")
MAX_INPUT_VALUES = 1_000_000


def layer_entries(config: dict[str, Any], label: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The model's layers in order (each with class_name and config), and problems of its structure."""
    if config.get("class_name") not in MODEL_CLASSES:
        raise Sb3genError(f"{label}: a {config.get('class_name')!r}, not a Keras Sequential or Functional "
                          "model")
    entries = config["config"].get("layers")
    if not isinstance(entries, list) or not entries:
        raise Sb3genError(f"{label}: the model lists no layers")
    for entry in entries:
        if not (isinstance(entry, dict) and isinstance(entry.get("class_name"), str)
                and isinstance(entry.get("config"), dict)):
            raise Sb3genError(f"{label}: a layer of the config has no class_name and config")
    problems = [] if config["class_name"] == "Sequential" else chain_problems(config["config"], entries)
    return entries, problems


def snake_case(class_name: str) -> str:
    """keras.src.utils.naming.to_snake_case."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def saved_keys(config: dict[str, Any], entries: list[dict[str, Any]]) -> dict[str, str]:
    """Layer name -> its group in a Keras 3 weights file. Keras keys the groups by class, not by the layer's
    name: snake-case class name, then _1, _2, ... for later layers of the class, in the order of
    model.layers (which leaves out a Sequential model's InputLayer)."""
    used: dict[str, int] = {}
    keys = {}
    for entry in entries:
        if config.get("class_name") == "Sequential" and entry["class_name"] == "InputLayer":
            continue
        base = snake_case(entry["class_name"])
        count = used.get(base, 0)
        used[base] = count + 1
        keys[name_of(entry)] = base if count == 0 else f"{base}_{count}"
    return keys


def name_of(entry: dict[str, Any]) -> str:
    return str(entry["config"].get("name", entry.get("name", "?")))


def _inbound(value: Any) -> list[str]:
    """The layer names a Functional layer's inbound nodes refer to (Keras 3 and legacy notation)."""
    names: list[str] = []
    todo = deque([value])  # breadth first, left to right: the names in the order the layer takes them
    while todo:
        item = todo.popleft()
        if isinstance(item, dict):
            history = item.get("keras_history")
            if isinstance(history, list) and history and isinstance(history[0], str):
                names.append(history[0])
            else:
                todo.extend(item.values())
        elif isinstance(item, list):
            if len(item) >= 3 and isinstance(item[0], str) and isinstance(item[1], int):
                names.append(item[0])
            else:
                todo.extend(item)
    return names


def chain_problems(model: dict[str, Any], entries: list[dict[str, Any]]) -> list[str]:
    """A Functional model must be one chain: each layer takes the one listed before it."""
    found = []
    for before, entry in zip(entries, entries[1:], strict=False):
        inbound = _inbound(entry.get("inbound_nodes", []))
        if inbound != [name_of(before)]:
            found.append(f"{name_of(entry)} ({entry['class_name']}): it takes {inbound or 'nothing'}, "
                         f"not just {name_of(before)}; sb3gen runs models whose layers follow one another")
    if len(_inbound(model.get("input_layers", []))) > 1 or len(_inbound(model.get("output_layers", []))) > 1:
        found.append("the model has several inputs or outputs; sb3gen runs one image in, one answer out")
    return found


def input_shape(config: dict[str, Any], entries: list[dict[str, Any]], label: str) -> tuple[int, ...]:
    """The model's input shape without the batch axis, from wherever Keras wrote it."""
    first = entries[0]
    candidates = [first["config"].get("batch_shape"), first["config"].get("batch_input_shape"),
                  (first.get("build_config") or {}).get("input_shape"),
                  (config.get("build_config") or {}).get("input_shape")]
    for shape in candidates:
        if isinstance(shape, list) and len(shape) >= 2:
            dims = shape[1:]
            if not all(isinstance(d, int) and d > 0 for d in dims):
                raise Sb3genError(f"{label}: the model's input shape {tuple(dims)} is not fixed sizes")
            if len(dims) > 3 or math.prod(dims) > MAX_INPUT_VALUES:
                raise Sb3genError(f"{label}: the model's input shape {tuple(dims)}; sb3gen takes images of "
                                  f"at most 3 axes and {MAX_INPUT_VALUES:,} values")
            return tuple(dims)
    raise Sb3genError(f"{label}: the model does not say its input shape (save it after building it, "
                      "e.g. with keras.Input first)")


def data_format(entries: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """The data format of the model's maps (its spatial layers'), and a problem if they mix both."""
    formats = {str(e["config"].get("data_format") or "channels_last") for e in entries
               if e["class_name"] in SPATIAL_CLASSES}
    if len(formats) > 1:
        return "channels_last", ["the model mixes channels_first and channels_last layers; sb3gen runs one"]
    return (formats.pop() if formats else "channels_last"), []
