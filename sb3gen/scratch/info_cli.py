"""Print an .sb3's sizes against the Scratch website's limits: project.json bytes (5 MB), the largest lists
(200,000 items each), each asset (10 MB), and the block count of every target."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.sb3", help="the Scratch 3 project to measure")
    parser.add_argument("--top", type=int, default=5, metavar="N", help="how many lists and assets to list")


def run(args: argparse.Namespace) -> int:
    from sb3gen.scratch.info import project_info
    from sb3gen.scratch.reader import Sb3File
    from sb3gen.untrusted import terminal_text

    with Sb3File(args.file) as sb3:  # assets measured while streaming, not kept
        report = project_info(sb3.project_json, sb3.asset_sizes(), json_size=sb3.project_json_size,
                              top=args.top)
    sys.stdout.write(terminal_text(report))  # names from the file: no escape sequences, no lone surrogates
    return 0
