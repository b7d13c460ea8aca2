"""Project (targets + script text) -> project.json and assets, checked."""

from __future__ import annotations

from dataclasses import dataclass

from sb3gen.errors import Sb3genError
from sb3gen.scratch.ir import Script
from sb3gen.scratch.layout import place_scripts
from sb3gen.scratch.model import Project, Target
from sb3gen.scratch.parser import Scope, ScriptReader, source_lines
from sb3gen.scratch.serializer import TargetWriter, monitor_json, target_costumes, target_json, target_tags

META = {"semver": "3.0.0", "vm": "0.2.0", "agent": "sb3gen"}


@dataclass
class CompiledProject:
    project_json: dict
    assets: dict[str, bytes]  # "<md5>.<ext>" -> bytes


def parse_project(project: Project) -> tuple[dict[str, list[Script]], list[str]]:
    """Read every target's sources: (target name -> scripts, sorted broadcast names), all names resolved."""
    _check_names(project)
    stage = project.stage
    broadcasts: set[str] = set()
    backdrops = [c.name for c in target_costumes(stage)]
    parsed: dict[str, list[Script]] = {}
    for target in project.targets():
        scope = Scope(
            target=target.name,
            is_stage=target.is_stage,
            variables=set(target.variables),
            lists=set(target.lists),
            stage_variables=set(stage.variables),
            stage_lists=set(stage.lists),
            costumes=[c.name for c in target_costumes(target)],
            backdrops=backdrops,
            broadcasts=broadcasts,
        )
        reader = ScriptReader(scope)
        sources = [source_lines(s.text, s.origin) for s in target.sources]
        for lines in sources:
            reader.collect_definitions(lines)
        scripts: list[Script] = []
        for lines in sources:
            scripts.extend(reader.read_scripts(lines))
        if target.hats_first:
            scripts.sort(key=lambda script: script[0].opcode == "procedures_definition")  # stable
        parsed[target.name] = scripts
    return parsed, sorted(broadcasts)


def _check_names(project: Project) -> None:
    names = [t.name for t in project.targets()]
    if len(set(names)) != len(names):
        raise Sb3genError(f"two targets have the same name: {names}")
    for target in project.sprites:
        if target.is_stage or target.name in ("Stage", "", "_stage_", "_mouse_", "_myself_"):
            raise Sb3genError(f"a sprite cannot be named {target.name!r}")
    for target in project.targets():
        _check_target(target, project)


def _check_target(target: Target, project: Project) -> None:
    if not target.is_stage:
        clash = set(target.variables) & set(project.stage.variables)
        if clash:
            raise Sb3genError(f"{target.name}: variable(s) {sorted(clash)} also exist on the Stage")
        clash = set(target.lists) & set(project.stage.lists)
        if clash:
            raise Sb3genError(f"{target.name}: list(s) {sorted(clash)} also exist on the Stage")
    costume_names = [c.name for c in target.costumes]
    if len(set(costume_names)) != len(costume_names):
        raise Sb3genError(f"{target.name}: two costumes have the same name: {costume_names}")
    for costume in target.costumes:
        if costume.ext not in ("svg", "png"):
            raise Sb3genError(
                f"{target.name}: costume {costume.name!r} must be svg or png, not {costume.ext!r}"
            )


def compile_project(project: Project) -> CompiledProject:
    """Parse all sources, serialize, lay out and run the structural checker (a failure is a CompilerBug)."""
    from sb3gen.scratch.checker import check_project

    parsed, broadcasts = parse_project(project)
    assets: dict[str, bytes] = {}
    targets_json = []
    extensions: set[str] = set()
    targets = list(project.targets())
    tags = target_tags([target.name for target in targets])
    for layer, target in enumerate(targets):
        writer = TargetWriter(target, project.stage, broadcasts[0] if broadcasts else None, tags[layer])
        scripts = parsed[target.name]
        for script, place in zip(scripts, place_scripts(scripts), strict=True):
            writer.script(script, place)
        extensions |= writer.extensions
        targets_json.append(target_json(target, writer, broadcasts, layer, assets))
    project_json = {
        "targets": targets_json,
        "monitors": [monitor_json(m, project) for m in project.monitors],
        "extensions": sorted(extensions),
        "meta": dict(META),
    }
    check_project(project_json)
    return CompiledProject(project_json, dict(sorted(assets.items())))
