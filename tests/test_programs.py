"""Small programs in the notation (tests/programs/*.sb), compiled and run in the real scratch-vm (and in
TurboWarp, the other runtime the projects target).

Each expected value is what Scratch's own rules give (JS doubles, Scratch's casts and comparisons); all
programs run in one Node process. Every program also round-trips through `show` to the same blocks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sb3gen.scratch import Costume, Project, Sprite, Stage, compile_project, pack_sb3
from sb3gen.scratch.roundtrip import check_roundtrip
from sb3gen.scratch.show import split_shown
from sb3gen.vm import Case, run_many

PROGRAMS_DIR = Path(__file__).parent / "programs"


def svg(colour: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10">'
        f'<rect width="20" height="10" fill="{colour}"/></svg>'
    )


@dataclass
class TargetSpec:
    variables: list[str] = field(default_factory=list)
    lists: dict[str, list] = field(default_factory=dict)
    costumes: list[str] = field(default_factory=list)


@dataclass
class Program:
    stage: TargetSpec
    expected: dict[str, dict[str, Any]]  # target -> variable or list name -> value
    sprites: dict[str, TargetSpec] = field(default_factory=dict)
    actions: list[dict] = field(default_factory=lambda: [{"green_flag": True}])


def near(value: float) -> Any:
    return pytest.approx(value, rel=1e-15)  # V8's Math.log/exp may differ from libm in the last bit


PROGRAMS: dict[str, Program] = {
    "numbers_and_text": Program(
        TargetSpec(["literal", "text"], {"out": []}),
        {
            "Stage": {
                "out": [
                    0.1 + 0.2,
                    1000,
                    5,
                    0,
                    "Infinity",
                    "-Infinity",
                    "NaN",
                    0.001,
                    "12",
                    13,
                    8,
                    1.5e-7 * 2,
                    float(9007199254740993),
                    -0.75,
                ],
                "literal": "0.001",  # a literal keeps its text
                "text": "hello [world] \\ v",
            }
        },
    ),
    "comparisons": Program(
        TargetSpec([], {"out": []}),
        {"Stage": {"out": [True, True, False, False, True, True, True, False, True, 0.1 == 0.3 - 0.2]}},
    ),
    "lists": Program(
        TargetSpec(
            ["n", "i", "j", "k", "has", "it", "last", "oob", "joined", "joined2", "prefilled"],
            {"l": ["old"], "m": [], "given": [1.5, "two", 3]},
        ),
        {
            "Stage": {
                "l": ["A", "X", "c"],
                "n": 3,
                "i": 3,
                "j": 2,
                "k": 0,
                "has": True,
                "it": "X",
                "last": "c",
                "oob": "",
                "joined": "AXc",
                "m": ["hello", "w"],
                "joined2": "hello w",
                "prefilled": "two",
            }
        },
    ),
    "math": Program(
        TargetSpec([], {"out": []}),
        {
            "Stage": {
                "out": [
                    2,
                    -2,
                    1.5,
                    3,
                    -2,
                    -3,
                    -2,
                    2,
                    3,
                    4,
                    near(math.log(math.exp(1))),
                    1,
                    100,
                    near(math.log(1000) / math.log(10)),
                    0.5,
                    0,
                    "-Infinity",
                    4,
                    45,
                    near(math.exp(-1.5)),
                ]
            }
        },
    ),
    "text": Program(
        TargetSpec([], {"out": []}),
        {"Stage": {"out": ["abcdef", "p", "", "", 5, 5, 0, "abx", "xtrue"]}},
    ),
    "custom_blocks": Program(
        TargetSpec(["r"], {"out": []}),
        {"Stage": {"out": [6.5, 3.5, 120, 10.5], "r": 120}},
    ),
    "warp": Program(
        TargetSpec(["c"], {"seen": []}),
        {"Stage": {"seen": [5, 1], "c": 5}},
        actions=[{"broadcast": "warp"}, {"broadcast": "plain"}],
    ),
    "broadcasts": Program(
        TargetSpec(["x"], {"out": []}),
        {"Stage": {"out": [31, 31], "x": 61}},
    ),
    "control": Program(
        TargetSpec(["n", "k", "branch", "branch2", "rep", "after"]),
        {"Stage": {"n": 128, "k": 12, "branch": "yes", "branch2": "no", "rep": 3, "after": "before stop"}},
    ),
    "sprite": Program(
        TargetSpec(["quick", "backdrop"], costumes=["day", "night"]),
        {
            "Stage": {"quick": True, "backdrop": "night"},
            "Cat": {"mine": 2, "px": 15, "ml": ["b", 1], "clicks": 1},
        },
        sprites={"Cat": TargetSpec(["mine", "px", "clicks"], {"ml": []}, costumes=["a", "b"])},
        actions=[{"green_flag": True}, {"click": "Cat"}],
    ),
    "clones": Program(
        TargetSpec(["clones"]),
        {"Stage": {"clones": 3}},
        sprites={"Dot": TargetSpec()},
        actions=[{"green_flag": True}, {"broadcast": "make"}],
    ),
    "mouse": Program(
        TargetSpec(["mx", "my", "down"]),
        {"Stage": {"mx": 30, "my": -40, "down": True}},
        actions=[{"mouse": {"x": 30, "y": -40, "down": True}}, {"broadcast": "look"}],
    ),
}


def _target(target, spec: TargetSpec) -> None:
    target.variables.update({name: 0 for name in spec.variables})
    target.lists.update({name: list(items) for name, items in spec.lists.items()})
    colours = ["#ff0000", "#00aa00", "#0000ff"]
    target.costumes.extend(Costume.svg(name, svg(colours[i % 3])) for i, name in enumerate(spec.costumes))


def build(name: str) -> Project:
    program = PROGRAMS[name]
    text = (PROGRAMS_DIR / f"{name}.sb").read_text(encoding="utf-8")
    by_target = split_shown(text)
    stage = Stage()
    _target(stage, program.stage)
    stage.add_scripts(by_target.pop("Stage"), f"tests/programs/{name}.sb")
    sprites = []
    for sprite_name, spec in program.sprites.items():
        sprite = Sprite(sprite_name)
        _target(sprite, spec)
        sprite.add_scripts(by_target.pop(sprite_name), f"tests/programs/{name}.sb")
        sprites.append(sprite)
    assert not by_target, f"{name}.sb has scripts for undeclared targets {list(by_target)}"
    return Project(stage, sprites)


def strictly_equal(actual: Any, expected: Any) -> bool:
    """Equal and of the same kind: True is not 1, "12" is not 12."""
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(strictly_equal(a, e) for a, e in zip(actual, expected, strict=True))
        )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, str) or isinstance(actual, str):
        return isinstance(actual, str) and isinstance(expected, str) and actual == expected
    return actual == expected


def loosely_equal(actual: Any, expected: Any) -> bool:
    """As strictly_equal, except that text holding a number equals that number (TurboWarp stores `set v to
    (0.001)` as the number 0.001 where scratch-vm keeps the text)."""
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(loosely_equal(a, e) for a, e in zip(actual, expected, strict=True))
        )
    number = (int, float)
    if isinstance(expected, str) and isinstance(actual, number) and not isinstance(actual, bool):
        try:
            return float(expected) == actual
        except ValueError:
            return False
    return strictly_equal(actual, expected)


def run_all(engine: str) -> dict[str, Any]:
    names = sorted(PROGRAMS)
    compiled = {name: compile_project(build(name)) for name in names}
    cases = [Case(pack_sb3(compiled[name]), PROGRAMS[name].actions, max_steps=2000) for name in names]
    results = run_many(cases, engine=engine, return_errors=True)
    return {name: (compiled[name], result) for name, result in zip(names, results, strict=True)}


@pytest.fixture(scope="module")
def runs() -> dict[str, Any]:
    return run_all("scratch-vm")


@pytest.fixture(scope="module")
def turbowarp_runs() -> dict[str, Any]:
    return run_all("turbowarp")


def assert_expected(name: str, result: Any, equal) -> None:
    if isinstance(result, Exception):
        raise result
    for target, expected in PROGRAMS[name].expected.items():
        state = result.targets[target]
        for var, value in expected.items():
            actual = state["lists"][var] if var in state["lists"] else state["variables"][var]
            assert equal(actual, value), f"{name}: {target}.{var} = {actual!r}, Scratch gives {value!r}"


def test_there_are_a_dozen_programs() -> None:
    assert len(PROGRAMS) >= 12
    assert sorted(p.stem for p in PROGRAMS_DIR.glob("*.sb")) == sorted(PROGRAMS)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_computes_scratch_values(name: str, runs: dict[str, Any]) -> None:
    assert_expected(name, runs[name][1], strictly_equal)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_computes_the_same_in_turbowarp(name: str, turbowarp_runs: dict[str, Any]) -> None:
    assert_expected(name, turbowarp_runs[name][1], loosely_equal)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_round_trips_through_show(name: str, runs: dict[str, Any]) -> None:
    compiled, _ = runs[name]
    check_roundtrip(compiled.project_json, compiled.assets)
