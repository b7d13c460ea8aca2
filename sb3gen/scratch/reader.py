"""Reading an .sb3 that may be damaged or hostile, within bounds.

Before anything is decompressed the zip's directory is checked (entry count, declared sizes against the
limits below); each entry is then streamed with a cap, so a file that lies about its sizes is stopped at the
cap; project.json must be UTF-8 JSON nested at most MAX_JSON_DEPTH deep, with the types Scratch itself
needs (targets a list of objects, blocks an object, ...). Assets are read only when asked for. Every problem
is an Sb3genError naming the file and the cause.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from typing import IO

from sb3gen.errors import Sb3genError
from sb3gen.scratch.packer import ASSET_LIMIT, PROJECT_JSON_LIMIT
from sb3gen.untrusted import LIMITS, loads_bounded, open_regular

# Generous multiples of the website's limits: `info` should still measure a project somewhat over them.
PROJECT_JSON_READ_LIMIT = 4 * PROJECT_JSON_LIMIT
ASSET_READ_LIMIT = 4 * ASSET_LIMIT
MAX_ENTRIES = 10_000
MAX_JSON_DEPTH = LIMITS["json depth"]  # Scratch's own project.json is about 7 deep: blocks are a flat table
CHUNK = 1 << 16
# What a damaged zip raises while its entries are read (zipfile does not wrap zlib's or struct's errors).
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError,
              struct.error, OSError)


class Sb3File:
    """An open .sb3: `project_json` parsed and checked; assets read on demand. Use as a context manager."""

    def __init__(self, source: str | os.PathLike | bytes) -> None:
        if isinstance(source, bytes | bytearray):
            self.label = "the .sb3 data"
            handle: IO[bytes] = io.BytesIO(bytes(source))
        else:
            self.label = str(source)
            handle = open_regular(source, ".sb3 file")  # a folder, a FIFO or /dev/zero: refused here
        try:
            self._archive = _open_zip(handle, self.label)
            self._entries = {info.filename: info for info in self._archive.infolist()}
            if "project.json" not in self._entries:
                raise Sb3genError(f"{self.label} has no project.json (is it a Scratch 3 project?)")
            raw = self._read(self._entries["project.json"], PROJECT_JSON_READ_LIMIT, "project.json")
            self.project_json_size = len(raw)
            self.project_json = parse_project_json(raw, self.label)
        except BaseException:
            handle.close()
            raise

    def __enter__(self) -> Sb3File:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        self._archive.close()
        fp = self._archive.fp
        if fp is not None:
            fp.close()

    @property
    def asset_names(self) -> list[str]:
        return sorted(n for n in self._entries if n != "project.json" and not n.endswith("/"))

    def asset(self, name: str) -> bytes:
        return self._read(self._entries[name], ASSET_READ_LIMIT, f"asset {name}")

    def asset_sizes(self) -> dict[str, int]:
        """Each asset's real size, streamed and discarded (nothing kept in memory)."""
        return {name: self._read(self._entries[name], ASSET_READ_LIMIT, f"asset {name}", keep=False)
                for name in self.asset_names}

    def check_unpacked_total(self) -> None:
        """All entries together within LIMITS' "sb3 unpacked bytes", from their declared sizes (which bound
        what zipfile reads): for a reader that keeps or re-packs every asset (read_sb3, html's page)."""
        total = sum(info.file_size for info in self._entries.values())
        if total > LIMITS["sb3 unpacked bytes"]:
            raise Sb3genError(f"{self.label}: its entries declare {total:,} bytes in all, over the "
                              f"{LIMITS['sb3 unpacked bytes']:,} sb3gen puts in one project or page")

    def assets(self) -> dict[str, bytes]:
        return {name: self.asset(name) for name in self.asset_names}

    def copy_asset(self, name: str, out: IO[bytes], limit: int = ASSET_READ_LIMIT) -> int:
        """Stream one asset into `out` within `limit`, CHUNK bytes at a time; its size. Errors while
        writing `out` are the caller's (OSError), not reported as a damaged file."""
        info = self._entries[name]
        if info.flag_bits & 0x1 or info.file_size > limit:
            self._read(info, limit, f"asset {name}", keep=False)  # raises the reader's own message
        total = 0
        chunks = self._chunks(info, f"asset {name}")
        for chunk in chunks:
            total += len(chunk)
            if total > limit:
                chunks.close()
                raise Sb3genError(f"{self.label}: asset {name} decompresses to more than {limit:,} bytes")
            out.write(chunk)
        return total

    def _chunks(self, info: zipfile.ZipInfo, what: str):
        try:
            with self._archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    yield chunk
        except ZIP_ERRORS as exc:
            raise Sb3genError(f"{self.label}: {what} cannot be decompressed ({_cause(exc)})") from None

    def _read(self, info: zipfile.ZipInfo, limit: int, what: str, keep: bool = True):
        if info.flag_bits & 0x1:
            raise Sb3genError(f"{self.label}: {what} is encrypted (Scratch projects never are)")
        if info.file_size > limit:
            raise Sb3genError(f"{self.label}: {what} declares {info.file_size:,} bytes, over the "
                              f"{limit:,} this reader accepts")
        parts, total = [], 0
        try:
            with self._archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise Sb3genError(f"{self.label}: {what} decompresses to more than {limit:,} bytes")
                    if keep:
                        parts.append(chunk)
        except Sb3genError:
            raise
        except ZIP_ERRORS as exc:
            raise Sb3genError(f"{self.label}: {what} cannot be decompressed ({_cause(exc)})") from None
        return b"".join(parts) if keep else total


