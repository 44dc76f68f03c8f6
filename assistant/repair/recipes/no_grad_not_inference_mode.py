"""Tensors created under `torch.inference_mode()` are inference tensors: autograd can never save
them for a backward pass, and neither `.detach()` nor `requires_grad_()` turns them back into
normal tensors. When training reuses what such a block computed (cached features, a buffer first
filled during evaluation), the block should have been `torch.no_grad()`: the same "no graph"
effect, with ordinary tensors as results. The recipe switches the blocks (or decorators) whose
results the failing line uses, else every one in the file.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, imported_modules, kind_of

name = "no-grad-not-inference-mode"


def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The `inference_mode` context managers and decorators to switch: those of the blocks that
    assign a name the failing lines use, else all of them."""
    script = problem.script
    blocks = [(node, item.item) for node in script.nodes(cst.With) for item in node.items if _is_inference_mode(item.item)]
    decorators = [d.decorator for node in script.nodes(cst.FunctionDef) for d in node.decorators
                  if _is_inference_mode(d.decorator)]
    if not blocks and not decorators:
        return None
    used = _names_on(script, problem.facts.user_lines)
    feeding = [manager for block, manager in blocks if _assigned_in(block) & used]
    found = feeding or [manager for _, manager in blocks] + decorators
    return found if all(_spelling(script, node) for node in found) else None


def apply(problem: Problem, managers: list[cst.BaseExpression]) -> Edits:
    edits = problem.edits()
    for manager in managers:
        edits.replace(manager, expr(_spelling(problem.script, manager) or ""))
    return edits


def _is_inference_mode(node: cst.BaseExpression) -> bool:
    """`torch.inference_mode()`, `inference_mode(True)` or a bare `@torch.inference_mode`; not
    `inference_mode(False)`, which turns the mode off."""
    if isinstance(node, cst.Call):
        off = any(m.matches(arg.value, m.Name("False")) for arg in node.args)
        return kind_of(node) == "inference_mode" and not off
    return (dotted(node) or "").rsplit(".", 1)[-1] == "inference_mode"


def _spelling(script: Script, node: cst.BaseExpression) -> str | None:
    """`torch.no_grad()` spelt through the same module the code named (`torch`), or None when the
    file has no `torch` name to reach it through."""
    name = callee(node) if isinstance(node, cst.Call) else dotted(node)
    module = (name or "").rpartition(".")[0]
    if not module:
        module = "torch" if "torch" in imported_modules(script) else ""
    return f"{module}.no_grad()" if module else None


def _assigned_in(block: cst.With) -> set[str]:
    targets = [target.target for node in m.findall(block.body, m.Assign()) for target in node.targets]
    targets += [node.target for node in m.findall(block.body, m.AugAssign() | m.AnnAssign())]
    names: set[str] = set()
    for target in targets:
        names |= {dotted(node) for node in m.findall(target, m.Name() | m.Attribute()) if dotted(node)}
    return names


def _names_on(script: Script, lines: tuple[int, ...]) -> set[str]:
    return {name for node in script.nodes((cst.Name, cst.Attribute)) if any(script.covers(node, line) for line in lines)
            and (name := dotted(node))}
