"""Randomly damaged .sb3 files (bytes of the zip, values of project.json) given to `show`, `info` and
`verify`: each ends with exit 0 or 2 (verify also 1: it ran and a check failed) and never a traceback, in a
worker process capped at 1.5 GB of address space and a minute per command.

Issue 21 adds the other hostile inputs, each class drawn by hypothesis: pictures (declared sizes from 1 to
2^31 - 1, thin strips, truncated or real pixel data) for `predict`; network files (any value anywhere,
nesting, huge numbers) for `predict` and `export-weights`; data files for `build`; output paths that are an
input, a hard link to one, a folder, a device, a FIFO, a hidden or side-file name. Every command ends with
one line and exit 2, or exit 0, and leaves its inputs as they were."""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from conftest import MEMORY_CAP, TIME_CAP
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sb3gen.progress import PHASE_LINE
from sb3gen.scratch import Costume, Project, Sprite, Stage, compile_project, pack_sb3

EXAMPLES = 25

WORKER = f"""
import contextlib, io, json, resource, signal, sys, traceback
resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP}))
from sb3gen.cli import main
for line in sys.stdin:
    args = json.loads(line)
    out, err = io.StringIO(), io.StringIO()
    crash = None
    signal.alarm({TIME_CAP})  # a command that hangs kills the worker: the test then fails
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as stop:
            code = stop.code
        except BaseException:
            code, crash = None, traceback.format_exc()
    signal.alarm(0)
    print(json.dumps({{"code": code, "err": err.getvalue()[-3000:], "crash": crash}}), flush=True)
"""


