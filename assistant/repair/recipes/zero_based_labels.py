"""Class labels numbered from 1 (ratings 1..5, class ids from a CSV) reach `C` with `C` classes:
the loss says `Target C is out of bounds`, `one_hot` that class values must be smaller than
num_classes. The entry's fix is to make the labels 0-based with `labels - 1`. The recipe shifts
them where they are made, so that the loss, the metrics and everything else see the same labels:
at the assignment that built them, where the labels of the dataset a DataLoader loop reads were
made (their assignment, what the helper returning them returns, or the label a Dataset's
`__getitem__` returns), at the top of the loop that
unpacks them from a DataLoader, or else at the call. A label below 0, or the void value 255, is not a numbering problem (see
ignore-label); a run with 0 among the labels fails again and proves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._datasets import getitem_of_loader
from assistant.repair.recipes._datasets import returned as returned_by
from assistant.repair.recipes._definitions import _position, assignment, loop_binding, loop_source, resolved, returned
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, keyword, kind_of, positional, statement
from assistant.repair.recipes._losses import loss_calls, target

name = "zero-based-labels"
FUNCTIONS = ("cross_entropy", "nll_loss")
MODULES = ("CrossEntropyLoss", "NLLLoss")
VOID = 255  # the "ignore this pixel" value of segmentation masks (Pascal VOC, Cityscapes)
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript)
NOT_INDICES = "only applicable to index tensor"  # float or int32 labels (one-hot-long-labels)


@dataclass(frozen=True)
class Shift:
    """Where to subtract one: a value (the labels' assignment, or the call's argument), or a
    `for` loop to rebind the labels' name in, first thing in its body."""

    node: cst.CSTNode
    rebind: str | None = None


@needs_failing_line
def match(problem: Problem) -> list[Shift] | None:
    """Where the labels of the failing loss or one_hot call are to be shifted."""
    message = problem.facts.message
    if "non-negative" in message or NOT_INDICES in message:  # padding below 0, or a dtype: no numbering
        return None
    label = problem.facts.values.get("target")
    if label is not None and (not label.lstrip("-").isdigit() or int(label) < 0 or int(label) == VOID):
        return None
    script = problem.script
    one_hots = [call for call in script.calls() if kind_of(call) == "one_hot" and positional(call)]
    losses = loss_calls(script, problem.facts.user_lines, FUNCTIONS, MODULES)
    failing = script.at_failure([*losses, *one_hots], problem.facts.user_lines)
    labels = [positional(call)[0] if kind_of(call) == "one_hot" else target(call) for call in failing]
    shifts = list(dict.fromkeys(_shift(script, arg.value) for arg in labels if arg is not None))
    return shifts if shifts and not any(_drawn_from_zero(shift.node) for shift in shifts) else None


def apply(problem: Problem, shifts: list[Shift]) -> Edits:
    script = problem.script
    edits = problem.edits()
    for shift in shifts:
        if shift.rebind is not None and isinstance(shift.node, cst.For):
            edits.insert_before(shift.node.body.body[0], statement(f"{shift.rebind} = {shift.rebind} - 1"))
        elif isinstance(shift.node, cst.BaseExpression):
            edits.replace(shift.node, _minus_one(script, shift.node))
    return edits


def _shift(script: Script, label: cst.BaseExpression) -> Shift:
    """Where the labels a call uses were made: the value of their assignment, the loop that
    unpacks them, or (when neither is known) the argument."""
    name = dotted(label)
    if name is None:
        return Shift(label)
    if (bound := assignment(script, name, label)) is not None and isinstance(bound[0], cst.Assign):
        return Shift(bound[1])
    if (loop := loop_binding(script, name, label)) is not None and "." not in name:
        made = _dataset_labels(script, name, loop) or _sample_label(script, name, loop)
        return Shift(made) if made is not None else Shift(loop, rebind=name)
    return Shift(label)


