"""Two losses built on one graph (a GAN's discriminator and generator losses, an actor-critic's two
losses): the first is backpropagated with `retain_graph=True`, its optimizer steps, and then the second,
computed before that step, is backpropagated through the same graph. The step changed in place the
weights that graph saved: "one of the variables needed for gradient computation has been modified by an
inplace operation ... is at version 2; expected version 1"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls

name = "backward-after-step-on-shared-graph"
BODIES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.For, ast.AsyncFor, ast.While, ast.With, ast.If)


@needs_calls("backward")
def check(code: Code) -> Iterator[Hit]:
    for holder in code.nodes_of(*BODIES):
        yield from _in_body(code, holder.body)  # type: ignore[attr-defined]


def _in_body(code: Code, body: list[ast.stmt]) -> Iterator[Hit]:
    """In one straight-line body: a retain_graph backward, then an optimizer step, then the backward
    of a loss bound (by a plain assignment) before that step and not bound again since."""
    bound_at: dict[str, int] = {}
    retained = step = None
    for index, statement in enumerate(body):
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                bound_at[dotted(target) or ""] = index
            continue
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        if kind_of(call) == "backward" and constant(keyword(call, "retain_graph")) is True and step is None:
            retained = call
        elif kind_of(call) == "step" and not call.args and retained is not None and step is None:
            step = (index, call)
        elif kind_of(call) == "backward" and step is not None and isinstance(call.func.value, ast.Name):
            loss = call.func.value.id
            if loss in bound_at and bound_at[loss] < step[0]:
                made = body[bound_at[loss]]
                yield Hit.at(code, call, f"{source_of(call)} backpropagates {loss}, computed at line {made.lineno}, "
                             f"through the graph that {source_of(retained.func.value)}.backward(retain_graph=True) "
                             f"kept, but {source_of(step[1])} (line {step[1].lineno}) has since changed in place the "
                             f"weights that graph saved: compute {loss} after that step (run the model again), or "
                             f"call {source_of(step[1])} only after {loss}.backward()")
            return
