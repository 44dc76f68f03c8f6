"""BatchNorm needs several values per channel in training mode, and it reads dim 1 as the channels.
A batch-independent norm removes both constraints: LayerNorm normalises each sample over its
features (the last dim, so [batch, seq, features] needs no transposes), GroupNorm(1, C) does the
same over the channels of a [N, C, ...] conv feature map. The model then behaves the same for a
single sample, in training and in evaluation.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._edit import Edits, Script, callee, expr, has_call, keyword, parse_shape, positional

name = "batchnorm-to-layernorm"
rank = 40
BATCHNORMS = {2: "BatchNorm1d", 3: "BatchNorm1d", 4: "BatchNorm2d", 5: "BatchNorm3d"}
_KEPT = {"eps": "eps", "device": "device", "dtype": "dtype"}


@needs_calls(*BATCHNORMS.values())
def match(problem: Problem) -> tuple[list[cst.Call], bool] | None:
    """The BatchNorm constructors to replace, and whether their features are the last dim.

    Two entries name this recipe: batchnorm-batch-size-one's pattern captures `input_size` (every
    BatchNorm of that rank goes), batchnorm1d-channels-last's does not (the failing one goes).
    """
    script, facts = problem.script, problem.facts
    if "input_size" in facts.values:
        shape = parse_shape(facts.values["input_size"]) or (1, 0)
        features_last = len(shape) == 2 and not has_call(script.module, ("Conv1d",))
        targets = script.constructors((BATCHNORMS.get(len(shape), "BatchNorm1d"),))
    else:
        failing = script.layer_called_at_failure(facts.user_lines, ("BatchNorm1d",))
        features_last, targets = True, [failing] if failing else script.constructors(("BatchNorm1d",))
    return (targets, features_last) if targets else None


def apply(problem: Problem, found: tuple[list[cst.Call], bool]) -> Edits:
    targets, features_last = found
    edits = problem.edits()
    for call in targets:
        if (replacement := _batch_independent(problem.script, call, features_last)) is not None:
            edits.replace(call, replacement)
    return edits


def _batch_independent(script: Script, call: cst.Call, features_last: bool) -> cst.BaseExpression | None:
    """The LayerNorm/GroupNorm that replaces this BatchNorm call, keeping eps, affine, device, dtype."""
    spelled = callee(call) or ""
    nn = spelled.rsplit(".", 1)[0] if "." in spelled else script.nn
    channels = (positional(call) or [keyword(call, "num_features")])[0]
    if channels is None:
        return None
    options = [f"{_KEPT[a.keyword.value]}={script.code(a.value)}" for a in call.args
               if a.keyword is not None and a.keyword.value in _KEPT]
    if (affine := keyword(call, "affine")) is not None:
        options.append(f"{'elementwise_affine' if features_last else 'affine'}={script.code(affine.value)}")
    tail = "".join(f", {option}" for option in options)
    if features_last:
        return expr(f"{nn}.LayerNorm({script.code(channels.value)}{tail})")
    return expr(f"{nn}.GroupNorm(1, {script.code(channels.value)}{tail})")
