"""Under the spawn start method (the default on Windows and macOS) every DataLoader worker starts a
fresh interpreter that imports the main script to find the dataset and functions. Code at module
level runs again there: the worker reaches the training loop, tries to start workers of its own
and dies. The `if __name__ == "__main__":` guard is false in workers, so the fix puts what runs
the program under it, and leaves at module level what workers must find: imports, functions,
classes, constants, and the values those functions and classes read.

The other way round, a Dataset class (or a collate function) defined under the guard does not
exist in a worker, which cannot unpickle it and dies. The guard's own functions and classes are
moved out, just above it, when they read nothing the guard's other statements bind: they then
mean the same in the main process, and a worker finds them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m
from libcst.metadata import ScopeProvider

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._edit import Edits, Script, has_call, keyword, kind_of, positional, statement
from assistant.repair.recipes._values import settings

name = "main-guard"
_SPAWNING = ("spawn", "forkserver")
_DEFINITIONS = (cst.FunctionDef, cst.ClassDef)
_LITERALS = (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString, cst.Imaginary)


@dataclass(frozen=True)
class Moves:
    """The module-level statements that run the program, to go under the guard, and the guard's
    definitions that workers must find, to go above it."""

    running: tuple[cst.BaseStatement, ...]
    lifted: tuple[cst.BaseStatement, ...] = ()


@needs_calls("DataLoader")
def match(problem: Problem) -> Moves | None:
    """The module-level statements that run the program (outside any main guard), and the
    definitions under the guard that read nothing else it binds, when the loaders' workers are
    spawned: the code asks for spawn, or the message is the bootstrapping one that only spawned
    workers print."""
    script = problem.script
    if not (_asks_for_spawn(script) or "bootstrapping phase" in problem.facts.message):
        return None
    body = [line for line in script.module.body if not _is_main_guard(line)]
    kept = _needed_by_definitions(body)
    running = tuple(line for line in body if not _stays(line) and line not in kept)
    guard = next((line for line in script.module.body if _is_main_guard(line)), None)
    lifted = _liftable_definitions(script, guard) if isinstance(guard, cst.If) else ()
    return Moves(running, lifted) if running or lifted else None


def apply(problem: Problem, moves: Moves) -> Edits:
    script, edits = problem.script, problem.edits()
    module = script.module.body
    guard = next((line for line in module if _is_main_guard(line)), None)
    running = list(moves.running)
    moved = set(map(id, running))
    if guard is not None and moves.lifted:
        lifted = set(map(id, moves.lifted))
        staying = [line for line in guard.body.body if id(line) not in lifted]
        spaced = [line.with_changes(leading_lines=_two_blank_lines_then_comments(line)) for line in moves.lifted]
        guard = guard.with_changes(body=guard.body.with_changes(body=_spaced_for_a_block(staying)),
                                   leading_lines=_two_blank_lines_then_comments(guard))
        position = module.index(next(line for line in module if _is_main_guard(line)))
        module = [*module[:position], *spaced, guard, *module[position + 1:]]
    if guard is None:
        block = statement('if __name__ == "__main__":  # false in spawned workers, which import this file\n    pass\n')
        guarded = block.with_changes(body=block.body.with_changes(body=_spaced_for_a_block(running)),
                                     leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
        body = [line for line in module if id(line) not in moved] + [guarded]
    else:
        position = module.index(guard)
        before = [line for line in running if module.index(line) < position]
        after = [line for line in running if module.index(line) > position]
        inner = guard.body.with_changes(body=_spaced_for_a_block([*before, *guard.body.body, *after]))
        body = [guard.with_changes(body=inner) if line is guard else line for line in module if id(line) not in moved]
    edits.replace(script.module, script.module.with_changes(body=body))
    return edits


def _two_blank_lines_then_comments(line: cst.BaseStatement) -> list[cst.EmptyLine]:
    return [cst.EmptyLine(), cst.EmptyLine(), *(empty for empty in line.leading_lines if empty.comment is not None)]


def _liftable_definitions(script: Script, guard: cst.If) -> tuple[cst.BaseStatement, ...]:
    """The functions and classes at the top of the guard's block that read no global the block's
    other statements bind (a value computed there, an import made there), nor one bound by a
    definition that cannot move."""
    inside = list(guard.body.body)
    scope = script.wrapper.resolve(ScopeProvider)[script.module]
    binder = {line: set() for line in inside}  # the globals each statement of the block binds
    for assignment in scope.assignments:
        line = next((a for a in (assignment.node, *script.ancestors(assignment.node)) if a in binder), None)
        if line is not None:
            binder[line].add(assignment.name)
    reads = {line: {assignment.name for assignment in scope.assignments for access in assignment.references
                    if line in set(script.ancestors(access.node))} - binder[line]
             for line in inside if isinstance(line, _DEFINITIONS)}
    liftable = list(reads)
    while True:
        blocked = set().union(*(names for line, names in binder.items() if line not in liftable))
        kept = [line for line in liftable if not reads[line] & blocked]
        if kept == liftable:
            return tuple(kept)
        liftable = kept


def _spaced_for_a_block(lines: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """The statements with their comments, at most one blank line between them and none first:
    the blank lines that parted them from definitions at module level do not belong in a block."""
    spaced = []
    for index, line in enumerate(lines):
        kept, blank = [], False
        for empty in line.leading_lines:
            if empty.comment is not None:
                kept.append(empty)
            elif not blank and index and not kept:
                kept.append(empty.with_changes(indent=False))
                blank = True
        spaced.append(line.with_changes(leading_lines=kept))
    return spaced


def _asks_for_spawn(script: Script) -> bool:
    """`multiprocessing_context="spawn"` on a loader, or `set_start_method("spawn")`/`get_context`,
    also where the choice comes through a name, a config dict, an argparse default, a helper's
    parameter or a `**loader_kwargs` dict."""
    for call in script.calls():
        if any(_names_spawn(script, chosen) for chosen in _contexts_given(script, call)):
            return True
        if kind_of(call) in ("set_start_method", "get_context") and positional(call) \
                and _names_spawn(script, positional(call)[0].value):
            return True
    return False


def _contexts_given(script: Script, call: cst.Call) -> list[cst.BaseExpression]:
    """The `multiprocessing_context` a call is given: as a keyword, or inside a `**kwargs` dict."""
    chosen = keyword(call, "multiprocessing_context")
    given = [chosen.value] if chosen is not None else []
    for spread in (arg.value for arg in call.args if arg.star == "**"):
        for options in settings(script, spread):
            if isinstance(options, cst.Dict):
                given += [element.value for element in options.elements if isinstance(element, cst.DictElement)
                          and isinstance(element.key, cst.SimpleString)
                          and element.key.evaluated_value == "multiprocessing_context"]
            elif isinstance(options, cst.Call) and kind_of(options) == "dict" \
                    and (inside := keyword(options, "multiprocessing_context")) is not None:
                given.append(inside.value)
    return given


def _names_spawn(script: Script, node: cst.BaseExpression) -> bool:
    return any(_is_spawn(script, value) for value in settings(script, node))


def _is_spawn(script: Script, node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value in _SPAWNING
    return isinstance(node, cst.Call) and kind_of(node) == "get_context" and bool(positional(node)) \
        and _names_spawn(script, positional(node)[0].value)


def _is_main_guard(line: cst.BaseStatement) -> bool:
    if not isinstance(line, cst.If):
        return False
    names = {n.value for n in m.findall(line.test, m.Name())}
    strings = {s.evaluated_value for s in m.findall(line.test, m.SimpleString()) if isinstance(s, cst.SimpleString)}
    return "__name__" in names and "__main__" in strings


def _stays(line: cst.BaseStatement) -> bool:
    """What a worker must find when it imports the file: imports, functions, classes, the docstring,
    constants (`BATCH = 32`, `CLASSES = ("cat", "dog")`) and seeding."""
    if isinstance(line, _DEFINITIONS):
        return True
    if isinstance(line, cst.Try):  # `try: import x` / `except ImportError:` fallbacks
        return bool(m.findall(line.body, m.Import() | m.ImportFrom())) and not has_call(line.body, ["DataLoader"])
    if not isinstance(line, cst.SimpleStatementLine):
        return False
    return all(isinstance(part, (cst.Import, cst.ImportFrom)) or m.matches(part, m.Expr(m.SimpleString()))
               or _seeds(part) or (isinstance(part, cst.Assign) and _constant(part.value)
                                   and all(_upper_case(t.target) for t in part.targets)) for part in line.body)


def _seeds(part: cst.BaseSmallStatement) -> bool:
    """`torch.manual_seed(0)`, `np.random.seed(0)`: workers that compute module-level values need
    the same seed to get the main process's values."""
    return isinstance(part, cst.Expr) and isinstance(part.value, cst.Call) and kind_of(part.value).endswith("seed")


