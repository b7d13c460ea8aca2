"""Randomly damaged .sb3 files (bytes of the zip, values of project.json) given to `show`, `info` and
`verify`: each ends with exit 0 or 2 (verify also 1: it ran and a check failed) and never a traceback, in a
worker process capped at 1.5 GB of address space."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from conftest import MEMORY_CAP
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sb3gen.scratch import Costume, Project, Sprite, Stage, compile_project, pack_sb3

EXAMPLES = 25

WORKER = f"""
import contextlib, io, json, resource, sys, traceback
resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP}))
from sb3gen.cli import main
for line in sys.stdin:
    args = json.loads(line)
    out, err = io.StringIO(), io.StringIO()
    crash = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as stop:
            code = stop.code
        except BaseException:
            code, crash = None, traceback.format_exc()
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
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.text(max_size=6)
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


@settings(**SETTINGS)
@given(data=st.data(), base=st.sampled_from(sorted(BASES)))
def test_damaged_project_json_never_crashes(worker, tmp_path, data, base) -> None:
    path = tmp_path / "damaged.sb3"
    path.write_bytes(damage_json(BASES[base], data.draw))
    check(worker, path)
