"""One registry of layer kinds: each kind is one module of sb3gen.kinds that owns its import, shape, checks,
reference, plan, template and CSV export (the parts are listed in sb3gen.kinds.base). A new kind is one
module plus its template, added to _MODULES."""

from __future__ import annotations

import importlib
from types import ModuleType

from sb3gen.kinds.base import REQUIRED_PARTS, Imported, Layer, LayerProblem, Shape

__all__ = ["KINDS", "REQUIRED_PARTS", "Imported", "Layer", "LayerProblem", "Shape", "kind", "missing_parts"]

_MODULES: tuple[str, ...] = ("dense", "activation", "conv2d", "maxpool2d", "avgpool2d", "reshape", "scale")


def _load() -> dict[str, ModuleType]:
    kinds: dict[str, ModuleType] = {}
    for module_name in _MODULES:
        module = importlib.import_module(f"sb3gen.kinds.{module_name}")
        kinds[module.NAME] = module
    return kinds


KINDS: dict[str, ModuleType] = _load()


def kind(name: str) -> ModuleType:
    """The module of a registered kind."""
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"unknown layer kind {name!r} (known: {', '.join(KINDS)})") from None


def missing_parts(module: ModuleType) -> list[str]:
    """The required parts a kind module lacks (a test asks this of every registered kind)."""
    return [part for part in REQUIRED_PARTS if not hasattr(module, part)]
