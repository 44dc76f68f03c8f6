"""Inference with a model still in training mode: under no_grad, but never switched to eval(), so
Dropout keeps dropping and BatchNorm normalises with (and updates) the batch's own statistics. A model
built out of view counts when the code itself puts it in training mode (`model.train()`) and then uses
its outputs under no_grad (a validation pass) without any eval()."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._modes import calls_in_training_mode, is_single_sample
from assistant.codecheck.detectors._torch_names import layer_call, without_grad

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
    yield from _validated_after_train(code)


def _validated_after_train(code: Code) -> Iterator[Hit]:
    """The first use, under no_grad, of the output of a model out of view after `model.train()`,
    in a file that never calls eval() nor train(mode): a forward whose output is thrown away (as
    BatchNorm statistics are recomputed, in training mode on purpose) is not a use."""
    trains = code.calls_of("train")
    if "eval" in code.call_kinds or any(call.args or call.keywords for call in trains):
        return
    started = {dotted(t.func.value): t for t in trains if isinstance(t.func, ast.Attribute)}
    reported = set()
    for call in code.calls:
        model = dotted(call.func)
        train = started.get(model)
        if train is None or model in reported or model.startswith("self.") or not call.args \
                or call.lineno <= train.lineno or isinstance(code.parents.get(call), ast.Expr) \
                or layer_call(code, call.func) is not None or not without_grad(code, call):
            continue
        reported.add(model)
        yield Hit.at(code, call, f"{model}(...) runs under no_grad and its output is used, but {model} is still "
                     f"in training mode ({model}.train(), line {train.lineno}) and nothing calls eval(): any "
                     f"Dropout keeps dropping and BatchNorm uses the batch's statistics; call {model}.eval() "
                     f"before this pass (and {model}.train() after)")
