"""Errors of the Scratch writer."""

from sb3gen.errors import Sb3genError


class TemplateError(Sb3genError):
    """A template (or its rendered text) cannot be read: names the template, the line and the text."""


class CompilerBug(Sb3genError):
    """The structural checker found a broken project.json: a bug in the compiler, not in the input."""

    exit_code = 3


class LimitError(Sb3genError):
    """The project exceeds a Scratch website limit (project.json size, asset size, list length)."""
