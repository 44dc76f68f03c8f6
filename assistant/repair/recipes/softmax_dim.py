"""softmax without `dim` makes torch guess the axis: 0 for 1-D and 3-D input, 1 otherwise. For
[batch, seq, classes] that is the batch axis, silently wrong, hence the deprecation warning (and
`torch.softmax(x)` refuses outright). The classes are almost always the last axis (`dim=-1`), and
for a [N, C, H, W] segmentation map they are dim 1; the recipe writes the axis explicitly.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts
from assistant.repair.recipes._edit import Script, callee, find_facts, has_call, keyword, kind_of, positional, with_keyword

name = "softmax-dim"
PATTERNS = (
    "Implicit dimension choice for {function} has been deprecated",
    "softmax() missing 1 required positional arguments: \"dim\"",
    "softmax() received an invalid combination of arguments",
)
FUNCTIONS = ("softmax", "log_softmax", "softmin")
MODULES = ("Softmax", "LogSoftmax", "Softmin")
_NAMESPACES = ("F", "torch", "functional", "nn.functional", "torch.nn.functional", "torch.special")


def match(tree: cst.Module, facts: Facts) -> bool:
    return find_facts(facts.message, PATTERNS) is not None and has_call(tree, FUNCTIONS + MODULES)


def apply(source: str, facts: Facts) -> str | None:
    script = Script(source)
    spatial = has_call(script.module, ("Conv2d", "Conv3d")) and not has_call(script.module, ("Linear",))
    dim = "1" if spatial else "-1"
    for call in script.calls():
        if _lacks_dim(call):
            script.replace(call, with_keyword(call, "dim", dim))
    return script.result()


def _lacks_dim(call: cst.Call) -> bool:
    """A softmax call or module constructor that leaves the axis to torch's guess."""
    kind = kind_of(call)
    if keyword(call, "dim") is not None or kind not in FUNCTIONS + MODULES:
        return False
    if kind in MODULES:
        return not positional(call)
    namespace = (callee(call) or "").rpartition(".")[0]
    is_function = namespace in _NAMESPACES or not namespace
    return len(positional(call)) < (2 if is_function else 1)
