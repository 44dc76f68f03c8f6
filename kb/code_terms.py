"""The terms of Python code, for matching pasted code against entries' broken examples.

kb.tokens reads prose and error messages: it drops separators, so `weights_only=False` and a
sentence about weights look alike, and a call is just a word. In code the signal is in the API a
program uses and how it calls it, so one term is made for each of:

- an identifier, whole and lowercased (`load_state_dict`, `batchnorm1d`), and its snake_case and
  CamelCase parts (`load`, `state`, `dict`; `batch`, `norm`), so `BatchNorm1d` meets `batch_norm`;
- a call, `name(` (`view(`, `BatchNorm1d(`): a name that is called is the API, not a variable;
- an attribute, `.name` (`.view`, `.grad`): a method or field of an object;
- a keyword argument, `name=` (`weights_only=`, `dim=`, `batch_first=`): how the API is called.

A name the code defines itself (a variable it assigns, a function, class or parameter it declares,
`self.fc = ...`'s `fc`) is the writer's choice, not the API, so it makes no terms: `probs` or
`SmallCNN` in a paste must not match an example that happens to use the same name.
Identifiers every PyTorch program has (`self`, `forward`, `x`, `model`, `nn`, `torch`) and Python's
keywords and common builtins say nothing about which situation a program is in and are left out;
what is common among the entries beyond them is down-weighted by its rarity where terms are scored
(assistant.answering.code_match). Numbers are left out: a user's sizes differ from any example's.
"""

from __future__ import annotations

import bisect
import functools
import keyword
import re

_TOKEN = re.compile(r"(?P<dot>\.\s*)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<call>\s*\()?")
_KEYWORD_ARGUMENT = re.compile(r"[(,]\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)")
_DEFINITION = re.compile(r"^[ \t]*(?:(?:async[ \t]+)?def[ \t]+(?P<function>\w+)(?P<parameters>[ \t]*\([^)]*\))?"
                         r"|class[ \t]+(?P<named>\w+))"
                         r"|^[ \t]*(?P<targets>[\w.]+(?:[ \t]*,[ \t]*[\w.]+)*)[ \t]*(?::[^=\n]+)?=(?!=)"
                         r"|\bfor[ \t]+(?P<loop>[\w, \t()]+?)[ \t]+in\b|\bas[ \t]+(?P<alias>\w+)", re.MULTILINE)
_PARAMETER = re.compile(r"[(,][ \t\n*]*(\w+)")
_CAMEL_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
_EVERY_PROGRAM = frozenset(
    "self cls forward init super torch nn model module x y out output input inputs args kwargs "
    "print range len list dict tuple int float str bool isinstance zip enumerate main name".split()
)
COMMON = frozenset(word.lower() for word in keyword.kwlist) | _EVERY_PROGRAM


def code_terms(text: str) -> list[str]:
    """The terms of a piece of code in order, repeats kept (see the module docstring)."""
    found: list[str] = []
    defined = defined_names(text)
    for token in _TOKEN.finditer(text):
        if token["name"] in defined:
            continue
        found.extend(_name_terms(token["name"]))
        name = _significant(token["name"])
        if name and token["call"]:
            found.append(f"{name}(")
        if name and token["dot"]:
            found.append(f".{name}")
    found.extend(f"{name}=" for token in _KEYWORD_ARGUMENT.finditer(text) if (name := _significant(token["name"])))
    return found


def defined_names(text: str) -> frozenset[str]:
    """The names a piece of code gives things itself: assignment targets (the last part of a dotted
    one, `self.fc` -> `fc`), loop variables, `as` aliases, and the functions, classes and
    parameters it defines. Keyword arguments of calls are the callee's names, not definitions."""
    names: set[str] = set()
    line_starts, open_at = _open_lines(text)
    for found in _DEFINITION.finditer(text):
        names.update(filter(None, (found["function"], found["named"], found["alias"])))
        names.update(_PARAMETER.findall(found["parameters"] or ""))
        if found["targets"] and bisect.bisect_right(line_starts, found.start()) - 1 in open_at:
            continue  # `dim=1)` continuing a call spread over lines
        for targets in (found["targets"], found["loop"]):
            names.update(target.strip(" \t()").rsplit(".", 1)[-1] for target in (targets or "").split(","))
    return frozenset(names - {""})


def _open_lines(text: str) -> tuple[list[int], frozenset[int]]:
    """Where each line starts, and the numbers (from 0) of the lines that begin inside an open bracket."""
    starts, inside, depth = [], set(), 0
    offset = 0
    for number, line in enumerate(text.split("\n")):
        starts.append(offset)
        offset += len(line) + 1
        if depth > 0:
            inside.add(number)
        code = line.split("#", 1)[0]
        depth = max(depth + sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}"), 0)
    return starts, frozenset(inside)


def _significant(name: str) -> str:
    """The identifier lowercased, or "" for one every program has (or a single letter)."""
    whole = name.lower().strip("_")
    return "" if len(whole) < 2 or whole in COMMON else whole


@functools.lru_cache(maxsize=65536)
def _name_terms(name: str) -> tuple[str, ...]:
    """An identifier whole (lowercased) and its snake_case and CamelCase parts, common ones left out."""
    whole = _significant(name)
    if not whole:
        return ()
    parts = [part.lower() for piece in name.split("_") for part in _CAMEL_PART.findall(piece)]
    kept = [whole] + [part for part in parts if len(part) > 1 and part not in COMMON]
    return tuple(dict.fromkeys(kept))
