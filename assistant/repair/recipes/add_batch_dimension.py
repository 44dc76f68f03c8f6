"""Layers take a batch: BatchNorm1d wants [N, C] or [N, C, L], BatchNorm2d [N, C, H, W]. A single
sample passed as-is lacks the leading batch dimension, so the layer rejects its rank (or reads its
features as the batch). unsqueeze(0) at the call site makes it a batch of one without touching the
model.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts
from assistant.repair.recipes._edit import Script, find_facts

name = "add-batch-dimension"
rank = 30
PATTERNS = (
    "expected 2D or 3D input (got 1D input)",
    "expected at least 2D input (got 1D input)",
    "expected 4D input (got 3D input)",
    "expected 5D input (got 4D input)",
    "Dimension out of range (expected to be in range of [-1, 0], but got {dim})",
)


def match(tree: cst.Module, facts: Facts) -> bool:
    return find_facts(facts.message, PATTERNS) is not None and bool(facts.user_lines)


def apply(source: str, facts: Facts) -> str | None:
    script = Script(source)
    calls = script.model_calls(facts.user_lines)
    if not calls or not script.wrap_argument(calls[0], "unsqueeze(0)"):
        return None
    return script.result()
