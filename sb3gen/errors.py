"""Errors a user can act on. The CLI prints their message on one line and exits with their code."""


class Sb3genError(Exception):
    """A problem with the user's input or environment, reported without a traceback."""

    exit_code = 2


class CheckFailed(Sb3genError):
    """A verification found a difference: the run worked, the numbers did not match."""

    exit_code = 1
