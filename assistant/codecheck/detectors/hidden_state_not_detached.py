"""An RNN's hidden state fed back into the next batch without `.detach()`: the next backward()
walks into the previous batch's freed graph ("Trying to backward through the graph a second time")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import without_grad
from assistant.codecheck.detectors._training import calls_named, loops, loops_around, own_nodes

name = "hidden-state-not-detached"


@needs_calls("backward")
def check(code: Code) -> Iterator[Hit]:
    feedbacks = _feedbacks_by_loop(code)
    for loop in loops(code) if feedbacks else ():
        backwards = calls_named(code, loop, "backward") if loop in feedbacks else ()
        if not backwards or any(_keeps_graph(b) for b in backwards):
            continue
        for statement, carried in feedbacks[loop]:
            if not without_grad(code, statement) and not _reset_in(loop, statement, carried):
                state = ", ".join(sorted(carried))
                verb = "is" if len(carried) == 1 else "are"
                yield Hit.at(code, statement, f"{state} {verb} fed back into {source_of(statement.value.func)}() "  # type: ignore[attr-defined]
                             "on every batch without .detach(): the next backward() reaches into the previous "
                             f"batch's graph; detach it first ({state} = {next(iter(sorted(carried)))}.detach())")


def _feedbacks_by_loop(code: Code) -> dict[ast.AST, list[tuple[ast.Assign, set[str]]]]:
    """The statements that feed a state back (with its names), under each loop whose own body holds
    them: found from the file's assignments, so loops without one are never walked."""
    found: dict[ast.AST, list[tuple[ast.Assign, set[str]]]] = {}
    for statement in code.nodes_of(ast.Assign):
        if carried := _carried_state(statement):
            for loop in loops_around(code, statement):
                found.setdefault(loop, []).append((statement, carried))  # type: ignore[arg-type]
    return found


def _keeps_graph(backward: ast.Call) -> bool:
    flag = keyword(backward, "retain_graph")
    return flag is not None and not (isinstance(flag, ast.Constant) and flag.value in (False, None))


def _carried_state(statement: ast.AST) -> set[str]:
    """The names (`h`, `self.hidden`) that `out, h = f(x, h)` (or `out, (h, c) = f(x, (h, c))`)
    both passes and gets back."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Tuple) and isinstance(statement.value, ast.Call)):
        return set()
    returned = set(_state_names(statement.targets[0]))
    passed = set()
    for argument in [*statement.value.args, *(k.value for k in statement.value.keywords)]:
        passed |= set(_state_names(argument))
    return returned & passed


def _state_names(node: ast.expr) -> list[str]:
    """`h`, `self.hidden`, or the members of a tuple of them."""
    elements = node.elts if isinstance(node, ast.Tuple) else [node]
    found = []
    for element in elements:
        if isinstance(element, ast.Tuple):
            found += _state_names(element)
        elif isinstance(element, (ast.Name, ast.Attribute)) and (name := dotted(element)) and name.count(".") <= 1:
            found.append(name)
    return found


def _reset_in(loop: ast.AST, feedback: ast.Assign, names: set[str]) -> bool:
    """Whether the loop body detaches, rebinds or repackages the state anywhere but in the feedback."""
    for node in own_nodes(loop.body):  # type: ignore[attr-defined]
        if node is feedback:
            continue
        if isinstance(node, ast.Call) and any(dotted(a) in names for a in node.args) and node is not feedback.value:
            return True  # repackage_hidden(h), torch.stack(h), ...
        if isinstance(node, ast.Attribute) and dotted(node.value) in names and node.attr in ("detach", "detach_", "data"):
            return True
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node is not feedback:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(dotted(n) in names for t in targets for n in ast.walk(t)):
                return True
    return False