@pytest.fixture(scope="module")
def worker():
    process = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)

    def run(*args: str) -> dict:
        process.stdin.write(json.dumps(list(args)) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        assert line, "the worker died (over the memory cap?)"
        return json.loads(line)

    yield run
    process.stdin.close()
    process.wait(timeout=30)


def small_project() -> bytes:
    stage = Stage(variables={"g": 0}, lists={"l": [1, "two"]})
    stage.costumes.append(Costume.svg("b1", '<svg width="4" height="4"></svg>'))
    stage.add_scripts("when green flag clicked\nbroadcast [go v]\n", "stage.sb")
    sprite = Sprite("S", variables={"v": 0.5}, lists={"sl": []})
    sprite.costumes.append(Costume.svg("c1", '<svg width="2" height="4"></svg>'))
    sprite.add_scripts(
        "when I receive [go v]\nrepeat (3)\n  change [v v] by (join (1) (item (1) of [sl v]))\nend\n"
        "helper (v) and <(1) = (2)>\n\ndefine helper (a) and <b flag> // note\nif <b flag> then\n"
        "  say (a)\nelse\n  add (a) to [sl v]\nend\n", "sprite.sb")
    return pack_sb3(compile_project(Project(stage, [sprite])))


def network_project() -> bytes:
    """A tiny network project (what verify reads), without the UI sprites to keep each example quick."""
    from sb3gen.project import build_network_project

    weights = np.random.default_rng(0).uniform(-0.1, 0.1, 197 * 4 + 5 * 10)
    images, labels = (np.arange(2 * 196).reshape(2, 196) % 3 == 0).astype(np.int64), np.array([1, 7])
    project = build_network_project([196, 4, 10], "relu", weights, images, labels, images, labels,
                                    math="native")
    project.sprites = [s for s in project.sprites if s.name == "Network"]
    return pack_sb3(compile_project(project))


BASES = {"small": small_project(), "network": network_project()}
# text with control characters and lone surrogates too: a name printed by show or info must not break the
# terminal or the UTF-8 encoder (json.dumps writes them as \u escapes, as a hostile file would)
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=6) | st.sampled_from(
    ["\ud800", "\x1b[2J", "\u202e", "a\x00b"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | ANY_TEXT
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
SETTINGS = dict(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                phases=[Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def damage_bytes(data: bytes, draw) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        if kind == "flip" and out:
            out[at] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del out[at:]
        elif kind == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif out:
            del out[at:at + draw(st.integers(1, 64))]
    return bytes(out)


def damage_json(sb3: bytes, draw) -> bytes:
    with zipfile.ZipFile(io.BytesIO(sb3)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    project = json.loads(entries["project.json"])
    for _ in range(draw(st.integers(1, 4))):
        parent, key = None, None
        node = project
        for step in range(draw(st.integers(0, 8))):  # walk a random path from the top, mostly into targets
            children = list(node) if isinstance(node, dict) else \
                range(len(node)) if isinstance(node, list) else []
            if step == 0 and isinstance(node, dict) and "targets" in node:
                children = ["targets"] * 6 + children
            if not children:
                break
            parent, key = node, draw(st.sampled_from(sorted(children, key=str) if step else children))
            node = node[key]
        if parent is None:
            project = draw(JSON_VALUES)
            break
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = draw(JSON_VALUES)
    entries["project.json"] = json.dumps(project).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def check(worker, path, commands=("show", "info", "verify")) -> None:
    for command in commands:
        result = worker(command, str(path))
        assert result["crash"] is None, f"{command}: {result['crash']}"
        allowed = (0, 1, 2) if command == "verify" else (0, 2)
        assert result["code"] in allowed, f"{command}: exit {result['code']}: {result['err']}"
        if result["code"] == 2:
            lines = [line for line in result["err"].strip().splitlines()
                     if not line.startswith("starting TensorFlow")]
            assert len(lines) == 1 and "Traceback" not in result["err"], result["err"]


@settings(**SETTINGS)
@given(data=st.data(), base=st.sampled_from(sorted(BASES)))
def test_damaged_zip_bytes_never_crash(worker, tmp_path, data, base) -> None:
    path = tmp_path / "damaged.sb3"
    path.write_bytes(damage_bytes(BASES[base], data.draw))
    check(worker, path)


@pytest.mark.slow
@settings(**SETTINGS)
@given(data=st.data(), base=st.sampled_from(sorted(BASES)))
def test_damaged_project_json_never_crashes(worker, tmp_path, data, base) -> None:
    path = tmp_path / "damaged.sb3"
    path.write_bytes(damage_json(BASES[base], data.draw))
    check(worker, path)


# --- issue 21: every class of hostile input, every command that reads it ------------------------------------

HOSTILE = dict(SETTINGS, max_examples=25)
NOISE = re.compile(r"starting TensorFlow|WARNING: All log messages before absl|[IWEF]\d{4} ")


def one_line_or_success(result: dict, command: str) -> None:
    assert result["crash"] is None, f"{command}: {result['crash']}"
    assert result["code"] in (0, 2), f"{command}: exit {result['code']}: {result['err']}"
    if result["code"] == 2:
        lines = [line for line in result["err"].strip().splitlines()
                 if not NOISE.match(line) and not PHASE_LINE.match(line)]
        assert len(lines) == 1 and "Traceback" not in result["err"], result["err"]


def png_bytes(width: int, height: int, colour: int, pixels: bytes) -> bytes:
    """A PNG whose header declares width x height, whatever its (zlib-compressed) pixel data holds."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels))
            + chunk(b"IEND", b""))


@st.composite
def pictures(draw) -> bytes:
    side = st.one_of(st.integers(1, 300), st.integers(1, 2**31 - 1), st.sampled_from([1, 2, 100_000]))
    width, height = draw(side), draw(side)
    colour = draw(st.sampled_from([0, 2, 6]))  # gray, RGB, RGBA
    channels = {0: 1, 2: 3, 6: 4}[colour]
    size = (width * channels + 1) * height
    if size <= 300_000 and draw(st.booleans()):  # whole rows: a real picture, noise or blank
        fill = draw(st.sampled_from(["noise", "blank"]))
        rng = np.random.default_rng(draw(st.integers(0, 1000)))
        rows = rng.integers(0, 256, size, dtype=np.uint8) if fill == "noise" else np.zeros(size, np.uint8)
        rows[:: width * channels + 1] = 0  # each row's filter byte: none
        return png_bytes(width, height, colour, rows.tobytes())
    return png_bytes(width, height, colour, draw(st.binary(max_size=64)))  # truncated data


@pytest.fixture(scope="module")
def network_file(tmp_path_factory):
    from sb3gen.ml.network import Network

    path = tmp_path_factory.mktemp("hostile") / "network.json"
    Network([196, 4, 10], "relu", np.random.default_rng(0).uniform(-0.1, 0.1, 197 * 4 + 5 * 10)).save(path)
    return path


@settings(**HOSTILE)
@given(picture=pictures(), raw=st.booleans())
def test_hostile_pictures_are_refused_or_classified(worker, tmp_path, network_file, picture, raw) -> None:
    path = tmp_path / "digit.png"
    path.write_bytes(picture)
    result = worker("predict", str(path), "--network", str(network_file), *(["--raw"] if raw else []))
    one_line_or_success(result, "predict")
    assert path.read_bytes() == picture


def damage_network(text: str, draw) -> bytes:
    kind = draw(st.sampled_from(["value", "value", "nesting", "number"]))
    if kind == "nesting":
        depth = draw(st.integers(60, 100_000))
        return b"[" * depth + b"]" * depth
    if kind == "number":
        return text.replace('"layer_sizes": [', f'"layer_sizes": [{draw(st.sampled_from(NUMBERS))}, ', 1
                            ).encode()
    data = json.loads(text)
    node, key = data, None
    for _ in range(draw(st.integers(1, 3))):  # a random path into the file, then any value there
        children = sorted(node) if isinstance(node, dict) else list(range(len(node))) if \
            isinstance(node, list) else []
        if not children:
            break
        parent, key = node, draw(st.sampled_from(children[:50]))
        node = node[key]
    if key is not None:
        parent[key] = draw(JSON_VALUES)
    return json.dumps(data).encode()


NUMBERS = ["1e400", "1e8", "-3", "4.5", "true", "null", '"196"', "9" * 5000, "100000000"]


@settings(**HOSTILE)
@given(data=st.data())
def test_hostile_network_files_are_refused_or_used(worker, tmp_path, network_file, data) -> None:
    path = tmp_path / "network.json"
    damaged = damage_network(network_file.read_text(), data.draw)
    path.write_bytes(damaged)
    picture = tmp_path / "seven.png"
    picture.write_bytes(png_bytes(28, 28, 0, bytes(([0] + [0] * 10 + [255] * 8 + [0] * 10) * 28)))
    for command, args in (("export-weights", ["-o", str(tmp_path / "out" / "w.txt")]),
                          ("predict", [str(picture)])):
        one_line_or_success(worker(command, "--network", str(path), *args), command)
    assert path.read_bytes() == damaged


@st.composite
def data_files(draw) -> tuple[str, bytes]:
    import gzip

    name = draw(st.sampled_from(["digits.csv", "digits.csv.gz", "mnist.npz", "train-images-idx3-ubyte.gz"]))
    kind = draw(st.sampled_from(["bytes", "rows", "bomb"]))
    if kind == "bytes":
        body = draw(st.binary(max_size=200))
    elif kind == "rows":  # CSV rows of any length and values
        row = ",".join(str(v) for v in draw(st.lists(st.integers(-300, 300), min_size=1, max_size=800)))
        body = ((row + "\n") * draw(st.integers(1, 5))).encode()
    else:
        body = b"0," * (draw(st.integers(17, 40)) << 20)  # 34-80 MB of text, a few hundred KB gzipped
    return name, gzip.compress(body, 1) if name.endswith(".gz") or kind == "bomb" else body


@settings(**dict(HOSTILE, max_examples=10))
@given(data=data_files())
def test_hostile_data_files_are_refused(worker, tmp_path, network_file, data) -> None:
    name, body = data
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = folder / name
    path.write_bytes(body)
    out = folder / "out"
    result = worker("build", "--data", str(path), "--network", str(network_file), "-o", str(out / "m.sb3"))
    one_line_or_success(result, "build")
    assert path.read_bytes() == body
    if result["code"] == 2:
        assert not out.exists()


OUTPUT_KINDS = ["the input", "a hard link to the input", "a folder", "/dev/null", "a FIFO", "a hidden name",
                "a side file's name", "under a file"]


@settings(**dict(HOSTILE, max_examples=40))
@given(command=st.sampled_from(["html", "export-weights", "build"]), kind=st.sampled_from(OUTPUT_KINDS))
def test_hostile_output_paths_replace_nothing(worker, tmp_path, network_file, command, kind) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # tmp_path is shared by the examples
    # html's side-file case: a project named .html, whose default page (no -o) is the project itself
    html_default = command == "html" and kind == "a side file's name"
    source = folder / ("project.html" if html_default else "project.sb3" if command == "html" else
                       "network.json")
    source.write_bytes(BASES["small"] if command == "html" else network_file.read_bytes())
    output = {"the input": source, "a hard link to the input": folder / "link.out", "a folder": folder,
              "/dev/null": Path("/dev/null"), "a FIFO": folder / "pipe", "a hidden name": folder / ".out",
              "a side file's name": folder / "network.json", "under a file": source / "x"}[kind]
    if kind == "a hard link to the input":
        os.link(source, output)
    if kind == "a FIFO":
        os.mkfifo(output)
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    reads = ["--network", str(source)] if command != "html" else [str(source)]
    result = worker(command, *reads, *([] if html_default else ["-o", str(output)]))
    assert result["code"] == 2, f"{command} -o {kind}: {result['err']}"
    one_line_or_success(result, command)
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert {name: data for name, data in after.items() if name in before} == before
    assert not any(p.name.startswith(".sb3gen-writing-") for p in folder.iterdir())
