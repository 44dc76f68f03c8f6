"""Fine-tuning that freezes the layer meant to learn: the new head. `for n, p in
model.named_parameters(): if "classifier" in n: p.requires_grad = False` (the test the wrong way
round), `for p in model.fc.parameters(): ...` right after `model.fc = nn.Linear(...)`, or
`for p in model.parameters(): ...` after the head was replaced, with nothing unfrozen again. The
model's head is new when the file replaces it or builds the model with `num_classes=`/`num_labels=`;
the optimizer then updates nothing that matters, and no error is raised."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, kind_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._freezing import turns_off_grad, turns_on_grad

name = "frozen-new-head"
HEAD_WORDS = ("classifier", "fc", "head", "heads", "last_linear")
NEW_HEAD_KEYWORDS = ("num_classes", "num_labels", "n_classes")


@needs_calls("parameters", "named_parameters")
def check(code: Code) -> Iterator[Hit]:
    replaced = _replaced_heads(code)
    with_new_head = _built_with_new_head(code)
    for loop in code.nodes_of(ast.For):
        owner = _iterated_module(loop)
        if owner is None or _unfrozen_after(code, loop):
            continue
        model, _, attribute = owner.partition(".") if kind_of(loop.iter) == "parameters" else (owner, "", "")
        if kind_of(loop.iter) == "named_parameters" and (model in with_new_head or model in replaced):
            words = (*HEAD_WORDS, *replaced.get(model, {}))
            if (word := _freezes_named(loop, words)) is not None:
                yield _hit(code, loop, f"the loop freezes the parameters whose name holds '{word}'", owner)
        elif attribute and attribute in replaced.get(model, {}) and replaced[model][attribute] < loop.lineno \
                and _freezes_all(loop):
            yield _hit(code, loop, f"the loop freezes {owner}, the head replaced on line {replaced[model][attribute]}",
                       owner)


def _hit(code: Code, loop: ast.For, what: str, owner: str) -> Hit:
    return Hit.at(code, loop, f"{what}: that is the new head, the one layer fine-tuning should train; freeze "
                  "the backbone instead (the test the other way round, or freeze before replacing the head)",
                  {"module": owner})


def _iterated_module(loop: ast.For) -> str | None:
    """`model.fc` for `for p in model.fc.parameters()`, `model` for `for n, p in model.named_parameters()`."""
    call = loop.iter
    if isinstance(call, ast.Call) and kind_of(call) in ("parameters", "named_parameters") and not call.args \
            and isinstance(call.func, ast.Attribute):
        return dotted(call.func.value)
    return None


def _replaced_heads(code: Code) -> dict[str, dict[str, int]]:
    """model -> {attribute: line} for `model.fc = nn.Linear(...)` (a new layer assigned to a model's attribute)."""
    found: dict[str, dict[str, int]] = {}
    for node in code.nodes_of(ast.Assign):
        target = node.targets[0] if len(node.targets) == 1 else None
        spelled = dotted(target) if isinstance(target, ast.Attribute) else None
        if spelled and spelled.count(".") == 1 and not spelled.startswith("self.") and isinstance(node.value, ast.Call) \
                and kind_of(node.value) in ("Linear", "Sequential", "Conv2d", "LazyLinear"):
            model, attribute = spelled.split(".")
            found.setdefault(model, {}).setdefault(attribute, node.lineno)
    return found


def _built_with_new_head(code: Code) -> set[str]:
    """Names bound to a call given `num_classes=` (timm.create_model, torchvision builders, from_pretrained)."""
    found = set()
    for node in code.nodes_of(ast.Assign):
        if len(node.targets) == 1 and isinstance(node.value, ast.Call) and (name := dotted(node.targets[0])) \
                and any(k.arg in NEW_HEAD_KEYWORDS for k in node.value.keywords):
            found.add(name)
    return found


def _freezes_named(loop: ast.For, words: tuple[str, ...]) -> str | None:
    """The head word of `if "fc" in name: p.requires_grad = False` (or `name.startswith("fc")`) in the loop."""
    if not (isinstance(loop.target, ast.Tuple) and len(loop.target.elts) == 2
            and all(isinstance(e, ast.Name) for e in loop.target.elts)):
        return None
    label, parameter = (e.id for e in loop.target.elts)  # type: ignore[attr-defined]
    for statement in loop.body:
        if isinstance(statement, ast.If) and not statement.orelse \
                and any(turns_off_grad(inner, parameter) for inner in statement.body):
            word = _selected_word(statement.test, label)
            if word is not None and any(w == word or word.startswith(f"{w}.") or word.rstrip(".") == w for w in words):
                return word
    return None


def _selected_word(test: ast.expr, label: str) -> str | None:
    """`"fc" in name` or `name.startswith("fc")`: the word; anything else (a `not`, an `or`) None."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.In) \
            and dotted(test.comparators[0]) == label and isinstance(value := constant(test.left), str):
        return value
    if isinstance(test, ast.Call) and kind_of(test) == "startswith" and isinstance(test.func, ast.Attribute) \
            and dotted(test.func.value) == label and len(test.args) == 1 and isinstance(value := constant(test.args[0]), str):
        return value
    return None


def _freezes_all(loop: ast.For) -> bool:
    return isinstance(loop.target, ast.Name) and any(turns_off_grad(s, loop.target.id) for s in loop.body)


def _unfrozen_after(code: Code, loop: ast.For) -> bool:
    after = loop.end_lineno or loop.lineno
    return any(node.lineno > after and turns_on_grad(node) for node in code.nodes_of(ast.Assign, ast.Call))
