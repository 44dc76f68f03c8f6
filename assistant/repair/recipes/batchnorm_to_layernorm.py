"""BatchNorm needs several values per channel in training mode, and it reads dim 1 as the channels.
A batch-independent norm removes both constraints: LayerNorm normalises each sample over its
features (the last dim, so [batch, seq, features] needs no transposes), GroupNorm(1, C) does the
same over the channels of a [N, C, ...] conv feature map. The model then behaves the same for a
single sample, in training and in evaluation.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts
from assistant.repair.recipes._edit import Script, callee, expr, find_facts, has_call, keyword, parse_shape, positional
from assistant.repair.recipes.transpose_around_batchnorm1d import PATTERNS as CHANNELS_LAST

name = "batchnorm-to-layernorm"
rank = 40
SINGLE = ("Expected more than 1 value per channel when training, got input size {input_size}",)
BATCHNORMS = {2: "BatchNorm1d", 3: "BatchNorm1d", 4: "BatchNorm2d", 5: "BatchNorm3d"}
_KEPT = {"eps": "eps", "device": "device", "dtype": "dtype"}


def match(tree: cst.Module, facts: Facts) -> bool:
    known = find_facts(facts.message, SINGLE) or find_facts(facts.message, CHANNELS_LAST)
    return known is not None and has_call(tree, set(BATCHNORMS.values()))


def apply(source: str, facts: Facts) -> str | None:
    script = Script(source)
    if single := find_facts(facts.message, SINGLE):
        shape = parse_shape(single["input_size"]) or (1, 0)
        kind = BATCHNORMS.get(len(shape), "BatchNorm1d")
        features_last = len(shape) == 2 and not has_call(script.module, ("Conv1d",))
        targets = script.constructors((kind,))
    else:
        features_last, targets = True, _failing_norms(script, facts)
    for call in targets:
        if (replacement := _batch_independent(script, call, features_last)) is not None:
            script.replace(call, replacement)
    return script.result()


def _failing_norms(script: Script, facts: Facts) -> list[cst.Call]:
    """The BatchNorm1d called on a failing line, or every BatchNorm1d when that is not known."""
    for line in facts.innermost_first:
        for call in script.calls_on(line):
            if (target := callee(call)) and (built := script.built_from(target, ("BatchNorm1d",))):
                return [built]
    return script.constructors(("BatchNorm1d",))


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
