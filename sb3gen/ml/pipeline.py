"""The ML side in one call: load data, preprocess, hold images out, pick subsets, train on the rest.

The held-out images (sb3gen.ml.subsets) are never trained on and never choose a model: Keras' validation
split comes from the other images. They only score the result."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sb3gen.ml.augment import augmented_copies
from sb3gen.ml.dataset import Dataset, load_mnist
from sb3gen.ml.evaluate import Evaluation, evaluate_network
from sb3gen.ml.network import Network
from sb3gen.ml.preprocess import PreprocessSettings, preprocess
from sb3gen.ml.presets import TrainConfig
from sb3gen.ml.redraw import redrawn_frames
from sb3gen.ml.subsets import held_out_indices, project_subsets
from sb3gen.ml.train import train_network  # imports Keras only when called


@dataclass
class TrainingRun:
    dataset: Dataset
    inputs: np.ndarray  # every image preprocessed, (N, n_inputs) float32 0/1
    train_indices: np.ndarray  # the subset the Scratch project carries to train on
    test_indices: np.ndarray  # the project's test images: a class-balanced part of the held-out images
    held_out_indices: np.ndarray  # never trained on, never used to choose a model
    network: Network
    history: dict[str, list[float]]
    train_seconds: float  # Keras time only, without loading and preprocessing
    evaluation: Evaluation  # on every held-out image


@dataclass
class PreparedData:
    dataset: Dataset
    inputs: np.ndarray  # every image preprocessed, (N, n_inputs) float32 0/1
    train_indices: np.ndarray  # the project's training images (not held out)
    test_indices: np.ndarray  # the project's test images (the first ones of the held-out set)
    held_out_indices: np.ndarray  # every held-out image

    @property
    def fit_indices(self) -> np.ndarray:
        """What Keras trains on (its validation split included): everything not held out."""
        return np.setdiff1d(np.arange(len(self.dataset)), self.held_out_indices)

    def held_out(self) -> tuple[np.ndarray, np.ndarray]:
        return self.inputs[self.held_out_indices], self.dataset.labels[self.held_out_indices]

    def evaluate(self, net: Network) -> Evaluation:
        """The network's accuracy, per-digit accuracy and confusion matrix on every held-out image."""
        return evaluate_network(net, *self.held_out())


def prepare_data(data_path: str | Path | None, settings: PreprocessSettings, *, n_train: int | None,
                 n_test: int | None, seed: int, log=print) -> PreparedData:
    """Load MNIST, preprocess every image with `settings`, hold images out, pick the project's subsets
    (n_train None: every image not held out; n_test None: the whole held-out set)."""
    log = log or (lambda *_: None)
    dataset = load_mnist(data_path, log=log)
    log(f"data: {dataset.describe()}")
    inputs = preprocess(dataset.images, settings)
    held_out = held_out_indices(dataset.labels, dataset.test_start)
    if n_test is None:
        n_test = len(held_out)
    train_indices, test_indices = project_subsets(dataset.labels, held_out, n_train, n_test, seed)
    return PreparedData(dataset, inputs, train_indices, test_indices, held_out)


def keras_split(config: TrainConfig, data: PreparedData) -> tuple[np.ndarray, np.ndarray]:
    """Indices of Keras' training and validation parts of the images not held out (seeded)."""
    fit_indices = data.fit_indices
    order = fit_indices[np.random.default_rng(config.seed).permutation(len(fit_indices))]
    n_train = math.floor(len(order) * (1.0 - config.validation_split))
    return order[:n_train], order[n_train:]


def training_arrays(config: TrainConfig, data: PreparedData) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                    np.ndarray]:
    """(x_train, y_train, x_validation, y_validation) for Keras from the images not held out.

    They are split (seeded) into a training and a validation part; only the training part gets augmented
    copies (config.augment_copies: shifted, scaled, rotated, thicker or thinner; config.redraw_copies:
    redrawn on the pad and normalised like `predict pad`), made from the 28x28 gray images before the same
    preprocessing, so validation sees no copy of an image it was trained on."""
    labels, images = data.dataset.labels, data.dataset.images
    train_part, validation_part = keras_split(config, data)
    n_train = len(train_part)
    copies = [augmented_copies(images[train_part], config.augment_copies, config.seed)]
    copies += [redrawn_frames(images[train_part], seed=config.seed * 1000 + 500 + k)
               for k in range(config.redraw_copies)]
    extra = np.concatenate(copies)
    x_train = data.inputs[train_part]
    if len(extra):
        x_train = np.concatenate([x_train, preprocess(extra, PreprocessSettings(invert=config.invert))])
    y_train = np.concatenate([labels[train_part], np.tile(labels[train_part], len(extra) // max(n_train, 1))])
    return x_train, y_train, data.inputs[validation_part], labels[validation_part]


def train_held_out(config: TrainConfig, data: PreparedData, *, out_dir: str | Path | None = None,
                   verbose: int = 1, log=print) -> tuple[Network, dict[str, list[float]]]:
    """Train on every image except the held-out ones (training_arrays); the held-out images only score the
    result."""
    log = log or (lambda *_: None)
    x_train, y_train, x_validation, y_validation = training_arrays(config, data)
    x_test, y_test = data.held_out()
    n_copies = config.augment_copies + config.redraw_copies
    augmented = f" (and {n_copies} augmented copies of each)" if n_copies else ""
    log(f"training {config.shape_text} with Keras: {config.epochs} "
        f"epochs on {len(y_train) // (1 + n_copies):,} images{augmented}, {len(y_validation):,} for "
        f"validation; {len(y_test):,} held out for testing")
    validation = (x_validation, y_validation) if len(y_validation) else None
    network, history = train_network(x_train, y_train, config, x_test=x_test, y_test=y_test,
                                     validation=validation,
                                     preprocess=PreprocessSettings(invert=config.invert), verbose=verbose,
                                     out_dir=out_dir)
    network.metrics["data_source"] = data.dataset.record()  # file names and sha256: portable
    network.metrics["data_images"] = len(data.dataset)
    return network, history


def train_from_data(config: TrainConfig, data_path: str | Path | None = None, *, n_train: int | None = 600,
                    n_test: int | None = None, subset_seed: int = 0, out_dir: str | Path | None = None,
                    verbose: int = 1, log=print) -> TrainingRun:
    """Train `config` on all images except the held-out ones; with out_dir, write the history and plots
    there. `log` gets one line per step for people (None for silence)."""
    data = prepare_data(data_path, PreprocessSettings(invert=config.invert), n_train=n_train, n_test=n_test,
                        seed=subset_seed, log=log)
    started = time.perf_counter()
    network, history = train_held_out(config, data, out_dir=out_dir, verbose=verbose, log=log)
    seconds = time.perf_counter() - started
    return TrainingRun(data.dataset, data.inputs, data.train_indices, data.test_indices,
                       data.held_out_indices, network, history, seconds, data.evaluate(network))
