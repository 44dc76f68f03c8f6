"""A stateful RNN carries its state from one batch to the next, so the state keeps the batch size
of the batches before it. A DataLoader whose dataset does not divide into `batch_size` ends each
epoch with a smaller batch, and the carried state no longer fits it (`Expected hidden size
(1, 2, 8), got [1, 4, 8]`). Rebuilding the state for that batch would throw away what it carries,
so the entry's fix for a carried state is the loader's `drop_last=True`: every batch then has the
size the state was built for.

The recipe applies only when the message differs from the state in the batch axis alone, the
state passed on the failing line is reassigned inside the loop around it (carried), and that loop
reads a DataLoader whose batch_size is the state's batch size. A state that the model's forward
takes as a parameter and hands to its RNN is followed to the model call that passes it.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._definitions import passed, resolved
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, keyword, kind_of, parse_shape, positional
from assistant.repair.recipes._values import integer

name = "drop-ragged-batch"
RNNS = ("LSTM", "GRU", "RNN")
SAME_TENSOR = ("detach", "to", "cuda", "cpu", "contiguous")  # the state itself, as passed


@needs_calls("DataLoader")
@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The DataLoader whose last, smaller batch meets a state carried at the full batch size."""
    expected, got = parse_shape(problem.facts.values.get("expected")), parse_shape(problem.facts.values.get("got"))
    if expected is None or got is None or len(expected) != 3 or len(got) != 3:
        return None
    if (expected[0], expected[2]) != (got[0], got[2]) or expected[1] >= got[1]:
        return None
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if (loader := _loader_of_carried_state(script, call, problem.facts.user_lines)) is not None \
                    and _batch_size(script, loader) == got[1]:
                return loader
    return None


def apply(problem: Problem, loader: cst.Call) -> Edits:
    edits = problem.edits()
    edits.set_keyword(loader, "drop_last", "True")
    return edits


def _loader_of_carried_state(script: Script, call: cst.Call, lines: tuple[int, ...]) -> cst.Call | None:
    """The DataLoader read by the loop around an RNN call whose state argument the loop reassigns;
    or, when the state is a parameter of the model's forward (`def forward(self, x, state)`), the
    loop around the model call on the traceback's frame above that passes and reassigns it."""
    layer = callee(call)
    if layer is None or script.built_from(layer, RNNS) is None or len(positional(call)) < 2:
        return None
    given = positional(call)[1].value
    if (loader := _loader_around(script, given)) is not None:
        return loader
    name = _state_name(given)
    outer = passed(script, name, call, lines) if name is not None else None
    return _loader_around(script, outer) if outer is not None else None


def _loader_around(script: Script, given: cst.BaseExpression) -> cst.Call | None:
    """The DataLoader of the loop around this state argument, when the loop reassigns the state."""
    state = _state_name(given)
    loop = next((node for node in script.ancestors(given) if isinstance(node, cst.For)), None)
    if state is None or loop is None or not _reassigned_in(loop, state):
        return None
    source = loop.iter
    if isinstance(source, cst.Call) and kind_of(source) == "enumerate" and positional(source):
        source = positional(source)[0].value
    loader = resolved(script, source)
    return loader if isinstance(loader, cst.Call) and kind_of(loader) == "DataLoader" else None


def _state_name(value: cst.BaseExpression) -> str | None:
    """`hidden` for `hidden`, `hidden.detach()` or `hidden.to(device)`."""
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
            and value.func.attr.value in SAME_TENSOR:
        value = value.func.value
    return dotted(value)


def _reassigned_in(loop: cst.For, state: str) -> bool:
    """Whether an assignment in the loop's body binds the state (it is carried to the next batch)."""
    targets = [target for node in m.findall(loop.body, m.Assign()) if isinstance(node, cst.Assign)
               for assigned in node.targets for target in m.findall(assigned.target, m.Name() | m.Attribute())]
    return any(dotted(target) == state for target in targets)


def _batch_size(script: Script, loader: cst.Call) -> int | None:
    """The loader's batch_size (1 when left out), None when not known or drop_last is already set."""
    if keyword(loader, "drop_last") is not None or keyword(loader, "batch_sampler") is not None:
        return None
    given = keyword(loader, "batch_size") or (positional(loader)[1:2] or [None])[0]
    return integer(script, given.value) if given is not None else 1
