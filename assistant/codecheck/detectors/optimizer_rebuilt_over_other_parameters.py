"""An optimizer state dict loaded into an optimizer built over other parameters than the one that
saved it (a filtered `[p for p in model.parameters() if p.requires_grad]` after freezing, or
another split into param groups): "loaded state dict contains a parameter group that doesn't match
the size of optimizer's group" / "has a different number of parameter groups"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, source_of
from assistant.codecheck.detectors import Hit, needs_calls

name = "optimizer-rebuilt-over-other-parameters"


@needs_calls("load_state_dict")
def check(code: Code) -> Iterator[Hit]:
    for load in code.calls_of("load_state_dict"):
        if not (isinstance(load.func, ast.Attribute) and isinstance(load.func.value, ast.Name) and len(load.args) == 1):
            continue
        loading = _optimizer_built(code, load.func.value)
        saved_by = _saving_optimizer(code, load.args[0])
        saving = _optimizer_built(code, saved_by) if saved_by is not None else None
        if loading is None or saving is None or loading is saving:
            continue
        why = _differs(argument(saving, 0, "params"), argument(loading, 0, "params"), _freezes(code))
        if why:
            yield Hit.at(code, load, f"{source_of(load.func)}(...) loads the state of the optimizer built on line "
                         f"{saving.lineno} over {source_of(argument(saving, 0, 'params'))} into one built over "
                         f"{source_of(argument(loading, 0, 'params'))} (line {loading.lineno}): {why}; build the "
                         "optimizer as it was when saved, or start it fresh")


def _optimizer_built(code: Code, name: ast.Name) -> ast.Call | None:
    built = code.reaching_value(name)
    if isinstance(built, ast.Call) and (code.resolved(built.func) or "").startswith("torch.optim.") \
            and ".lr_scheduler." not in (code.resolved(built.func) or "") and built.args:
        return built
    return None


def _saving_optimizer(code: Code, state: ast.expr) -> ast.Name | None:
    """The optimizer whose `.state_dict()` the loaded value is: directly, through a name, or as an
    item of a checkpoint dict display (`{"optimizer": opt.state_dict()}`) read by key."""
    key = None
    if isinstance(state, ast.Subscript):
        key, state = constant(state.slice), state.value
    if isinstance(state, ast.Name):
        state = code.reaching_value(state)  # type: ignore[assignment]
    if isinstance(state, ast.Dict) and key is not NotImplemented and key is not None:
        state = next((v for k, v in zip(state.keys, state.values) if constant(k) == key), None)  # type: ignore[assignment]
    if isinstance(state, ast.Call) and isinstance(state.func, ast.Attribute) and state.func.attr == "state_dict" \
            and isinstance(state.func.value, ast.Name) and not state.args:
        return state.func.value
    return None


def _freezes(code: Code) -> bool:
    """Something is frozen (`requires_grad_(False)`, `p.requires_grad = False`): a filter on
    requires_grad then leaves parameters out."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "requires_grad_"
               and n.args and constant(n.args[0]) is False
               or isinstance(n, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == "requires_grad"
                                                    for t in n.targets) and constant(n.value) is False
               for n in code.nodes_of(ast.Call, ast.Assign))


def _differs(saved: ast.expr | None, loading: ast.expr | None, frozen: bool) -> str | None:
    """Why the two parameter lists cannot match: a filtered list against the unfiltered one once
    something is frozen, or param-group lists of different lengths."""
    if saved is None or loading is None or ast.dump(saved) == ast.dump(loading):
        return None
    groups = [_groups(p) for p in (saved, loading)]
    if None not in groups and groups[0] != groups[1]:
        return f"{groups[0]} parameter groups were saved, {groups[1]} are built now"
    filtered = [_filters(p, other) for p, other in ((saved, loading), (loading, saved))]
    if frozen and any(filtered):
        return "one of them keeps only some of the parameters, so the group sizes differ"
    return None


def _groups(params: ast.expr) -> int | None:
    """How many param groups an optimizer's first argument makes: one for parameters
    (`model.parameters()`, a comprehension), the number of dicts of a list of dicts."""
    if isinstance(params, ast.List) and params.elts and all(isinstance(e, ast.Dict) for e in params.elts):
        return len(params.elts)
    if isinstance(params, ast.Call) or isinstance(params, ast.ListComp) and not isinstance(params.elt, ast.Dict):
        return 1
    return None


def _filters(value: ast.expr, unfiltered: ast.expr) -> bool:
    """`[p for p in X if ...]` or `filter(..., X)` where the other optimizer took X itself."""
    if isinstance(value, ast.ListComp) and len(value.generators) == 1 and value.generators[0].ifs:
        return ast.dump(value.generators[0].iter) == ast.dump(unfiltered)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "filter" and len(value.args) == 2:
        return ast.dump(value.args[1]) == ast.dump(unfiltered)
    return False
