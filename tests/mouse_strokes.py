"""Drawing on the pad with mouse events, as the VM runner takes them (shared by the pad tests)."""

from __future__ import annotations


def stroke_actions(positions: list[tuple[int, int]]) -> list[dict]:
    """Press at the first position, move through the others (one frame each), release."""
    (x, y), *rest = positions
    actions: list[dict] = [{"mouse": {"x": x, "y": y, "down": True}}, {"steps": 1}]
    for x, y in rest:
        actions += [{"mouse": {"x": x, "y": y}}, {"steps": 1}]
    return actions + [{"mouse": {"x": x, "y": y, "down": False}}, {"idle": True}, {"read": True}]


def numbers(values: list) -> list[float]:
    return [float(v) for v in values]
