"""Normalize with three means and stds (ImageNet's) on one-channel images needs a three-channel
result, which its in-place `sub_`/`div_` cannot write into a `[1, H, W]` image. The entry's fix is
one mean and one std per channel of the data. The data's own statistics are not in the code, so
the recipe gives the single channel the statistics the code chose, averaged over the channels
(`[0.485, 0.456, 0.406]` -> `[0.449]`): the images are scaled as the author meant, one channel at
a time. The literals are changed where they are written (a constant such as `IMAGENET_MEAN` or the
Normalize call itself). A model whose first convolution takes 3 channels needs the images
replicated to RGB instead, so the recipe leaves that code alone.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._definitions import assignment
from assistant.repair.recipes._edit import Edits, Script, constants, dotted, evaluate, keyword, positional

name = "one-channel-stats"
_STATS = (("mean", 0), ("std", 1))


@needs_calls("Normalize")
def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The three-value mean and std literals given to every Normalize in the code."""
    script = problem.script
    if _first_conv_takes_rgb(script):
        return None
    found: list[cst.BaseExpression] = []
    for call in script.constructors(("Normalize",)):
        for word, index in _STATS:
            arg = keyword(call, word) or (positional(call)[index:index + 1] or [None])[0]
            literal = _literal(script, arg.value) if arg is not None else None
            if literal is not None and literal not in found:
                found.append(literal)
    return found or None


def apply(problem: Problem, literals: list[cst.BaseExpression]) -> Edits:
    edits = problem.edits()
    for literal in literals:
        values = [float(element.value.evaluated_value) for element in literal.elements]
        average = round(sum(values) / len(values), 4)
        edits.replace(literal, cst.parse_expression(f"[{average}]" if isinstance(literal, cst.List) else f"({average},)"))
    return edits


def _literal(script: Script, value: cst.BaseExpression) -> cst.List | cst.Tuple | None:
    """The three-number list or tuple the value is, or the one a name is bound to."""
    if (name := dotted(value)) is not None:
        bound = assignment(script, name, value)
        value = bound[1] if bound is not None else value
    if isinstance(value, (cst.List, cst.Tuple)) and len(value.elements) == 3 and all(
            isinstance(element.value, cst.Float) for element in value.elements):
        return value
    return None


def _first_conv_takes_rgb(script: Script) -> bool:
    convs = script.constructors(("Conv2d",))
    args = positional(convs[0]) if convs else []
    in_channels = keyword(convs[0], "in_channels") if convs else None
    node = in_channels.value if in_channels is not None else (args[0].value if args else None)
    return node is not None and evaluate(node, constants(script)) == 3
