"""BatchNorm1d reads dim 1 as the features. On a [batch, seq, features] tensor (an Embedding, a
batch_first RNN, a per-token Linear) it counts the sequence positions instead, so its statistics
have the wrong length. Moving the features to dim 1 for the norm and back afterwards fixes the axis
without changing the layer or the rest of the model.
"""

from __future__ import annotations

import libcst as cst

from dataclasses import dataclass

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, callee, in_sequential, kind_of, layer_subclass, positional

name = "transpose-around-batchnorm1d"
rank = 10
NORMS = ("BatchNorm1d", "InstanceNorm1d")
SWAP = "transpose(1, 2)"


@dataclass(frozen=True)
class Found:
    calls: list[cst.Call]  # norm layers called by name (`self.bn(x)`): transpose around the call
    in_sequentials: list[cst.Call]  # norm constructors inside nn.Sequential: no call site to edit


def match(problem: Problem) -> Found | None:
    script = problem.script
    calls = [call for call in script.calls()
             if (target := callee(call)) and script.built_from(target, NORMS) and positional(call)]
    if calls:
        return Found(script.at_failure(calls, problem.facts.user_lines), [])
    in_sequentials = [call for call in script.constructors(NORMS) if in_sequential(script, call)]
    return Found([], in_sequentials) if in_sequentials else None


def apply(problem: Problem, found: Found) -> Edits:
    script, edits = problem.script, problem.edits()
    for call in found.calls:
        first = positional(call)[0]
        moved = first.with_changes(value=script.with_method(first.value, SWAP))
        inner = call.with_changes(args=[moved if arg is first else arg for arg in call.args])
        edits.replace(call, script.with_method(inner, SWAP))
    for call in found.in_sequentials:  # swap in a subclass that transposes
        edits.replace(call.func, cst.Name(f"Seq{kind_of(call)}"))
    for kind in sorted({kind_of(call) for call in found.in_sequentials}):
        edits.insert_after_imports(_subclass(script.nn, kind))
    return edits


def _subclass(nn: str, kind: str) -> cst.BaseStatement:
    return layer_subclass(nn, kind, f"Seq{kind}", f"{kind} over the last dim of a [batch, seq, features] tensor.",
                          f"super().forward(x.{SWAP}).{SWAP}")
