"""`sb3gen show` writes the notation of scratchblocks (the forum/wiki renderer): scratchblocks itself reads
the shown text of every test program and of the generated network project, and finds each block in the
category of the opcode it came from (an unknown or misread block would land elsewhere)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from sb3gen.scratch import compile_project, show_project

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "browser"))
sys.path.insert(0, str(HERE))
import editor_harness  # noqa: E402
import test_programs  # noqa: E402
from test_compiler_templates import small_cnn_project, small_network_project  # noqa: E402

CATEGORIES = {
    "event": "events",
    "control": "control",
    "operator": "operators",
    "looks": "looks",
    "motion": "motion",
    "pen": "pen",
    "sensing": "sensing",
}


def expected_categories(project_json: dict) -> Counter:
    """Per scratchblocks category, how many blocks project.json holds (menus and literals are not blocks)."""
    counts: Counter = Counter()
    for target in project_json["targets"]:
        for block in target["blocks"].values():
            for value in block["inputs"].values():
                for item in value[1:]:
                    if isinstance(item, list) and item[0] in (12, 13):
                        counts["variables" if item[0] == 12 else "list"] += 1
            opcode = block["opcode"]
            if opcode.startswith("argument_reporter_"):
                counts["custom-arg"] += 1
            elif block["shadow"]:
                continue
            elif opcode.startswith("procedures_"):
                counts["custom"] += 2 if opcode == "procedures_definition" else 1  # `define` and its outline
            elif opcode.startswith("data_"):
                counts["list" if "list" in opcode else "variables"] += 1
            else:
                counts[CATEGORIES[opcode.split("_")[0]]] += 1
    return counts


def projects() -> dict[str, dict]:
    out = {
        name: compile_project(test_programs.build(name)).project_json
        for name in sorted(test_programs.PROGRAMS)
    }
    out["network"] = compile_project(small_network_project("tables")).project_json
    # the CNN's names too (pooled value, conv 1 filter 1 sum 2, ...): a name scratchblocks reads as a block of
    # its own (e.g. "distance") would land in another category
    out["cnn"] = compile_project(small_cnn_project("tables")).project_json
    return out


@pytest.fixture(scope="module")
def scratchblocks_counts(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    editor_harness.node_tools()  # installs scratchblocks with the browser harness tools
    folder = tmp_path_factory.mktemp("shown")
    built = projects()
    files = {}
    for name, project_json in built.items():
        files[name] = folder / f"{name}.txt"
        files[name].write_text(show_project(project_json), encoding="utf-8")
    done = subprocess.run(
        ["node", str(HERE / "test_compiler_scratchblocks.mjs"), *map(str, files.values())],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return built, {name: report[str(path)] for name, path in files.items()}


@pytest.mark.parametrize("name", [*sorted(test_programs.PROGRAMS), "network", "cnn"])
def test_scratchblocks_reads_every_block_in_its_category(name: str, scratchblocks_counts) -> None:
    built, counts = scratchblocks_counts
    assert counts[name] == dict(expected_categories(built[name]))
