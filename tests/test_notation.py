"""The notation (docs/notation.md): what it reads into project.json, and the errors it gives."""

from __future__ import annotations

import json

import pytest

from sb3gen.scratch import Costume, Project, Sprite, Stage, TemplateError, compile_project, render_template
from sb3gen.scratch import templates as templates_module
from sb3gen.scratch.tokens import Group, Word, split_line


def compile_stage(text: str, variables=None, lists=None, sprite_text: str | None = None) -> dict:
    stage = Stage(variables=dict(variables or {"v": 0}), lists=dict(lists or {"l": []}))
    stage.add_scripts(text, "test.sb")
    sprites = []
    if sprite_text is not None:
        sprite = Sprite("Cat", variables={"mine": 1})
        sprite.costumes.append(Costume.svg("c1", '<svg width="4" height="4"></svg>'))
        sprite.add_scripts(sprite_text, "sprite.sb")
        sprites.append(sprite)
    return compile_project(Project(stage, sprites)).project_json


def blocks_of(project_json: dict, target: int = 0) -> list[dict]:
    return list(project_json["targets"][target]["blocks"].values())


def only(project_json: dict, opcode: str, target: int = 0) -> dict:
    found = [b for b in blocks_of(project_json, target) if b["opcode"] == opcode]
    assert len(found) == 1, f"{len(found)} blocks {opcode}"
    return found[0]


def test_tokens_split_groups_words_and_comment() -> None:
    line = split_line("change [acc v] by ((item (i) of [xs v]) * (2)) // sum it")
    assert line.comment == "sum it"
    assert line.tokens[0] == Word("change")
    assert isinstance(line.tokens[1], Group) and line.tokens[1].dropdown and line.tokens[1].value == "acc"
    inner = line.tokens[3]
    assert isinstance(inner, Group) and inner.bracket == "("
    assert [type(t).__name__ for t in inner.children] == ["Group", "Word", "Group"]


def test_angle_brackets_and_comparison_words() -> None:
    tokens = split_line("if <<(a) > (b)> and <(a) < (c)>> then").tokens
    outer = tokens[1]
    assert isinstance(outer, Group) and outer.bracket == "<"
    left, word, right = outer.children
    assert word == Word("and")
    assert [t for t in left.children if isinstance(t, Word)] == [Word(">")]
    assert [t for t in right.children if isinstance(t, Word)] == [Word("<")]


def test_literals_keep_their_text() -> None:
    pj = compile_stage("set [v v] to (0.001)\nchange [v v] by (1e-9)\nadd [] to [l v]\nadd (-0.50) to [l v]")
    assert only(pj, "data_setvariableto")["inputs"]["VALUE"] == [1, [10, "0.001"]]
    assert only(pj, "data_changevariableby")["inputs"]["VALUE"] == [1, [4, "1e-9"]]
    adds = [b["inputs"]["ITEM"] for b in blocks_of(pj) if b["opcode"] == "data_addtolist"]
    assert adds == [[1, [10, ""]], [1, [10, "-0.50"]]]


def test_slot_kind_decides_the_primitive() -> None:
    pj = compile_stage("repeat (3)\nend\nwait (0.5) seconds\ndelete (1) of [l v]\n")
    assert only(pj, "control_repeat")["inputs"]["TIMES"] == [1, [6, "3"]]
    assert only(pj, "control_wait")["inputs"]["DURATION"] == [1, [5, "0.5"]]
    assert only(pj, "data_deleteoflist")["inputs"]["INDEX"] == [1, [7, "1"]]


def test_variables_lists_and_reporters_in_slots() -> None:
    pj = compile_stage("set [v v] to ((v) + (l :: list))\nadd (mouse x) to [l v]")
    stage = pj["targets"][0]
    var_id = next(iter(stage["variables"]))
    list_id = next(iter(stage["lists"]))
    add = only(pj, "operator_add")
    assert add["inputs"]["NUM1"] == [3, [12, "v", var_id], [4, ""]]
    assert add["inputs"]["NUM2"] == [3, [13, "l", list_id], [4, ""]]
    mouse_id = only(pj, "data_addtolist")["inputs"]["ITEM"][1]
    assert stage["blocks"][mouse_id]["opcode"] == "sensing_mousex"


def test_sprite_variable_shadows_nothing_and_stage_variable_is_visible() -> None:
    pj = compile_stage("set [v v] to (1)", sprite_text="set [mine v] to (v)\nset [v v] to (mine)")
    sprite = pj["targets"][1]
    sets = [b for b in sprite["blocks"].values() if b["opcode"] == "data_setvariableto"]
    assert sets[0]["fields"]["VARIABLE"][1] in sprite["variables"]
    assert sets[1]["fields"]["VARIABLE"][1] in pj["targets"][0]["variables"]


