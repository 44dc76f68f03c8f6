"""permute needs one index per dimension. HWC-to-CHW code (`img.permute(2, 0, 1)`) meets a
grayscale [H, W] image without a channel axis, or a batched `permute(0, 3, 1, 2)` meets one
unbatched [H, W, C] image. The entry's fix supplies the missing axis first: a trailing channel for
a 2-D image (`torch.atleast_3d`, which leaves colour images as they are, so the same line serves
both), or a leading batch axis (`unsqueeze(0)`) for a single image.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, evaluate, expr, imported_modules, positional

name = "channel-axis-before-permute"


@needs_failing_line
def match(problem: Problem) -> tuple[cst.BaseExpression, str] | None:
    """The tensor permuted on the failing line, and which axis it lacks ('channel' or 'batch')."""
    missing = _missing_axis(problem.facts)
    script = problem.script
    if missing is None or (missing == "channel" and "torch" not in imported_modules(script)):
        return None
    permutes = [call for call in script.calls() if _permute_order(call) is not None
                and script.covers(call, problem.facts.user_lines[-1])]
    if len(permutes) != 1:
        return None
    order = _permute_order(permutes[0])
    wanted_first = 2 if missing == "channel" else 0  # HWC -> CHW moves the channel first; NHWC keeps N
    return (permutes[0].func.value, missing) if order[0] == wanted_first else None


def apply(problem: Problem, found: tuple[cst.BaseExpression, str]) -> Edits:
    tensor, missing = found
    script, edits = problem.script, problem.edits()
    if missing == "channel":
        edits.replace(tensor, expr(f"torch.atleast_3d({script.code(tensor)})"))
    else:
        edits.call_method(tensor, "unsqueeze(0)")
    return edits


def _missing_axis(facts: Facts) -> str | None:
    try:
        ndim, ndims = int(facts.values["ndim"]), int(facts.values["ndims"])
    except (KeyError, ValueError):
        return None
    return {(2, 3): "channel", (3, 4): "batch"}.get((ndim, ndims))


def _permute_order(call: cst.Call) -> tuple[int, ...] | None:
    """The literal dims of `x.permute(2, 0, 1)`."""
    if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "permute"):
        return None
    dims = [evaluate(arg.value, {}) for arg in positional(call)]
    return tuple(dims) if dims and None not in dims else None

