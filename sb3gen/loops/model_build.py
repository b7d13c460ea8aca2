"""`sb3gen build --model` for a model the unrolled engine refuses: the Keras front end (sb3gen.importers)
gives the layers, the loop engine runs them (sb3gen.loops.app), the images follow the model's input:

  784 inputs (28x28, or 28x28x1): grey 28x28, x / 255 quantized as the stored images are
  196 inputs (14x14): the articles' binarised 14x14 images (the default preprocessing)
The UI's pad draws into `input` in the same form. Train and Test get a smaller share of the images when a pass
would take longer than about 10 minutes in the editor (sb3gen.loops.share).

Everything that can be refused is refused before the data is read: the model's problems, a kind whose blocks
are not written yet, an input size neither format gives, the website's limits (the packer).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np

from sb3gen.errors import ProblemReport, Sb3genError
from sb3gen.kinds import Layer, kind
from sb3gen.loops.plan import problems
from sb3gen.project.inputs import BINARY14, GREY28, InputFormat
from sb3gen.scratch.templates import templates_dir

BINARY14_SIDE = 14  # the only input the unrolled engine's project reads
WEIGHT_COPIES = 2  # `weights` and `shipped weights` (restore weights)
DEFAULT_TRAIN_IMAGES = 4000
DEFAULT_TEST_IMAGES = 1000


def old_engine_refusal(args: argparse.Namespace) -> str | None:
    """Why the unrolled engine refuses --model (its size estimate, its loader, its layer check), or None;
    "" for an ONNX model, which only the loop engine reads."""
    if Path(args.model).suffix.lower() == ".onnx":
        return ""
    from sb3gen.build import check_blocks_run, load_network
    from sb3gen.ml.model_file import peek_layer_sizes
    from sb3gen.project.estimate import check_fits

    try:
        peeked = peek_layer_sizes(args.model)
        if peeked is not None:
            check_fits(peeked, 0, 0, args.math, what="--model")
        net = load_network(args)
        if net.preprocess.size != BINARY14_SIDE:  # its stage, pad and UI read 14x14 only
            side = net.preprocess.size
            return (f"--model takes {side}x{side} inputs; the unrolled engine reads the 14x14 binarised "
                    "input only")
        check_blocks_run(net.layers, None)
        if net.is_mlp:
            check_fits(net.layer_sizes, 0, 0, args.math, what="--model")
    except Sb3genError as refused:
        return str(refused).splitlines()[0]
    return None


def loop_layers(model: Path) -> list[Layer]:
    """The model's layers, or one Sb3genError naming every problem (the importer's, the engine's)."""
    from sb3gen.importers import import_model

    layers = list(import_model(model).layers)
    found = problems(layers)
    for layer in layers:
        template = kind(layer.kind).TEMPLATE
        if template is not None and not (templates_dir() / template).is_file():
            found.append(f"{layer.where()}: the blocks of the kind {layer.kind!r} are not written yet")
    if found:
        raise ProblemReport(f"{model.name}: the loop engine cannot run it:", found)
    return layers


def rounded(layers: list[Layer], digits: int) -> list[Layer]:
    """Params rounded to `digits` significant digits (--weight-digits, as the unrolled engine's build)."""
    from sb3gen.ml.network import round_weights

    return [replace(layer, params=tuple(round_weights(p.ravel(), digits).reshape(p.shape)
                                        for p in layer.params)) for layer in layers]


def check_weight_sizes(layers: list[Layer]) -> None:
    """The weights alone within the website's limits (the packer checks the whole project after)."""
    from sb3gen.loops.plan import flat_weights
    from sb3gen.scratch.packer import LIST_LIMIT, PROJECT_JSON_LIMIT

    weights = flat_weights(layers)
    if weights.size > LIST_LIMIT:
        raise Sb3genError(f"{weights.size:,} weights: the list `weights` holds at most {LIST_LIMIT:,} items "
                          "(splitting it across lists is not written yet)")
    text = WEIGHT_COPIES * sum(len(repr(float(w))) + 1 for w in weights.tolist())
    if text > PROJECT_JSON_LIMIT:
        raise Sb3genError(f"{weights.size:,} weights take about {text:,} bytes of project.json (two copies), "
                          f"over its {PROJECT_JSON_LIMIT:,}; try fewer --weight-digits")


def input_format_for(layers: list[Layer]) -> InputFormat:
    n = layers[0].n_in
    for fmt in (GREY28, BINARY14):
        if n == fmt.n_inputs:
            return fmt
    raise Sb3genError(f"the model takes {n} inputs ({layers[0].in_shape}); sb3gen gives 784 (28x28 grey) "
                      "or 196 (14x14 binarised)")


def model_images(fmt: InputFormat, images_uint8: np.ndarray) -> np.ndarray:
    from sb3gen.ml.preprocess import PreprocessSettings, preprocess, preprocess_grey

    if fmt is GREY28:
        return preprocess_grey(images_uint8)
    return preprocess(images_uint8, PreprocessSettings()).reshape(len(images_uint8), -1)


