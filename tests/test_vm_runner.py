"""The runner against the real scratch-vm and TurboWarp, with projects whose blocks are written by hand."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import replace
from io import BytesIO
from typing import Any

import pytest

from sb3gen.vm import Case, RunResult, VMError, node_process, run_many, run_project


class Blocks:
    """Hand-made block dicts: `add` one block, `stack` links blocks into a script (hat first)."""

    def __init__(self) -> None:
        self.blocks: dict[str, dict[str, Any]] = {}

    def add(self, opcode: str, inputs: dict[str, list] | None = None, fields: dict | None = None) -> str:
        block_id = f"b{len(self.blocks)}"
        self.blocks[block_id] = {
            "opcode": opcode,
            "next": None,
            "parent": None,
            "inputs": inputs or {},
            "fields": fields or {},
            "shadow": False,
            "topLevel": False,
        }
        for value in (inputs or {}).values():
            if isinstance(value[1], str):  # a block in the slot: [2, id] or [3, id, shadow]
                self.blocks[value[1]]["parent"] = block_id
        return block_id

    def stack(self, *ids: str) -> str:
        first = self.blocks[ids[0]]
        if first["parent"] is None:
            first.update(topLevel=True, x=0, y=100 * len(self.blocks))
        for above, below in zip(ids, ids[1:], strict=False):
            self.blocks[above]["next"] = below
            self.blocks[below]["parent"] = above
        return ids[0]

    # Shorthands for the blocks the tests use.
    def set_var(self, var: tuple[str, str], value: list) -> str:
        return self.add("data_setvariableto", {"VALUE": value}, {"VARIABLE": list(var)})

    def change_var(self, var: tuple[str, str], value: list) -> str:
        return self.add("data_changevariableby", {"VALUE": value}, {"VARIABLE": list(var)})


def num(value: float) -> list:
    return [1, [4, str(value)]]


def over(block_id: str, shadow: list) -> list:
    return [3, block_id, shadow]


X, TOTAL, COUNTER, CLICKS, N = ("x", "vx"), ("total", "vt"), ("i", "vi"), ("clicks", "vc"), ("n", "vn")
MX, MY = ("mx", "vmx"), ("my", "vmy")
ITEMS = ("items", "li")


def sum_project(build_sb3, target) -> bytes:
    """Flag: x = 3*4, items = [5, 7, 9]. Message "sum": total = sum of items with a repeat loop."""
    b = Blocks()
    product = b.add("operator_multiply", {"NUM1": num(3), "NUM2": num(4)})
    b.stack(
        b.add("event_whenflagclicked"),
        b.set_var(X, over(product, [10, "0"])),
        b.add("data_deletealloflist", fields={"LIST": list(ITEMS)}),
        *(b.add("data_addtolist", {"ITEM": [1, [10, str(v)]]}, {"LIST": list(ITEMS)}) for v in (5, 7, 9)),
    )
    item = b.add("data_itemoflist", {"INDEX": [3, [12, *COUNTER], [7, "1"]]}, {"LIST": list(ITEMS)})
    body = b.stack(b.change_var(COUNTER, num(1)), b.change_var(TOTAL, over(item, [4, "0"])))
    length = b.add("data_lengthoflist", fields={"LIST": list(ITEMS)})
    loop = b.add("control_repeat", {"TIMES": over(length, [6, "10"]), "SUBSTACK": [2, body]})
    b.stack(
        b.add("event_whenbroadcastreceived", fields={"BROADCAST_OPTION": ["sum", "msg-sum"]}),
        b.set_var(TOTAL, num(0)),
        b.set_var(COUNTER, num(0)),
        loop,
    )
    variables = {vid: [name, 0] for name, vid in (X, TOTAL, COUNTER)}
    stage = target(
        blocks=b.blocks, variables=variables, lists={ITEMS[1]: [ITEMS[0], []]}, broadcasts={"msg-sum": "sum"}
    )
    return build_sb3([stage])


def procedure_project(build_sb3, target) -> bytes:
    """A warp custom block "add (a)" (n += a), called with 2 and 5 from the flag script."""
    b = Blocks()
    argument_shadow = b.add("argument_reporter_string_number", fields={"VALUE": ["a", None]})
    prototype = b.add("procedures_prototype", {"arg": [1, argument_shadow]})
    b.blocks[argument_shadow].update(shadow=True)
    b.blocks[prototype].update(shadow=True)
    b.blocks[prototype]["mutation"] = {
        "tagName": "mutation", "children": [], "proccode": "add %s", "argumentids": '["arg"]',
        "argumentnames": '["a"]', "argumentdefaults": '[""]', "warp": "true",
    }  # fmt: skip
    argument = b.add("argument_reporter_string_number", fields={"VALUE": ["a", None]})
    b.stack(
        b.add("procedures_definition", {"custom_block": [1, prototype]}),
        b.change_var(N, over(argument, [4, "0"])),
    )
    calls = [b.add("procedures_call", {"arg": num(v)}) for v in (2, 5)]
    for call in calls:
        b.blocks[call]["mutation"] = {
            "tagName": "mutation", "children": [], "proccode": "add %s", "argumentids": '["arg"]',
            "warp": "true",
        }  # fmt: skip
    b.stack(b.add("event_whenflagclicked"), b.set_var(N, num(0)), *calls)
    return build_sb3([target(blocks=b.blocks, variables={N[1]: [N[0], 0]})])


def forever_project(build_sb3, target, *, monitor: bool = False) -> bytes:
    """Flag: forever n += 1; with monitor, n is shown on the stage (the VM refreshes it every step)."""
    b = Blocks()
    body = b.stack(b.change_var(N, num(1)))
    b.stack(b.add("event_whenflagclicked"), b.add("control_forever", {"SUBSTACK": [2, body]}))
    monitors = [
        {"id": N[1], "mode": "default", "opcode": "data_variable", "params": {"VARIABLE": N[0]},
         "spriteName": None, "value": 0, "width": 0, "height": 0, "x": 5, "y": 5, "visible": True,
         "sliderMin": 0, "sliderMax": 100, "isDiscrete": True}
    ] if monitor else []  # fmt: skip
    return build_sb3([target(blocks=b.blocks, variables={N[1]: [N[0], 0]})], monitors=monitors)


def mouse_project(build_sb3, target) -> bytes:
    """Flag: wait until <mouse down?>, then mx = mouse x, my = mouse y."""
    b = Blocks()
    down = b.add("sensing_mousedown")
    b.stack(
        b.add("event_whenflagclicked"),
        b.add("control_wait_until", {"CONDITION": [2, down]}),
        b.set_var(MX, over(b.add("sensing_mousex"), [10, ""])),
        b.set_var(MY, over(b.add("sensing_mousey"), [10, ""])),
    )
    variables = {vid: [name, "unset"] for name, vid in (MX, MY)}
    return build_sb3([target(blocks=b.blocks, variables=variables)])


def warp_forever_project(build_sb3, target) -> bytes:
    """Flag: call "spin", a run-without-screen-refresh block holding a forever loop."""
    b = Blocks()
    prototype = b.add("procedures_prototype")
    mutation = {
        "tagName": "mutation",
        "children": [],
        "proccode": "spin",
        "argumentids": "[]",
        "warp": "true",
    }
    b.blocks[prototype].update(
        shadow=True, mutation={**mutation, "argumentnames": "[]", "argumentdefaults": "[]"}
    )
    body = b.stack(b.change_var(N, num(1)))
    b.stack(
        b.add("procedures_definition", {"custom_block": [1, prototype]}),
        b.add("control_forever", {"SUBSTACK": [2, body]}),
    )
    call = b.add("procedures_call")
    b.blocks[call]["mutation"] = mutation
    b.stack(b.add("event_whenflagclicked"), call)
    return build_sb3([target(blocks=b.blocks, variables={N[1]: [N[0], 0]})])


def click_project(build_sb3, target) -> bytes:
    """Stage clicked: n += 10. Sprite "Button" clicked: clicks += 1."""
    stage_blocks = Blocks()
    stage_blocks.stack(stage_blocks.add("event_whenstageclicked"), stage_blocks.change_var(N, num(10)))
    sprite_blocks = Blocks()
    sprite_blocks.stack(
        sprite_blocks.add("event_whenthisspriteclicked"), sprite_blocks.change_var(CLICKS, num(1))
    )
    variables = {vid: [name, 0] for name, vid in (CLICKS, N)}
    stage = target(blocks=stage_blocks.blocks, variables=variables)
    return build_sb3([stage, target("Button", blocks=sprite_blocks.blocks, layer=1)])


def key_project(build_sb3, target) -> bytes:
    """When space key pressed: n += 1."""
    b = Blocks()
    b.stack(b.add("event_whenkeypressed", fields={"KEY_OPTION": ["space", None]}), b.change_var(N, num(1)))
    return build_sb3([target(blocks=b.blocks, variables={N[1]: [N[0], 0]})])


def mouse_actions(x: float, y: float) -> list[dict]:
    """Move without pressing (the script must keep waiting), then press at (x, y) in stage coordinates."""
    return [
        {"green_flag": True, "idle": False},
        {"steps": 2},
        {"mouse": {"x": 10, "y": 10}},
        {"steps": 2},
        {"read": True},
        {"mouse": {"x": x, "y": y, "down": True}, "idle": True},
    ]


# Counted by hand in scratch-vm (hats and shadows are not primitives):
# flag: multiply + set + delete all + 3 adds = 6.
# sum: 2 sets; repeat runs 4 times (3 iterations + the final check), each evaluating length of = 8;
#      each of 3 iterations: change i, (i) reporter, item of, change total = 12.  Total 22.
FLAG_EVALUATIONS = 6
SUM_EVALUATIONS = 22
SUM_ACTIONS = [{"green_flag": True}, {"read": True}, {"broadcast": "sum"}]
STEP_ACTIONS = [{"green_flag": True, "idle": False}, {"steps": 2}, {"read": True}, {"steps": 1}, {"ticks": 7}]
BOTH_ENGINES = pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])


@pytest.fixture(scope="module")
def runs(build_sb3, target, tmp_path_factory) -> dict[tuple[str, str], RunResult | VMError]:
    """Every case of this module, one Node process per engine: {(engine, case name): outcome}."""
    sum_sb3 = sum_project(build_sb3, target)
    sum_path = tmp_path_factory.mktemp("vm") / "sum.sb3"
    sum_path.write_bytes(sum_sb3)
    forever = forever_project(build_sb3, target)
    mouse = mouse_project(build_sb3, target)
    without_costumes = target()
    del without_costumes["costumes"]
    cases = {
        "sum": Case(sum_sb3, SUM_ACTIONS),
        "sum again, profiled": Case(sum_sb3, SUM_ACTIONS, profile=True),
        "sum from a path, inputs set": Case(
            sum_path,
            [
                {"set_list": "items", "values": [1, 2, 3, 4]},
                {"set_variable": "x", "value": "kept"},
                {"broadcast": "sum"},
            ],
        ),
        "missing variable": Case(sum_sb3, [{"set_variable": "missing", "value": 1}]),
        "unknown broadcast": Case(sum_sb3, [{"broadcast": "nope"}]),
        "procedure": Case(procedure_project(build_sb3, target), [{"green_flag": True}], profile=True),
        "forever": Case(forever, [{"green_flag": True}], max_steps=20),
        "steps": Case(forever, STEP_ACTIONS),
        "steps again": Case(forever, STEP_ACTIONS),
        "steps, monitor shown": Case(forever_project(build_sb3, target, monitor=True), STEP_ACTIONS),
        "mouse inside": Case(mouse, mouse_actions(37, -120)),
        "mouse corner": Case(mouse, mouse_actions(-240, 180)),
        "click": Case(
            click_project(build_sb3, target), [{"click": "Button"}, {"click": "Button"}, {"click": "Stage"}]
        ),
        "key": Case(
            key_project(build_sb3, target),
            [
                {"key": "space", "idle": True},
                {"key": "a"},
                {"key": "space", "down": False},
                {"key": "space"},
                {"idle": True},
            ],
        ),
        "no costumes": Case(build_sb3([without_costumes]), [{"green_flag": True}]),
        "broken json": Case(build_sb3([target()], project_json=b'{"targets": ['), []),
    }
    outcomes = {}
    for engine in ("scratch-vm", "turbowarp"):
        results = run_many(list(cases.values()), engine=engine, return_errors=True)
        outcomes.update({(engine, name): result for name, result in zip(cases, results, strict=True)})
    return outcomes


def result_of(runs, engine: str, name: str) -> RunResult:
    outcome = runs[engine, name]
    assert isinstance(outcome, RunResult), f"{name} in {engine} failed: {outcome}"
    assert outcome.engine == engine
    return outcome


def error_of(runs, engine: str, name: str) -> str:
    outcome = runs[engine, name]
    assert isinstance(outcome, VMError), f"{name} in {engine} should have failed"
    return str(outcome)


def numbers(values) -> list[float]:
    """TurboWarp may store numbers where scratch-vm keeps strings: compare as numbers."""
    return [float(v) for v in values]


@BOTH_ENGINES
def test_tiny_project_values(runs, engine):
    result = result_of(runs, engine, "sum")
    assert numbers(result.stage_variables.values()) == [12, 21, 3]  # x, total, i
    assert numbers(result.stage_lists["items"]) == [5, 7, 9]
    assert numbers(result.snapshots[0]["Stage"]["variables"].values()) == [12, 0, 0]
    assert [phase.action for phase in result.phases] == ["green_flag", "read", "broadcast sum"]
    assert all(phase.seconds > 0 for phase in result.phases)
    assert result.phases[2].steps >= 1


def test_scratch_vm_counts_evaluations_exactly(runs):
    plain = result_of(runs, "scratch-vm", "sum")
    profiled = result_of(runs, "scratch-vm", "sum again, profiled")
    for result in (plain, profiled):
        assert [phase.evaluations for phase in result.phases] == [FLAG_EVALUATIONS, 0, SUM_EVALUATIONS]
        assert result.total_evaluations == FLAG_EVALUATIONS + SUM_EVALUATIONS
    sum_phase = profiled.phases[2]
    assert sum_phase.by_opcode == {
        "data_setvariableto": 2,
        "control_repeat": 4,
        "data_lengthoflist": 4,
        "data_changevariableby": 6,
        "data_itemoflist": 3,
        "data_variable": 3,
    }
    assert sum_phase.by_procedure == {"(no custom block)": SUM_EVALUATIONS}
    assert plain.phases[2].by_opcode is None


def test_turbowarp_reports_no_evaluations(runs):
    result = result_of(runs, "turbowarp", "sum")
    assert result.total_evaluations is None
    assert all(phase.evaluations is None for phase in result.phases)


@BOTH_ENGINES
def test_custom_block_runs_and_its_evaluations_are_attributed(runs, engine):
    result = result_of(runs, engine, "procedure")
    assert numbers([result.stage_variables["n"]]) == [7]
    if engine == "scratch-vm":
        phase = result.phases[0]
        # outside: set + 2 calls; inside each call: the definition hat, the argument reporter, the change.
        assert phase.by_procedure == {"(no custom block)": 3, "add %s": 6}
        assert phase.by_opcode["procedures_definition"] == 2 and phase.by_opcode["procedures_call"] == 2
        assert phase.evaluations == 9
    else:  # TurboWarp times the compiled custom block instead
        seconds = result.phases[0].seconds_by_procedure
        assert list(seconds) == ["add %s"] and 0 < seconds["add %s"] < result.phases[0].seconds


@BOTH_ENGINES
def test_set_variable_and_list_before_running(runs, engine):
    result = result_of(runs, engine, "sum from a path, inputs set")
    assert numbers([result.stage_variables["total"]]) == [10]
    assert result.stage_variables["x"] == "kept"
    assert 'no variable named "missing" on Stage' in error_of(runs, engine, "missing variable")
    assert 'no broadcast named "nope" (known: sum)' in error_of(runs, engine, "unknown broadcast")


@BOTH_ENGINES
def test_invalid_projects_give_scratch_parsers_message(runs, engine):
    assert re.match(r"scratch-parser: Could not parse .*costumes", error_of(runs, engine, "no costumes"))
    assert error_of(runs, engine, "broken json").startswith("scratch-parser: ")


def test_run_project_raises_the_case_error(build_sb3, target):
    stage = target()
    del stage["costumes"]
    with pytest.raises(VMError, match=r"^scratch-parser: .*should have required property 'costumes'"):
        run_project(build_sb3([stage]), [{"green_flag": True}])


@BOTH_ENGINES
def test_forever_loop_hits_the_step_cap(runs, engine):
    message = error_of(runs, engine, "forever")
    assert "still running after 20 steps (action #0 green_flag): a forever loop?" in message


def test_scratch_vm_stops_a_warp_forever_loop_at_the_timeout(build_sb3, target):
    with pytest.raises(VMError, match=r"still running after 1 s \(timeout_s, action #0 green_flag"):
        run_project(warp_forever_project(build_sb3, target), [{"green_flag": True}], timeout_s=1)


def test_a_step_that_never_returns_is_killed(build_sb3, target, monkeypatch):
    """TurboWarp's compiled warp loops never yield, so only the Python watchdog can stop them."""
    monkeypatch.setattr(node_process, "CASE_GRACE_S", 1.0)
    cases = [
        Case(build_sb3([target()]), []),
        Case(warp_forever_project(build_sb3, target), [{"green_flag": True}]),
    ]
    with pytest.raises(VMError, match=r"^case 1: the Scratch runtime did not return within 2 s"):
        run_many([replace(case, timeout_s=1) for case in cases], engine="turbowarp")


