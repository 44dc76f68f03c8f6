"""A checkpoint saved from nn.DataParallel / DistributedDataParallel names every key `module.<key>`,
one saved from a torch.compile'd model `_orig_mod.<key>`. A plain model expects `<key>`, so
load_state_dict reports every key missing and unexpected. Stripping the prefix while loading
matches the keys again and keeps strict loading (strict=False would silently load nothing).
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem
from assistant.repair.recipes._edit import Edits, expr, positional

name = "strip-state-dict-prefix"
PREFIXES = ("module.", "_orig_mod.")
_UNEXPECTED = "Unexpected key(s) in state_dict:"


def match(problem: Problem) -> tuple[tuple[str, ...], list[cst.Call]] | None:
    """The wrapper prefixes the unexpected keys carry, and the load_state_dict calls to strip them in."""
    prefixes = _prefixes(problem.facts)
    loads = [call for call in problem.script.calls() if _is_load(call)]
    loads = problem.script.at_failure(loads, problem.facts.user_lines)
    return (prefixes, loads) if prefixes and loads else None


def apply(problem: Problem, found: tuple[tuple[str, ...], list[cst.Call]]) -> Edits:
    prefixes, loads = found
    script, edits = problem.script, problem.edits()
    stripped = "k" + "".join(f'.removeprefix("{prefix}")' for prefix in prefixes)
    for call in loads:
        state = positional(call)[0].value
        items = script.with_method(state, "items()")
        edits.replace(state, expr(f"{{{stripped}: v for k, v in {script.code(items)}}}"))
    return edits


def _prefixes(facts: Facts) -> tuple[str, ...]:
    """The wrapper prefixes of the unexpected keys (the message lists them), in nesting order."""
    if _UNEXPECTED not in facts.message:
        return ()
    unexpected = facts.message.split(_UNEXPECTED, 1)[1]
    return tuple(prefix for prefix in PREFIXES if f'"{prefix}' in unexpected or f'.{prefix}' in unexpected)


def _is_load(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "load_state_dict" and bool(positional(call))
