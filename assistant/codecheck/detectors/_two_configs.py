"""Weights moved between two instances of one module class of the file built with different arguments
(`trained = Classifier(mlp_head=True)` saved, `model = Classifier()` loading them): which constructor
parameters differ, for detectors-C's checkpoint detectors."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.codecheck._code import Code, dotted, keyword, source_of
from assistant.codecheck.detectors._checkpoints import changed_in_place
from assistant.codecheck.detectors._torch_names import module_classes


@dataclass(frozen=True)
class ConfigPair:
    load: ast.Call  # model.load_state_dict(...)
    source: ast.Call  # Classifier(mlp_head=True): the instance whose state_dict() is loaded
    target: ast.Call  # Classifier(): the instance that loads it
    cls: ast.ClassDef
    differing: dict[str, tuple[str, str]]  # parameter -> (its value in source, in target)

    def moved(self, parameter: str) -> str:
        """What the load does, in the user's names: the two instances and the parameter's two values."""
        saved, loading = self.differing[parameter]
        return (f"{source_of(self.load.func)}(...) loads weights of {source_of(self.source)} (line "
                f"{self.source.lineno}) into {source_of(self.target)} (line {self.target.lineno}): {parameter} is "
                f"{saved} there and {loading} here")


def config_pairs(code: Code) -> list[ConfigPair]:
    """Each load_state_dict into an instance of a module class of this file, when the file takes the
    state_dict() of another instance of the same class built with other constructor arguments (found
    once per file for both checkpoint detectors)."""
    if "config pairs" not in code.memo:
        code.memo["config pairs"] = list(_config_pairs(code))
    return code.memo["config pairs"]  # type: ignore[return-value]


def _config_pairs(code: Code) -> Iterator[ConfigPair]:
    classes = module_classes(code)
    if not classes:
        return
    instances = _instances(code, classes)
    saved = {dotted(c.args[0].func.value) for c in code.calls_of("save")  # type: ignore[attr-defined]
             if c.args and _state_dict_of(c.args[0]) is not None}
    for load in code.calls_of("load_state_dict"):
        if not isinstance(load.func, ast.Attribute) or (loader := dotted(load.func.value)) not in instances \
                or not load.args:
            continue
        target = instances[loader]
        loaded = _loaded(code, load.args[0], saved)
        for name, source in instances.items():
            if name != loader and name in loaded and dotted(source.func) == dotted(target.func):
                cls = classes[dotted(target.func)]  # type: ignore[index]
                differing = _differing(cls, source, target)
                if differing:
                    yield ConfigPair(load, source, target, cls, differing)


def _state_dict_of(value: ast.expr) -> str | None:
    """`trained` for `trained.state_dict()`."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "state_dict" \
            and not value.args:
        return dotted(value.func.value)
    return None


def _loaded(code: Code, given: ast.expr, saved: set[str | None]) -> set[str | None]:
    """Whose weights the load gets, unchanged: `trained.state_dict()` (or a name bound to it), or the
    `torch.load(...)` of a file this code saved from those instances. A filtered dict is not judged, nor
    one the code edits in place before loading (`state["embed.weight"] = grown`, `sd.pop(k)`): a resize of
    the changed layer is the fix itself."""
    if isinstance(given, ast.Name) and changed_in_place(code, given.id):
        return set()
    value = code.reaching_value(given) if isinstance(given, ast.Name) else given
    if value is None:
        return set()
    if (owner := _state_dict_of(value)) is not None:
        return {owner}
    if isinstance(value, ast.Call) and code.resolved(value.func) == "torch.load":
        return saved
    return set()


def is_strict(load: ast.Call) -> bool:
    flag = keyword(load, "strict")
    return flag is None or not (isinstance(flag, ast.Constant) and flag.value is False)


def init_of(cls: ast.ClassDef) -> ast.FunctionDef | None:
    return next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)


def _instances(code: Code, classes: dict[str, ast.ClassDef]) -> dict[str, ast.Call]:
    """Names bound exactly once in the file to a call of a module class of the file."""
    found: dict[str, ast.Call] = {}
    twice: set[str] = set()
    for call in code.calls_of(*classes):
        node = code.parents.get(call)
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and node.value is call \
                and dotted(call.func) in classes and (name := dotted(node.targets[0])) is not None:
            if name in found:
                twice.add(name)
            found[name] = node.value
    return {name: call for name, call in found.items() if name not in twice}


def _differing(cls: ast.ClassDef, source: ast.Call, target: ast.Call) -> dict[str, tuple[str, str]]:
    """The __init__ parameters whose values (as written, defaults filled in) differ between the calls."""
    init = init_of(cls)
    if init is None or any(isinstance(a, ast.Starred) for a in [*source.args, *target.args]) \
            or any(k.arg is None for k in [*source.keywords, *target.keywords]):
        return {}
    parameters = [a.arg for a in init.args.args[1:]]
    defaults = dict(zip(parameters[len(parameters) - len(init.args.defaults):], init.args.defaults))
    values = [_values(call, parameters, defaults) for call in (source, target)]
    return {p: (values[0][p], values[1][p]) for p in parameters
            if p in values[0] and p in values[1] and values[0][p] != values[1][p]}


def _values(call: ast.Call, parameters: list[str], defaults: dict[str, ast.expr]) -> dict[str, str]:
    given = {parameters[i]: source_of(a) for i, a in enumerate(call.args) if i < len(parameters)}
    given.update({k.arg: source_of(k.value) for k in call.keywords if k.arg in parameters})
    return {p: given.get(p, source_of(defaults[p]) if p in defaults else "") for p in parameters}
