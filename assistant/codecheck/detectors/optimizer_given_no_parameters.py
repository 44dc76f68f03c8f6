"""An optimizer handed no parameters: a `model.parameters()` generator already used up (counted with
`list(params)` or looped over) before the optimizer gets it, or the parameters of a layer that has
none (`nn.ReLU`, pooling, dropout): "optimizer got an empty parameter list"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, dotted, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import layer_kind

name = "optimizer-given-no-parameters"
PARAMETERLESS = ("ReLU", "LeakyReLU", "GELU", "SiLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Dropout", "Dropout2d",
                 "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
                 "AdaptiveMaxPool2d", "Flatten", "Unflatten", "Identity", "Upsample", "ELU", "Softplus")
CONSUMERS = ("list", "tuple", "len", "sum", "sorted", "set", "enumerate", "next")


@needs_calls("parameters")
def check(code: Code) -> Iterator[Hit]:
    for call, spelled in zip(code.calls, code.callees):
        if spelled is None or "." in spelled and not spelled.rpartition(".")[2][:1].isupper():
            continue  # no optimizer class (a bare name may be an alias: `from torch.optim import SGD as sgd`)
        if not _builds_optimizer(code, call) or (given := argument(call, 0, "params")) is None:
            continue
        if isinstance(given, ast.Call) and kind_of_parameters(given):
            owner = given.func.value  # type: ignore[attr-defined]
            kind = layer_kind(code, owner)
            if kind in PARAMETERLESS:
                yield Hit.at(code, call, f"{source_of(call.func)}() gets {source_of(given)}, but {source_of(owner)} is "
                             f"an nn.{kind}, which has no parameters: give it the parameters of the layers that learn")
        elif isinstance(given, ast.Name) and (used := _consumed_before(code, given)) is not None:
            yield Hit.at(code, call, f"{given.id} is the generator {source_of(code.reaching_value(given))}, already "
                         f"used up on line {used.lineno} ({source_of(used)}), so {source_of(call.func)}() gets "
                         f"nothing; pass list({given.id}) once, or call .parameters() again")  # type: ignore[arg-type]


def kind_of_parameters(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr == "parameters" and not call.args


def _builds_optimizer(code: Code, call: ast.Call) -> bool:
    made = code.resolved(call.func) or dotted(call.func) or ""
    return made.startswith(("torch.optim.", "optim.")) and ".lr_scheduler." not in made \
        and made.rpartition(".")[2][:1].isupper()


def _consumed_before(code: Code, given: ast.Name) -> ast.AST | None:
    """The use that exhausts `params = model.parameters()` between its binding and this call."""
    made = code.reaching_value(given)
    if not (isinstance(made, ast.Call) and kind_of_parameters(made)):
        return None
    scope = code.scope_of(given)
    for node in code.nodes_of(ast.Call, ast.For, ast.AsyncFor, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp):
        if getattr(node, "lineno", 0) <= made.lineno or node.lineno >= given.lineno or code.scope_of(node) is not scope:  # type: ignore[attr-defined]
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CONSUMERS \
                and any(isinstance(a, ast.Name) and a.id == given.id for a in node.args):
            return node
        if isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.iter, ast.Name) and node.iter.id == given.id:
            return node.iter
        if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)) and any(
                isinstance(g.iter, ast.Name) and g.iter.id == given.id for g in node.generators):
            return node
    return None
