"""Inference with a model still in training mode: under no_grad, but never switched to eval(), so
Dropout keeps dropping and BatchNorm normalises with (and updates) the batch's own statistics."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._modes import calls_in_training_mode, is_single_sample

name = "eval-never-called"


@needs_calls("no_grad", "inference_mode")
def check(code: Code) -> Iterator[Hit]:
    for found in calls_in_training_mode(code, under_no_grad=True):
        if "BatchNorm" in " ".join(found.layers) and is_single_sample(code, found.call.args[0]):
            continue  # one sample through BatchNorm in training mode: batchnorm-single-sample's
        layers = " and ".join(sorted(found.layers))
        verb = "acts" if len(found.layers) == 1 else "act"
        yield Hit.at(code, found.call, f"{found.model}(...) runs under no_grad but the model is never switched "
                     f"to eval(): its {layers} still {verb} as in training; call {found.model}.eval() before "
                     "inference (and train() after)")
