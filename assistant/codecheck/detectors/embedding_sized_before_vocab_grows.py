"""An Embedding table sized with `len(vocab)` taken before the vocabulary grows (`vocab["<pad>"] =
len(vocab)` added afterwards): the new ids equal or exceed num_embeddings, so the lookup of a
padding or unknown token fails with "index out of range in self"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, dotted, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._blocks import after, statement_of
from assistant.codecheck.detectors._torch_names import is_layer, module_classes

name = "embedding-sized-before-vocab-grows"
_GROWS = ("update", "setdefault", "append", "add", "add_tokens", "extend", "insert")


@precondition(lambda code: "Embedding" in code.call_kinds and "len" in code.call_kinds)
def check(code: Code) -> Iterator[Hit]:
    for size, use in _embedding_sizes(code):
        measured = _measured_vocab(code, size)
        if measured is None:
            continue
        length, vocab = measured
        growth = _grown_after(code, length, vocab)
        if growth is not None:
            yield Hit.at(code, use, f"the Embedding gets {source_of(size)} = {source_of(length)} (line "
                         f"{length.lineno}), but {vocab} grows afterwards ({source_of(growth).strip()}, line "
                         f"{growth.lineno}): its new ids are >= num_embeddings and their lookup is out of range; "
                         f"size the table after the vocabulary is complete (len({vocab}) there)")


def _embedding_sizes(code: Code) -> Iterator[tuple[ast.expr, ast.AST]]:
    """The num_embeddings of each nn.Embedding, and where to report it: the layer itself, or the call
    `Model(size)` of a module class that passes its parameter on as the size."""
    classes = module_classes(code)
    for layer in code.calls_of("Embedding"):
        size = argument(layer, 0, "num_embeddings") if is_layer(layer, "Embedding") else None
        if size is None:
            continue
        if not isinstance(size, ast.Name) or code.enclosing_class(layer) is None:
            yield size, layer
            continue
        cls = code.enclosing_class(layer)
        position = _init_parameter(cls, size.id)  # type: ignore[arg-type]
        if position is not None and cls.name in classes:  # type: ignore[union-attr]
            for built in code.calls_of(cls.name):  # type: ignore[union-attr]
                if isinstance(built.func, ast.Name):
                    passed = argument(built, position, size.id)
                    if passed is not None:
                        yield passed, built


def _init_parameter(cls: ast.ClassDef, parameter: str) -> int | None:
    """The position (after self) of a parameter of the class's __init__."""
    init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    names = [a.arg for a in init.args.args[1:]] if init else []
    return names.index(parameter) if parameter in names else None


def _measured_vocab(code: Code, size: ast.expr) -> tuple[ast.expr, str] | None:
    """`len(vocab)` that the size is (directly, or a name bound to it just above, or once at module level)."""
    length = (code.reaching_value(size) or code.value_of(code.tree, size.id)) if isinstance(size, ast.Name) else size
    if isinstance(length, ast.Call) and dotted(length.func) == "len" and len(length.args) == 1 \
            and isinstance(length.args[0], ast.Name):
        return length, length.args[0].id
    return None


def _grown_after(code: Code, length: ast.expr, vocab: str) -> ast.stmt | None:
    """The first statement after `length` in the same block that adds to `vocab`: `vocab[k] = v`,
    `vocab.update(...)`, `vocab.append(...)`. Nothing is certain past a rebinding of the name."""
    statement = statement_of(code, length)
    for later in after(code, statement) if statement is not None else []:
        if isinstance(later, ast.Assign) and any(dotted(t) == vocab for t in later.targets):
            return None
        if _adds_to(later, vocab):
            return later
    return None


def _adds_to(statement: ast.stmt, vocab: str) -> bool:
    if isinstance(statement, ast.Assign):
        return any(isinstance(t, ast.Subscript) and dotted(t.value) == vocab for t in statement.targets)
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        func = statement.value.func
        return isinstance(func, ast.Attribute) and func.attr in _GROWS and dotted(func.value) == vocab
    return False
