"""A label below 0 (`-1` for padding or "unlabelled") or 255 (the void pixels of segmentation
masks) is a marker, not a class, and CrossEntropyLoss refuses it as out of bounds. The entry's fix
is to declare it, `ignore_index=<value>`: those positions then add nothing to the loss, and the
mean is over the real labels. The recipe writes it where the loss is configured: the loss
module's constructor (also when the module reaches the failing line as a helper's argument), or
the functional call on the failing line.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, keyword, kind_of, with_keyword
from assistant.repair.recipes._losses import loss_calls
from assistant.repair.recipes._values import definitions

name = "ignore-label"
FUNCTIONS = ("cross_entropy", "nll_loss")
MODULES = ("CrossEntropyLoss", "NLLLoss")
VOID = 255
DEFAULT_IGNORED = -100  # what the losses already ignore


@needs_failing_line
def match(problem: Problem) -> tuple[list[cst.Call], int] | None:
    """(the calls that configure the failing loss, the label value to ignore)."""
    try:
        label = int(problem.facts.values["target"])
    except (KeyError, ValueError):
        return None
    if not (label < 0 or label == VOID) or label == DEFAULT_IGNORED:
        return None
    script = problem.script
    lines = problem.facts.user_lines
    configuring = [_configured_by(script, call) for call in loss_calls(script, lines, FUNCTIONS, MODULES)]
    configuring = configuring or _passed_losses(script, lines)
    return (list(dict.fromkeys(configuring)), label) if configuring else None


def apply(problem: Problem, found: tuple[list[cst.Call], int]) -> Edits:
    calls, label = found
    edits = problem.edits()
    for call in calls:
        given = keyword(call, "ignore_index")
        if given is None:
            edits.replace(call, with_keyword(call, "ignore_index", str(label)))
        else:
            edits.replace(given.value, expr(str(label)))
    return edits


def _configured_by(script: Script, call: cst.Call) -> cst.Call:
    """The constructor of a loss module (`criterion = nn.CrossEntropyLoss()`, or
    `nn.CrossEntropyLoss()(...)` inline), else the functional call itself."""
    if isinstance(call.func, cst.Call):
        return call.func
    return script.built_from(callee(call) or "", MODULES) or call


def _passed_losses(script: Script, lines: Sequence[int]) -> list[cst.Call]:
    """The loss modules a helper called on the failing line gets as an argument (`def
    train_step(model, batch, loss_fn)` called with `criterion = nn.NLLLoss()`): the constructors
    every call of the helper passes for that parameter."""
    for line in reversed(lines):
        for call in script.calls_on(line):
            name = dotted(call.func)
            built = definitions(script, call.func) if name is not None and "." not in name else []
            if built and all(isinstance(value, cst.Call) and kind_of(value) in MODULES for value in built):
                return built
    return []