def test_menus_become_shadow_blocks() -> None:
    pj = compile_stage(
        "",
        sprite_text="switch costume to [c1 v]\ncreate clone of [myself v]\nset pen (color v) to (5)\n"
        "if <key (space v) pressed?> then\nend\nbroadcast [go v]",
    )
    blocks = pj["targets"][1]["blocks"]

    def shadow(opcode: str, name: str) -> dict:
        block = next(b for b in blocks.values() if b["opcode"] == opcode)
        kind, shadow_id = block["inputs"][name]
        assert kind == 1
        return blocks[shadow_id]

    assert shadow("looks_switchcostumeto", "COSTUME")["fields"] == {"COSTUME": ["c1", None]}
    assert shadow("control_create_clone_of", "CLONE_OPTION")["fields"] == {"CLONE_OPTION": ["_myself_", None]}
    assert shadow("pen_setPenColorParamTo", "COLOR_PARAM")["opcode"] == "pen_menu_colorParam"
    assert shadow("sensing_keypressed", "KEY_OPTION")["fields"] == {"KEY_OPTION": ["space", None]}
    broadcast = next(b for b in blocks.values() if b["opcode"] == "event_broadcast")
    bid = next(iter(pj["targets"][0]["broadcasts"]))
    assert broadcast["inputs"]["BROADCAST_INPUT"] == [1, [11, "go", bid]]
    assert pj["extensions"] == ["pen"]


def test_custom_block_definition_and_call() -> None:
    pj = compile_stage(
        "define dot (w offset) <flag> :: warp // adds things\nif <flag> then\n"
        "  change [v v] by (w offset)\nend\n\nwhen green flag clicked\ndot (3) <(1) = (1)>"
    )
    stage = pj["targets"][0]
    proto = only(pj, "procedures_prototype")["mutation"]
    assert proto["proccode"] == "dot %s %b"
    assert json.loads(proto["argumentnames"]) == ["w offset", "flag"]
    assert json.loads(proto["argumentdefaults"]) == ["", "false"]
    assert proto["warp"] == "true"
    call = only(pj, "procedures_call")
    assert call["mutation"]["argumentids"] == proto["argumentids"]
    ids = json.loads(proto["argumentids"])
    assert call["inputs"][ids[0]] == [1, [10, "3"]]
    assert call["inputs"][ids[1]][0] == 2
    definition_id = next(k for k, b in stage["blocks"].items() if b["opcode"] == "procedures_definition")
    comment = next(iter(stage["comments"].values()))
    assert comment["blockId"] == definition_id and comment["text"] == "adds things"
    assert stage["blocks"][definition_id]["comment"] in stage["comments"]
    uses = [b for b in blocks_of(pj) if b["opcode"].startswith("argument_reporter") and not b["shadow"]]
    assert sorted(b["fields"]["VALUE"][0] for b in uses) == ["flag", "w offset"]


def test_block_comment_and_template_notes() -> None:
    pj = compile_stage("// a note that is dropped\nwhen green flag clicked\nset [v v] to (1) // why one")
    comments = pj["targets"][0]["comments"]
    assert [c["text"] for c in comments.values()] == ["why one"]
    assert len(blocks_of(pj)) == 2


def test_blank_lines_separate_scripts_and_layout_does_not_overlap() -> None:
    text = "\n\n".join(f"when I receive [m{i} v]\nrepeat (2)\n  change [v v] by (1)\nend" for i in range(40))
    pj = compile_stage(text)
    tops = [b for b in blocks_of(pj) if b["topLevel"]]
    assert len(tops) == 40
    positions = {(b["x"], b["y"]) for b in tops}
    assert len(positions) == 40
    xs = sorted({b["x"] for b in tops})
    assert len(xs) > 1  # several columns
    for x in xs:  # within a column, scripts (4 rows + hat) keep at least 4 rows of space apart
        ys = sorted(b["y"] for b in tops if b["x"] == x)
        assert all(b - a >= 4 * 48 for a, b in zip(ys, ys[1:], strict=False))


