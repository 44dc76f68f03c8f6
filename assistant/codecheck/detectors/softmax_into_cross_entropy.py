"""Probabilities fed to CrossEntropyLoss: it applies log_softmax itself, so a softmax before it
squashes the gradients and training stalls (no error is raised)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._losses import loss_calls
from assistant.codecheck.detectors._softmax import softmax_of
from assistant.codecheck.detectors._torch_names import forward_returns, module_classes

name = "softmax-into-cross-entropy"


@needs_calls("softmax", "Softmax")
def check(code: Code) -> Iterator[Hit]:
    losses = loss_calls(code, "CrossEntropyLoss")
    for call in losses:
        if call.args:
            softmax = softmax_of(code, call.args[0])
            if softmax is not None:
                yield Hit.at(code, call, f"{source_of(call.func)}() receives softmax probabilities "
                             f"({source_of(softmax)}, line {softmax.lineno}); CrossEntropyLoss applies "
                             "log_softmax itself: pass the raw logits")
    if not losses:
        yield from _criterion_for_a_softmax_model(code)


def _criterion_for_a_softmax_model(code: Code) -> Iterator[Hit]:
    """A CrossEntropyLoss built, not yet called, beside the one model class of the file, built here too,
    whose forward returns softmax probabilities on every return: the model's output is what the
    criterion will get."""
    models = [(cls, softmaxes[0]) for cls in module_classes(code).values()
              if (softmaxes := [softmax_of(code, value) if value is not None else None for value in forward_returns(cls)])
              and all(softmaxes)]
    built = {c.func.id for c in code.calls if isinstance(c.func, ast.Name)}
    if len(models) != 1 or models[0][0].name not in built:
        return
    cls, softmax = models[0]
    for criterion in code.calls_of("CrossEntropyLoss"):
        yield Hit.at(code, criterion, f"{source_of(criterion)} is built for {cls.name}, whose forward returns "
                     f"softmax probabilities ({source_of(softmax)}, line {softmax.lineno}); CrossEntropyLoss "
                     f"applies log_softmax itself: return the raw logits from {cls.name}.forward")
