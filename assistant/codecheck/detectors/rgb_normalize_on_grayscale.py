"""`transforms.Normalize` with three means (ImageNet's) in the transform of one-channel images: a
grayscale dataset (MNIST, Fashion-MNIST, KMNIST, EMNIST) or a Compose that converts to `Grayscale()`.
Normalize works in place on a [1, H, W] image, and the 3-channel broadcast result cannot fit in it
("output with shape [1, 28, 28] doesn't match the broadcast shape [3, 28, 28]")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._unpacked import known_value

name = "rgb-normalize-on-grayscale"
GRAYSCALE_DATASETS = ("MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST")


@needs_calls("Normalize")
def check(code: Code) -> Iterator[Hit]:
    for compose in code.calls_of("Compose"):
        steps = compose.args[0] if len(compose.args) == 1 and isinstance(compose.args[0], (ast.List, ast.Tuple)) else None
        if steps is None or _may_add_channels(steps.elts):
            continue
        gray = _grayscale_step(steps.elts) or _one_channel_source(code, compose)
        for step in steps.elts if gray is not None else []:
            if (means := _three_means(code, step)) is not None:
                yield _hit(code, step, means, gray)  # type: ignore[arg-type]
    for step in code.calls_of("Normalize"):  # a Normalize given alone as the transform
        means = _three_means(code, step)
        if means is not None and not isinstance(code.parents.get(step), (ast.List, ast.Tuple)):
            if (gray := _one_channel_source(code, step)) is not None:
                yield _hit(code, step, means, gray)


def _hit(code: Code, step: ast.Call, means: ast.expr, gray: ast.AST) -> Hit:
    return Hit.at(code, step, f"{source_of(step.func)}(...) has 3 means ({source_of(means)}) but the images have one "
                  f"channel ({source_of(gray)}, line {gray.lineno}): the in-place normalisation cannot write a "  # type: ignore[attr-defined]
                  "3-channel result into a [1, H, W] image; give one mean and one std (MNIST: "
                  "Normalize((0.1307,), (0.3081,))), or Grayscale(num_output_channels=3) for an RGB model")


def _three_means(code: Code, step: ast.expr) -> ast.expr | None:
    if not (isinstance(step, ast.Call) and kind_of(step) == "Normalize"):
        return None
    means = known_value(code, argument(step, 0, "mean"))
    return means if isinstance(means, (ast.List, ast.Tuple)) and len(means.elts) == 3 else None


def _grayscale_step(steps: list[ast.expr]) -> ast.Call | None:
    """A `Grayscale()` step that makes one channel (its default)."""
    for step in steps:
        if isinstance(step, ast.Call) and kind_of(step) == "Grayscale":
            channels = argument(step, 0, "num_output_channels")
            return step if channels is None or constant(channels) == 1 else None
    return None


def _may_add_channels(steps: list[ast.expr]) -> bool:
    """A Lambda or a custom step could repeat the gray channel; only torchvision's known steps are read."""
    return any(not isinstance(step, ast.Call) or kind_of(step) in ("Lambda", "RGB") for step in steps)


def _one_channel_source(code: Code, transform: ast.Call) -> ast.AST | None:
    """Where the images that `transform` gets have one channel: a grayscale torchvision dataset given it
    as `transform=`, or a dataset class of this file given it whose __init__ makes [N, 1, H, W] images."""
    holder = code.parents.get(transform)
    names = {dotted(t) for t in holder.targets} - {None} if isinstance(holder, ast.Assign) else set()
    for dataset in code.calls_of(*GRAYSCALE_DATASETS):
        given = keyword(dataset, "transform")
        if given is transform or (given is not None and dotted(given) in names):
            return dataset
    if isinstance(holder, ast.Call) and transform in holder.args and isinstance(holder.func, ast.Name):
        cls = next((c for c in code.classes if c.name == holder.func.id), None)
        return _one_channel_images(cls) if cls is not None else None
    return None


def _one_channel_images(cls: ast.ClassDef) -> ast.Call | None:
    """`self.images = torch.rand(32, 1, 28, 28)` in the class's __init__."""
    init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    for node in ast.walk(init) if init is not None else []:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and (dotted(node.value.func) or "").rpartition(".")[2] in ("rand", "randn", "zeros", "ones", "empty") \
                and len(node.value.args) == 4 and constant(node.value.args[1]) == 1:
            return node.value
    return None
