"""An embedding table has rows 0 .. num_embeddings - 1, so a table sized by the largest id
(`nn.Embedding(int(user_ids.max()), 16)`, `n_items = max(item_ids)`) has no row for that id: the
classic off-by-one of ids counted from 0. The fix is the entry's "size the table from the largest
id that can occur": one more row than the largest id, written where the size is computed, which
is followed through names, parameters, config dicts, a dataset's attributes and helper returns. A
classifier head sized by the largest label (`nn.Linear(16, int(y.max()))`) lacks that class's
logit in the same way (`Target C is out of bounds`), and gets the same `+ 1`.

A table sized by a vocabulary's length taken before special tokens were added to it
(`size = len(vocab)`, then `vocab["<unk>"] = len(vocab)`) lacks their rows: the length is taken
again where the size is passed on, after the additions, as the entry's "after ALL special tokens
are added" says; the earlier name keeps its value for whatever else reads it.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._definitions import assignment, parameters, returned
from assistant.repair.recipes._edit import Edits, Script, _unpacked, dotted, expr, kind_of, positional
from assistant.repair.recipes._layers import argument, called_at_failure
from assistant.repair.recipes._values import MAX_DEPTH, _passed_at_calls, definitions, settings

name = "rows-for-largest-id"
EMBEDDINGS = ("Embedding", "EmbeddingBag")
HEADS = ("Linear",)
_SIZES = {"Embedding": (0, "num_embeddings"), "EmbeddingBag": (0, "num_embeddings"), "Linear": (1, "out_features")}
_NAMESPACES = ("torch", "np", "numpy")
_LARGEST = ("max", "amax")
_GROWING = ("append", "extend", "insert", "update", "setdefault", "add")


@needs_calls(*EMBEDDINGS, *HEADS)
def match(problem: Problem) -> list[tuple[cst.BaseExpression, str]] | None:
    """(where, the code to write there) for the sizes of the embeddings (the heads, for a class
    label out of bounds) called on the failing lines (every one sized so shares the bug), else
    for the only one sized so: a largest id gets its row, a length taken before the vocabulary
    grew is taken again where the table is built."""
    script = problem.script
    kinds = HEADS if "target" in problem.facts.values else EMBEDDINGS
    failing = called_at_failure(script, problem.facts.user_lines, kinds)
    layers = failing or script.constructors(kinds)
    found = list(dict.fromkeys(site for layer in layers for site in _fixed_size(problem, layer)))
    return found if found and (failing or len(found) == 1) else None


def apply(problem: Problem, sites: list[tuple[cst.BaseExpression, str]]) -> Edits:
    edits = problem.edits()
    for node, code in sites:
        edits.replace(node, expr(code))
    return edits


def _fixed_size(problem: Problem, layer: cst.Call) -> list[tuple[cst.BaseExpression, str]]:
    size = argument(layer, *_SIZES[kind_of(layer)])
    if size is None:
        return []
    script = problem.script
    largest = _largest_ids(script, size.value)
    if largest and all(_is_largest(node) for node in largest):
        return [(node, f"{script.code(node)} + 1") for node in largest]
    stale = _stale_length(script, size.value)
    return [(stale[0], script.code(stale[1]))] if stale is not None else []


def _largest_ids(script: Script, node: cst.BaseExpression, depth: int = 0) -> list[cst.BaseExpression]:
    """The expressions a size holds, followed through names, parameters, config dicts and
    classes, argparse defaults, the attributes an instance of a class defined here sets in its
    methods, and the returns of helpers defined here: where a largest id would be written."""
    if depth > MAX_DEPTH:
        return []
    if _is_largest(node):
        return [node]
    if isinstance(node, cst.Call) and (values := returned(script, node)):
        return [found for value in values for found in _largest_ids(script, value, depth + 1)]
    if (value := _instance_attribute(script, node)) is not None:
        return _largest_ids(script, value, depth + 1)
    if dotted(node) and (named := [value for value in definitions(script, node, depth + 1) if _is_largest(value)]):
        return named  # read before `settings`, which takes `sorted(ids)[-1]` for a config lookup
    followed = settings(script, node)
    if followed == [node]:
        return followed
    return [found for value in followed for found in _largest_ids(script, value, depth + 1)]


def _instance_attribute(script: Script, node: cst.BaseExpression) -> cst.BaseExpression | None:
    """`data.num_products` with `data = Interactions()`: the one value the class's methods give
    `self.num_products`."""
    if not isinstance(node, cst.Attribute) or dotted(node.value) in (None, "self"):
        return None
    built = [value for value in definitions(script, node.value) if isinstance(value, cst.Call)]
    classes = [c for c in script.nodes(cst.ClassDef) if built and c.name.value == kind_of(built[0])]
    if len(built) != 1 or len(classes) != 1:
        return None
    values = [value for assign in m.findall(classes[0], m.Assign()) if isinstance(assign, cst.Assign)
              for target, value in _unpacked_targets(assign) if target == f"self.{node.attr.value}"]
    return values[0] if len(values) == 1 else None


def _unpacked_targets(assign: cst.Assign) -> list[tuple[str, cst.BaseExpression]]:
    return [pair for target in assign.targets for pair in _unpacked(target.target, assign.value)]


def _stale_length(script: Script, node: cst.BaseExpression, depth: int = 0) -> tuple[cst.BaseExpression, cst.Call] | None:
    """(the name that passes the size on, `len(vocab)`) when the size is a vocabulary's length
    taken before tokens were added to it (`size = len(vocab)`, then `vocab["<unk>"] = ...`) and
    the name is used after the additions, in the same scope: written there, the length counts them."""
    name = dotted(node)
    if name is None or depth > MAX_DEPTH:
        return None
    bound = assignment(script, name, node)
    if bound is not None:
        if _is_length(bound[1]) and _grown_between(script, bound[1], node):
            return node, bound[1]
        return _stale_length(script, bound[1], depth + 1)
    function = script.function_of(node)
    passed = _passed_at_calls(script, function, name) if function is not None and name in parameters(function) else []
    return _stale_length(script, passed[0], depth + 1) if len(passed) == 1 else None


def _is_length(node: cst.BaseExpression) -> bool:
    return (isinstance(node, cst.Call) and dotted(node.func) == "len" and len(positional(node)) == 1
            and dotted(positional(node)[0].value) is not None)


def _grown_between(script: Script, length: cst.Call, use: cst.CSTNode) -> bool:
    """Tokens are added to the measured collection (item assignment, `append`, `update`, ...)
    after the length was taken and before the use, in the use's scope (where both are)."""
    collection = dotted(positional(length)[0].value)
    scope = script.function_of(use)
    if script.function_of(length) is not scope:
        return False
    after, before = script.span(length)[1], script.span(use)[0]
    return any(after < script.span(node)[0] < before and script.function_of(node) is scope
               and _adds_to(node, collection) for node in script.nodes((cst.Assign, cst.AugAssign, cst.Call)))