def _upper_case(target: cst.BaseExpression) -> bool:
    return isinstance(target, cst.Name) and target.value.isupper()


def _constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, _LITERALS) or (isinstance(node, cst.Name) and node.value in ("True", "False", "None")):
        return True
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return all(_constant(element.value) for element in node.elements)
    if isinstance(node, cst.Dict):
        return all(isinstance(e, cst.DictElement) and _constant(e.key) and _constant(e.value) for e in node.elements)
    if isinstance(node, cst.UnaryOperation):
        return _constant(node.expression)
    return False


def _needed_by_definitions(body: list[cst.BaseStatement]) -> set[cst.BaseStatement]:
    """The module-level assignments whose names the file's functions and classes read (a worker
    calling them needs those globals), and the assignments those depend on; never one that
    builds a DataLoader."""
    needed = set().union(*(_names_read(line) for line in body if isinstance(line, _DEFINITIONS)))
    assignments = [line for line in body if _plain_assignment(line)]
    kept: set[cst.BaseStatement] = set()
    while grown := [line for line in assignments if line not in kept and _assigned(line) & needed]:
        kept |= set(grown)
        needed |= set().union(*(_names_read(line) for line in grown))
    return kept


def _plain_assignment(line: cst.BaseStatement) -> bool:
    return isinstance(line, cst.SimpleStatementLine) and all(isinstance(part, (cst.Assign, cst.AnnAssign))
                                                             for part in line.body) \
        and not has_call(line, ["DataLoader"])


def _assigned(line: cst.SimpleStatementLine) -> set[str]:
    targets: Iterable[cst.BaseExpression] = [t.target for part in line.body if isinstance(part, cst.Assign)
                                             for t in part.targets]
    targets = [*targets, *(part.target for part in line.body if isinstance(part, cst.AnnAssign))]
    return {n.value for target in targets for n in m.findall(target, m.Name())}


def _names_read(node: cst.CSTNode) -> set[str]:
    """Every name the code mentions, leaving out attribute names (`self.mean` reads `self`)."""
    collector = _Names()
    node.visit(collector)
    return collector.names


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False
