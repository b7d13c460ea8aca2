"""Training configurations: the default and the articles' networks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sb3gen.errors import Sb3genError
from sb3gen.ml.network import check_shape


@dataclass(frozen=True)
class TrainConfig:
    layer_sizes: list[int] = field(default_factory=lambda: [196, 32, 10])
    hidden_activation: str = "sigmoid"
    epochs: int = 30
    batch_size: int = 32
    learning_rate: float = 0.001  # Adam's
    validation_split: float = 0.1
    seed: int = 0
    invert: bool = False  # train on inverted input (ink 0, background 1), as the day-2 article did
    augment_copies: int = 0  # augmented copies of each training image (sb3gen.ml.augment), 0 = none
    redraw_copies: int = 0  # copies redrawn on the pad and normalised like `predict pad` (sb3gen.ml.redraw)
    dropout: float = 0.0  # Keras Dropout after each hidden layer while training (none in Scratch)
    weight_decay: float = 0.0  # L2 penalty on the kernels

    def __post_init__(self) -> None:
        check_shape(list(self.layer_sizes), self.hidden_activation)
        if self.epochs < 1 or self.batch_size < 1:
            raise Sb3genError(f"epochs and batch size must be >= 1 (got {self.epochs}, {self.batch_size})")
        if not 0.0 <= self.validation_split < 1.0:
            raise Sb3genError(f"validation split must be in [0, 1), got {self.validation_split}")
        if self.learning_rate <= 0:
            raise Sb3genError(f"learning rate must be positive, got {self.learning_rate}")
        if (self.augment_copies < 0 or self.redraw_copies < 0 or not 0.0 <= self.dropout < 1.0
                or self.weight_decay < 0):
            raise Sb3genError(f"augment copies must be >= 0, dropout in [0, 1), weight decay >= 0 (got "
                              f"{self.augment_copies}, {self.dropout}, {self.weight_decay})")

    def with_changes(self, **changes: Any) -> TrainConfig:
        """A copy with the given fields replaced; None values are ignored (unset CLI options)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS: dict[str, TrainConfig] = {
    # Chosen by validation accuracy (clean and redrawn on the pad) within 2x today's in-Scratch training
    # cost: benchmarks/sweep.py, the README's table.
    "default": TrainConfig(layer_sizes=[196, 64, 10], hidden_activation="relu", augment_copies=2,
                           redraw_copies=2, dropout=0.2),
    # Day 2 article: 196-8-4-10 relu, white background / black ink (inverted), Keras' adam defaults.
    "day2": TrainConfig(layer_sizes=[196, 8, 4, 10], hidden_activation="relu", epochs=50, invert=True),
    # Day 3 article: the network that trains in Scratch, sigmoid hidden layers.
    "day3": TrainConfig(layer_sizes=[196, 20, 8, 4, 10], hidden_activation="sigmoid", epochs=100),
}

# The project's test images when --test-images is not given: the articles' 100 for their presets, else the
# whole held-out set (None; at most 1,000 images, what one list holds).
PROJECT_TEST_IMAGES: dict[str, int | None] = {"default": None, "day2": 100, "day3": 100}
# The project's training images when --train-images is not given: every image not held out (None; packed, one
# list item each), or the articles' 600.
PROJECT_TRAIN_IMAGES: dict[str, int | None] = {"default": None, "day2": 600, "day3": 600}
