"""The ML side in one call: load data, preprocess, pick subsets, train on all but the test images."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sb3gen.ml.dataset import Dataset, load_mnist
from sb3gen.ml.network import Network, layers_text
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


@dataclass
class PreparedData:
    dataset: Dataset
    inputs: np.ndarray  # every image preprocessed, (N, n_inputs) float32 0/1
    train_indices: np.ndarray
    test_indices: np.ndarray


def prepare_data(data_path: str | Path | None, settings: PreprocessSettings, *, n_train: int, n_test: int,
                 seed: int, log=print) -> PreparedData:
    """Load MNIST, preprocess every image with `settings`, pick the class-balanced train/test subsets."""
    log = log or (lambda *_: None)
    dataset = load_mnist(data_path)
    log(f"data: {dataset.describe()}")
    inputs = preprocess(dataset.images, settings)
    train_indices, test_indices = select_subsets(dataset.labels, n_train, n_test, seed)
    return PreparedData(dataset, inputs, train_indices, test_indices)


def train_held_out(config: TrainConfig, data: PreparedData, *, out_dir: str | Path | None = None,
                   verbose: int = 1, log=print) -> tuple[Network, dict[str, list[float]]]:
    """Train on every image except the held-out test images; the test images only score the result."""
    log = log or (lambda *_: None)
    labels, test_indices = data.dataset.labels, data.test_indices
    fit_indices = np.setdiff1d(np.arange(len(labels)), test_indices)
    log(f"training {layers_text(config.layer_sizes)} {config.hidden_activation} with Keras: {config.epochs} "
        f"epochs on {len(fit_indices):,} images ({config.validation_split:.0%} of them for validation), "
        f"{len(test_indices)} held out for testing")
    network, history = train_network(data.inputs[fit_indices], labels[fit_indices], config,
                                     x_test=data.inputs[test_indices], y_test=labels[test_indices],
                                     preprocess=PreprocessSettings(invert=config.invert), verbose=verbose,
                                     out_dir=out_dir)
    network.metrics["data_source"] = data.dataset.source
    network.metrics["data_images"] = len(data.dataset)
    return network, history


def train_from_data(config: TrainConfig, data_path: str | Path | None = None, *, n_train: int = 600,
                    n_test: int = 100, subset_seed: int = 0, out_dir: str | Path | None = None,
                    verbose: int = 1, log=print) -> TrainingRun:
    """Train `config` on all images except the `n_test` held-out test images; with out_dir, write the history
    and plots there. `log` gets one line per step for people (None for silence)."""
    data = prepare_data(data_path, PreprocessSettings(invert=config.invert), n_train=n_train, n_test=n_test,
                        seed=subset_seed, log=log)
    started = time.perf_counter()
    network, history = train_held_out(config, data, out_dir=out_dir, verbose=verbose, log=log)
    seconds = time.perf_counter() - started
    return TrainingRun(data.dataset, data.inputs, data.train_indices, data.test_indices, network, history,
                       seconds)
