"""view() never copies, so it refuses a tensor whose memory is not laid out in the requested order
(after transpose, permute, expand or some slicing). reshape() returns the same view when one is
possible and copies otherwise, so swapping the method on the failing line fixes it with no change
in values.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts
from assistant.repair.recipes._edit import Script, find_facts

name = "view-to-reshape"
PATTERNS = (
    "view size is not compatible with input tensor's size and stride",
    "input is not contiguous",
)


def match(tree: cst.Module, facts: Facts) -> bool:
    return find_facts(facts.message, PATTERNS) is not None and ".view(" in tree.code


def apply(source: str, facts: Facts) -> str | None:
    script = Script(source)
    views = [call for call in script.calls() if _is_view(call)]
    for line in facts.innermost_first:
        if on_line := [call for call in views if script.span(call)[0] <= line <= script.span(call)[1]]:
            views = on_line
            break
    for call in views:
        script.replace(call.func, call.func.with_changes(attr=cst.Name("reshape")))
    return script.result()


def _is_view(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "view" and bool(call.args)
