"""A Hugging Face `Trainer` given a base model (`AutoModel`, `BertModel`): a class without a head
returns hidden states and never a loss, so the first step raises "The model did not return a loss
from the inputs"."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._calls import has_keyword

name = "trainer-given-base-model"
BASE_MODEL = re.compile(r"^(Auto|[A-Z]\w*?)Model$")  # AutoModel, BertModel, not AutoModelForCausalLM
TRAINERS = ("transformers.Trainer", "transformers.trainer.Trainer")


@needs_calls("Trainer")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("Trainer"):
        if code.resolved(call.func) not in TRAINERS or has_keyword(call, "compute_loss_func"):
            continue
        model = argument(call, 0, "model")
        built = code.reaching_value(model) if isinstance(model, ast.Name) else model
        base = _base_model_class(code, built)
        if base is not None:
            yield Hit.at(code, call, f"Trainer(model={source_of(model)}) gets {base}.from_pretrained(...), a base "
                         "model without a head: it returns hidden states and no loss; load a task class "
                         "(AutoModelForSequenceClassification, AutoModelForCausalLM, ...)")


def _base_model_class(code: Code, built: ast.expr | None) -> str | None:
    """`AutoModel` for `AutoModel.from_pretrained(...)` imported from transformers."""
    if not (isinstance(built, ast.Call) and kind_of(built) == "from_pretrained"
            and isinstance(built.func, ast.Attribute)):
        return None
    owner = built.func.value
    resolved = code.resolved(owner) or ""
    spelt = resolved.rpartition(".")[2]
    return spelt if resolved.startswith("transformers.") and BASE_MODEL.match(spelt) else None
