"""torch.cat along the channel axis needs every spatial size to agree. In encoder-decoder networks
(U-Net skip connections) an odd size is floored by each pooling, so the upsampled path comes back
one pixel short of its skip tensor. The entry's simplest fix resizes the smaller tensor to the
other's spatial size with `F.interpolate(..., size=other.shape[2:])` right in the concatenation;
the skip tensor, and every channel of both, stay as they were.

When the smaller tensor is itself an upsampling by a factor (`F.interpolate(x, scale_factor=2)`,
in the cat or as the one return of a helper the cat calls with the skip tensor as an argument:
`self.up(b, skip)`), resizing it a second time would interpolate twice; the factor is replaced by
the skip's size there (`size=skip.shape[2:]`), so the one interpolation, in its own mode, lands
on the right size.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._definitions import parameters, returned
from assistant.repair.recipes._edit import Edits, Script, constants, evaluate, expr, keyword, kind_of, positional

name = "resize-before-cat"
_CHANNEL_AXIS = 1


@dataclass(frozen=True)
class Found:
    smaller: cst.BaseExpression  # the tensor to resize
    larger: cst.BaseExpression  # the tensor whose spatial size it takes


@needs_calls("cat", "concat", "concatenate")
@needs_failing_line
def match(problem: Problem) -> Found | None:
    """The two tensors of the channel-axis cat on the failing line, smaller spatial size first."""
    if (sizes := _sizes(problem.facts)) is None:
        return None
    script = problem.script
    for call in script.at_failure([c for c in script.calls() if _is_channel_cat(script, c)], problem.facts.user_lines):
        first, second = _pair(call) or (None, None)
        if first is None or not _plain(second if sizes[0] < sizes[1] else first):
            continue
        return Found(first, second) if sizes[0] < sizes[1] else Found(second, first)
    return None


def apply(problem: Problem, found: Found) -> Edits:
    script, edits = problem.script, problem.edits()
    if (upsampling := _upsampling_by_factor(script, found)) is not None:
        factor, size_of = upsampling
        edits.replace(factor, factor.with_changes(keyword=cst.Name("size"), value=expr(f"{size_of}.shape[2:]")))
        return edits
    smaller, larger = script.code(found.smaller), script.code(found.larger)
    resized = f"{_functional(script)}.interpolate({smaller}, size={larger}.shape[2:])"
    edits.replace(found.smaller, expr(resized))
    return edits


def _upsampling_by_factor(script: Script, found: Found) -> tuple[cst.Arg, str] | None:
    """(the `scale_factor=` argument of the interpolate call that makes the smaller tensor, the name of the
    larger tensor where that call is): the call itself in the cat, or the one return of a helper
    of the file that the cat calls with the larger tensor, which it takes as a parameter."""
    smaller = found.smaller
    if not isinstance(smaller, cst.Call):
        return None
    if _by_factor(smaller):
        return keyword(smaller, "scale_factor"), script.code(found.larger)
    results = returned(script, smaller)
    helper = script.function_of(results[0]) if len(results) == 1 else None
    if helper is None or not isinstance(results[0], cst.Call) or not _by_factor(results[0]):
        return None
    given = [script.code(arg.value) for arg in positional(smaller)]
    names = parameters(helper)
    if given.count(script.code(found.larger)) != 1 or len(given) > len(names):
        return None
    return keyword(results[0], "scale_factor"), names[given.index(script.code(found.larger))]


def _by_factor(call: cst.Call) -> bool:
    """`F.interpolate(x, scale_factor=2, ...)`: an upsampling whose output size follows its input's."""
    return kind_of(call) == "interpolate" and keyword(call, "scale_factor") is not None and keyword(call, "size") is None \
        and len(positional(call)) == 1


def _sizes(facts: Facts) -> tuple[int, int] | None:
    """(size of the first tensor, size of the other) at the axis that differs, from the message."""
    try:
        sizes = int(facts.values["expected"]), int(facts.values["got"])
    except (KeyError, ValueError):
        return None
    if facts.values.get("index", "1") != "1" or facts.values.get("dim", str(_CHANNEL_AXIS)) != str(_CHANNEL_AXIS):
        return None
    return sizes if sizes[0] != sizes[1] else None


def _is_channel_cat(script: Script, call: cst.Call) -> bool:
    if kind_of(call) not in ("cat", "concat", "concatenate") or not positional(call):
        return False
    axis = keyword(call, "dim") or (positional(call)[1:2] or [None])[0]
    return axis is not None and evaluate(axis.value, constants(script)) == _CHANNEL_AXIS


def _pair(call: cst.Call) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """The two tensors of `cat([a, b], ...)`, when the list is written out with exactly two."""
    tensors = positional(call)[0].value
    if not isinstance(tensors, (cst.List, cst.Tuple)) or len(tensors.elements) != 2:
        return None
    if any(isinstance(element, cst.StarredElement) for element in tensors.elements):
        return None
    return tensors.elements[0].value, tensors.elements[1].value


def _plain(node: cst.BaseExpression) -> bool:
    """A name or attribute: reading its shape a second time computes nothing again."""
    return isinstance(node, cst.Name) or (isinstance(node, cst.Attribute) and _plain(node.value))


def _functional(script: Script) -> str:
    """How the file spells torch.nn.functional: its alias when it imports one."""
    for node in script.nodes(cst.Import):
        for alias in node.names:
            if script.code(alias.name) == "torch.nn.functional" and alias.asname is not None:
                return script.code(alias.asname.name)
    for node in script.nodes(cst.ImportFrom):
        if node.module is None or script.code(node.module) != "torch.nn" or isinstance(node.names, cst.ImportStar):
            continue
        for alias in node.names:
            if alias.name.value == "functional":
                return script.code(alias.asname.name) if alias.asname else "functional"
    return "torch.nn.functional"
