"""Bounded reading of a saved Keras model without running anything from it: the architecture from its JSON
config (a capped read, nesting depth checked), the weights with h5py by layer name (each array's shape and
dtype checked before it is read, totals capped). Never keras.models.load_model, never pickle.

.keras (Keras 3): a zip of config.json and model.weights.h5 (layers/<key>/vars/0, 1, ...; the key is the
class name in snake case, numbered from the second of a class: conv2d, conv2d_1, ...; see saved_keys).
.h5 (legacy): attribute model_config, weights in model_weights/<name>/ listed by its weight_names attribute.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from sb3gen.errors import Sb3genError
from sb3gen.importers.h5_reader import Arrays, read_h5_isolated
from sb3gen.untrusted import check_regular, limit, loads_bounded

MAX_CONFIG_BYTES = limit("model config bytes")
MAX_CONFIG_DEPTH = limit("json depth")  # Keras nests a layer's settings about 10 deep
MAX_WEIGHTS_FILE_BYTES = limit("model file bytes")
MAX_ZIP_ENTRIES = 16
SUFFIXES = (".keras", ".h5", ".hdf5")


class WeightReader:
    """The weight arrays of one layer by its name, in the layer's own order (read by h5_reader)."""

    def __init__(self, arrays: Arrays, legacy: bool, label: str) -> None:
        self._arrays, self._legacy, self._label = arrays, legacy, label
        self._keys: dict[str, str] = {}

    def use_keys(self, keys: dict[str, str]) -> None:
        """Keras 3 files: the group key of each layer name (sb3gen.importers.keras_config.saved_keys)."""
        self._keys = dict(keys)

    def arrays(self, name: str) -> list[np.ndarray]:
        key = name if self._legacy else self._keys.get(name, name)
        return [array.copy() for array in self._arrays.get(key, [])]


def parse_config(raw: bytes | str, label: str) -> dict[str, Any]:
    """The config as JSON within sb3gen.untrusted's bounds (size, depth scanned before decoding)."""
    if len(raw) > MAX_CONFIG_BYTES:
        raise Sb3genError(f"{label}: the model's config is {len(raw):,} bytes, over {MAX_CONFIG_BYTES:,}")
    value = loads_bounded(raw, f"{label}: the model's config", MAX_CONFIG_DEPTH)
    if not isinstance(value, dict) or not isinstance(value.get("config"), dict):
        raise Sb3genError(f"{label}: the model's config is not a Keras model's (no 'config' object)")
    return value


def _read_member(archive: zipfile.ZipFile, name: str, limit: int, label: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise Sb3genError(f"{label}: not a Keras 3 model file (no {name} inside)") from None
    if info.flag_bits & 0x1 or info.file_size > limit:
        raise Sb3genError(f"{label}: {name} is encrypted or declares {info.file_size:,} bytes "
                          f"(limit {limit:,})")
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise Sb3genError(f"{label}: {name} decompresses to more than {limit:,} bytes")
    return data


@contextmanager
def open_model(path: str | Path) -> Iterator[tuple[dict[str, Any], WeightReader]]:
    """(the model's config, a reader of its weights by layer name)."""
    path = Path(path)
    label = path.name
    if path.suffix.lower() not in SUFFIXES:
        raise Sb3genError(f"{path}: a Keras model file ends in .keras or .h5")
    check_regular(path, "Keras model file")
    if path.suffix.lower() == ".keras":
        try:
            with zipfile.ZipFile(path) as archive:
                if len(archive.infolist()) > MAX_ZIP_ENTRIES:
                    raise Sb3genError(f"{label}: {len(archive.infolist())} files inside, a .keras file has 3")
                config = parse_config(_read_member(archive, "config.json", MAX_CONFIG_BYTES, label), label)
                weights = _read_member(archive, "model.weights.h5", MAX_WEIGHTS_FILE_BYTES, label)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
            raise Sb3genError(f"{label}: not a .keras file ({exc})") from None
        _, arrays = read_h5_isolated(weights, False, label)
        yield config, WeightReader(arrays, False, label)
        return
    if path.stat().st_size > MAX_WEIGHTS_FILE_BYTES:
        raise Sb3genError(f"{label}: {path.stat().st_size:,} bytes, over {MAX_WEIGHTS_FILE_BYTES:,}")
    text, arrays = read_h5_isolated(path, True, label)
    if text is None:
        raise Sb3genError(f"{label}: an .h5 file without a model config (saved weights only?)")
    yield parse_config(text, label), WeightReader(arrays, True, label)
