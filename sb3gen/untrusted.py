"""Files from strangers, read within bounds: every reader's limits in one table, and the checks they share.

Every input file (a picture, an .sb3, network.json, a Keras model, a weights or data file) is opened here:
a regular file only (a FIFO would hang, /dev/zero never ends), its size capped while streaming, JSON decoded
only after a non-recursive scan of its nesting depth. Outputs are compared with the command's inputs by file
identity, so no command replaces what it reads. Text from a file is made safe for a terminal before printing.
Every refusal is an Sb3genError: one line, exit 2.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import IO

from sb3gen.errors import Sb3genError

MB = 1 << 20

# name -> bound; each reader takes its limits from here (docs/security-inputs.md lists them for users)
LIMITS: dict[str, int] = {
    "network file bytes": 64 * MB,  # network.json: 200,000 weights of ~25 characters is 5 MB
    "weights file bytes": 16 * MB,  # --weights: one number per line
    "csv data bytes": 32 * MB,  # --data CSV once unzipped: 3.5 x the embedded 5,000 images (9 MB)
    "sb3 unpacked bytes": 256 * MB,  # an .sb3 held in memory whole (html): every entry unpacked
    "picture file bytes": 64 * MB,
    "picture pixels": 100_000_000,  # width x height, from the header, before anything is decoded
    "picture decoded bytes": 400_000_000,  # the pixels in the picture's own mode, + RGBA if it must convert
    "picture side ratio": 16,  # longer side / shorter side: a digit is not a 100000 x 1 strip
    "model file bytes": 512 * MB,  # .keras / .h5
    "model config bytes": 4 * MB,  # config.json inside a .keras zip, model_config of an .h5
    "model weights": 10_000_000,  # counted from the configuration: Keras allocates them all on load
    "json depth": 64,  # network.json is 4 deep, project.json about 7, a Keras config about 10
    "layers": 64,  # layers of a network
    "layer size": 200_000,  # units of one layer: a list holds at most 200,000 items in Scratch
    "show indent levels": 24,  # deeper blocks are shown with a depth marker, not more indentation
    "list items": 1_000_000,  # items of one list of a project verify reads (the website allows 200,000)
    "verify pixels": 50_000_000,  # images x pixels verify unpacks (float64: 400 MB)
}


def limit(name: str) -> int:
    return LIMITS[name]


# --- opening ------------------------------------------------------------------------------------------------

def check_regular(path: str | os.PathLike, what: str = "file") -> os.stat_result:
    """The file's stat, or an Sb3genError: missing, a folder, a device, a FIFO or a socket."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise Sb3genError(f"{path}: cannot read the {what}: no such file") from None
    except OSError as exc:
        raise Sb3genError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise Sb3genError(f"{path} is a folder, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise Sb3genError(f"{path} is not a regular file (a device, a FIFO or a socket); give a {what}")
    return info


def open_regular(path: str | os.PathLike, what: str = "file") -> IO[bytes]:
    """A regular file opened for reading; O_NONBLOCK so that a FIFO swapped in after the check cannot hang."""
    check_regular(path, what)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise Sb3genError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise Sb3genError(f"{path} is not a regular file; give a {what}")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_capped(path: str | os.PathLike, cap: int, what: str = "file") -> bytes:
    """The whole file, refused past `cap` bytes (checked from its size, then while reading)."""
    with open_regular(path, what) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > cap:
            raise Sb3genError(f"{path}: {size:,} bytes, over the {cap:,} sb3gen reads for a {what}")
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise Sb3genError(f"{path}: over the {cap:,} bytes sb3gen reads for a {what}")
    return data


# --- JSON ---------------------------------------------------------------------------------------------------

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def text_depth(data: bytes | str) -> int:
    """The nesting depth of JSON text by counting brackets outside strings: no recursion, no parsing."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads_bounded(data: bytes | str, label: str, max_depth: int | None = None) -> object:
    """JSON of at most `max_depth` levels (LIMITS' "json depth"), finite numbers only; Sb3genError else."""
    max_depth = max_depth or LIMITS["json depth"]
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Sb3genError(f"{label}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    depth = text_depth(data)
    if depth > max_depth:
        raise Sb3genError(f"{label}: nested {depth:,} levels deep, more than the {max_depth} sb3gen reads")
    try:
        return json.loads(data, parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError:  # the scan above makes this unreachable; kept as the last line of defence
        raise Sb3genError(f"{label}: nested too deep") from None
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, numbers too long or too large
        raise Sb3genError(f"{label}: not valid JSON ({one_line(str(exc))[:120]})") from None


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:20]} is too large")
    return value


# --- values a file supplies ---------------------------------------------------------------------------------

def whole_number(value: object, what: str, low: int = 1, high: int | None = None) -> int:
    """A JSON integer (not true/false, not 4.5) within low..high, or an Sb3genError naming `what`."""
    high = LIMITS["layer size"] if high is None else high
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise Sb3genError(f"{what} must be a whole number, got {short(value)}")
    if not low <= value <= high:
        wanted = f"positive (at most {high:,})" if low == 1 else f"{low:,} .. {high:,}"
        raise Sb3genError(f"{what} must be {wanted}, got {short(value)}")
    return int(value)


def sized_list(value: object, what: str, most: int) -> list:
    if not isinstance(value, list):
        raise Sb3genError(f"{what} must be a list, got {short(value)}")
    if len(value) > most:
        raise Sb3genError(f"{what} has {len(value):,} items, more than the {most:,} sb3gen reads")
    return value


def short(value: object, width: int = 40) -> str:
    text = repr(value)
    return terminal_text(text if len(text) <= width else text[:width] + "...")


# --- text for a terminal ------------------------------------------------------------------------------------

# C0 and C1 controls (ESC starts terminal escape sequences) except tab and newline, DEL, the bidirectional
# overrides (text that reads differently from what it is), lone surrogates (not encodable as UTF-8)
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def terminal_text(text: str) -> str:
    """`text` with every control character, bidi override and lone surrogate shown as an escape (\\x1b)."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                       else f"\\u{ord(m.group()):04x}", text)


def one_line(text: str) -> str:
    return " ".join(text.split())


def safe_line(text: str, width: int) -> str:
    """One terminal line of at most `width` characters (then " [...]"): what commands print of a stranger's
    text (errors, verify's report)."""
    line = terminal_text(text.replace("\n", " "))
    return line if len(line) <= width else line[:width] + " [...]"


# --- outputs that would replace inputs ----------------------------------------------------------------------

def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """The same file by path (resolved) or by identity (device and inode: hard links, bind mounts)."""
    if Path(a).resolve() == Path(b).resolve():
        return True
    try:
        first, second = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def refuse_replacing(outputs: list[Path], inputs: list[tuple[str, Path | None]]) -> None:
    """Sb3genError when an output is one of the command's inputs (option, path); None inputs are skipped."""
    for option, source in inputs:
        if source is None:
            continue
        for output in outputs:
            if same_file(output, source):
                raise Sb3genError(f"{output} would replace the input {option} {source}; choose another "
                                  "output name or folder (-o), or move the input first")
