"""Figures for issue 22's three target models (tests/article_models.py), built by `sb3gen build --model` as
a user does: parameters, project.json bytes, the share the build chose, block evaluations per multiply-add
(scratch-vm's count, deterministic) for `predict` and `learn` on one image, and TurboWarp's time for
`predict pad` on a drawing (one MNIST digit put on the pad; compile included in the first).

    python benchmarks/target_models.py [--folder DIR]   (about 3 minutes; the fourth article's CNN's
                                                         training step takes ~20 s of CPU in scratch-vm)

Multiply-adds as benchmarks/loops.py counts them, over every kernel position: forward = every weight of every
conv and dense layer times its output positions; training step = 2 x forward + the errors of every weighted
layer's input but the first's. Weights are Keras' initial ones (seed 1)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from article_models import fourth_article_cnn, second_article_cnn, tutorial_mlp  # noqa: E402

from sb3gen.loops.model_build import loop_layers  # noqa: E402
from sb3gen.ml.dataset import load_mnist  # noqa: E402
from sb3gen.ml.keras_model import import_keras  # noqa: E402
from sb3gen.vm import run_project  # noqa: E402

MODELS = {"tutorial MLP": (tutorial_mlp, "mlp.keras"),
          "second article's CNN (channels_first, .h5)": (lambda: second_article_cnn("channels_first"),
                                                         "my_model.h5"),
          "fourth article's CNN": (fourth_article_cnn, "cnn.keras")}


def macs(layers) -> tuple[int, int]:
    per_layer = [layer.n_out * (layer.params[0].size // layer.out_shape[-1]) if layer.kind == "conv2d"
                 else layer.params[0].size for layer in layers if layer.kind in ("conv2d", "dense")]
    return sum(per_layer), 2 * sum(per_layer) + sum(per_layer[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path("target-models"))
    folder = parser.parse_args().folder
    folder.mkdir(parents=True, exist_ok=True)
    digit = load_mnist(None, log=None).images[0].astype(np.float64) / 255
    for title, (make, file_name) in MODELS.items():
        import_keras().utils.set_random_seed(1)
        model_path, out = folder / file_name, folder / (Path(file_name).stem + ".sb3")
        make().save(model_path)
        printed = subprocess.run([sys.executable, "-m", "sb3gen", "build", "--model", str(model_path), "-o",
                                  str(out)], capture_output=True, text=True, check=True).stdout
        with zipfile.ZipFile(out) as sb3:
            project_bytes = len(sb3.read("project.json"))
            stage = next(t for t in json.loads(sb3.read("project.json"))["targets"] if t["isStage"])
        lists = {name: values for name, values in stage["lists"].values()}
        layers = loop_layers(model_path)
        forward_macs, train_macs = macs(layers)
        sb3 = out.read_bytes()
        run = run_project(sb3, [{"green_flag": True}, {"set_list": "pad", "values": digit.ravel().tolist()},
                                {"broadcast": "predict pad"}, {"read": True},
                                {"set_variable": "right digit", "value": 5}, {"broadcast": "learn"}],
                          timeout_s=3600)
        pad_input = [float(v) for v in run.snapshots[0]["Stage"]["lists"]["input"]]
        forward = run_project(sb3, [{"set_list": "input", "values": pad_input}, {"broadcast": "predict"}],
                              timeout_s=3600)
        predict = sum(p.evaluations for p in forward.phases if p.action == "broadcast predict")
        pad = sum(p.evaluations for p in run.phases if p.action == "broadcast predict pad")
        learn = sum(p.evaluations for p in run.phases if p.action == "broadcast learn")
        tw = run_project(sb3, [{"green_flag": True}] + [
            {"set_list": "pad", "values": digit.ravel().tolist()}, {"broadcast": "predict pad"}] * 3,
            engine="turbowarp", timeout_s=3600)
        seconds = [p.seconds for p in tw.phases if p.action == "broadcast predict pad"]
        print(f"{title}: {sum(layer.param_count for layer in layers):,} parameters, project.json "
              f"{project_bytes:,} bytes, .sb3 {len(sb3):,} bytes, {len(lists['train labels']):,} training "
              f"and {len(lists['test labels']):,} test images")
        print("  " + "\n  ".join(line for line in printed.splitlines() if line.startswith(("train", "test"))))
        print(f"  scratch-vm: `predict` {predict:,} evaluations ({forward_macs:,} multiply-adds forward: "
              f"{predict / forward_macs:.2f} each); `learn` {learn:,} ({train_macs:,}: "
              f"{learn / train_macs:.2f} each); `predict pad` {pad:,} (the pad's normalisation included)")
        times = ", ".join(f"{s * 1000:.0f}" for s in seconds)
        print(f"  TurboWarp: `predict pad` {times} ms (three drawings)")


if __name__ == "__main__":
    main()
