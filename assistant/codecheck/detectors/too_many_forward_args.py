"""A module called with more positional arguments than its forward() accepts: `nn.Sequential`
(and torch's one-input layers) given `(x, mask)`, or a model of the file given an extra tensor.
"forward() takes 2 positional arguments but 3 were given"."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._signatures import called_signature, is_torch_layer, module_calls

name = "too-many-forward-args"


def check(code: Code) -> Iterator[Hit]:
    for call in module_calls(code):
        if len(call.args) < 2:
            continue
        signature = called_signature(code, call)
        if signature is None or signature.star_args or len(call.args) <= len(signature.positional):
            continue
        accepted = len(signature.positional)
        advice = ("it passes one tensor from layer to layer: write a module whose forward takes all the inputs"
                  if is_torch_layer(signature) else f"call it with the arguments {signature.owner}() declares")
        yield Hit.at(code, call, f"{source_of(call.func)}(...) is given {len(call.args)} positional arguments but "
                     f"{signature.owner}() takes {accepted} (not counting self): {advice}",
                     {"expected": str(accepted + 1), "given": str(len(call.args) + 1)})
