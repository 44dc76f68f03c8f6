"""A torchvision model of one size (`models.resnet18(...)`) strictly loading a checkpoint file whose name
says it holds another size of the same family ("resnet34_cifar10_best.pth"): the layer counts or widths
differ, so load_state_dict reports missing and unexpected keys or size mismatches."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, dotted, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._checkpoints import torch_load
from assistant.codecheck.detectors._two_configs import is_strict
from assistant.codecheck.detectors._unpacked import known_value

name = "checkpoint-named-for-other-architecture"
# a family and its size, as torchvision names its builders and as people name their files
SIZED_FAMILY = re.compile(r"(resnet|resnext|wide_resnet|vgg|densenet|efficientnet_b|efficientnet_v2_|convnext_|"
                          r"mobilenet_v|regnet_[xy]_|vit_|swin_v2_|swin_)(\d+[a-z]?|tiny|small|base|large|[bhl]_\d+)",
                          re.I)


@needs_calls("load_state_dict")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("load_state_dict"):
        if not (isinstance(call.func, ast.Attribute) and call.args and is_strict(call)):
            continue
        built = _torchvision_builder(code, call.func.value)
        load = torch_load(code, call.args[0])
        file = _string(code, argument(load, 0, "f")) if load is not None else None
        if built is None or file is None:
            continue
        family, size = built
        named = {(f.lower(), s.lower()) for f, s in SIZED_FAMILY.findall(file.rpartition("/")[2])}
        others = sorted(f"{f}{s}" for f, s in named if f == family and s != size)
        if others and (family, size) not in named:
            yield Hit.at(code, call, f"{source_of(call)} loads {file!r}, whose name says {others[0]}, into a "
                         f"{family}{size} ({source_of(call.func.value)}): the two sizes have different layers, "
                         f"so keys go missing or mismatch in size; build the model as {others[0]}")


def _torchvision_builder(code: Code, model: ast.expr) -> tuple[str, str] | None:
    """(family, size) of `models.resnet18(...)` (or torchvision.models.…) that the model name holds."""
    built = known_value(code, model) if isinstance(model, ast.Name) else None
    if not isinstance(built, ast.Call):
        return None
    spelled = dotted(built.func) or ""
    module, _, builder = spelled.rpartition(".")
    resolved = code.resolved(built.func) or ""
    if not (module in ("models", "torchvision.models") or resolved.startswith("torchvision.models.")):
        return None
    found = SIZED_FAMILY.fullmatch(builder)
    return (found.group(1).lower(), found.group(2).lower()) if found else None


def _string(code: Code, value: ast.expr | None) -> str | None:
    value = known_value(code, value)
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
