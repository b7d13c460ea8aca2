"""Errors a user can act on. The CLI prints their message on one line and exits with their code."""

from __future__ import annotations

from collections.abc import Sequence


class Sb3genError(Exception):
    """A problem with the user's input or environment, reported without a traceback."""

    exit_code = 2


class CheckFailed(Sb3genError):
    """A verification found a difference: the run worked, the numbers did not match."""

    exit_code = 1


class ProblemReport(Sb3genError):
    """A refusal listing several problems (a model's layers): the command line prints the headline, then one
    line per problem, instead of one joined line that would be cut."""

    def __init__(self, headline: str, problems: Sequence[str]) -> None:
        self.headline, self.problems = headline, tuple(problems)
        super().__init__(headline + "".join(f"\n  {problem}" for problem in self.problems))

    @classmethod
    def for_model(cls, file_name: str, problems: Sequence[str]) -> ProblemReport:
        """A model check's refusal (the Keras and ONNX front ends): how many problems, then each."""
        plural = "s" if len(problems) > 1 else ""
        headline = f"{file_name}: {len(problems)} problem{plural}; the blocks cannot run this model as it is:"
        return cls(headline, problems)
