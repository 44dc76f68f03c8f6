"""Each pooling floors its output size, so a stack designed for large inputs floors a small one
down to 0 (28 -> 14 -> 7 -> 3 -> 1 -> 0). Of the entry's fixes, `ceil_mode=True` is the one that
needs neither the intended input size nor a decision about which stage to drop: a window that only
partly overlaps the map is kept, so 7 -> 4 -> 2 -> 1 and no stage reaches 0. It changes every map
size after the first odd one, which is why the fix is verified by running the program (a head
sized for the floored maps then fails visibly, and is the linear-in-features recipe's).
"""

from __future__ import annotations

import re

import libcst as cst

from assistant.repair.recipes import Facts, Problem
from assistant.repair.recipes._edit import Edits, keyword, kind_of, parse_shape, with_keyword

name = "ceil-mode-pooling"
_POOL = re.compile(r"(?:Max|Avg|LP)Pool(?P<dims>[123])d|(?:max|avg|lp)_pool(?P<function_dims>[123])d")


def match(problem: Problem) -> list[cst.Call] | None:
    """Every fixed pooling (layer or function) of the failing dimensionality without ceil_mode."""
    dims = _spatial_dims(problem.facts)
    pools = []
    for call in problem.script.calls():
        found = _POOL.fullmatch(kind_of(call))
        pool_dims = int(found["dims"] or found["function_dims"]) if found else None
        if pool_dims and keyword(call, "ceil_mode") is None and dims in (None, pool_dims):
            pools.append(call)
    return pools or None


def apply(problem: Problem, pools: list[cst.Call]) -> Edits:
    edits = problem.edits()
    for call in pools:
        edits.replace(call, with_keyword(call, "ceil_mode", "True"))
    return edits


def _spatial_dims(facts: Facts) -> int | None:
    """How many spatial axes the failing pool has: the message's `C x H x W` less the channels."""
    if facts.message.startswith("max_pool1d()"):
        return 1
    size = parse_shape(facts.values.get("input_size"))
    return len(size) - 1 if size is not None and len(size) > 1 else None
