"""One sample through a BatchNorm model in training mode (`model(state.unsqueeze(0))` with no
eval()): "Expected more than 1 value per channel when training"."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._modes import calls_in_training_mode, is_single_sample

name = "batchnorm-single-sample"


@needs_calls("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
def check(code: Code) -> Iterator[Hit]:
    for found in calls_in_training_mode(code, under_no_grad=False):
        batchnorms = sorted(layer for layer in found.layers if layer.startswith("BatchNorm"))
        if batchnorms and is_single_sample(code, found.call.args[0]):
            yield Hit.at(code, found.call, f"{found.model}({source_of(found.call.args[0])}) passes one sample "
                         f"through {batchnorms[0]} in training mode (the model is never switched to eval()): "
                         f"BatchNorm needs more than one value per channel; call {found.model}.eval() first")
