"""Layers that a fragment's comments declare: `logits = self.head(pooled)  # self.head = nn.Linear(1024, 3)`,
`x = self.input_bn(x)  # nn.BatchNorm1d(24)`.

A method body pasted alone calls layers of a `self` it never shows, so the abstract run stops at the
first of them and shows nothing. Users often say in a comment what the layer is; the abstract run
builds that layer on the pasted `self`, so the shapes it is given are checked against the sizes the
user wrote. Only a construction of a torch.nn layer from literal numbers (and literal keywords) counts:
`nn.Linear(hidden, 3)` leaves a size open, and a made-up one would report a mismatch the code does not
have. A comment names the layer of its line's call when it opens with the construction and the line
calls exactly one attribute of `self`; `self.head = nn.Linear(...)` anywhere names `self.head`.
"""

from __future__ import annotations

import ast
import re

from assistant.repair.shape_comments import comments

_CONSTRUCTION = re.compile(r"(?:self\.(?P<attribute>[A-Za-z_]\w*)\s*=\s*)?(?P<made>nn\.[A-Z]\w*\([^()]*\))")


def declared_layers(code: str) -> dict[str, str]:
    """The layers the comments of `code` declare, by the name of the attribute of `self` that holds
    them: the construction's source (`nn.Linear(1024, 3)`)."""
    called = _self_calls_by_line(code)
    layers: dict[str, str] = {}
    for line, comment, _alone in comments(code):
        for found in _CONSTRUCTION.finditer(comment):
            if not _literal_construction(found["made"]):
                continue
            if found["attribute"]:
                layers.setdefault(found["attribute"], found["made"])
            elif found.start() == len(comment) - len(comment.lstrip()) and len(called.get(line, ())) == 1:
                layers.setdefault(called[line][0], found["made"])
    return layers


def _literal_construction(made: str) -> bool:
    """`nn.Linear(1024, 3, bias=False)`: every argument a literal number or constant."""
    try:
        call = ast.parse(made, mode="eval").body
    except SyntaxError:
        return False
    values = [*call.args, *(k.value for k in call.keywords if k.arg)] if isinstance(call, ast.Call) else [None]
    return all(isinstance(value, ast.Constant) and isinstance(value.value, (int, float, bool)) for value in values) \
        and len(values) == len(call.args) + len(call.keywords)


def _self_calls_by_line(code: str) -> dict[int, list[str]]:
    """The attributes of `self` called on each line (`self.gru(x, h)`: gru), in order, once each."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {}
    called: dict[int, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name) and node.func.value.id == "self":
            names = called.setdefault(node.lineno, [])
            if node.func.attr not in names:
                names.append(node.func.attr)
    return called
