"""A loss built from a forward pass through a network whose optimizer has stepped since cannot be
back-propagated: `step()` updated the weights that forward saved, in place. In GAN and
actor-critic loops this is the generator loss built from the discriminator output that also fed
the discriminator's loss. The fix the entry gives is a fresh forward after stepping: the
statements that compute that loss from the stepped network are run again right after the step, on
the same inputs (the samples, the shared features before the stepped layers), so the backward sees
the updated weights and the loss is the one the next step is meant to use.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import resolved
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, positional

name = "recompute-after-step"
Found = tuple[cst.BaseStatement, list[cst.SimpleStatementLine]]  # (the last step, what to recompute after it)


@needs_failing_line
def match(problem: Problem) -> Found | None:
    """The step between a loss's forward and its backward (on the failing line), and the
    statements of that forward which use the stepped network."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if (found := _recompute_for(script, call)) is not None:
                return found
    return None


def apply(problem: Problem, found: Found) -> Edits:
    step, statements = found
    edits = problem.edits()
    edits.insert_after(step, *(line.with_changes(leading_lines=[]) for line in statements))
    return edits


def _recompute_for(script: Script, backward: cst.Call) -> Found | None:
    if not (m.matches(backward.func, m.Attribute(value=m.Name(), attr=m.Name("backward")))):
        return None
    loss = backward.func.value.value
    statement = script.statement_of(backward)
    block = script.parents.get(statement)
    body: Sequence[cst.BaseStatement] = getattr(block, "body", ())
    if statement not in body:
        return None
    before = list(body[:list(body).index(statement)])
    defined_at = max((i for i, line in enumerate(before) if loss in _targets(line)), default=None)
    if defined_at is None:
        return None
    steps = [(i, model) for i, line in enumerate(before) if i > defined_at
             for model in _stepped_models(script, line)]
    if not steps:
        return None
    stepped = {model for _, model in steps}
    chain = _forward_through(before[:defined_at + 1], loss, stepped)
    return (before[steps[-1][0]], chain) if chain and loss in _targets(chain[-1]) else None


def _stepped_models(script: Script, line: cst.BaseStatement) -> set[str]:
    """`opt_d.step()` -> {"D"} when `opt_d = torch.optim.Adam(D.parameters(), ...)`."""
    if not m.matches(line, m.SimpleStatementLine([m.Expr(m.Call(func=m.Attribute(attr=m.Name("step")), args=[]))])):
        return set()
    receiver = line.body[0].value.func.value
    optimizer = resolved(script, receiver)  # also `opt_g, opt_d = Adam(...), Adam(...)`
    if not isinstance(optimizer, cst.Call):  # a parameter: the optimizer built under that name
        optimizer = script.bindings.get(dotted(receiver) or "")
    if optimizer is None or not positional(optimizer):
        return set()
    params = positional(optimizer)[0].value
    return {dotted(call.func.value) for call in m.findall(params, m.Call(func=m.Attribute(attr=m.Name("parameters"))))
            if dotted(call.func.value)}


def _forward_through(statements: list[cst.BaseStatement], loss: str, stepped: set[str]) -> list[cst.SimpleStatementLine]:
    """The assignments, in order, that the loss depends on and that call a stepped network or use
    what such a call produced. What does not pass through it (the generator's samples, the noise)
    is kept as it is: the loss is recomputed on the same inputs."""
    needed, chain = {loss}, []
    for line in reversed(statements):
        if isinstance(line, cst.SimpleStatementLine) and _targets(line) & needed:
            chain.insert(0, line)
            needed |= _reads(line)
    tainted: set[str] = set()
    kept = []
    for line in chain:
        calls = [call for call in m.findall(line, m.Call()) if isinstance(call, cst.Call)]
        if any(callee(call) in stepped for call in calls) or _reads(line) & tainted:
            kept.append(line)
            tainted |= _targets(line)
    return kept


def _targets(line: cst.BaseStatement) -> set[str]:
    if not m.matches(line, m.SimpleStatementLine([m.Assign()])):
        return set()
    return {node.value for target in line.body[0].targets for node in m.findall(target.target, m.Name())
            if isinstance(node, cst.Name)}


def _reads(line: cst.SimpleStatementLine) -> set[str]:
    return {node.value for node in m.findall(line.body[0].value, m.Name()) if isinstance(node, cst.Name)}