def _dataset_labels(script: Script, name: str, loop: cst.For) -> cst.BaseExpression | None:
    """Where the labels a loader's batches come from were made, when the code reads them apart
    from the loader too (a metric, a check): the value assigned to the name given to
    `TensorDataset(x, y)`, or the element of the tuple that the helper it was unpacked from
    returns (`x, y = load_table(fh)` with `return xs, torch.tensor(ys)`). Labels read only
    through the loader are left to the loop."""
    source = loop_source(script, name, loop)
    made = script.parents.get(source) if source is not None else None
    if isinstance(made, cst.Assign) and made.value is source and len(made.targets) == 1:
        labels = dotted(made.targets[0].target)  # followed to its assignment already
        return source if labels and "." not in labels and _read_apart_from(script, labels, made) else None
    labels = dotted(source) if source is not None else None
    if labels is None or "." in labels or not _read_apart_from(script, labels, source):
        return None
    unpacking = [node for node in script.nodes(cst.Assign) if len(node.targets) == 1
                 and isinstance(node.targets[0].target, cst.Tuple) and isinstance(node.value, cst.Call)
                 and script.function_of(node) is script.function_of(source)
                 and script.span(node)[0] < script.span(source)[0]
                 and labels in [dotted(element.value) for element in node.targets[0].target.elements]]
    if not unpacking:
        return None
    names = [dotted(element.value) for element in unpacking[-1].targets[0].target.elements]
    values = returned(script, unpacking[-1].value)
    if len(values) != 1 or not isinstance(values[0], cst.Tuple) or len(values[0].elements) != len(names):
        return None
    return values[0].elements[names.index(labels)].value


def _sample_label(script: Script, name: str, loop: cst.For) -> cst.BaseExpression | None:
    """The label element of the tuple a Dataset class's `__getitem__` returns, when the loop
    unpacks the batches of a DataLoader over it: the labels are made there, and every reader of
    the dataset (the loader, an evaluation indexing `test[i]`) sees them shifted alike."""
    position = _position(loop.target, name)
    loader = resolved(script, loop.iter)
    if not position or len(position) != 1 or not (isinstance(loader, cst.Call) and kind_of(loader) == "DataLoader"):
        return None
    getitem = getitem_of_loader(script, loader)
    values = returned_by(script, getitem) if getitem is not None else []
    if len(values) != 1 or not isinstance(values[0], cst.Tuple) or not isinstance(loop.target, cst.Tuple) \
            or len(values[0].elements) != len(loop.target.elements):
        return None
    return values[0].elements[position[0]].value


def _read_apart_from(script: Script, labels: str, where: cst.CSTNode) -> bool:
    """The name is read in this function other than to build a dataset of it."""
    scope = script.function_of(where)
    for node in script.nodes(cst.Name):
        parent = script.parents.get(node)
        if node.value != labels or script.function_of(node) is not scope \
                or isinstance(parent, (cst.AssignTarget, cst.Element, cst.Param)):
            continue
        call = script.parents.get(parent) if isinstance(parent, cst.Arg) else None
        if not (isinstance(call, cst.Call) and kind_of(call) == "TensorDataset"):
            return True
    return False


def _drawn_from_zero(node: cst.CSTNode) -> bool:
    """`torch.randint(0, C, ...)` / `torch.randint(C, size)`: labels made 0-based on purpose,
    so a label C means too few classes, not labels counted from 1."""
    if not isinstance(node, cst.Call) or kind_of(node) != "randint":
        return False
    args = positional(node)
    low = keyword(node, "low")
    if low is not None:
        return isinstance(low.value, cst.Integer) and low.value.value == "0"
    return len(args) == 2 or (len(args) >= 3 and isinstance(args[0].value, cst.Integer) and args[0].value.value == "0")


def _minus_one(script: Script, value: cst.BaseExpression) -> cst.BaseExpression:
    text = script.code(value)
    return expr(f"{text} - 1" if isinstance(value, _ATOMS) else f"({text}) - 1")