def read_sb3(source: str | os.PathLike | bytes) -> tuple[dict, dict[str, bytes]]:
    """(project.json as a dict, every other entry by name), each within its limit, and all of them together
    within LIMITS' "sb3 unpacked bytes" (checked from the declared sizes, which bound what zipfile reads)."""
    with Sb3File(source) as sb3:
        sb3.check_unpacked_total()
        return sb3.project_json, sb3.assets()


def _open_zip(handle: IO[bytes], label: str) -> zipfile.ZipFile:
    """The zip's directory, after checking from its end record that it is of a sane size."""
    try:
        end = zipfile._EndRecData(handle)  # the end-of-central-directory record, zip64 included
    except (OSError, struct.error, ValueError):
        end = None
    if end is None:
        raise Sb3genError(f"{label} is not an .sb3 (not a zip file)")
    entries, directory = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
    if entries > MAX_ENTRIES or directory > MAX_ENTRIES * 1024:
        raise Sb3genError(f"{label}: the zip declares {entries:,} entries in a {directory:,}-byte directory, "
                          f"more than a Scratch project has (at most {MAX_ENTRIES:,} read)")
    try:
        return zipfile.ZipFile(handle)
    except ZIP_ERRORS as exc:
        raise Sb3genError(f"{label} is not an .sb3 (damaged zip: {_cause(exc)})") from None


def parse_project_json(raw: bytes, label: str) -> dict:
    value = loads_bounded(raw, f"{label}: project.json", MAX_JSON_DEPTH)  # depth scanned before decoding
    check_project_shape(value, label)
    return value



def check_project_shape(project: object, label: str) -> None:
    """The types the Scratch VM's loader needs, so the readers of project.json can rely on them."""
    where = f"{label}: project.json"
    if not isinstance(project, dict) or "targets" not in project:
        raise Sb3genError(f"{where} has no targets (a Scratch 2 project or not a project)")
    _expect(project["targets"], list, f"{where} 'targets'")
    _expect(project.get("monitors", []), list, f"{where} 'monitors'")
    for monitor in project.get("monitors", []):
        _expect(monitor, dict, f"{where} a monitor")
    for number, target in enumerate(project["targets"], start=1):
        _expect(target, dict, f"{where} target {number}")
        name = f"{where} target {number} ({str(target.get('name'))[:40]})"
        _expect(target.get("name", ""), str, f"{name} 'name'")
        for key, kind in (("blocks", dict), ("variables", dict), ("lists", dict), ("broadcasts", dict),
                          ("comments", dict), ("costumes", list), ("sounds", list)):
            _expect(target.get(key, kind()), kind, f"{name} '{key}'")
        for key in ("variables", "lists"):
            for ident, entry in target.get(key, {}).items():
                if not isinstance(entry, list) or len(entry) < 2:
                    raise Sb3genError(f"{name} {key[:-1]} {str(ident)[:40]} is not [name, value]")
                _expect(entry[0], str, f"{name} the name of {key[:-1]} {str(ident)[:40]}")
                if key == "lists" and not isinstance(entry[1], list):
                    raise Sb3genError(f"{name} list {str(ident)[:40]} holds no list of items")
        for ident, broadcast in target.get("broadcasts", {}).items():
            _expect(broadcast, str, f"{name} broadcast {str(ident)[:40]}")
        for ident, block in target.get("blocks", {}).items():
            if not isinstance(block, dict | list):
                raise Sb3genError(f"{name} block {str(ident)[:40]} is {_json_type(block)}, not an object")
        for key in ("costumes", "sounds"):
            for entry in target.get(key, []):
                _expect(entry, dict, f"{name} a {key[:-1]}")


def _expect(value: object, kind: type, what: str) -> None:
    if not isinstance(value, kind):
        raise Sb3genError(f"{what} is {_json_type(value)}, not {_json_type(kind())}")


def _json_type(value: object) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")



def _cause(exc: BaseException) -> str:
    name = "corrupt compressed data" if isinstance(exc, zlib.error) else type(exc).__name__
    return " ".join(f"{name}: {exc}".split())[:200]
