"""Regenerate the pictures under docs/: the project in the real Scratch editor (after drawing and
predicting, after correcting the drawn 0 with a click on a bar, during training, the confusion matrix after
Test with a mistake on the pad, the weights view with a drawn 1 lighting up its neurons) and pictures of
the generated scripts (scratchblocks rendering of `sb3gen show`).

    python scripts/screenshots.py                 # uses build/mnist.sb3, building it first if missing
    python scripts/screenshots.py --sb3 other.sb3 --out docs
    python scripts/screenshots.py --lang ja       # docs/editor-predict-ja.png from build/mnist-ja.sb3

Pictures of the editor are taken in a 1440x900 window (a common laptop screen), wide enough for the script
area to show a script together with its block comment.

Needs what the browser test needs: node/npm and Debian's chromium (the Scratch GUI is fetched into a cache).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))
import editor_harness  # noqa: E402

from sb3gen.project import ui_layout as L  # noqa: E402
from sb3gen.project.ui_layout import PAD  # noqa: E402

# (picture, target, first lines of the scripts to show, in order; a tuple: the first of them the project has)
SCRIPT_PICTURES = [
    ("scripts-pad.png", "Pad", ["when I receive [pad pressed v]", "define find the cell under the mouse",
                                "define keep the pen position"]),
    ("scripts-train.png", "Network", ["when I receive [train v]", "define train on images from",
                                      ("define sigmoid of", "define conv 1 window starts")]),
]
VIEWPORT = {"width": 1440, "height": 900}
EDITOR_SHOTS = {  # picture in docs/ <- screenshot taken by tests/browser/mnist_scenario.mjs
    "editor-predict.png": "editor-predict-0.png",
    "stage-predict.png": "stage-predict-0.png",
    "editor-training.png": "editor-training.png",
    "stage-correct.png": "stage-correct.png",
    "stage-confusion.png": "stage-confusion.png",
    "stage-weights.png": "stage-weights.png",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sb3", type=Path,
                        help="project to show (default: build/mnist.sb3, built if missing)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the pictures")
    parser.add_argument("--lang", default="en",
                        help="language of the build; other than en: only editor-predict-<lang>.png")
    args = parser.parse_args(argv)
    english = args.lang == "en"
    sb3 = args.sb3 or ROOT / "build" / ("mnist.sb3" if english else f"mnist-{args.lang}.sb3")
    if args.sb3 is None and not sb3.is_file():
        subprocess.run([sys.executable, "-m", "sb3gen", "build", "--lang", args.lang, "-o", str(sb3)],
                       check=True)
    args.out.mkdir(parents=True, exist_ok=True)
    if english:
        editor_pictures(sb3, args.out, EDITOR_SHOTS, train=True)
        script_pictures(sb3, args.out)
    else:
        shots = {f"editor-predict-{args.lang}.png": "editor-predict-0.png"}
        editor_pictures(sb3, args.out, shots, train=False)
    return 0


def editor_pictures(sb3: Path, out: Path, shots: dict[str, str], *, train: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="sb3gen-shots-") as tmp:
        pad = {"left": PAD.left, "top": PAD.top, "size": PAD.side * PAD.cell}
        bars = {"left": L.BARS_LEFT, "top": L.BARS_TOP_Y, "step": L.BARS_STEP, "length": L.BARS_LENGTH}
        options = {"sb3": str(sb3), "load": "menu", "shots": tmp, "train": train, "test": train,
                   "viewport": VIEWPORT, "pad": pad, "bars": bars if train else None}
        report = editor_harness.run_driver("mnist_scenario.mjs", [json.dumps(options)], timeout=900)
        if "error" in report or report["problems"]:
            raise SystemExit(f"the editor run failed: {report.get('error')} {report['problems']}")
        for picture, shot in shots.items():
            shutil.copyfile(Path(tmp) / shot, out / picture)
            print(f"wrote {out / picture}")
    digits = ", ".join(f"drew {d['drawn']} -> {d['prediction']}" for d in report["digits"])
    print(f"editor: {digits}; correction {report.get('correction')}; timings {report['timings']}")


def script_pictures(sb3: Path, out: Path) -> None:
    shown = subprocess.run([sys.executable, "-m", "sb3gen", "show", str(sb3)], check=True,
                           capture_output=True, text=True).stdout
    targets = split_targets(shown)
    pictures = []
    for picture, target, firsts in SCRIPT_PICTURES:
        scripts = split_scripts(targets[target])
        chosen = []
        for first in firsts:
            options = first if isinstance(first, tuple) else (first,)
            found = [s for option in options for s in scripts if s.startswith(option)]
            if not found:
                raise SystemExit(f"no script of {target} starts with {' or '.join(map(repr, options))}")
            chosen.append(found[0])
        text = mark_custom_calls("\n\n".join(chosen), targets[target])
        pictures.append({"text": text, "out": str(out / picture)})
    report = editor_harness.run_driver("render_blocks.mjs", [json.dumps({"pictures": pictures})])
    if report["problems"]:
        raise SystemExit(f"rendering the scripts failed: {report['problems']}")
    for path in report["written"]:
        print(f"wrote {path}")


def split_targets(shown: str) -> dict[str, str]:
    """`sb3gen show` text -> {target name: its scripts' text}."""
    parts = re.split(r"^// === (?:Sprite: )?(.+?) ===\n", shown, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def split_scripts(text: str) -> list[str]:
    return [s.strip("\n") for s in re.split(r"\n\s*\n", text) if s.strip()]


def mark_custom_calls(text: str, all_scripts: str) -> str:
    """Add `:: custom` to calls of the target's custom blocks: scratchblocks colours a call as a custom block
    only when its `define` is in the same picture."""
    patterns = [_call_pattern(m.group(1)) for m in re.finditer(r"^define (.+?)(?: ::.*| //.*)?$",
                                                                  all_scripts, flags=re.M)]
    lines = []
    for line in text.splitlines():
        body, comment = (line.split(" // ", 1) + [""])[:2] if " // " in line else (line, "")
        if not body.lstrip().startswith("define ") and any(p.fullmatch(body.strip()) for p in patterns):
            body += " :: custom"
        lines.append(f"{body} // {comment}" if comment else body)
    return "\n".join(lines)


def _call_pattern(signature: str) -> re.Pattern[str]:
    tokens = re.findall(r"\([^()]*\)|<[^<>]*>|[^\s()<>]+", signature)
    argument = r"(?:\(.*\)|<.*>|\[.*\])"
    return re.compile(r"\s+".join(argument if t[0] in "(<" else re.escape(t) for t in tokens))


if __name__ == "__main__":
    sys.exit(main())