def test_if_else_and_nested_c_blocks() -> None:
    pj = compile_stage("if <> then\n  repeat (2)\n  end\nelse\n  forever\n  end\nend")
    block = only(pj, "control_if_else")
    assert set(block["inputs"]) == {"SUBSTACK", "SUBSTACK2"}
    assert "CONDITION" not in block["inputs"]  # an empty boolean slot


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("set [v v] too (0)", "no stack block"),
        ("set [nope v] to (0)", "unknown variable 'nope'"),
        ("add (1) to [nope v]", "unknown list 'nope'"),
        ("set [v v] to (nope)", "unknown variable, argument or reporter (nope)"),
        ("end", "'end' without an open"),
        ("else", "'else' without an open"),
        ("repeat (3)\nchange [v v] by (1)", "never closed"),
        ("forever\nend\nset [v v] to (1)", "cap block"),
        ("set [v v] to (1)\nwhen green flag clicked", "hat block must start a script"),
        ("set [v v] to ([flor v] of (2))", "'flor' is not one of"),
        ("\ndefine f (a)\nset [v v] to (a)\n\nf (1) (2)", "takes 1 argument(s), 2 given"),
        ("\ndefine f <a>\nset [v v] to (a)", "boolean argument"),
        ("set [v v] to (a)\n\ndefine f (a)\nset [v v] to (1)", "unknown variable, argument or reporter (a)"),
        ("set [v v] to (1", "missing ')'"),
        ("set [v v] to (1))", "unmatched ')'"),
        ("stop [everything v]", "'everything' is not one of"),
        ("\ndefine say (x)\nset [v v] to (1)", "same text as a Scratch block"),
        ("show", "does not exist on the Stage"),
        ("set [v v] to (1) :: warp", "unknown annotation"),
    ],
)
def test_mistakes_fail_with_origin_line_and_text(text: str, why: str) -> None:
    with pytest.raises(TemplateError) as info:
        compile_stage("when green flag clicked\n" + text)
    message = str(info.value)
    assert message.startswith("test.sb line ")
    assert why in message
    assert 'cannot read "' in message


def test_error_names_the_rendered_line() -> None:
    with pytest.raises(TemplateError, match=r'^test\.sb line 3: cannot read "set \[v v\] too \(0\)"'):
        compile_stage("when green flag clicked\nset [v v] to (1)\nset [v v] too (0)")


def test_unknown_costume_in_menu() -> None:
    with pytest.raises(TemplateError, match=r"no costume named 'c9' \(have: c1\)"):
        compile_stage("", sprite_text="switch costume to [c9 v]")


@pytest.fixture()
def template_dir(tmp_path, monkeypatch):
    folder = tmp_path / "templates"
    (folder / "demo").mkdir(parents=True)
    monkeypatch.setattr(templates_module, "templates_dir", lambda: folder)
    templates_module._environment.cache_clear()
    yield folder
    templates_module._environment.cache_clear()


def test_render_template_and_locate_a_mistake_in_it(template_dir) -> None:
    (template_dir / "demo" / "count.sb").write_text(
        "// counts\nwhen green flag clicked\n{% for i in range(n) %}\n"
        "change [v v] by ({{ i }})\n{% endfor %}\nset [v v] too (0)\n"
    )
    text = render_template("demo/count.sb", n=3)
    assert text.splitlines()[2:5] == ["change [v v] by (0)", "change [v v] by (1)", "change [v v] by (2)"]
    stage = Stage(variables={"v": 0})
    stage.add_scripts(text, "demo/count.sb")
    with pytest.raises(TemplateError) as info:
        compile_project(Project(stage))
    assert str(info.value).startswith(
        'templates/demo/count.sb line 6 (rendered line 6): cannot read "set [v v] too (0)": '
    )


def test_jinja_errors_name_template_and_line(template_dir) -> None:
    (template_dir / "demo" / "undefined.sb").write_text(
        "when green flag clicked\n\nset [v v] to ({{ missing }})\n"
    )
    (template_dir / "demo" / "syntax.sb").write_text("{% for x in %}\n")
    with pytest.raises(
        TemplateError, match=r"templates/demo/undefined\.sb line 3: UndefinedError: 'missing'"
    ):
        render_template("demo/undefined.sb")
    with pytest.raises(TemplateError, match=r"templates/demo/syntax\.sb line 1: "):
        render_template("demo/syntax.sb")
    with pytest.raises(TemplateError, match="template not found"):
        render_template("demo/nothing.sb")


def test_a_mistake_on_several_template_lines_names_them_all(template_dir) -> None:
    (template_dir / "demo" / "twice.sb").write_text(
        "when green flag clicked\nsay [hi]\n\nwhen stage clicked\nsay [hi]\n"
    )
    stage = Stage()
    stage.add_scripts(render_template("demo/twice.sb"), "demo/twice.sb")
    with pytest.raises(
        TemplateError,
        match=r"^templates/demo/twice\.sb line 2 or 5 \(rendered line 2\): cannot read "
        r'"say \[hi\]": .*does not exist on the Stage',
    ):
        compile_project(Project(stage))
