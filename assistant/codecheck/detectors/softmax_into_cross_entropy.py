"""Probabilities fed to CrossEntropyLoss: it applies log_softmax itself, so a softmax before it
squashes the gradients and training stalls (no error is raised)."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._losses import loss_calls
from assistant.codecheck.detectors._softmax import softmax_of

name = "softmax-into-cross-entropy"


@needs_calls("softmax", "Softmax")
def check(code: Code) -> Iterator[Hit]:
    for call in loss_calls(code, "CrossEntropyLoss"):
        if call.args:
            softmax = softmax_of(code, call.args[0])
            if softmax is not None:
                yield Hit.at(code, call, f"{source_of(call.func)}() receives softmax probabilities "
                             f"({source_of(softmax)}, line {softmax.lineno}); CrossEntropyLoss applies "
                             "log_softmax itself: pass the raw logits")
