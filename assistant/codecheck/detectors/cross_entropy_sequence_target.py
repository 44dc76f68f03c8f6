"""cross_entropy (or nll_loss) on per-token logits [N, S, C] with per-token targets [N, S]: the loss reads dim 1
as the classes, so it takes S for the classes and expects targets [N, C] ("Expected target size
[N, C], got [N, S]"), or, when S == C, trains on positions as classes. Fires only where the code or
its comments give both shapes and the target's two dims are the logits' first two, which shows the
classes are last."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._losses import loss_calls
from assistant.codecheck.detectors._ranks import ELEMENTWISE
from assistant.codecheck.detectors._torch_names import layer_call, module_classes
from assistant.codecheck.detectors._comment_shapes import returned_dims, stated_dims

name = "cross-entropy-sequence-target"
SHAPE_KEEPING = ("float", "double", "half", "long", "int", "to", "cpu", "cuda", "contiguous", "detach", "clone")
SIZED = ("randn", "rand", "zeros", "ones", "empty")


@needs_calls("CrossEntropyLoss", "cross_entropy", "NLLLoss", "nll_loss")
def check(code: Code) -> Iterator[Hit]:
    for call in loss_calls(code, "CrossEntropyLoss", "NLLLoss"):
        logits, target = (call.args[0] if call.args else None), argument(call, 1, "target")
        if logits is None or target is None:
            continue
        scores, labels = dims_of(code, logits), dims_of(code, target)
        if scores and labels and len(scores) == 3 and len(labels) == 2 and _same(scores[:2], labels) and (
                not _same(scores[1:2], scores[2:])):
            yield Hit.at(code, call, f"{source_of(call.func)}({source_of(logits)}, {source_of(target)}): the logits are "
                         f"[{', '.join(scores)}] and the targets [{', '.join(labels)}], so the classes ({scores[2]}) are "
                         f"last, but cross_entropy reads dim 1 ({scores[1]}) as the classes; pass "
                         f"{source_of(logits)}.transpose(1, 2), or flatten both to [N*S, C] and [N*S]",
                         {"logits": f"[{', '.join(scores)}]", "target": f"[{', '.join(labels)}]"})


def dims_of(code: Code, value: ast.expr, depth: int = 0) -> list[str] | None:
    """The dims (as written) of `value`: a factory's sizes, what a module's forward returns by its
    comment, or what a comment states for a name; through shape-keeping calls and element-wise functions."""
    if depth > 8:
        return None
    while isinstance(value, ast.Call):
        if isinstance(value.func, ast.Attribute) and code.resolved(value.func) is None and value.func.attr in SHAPE_KEEPING:
            value = value.func.value
        elif code.resolved(value.func) in ELEMENTWISE and value.args:
            value = value.args[0]  # F.log_softmax(x, dim=-1) keeps x's shape
        else:
            break
    if isinstance(value, ast.Name):
        bound = code.reaching_value(value)
        if bound is not None and (shown := dims_of(code, bound, depth + 1)) is not None:
            return shown
        return stated_dims(code, value)
    if isinstance(value, ast.Call):
        return _factory_dims(code, value) or _model_output_dims(code, value)
    return None


def _factory_dims(code: Code, call: ast.Call) -> list[str] | None:
    """`torch.randn(B, S, C)`, `torch.zeros((B, S))`, `torch.randint(0, C, (B, S))`: the sizes as written."""
    factory = (code.resolved(call.func) or "").removeprefix("torch.")
    if factory == "randint":
        sizes = argument(call, 2 if len(call.args) >= 3 else 1, "size")
        return [source_of(s) for s in sizes.elts] if isinstance(sizes, (ast.Tuple, ast.List)) and sizes.elts else None
    if factory not in SIZED or not call.args or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    if len(call.args) == 1:
        size = call.args[0]
        return [source_of(s) for s in size.elts] if isinstance(size, (ast.Tuple, ast.List)) and size.elts else (
            [source_of(size)] if isinstance(constant(size), int) else None)
    return [source_of(a) for a in call.args]


def _model_output_dims(code: Code, call: ast.Call) -> list[str] | None:
    """What the comments on the `return` lines of a module class of this file say its forward returns."""
    built = layer_call(code, call.func)
    if isinstance(built, ast.Call) and isinstance(built.func, ast.Name) and len(call.args) >= 1:
        return returned_dims(code, module_classes(code).get(kind_of(built)))
    return None


def _same(left: list[str], right: list[str]) -> bool:
    return [d.lower().replace(" ", "") for d in left] == [d.lower().replace(" ", "") for d in right]
