"""One CLI: the shared options have the same names in every command that takes them, every --help states its
defaults and what the command needs, an unknown option points to its subcommand's help, and network.json
describes a CNN as it is. Parsing only (no training, no Node.js): fast."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from sb3gen.cli import _HelpFormatter, main, make_parser
from sb3gen.layers import LayerSpec, flat_sizes
from sb3gen.ml.network import Network
from sb3gen.ml.presets import preset_config

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def parse(argv: list[str]) -> argparse.Namespace:
    return make_parser().parse_args(argv)


def subparsers() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in make_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


# (option and a value, the attribute it sets, that value parsed) x the commands that take it
SHARED = {
    "-o": (["-o", "x/out"], "output", Path("x/out")),
    "--output": (["--output", "x/out"], "output", Path("x/out")),
    "-q": (["-q"], "quiet", True),
    "--quiet": (["--quiet"], "quiet", True),
    "-v": (["-v"], "verbose", True),
    "--verbose": (["--verbose"], "verbose", True),
    "--epochs": (["--epochs", "3"], "epochs", 3),
    "--learning-rate": (["--learning-rate", "0.01"], "learning_rate", 0.01),
    "--batch-size": (["--batch-size", "64"], "batch_size", 64),
    "--seed": (["--seed", "7"], "seed", 7),
}
FIRST = {"verify": ["a.sb3"], "html": ["a.sb3"], "predict": ["digit.png"], "export-weights": ["-o", "w.txt"]}
TAKES = {
    "build": list(SHARED),
    "train": list(SHARED),
    "verify": ["-q", "--quiet"],
    "html": ["-o", "--output"],
    "export-weights": ["-o", "--output"],
}


@pytest.mark.parametrize("command, option", [(c, o) for c, options in TAKES.items() for o in options])
def test_each_command_takes_the_shared_option(command: str, option: str) -> None:
    argv, attribute, value = SHARED[option]
    args = parse([command, *FIRST.get(command, []), *argv])
    assert getattr(args, attribute) == value


def test_train_keeps_its_old_out_spelling_hidden() -> None:
    assert parse(["train", "--out", "somewhere"]).output == Path("somewhere")
    assert "--out " not in subparsers()["train"].format_help()


@pytest.mark.parametrize("command", ["build", "train"])
def test_the_training_options_reach_the_configuration(command: str, monkeypatch) -> None:
    import sb3gen.build
    import sb3gen.ml.train_cli

    module = sb3gen.build if command == "build" else sb3gen.ml.train_cli
    seen: dict = {}

    class Stop(Exception):
        pass

    def capture(name: str, **changes):  # stands in for preset_config: stop before any data or training
        seen.update(changes)
        raise Stop

    monkeypatch.setattr(module, "preset_config", capture)
    args = parse([command, "--epochs", "2", "--batch-size", "64", "--learning-rate", "0.01", "--seed", "5"])
    with pytest.raises(Stop):
        args._module.run(args)
    assert {k: seen[k] for k in ("epochs", "batch_size", "learning_rate", "seed")} == \
        {"epochs": 2, "batch_size": 64, "learning_rate": 0.01, "seed": 5}


def test_quiet_and_verbose_exclude_each_other(capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse(["build", "-q", "-v"])
    assert stopped.value.code == 2 and "not allowed with" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["build", "train", "verify", "html", "show", "info", "export-weights",
                                     "predict"])
def test_an_unknown_option_points_to_the_subcommands_help(command: str, capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([command, *FIRST.get(command, ["a.sb3"] if command in ("show", "info") else []), "--bogus"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert err == (f"sb3gen {command}: error: unrecognized arguments: --bogus "
                   f"(see 'sb3gen {command} --help')\n")


@pytest.mark.parametrize("command", sorted(subparsers()))
def test_every_option_states_its_default(command: str) -> None:
    parser = subparsers()[command]
    formatter = _HelpFormatter(parser.prog)
    for action in parser._actions:
        if (not action.option_strings or action.help == argparse.SUPPRESS or action.nargs == 0
                or action.required):
            continue  # positionals, hidden aliases, flags (off unless given), required options
        text = formatter._get_help_string(action)
        assert "default" in text or "needed with" in text, f"{command} {action.option_strings}: {text}"


NODE = "Node.js 18+ and npm"


@pytest.mark.parametrize("command, needs", [("verify", NODE), ("html", NODE), ("build", "TensorFlow"),
                                            ("train", "TensorFlow"), ("predict", "TensorFlow")])
def test_help_says_what_the_command_needs_and_how_long_it_takes(command: str, needs: str) -> None:
    text = " ".join(subparsers()[command].format_help().split())
    assert needs in text and ("Takes about" in text or "Takes a second" in text)


def test_train_help_names_one_data_default() -> None:
    text = " ".join(subparsers()["train"].format_help().split())
    assert "without it Keras' cache" not in text and "(default: the embedded 5,000 images" in text


# --- network.json of a CNN -----------------------------------------------------------------------------

def small_cnn() -> Network:
    specs = [LayerSpec("conv", 2, "relu"), LayerSpec("maxpool", 2), LayerSpec("dense", 4, "relu"),
             LayerSpec("dense", 10, "softmax")]
    weights = np.zeros(2 * 9 + 2 + 72 * 4 + 4 + 4 * 10 + 10)
    config = preset_config("default", filters=[2], dense=[4]).to_dict()
    return Network([196], "relu", weights, metrics={"config": config}, layer_specs=specs)


def test_network_json_describes_a_cnn_as_it_is() -> None:
    data = json.loads(small_cnn().to_json())
    assert data["layer_sizes"] == [196, 12 * 12 * 2, 6 * 6 * 2, 4, 10]
    assert data["metrics"]["config"]["layer_sizes"] == data["layer_sizes"]  # no 196-64-10 placeholder
    assert [layer.get("window") for layer in data["layers"]] == [3, 2, None, None]  # dense: none


def test_old_network_files_still_read_and_are_written_as_they_are(tmp_path: Path) -> None:
    data = json.loads(small_cnn().to_json())
    for layer in data["layers"]:
        layer["window"] = 3  # how earlier versions wrote every layer
    data["metrics"]["config"]["layer_sizes"] = [196, 64, 10]
    old = Network.from_dict(data)
    assert old.layer_specs == small_cnn().layer_specs and old.layer_sizes == flat_sizes(old.layers)
    assert json.loads(old.to_json()) == json.loads(small_cnn().to_json())


def test_the_example_network_json_describes_its_cnn() -> None:
    data = json.loads((EXAMPLES / "network.json").read_text())
    assert data["metrics"]["config"]["layer_sizes"] == data["layer_sizes"] == [196, 1152, 288, 32, 10]
    assert all("window" not in layer for layer in data["layers"] if layer["kind"] == "dense")
