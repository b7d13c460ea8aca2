"""The ML side in one call: load data, preprocess, hold images out, pick subsets, train on the rest.

The held-out images (sb3gen.ml.subsets) are never trained on and never choose a model: Keras' validation
split comes from the other images. They only score the result."""

from __future__ import annotations

import math
import sys
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
from sb3gen.ml.redraw import redrawn_copies
from sb3gen.ml.subsets import held_out_indices, project_subsets
from sb3gen.ml.train import train_network  # imports Keras only when called
from sb3gen.progress import Progress


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


def training_arrays(config: TrainConfig, data: PreparedData, progress: Progress | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_validation, y_validation) for Keras from the images not held out.

    They are split (seeded) into a training and a validation part; only the training part gets augmented
    copies (config.augment_copies: shifted, scaled, rotated, thicker or thinner; config.redraw_copies:
    redrawn on the pad and normalised like `predict pad`), made from the 28x28 gray images before the same
    preprocessing, so validation sees no copy of an image it was trained on."""
    progress = progress or Progress(enabled=False)
    labels, images = data.dataset.labels, data.dataset.images
    train_part, validation_part = keras_split(config, data)
    n_train = len(train_part)
    n_copies = config.augment_copies + config.redraw_copies
    x_train = data.inputs[train_part]
    if n_copies:
        steps = iter(range(1, config.redraw_copies + 3))
        with progress.phase("copies", total=config.redraw_copies + 2) as phase:
            augmented = augmented_copies(images[train_part], config.augment_copies, config.seed)
            phase.update(next(steps), "augmented")
            redrawn = redrawn_copies(images[train_part], [config.seed * 1000 + 500 + k
                                                          for k in range(config.redraw_copies)],
                                     step_done=lambda: phase.update(next(steps), "redrawn on the pad"))
            extra = preprocess(np.concatenate([augmented, redrawn]), PreprocessSettings(invert=config.invert))
            x_train = np.concatenate([x_train, extra])
            phase.finish(f"{config.augment_copies} augmented and {config.redraw_copies} redrawn copies of "
                         f"{n_train:,} images")
    y_train = np.tile(labels[train_part], 1 + n_copies)
    return x_train, y_train, data.inputs[validation_part], labels[validation_part]


def train_held_out(config: TrainConfig, data: PreparedData, *, out_dir: str | Path | None = None,
                   verbose: int = 1, progress: Progress | None = None
                   ) -> tuple[Network, dict[str, list[float]]]:
    """Train on every image except the held-out ones (training_arrays); the held-out images only score the
    result. verbose: 0 no progress, 1 sb3gen's phases, 2 also TensorFlow's start-up lines and Keras' own
    line per epoch."""
    from sb3gen.ml.keras_model import import_keras

    progress = progress or Progress(enabled=verbose > 0)
    x_train, y_train, x_validation, y_validation = training_arrays(config, data, progress)
    x_test, y_test = data.held_out()
    if "tensorflow" not in sys.modules:
        with progress.phase("starting TensorFlow"):
            import_keras(show_log=verbose >= 2)
    validation = (x_validation, y_validation) if len(y_validation) else None
    with progress.phase("training with Keras", total=config.epochs) as phase:
        network, history = train_network(x_train, y_train, config, x_test=x_test, y_test=y_test,
                                         validation=validation,
                                         preprocess=PreprocessSettings(invert=config.invert),
                                         verbose=verbose, out_dir=out_dir, epoch_done=phase.update)
        phase.finish(f"{config.shape_text}, {config.epochs} epochs on {len(y_train):,} images, "
                     f"{len(y_validation):,} for validation")
    network.metrics["data_source"] = data.dataset.record()  # file names and sha256: portable
    network.metrics["data_images"] = len(data.dataset)
    return network, history


def train_or_reuse(config: TrainConfig, data: PreparedData, out_dir: Path, *, retrain: bool = False,
                   verbose: int = 1, progress: Progress | None = None) -> tuple[Network, bool]:
    """train_held_out, or the network trained before with the same options, data and training code
    (sb3gen.ml.network_cache; retrain: train anyway, and keep the new one). Writes the training files into
    out_dir either way; True when the network came from the cache."""
    from sb3gen.files import write_bytes_atomic
    from sb3gen.ml import network_cache

    key = network_cache.training_key(config, data.dataset)
    found = None if retrain else network_cache.load(key, config)
    if found is not None:
        network, files = found
        for name, content in files.items():
            write_bytes_atomic(Path(out_dir) / name, content)
        network.metrics["data_source"] = data.dataset.record()  # as train_held_out sets them
        network.metrics["data_images"] = len(data.dataset)
        return network, True
    network, _ = train_held_out(config, data, out_dir=out_dir, verbose=verbose, progress=progress)
    files = {name: (Path(out_dir) / name).read_bytes() for name in network_cache.TRAINING_FILES
             if (Path(out_dir) / name).is_file()}
    try:
        network_cache.store(key, network, files)
    except OSError as exc:  # a read-only or full cache folder costs the next build a training, nothing else
        network_cache.warn(f"could not keep the trained network in {network_cache.cache_folder()} ({exc})")
    return network, False


def train_from_data(config: TrainConfig, data_path: str | Path | None = None, *, n_train: int | None = 600,
                    n_test: int | None = None, subset_seed: int = 0, out_dir: str | Path | None = None,
                    verbose: int = 1, log=print) -> TrainingRun:
    """Train `config` on all images except the held-out ones; with out_dir, write the history and plots
    there. `log` gets one line per step for people (None for silence)."""
    data = prepare_data(data_path, PreprocessSettings(invert=config.invert), n_train=n_train, n_test=n_test,
                        seed=subset_seed, log=log)
    started = time.perf_counter()
    network, history = train_held_out(config, data, out_dir=out_dir, verbose=verbose)
    seconds = time.perf_counter() - started
    return TrainingRun(data.dataset, data.inputs, data.train_indices, data.test_indices,
                       data.held_out_indices, network, history, seconds, data.evaluate(network))
