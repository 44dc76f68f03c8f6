"""DataLoader workers started with spawn or forkserver (the default on Windows and macOS, and
whenever `multiprocessing_context` asks for it) receive the dataset and collate_fn by pickle, and
pickle stores a function (or a class) by its importable name. A lambda, or a function or Dataset
class defined inside another function, has none (`main.<locals>.<lambda>`), so starting the
workers fails. The recipe moves what the message names to module level, a lambda as a `def`;
what a lambda read from the enclosing function is passed with functools.partial, so the function
computes exactly what the lambda did.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import ScopeProvider

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, free_name, imported_modules, kind_of, statement

name = "module-level-callable"
_LOCALS = ".<locals>."
_MAIN_LAMBDA = "attribute lookup <lambda> on __main__ failed"
Definition = cst.Lambda | cst.FunctionDef | cst.ClassDef
_TWO_BLANK_LINES = (cst.EmptyLine(), cst.EmptyLine())
_NAMES_BY_KEYWORD = {"collate_fn": "collate_batch", "worker_init_fn": "init_worker"}


@dataclass(frozen=True)
class Lift:
    """One local definition to move to module level: `node` (a lambda, a nested def or class), the
    top-level statement to define it before, and the enclosing function's names it reads."""

    node: Definition
    before: cst.BaseStatement
    captured: tuple[str, ...]
    named: str | None = None  # a top-level `named = lambda ...`: rewritten as `def named` in place
    references: tuple[cst.Name, ...] = ()  # where a nested def that reads its function's names is used


def match(problem: Problem) -> list[Lift] | None:
    """The callables defined in the function the message names that pickling refused: its lambdas
    handed to a call or stored on an object, or its nested def or class of that name."""
    qualname = problem.facts.values.get("name", "").strip("'\"")
    if _LOCALS not in qualname:
        return _main_lambdas(problem) if _MAIN_LAMBDA in problem.facts.message else None
    outer, _, local = qualname.rpartition(_LOCALS)
    script = problem.script
    function = next((node for node in script.nodes(cst.FunctionDef) if _qualname(script, node) == outer), None)
    if function is None:
        return None
    found = [node for node in script.nodes((cst.Lambda, cst.FunctionDef, cst.ClassDef))
             if _function_of(script, node) is function
             and (_handed_over(script, node) or _named_then_handed_over(script, node) or _returned(script, node)
                  if local == "<lambda>" else _is_def(node, local))]
    lifts = [_lift(script, node) for node in found]
    return lifts if lifts and all(lift is not None for lift in lifts) else None


def apply(problem: Problem, lifts: list[Lift]) -> Edits:
    script, edits = problem.script, problem.edits()
    added: set[str] = set()
    for lift in lifts:
        if not isinstance(lift.node, cst.Lambda):
            moved = lift.node.with_changes(leading_lines=_TWO_BLANK_LINES)
            if lift.captured and isinstance(moved, cst.FunctionDef):
                taken = [cst.Param(cst.Name(captured)) for captured in lift.captured]
                moved = moved.with_changes(params=moved.params.with_changes(params=[*taken, *moved.params.params]))
                for reference in lift.references:
                    edits.replace(reference, expr(f"functools.partial({reference.value}, {', '.join(lift.captured)})"))
            edits.insert_before(lift.before, moved)
            edits.replace(script.statement_of(lift.node), cst.RemovalSentinel.REMOVE)
            continue
        function_name = lift.named or _new_name(script, _suggested_name(script, lift.node), added)
        params = ", ".join([*lift.captured, script.code(lift.node.params)]).rstrip(", ")
        definition = statement(f"def {function_name}({params}):\n    return {script.code(lift.node.body)}\n")
        if lift.named:
            edits.replace(lift.before, definition.with_changes(leading_lines=lift.before.leading_lines))
            continue
        edits.insert_before(lift.before, definition.with_changes(leading_lines=_TWO_BLANK_LINES))
        replacement = f"functools.partial({function_name}, {', '.join(lift.captured)})" if lift.captured else function_name
        edits.replace(lift.node, expr(replacement))
    if any(lift.captured for lift in lifts) and "functools" not in imported_modules(script):
        edits.insert_after_imports(statement("import functools"))
    return edits


def _main_lambdas(problem: Problem) -> list[Lift] | None:
    """Lambdas outside any function or class that are handed to an object or named at module level
    (`normalize = lambda x: ...`): pickle finds no `__main__.<lambda>` for them either. A named one
    becomes a `def` of that name in its place; nothing is captured, what it reads is global."""
    script = problem.script
    lifts = []
    for node in script.nodes(cst.Lambda):
        if any(isinstance(a, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) for a in script.ancestors(node)):
            continue
        top = next(a for a in script.ancestors(node) if script.parents.get(a) is script.module)
        if (named := _named_at_top(script, node, top)) or _handed_over(script, node):
            lifts.append(Lift(node, top, (), named))
    return lifts or None


def _named_at_top(script: Script, node: cst.Lambda, top: cst.BaseStatement) -> str | None:
    """`name` of a top-level `name = lambda ...` statement whose value is this lambda."""
    assign = script.parents.get(node)
    if (isinstance(assign, cst.Assign) and script.parents.get(assign) is top and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)):
        return assign.targets[0].target.value
    return None


def _lift(script: Script, node: Definition) -> Lift | None:
    """How to lift the callable: a nested class only when it reads nothing of the functions
    around it; a nested def that does takes what it reads as leading parameters, bound with
    functools.partial wherever its function hands it on."""
    top = next(a for a in (node, *script.ancestors(node)) if script.parents.get(a) is script.module)
    captured = _captured(script, node)
    if not captured or isinstance(node, cst.Lambda):
        return Lift(node, top, captured)
    references = _references(script, node) if isinstance(node, cst.FunctionDef) else None
    return Lift(node, top, captured, references=references) if references else None


