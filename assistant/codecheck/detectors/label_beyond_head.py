"""CrossEntropyLoss / NLLLoss targets that reach the number of logits of the head that makes the
input: 1-based labels (`torch.tensor([1, 2, 3])` into an `nn.Linear(16, 3)`), labels drawn with
`torch.randint(1, C + 1, ...)`, or a head sized `labels.max()` without the `+ 1`. Raises "Target 3
is out of bounds" on the CPU, a device-side assert on a GPU."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._class_index_losses import class_index_losses
from assistant.codecheck.detectors._labels import largest_label, largest_mapped_label, max_of, same_labels
from assistant.codecheck.detectors._losses import loss_options
from assistant.codecheck.detectors._torch_names import forward_returns, is_layer, layer_call, module_classes
from assistant.codecheck.detectors._widths import KEEP_FEATURES, int_value, out_width, producing_layer

name = "label-beyond-head"
DEFAULT_IGNORE_INDEX = -100


@needs_calls("Linear")
def check(code: Code) -> Iterator[Hit]:
    for call in class_index_losses(code):
        logits, target = argument(call, 0, "input"), argument(call, 1, "target")
        if logits is None or target is None:
            continue
        head = _head(code, logits)
        width = out_width(code, head) if head is not None else None
        ignored = _ignored(code, call)
        if width is None or ignored is False:
            continue
        shown = f"{source_of(call.func)}({source_of(logits)}, {source_of(target)})"
        if width.value is not None and width.value > 0:
            mapped = largest_mapped_label(code, target)
            largest = largest_label(code, target, ignored) or mapped  # type: ignore[arg-type]
            if largest is not None and largest.value >= width.value:
                fix = (f"the head needs {largest.value + 1} outputs, one per class of the map" if largest is mapped
                       else _fix(largest.value, width.value, target))
                yield Hit.at(code, call, f"{shown}: the logits come from {source_of(head)} (line {head.lineno}) with "
                             f"{width.shown()} classes, so targets must lie in 0..{width.value - 1}, but "
                             f"{largest.said(target)}; {fix}", {"target": str(largest.value)})
            continue
        counted = max_of(code, width.node)
        if counted is not None and same_labels(code, counted, target):
            yield Hit.at(code, call, f"{shown}: the head {source_of(head)} (line {head.lineno}) has "
                         f"{source_of(width.node)} outputs, the largest label of {source_of(target)} itself, so that "
                         f"label is one past the last class; size the head {source_of(counted)}.max() + 1",
                         {"target": f"{source_of(counted)}.max()"})


def _ignored(code: Code, call: ast.Call) -> int | None | bool:
    """The loss's ignore_index (its default where not given); False where it is given but not known."""
    options = loss_options(code, call)
    given = keyword(call, "ignore_index") if options is None else keyword(options, "ignore_index")
    if given is None:
        return DEFAULT_IGNORE_INDEX
    value = int_value(code, given)
    return False if value is None else value


def _head(code: Code, logits: ast.expr) -> ast.Call | None:
    """The Linear whose output the logits are: through an nn.Sequential, or a module class of the file
    whose forward returns only what one Linear attribute computes."""
    found = producing_layer(code, logits, ("Linear",), KEEP_FEATURES) or _fragment_head(code, logits)
    if found is not None:
        return found
    value = code.reaching_value(logits) if isinstance(logits, ast.Name) else logits
    if not (isinstance(value, ast.Call) and len(value.args) == 1):
        return None
    built = layer_call(code, value.func)
    cls = module_classes(code).get(built.func.id) if isinstance(built, ast.Call) and isinstance(built.func, ast.Name) else None
    heads = set()
    for returned in forward_returns(cls):
        returned = code.reaching_value(returned) if isinstance(returned, ast.Name) else returned
        if not (isinstance(returned, ast.Call) and isinstance(returned.func, ast.Attribute)
                and isinstance(returned.func.value, ast.Name) and returned.func.value.id == "self"):
            return None
        heads.add(returned.func.attr)
    layer = code.attribute_value(cls, heads.pop()) if cls is not None and len(heads) == 1 else None
    return layer if isinstance(layer, ast.Call) and is_layer(layer, "Linear") else None


def _fragment_head(code: Code, logits: ast.expr) -> ast.Call | None:
    """`self.classifier(h)` in lines pasted from a module's __init__ and forward together, outside
    their class: the Linear that the same lines set `self.classifier` to, once."""
    if not (isinstance(logits, ast.Call) and isinstance(logits.func, ast.Attribute) and len(logits.args) == 1
            and dotted(logits.func.value) == "self" and code.enclosing_class(logits) is None):
        return None
    layer = code.value_of(code.scope_of(logits), f"self.{logits.func.attr}")
    return layer if isinstance(layer, ast.Call) and is_layer(layer, "Linear") else None


def _fix(largest: int, classes: int, target: ast.expr) -> str:
    if largest == classes:
        return f"labels numbered from 1 need {source_of(target)} - 1 (or a head of {classes + 1} outputs)"
    return f"the head needs at least {largest + 1} outputs, or the labels remapped to 0..{classes - 1}"
