"""The `sb3gen` command. Each subcommand lives in its own module, imported only when used
(TensorFlow takes seconds to import, `show` should not wait for it)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import textwrap

from sb3gen import __version__
from sb3gen.errors import ProblemReport, Sb3genError

# name -> (module with add_arguments(parser) and run(args) -> int, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("sb3gen.build", "train (or load) a network and compile it into build/mnist.sb3"),
    "verify": ("sb3gen.verify", "run an .sb3 in the real Scratch VM, prove its numbers equal the reference"),
    "html": ("sb3gen.html_page", "write a standalone HTML page of an .sb3 (TurboWarp, works offline)"),
    "show": ("sb3gen.scratch.show_cli", "print every script of an .sb3 in scratchblocks text notation"),
    "info": ("sb3gen.scratch.info_cli", "print an .sb3's sizes against the Scratch website's limits"),
    "train": ("sb3gen.ml.train_cli", "train the Keras network only and write history and plots"),
    "export-weights": ("sb3gen.ml.export_cli", "write trained weights as one number per line or as CSV"),
    "predict": ("sb3gen.ml.predict_cli", "classify a picture of a digit with a trained model"),
}

# name -> what it needs beyond Python and how long it takes (rough, on a 2-core machine), shown under --help
NEEDS: dict[str, str] = {
    "build": "Needs TensorFlow when it trains or reads --model. Takes about 5 minutes when it trains (the "
             "default), seconds from --network FILE or --weights FILE.",
    "verify": "Needs Node.js 18+ and npm (the first run installs the Scratch VM with npm ci: internet, about "
              "a minute). Takes about 1-2 minutes for the default project.",
    "html": "Needs Node.js 18+ and npm (the first run installs the TurboWarp packager with npm ci: "
            "internet). Takes about 10 seconds.",
    "show": "Needs nothing else. Takes a second.",
    "info": "Needs nothing else. Takes a second.",
    "train": "Needs TensorFlow. Takes about 5 minutes for the default preset.",
    "export-weights": "Needs TensorFlow only for --model. Takes a second (a few with --model).",
    "predict": "Needs TensorFlow only for --model. Takes a second (a few with --model).",
}


class _Parser(argparse.ArgumentParser):
    """A bad option is one line (with where to read more), not the whole usage text."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class _CommandParser(_Parser):
    """A subcommand's parser: an unknown option is refused by it, so the message names `sb3gen build` and
    its help, not the top-level parser (argparse hands a subparser's leftovers up to the top)."""

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Every option's default in its help: appended where the text does not state it already (flags that
    are off and options without a value, None, have theirs in words)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        unstated = action.default in (None, False, argparse.SUPPRESS) or action.nargs == 0  # flags
        if "default" in text or unstated or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sb3gen",
        description=(
            "Turn a small neural network trained on MNIST into a Scratch 3 project (.sb3) built only from "
            "standard blocks: it classifies digits drawn with the mouse and can train itself inside Scratch."
        ),
        epilog="Run 'sb3gen COMMAND --help' for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"sb3gen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=help_text, description=module.__doc__ or help_text,
                           epilog=textwrap.fill(NEEDS[name], 100), formatter_class=_HelpFormatter)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    # TensorFlow's C++ start-up chatter (oneDNN, absl) buries sb3gen's own report; Python errors still show.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args._module.run(args) or 0)
    except Sb3genError as exc:
        print(f"sb3gen {args.command}: error: {error_line(exc)}", file=sys.stderr)
        for problem in report_lines(exc):
            print(f"  {problem}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"sb3gen {args.command}: interrupted", file=sys.stderr)
        return 130


def error_line(exc: BaseException) -> str:
    """One line however a message was made (Keras' own are many lines), safe for a terminal; a
    ProblemReport's headline only (its problems follow, one line each: report_lines)."""
    return _safe_line(exc.headline if isinstance(exc, ProblemReport) else str(exc))


def report_lines(exc: BaseException) -> list[str]:
    """A ProblemReport's problems, each one safe line (at most REPORT_LINES, then how many more)."""
    if not isinstance(exc, ProblemReport):
        return []
    lines = [_safe_line(problem) for problem in exc.problems[:REPORT_LINES]]
    if len(exc.problems) > REPORT_LINES:
        lines.append(f"... and {len(exc.problems) - REPORT_LINES} more")
    return lines


def _safe_line(message: str) -> str:
    from sb3gen.untrusted import one_line, safe_line

    return safe_line(one_line(message), ERROR_WIDTH)


ERROR_WIDTH = 600  # characters of an error line: Keras once gave one of 2,705
REPORT_LINES = 100  # problems printed of a ProblemReport


if __name__ == "__main__":
    sys.exit(main())
