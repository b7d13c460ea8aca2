"""Trained networks kept between builds: the same training options, data and training code give the same
network (training is seeded and deterministic), so a second build reuses it instead of training again.

An entry is one JSON file in cache_folder() (~/.cache/sb3gen/networks), named by its key: the sha256 of the
options that affect training, the data's bytes, sb3gen's version, the sha256 of the training code's sources
and the TensorFlow, Keras, numpy and matplotlib versions. It holds the network (before the build rounds its
weights) and the files training wrote (history.json, training.png, test_predictions.png), so a build from
the cache writes the same files as one that trained. Entries are written atomically and read like any
untrusted network file: size capped, every field checked, and a sha256 of the content, so a damaged or
edited entry is refused with a message and the network trained again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

import sb3gen
from sb3gen.errors import Sb3genError
from sb3gen.files import write_bytes_atomic
from sb3gen.ml.dataset import Dataset
from sb3gen.ml.network import Network
from sb3gen.ml.presets import TrainConfig

FORMAT_NAME = "sb3gen-trained-network"
FORMAT_VERSION = 1
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # the default's entry is about 0.3 MB; networks that fit Scratch are small
KEEP_ENTRIES = 20  # the most recently used entries stay, older ones are removed
TRAINING_FILES = ("history.json", "training.png", "test_predictions.png")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The sources whose code decides the trained weights (data preparation, copies, Keras training).
TRAINING_SOURCES = ("ml/augment.py", "ml/keras_model.py", "ml/pipeline.py", "ml/preprocess.py",
                    "ml/presets.py", "ml/redraw.py", "ml/redraw_batch.py", "ml/subsets.py", "ml/train.py",
                    "ml/plots.py", "layers.py", "reference/pad.py", "reference/tables.py")
LIBRARIES = ("tensorflow", "tensorflow-cpu", "keras", "numpy", "matplotlib")  # matplotlib: the PNGs


def cache_folder() -> Path:
    """$SB3GEN_NETWORK_CACHE (tests: a folder of their own without moving the Node tools' cache), else
    $XDG_CACHE_HOME/sb3gen/networks, else ~/.cache/sb3gen/networks."""
    if os.environ.get("SB3GEN_NETWORK_CACHE"):
        return Path(os.environ["SB3GEN_NETWORK_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sb3gen" / "networks"


def training_key(config: TrainConfig, dataset: Dataset) -> str:
    """sha256 (hex) of everything the trained network depends on."""
    digest = hashlib.sha256()
    for part in key_parts(config, dataset):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def key_parts(config: TrainConfig, dataset: Dataset) -> list[bytes]:
    package = Path(sb3gen.__file__).parent
    code = hashlib.sha256(b"".join((package / name).read_bytes() for name in TRAINING_SOURCES)).hexdigest()
    versions = {name: _version(name) for name in LIBRARIES}
    # the held-out images are chosen from the labels and where the data's own test split starts
    return [json.dumps(config.to_dict(), sort_keys=True).encode(),
            np.ascontiguousarray(dataset.images).tobytes(), np.asarray(dataset.labels, np.int64).tobytes(),
            str(dataset.test_start).encode(), str(dataset.images.shape).encode(),
            json.dumps({"sb3gen": sb3gen.__version__, "code": code, **versions}, sort_keys=True).encode()]


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def entry_path(key: str) -> Path:
    return cache_folder() / f"{key}.json"


def store(key: str, network: Network, files: dict[str, bytes], keep: int = KEEP_ENTRIES) -> Path:
    """Write the entry atomically (a reader sees the old one or the new one) and drop the oldest ones."""
    content = {"network": network.to_dict(),
               "files": {name: base64.b64encode(files[name]).decode("ascii") for name in sorted(files)}}
    entry = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "key": key, "sha256": _checksum(content),
             **content}
    path = entry_path(key)
    write_bytes_atomic(path, json.dumps(entry, separators=(",", ":")).encode("utf-8"))
    _prune(path.parent, keep)
    return path


def load(key: str, config: TrainConfig) -> tuple[Network, dict[str, bytes]] | None:
    """The cached network and training files for `key`, or None: none kept, or one refused (said on stderr:
    the network is trained again and the entry replaced)."""
    path = entry_path(key)
    if not path.is_file():
        return None
    try:
        found = read_entry(path, key, config)
    except Sb3genError as exc:
        warn(f"ignoring the cached network {path}: {exc}; training again")
        return None
    os.utime(path)  # recently used: kept longest
    return found


def read_entry(path: Path, key: str, config: TrainConfig) -> tuple[Network, dict[str, bytes]]:
    """Read and check one entry; Sb3genError says what is wrong with it."""
    try:
        size = path.stat().st_size
        if size > MAX_ENTRY_BYTES:
            raise Sb3genError(f"{size:,} bytes, more than an entry may have ({MAX_ENTRY_BYTES:,})")
        entry = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise Sb3genError(f"unreadable ({type(exc).__name__}: {exc})") from None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT_NAME:
        raise Sb3genError("not a cached network")
    expected = {"format", "version", "key", "sha256", "network", "files"}
    if set(entry) != expected:
        raise Sb3genError(f"fields {sorted(set(entry) ^ expected)} missing or unknown")
    if entry["version"] != FORMAT_VERSION:
        raise Sb3genError(f"version {entry['version']!r}, this sb3gen reads {FORMAT_VERSION}")
    if entry["key"] != key:
        raise Sb3genError("made for other options or data (its key differs)")
    content = {"network": entry["network"], "files": entry["files"]}
    if entry["sha256"] != _checksum(content):
        raise Sb3genError("damaged (its sha256 does not match its content)")
    if not isinstance(entry["network"], dict):
        raise Sb3genError("no network in it")
    network = Network.from_dict(entry["network"], "cached network")  # shapes, sizes, finite weights
    if network.metrics.get("config") != config.to_dict():
        raise Sb3genError("its network was trained with other options")
    return network, _files(entry["files"])


def _files(files: Any) -> dict[str, bytes]:
    if not isinstance(files, dict) or set(files) - set(TRAINING_FILES):
        raise Sb3genError(f"training files other than {', '.join(TRAINING_FILES)}")
    try:
        decoded = {name: base64.b64decode(text, validate=True) for name, text in files.items()}
    except (TypeError, binascii.Error) as exc:
        raise Sb3genError(f"a training file is not base64 ({exc})") from None
    for name, data in decoded.items():
        if name.endswith(".png") and not data.startswith(PNG_SIGNATURE):
            raise Sb3genError(f"{name} is not a PNG image")
    if "history.json" in decoded:
        try:
            history = json.loads(decoded["history.json"].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Sb3genError(f"history.json is not JSON ({exc})") from None
        if not isinstance(history, dict):
            raise Sb3genError("history.json is not a training history")
    return decoded


def _checksum(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _prune(folder: Path, keep: int) -> None:
    used = {}
    for path in folder.glob("*.json"):
        try:
            used[path] = path.stat().st_mtime
        except OSError:  # removed meanwhile by another build
            continue
    for old in sorted(used, key=used.__getitem__, reverse=True)[keep:]:
        old.unlink(missing_ok=True)


def warn(message: str) -> None:
    print(f"sb3gen: {message}", file=sys.stderr)
