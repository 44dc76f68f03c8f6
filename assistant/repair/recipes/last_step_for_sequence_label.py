"""A recurrent layer returns its output at every time step, `[N, T, H]` batch-first. A classifier
that gives one label per sequence and feeds that whole output to its Linear head makes `[N, T, C]`
scores; flattened to `(-1, C)` for the loss, they are N * T rows against N targets, and the loss
says `Expected input batch_size (N*T) to match target batch_size (N)`. The entry's fix for one
label per sequence reduces over time before the head: the head reads the output at the last step,
`out[:, -1]` batch-first (`out[-1]` time-major), and the scores become `[N, C]`.

The recipe edits the model class whose instance made the loss's scores, where its forward hands the
recurrent output to the head. A bidirectional layer is left alone: its backward direction
summarises the sequence at step 0, not at the last step; so is a packed sequence, whose last
padded step is not each sequence's last.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Facts, Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, has_call, keyword, kind_of
from assistant.repair.recipes._losses import loss_calls, prediction
from assistant.repair.recipes._models import module_classes
from assistant.repair.recipes._values import definitions

name = "last-step-for-sequence-label"
_RECURRENT = ("LSTM", "GRU", "RNN")
_LOSS_FUNCTIONS = ("cross_entropy", "nll_loss")
_LOSS_MODULES = ("CrossEntropyLoss", "NLLLoss")


@dataclass(frozen=True)
class Found:
    output: cst.Name  # the recurrent output where the head reads it
    batch_first: bool


@needs_calls(*_RECURRENT)
@needs_failing_line
def match(problem: Problem) -> Found | None:
    """The recurrent output the head of the scoring model's forward reads, when the loss got a
    whole number (more than one) of rows per target."""
    if not _rows_per_target(problem.facts) or has_call(problem.script.module, ["pack_padded_sequence"]):
        return None
    script = problem.script
    for loss in loss_calls(script, problem.facts.user_lines, _LOSS_FUNCTIONS, _LOSS_MODULES):
        scores = prediction(loss)
        for model in _classes_scoring(script, scores.value if scores else None):
            if (found := _output_into_head(script, model)) is not None:
                return found
    return None


def apply(problem: Problem, found: Found) -> Edits:
    edits = problem.edits()
    last = f"{found.output.value}[:, -1]" if found.batch_first else f"{found.output.value}[-1]"
    edits.replace(found.output, expr(last))
    return edits


def _rows_per_target(facts: Facts) -> int | None:
    try:
        rows, targets = int(facts.values["input_batch"]), int(facts.values["target_batch"])
    except (KeyError, ValueError):
        return None
    return rows // targets if targets and rows > targets and rows % targets == 0 else None


def _classes_scoring(script: Script, scores: cst.BaseExpression | None) -> list[cst.ClassDef]:
    """The module classes of the file whose instance computed the scores (`logits = model(x)`,
    `model` built from the class, also when handed in as a parameter)."""
    if scores is None:
        return []
    computed = [value for value in definitions(script, scores) if isinstance(value, cst.Call)]
    if isinstance(scores, cst.Call):
        computed.append(scores)
    built = [value for call in computed if isinstance(call.func, cst.Name)
             for value in definitions(script, call.func) if isinstance(value, cst.Call)]
    names = {kind_of(call) for call in built} & module_classes(script)
    return [node for node in script.nodes(cst.ClassDef) if node.name.value in names]


def _output_into_head(script: Script, model: cst.ClassDef) -> Found | None:
    """In the class's forward: `out, _ = self.rnn(x)` of a one-directional recurrent layer, and the
    one later read of `out`, inside the call of a Linear layer of the module."""
    forwards = [node for node in model.body.body if isinstance(node, cst.FunctionDef) and node.name.value == "forward"]
    if len(forwards) != 1:
        return None
    for assign in m.findall(forwards[0], m.Assign(targets=[m.AssignTarget(target=m.Tuple())], value=m.Call())):
        layer = script.bindings.get(callee(assign.value) or "")
        first = assign.targets[0].target.elements[0].value
        if layer is None or kind_of(layer) not in _RECURRENT or not isinstance(first, cst.Name) or _bidirectional(layer):
            continue
        reads = [node for node in m.findall(forwards[0], m.Name(first.value))
                 if script.span(node)[0] > script.span(assign)[1]]
        if len(reads) == 1 and _inside_linear(script, reads[0], forwards[0]):
            return Found(reads[0], _flag(layer, "batch_first"))
    return None


def _inside_linear(script: Script, read: cst.Name, forward: cst.FunctionDef) -> bool:
    """The read is (nested in) the argument of a call of the module's own Linear layer."""
    for parent in script.ancestors(read):
        if parent is forward:
            return False
        if isinstance(parent, cst.Call) and (held := script.bindings.get(dotted(parent.func) or "")) is not None:
            if kind_of(held) == "Linear":
                return True
    return False


def _bidirectional(layer: cst.Call) -> bool:
    given = keyword(layer, "bidirectional")
    return given is not None and not (isinstance(given.value, cst.Name) and given.value.value == "False")


def _flag(layer: cst.Call, flag: str) -> bool:
    given = keyword(layer, flag)
    return given is not None and isinstance(given.value, cst.Name) and given.value.value == "True"
