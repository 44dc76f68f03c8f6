"""A loss built from a forward pass through a network whose optimizer has stepped since cannot be
back-propagated: `step()` updated the weights that forward saved, in place. In GAN and
actor-critic loops this is the generator loss built from the discriminator output that also fed
the discriminator's loss. The fix the entry gives is a fresh forward after stepping: the
statements of that loss's forward that pass through the stepped network and ran before the step
are run again right after it, on the same inputs (the samples, the shared features before the
stepped layers, the actions already sampled), so the backward sees the updated weights and the
loss is the one the next step is meant to use. What the program computes from that forward after
the step (`g_loss = bce(d_fake, ones)` written below `opt_d.step()`) then reads the fresh values.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import resolved
from assistant.repair.recipes._edit import Edits, Script, calls_in, callee, dotted, keyword, kind_of, positional

name = "recompute-after-step"
Found = tuple[cst.BaseStatement, list[cst.SimpleStatementLine]]  # (where to insert, what to recompute there)
Chain = list[tuple[int, cst.SimpleStatementLine]]  # (index in the block, assignment) in source order
_DRAWS = ("sample", "multinomial")  # a value drawn at random: recomputing it would draw another one


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
    anchor, statements = found
    edits = problem.edits()
    edits.insert_after(anchor, *(line.with_changes(leading_lines=[]) for line in statements))
    return edits


def _recompute_for(script: Script, backward: cst.Call) -> Found | None:
    """What to run again, and after which statement, for `<loss>.backward()` (the loss may be a
    name or an expression such as `bce(d_fake, ones)`)."""
    if not m.matches(backward.func, m.Attribute(attr=m.Name("backward"))):
        return None
    statement = script.statement_of(backward)
    body: Sequence[cst.BaseStatement] = getattr(script.parents.get(statement), "body", ())
    if statement not in body:
        return None
    before = list(body[:list(body).index(statement)])
    steps = [(i, model) for i, line in enumerate(before) for model in _stepped_models(script, line)]
    chain = _dependencies(before, _reads(backward.func.value))
    forward = _through(chain, {model for _, model in steps})
    used = [i for i, model in steps if any(model in models for _, _, models in forward)]
    if not used:
        return None
    stepped_at = used[-1]
    stale = [line for i, line, _ in forward if i < stepped_at]
    if not stale:
        return None
    later = [line for i, line in chain if i > stepped_at]
    anchor = _insertion_point(before, stepped_at, later, {model for _, model in steps})
    return anchor, _blank_unused_targets(stale, later, backward.func.value)


def _stepped_models(script: Script, line: cst.BaseStatement) -> set[str]:
    """`opt_d.step()` -> {"D"} when `opt_d = torch.optim.Adam(D.parameters(), ...)` (or `params=`)."""
    if not m.matches(line, m.SimpleStatementLine([m.Expr(m.Call(func=m.Attribute(attr=m.Name("step")), args=[]))])):
        return set()
    receiver = line.body[0].value.func.value
    optimizer = resolved(script, receiver)  # also `opt_g, opt_d = Adam(...), Adam(...)`
    if not isinstance(optimizer, cst.Call):  # a parameter: the optimizer built under that name
        optimizer = script.bindings.get(dotted(receiver) or "")
    if optimizer is None:
        return set()
    given = keyword(optimizer, "params") or next(iter(positional(optimizer)), None)
    if given is None:
        return set()
    calls = m.findall(given.value, m.Call(func=m.Attribute(attr=m.Name("parameters"))))
    return {dotted(call.func.value) for call in calls if dotted(call.func.value)}


def _dependencies(statements: list[cst.BaseStatement], needed: set[str]) -> Chain:
    """(index, assignment) of every statement, in order, whose value the loss depends on."""
    needed, chain = set(needed), []
    for index in reversed(range(len(statements))):
        line = statements[index]
        if isinstance(line, cst.SimpleStatementLine) and _targets(line) & needed:
            chain.insert(0, (index, line))
            needed |= _reads(line.body[0].value)
    return chain


def _through(chain: Chain, stepped: set[str]) -> list[tuple[int, cst.SimpleStatementLine, set[str]]]:
    """The assignments of the chain that call a stepped network (or hand it to a helper) or use
    what such a call produced, each with the stepped networks its value passed through. What does
    not pass through one (the generator's samples, the noise, the sampled actions) keeps its value:
    the loss is recomputed on the same inputs."""
    passed: dict[str, set[str]] = {}
    found = []
    for index, line in chain:
        value = line.body[0].value
        if any(kind_of(call) in _DRAWS for call in calls_in(value)):
            continue
        models = _models_called(value, stepped).union(*(passed.get(read, set()) for read in _reads(value)))
        if models:
            found.append((index, line, models))
            passed.update(dict.fromkeys(_targets(line), models))
    return found


def _models_called(value: cst.BaseExpression, stepped: set[str]) -> set[str]:
    """The stepped networks a value calls: `D(fake)`, `self.disc.net(x)`, `gan_losses(G, D, z)`."""
    found = set()
    for call in calls_in(value):
        named = callee(call) or ""
        handed = {dotted(arg.value) for arg in call.args}
        found |= {model for model in stepped if named == model or named.startswith(model + ".") or model in handed}
    return found


def _insertion_point(before: list[cst.BaseStatement], stepped_at: int, later: list[cst.SimpleStatementLine],
                     stepped: set[str]) -> cst.BaseStatement:
    """The step, or the last statement right after it that still works on a stepped network
    (WGAN's weight clipping) before the loss's own statements: the fresh forward sees the weights
    as the backward will."""
    anchor = before[stepped_at]
    for line in before[stepped_at + 1:]:
        if line in later or not _mentions(line, stepped):
            break
        anchor = line
    return anchor


def _mentions(line: cst.BaseStatement, models: set[str]) -> bool:
    return any(dotted(node) in models for node in m.findall(line, m.Name() | m.Attribute()))


def _blank_unused_targets(stale: list[cst.SimpleStatementLine], later: list[cst.SimpleStatementLine],
                          loss: cst.BaseExpression) -> list[cst.SimpleStatementLine]:
    """The statements to recompute, where `d_loss, g_loss = losses(G, D, ...)` rebinds only what
    the loss needs (`_, g_loss = ...`): the other values stay those the program already used."""
    wanted = _reads(loss).union(*(_reads(line.body[0].value) for line in [*stale, *later]))
    return [_only_wanted(line, wanted) for line in stale]


def _only_wanted(line: cst.SimpleStatementLine, wanted: set[str]) -> cst.SimpleStatementLine:
    assign = line.body[0]
    target = assign.targets[0].target
    if len(assign.targets) != 1 or not isinstance(target, (cst.Tuple, cst.List)):
        return line
    elements = [element.with_changes(value=cst.Name("_"))
                if isinstance(element.value, cst.Name) and element.value.value not in wanted else element
                for element in target.elements]
    retargeted = assign.targets[0].with_changes(target=target.with_changes(elements=elements))
    return line.with_changes(body=[assign.with_changes(targets=[retargeted])])


def _targets(line: cst.BaseStatement) -> set[str]:
    if not m.matches(line, m.SimpleStatementLine([m.Assign()])):
        return set()
    return {node.value for target in line.body[0].targets for node in m.findall(target.target, m.Name())
            if isinstance(node, cst.Name)}


def _reads(node: cst.CSTNode) -> set[str]:
    return {name.value for name in m.findall(node, m.Name()) if isinstance(name, cst.Name)}
