"""ImageNet weights (a checkpoint whose path says imagenet: 1000 classes) loaded whole into a model
built with another `num_classes`: the classifier's tensors differ in shape, and load_state_dict
cannot copy across shapes even with strict=False ("size mismatch for classifier.weight"). Loading a
state dict that the code first filters (pops or leaves out the head's keys) is not judged."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._checkpoints import torch_load
from assistant.codecheck.detectors._unpacked import known_value

name = "imagenet-weights-into-other-head"
IMAGENET_CLASSES = (1000, 1001, 21843, 11221)  # ImageNet-1k (and TF's 1001), -21k, -21k-P


@needs_calls("load_state_dict")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("load_state_dict"):
        if not (isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) and call.args):
            continue
        classes = _num_classes(code, call.func.value)
        loaded = call.args[0]
        load = torch_load(code, loaded)
        path = constant(known_value(code, load.args[0])) if load is not None and load.args else None
        if classes is None or classes in IMAGENET_CLASSES or not isinstance(path, str) \
                or "imagenet" not in path.lower() or _used_elsewhere(code, loaded, call):
            continue
        yield Hit.at(code, call, f"{source_of(call)} loads {path!r}, ImageNet weights with a 1000-class head, into a "
                     f"model built with num_classes={classes}: the head's tensors differ in shape, and strict=False "
                     "does not skip a size mismatch; drop the head's keys from the state dict before loading",
                     {"classes": str(classes)})


def _num_classes(code: Code, model: ast.Name) -> int | None:
    built = known_value(code, model)
    value = constant(known_value(code, keyword(built, "num_classes"))) if isinstance(built, ast.Call) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _used_elsewhere(code: Code, loaded: ast.expr, call: ast.Call) -> bool:
    """The loaded name is read anywhere but in this load_state_dict: it may be filtered first."""
    if not isinstance(loaded, ast.Name):
        return False
    return any(n.id == loaded.id and isinstance(n.ctx, ast.Load) and n is not loaded for n in code.nodes_of(ast.Name))
