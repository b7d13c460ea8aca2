"""Compiler output: determinism, the structural checker, limits, .sb3 files, show and info."""

from __future__ import annotations

import copy
import io
import json
import os
import re
import zipfile
from pathlib import Path

import pytest

from sb3gen.errors import Sb3genError
from sb3gen.scratch import (
    CompilerBug,
    LimitError,
    Monitor,
    Project,
    Sprite,
    Stage,
    check_project,
    compile_project,
    pack_sb3,
    read_sb3,
    show_project,
    write_sb3,
)
from sb3gen.scratch.info import project_info

SCRIPT = """when green flag clicked
set [total v] to (0)
repeat (length of [xs v])
  change [total v] by (item (1) of [xs v])
end
work (3) <(total) > (1)>

define work (n) <big> :: warp // the work
if <big> then
  add ((n) * (0.5)) to [xs v]
end
"""


def small_project() -> Project:
    stage = Stage(variables={"total": 0}, lists={"xs": [0.1, 2, "three", 1e-300]})
    stage.add_scripts(SCRIPT, "small.sb")
    sprite = Sprite("Cat", variables={"mine": 0.5}, lists={"ml": [1]})
    sprite.add_scripts("when I receive [go v]\nset [mine v] to (total)\nbroadcast [done v]", "cat.sb")
    return Project(
        stage, [sprite], [Monitor("Stage", "total", x=5, y=5), Monitor("Cat", "ml", "list", "list")]
    )


def test_two_compiles_give_identical_bytes() -> None:
    first = pack_sb3(compile_project(small_project()))
    second = pack_sb3(compile_project(small_project()))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_list_values_keep_python_floats_exactly() -> None:
    project_json, _ = read_sb3(pack_sb3(compile_project(small_project())))
    xs = next(iter(project_json["targets"][0]["lists"].values()))
    assert xs == ["xs", [0.1, 2, "three", 1e-300]]


def test_assets_are_named_by_md5_and_monitors_point_at_variables() -> None:
    compiled = compile_project(small_project())
    import hashlib

    for name, data in compiled.assets.items():
        assert name == f"{hashlib.md5(data).hexdigest()}.svg"
    monitors = compiled.project_json["monitors"]
    stage, cat = compiled.project_json["targets"]
    assert monitors[0]["id"] in stage["variables"] and monitors[0]["spriteName"] is None
    assert monitors[1]["id"] in cat["lists"] and monitors[1]["spriteName"] == "Cat"
    assert stage["broadcasts"] and sorted(stage["broadcasts"].values()) == ["done", "go"]


def corrupt(mutate) -> dict:
    project_json = copy.deepcopy(compile_project(small_project()).project_json)
    mutate(project_json)
    return project_json


def stage_blocks(project_json: dict) -> dict:
    return project_json["targets"][0]["blocks"]


def find(blocks: dict, opcode: str) -> tuple[str, dict]:
    return next((k, b) for k, b in blocks.items() if b["opcode"] == opcode)


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda pj: find(stage_blocks(pj), "data_setvariableto")[1].update(next="nowhere"), "next nowhere"),
        (lambda pj: find(stage_blocks(pj), "control_repeat")[1].update(parent=None), "not top-level"),
        (
            lambda pj: find(stage_blocks(pj), "data_setvariableto")[1].update(opcode="data_setvar"),
            "not in the op",
        ),
        (
            lambda pj: find(stage_blocks(pj), "data_setvariableto")[1]["fields"]["VARIABLE"].__setitem__(
                1, "x"
            ),
            "variable id x",
        ),
        (
            lambda pj: find(stage_blocks(pj), "procedures_call")[1]["mutation"].update(proccode="wrk %s %b"),
            "matches no definition",
        ),
        (
            lambda pj: find(stage_blocks(pj), "procedures_call")[1]["mutation"].update(
                argumentids='["a","b"]'
            ),
            "argumentids unlike",
        ),
        (
            lambda pj: find(stage_blocks(pj), "procedures_prototype")[1]["mutation"].pop("argumentnames"),
            "mutation incomplete",
        ),
        (lambda pj: find(stage_blocks(pj), "event_whenflagclicked")[1].pop("x"), "needs x and y"),
        (lambda pj: pj["targets"][0]["broadcasts"].clear(), "broadcast id"),
        (lambda pj: pj["targets"][0]["comments"].clear(), "comment"),
    ],
)
def test_checker_finds_broken_links(mutate, problem: str) -> None:
    check_project(corrupt(lambda pj: None))  # the intact project passes
    with pytest.raises(CompilerBug, match=problem):
        check_project(corrupt(mutate))


