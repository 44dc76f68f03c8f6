"""BatchNorm1d reads dim 1 as the features. On a [batch, seq, features] tensor (an Embedding, a
batch_first RNN, a per-token Linear) it counts the sequence positions instead, so its statistics
have the wrong length. Moving the features to dim 1 for the norm and back afterwards fixes the axis
without changing the layer or the rest of the model.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts
from assistant.repair.recipes._edit import Script, callee, find_facts, has_call, kind_of, positional, statement

name = "transpose-around-batchnorm1d"
rank = 10
PATTERNS = (
    "running_mean should contain {channels} elements not {num_features}",
    "weight should contain {channels} elements not {num_features}",
    "expected input's size at dim=1 to match num_features ({num_features}), but got: {channels}",
)
NORMS = ("BatchNorm1d", "InstanceNorm1d")
SWAP = "transpose(1, 2)"


def match(tree: cst.Module, facts: Facts) -> bool:
    return find_facts(facts.message, PATTERNS) is not None and has_call(tree, NORMS)


def apply(source: str, facts: Facts) -> str | None:
    script = Script(source)
    calls = _norm_calls(script, facts)
    for call in calls:
        _transpose_around(script, call)
    if not calls:
        _wrap_in_sequentials(script)
    return script.result()


def _norm_calls(script: Script, facts: Facts) -> list[cst.Call]:
    """Calls of a norm layer bound to a name (`self.bn(x)`), those on the failing lines if any."""
    calls = [call for call in script.calls()
             if (target := callee(call)) and script.built_from(target, NORMS) and positional(call)]
    on_lines = [call for call in calls if any(script.span(call)[0] <= line <= script.span(call)[1]
                                              for line in facts.user_lines)]
    return on_lines or calls


def _transpose_around(script: Script, call: cst.Call) -> None:
    first = positional(call)[0]
    moved = first.with_changes(value=script.with_method(first.value, SWAP))
    inner = call.with_changes(args=[moved if arg is first else arg for arg in call.args])
    script.replace(call, script.with_method(inner, SWAP))


def _wrap_in_sequentials(script: Script) -> None:
    """A norm inside nn.Sequential has no call site to edit: swap in a subclass that transposes."""
    kinds = set()
    for call in script.constructors(NORMS):
        parent = script.parents.get(script.parents.get(call))
        if isinstance(parent, cst.Call) and kind_of(parent) == "Sequential":
            kinds.add(kind_of(call))
            script.replace(call.func, cst.Name(f"Seq{kind_of(call)}"))
    for kind in sorted(kinds):
        script.insert_after_imports(_subclass(script.nn, kind))


def _subclass(nn: str, kind: str) -> cst.BaseStatement:
    code = (f"class Seq{kind}({nn}.{kind}):\n"
            f'    """{kind} over the last dim of a [batch, seq, features] tensor."""\n\n'
            f"    def forward(self, x):\n"
            f"        return super().forward(x.{SWAP}).{SWAP}\n")
    return statement(code).with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
