"""Keras training of the MLP: seeded, deterministic, a progress bar (or Keras' own lines), history, plots."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from sb3gen.errors import Sb3genError
from sb3gen.files import write_text_atomic
from sb3gen.ml.keras_model import (
    build_keras_cnn,
    build_keras_model,
    flatten_keras,
    import_keras,
    to_model_input,
)
from sb3gen.ml.network import Network, layers_text
from sb3gen.ml.preprocess import PreprocessSettings
from sb3gen.ml.presets import TrainConfig

STEPS_PER_EXECUTION = 64


def make_deterministic(seed: int) -> None:
    """Same data + seed -> same weights: seeds Python, numpy and TF, and asks TF for deterministic kernels."""
    keras = import_keras()
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def train_network(x_train: np.ndarray, y_train: np.ndarray, config: TrainConfig, *,
                  x_test: np.ndarray | None = None, y_test: np.ndarray | None = None,
                  validation: tuple[np.ndarray, np.ndarray] | None = None,
                  preprocess: PreprocessSettings | None = None, verbose: int = 1,
                  out_dir: str | Path | None = None, epoch_done: Callable[[int, str], None] | None = None
                  ) -> tuple[Network, dict[str, list[float]]]:
    """Train on preprocessed inputs x_train (N, n_inputs) of 0/1 and labels 0-9. verbose: 2 Keras' own line
    per epoch; epoch_done(epochs done, scores) after each epoch (a progress line).

    Without `validation`, the examples are shuffled (seeded) before Keras takes its validation split, which
    is the last fraction of the array: MNIST subsets often come sorted by class. With it (x, y), that is the
    validation set and all of x_train is trained on (augmented copies must not be validated on). Metrics go
    into the returned Network; with out_dir, history.json, training.png and (with a test set)
    test_predictions.png are written there.
    """
    x_train = np.asarray(x_train, dtype=np.float32)
    y_train = np.asarray(y_train).astype(np.int64)
    n_inputs = config.layer_sizes[0]
    if x_train.ndim != 2 or x_train.shape[1] != n_inputs:
        raise Sb3genError(f"training inputs have shape {x_train.shape}, the network takes {n_inputs} inputs")
    if len(x_train) < 2:
        raise Sb3genError(f"need at least 2 training images, got {len(x_train)}")
    preprocess = preprocess or PreprocessSettings(invert=config.invert)
    keras = import_keras()
    make_deterministic(config.seed)

    order = np.random.default_rng(config.seed).permutation(len(x_train))
    specs = config.layer_specs()
    if specs is None:
        model = build_keras_model(list(config.layer_sizes), config.hidden_activation, dropout=config.dropout,
                                  weight_decay=config.weight_decay)
    else:
        model = build_keras_cnn(specs, preprocess.size, config.dropout, config.activity_l1)
    # Many steps per call of the compiled step: the same steps in the same order (the same weights, bit for
    # bit), without Python between them, which on these small networks is most of the time.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=STEPS_PER_EXECUTION)
    if validation is None:
        split: dict[str, Any] = {"validation_split": config.validation_split}
        # Keras holds out the tail: everything after floor(N * (1 - split)).
        n_validation = len(x_train) - math.floor(len(x_train) * (1.0 - config.validation_split))
        n_fit = len(x_train) - n_validation
    else:
        x_val, y_val = validation
        split = {"validation_data": (to_model_input(x_val, n_inputs), np.asarray(y_val).astype(np.int64))}
        n_validation, n_fit = len(x_val), len(x_train)
    started = time.perf_counter()
    fit = model.fit(to_model_input(x_train[order], n_inputs), y_train[order], epochs=config.epochs,
                    batch_size=config.batch_size, shuffle=True, verbose=2 if verbose >= 2 else 0,
                    callbacks=[epoch_callback(keras, epoch_done)] if epoch_done else [], **split)
    seconds = time.perf_counter() - started
    history = {key: [float(v) for v in values] for key, values in fit.history.items()}

    metrics: dict[str, Any] = {
        "train_images": n_fit,
        "validation_images": n_validation,
        "epochs": config.epochs,
        "train_accuracy": history["accuracy"][-1],
        "config": config.to_dict(),
    }
    if "val_accuracy" in history:
        metrics["validation_accuracy"] = history["val_accuracy"][-1]
    predictions = None
    if x_test is not None and y_test is not None and len(x_test):
        # a direct call, not predict(): no tf.function retracing warnings when training several models
        probs = np.asarray(model(to_model_input(x_test, n_inputs), training=False))
        predictions = probs.argmax(axis=1)
        metrics["test_images"] = len(x_test)
        metrics["test_accuracy"] = float(np.mean(predictions == np.asarray(y_test)))

    net = Network(list(config.layer_sizes), config.hidden_activation, flatten_keras(model), preprocess,
                  metrics, layer_specs=specs)
    if out_dir is not None:
        write_training_outputs(Path(out_dir), history, metrics, x_test, y_test, predictions, preprocess,
                               seconds)
    return net, history


def epoch_callback(keras: Any, epoch_done: Callable[[int, str], None]) -> Any:
    class EpochDone(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            logs = logs or {}
            scores = f"loss {logs.get('loss', float('nan')):.3f}"
            if "val_accuracy" in logs:
                scores += f", validation accuracy {logs['val_accuracy']:.3f}"
            epoch_done(epoch + 1, scores)

    return EpochDone()


def write_training_outputs(out_dir: Path, history: dict[str, list[float]], metrics: dict[str, Any],
                           x_test: np.ndarray | None, y_test: np.ndarray | None,
                           predictions: np.ndarray | None, preprocess: PreprocessSettings,
                           seconds: float) -> None:
    from sb3gen.ml.plots import plot_history, plot_test_predictions

    record = {"history": history, "metrics": metrics, "train_seconds": round(seconds, 2)}
    write_text_atomic(out_dir / "history.json", json.dumps(record, indent=1) + "\n")
    plot_history(history, out_dir / "training.png", title=training_title(metrics))
    if predictions is not None and x_test is not None and y_test is not None:
        side = preprocess.size
        images = np.asarray(x_test).reshape(-1, side, side)
        if preprocess.invert:  # show ink dark whatever the network was fed
            images = 1.0 - images
        plot_test_predictions(images, np.asarray(y_test), predictions, out_dir / "test_predictions.png")


def training_title(metrics: dict[str, Any]) -> str:
    config = metrics["config"]
    shape = TrainConfig(**config).shape_text if "arch" in config else \
        f"{layers_text(config['layer_sizes'])} {config['hidden_activation']}"
    return (f"{shape}, "
            f"{metrics['train_images']:,} training images, batch {config['batch_size']}, "
            f"lr {config['learning_rate']}")