def test_checker_rejects_argument_reporter_outside_its_definition() -> None:
    def move_argument(pj: dict) -> None:
        blocks = stage_blocks(pj)
        arg_id, arg = next(
            (k, b)
            for k, b in blocks.items()
            if b["opcode"] == "argument_reporter_string_number" and not b["shadow"]
        )
        set_id, set_block = find(blocks, "data_setvariableto")
        old_parent = blocks[arg["parent"]]
        for name, value in old_parent["inputs"].items():
            if value[1] == arg_id:
                old_parent["inputs"][name] = [1, [4, "1"]]
        set_block["inputs"]["VALUE"] = [3, arg_id, [10, ""]]
        arg["parent"] = set_id

    with pytest.raises(CompilerBug, match=r"argument reporter \(n\) used outside"):
        check_project(corrupt(move_argument))


def test_oversized_list_fails_naming_the_list() -> None:
    stage = Stage(lists={"pixels": [1] * 200_001, "ok": [1] * 10})
    with pytest.raises(
        LimitError,
        match=r"list 'pixels' of Stage has 200,001 items, the limit is 200,000: "
        r"remove 1 items",
    ):
        pack_sb3(compile_project(Project(stage)))


def test_oversized_project_json_names_the_biggest_list() -> None:
    stage = Stage(lists={"big": ["x" * 100] * 60_000})
    with pytest.raises(
        LimitError,
        match=r"project.json is 6,\d{3},\d{3} bytes, the limit is 5,000,000: shrink it "
        r"by .* \(largest lists: 'big' of Stage",
    ):
        pack_sb3(compile_project(Project(stage)))


def test_values_json_cannot_hold_are_refused() -> None:
    with pytest.raises(Sb3genError, match="inf cannot be stored"):
        compile_project(Project(Stage(lists={"t": [float("-inf")]})))


