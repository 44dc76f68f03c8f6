"""`torch.utils.checkpoint.checkpoint(fn, x)` without `use_reentrant=`: torch warns on every call,
and the reentrant variant it falls back to drops gradients when no input requires grad."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._calls import calls_to, has_keyword

name = "checkpoint-without-use-reentrant"


def check(code: Code) -> Iterator[Hit]:
    for call in calls_to(code, "torch.utils.checkpoint.checkpoint", "torch.utils.checkpoint.checkpoint_sequential"):
        if not has_keyword(call, "use_reentrant"):
            yield Hit.at(code, call, "checkpoint() without use_reentrant= warns on every call; pass "
                         "use_reentrant=False (the variant PyTorch recommends)")