def run_loop_build(args: argparse.Namespace, refusal: str) -> int:
    from sb3gen.files import OutputSet
    from sb3gen.loops import reference
    from sb3gen.loops.app import loop_project
    from sb3gen.loops.share import measure, share
    from sb3gen.ml.dataset import load_mnist
    from sb3gen.ml.subsets import held_out_indices, project_subsets
    from sb3gen.scratch import compile_project, pack_sb3

    outputs = OutputSet(args.output.parent, main=args.output.name, option="-o", example="mnist.sb3")
    with outputs as out:  # an output that cannot be written is refused before any work
        try:
            raw = loop_layers(Path(args.model))
            layers = rounded(raw, args.weight_digits)
            fmt = input_format_for(layers)
            check_weight_sizes(layers)
        except ProblemReport as loop_refusal:  # its problems stay one line each
            raise ProblemReport(f"{refusal}; the loop engine cannot build it either: {loop_refusal.headline}",
                                loop_refusal.problems) from None
        except Sb3genError as loop_refusal:
            if not refusal:
                raise
            raise Sb3genError(f"{refusal}\nthe loop engine cannot build it either: {loop_refusal}") from None
        why = f"the unrolled engine refuses it ({refusal}); " if refusal else ""
        print(f"{why}building it on the loop engine: "
              + ", ".join(f"{layer.name} {layer.out_shape}" for layer in layers))
        dataset = load_mnist(args.data, log=print)
        held_out = held_out_indices(dataset.labels, dataset.test_start)
        # the share rule (sb3gen.loops.share): measured on a held-out image in the project's own blocks
        cost = measure(layers, fmt, model_images(fmt, dataset.images[held_out[:1]])[0],
                       int(dataset.labels[held_out[0]]))
        n_train, train_text = share(args.train_images, DEFAULT_TRAIN_IMAGES, cost.train, "--train-images")
        n_test, test_text = share(args.test_images, DEFAULT_TEST_IMAGES, cost.test, "--test-images")
        print(f"{train_text}\n{test_text}")
        train_idx, test_idx = project_subsets(dataset.labels, held_out, n_train, min(n_test, len(held_out)),
                                              args.seed)
        train = model_images(fmt, dataset.images[train_idx])
        test = model_images(fmt, dataset.images[test_idx])
        _, accuracy = reference.test(layers, test, dataset.labels[test_idx])
        int8 = getattr(args, "weight_int8", False)
        comparison = None
        if int8:  # the float project's size and accuracy, then the int8 one's (codes: the unrounded params)
            from sb3gen.loops.app import int8_layers
            from sb3gen.scratch.packer import project_json_bytes

            plain = loop_project(layers, train, dataset.labels[train_idx], test, dataset.labels[test_idx],
                                 input_format=fmt, lang=args.lang, test_accuracy=accuracy)
            comparison = (len(project_json_bytes(compile_project(plain).project_json)), accuracy)
            layers = int8_layers(raw)
            _, accuracy = reference.test(layers, test, dataset.labels[test_idx])
        print(f"accuracy in Scratch (reference{', int8 weights' if int8 else ''}) {accuracy:.1f}% on the "
              f"project's {len(test_idx):,} test images")
        project = loop_project(raw if int8 else layers, train, dataset.labels[train_idx], test,
                               dataset.labels[test_idx], input_format=fmt, lang=args.lang,
                               test_accuracy=accuracy, int8=int8)
        compiled = compile_project(project)
        sb3 = pack_sb3(compiled)  # refuses what is over the website's limits
        out.write_bytes(args.output.name, sb3)
        if getattr(args, "html", False):
            from sb3gen.html_page import make_page, page_path
            from sb3gen.project.ui_i18n import texts

            out.write_bytes(page_path(args.output).name, make_page(sb3, texts(args.lang)["title"]))
    weights = sum(layer.param_count for layer in layers)
    stored = "int8 codes with a scale per layer" if comparison is not None else \
        f"{args.weight_digits} significant digits"
    print(f"wrote {args.output} ({len(sb3):,} bytes): {weights:,} weights in the list `weights` "
          f"({stored}), {len(train_idx):,} training and {len(test_idx):,} test images ({fmt.name})")
    if comparison is not None:
        from sb3gen.scratch.packer import project_json_bytes

        size, float_accuracy = comparison
        int8_size = len(project_json_bytes(compiled.project_json))
        print(f"int8 weights: project.json {int8_size:,} bytes, float ({args.weight_digits} digits) "
              f"{size:,} bytes ({size / int8_size:.2f}x); accuracy on the project's {len(test_idx):,} test "
              f"images float {float_accuracy:.2f}%, int8 {accuracy:.2f}%, drop "
              f"{float_accuracy - accuracy:.2f} points")
    return 0
