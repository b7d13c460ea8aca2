"""PNG plots of training: loss and accuracy per epoch, and a grid of test images with their predictions.

Uses matplotlib's object API (no pyplot, no GUI backend), written atomically.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from sb3gen.files import write_bytes_atomic


def save_figure(figure, path: Path) -> None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    write_bytes_atomic(path, buffer.getvalue())


def plot_history(history: dict[str, list[float]], path: str | Path, title: str = "") -> None:
    """Two panels, loss and accuracy, each with the training and (if any) validation curve per epoch."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4.2), layout="constrained")
    epochs = np.arange(1, len(history["loss"]) + 1)
    for axes, key, label in zip(figure.subplots(1, 2), ("loss", "accuracy"),
                                ("loss (cross-entropy)", "accuracy"), strict=True):
        axes.plot(epochs, history[key], marker=".", label="training")
        if f"val_{key}" in history:
            axes.plot(epochs, history[f"val_{key}"], marker=".", label="validation")
            best = history[f"val_{key}"][-1]
            axes.annotate(f"{best:.3f}", (epochs[-1], best), textcoords="offset points", xytext=(-10, 8),
                          ha="right")
        axes.set_xlabel("epoch")
        axes.set_ylabel(label)
        axes.grid(alpha=0.3)
        axes.legend()
    figure.axes[1].set_ylim(top=1.0)
    if title:
        figure.suptitle(title)
    save_figure(figure, Path(path))


def plot_test_predictions(images: np.ndarray, labels: np.ndarray, predictions: np.ndarray,
                          path: str | Path, max_images: int = 100) -> None:
    """Up to 100 test images (as the network sees them) with the predicted digit; wrong ones in red with
    the true digit."""
    from matplotlib.figure import Figure

    n = min(len(images), max_images)
    columns = 10
    rows = max(1, -(-n // columns))
    wrong = int(np.sum(predictions[:n] != labels[:n]))
    figure = Figure(figsize=(columns * 1.05, rows * 1.25 + 0.5), layout="constrained")
    figure.suptitle(f"test images: {n - wrong} of {n} right; wrong ones in red as 'predicted (true)'")
    grid = figure.subplots(rows, columns, squeeze=False)
    for index, axes in enumerate(grid.ravel()):
        axes.set_axis_off()
        if index >= n:
            continue
        right = predictions[index] == labels[index]
        axes.imshow(images[index], cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        text = f"{predictions[index]}" if right else f"{predictions[index]} ({labels[index]})"
        axes.set_title(text, color="black" if right else "red", fontsize=11, fontweight="normal" if right
                       else "bold")
        axes.set_axis_on()  # keep the frame (light grey, red when wrong), drop the ticks
        axes.set_xticks([])
        axes.set_yticks([])
        for spine in axes.spines.values():
            spine.set_color("#bbbbbb" if right else "red")
            spine.set_linewidth(1 if right else 2.5)
    save_figure(figure, Path(path))
