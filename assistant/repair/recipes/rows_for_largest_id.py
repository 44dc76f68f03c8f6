"""An embedding table has rows 0 .. num_embeddings - 1, so a table sized by the largest id
(`nn.Embedding(int(user_ids.max()), 16)`, `n_items = max(item_ids)`) has no row for that id: the
classic off-by-one of ids counted from 0. The fix is the entry's "size the table from the largest
id that can occur": one more row than the largest id, written where the size is computed. A
classifier head sized by the largest label (`nn.Linear(16, int(y.max()))`) lacks that class's
logit in the same way (`Target C is out of bounds`), and gets the same `+ 1`.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._edit import Edits, dotted, expr, kind_of, positional
from assistant.repair.recipes._layers import argument, called_at_failure
from assistant.repair.recipes._values import MAX_DEPTH, definitions

name = "rows-for-largest-id"
EMBEDDINGS = ("Embedding", "EmbeddingBag")
HEADS = ("Linear",)
_SIZES = {"Embedding": (0, "num_embeddings"), "EmbeddingBag": (0, "num_embeddings"), "Linear": (1, "out_features")}
_NAMESPACES = ("torch", "np", "numpy")


@needs_calls(*EMBEDDINGS, *HEADS)
def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The largest-id expressions that size the embeddings (the heads, for a class label out of
    bounds) called on the failing lines (every one sized so shares the off-by-one), else that of
    the only one sized so."""
    script = problem.script
    kinds = HEADS if "target" in problem.facts.values else EMBEDDINGS
    failing = called_at_failure(script, problem.facts.user_lines, kinds)
    layers = failing or script.constructors(kinds)
    found = list(dict.fromkeys(site for layer in layers if (site := _largest_id_size(problem, layer)) is not None))
    return found if found and (failing or len(found) == 1) else None


def apply(problem: Problem, sites: list[cst.BaseExpression]) -> Edits:
    edits = problem.edits()
    for largest in sites:
        edits.replace(largest, expr(f"{problem.script.code(largest)} + 1"))
    return edits


def _largest_id_size(problem: Problem, layer: cst.Call) -> cst.BaseExpression | None:
    """The `max` expression num_embeddings is (followed through names and constructor arguments)."""
    size = argument(layer, *_SIZES[kind_of(layer)])
    node = size.value if size is not None else None
    for _ in range(MAX_DEPTH):
        if node is None:
            return None
        if _is_largest(node):
            return node
        found = definitions(problem.script, node) if dotted(node) is not None else []
        node = found[0] if len(found) == 1 else None
    return None


def _is_largest(node: cst.BaseExpression) -> bool:
    """`max(ids)`, `ids.max()`, `torch.max(ids)`, and those through `int(...)` / `.item()`."""
    if not isinstance(node, cst.Call):
        return False
    called = node.func.attr.value if isinstance(node.func, cst.Attribute) else kind_of(node)
    if called == "max":  # max(ids), torch.max(ids), ids.max(); not ids.max(dim)
        namespace = dotted(node.func.value) if isinstance(node.func, cst.Attribute) else None
        return not positional(node) or namespace in (None, *_NAMESPACES) and len(positional(node)) == 1
    if called == "int" and len(positional(node)) == 1:
        return _is_largest(positional(node)[0].value)
    if called == "item" and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Call):
        return _is_largest(node.func.value)
    return False
