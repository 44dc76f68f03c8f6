"""A `forward` that computes its output but has no `return` gives None to whoever called the
model, so the loss (or the next layer) receives None. The entry's fix is to return the output on
every path. The recipe finds the paths that fall off the end of a module's `forward` and returns
there the value that path computed last:
- a last statement that binds one name (`x = self.classifier(x)`, `x += y`, `out: Tensor = ...`)
  returns that name, also when debug output follows it (`print(x.shape)` stays before the return);
- a last bare call that is not such output (`self.head(x)`) becomes the return;
- a last loop that updates a name it found bound (`for layer in self.layers: x = layer(x)`)
  returns that name after the loop;
- an `if`/`else` (or `with`) at the end gets the same treatment in each branch that falls off;
- an `if` without `else` at the end whose block ends with the return (`return self.head(x)`
  indented under `if self.use_dropout:`) has that return moved after the `if`, when what it
  returns is bound on both paths;
- an `if self.training:` without `else` at the end that returns the main output with auxiliary
  ones (`return logits, self.aux_head(mid)`, the GoogLeNet/Inception layout) gets, after the
  `if`, the return of the main output alone, the first of the tuple, when it was bound before
  the `if`: auxiliary heads are a training-time loss term, evaluation uses the main head.
- a last line past early returns that all return the name it binds (`return logits` under `if
  self.skip:`, or `return logits, self.aux(h)`), or the very expression it assigns (`return
  self.head(x)` under `if self.training:`, then `x = self.head(x)`), returns that name: the early
  returns say which value is the output;
- a last line past early returns that each end an `if` on a flag of forward with a default
  (`if return_embedding: return emb`, `def forward(self, x, return_embedding=False)`) returns the
  name it binds: the flag asks for another output, and the path past it is the default one.
Anything else (a path past other early returns, a path ending in another statement, two names a
loop updates) is left alone: what that path should return is a decision about the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._definitions import parameters
from assistant.repair.recipes._edit import Edits, Script, callee, dotted

name = "return-from-forward"
_OUTPUT_CALLS = ("print", "pprint", "breakpoint")
_OUTPUT_OWNERS = ("logging", "logger", "log", "LOGGER", "warnings", "pdb")


@dataclass(frozen=True)
class _Return:
    """One path's fix: `return <value>` after `anchor`, or `replace` (a bare call, or an `if` that
    loses its final return) swapped for `new`."""

    anchor: cst.BaseStatement | None = None
    value: str = ""
    replace: cst.CSTNode | None = None
    new: cst.CSTNode | None = None


def match(problem: Problem) -> list[_Return] | None:
    """The fix of every path that falls off the end of a module `forward`."""
    script = problem.script
    found: list[_Return] = []
    for forward in script.nodes(cst.FunctionDef):
        if forward.name.value == "forward" and _in_module_class(script, forward) and not m.findall(forward.body, m.Yield()):
            fixes = _block_ending(script, list(forward.body.body), set(parameters(forward)), top=True)
            found += fixes or []
    return found or None


def apply(problem: Problem, fixes: list[_Return]) -> Edits:
    edits = problem.edits()
    for fix in fixes:
        if fix.replace is not None:
            edits.replace(fix.replace, fix.new)
        if fix.anchor is not None:
            edits.insert_after(fix.anchor, cst.parse_statement(f"return {fix.value}\n"))
    return edits


def _in_module_class(script: Script, function: cst.FunctionDef) -> bool:
    owner = script.parents.get(script.parents.get(function))
    return isinstance(owner, cst.ClassDef) and bool(owner.bases)


def _block_ending(script: Script, body: Sequence[cst.BaseStatement], bound: set[str], top: bool = False) -> list[_Return] | None:
    """The fixes that make this block end in a return on every path: [] when it already does,
    None when some path ends in a way the recipe cannot read."""
    if not body:
        return None
    results = [i for i, statement in enumerate(body) if not _is_output(statement)]
    if not results:
        return None
    last, anchor = body[results[-1]], body[-1]
    early = [found for statement in body[:results[-1]] for found in m.findall(statement, m.Return())]
    if early and not (top and (_returns_what_last_binds(early, last) or _flag_outputs(script, body, early, last))):
        return None  # an early return: what the path past it should return is the model's decision
    before = bound | _names_bound(body[:results[-1]])
    if isinstance(last, cst.SimpleStatementLine):
        return _line_ending(last, anchor)
    if last is not anchor:
        return None
    if isinstance(last, cst.If):
        return _if_ending(script, last, before, top)
    if isinstance(last, cst.With):
        return _block_ending(script, list(last.body.body), before)
    if isinstance(last, (cst.For, cst.While)) and last.orelse is None:
        return _loop_ending(last, before)
    return None


def _line_ending(last: cst.SimpleStatementLine, anchor: cst.BaseStatement) -> list[_Return] | None:
    small = last.body[-1]
    if isinstance(small, (cst.Return, cst.Raise)):
        return [] if not isinstance(small, cst.Return) or small.value is not None else None
    if (target := _single_target(small)) is not None:
        return [_Return(anchor=anchor, value=target)]
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and last is anchor:
        return [_Return(replace=small, new=cst.Return(value=small.value))]
    return None


def _if_ending(script: Script, last: cst.If, before: set[str], top: bool) -> list[_Return] | None:
    """Each branch's fixes; an `if` without `else` whose block ends in `return value` (and the
    value's names bound before the `if`) instead has the return moved after it."""
    if last.orelse is None:
        return (_moved_return(script, last, before) or _main_output(script, last, before)) if top else None
    branches = [list(last.body.body),
                [last.orelse] if isinstance(last.orelse, cst.If) else list(last.orelse.body.body)]
    fixes: list[_Return] = []
    for branch in branches:
        if isinstance(branch[0], cst.If) and len(branch) == 1:
            found = _if_ending(script, branch[0], before, False)
        else:
            found = _block_ending(script, branch, before)
        if found is None:
            return None
        fixes += found
    return fixes