@BOTH_ENGINES
def test_steps_advance_a_running_script_deterministically(runs, engine):
    """A step passes 1000 times over each running script; `ticks` passes only that many times."""
    first, second = result_of(runs, engine, "steps"), result_of(runs, engine, "steps again")
    monitored = result_of(runs, engine, "steps, monitor shown")
    assert numbers([first.snapshots[0]["Stage"]["variables"]["n"]]) == [2000]
    assert numbers([first.stage_variables["n"]]) == [3007]
    for other in (second, monitored):  # monitor refreshes are not the project's work
        assert first.targets == other.targets and first.snapshots == other.snapshots
        assert first.total_evaluations == other.total_evaluations
    assert [phase.steps for phase in first.phases] == [0, 2, 0, 1, 1]


@BOTH_ENGINES
def test_mouse_events_use_stage_coordinates(runs, engine):
    inside, corner = result_of(runs, engine, "mouse inside"), result_of(runs, engine, "mouse corner")
    assert inside.snapshots[0]["Stage"]["variables"] == {"mx": "unset", "my": "unset"}
    assert numbers(inside.stage_variables.values()) == [37, -120]
    assert numbers(corner.stage_variables.values()) == [-240, 180]


@BOTH_ENGINES
def test_click_runs_the_sprites_click_script(runs, engine):
    result = result_of(runs, engine, "click")
    assert numbers(result.stage_variables.values()) == [2, 10]  # clicks, n
    assert result.targets["Button"] == {"variables": {}, "lists": {}}


@BOTH_ENGINES
def test_key_presses_start_key_hats(runs, engine):
    result = result_of(runs, engine, "key")
    assert numbers([result.stage_variables["n"]]) == [2]
    assert [phase.action for phase in result.phases][:3] == ["key space down", "key a down", "key space up"]


def test_fixture_builds_a_zip_with_the_costume(build_sb3, target):
    with zipfile.ZipFile(BytesIO(build_sb3([target()]))) as archive:
        names = archive.namelist()
        project = json.loads(archive.read("project.json"))
    assert project["targets"][0]["costumes"][0]["md5ext"] in names
