"""Accuracy on the held-out images, reported so it can be trusted: a 95% Wilson interval, per-digit accuracy
and the confusion matrix; printed, as JSON and as a PNG."""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

Z_95 = 1.959963984540054  # two-sided 95% normal quantile


def wilson_interval(correct: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion: unlike p +- z*sqrt(p(1-p)/n) it stays inside [0, 1] and
    is right near 0% and 100%."""
    if n <= 0:
        return 0.0, 1.0
    p = correct / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class Evaluation:
    labels: np.ndarray  # (N,) true digits
    predictions: np.ndarray  # (N,) predicted digits
    what: str = "held-out images"

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def correct(self) -> int:
        return int(np.sum(self.labels == self.predictions))

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.correct, self.n)

    def confusion(self) -> np.ndarray:
        """(10, 10) counts: row = true digit, column = predicted digit."""
        matrix = np.zeros((10, 10), dtype=np.int64)
        np.add.at(matrix, (self.labels.astype(np.int64), self.predictions.astype(np.int64)), 1)
        return matrix

    def per_digit(self) -> list[float | None]:
        """Accuracy per true digit 0-9 (None for a digit with no image)."""
        matrix = self.confusion()
        totals = matrix.sum(axis=1)
        return [float(matrix[d, d] / totals[d]) if totals[d] else None for d in range(10)]

    def summary(self) -> str:
        low, high = self.interval
        return (f"{self.accuracy:.1%} on {self.n:,} {self.what} ({self.correct:,} right; 95% interval "
                f"{low:.1%}-{high:.1%})")

    def text(self) -> str:
        """The summary, per-digit accuracy and the confusion matrix, for people."""
        per_digit = "  ".join(f"{d}: {'-' if a is None else f'{a:.0%}'}"
                              for d, a in enumerate(self.per_digit()))
        lines = [f"accuracy {self.summary()}", f"  per digit  {per_digit}",
                 "  confusion matrix (rows: true digit, columns: predicted)",
                 "        " + "".join(f"{d:>5}" for d in range(10))]
        for digit, row in enumerate(self.confusion()):
            lines.append(f"     {digit}  " + "".join(f"{count:>5}" for count in row))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        low, high = self.interval
        return {"images": self.n, "what": self.what, "correct": self.correct, "accuracy": self.accuracy,
                "interval_95": {"method": "Wilson", "low": low, "high": high},
                "per_digit_accuracy": self.per_digit(),
                "confusion_matrix": {"rows": "true digit 0-9", "columns": "predicted digit 0-9",
                                     "counts": self.confusion().tolist()}}


def evaluate_network(net, inputs: np.ndarray, labels: np.ndarray,
                     what: str = "held-out images") -> Evaluation:
    """The network's own prediction (numpy float64, as `sb3gen predict` computes it) for every image."""
    predictions = net.forward(inputs).argmax(axis=1)
    return Evaluation(np.asarray(labels).astype(np.int64), predictions.astype(np.int64), what)


def evaluation_json(evaluation: Evaluation, extra: dict[str, Any] | None = None) -> str:
    return json.dumps({**(extra or {}), **evaluation.to_dict()}, indent=1) + "\n"


def evaluation_png(evaluation: Evaluation, title: str = "") -> bytes:
    """The confusion matrix (counts, shaded by the share of each true digit) and per-digit accuracy."""
    from matplotlib.figure import Figure

    matrix = evaluation.confusion()
    totals = np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    figure = Figure(figsize=(11, 5), layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=[1.15, 1])
    left.imshow(matrix / totals, cmap="Blues", vmin=0, vmax=1)
    for row in range(10):
        for column in range(10):
            if matrix[row, column]:
                share = matrix[row, column] / totals[row, 0]
                left.text(column, row, str(matrix[row, column]), ha="center", va="center", fontsize=8,
                          color="white" if share > 0.5 else "black")
    left.set_xticks(range(10))
    left.set_yticks(range(10))
    left.set_xlabel("predicted digit")
    left.set_ylabel("true digit")
    left.set_title("confusion matrix")
    per_digit = [a if a is not None else 0.0 for a in evaluation.per_digit()]
    right.bar(range(10), [100 * a for a in per_digit], color="#4c72b0")
    right.axhline(100 * evaluation.accuracy, color="black", linestyle="--", linewidth=1)
    right.set_xticks(range(10))
    right.set_ylim(min(50.0, 100 * min(per_digit) - 5), 100)
    right.set_xlabel("true digit")
    right.set_ylabel("accuracy (%)")
    right.set_title(f"accuracy per digit (dashed: all digits, {evaluation.accuracy:.1%})")
    figure.suptitle(title or f"accuracy {evaluation.summary()}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def evaluation_files(evaluation: Evaluation, extra: dict[str, Any] | None = None,
                     title: str = "") -> dict[str, bytes]:
    """{"evaluation.json": ..., "evaluation.png": ...}: the files, for a writer of a command's outputs."""
    return {"evaluation.json": evaluation_json(evaluation, extra).encode("utf-8"),
            "evaluation.png": evaluation_png(evaluation, title)}


def write_evaluation(evaluation: Evaluation, folder: str | Path, extra: dict[str, Any] | None = None,
                     title: str = "") -> list[Path]:
    """evaluation.json and evaluation.png in `folder`, each written atomically; returns their paths."""
    from sb3gen.files import write_bytes_atomic

    paths = []
    for name, data in evaluation_files(evaluation, extra, title).items():
        write_bytes_atomic(Path(folder) / name, data)
        paths.append(Path(folder) / name)
    return paths
