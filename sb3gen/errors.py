"""Errors a user can act on. The CLI prints their message on one line and exits with their code."""


class Sb3genError(Exception):
    """A problem with the user's input or environment, reported without a traceback."""

    exit_code = 2


class CheckFailed(Sb3genError):
    """A verification found a difference: the run worked, the numbers did not match."""

    exit_code = 1


class ModelProblems(Sb3genError):
    """Everything a model check found, one problem per line (each naming its layer), so a user fixes all
    at once. The CLI prints the summary, then each problem on its own line; other errors stay one line."""

    def __init__(self, summary: str, problems: list[str]) -> None:
        self.summary = summary
        self.problems = list(problems)
        super().__init__("\n  ".join([summary, *self.problems]))
