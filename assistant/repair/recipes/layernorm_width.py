"""A LayerNorm built for one width and given features of another (the model's width changed, or the
norm was written with a different constant) fails on its last-axis check. The message names the
real width, so the norm's constructor takes it, as the entry says (build the norm from the real
feature size), spelled as a neighbouring layer already spells it (`FF`, `2 * hidden`) when one
does. Channels-first conv features, where the width sits on dim 1, are the other recipe's.
A norm listed right after a Linear (in nn.Sequential(...) or a list of layers) normalises that
Linear's output: when it was given the Linear's in_features expression (`nn.LayerNorm(d_in)` after
`nn.Linear(d_in, d_out)`, typical of a loop over widths, where no number fits every iteration), it
takes the out_features expression instead.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls
from assistant.repair.recipes._edit import (Edits, Script, constants, evaluate, expr, keyword, kind_of, parse_shape,
                                            positional)
from assistant.repair.recipes._layers import with_spelled_size
from assistant.repair.recipes.channels_last_layernorm import NORMS, channels_first

name = "layernorm-width"


@needs_calls(*NORMS)
def match(problem: Problem) -> tuple[cst.Call, cst.Arg, int | cst.BaseExpression] | None:
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
        if norm is None and (after := _sized_by_linear_input(script, widths)) is not None:
            return after
    argument = _shape_argument(norm) if norm is not None else None
    if argument is None or isinstance(argument.value, (cst.List, cst.Tuple)):
        return None
    return norm, argument, wanted


def apply(problem: Problem, found: tuple[cst.Call, cst.Arg, int | cst.BaseExpression]) -> Edits:
    norm, argument, wanted = found
    if isinstance(wanted, int):
        return with_spelled_size(problem.edits(), norm, argument, wanted)
    edits = problem.edits()
    edits.replace(argument.value, wanted)
    return edits


def _sized_by_linear_input(script: Script, widths: tuple[int, int]
                           ) -> tuple[cst.Call, cst.Arg, cst.BaseExpression] | None:
    """The one norm listed right after a Linear whose width argument is written as that Linear's
    in_features (and not as its out_features), with the out_features expression it should take.
    Where both expressions evaluate, they must be the message's widths."""
    env = constants(script)
    found = []
    for norm in script.constructors(NORMS):
        argument, linear = _shape_argument(norm), _listed_before(script, norm)
        if argument is None or linear is None or kind_of(linear) != "Linear" or len(positional(linear)) < 2:
            continue
        given, out = positional(linear)[0].value, positional(linear)[1].value
        if script.code(argument.value) != script.code(given) or script.code(out) == script.code(given):
            continue
        if evaluate(given, env) not in (None, widths[0]) or evaluate(out, env) not in (None, widths[1]):
            continue
        found.append((norm, argument, expr(script.code(out))))
    return found[0] if len(found) == 1 else None


def _listed_before(script: Script, call: cst.Call) -> cst.Call | None:
    """The call listed just before this one, as an element of the same list/tuple or a positional
    argument of the same call (`nn.Sequential(nn.Linear(...), nn.LayerNorm(...))`)."""
    holder = script.parents.get(call)
    container = script.parents.get(holder)
    if isinstance(holder, cst.Element) and isinstance(container, (cst.List, cst.Tuple)):
        siblings = [element.value for element in container.elements]
    elif isinstance(holder, cst.Arg) and holder.keyword is None and isinstance(container, cst.Call):
        siblings = [arg.value for arg in positional(container)]
    else:
        return None
    index = next(i for i, sibling in enumerate(siblings) if sibling is call)
    before = siblings[index - 1] if index > 0 else None
    return before if isinstance(before, cst.Call) else None


def _widths(facts: Facts) -> tuple[int, int] | None:
    """(the width the norm was built for, the input's last size), when only the width is wrong."""
    normalized, given = parse_shape(facts.values.get("normalized_shape")), parse_shape(facts.values.get("input_size"))
    if normalized is None or given is None or len(normalized) != 1 or channels_first(facts):
        return None
    return (normalized[0], given[-1]) if given[-1] != normalized[0] else None


def _shape_argument(call: cst.Call) -> cst.Arg | None:
    return keyword(call, "normalized_shape") or (positional(call) or [None])[0]
