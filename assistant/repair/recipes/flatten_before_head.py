"""Linear and LazyLinear act on the last axis only. A conv/pool feature map [N, C, H, W] that
reaches the classifier head unflattened comes out as [N, C, H, classes], which the loss reads as a
per-pixel prediction and rejects the [N] class targets. The entry's fix flattens everything but
the batch before the first Linear: an `nn.Flatten()` in front of it inside an nn.Sequential, or
`x = x.flatten(1)` (torch.flatten(x, 1)) in a hand-written forward. A head that the failing line
calls on a feature map directly (`classifier(features(images))` in a script or helper, where the
Linear then multiplies the map's last axis) gets the map flattened in the call.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls
from assistant.repair.recipes._edit import Edits, Script, callee, calls_in, expr, kind_of, positional, statement

name = "flatten-before-head"
HEADS = ("Linear", "LazyLinear")
_FLATTENS = ("Flatten", "flatten", "view", "reshape", "squeeze", "mean", "amax", "sum")
MAP, HEAD, FLAT = "map", "head", "flat"


@dataclass(frozen=True)
class Found:
    sequential: cst.Call | None = None  # an nn.Sequential whose head follows a conv/pool directly
    head: cst.Arg | None = None  # that head, to put nn.Flatten() before
    head_call: cst.Call | None = None  # or the head's call in a forward, to flatten its input first


@needs_calls(*HEADS)
def match(problem: Problem) -> list[Found] | None:
    """Every head that follows a conv or pool with nothing flattening in between."""
    script = problem.script
    found = [Found(sequential=sequential, head=head) for sequential in script.constructors(("Sequential",))
             if (head := _unflattened_head(sequential)) is not None]
    heads = _unflattened_forward_heads(script)
    heads += [call for call in _heads_on_maps_at_failure(script, problem.facts) if call not in heads]
    found += [Found(head_call=call) for call in heads]
    return found or None


def apply(problem: Problem, found: list[Found]) -> Edits:
    script, edits = problem.script, problem.edits()
    space = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    for place in found:
        if place.sequential is not None:
            flatten = cst.Arg(expr(f"{script.nn}.Flatten()"), comma=space)
            args = [new for arg in place.sequential.args for new in ((flatten, arg) if arg is place.head else (arg,))]
            edits.replace(place.sequential, place.sequential.with_changes(args=args))
        elif isinstance(fed := positional(place.head_call)[0].value, cst.Call):
            edits.call_method(fed, "flatten(1)")
        else:
            edits.insert_before(script.statement_of(place.head_call), statement(f"{fed.value} = {fed.value}.flatten(1)\n"))
    return edits


def _role(script: Script, call: cst.Call) -> str | None:
    """What a layer (or function) does to the layout: keeps a feature map, is a head, flattens."""
    target = callee(call) or ""
    built = script.bindings.get(target, call)
    kind = kind_of(built)
    if kind == "Sequential":
        roles = [role for element in positional(built) if isinstance(element.value, cst.Call)
                 and (role := _role(script, element.value)) is not None]
        return HEAD if roles[:1] == [HEAD] else (roles[-1] if roles and roles[-1] != HEAD else None)
    return _kind_role(kind)


def _kind_role(kind: str) -> str | None:
    if kind in HEADS:
        return HEAD
    if kind in _FLATTENS:
        return FLAT
    lowered = kind.lower()
    return MAP if "conv" in lowered or "pool" in lowered else None


def _unflattened_head(sequential: cst.Call) -> cst.Arg | None:
    """The first Linear/LazyLinear element, when a conv or pool comes right before it (activations
    and dropout aside) without a Flatten."""
    last = None
    for element in positional(sequential):
        if isinstance(element.value, cst.Call):
            role = _kind_role(kind_of(element.value))
            if role == HEAD:
                return element if last == MAP else None
            last = role or last
    return None


def _unflattened_forward_heads(script: Script) -> list[cst.Call]:
    """In each forward, the first head called on a plain name after a feature map, with no flatten,
    view, reshape or reduction between them (calls taken in the order they run: inner first)."""
    found = []
    for function in script.nodes(cst.FunctionDef):
        if function.name.value != "forward":
            continue
        last = None
        for call in sorted(calls_in(function), key=lambda node: _end(script, node)):
            role = _role(script, call)
            if role == HEAD:
                argument = positional(call)[0].value if positional(call) else None
                if last == MAP and isinstance(argument, cst.Name) and script.statement_of(call) is not None:
                    found.append(call)
                break
            last = role or last
    return found


def _heads_on_maps_at_failure(script: Script, facts: Facts) -> list[cst.Call]:
    """The head called on the innermost failing line, when what it is given is a feature map: a
    conv/pool layer's call, or a name assigned from one."""
    for line in reversed(facts.user_lines):
        for call in script.calls_on(line):
            if _role(script, call) == HEAD and positional(call) and _is_map(script, positional(call)[0].value):
                return [call] if script.statement_of(call) is not None else []
    return []


def _is_map(script: Script, fed: cst.BaseExpression) -> bool:
    """A conv/pool call (`features(x)`), or a plain name assigned from one."""
    if isinstance(fed, cst.Name):
        fed = script.bindings.get(fed.value, fed)
    return isinstance(fed, cst.Call) and _role(script, fed) == MAP


def _end(script: Script, node: cst.CSTNode) -> tuple[int, int]:
    end = script.positions[node].end
    return end.line, end.column