def _adds_to(node: cst.CSTNode, collection: str | None) -> bool:
    if isinstance(node, cst.Call):
        return (isinstance(node.func, cst.Attribute) and node.func.attr.value in _GROWING
                and dotted(node.func.value) == collection)
    if isinstance(node, cst.AugAssign):
        return dotted(node.target) == collection
    return any(isinstance(t.target, cst.Subscript) and dotted(t.target.value) == collection for t in node.targets)


def _is_largest(node: cst.BaseExpression) -> bool:
    """`max(ids)`, `ids.max()`, `torch.max(ids)`, `np.amax(ids)`, `sorted(ids)[-1]`, and those
    through `int(...)` / `.item()`."""
    if _is_last_of_sorted(node):
        return True
    if not isinstance(node, cst.Call):
        return False
    called = node.func.attr.value if isinstance(node.func, cst.Attribute) else kind_of(node)
    if called in _LARGEST:  # max(ids), torch.max(ids), ids.max(); not ids.max(dim)
        namespace = dotted(node.func.value) if isinstance(node.func, cst.Attribute) else None
        return not positional(node) or namespace in (None, *_NAMESPACES) and len(positional(node)) == 1
    if called == "int" and len(positional(node)) == 1:
        return _is_largest(positional(node)[0].value)
    if called == "item" and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Call):
        return _is_largest(node.func.value)
    return False


def _is_last_of_sorted(node: cst.BaseExpression) -> bool:
    """`sorted(ids)[-1]`: the largest id, taken as the last of the ids in ascending order."""
    if not (isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)):
        return False
    last = node.slice[0].slice.value
    ascending = (isinstance(node.value, cst.Call) and kind_of(node.value) == "sorted"
                 and all(arg.keyword is None for arg in node.value.args))  # no key=, no reverse=
    return ascending and m.matches(last, m.UnaryOperation(operator=m.Minus(), expression=m.Integer("1")))
