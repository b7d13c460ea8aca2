"""How well teaching works, measured with the numpy mirror of the blocks (sb3gen/reference/teach.py), which
the VM matches bit for bit (tests/test_teach.py):

    python benchmarks/teach.py [build/mnist.sb3]

1. corrections: for every image of the first half of the project's test images (held out: never trained on)
   that the project's weights get wrong, how many corrections (of `steps per correction` steps) make it right;
2. forgetting: 10 of those images corrected one after the other, then the accuracy on the other half of the
   test images, and again after `train my digits` with the project's settings; the same with other steps per
   correction.
"""

from __future__ import annotations

import argparse
import json
import zipfile

import numpy as np

from sb3gen.project.image_codec import SYMBOLS
from sb3gen.reference import ReferenceNetwork, packed
from sb3gen.reference import teach as T
from sb3gen.verify import read_interface


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sb3", nargs="?", default="build/mnist.sb3")
    parser.add_argument("--teaching-rate", type=float, help="instead of the project's TEACHING_RATE")
    args = parser.parse_args()
    stage = next(t for t in json.loads(zipfile.ZipFile(args.sb3).read("project.json"))["targets"]
                 if t["isStage"])
    lists = {name: values for name, values in stage["lists"].values()}
    variables = {name: value for name, value in stage["variables"].values()}
    sizes = [int(n) for n in lists["layer sizes"]]
    math = "tables" if "exp table" in lists else "native"
    weights = np.array(lists["weights"], dtype=np.float64)
    rate = float(variables["TEACHING_RATE"]) if args.teaching_rate is None else args.teaching_rate
    layers = read_interface(json.loads(zipfile.ZipFile(args.sb3).read("project.json")), args.sb3).layers

    def network() -> ReferenceNetwork:
        return ReferenceNetwork(sizes, str(variables["hidden activation"]), weights,
                                rate, math=math, layers=layers)

    def unpacked(name: str) -> np.ndarray:
        return packed.unpack_all(lists[name], SYMBOLS, sizes[0])

    train = unpacked("train images"), np.array(lists["train labels"], dtype=np.int64)
    images, labels = unpacked("test images"), np.array(lists["test labels"], dtype=np.int64)
    half = len(labels) // 2  # drawings to teach come from the first half, the second half is the check
    check = images[half:], labels[half:]
    base = network()
    wrong = [i for i in range(half) if base.forward(images[i]).prediction != labels[i]]
    steps = int(variables["steps per correction"])
    needed = []
    for i in wrong:
        net = network()
        count = None
        for corrections in range(1, 4):
            T.correct(net, images[i], int(labels[i]), steps)
            if net.forward(images[i]).prediction == labels[i]:
                count = corrections
                break
        needed.append(count)
    print(f"{len(wrong)} of the first {half} test images wrong; corrections needed ({steps} steps each, rate "
          f"{base.learning_rate:g}): " + ", ".join(f"{k}: {needed.count(k)}" for k in (1, 2, 3))
          + f", more: {needed.count(None)}")

    taught = wrong[:10]
    print(f"before: the other {len(check[1])} test images {base.test(*check)[1]:.1f}%")
    for per_correction in sorted({1, steps, 10}):
        net = network()
        for i in taught:
            T.correct(net, images[i], int(labels[i]), per_correction)
        fixed = sum(net.forward(images[i]).prediction == labels[i] for i in taught)
        line = (f"{per_correction:>2} steps per correction, 10 corrected: {fixed} of 10 right, "
                f"others {net.test(*check)[1]:.1f}%")
        T.train_my_digits(net, images[taught], labels[taught], *train,
                          epochs=int(variables["my digits epochs"]),
                          mixed=int(variables["mixed training images"]), cursor=0)
        fixed = sum(net.forward(images[i]).prediction == labels[i] for i in taught)
        print(f"{line}; after train my digits: {fixed} of 10, others {net.test(*check)[1]:.1f}%")


if __name__ == "__main__":
    main()
