"""Scratch writer: scratchblocks text -> blocks -> project.json -> .sb3. Knows nothing of ML."""

from sb3gen.scratch.checker import check_project
from sb3gen.scratch.compiler import CompiledProject, compile_project
from sb3gen.scratch.errors import CompilerBug, LimitError, TemplateError
from sb3gen.scratch.model import Costume, Monitor, Project, Source, Sprite, Stage, Target
from sb3gen.scratch.packer import check_limits, pack_sb3, write_sb3
from sb3gen.scratch.reader import Sb3File, read_sb3
from sb3gen.scratch.show import show_project
from sb3gen.scratch.templates import render_template

__all__ = [
    "CompiledProject",
    "CompilerBug",
    "Costume",
    "LimitError",
    "Monitor",
    "Project",
    "Sb3File",
    "Source",
    "Sprite",
    "Stage",
    "Target",
    "TemplateError",
    "check_limits",
    "check_project",
    "compile_project",
    "pack_sb3",
    "read_sb3",
    "render_template",
    "show_project",
    "write_sb3",
]