def _moved_return(script: Script, last: cst.If, before: set[str]) -> list[_Return] | None:
    block = list(last.body.body)
    final = block[-1]
    if len(block) < 2 or not isinstance(final, cst.SimpleStatementLine) or len(final.body) != 1:
        return None
    returned = final.body[0]
    if not isinstance(returned, cst.Return) or returned.value is None:
        return None
    used = {name.value for name in m.findall(returned.value, m.Name()) if not _is_attribute_name(script, name)}
    if not used & _names_bound(block, nested=True) <= before:
        return None  # it returns a value only the `if` block computes
    kept = last.with_changes(body=last.body.with_changes(body=block[:-1]))
    return [_Return(anchor=last, value=script.code(returned.value), replace=last, new=kept)]


def _main_output(script: Script, last: cst.If, before: set[str]) -> list[_Return] | None:
    """`if self.training: return logits, aux` ending a forward: `return logits` after the `if`."""
    block = list(last.body.body)
    final = block[-1]
    if dotted(last.test) != "self.training" or not isinstance(final, cst.SimpleStatementLine) \
            or len(final.body) != 1 or not isinstance(final.body[0], cst.Return):
        return None
    value = final.body[0].value
    if not isinstance(value, cst.Tuple) or len(value.elements) < 2:
        return None
    main = value.elements[0].value
    if not isinstance(main, cst.Name) or main.value not in before or main.value in _names_bound(block, nested=True):
        return None
    return [_Return(anchor=last, value=main.value)]


def _returns_what_last_binds(early: Sequence[cst.Return], last: cst.BaseStatement) -> bool:
    """Whether every early return gives the name the last line binds (`return logits`), or that
    name first with auxiliary outputs (`return logits, self.aux(h)`): the early returns say which
    value is the forward's output, so the path that falls off returns it too."""
    target = _single_target(last.body[-1]) if isinstance(last, cst.SimpleStatementLine) else None
    if target is None or "." in target:
        return False
    mains = [found.value.elements[0].value if isinstance(found.value, cst.Tuple) and found.value.elements
             else found.value for found in early]
    assigned = _code(last.body[-1].value) if isinstance(last.body[-1], (cst.Assign, cst.AnnAssign)) else None
    return all(isinstance(main, cst.Name) and main.value == target
               or main is not None and assigned is not None and _code(main) == assigned for main in mains)


def _flag_outputs(script: Script, body: Sequence[cst.BaseStatement], early: Sequence[cst.Return],
                  last: cst.BaseStatement) -> bool:
    """Whether every early return ends an `if` of this block testing a defaulted flag parameter of
    forward (`if return_features:`, `if not self_only:`), and the last line binds one name."""
    target = _single_target(last.body[-1]) if isinstance(last, cst.SimpleStatementLine) else None
    forward = script.function_of(last)
    if target is None or "." in target or forward is None:
        return False
    flags = {param.name.value for param in (*forward.params.params, *forward.params.kwonly_params)
             if isinstance(param.default, cst.Name) and param.default.value in ("False", "True", "None")}
    tests = [statement for statement in body if isinstance(statement, cst.If) and statement.orelse is None]
    ending = {id(line.body[-1]) for test in tests if _tested_flag(test.test) in flags
              for line in test.body.body[-1:] if isinstance(line, cst.SimpleStatementLine)}
    return all(id(found) in ending for found in early)


def _tested_flag(test: cst.BaseExpression) -> str | None:
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test = test.expression
    return test.value if isinstance(test, cst.Name) else None


def _code(node: cst.CSTNode | None) -> str | None:
    return cst.Module([]).code_for_node(node).strip() if node is not None else None


def _loop_ending(loop: cst.For | cst.While, before: set[str]) -> list[_Return] | None:
    """The one name bound before the loop that the loop body rebinds (`x` of `x = layer(x)`)."""
    if m.findall(loop.body, m.Return() | m.Break()):
        return None
    updated = _names_bound(loop.body.body, nested=True) & before
    return [_Return(anchor=loop, value=updated.pop())] if len(updated) == 1 else None


def _single_target(small: cst.BaseSmallStatement) -> str | None:
    """`x` of `x = ...`, `x += ...`, `x: T = ...` (also `self.out = ...`)."""
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        return dotted(small.targets[0].target)
    if isinstance(small, cst.AugAssign) or (isinstance(small, cst.AnnAssign) and small.value is not None):
        return dotted(small.target)
    return None


def _names_bound(body: Sequence[cst.BaseStatement], nested: bool = False) -> set[str]:
    """Plain names assigned by these statements (inside nested blocks too when `nested`)."""
    found: set[str] = set()
    for statement in body:
        smalls = m.findall(statement, m.Assign() | m.AugAssign() | m.AnnAssign()) if nested else (
            statement.body if isinstance(statement, cst.SimpleStatementLine) else ())
        for small in smalls:
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [getattr(small, "target", None)]
            found |= {name.value for target in targets if target is not None for name in m.findall(target, m.Name())}
    return found


def _is_attribute_name(script: Script, name: cst.Name) -> bool:
    parent = script.parents.get(name)
    return isinstance(parent, cst.Attribute) and parent.attr is name


def _is_output(statement: cst.BaseStatement) -> bool:
    """Debug output that follows the result: `print(...)`, `logger.info(...)`, `assert ...`."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.Assert):
        return True
    if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
        return False
    called = callee(small.value) or ""
    return called in _OUTPUT_CALLS or called.split(".", 1)[0] in _OUTPUT_OWNERS