def test_write_is_atomic_and_errors_are_clear(tmp_path) -> None:
    data = pack_sb3(compile_project(small_project()))
    target = tmp_path / "out" / "a.sb3"
    write_sb3(target, data)
    assert target.read_bytes() == data
    assert os.listdir(target.parent) == ["a.sb3"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(Sb3genError, match="cannot write"):
        write_sb3(tmp_path / "file" / "a.sb3", data)


def test_read_sb3_errors(tmp_path) -> None:
    with pytest.raises(Sb3genError, match="not a zip"):
        read_sb3(b"hello")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("other.json", "{}")
    with pytest.raises(Sb3genError, match="no project.json"):
        read_sb3(buffer.getvalue())
    with pytest.raises(Sb3genError, match="cannot read"):
        read_sb3(tmp_path / "missing.sb3")


def test_show_prints_any_project_including_unknown_blocks(build_sb3, target) -> None:
    blocks = {
        "a": {
            "opcode": "event_whenflagclicked",
            "next": "b",
            "parent": None,
            "inputs": {},
            "fields": {},
            "shadow": False,
            "topLevel": True,
            "x": 0,
            "y": 0,
        },
        "b": {
            "opcode": "music_playDrumForBeats",
            "next": "c",
            "parent": "a",
            "inputs": {"BEATS": [1, [4, "0.25"]]},
            "fields": {},
            "shadow": False,
            "topLevel": False,
        },
        "c": {
            "opcode": "looks_say",
            "next": None,
            "parent": "b",
            "inputs": {"MESSAGE": [3, "d", [10, "x"]]},
            "fields": {},
            "shadow": False,
            "topLevel": False,
        },
        "d": {
            "opcode": "sensing_of",
            "next": None,
            "parent": "c",
            "inputs": {},
            "fields": {"PROPERTY": ["x", None]},
            "shadow": False,
            "topLevel": False,
        },
        "v": [12, "score", "vid", 10, 10],
    }
    sb3 = build_sb3([target("Stage", variables={"vid": ["score", 0]}), target("Cat", blocks=blocks, layer=1)])
    project_json, _ = read_sb3(sb3)
    text = show_project(project_json)
    assert "// === Sprite: Cat ===" in text
    assert "music_playDrumForBeats BEATS (0.25) :: unknown" in text
    assert "say (sensing_of PROPERTY [x v] :: unknown)" in text
    assert "// loose reporter: (score)" in text


def test_info_reports_sizes_against_limits() -> None:
    compiled = compile_project(small_project())
    report = project_info(compiled.project_json, compiled.assets)
    assert "of 5,000,000" in report
    assert re.search(r"\n  Stage/xs +4 items of 200,000 +0\.0%", report)
    assert "Stage: " in report and "Cat: 3 blocks in 1 scripts" in report


def test_cli_show_and_info(tmp_path, capsys) -> None:
    import argparse

    from sb3gen.scratch import info_cli, show_cli

    path = tmp_path / "p.sb3"
    write_sb3(path, pack_sb3(compile_project(small_project())))
    for module, argv in ((show_cli, [str(path)]), (info_cli, [str(path)])):
        parser = argparse.ArgumentParser()
        module.add_arguments(parser)
        assert module.run(parser.parse_args(argv)) == 0
    out = capsys.readouterr().out
    assert "define work (n) <big> :: warp // the work" in out
    assert "project.json" in out and "blocks in" in out
    parser = argparse.ArgumentParser()
    show_cli.add_arguments(parser)
    with pytest.raises(Sb3genError, match="no target 'Dog'"):
        show_cli.run(parser.parse_args([str(path), "--target", "Dog"]))


def test_project_json_is_compact_and_stable() -> None:
    compiled = compile_project(small_project())
    with zipfile.ZipFile(io.BytesIO(pack_sb3(compiled))) as archive:
        text = archive.read("project.json").decode()
    assert text == json.dumps(compiled.project_json, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda pj: find(stage_blocks(pj), "data_addtolist")[1]["inputs"].update(ITEM=[1, [10, "0.5"]]),
        lambda pj: find(stage_blocks(pj), "procedures_prototype")[1]["mutation"].update(warp="false"),
        lambda pj: next(iter(pj["targets"][0]["comments"].values())).update(text="other"),
        lambda pj: find(stage_blocks(pj), "data_changevariableby")[1].update(opcode="data_setvariableto"),
    ],
)
def test_normalized_trees_see_every_difference(mutate) -> None:
    from sb3gen.scratch.roundtrip import normalized_scripts

    assert normalized_scripts(corrupt(lambda pj: None)) == normalized_scripts(corrupt(lambda pj: None))
    assert normalized_scripts(corrupt(mutate)) != normalized_scripts(corrupt(lambda pj: None))


def test_bytes_do_not_depend_on_the_process(tmp_path) -> None:
    """Same input, separate interpreters with different hash seeds: identical .sb3 bytes."""
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, 'tests'); from test_compiler import small_project; "
        "from sb3gen.scratch import compile_project, pack_sb3; "
        "sys.stdout.buffer.write(pack_sb3(compile_project(small_project())))"
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout
        for seed in ("1", "2")
    ]
    assert outputs[0] == outputs[1] == pack_sb3(compile_project(small_project()))
