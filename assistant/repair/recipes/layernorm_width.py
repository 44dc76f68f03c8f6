"""A LayerNorm built for one width and given features of another (the model's width changed, or the
norm was written with a different constant) fails on its last-axis check. The message names the
real width, so the norm's constructor takes it, as the entry says (build the norm from the real
feature size), spelled as a neighbouring layer already spells it (`FF`, `2 * hidden`) when one
does. Channels-first conv features, where the width sits on dim 1, are the other recipe's.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls
from assistant.repair.recipes._edit import Edits, constants, evaluate, keyword, parse_shape, positional
from assistant.repair.recipes._layers import with_spelled_size
from assistant.repair.recipes.channels_last_layernorm import NORMS, channels_first

name = "layernorm-width"


@needs_calls(*NORMS)
def match(problem: Problem) -> tuple[cst.Call, cst.Arg, int] | None:
    """The normalized_shape argument of the norm that failed, and the width it must be."""
    if (widths := _widths(problem.facts)) is None:
        return None
    built, wanted = widths
    script = problem.script
    norm = script.layer_called_at_failure(problem.facts.user_lines, NORMS)
    if norm is None:
        env = constants(script)
        same = [call for call in script.constructors(NORMS) if (arg := _shape_argument(call)) is not None
                and evaluate(arg.value, env) == built]
        norm = same[0] if len(same) == 1 else None
    argument = _shape_argument(norm) if norm is not None else None
    if argument is None or isinstance(argument.value, (cst.List, cst.Tuple)):
        return None
    return norm, argument, wanted


def apply(problem: Problem, found: tuple[cst.Call, cst.Arg, int]) -> Edits:
    return with_spelled_size(problem.edits(), *found)


def _widths(facts: Facts) -> tuple[int, int] | None:
    """(the width the norm was built for, the input's last size), when only the width is wrong."""
    normalized, given = parse_shape(facts.values.get("normalized_shape")), parse_shape(facts.values.get("input_size"))
    if normalized is None or given is None or len(normalized) != 1 or channels_first(facts):
        return None
    return (normalized[0], given[-1]) if given[-1] != normalized[0] else None


def _shape_argument(call: cst.Call) -> cst.Arg | None:
    return keyword(call, "normalized_shape") or (positional(call) or [None])[0]
