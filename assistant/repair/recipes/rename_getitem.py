"""`Dataset.__getitem__` exists only to raise "Subclasses of Dataset should implement __getitem__":
a subclass reaches it when its own item method is not spelt exactly `__getitem__` (`__get_item__`,
`__getitem_`, `__getItem__`) or its letters are mistyped (`__getitme__`, `__getiem__`,
`__gettitem__`: one letter swapped, missing, extra or wrong). Renaming that one method is the
fix; calls of it under the misspelt name are renamed with it, so the class reads as it was meant
to. A mistyped name counts only on a method taking an index (`self, idx`) and when it is no other
protocol method Python or torch calls (`__setitem__`, `__getitems__`, `__getattr__`).
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted

name = "rename-getitem"
_GETITEM = "__getitem__"
# protocol methods a few typed letters away from getitem, which a class defines on purpose
_OTHER_PROTOCOLS = {"setitem", "delitem", "getitems", "getattr", "getstate", "setstate", "getnewargs"}


def match(problem: Problem) -> list[tuple[cst.FunctionDef, list[cst.Attribute]]] | None:
    """The misspelt item method of each Dataset subclass that has no `__getitem__`, with the
    attribute references (`self.__get_item__`) to it."""
    script = problem.script
    found = []
    for dataset in dataset_classes(script):
        methods = [item for item in dataset.body.body if isinstance(item, cst.FunctionDef)]
        near = [method for method in methods if _near_getitem(method.name.value)] or [
            method for method in methods if _mistyped_getitem(method)]
        defined = {method.name.value for method in methods}
        if len(near) == 1 and not defined & {_GETITEM, "__iter__"}:  # a stream needs no item method
            misspelt = near[0].name.value
            found.append((near[0], [node for node in script.nodes(cst.Attribute) if node.attr.value == misspelt]))
    return found or None


def apply(problem: Problem, found: list[tuple[cst.FunctionDef, list[cst.Attribute]]]) -> Edits:
    edits = problem.edits()
    for method, uses in found:
        edits.replace(method.name, cst.Name(_GETITEM))
        for use in uses:
            edits.replace(use.attr, cst.Name(_GETITEM))
    return edits


def dataset_classes(script: Script) -> list[cst.ClassDef]:
    """Classes deriving from a `...Dataset` class, directly or through a class of this file."""
    datasets: set[str] = set()
    found = []
    for node in script.nodes(cst.ClassDef):
        bases = {(dotted(base.value) or "").rsplit(".", 1)[-1] for base in node.bases}
        if any(base.endswith("Dataset") for base in bases) or bases & datasets:
            datasets.add(node.name.value)
            found.append(node)
    return found


def _mistyped_getitem(method: cst.FunctionDef) -> bool:
    """`__getitme__`, `__getiem__`: the letters of getitem with one typo, on a method of (self, index)."""
    letters = method.name.value.replace("_", "").lower()
    params = method.params
    takes_index = len(params.params) == 2 and not isinstance(params.star_arg, cst.Param) and not params.kwonly_params
    return takes_index and letters not in _OTHER_PROTOCOLS and _one_typo(letters, "getitem")


def _one_typo(word: str, meant: str) -> bool:
    """One letter wrong, missing, extra, or two neighbours swapped."""
    if word == meant or abs(len(word) - len(meant)) > 1:
        return False
    if len(word) == len(meant):
        wrong = [i for i, (a, b) in enumerate(zip(word, meant)) if a != b]
        return len(wrong) == 1 or (len(wrong) == 2 and wrong[1] == wrong[0] + 1
                                   and word[wrong[0]] == meant[wrong[1]] and word[wrong[1]] == meant[wrong[0]])
    shorter, longer = sorted((word, meant), key=len)
    return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))


def _near_getitem(method: str) -> bool:
    """`__get_item__`, `__getitem_`, `_getitem__`, `__getItem__`: the letters of getitem, any underscores."""
    return method != _GETITEM and method.replace("_", "").lower() == "getitem"
