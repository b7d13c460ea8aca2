"""The full-MNIST case: a 70,000-image mnist.npz made of shifted copies of the embedded digits (MNIST itself
cannot be downloaded here), built into a project with all 60,000 training and 10,000 test images, its sizes
against the website's limits, and a `test` pass over the 10,000 test images in TurboWarp, proved equal to the
reference.

    python benchmarks/big_build.py [--network build/network.json] [--work /tmp/sb3gen-big]

Without --network a fan-in random 196-32-10 network is used (only sizes and equality are measured).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from big_mnist import make_npz  # noqa: E402

from sb3gen.ml.network import Network  # noqa: E402
from sb3gen.scratch import read_sb3  # noqa: E402
from sb3gen.scratch.packer import list_sizes, project_json_bytes  # noqa: E402
from sb3gen.verify import read_interface, reference  # noqa: E402
from sb3gen.vm import run_project  # noqa: E402


def random_network(path: Path) -> None:
    rng = np.random.default_rng(0)
    parts = [rng.uniform(-1, 1, 196 * 32) / 14, np.zeros(32), rng.uniform(-1, 1, 320) / np.sqrt(32),
             np.zeros(10)]
    Network([196, 32, 10], "sigmoid", np.concatenate(parts)).save(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", type=Path)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sb3gen-big"))
    args = parser.parse_args()
    npz = args.work / "mnist.npz"
    if not npz.is_file():
        make_npz(npz)
    network = args.network or args.work / "random-network.json"
    if args.network is None:
        random_network(network)
    sb3 = args.work / "out" / "mnist.sb3"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sb3gen", "build", "--data", str(npz), "--network", str(network),
                    "-o", str(sb3)], check=True, capture_output=True)
    print(f"build --network of 70,000 images: {time.perf_counter() - started:.1f} s")
    project_json, _ = read_sb3(sb3)
    size = len(project_json_bytes(project_json))
    print(f"project.json {size:,} bytes ({size / 5e6:.0%} of 5 MB), .sb3 {sb3.stat().st_size:,} bytes")
    for target, name, items, nbytes in list_sizes(project_json)[:3]:
        print(f"  list {name!r} ({target}): {items:,} items, {nbytes:,} bytes")
    data = read_interface(project_json, str(sb3))
    run = run_project(sb3, [{"set_variable": "accuracy", "value": ""}, {"broadcast": "test"}],
                      engine="turbowarp", max_steps=10_000_000, timeout_s=3600)
    predictions, accuracy = reference(data).test(data.test_images, data.test_labels)
    same = [int(float(v)) for v in run.stage_lists["predictions"]] == predictions.tolist() and \
        float(run.stage_variables["accuracy"]) == accuracy
    print(f"TurboWarp `test` over {len(data.test_labels):,} images: {run.phases[-1].seconds:.1f} s, "
          f"accuracy {float(run.stage_variables['accuracy']):g}%; "
          f"{'equal to' if same else 'DIFFERS from'} the reference")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
