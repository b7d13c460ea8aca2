"""The ML side in one call: load data, preprocess, pick subsets, train on all but the test images."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sb3gen.ml.dataset import Dataset, load_mnist
from sb3gen.ml.network import Network
from sb3gen.ml.preprocess import PreprocessSettings, preprocess
from sb3gen.ml.presets import TrainConfig
from sb3gen.ml.subsets import select_subsets
from sb3gen.ml.train import train_network  # imports Keras only when called


@dataclass
class TrainingRun:
    dataset: Dataset
    inputs: np.ndarray  # every image preprocessed, (N, n_inputs) float32 0/1
    train_indices: np.ndarray  # the subset the Scratch project carries to train on
    test_indices: np.ndarray  # held out: never used to train the weights
    network: Network
    history: dict[str, list[float]]
    train_seconds: float  # Keras time only, without loading and preprocessing

    def subset(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.inputs[indices], self.dataset.labels[indices]


def train_from_data(config: TrainConfig, data_path: str | Path | None = None, *, n_train: int = 600,
                    n_test: int = 100, subset_seed: int = 0, out_dir: str | Path | None = None,
                    verbose: int = 1, log=print) -> TrainingRun:
    """Train `config` on all images except the `n_test` held-out test images; with out_dir, write the history
    and plots there. `log` gets one line per step for people (None for silence)."""
    log = log or (lambda *_: None)
    dataset = load_mnist(data_path)
    log(f"data: {dataset.describe()}")
    settings = PreprocessSettings(invert=config.invert)
    inputs = preprocess(dataset.images, settings)
    train_indices, test_indices = select_subsets(dataset.labels, n_train, n_test, subset_seed)
    fit_indices = np.setdiff1d(np.arange(len(dataset)), test_indices)
    log(f"training on {len(fit_indices):,} images ({config.validation_split:.0%} of them for validation), "
        f"{len(test_indices)} held out for testing")
    started = time.perf_counter()
    network, history = train_network(inputs[fit_indices], dataset.labels[fit_indices], config,
                                     x_test=inputs[test_indices], y_test=dataset.labels[test_indices],
                                     preprocess=settings, verbose=verbose, out_dir=out_dir)
    seconds = time.perf_counter() - started
    network.metrics["data_source"] = dataset.source
    network.metrics["data_images"] = len(dataset)
    return TrainingRun(dataset, inputs, train_indices, test_indices, network, history, seconds)
