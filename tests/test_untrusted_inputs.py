"""Every bad input of issue 15 ("Why"): one line naming the file and the cause, exit 2, within 1.5 GB of
address space and a minute (each command runs in a capped child process, see conftest.run_capped)."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

GIB = 1 << 30
SMALL_PROJECT = {"targets": [{"isStage": True, "name": "Stage", "variables": {}, "lists": {},
                              "broadcasts": {}, "blocks": {}, "comments": {}, "costumes": [], "sounds": []}],
                 "monitors": [], "extensions": [], "meta": {"semver": "3.0.0"}}


# --- writing zips by hand: sizes, flags and compressed bytes exactly as a hostile file would have them ------

def raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def entry(name: str, data: bytes) -> tuple:
    return name, raw_deflate(data), zlib.crc32(data), len(data), 0


def zeros_bomb(name: str, size: int = 2 * GIB) -> tuple:
    """An entry of `size` zero bytes, honestly declared, about 1/1000 of that compressed: one compressed
    64 MiB segment ended by a full flush (so it does not depend on what came before), repeated."""
    segment_size = 64 << 20
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = c.compress(bytes(segment_size)) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    chunk = bytes(1 << 24)
    for _ in range(size // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty last block
    return name, segment * (size // segment_size) + final, crc, size, 0


def zip_bytes(entries: list[tuple]) -> bytes:
    """entries: (name, compressed, crc, declared size, flag bits); method deflate, no zip64."""
    local, central = bytearray(), bytearray()
    for name, compressed, crc, size, flags in entries:
        encoded = name.encode()
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, 0, 0x21, crc, len(compressed), size,
                             len(encoded), 0) + encoded + compressed
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8, 0, 0x21, crc,
                               len(compressed), size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(local), 0)
    return bytes(local + central + end)


def project_entry(project: object) -> tuple:
    return entry("project.json", json.dumps(project).encode() if not isinstance(project, bytes) else project)


def assert_refused(result, path: Path) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    lines = [line for line in lines if not line.startswith("starting TensorFlow")]
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith("sb3gen ") and ": error: " in lines[0], lines[0]
    assert str(path) in lines[0], lines[0]


# --- .sb3 files for show, info and verify ----------------------------------------------------------------

@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    bomb = zeros_bomb("x")
    files = {
        # project.json that decompresses to 2 GiB, declared honestly: refused from the declared size
        "json bomb": [bomb[:0] + ("project.json",) + bomb[1:]],
        # the same data declaring 1,000 bytes: the stream is cut at the declaration, the CRC then fails
        "json bomb, lying size": [("project.json", bomb[1], bomb[2], 1000, 0)],
        # a valid project with four 2 GiB assets (an 8 MB file)
        "four asset bombs": [project_entry(SMALL_PROJECT)] + [(f"{n}.svg",) + bomb[1:] for n in range(4)],
        "nested 100,000 deep": [project_entry(b'{"targets": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")],
        "corrupt deflate": [("project.json", b"\xff\xff\xff\xff" * 8, 0, 100, 0)],
        "encrypted entry": [project_entry(SMALL_PROJECT)[:4] + (0x1,)],
        "targets a number": [project_entry({"targets": 5})],
        "a target a number": [project_entry({"targets": [5]})],
        "blocks a list": [project_entry({"targets": [{"name": "Stage", "blocks": []}]})],
        "a block a number": [project_entry({"targets": [{"name": "Stage", "blocks": {"a": 5}}]})],
        "a variable a number": [project_entry({"targets": [{"name": "Stage", "variables": {"v": 5}}]})],
        "a list without items": [project_entry({"targets": [{"name": "Stage", "lists": {"l": ["l", 5]}}]})],
        "monitors an object": [project_entry({"targets": [], "monitors": {}})],
        "a list at the top": [project_entry([1, 2])],
        "not UTF-8": [project_entry(b'{"targets": "\xff"}')],
        "NaN": [project_entry(b'{"targets": [], "x": NaN}')],
        "a number too long": [project_entry(b'{"targets": [], "x": ' + b"9" * 5000 + b"}")],
        "not a zip": None,
    }
    paths = {}
    for name, entries in files.items():
        path = folder / (name.replace(" ", "_").replace(",", "") + ".sb3")
        path.write_bytes(zip_bytes(entries) if entries is not None else b"PK\x03\x04 not really")
        paths[name] = path
    return paths


SHOW_READS_NO_ASSETS = {"four asset bombs"}


@pytest.mark.parametrize("case", [
    "json bomb", "json bomb, lying size", "four asset bombs", "nested 100,000 deep", "corrupt deflate",
    "encrypted entry", "targets a number", "a target a number", "blocks a list", "a block a number",
    "a variable a number", "a list without items", "monitors an object", "a list at the top", "not UTF-8",
    "NaN", "a number too long", "not a zip"])
@pytest.mark.parametrize("command", ["show", "info", "verify"])
def test_damaged_sb3_is_one_line_and_exit_2(bombs, run_capped, command, case) -> None:
    path = bombs[case]
    result = run_capped(command, str(path))
    if command == "show" and case in SHOW_READS_NO_ASSETS:
        assert result.returncode == 0 and result.stderr == ""  # show needs no assets: it never opens them
        return
    assert_refused(result, path)


def test_the_bombs_are_what_they_claim(bombs) -> None:
    import zipfile

    with zipfile.ZipFile(bombs["four asset bombs"]) as archive:
        sizes = [info.file_size for info in archive.infolist()]
    assert bombs["four asset bombs"].stat().st_size < 10 * 1024 * 1024
    assert sizes[1:] == [2 * GIB] * 4
    decompressor = zlib.decompressobj(-15)
    data = zip_bytes([zeros_bomb("x", 256 << 20)])
    start = 30 + 1
    out = decompressor.decompress(data[start:start + 300_000], 1 << 20)
    assert out == bytes(len(out)) and len(out) == 1 << 20


# --- show renders deep scripts and stops cycles -----------------------------------------------------------

def nested_joins(depth: int) -> dict:
    blocks = {"top": {"opcode": "looks_say", "next": None, "parent": None, "topLevel": True, "shadow": False,
                      "inputs": {"MESSAGE": [3, "j1", [10, ""]]}, "fields": {}, "x": 0, "y": 0}}
    for k in range(1, depth + 1):
        inner = [3, f"j{k + 1}", [10, "a"]] if k < depth else [1, [10, "end"]]
        blocks[f"j{k}"] = {"opcode": "operator_join", "next": None,
                           "parent": "top" if k == 1 else f"j{k - 1}", "topLevel": False, "shadow": False,
                           "fields": {},
                           "inputs": {"STRING1": [1, [10, "x"]], "STRING2": inner}}
    return blocks


def nested_ifs(depth: int) -> dict:
    blocks = {}
    for k in range(depth):
        blocks[f"i{k}"] = {"opcode": "control_forever", "next": None, "parent": f"i{k - 1}" if k else None,
                           "topLevel": k == 0, "shadow": False, "fields": {}, "x": 0, "y": 0,
                           "inputs": {"SUBSTACK": [2, f"i{k + 1}"]} if k + 1 < depth else {}}
    return blocks


def project_with(blocks: dict) -> dict:
    project = json.loads(json.dumps(SMALL_PROJECT))
    project["targets"][0]["blocks"] = blocks
    return project


@pytest.mark.parametrize("depth", [250, 5000])
def test_show_prints_joins_nested_thousands_deep(tmp_path, run_capped, depth) -> None:
    path = tmp_path / "joins.sb3"
    path.write_bytes(zip_bytes([project_entry(project_with(nested_joins(depth)))]))
    result = run_capped("show", str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("say"))
    assert line.count("(join [x] ") == depth and line.endswith("[end]" + ")" * depth)


def test_show_prints_c_blocks_nested_3000_deep(tmp_path, run_capped) -> None:
    path = tmp_path / "ifs.sb3"
    path.write_bytes(zip_bytes([project_entry(project_with(nested_ifs(3000)))]))
    result = run_capped("show", str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert sum(line.strip() == "forever" or line.endswith("] forever") for line in lines) == 3000
    # past MAX_INDENT levels the depth is a marker, not more spaces: the text grows linearly with the depth
    assert lines[0] == "// === Stage ===" and lines[-1] == "end"
    assert lines[24] == "  " * 23 + "forever" and lines[25] == "  " * 24 + "forever"
    assert lines[3000] == "  " * 24 + "[depth 2999] forever"
    assert len(result.stdout) < 200 * 3000


def test_show_stops_a_cycle_with_a_clear_note(tmp_path, run_capped) -> None:
    blocks = nested_joins(3)
    blocks["j3"]["inputs"]["STRING2"] = [3, "j1", [10, "a"]]  # j1 -> j2 -> j3 -> j1
    blocks["top"]["next"] = "loop"
    blocks["loop"] = {"opcode": "control_forever", "next": None, "parent": "top", "topLevel": False,
                      "shadow": False, "fields": {}, "inputs": {"SUBSTACK": [2, "loop"]}}  # holds itself
    path = tmp_path / "cycle.sb3"
    path.write_bytes(zip_bytes([project_entry(project_with(blocks))]))
    result = run_capped("show", str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "(cycle: block j1 inside itself :: unknown)" in result.stdout
    assert "// cycle: block loop comes again inside itself" in result.stdout


# --- verify: a project whose parts disagree is refused before the VM runs ----------------------------------

def network_sb3(tmp_path: Path, change) -> Path:
    from sb3gen.project import build_network_project
    from sb3gen.scratch import compile_project

    sizes = [196, 8, 10]
    weights = np.random.default_rng(0).uniform(-0.1, 0.1, 197 * 8 + 9 * 10)
    images, labels = np.zeros((3, 196), dtype=np.int64), np.arange(3)
    compiled = compile_project(build_network_project(sizes, "sigmoid", weights, images, labels, images,
                                                     labels, math="native"))
    project = compiled.project_json
    lists = {entry[0]: entry for entry in project["targets"][0]["lists"].values()}
    change(lists)
    path = tmp_path / "network.sb3"
    path.write_bytes(zip_bytes([project_entry(project)]
                               + [entry(name, data) for name, data in compiled.assets.items()]))
    return path


@pytest.mark.parametrize("change, cause", [
    (lambda lists: lists["layer sizes"].__setitem__(1, [196, 16, 10]), "need 3,322"),
    (lambda lists: lists["weights"].__setitem__(1, lists["weights"][1][:-1]), "'weights' has 1,665 items"),
    (lambda lists: lists["test labels"].__setitem__(1, [0, 1]), "3 test images but 2 test labels"),
    (lambda lists: lists["train labels"].__setitem__(1, [0, 12, 3]), "values other than the digits 0-9"),
    (lambda lists: lists["layer sizes"].__setitem__(1, [196, -5, 10]), "positive"),
])
def test_verify_refuses_parts_that_disagree_before_the_vm_runs(tmp_path, run_capped, change, cause) -> None:
    path = network_sb3(tmp_path, change)
    result = run_capped("verify", str(path))
    assert_refused(result, path)
    assert cause in result.stderr and "verifying" not in result.stdout


# --- --data files for build and train ----------------------------------------------------------------------

def npz_with(tmp_path: Path, name: str, members: dict[str, bytes]) -> Path:
    path = tmp_path / name
    path.write_bytes(zip_bytes([entry(f"{key}.npy", data) for key, data in members.items()]))
    return path


def npy(array: np.ndarray, shape: tuple | None = None) -> bytes:
    import io

    buffer = io.BytesIO()
    header = {"descr": array.dtype.str, "fortran_order": False, "shape": shape or array.shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + array.tobytes()


@pytest.mark.parametrize("command", ["build", "train"])
@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_damaged_data_files_are_one_line_and_exit_2(tmp_path, run_capped, command) -> None:
    x, y = np.zeros((10, 28, 28), np.uint8), np.zeros(10, np.uint8)
    good = {"x_train": npy(x), "y_train": npy(y), "x_test": npy(x), "y_test": npy(y)}
    corrupt = tmp_path / "corrupt.npz"
    members = [entry(f"{k}.npy", v) for k, v in good.items()]
    members[0] = (members[0][0], b"\xff" * 64) + members[0][2:]  # x_train's deflate data is garbage
    corrupt.write_bytes(zip_bytes(members))
    huge = npz_with(tmp_path, "huge.npz", {**good, "x_train": npy(x, (10**9, 28, 28))})  # 10^9 images
    truncated = npz_with(tmp_path, "short.npz", {**good, "x_train": npy(x, (20, 28, 28))})
    gz = tmp_path / "train-images-idx3-ubyte.gz"
    gz.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 30)  # a gzip header, then nothing valid
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(b"")
    for path in (corrupt, huge, truncated, gz):
        out = (["-o", str(tmp_path / "out" / "mnist.sb3")] if command == "build"
               else ["--out", str(tmp_path / "out")])
        result = run_capped(command, "--data", str(path), *out)
        assert_refused(result, path)
        assert not (tmp_path / "out").exists()  # the folder it would have created is gone again


# --- outputs that cannot be written ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def network_json(tmp_path_factory) -> Path:
    from sb3gen.ml.network import Network

    path = tmp_path_factory.mktemp("net") / "network.json"
    Network([196, 8, 10], "sigmoid", np.zeros(197 * 8 + 9 * 10)).save(path)
    return path


def test_export_weights_refuses_folders_and_unwritable_places(tmp_path, run_capped, network_json) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    for target, cause in ((tmp_path, "is a folder"), (blocker / "w.txt", "cannot write to"),
                          (Path("/dev/null"), "not a regular file")):
        result = run_capped("export-weights", "--network", str(network_json), "-o", str(target))
        assert_refused(result, target if cause != "cannot write to" else blocker)
        assert cause in result.stderr
    assert blocker.read_text() == "x" and sorted(p.name for p in tmp_path.iterdir()) == ["a file"]


def test_train_refuses_an_unwritable_out_before_training(tmp_path, run_capped) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    for out in (blocker, blocker / "sub"):
        result = run_capped("train", "--out", str(out), "--epochs", "1")
        assert_refused(result, blocker)
        assert "cannot write to" in result.stderr and "training" not in result.stdout


def test_build_refuses_a_device_as_output(run_capped) -> None:
    result = run_capped("build", "-o", "/dev/null")
    assert_refused(result, Path("/dev/null"))
    assert Path("/dev/null").is_char_device()