def _references(script: Script, node: cst.FunctionDef) -> tuple[cst.Name, ...] | None:
    """The uses of a nested def's name in its function, when it is only handed on as a value
    (`collate_fn=collate`), never called there, decorated, nor given positional-only parameters."""
    function = _function_of(script, node)
    if function is None or node.decorators or node.params.posonly_params:
        return None
    scopes = script.wrapper.resolve(ScopeProvider)
    accesses = [access.node for assignment in scopes[function.body].assignments
                if assignment.name == node.name.value for access in assignment.references]
    if not accesses or any(not isinstance(use, cst.Name) or node in set(script.ancestors(use))
                           or isinstance(script.parents.get(use), cst.Call) for use in accesses):
        return None
    return tuple(accesses)


def _captured(script: Script, node: Definition) -> tuple[str, ...]:
    """Names the callable reads from the functions around it (at any depth inside it: a
    comprehension, a method), in order of first use; its own name is not one."""
    scopes = script.wrapper.resolve(ScopeProvider)
    own = node.name.value if isinstance(node, (cst.FunctionDef, cst.ClassDef)) else None
    uses = []
    for function in (a for a in script.ancestors(node) if isinstance(a, cst.FunctionDef)):
        for assignment in scopes[function.body].assignments:
            uses += [(_start(script, access.node), assignment.name) for access in assignment.references
                     if assignment.name != own and node in set(script.ancestors(access.node))]
    return tuple(dict.fromkeys(name for _, name in sorted(uses)))


def _handed_over(script: Script, node: cst.CSTNode) -> bool:
    """A lambda handed to an object that keeps it (`DataLoader(collate_fn=lambda b: ...)`,
    `Shards(transform=lambda x: ...)`, `self.transform = lambda x: ...`): what can end up pickled
    with a worker's state. A lambda given to a function (`sorted(key=...)`) is only called."""
    parent = script.parents.get(node)
    if isinstance(parent, cst.Arg):
        return kind_of(script.parents[parent])[:1].isupper()
    return isinstance(parent, cst.Assign) and any(isinstance(t.target, cst.Attribute) for t in parent.targets)


def _named_then_handed_over(script: Script, node: cst.CSTNode) -> bool:
    """A lambda given a local name first (`normalize = lambda img: ...`) and handed over by that
    name (`Images(transform=normalize)`, `self.transform = normalize`): the name holds the same
    unpicklable object, so the lambda is lifted where it is defined and the name keeps it."""
    if not isinstance(node, cst.Lambda):
        return False
    assign = script.parents.get(node)
    function = _function_of(script, node)
    if (function is None or not isinstance(assign, cst.Assign) or len(assign.targets) != 1
            or not isinstance(assign.targets[0].target, cst.Name)):
        return False
    local = assign.targets[0].target.value
    scopes = script.wrapper.resolve(ScopeProvider)
    uses = [access.node for assignment in scopes[function.body].assignments if assignment.name == local
            for access in assignment.references]
    return any(isinstance(use, cst.Name) and _handed_over(script, use) for use in uses)


def _returned(script: Script, node: cst.CSTNode) -> bool:
    """A lambda a factory returns (`def build_transform(mean, std): return lambda img: ...`): the
    caller keeps it (`Images(transform=build_transform(0.5, 0.2))`), and the message names the
    factory; what it reads of the factory's parameters is bound with functools.partial."""
    return isinstance(node, cst.Lambda) and isinstance(script.parents.get(node), cst.Return)


def _is_def(node: cst.CSTNode, local: str) -> bool:
    return isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node.name.value == local


def _function_of(script: Script, node: cst.CSTNode) -> cst.FunctionDef | None:
    return next((a for a in script.ancestors(node) if isinstance(a, cst.FunctionDef)), None)


def _qualname(script: Script, node: cst.FunctionDef) -> str:
    """`Trainer.build` for a method, `main` for a function: how Python names it in the message."""
    names = [node.name.value]
    for ancestor in script.ancestors(node):
        if isinstance(ancestor, cst.FunctionDef):
            names.append(f"{ancestor.name.value}.<locals>")
        elif isinstance(ancestor, cst.ClassDef):
            names.append(ancestor.name.value)
    return ".".join(reversed(names))


def _suggested_name(script: Script, node: cst.Lambda) -> str:
    """After what the lambda is: the keyword it is passed as, or the attribute it is stored in."""
    parent = script.parents.get(node)
    if isinstance(parent, cst.Arg) and parent.keyword is not None:
        return _NAMES_BY_KEYWORD.get(parent.keyword.value, f"{parent.keyword.value}_fn")
    if isinstance(parent, cst.Assign) and (target := dotted(parent.targets[0].target)):
        attribute = target.rsplit(".", 1)[-1]
        return attribute if attribute.endswith("fn") else f"{attribute}_fn"
    if isinstance(parent, cst.Return) and (factory := _function_of(script, node)) is not None:
        return f"{factory.name.value.removeprefix('build_').removeprefix('make_')}_fn"
    return "worker_fn"


def _new_name(script: Script, wanted: str, added: set[str]) -> str:
    """A name the file does not use yet, nor one this edit has already given to another function."""
    candidate, number = free_name(script, wanted), 1
    while candidate in added:
        number += 1
        candidate = free_name(script, f"{wanted}_{number}")
    added.add(candidate)
    return candidate


def _start(script: Script, node: cst.CSTNode) -> tuple[int, int]:
    start = script.positions[node].start
    return start.line, start.column
