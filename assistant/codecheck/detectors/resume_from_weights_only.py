"""Training resumed from a checkpoint that holds only the model's weights: the file saves
`model.state_dict()` alone, loads it back and trains on, while an optimizer (its moments, its
learning rate schedule) starts over. The resumed run silently diverges from the uninterrupted one."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._calls import calls_to
from assistant.codecheck.detectors._checkpoints import path_key

name = "resume-from-weights-only"


@precondition(lambda code: "load_state_dict" in code.attributes and "step" in code.call_kinds)
def check(code: Code) -> Iterator[Hit]:
    builds_optimizer = any((code.resolved(c.func) or "").startswith("torch.optim.") for c in code.calls)
    if not builds_optimizer or _restores_an_optimizer(code):
        return
    saves = [s for s in calls_to(code, "torch.save") if s.args and _model_weights(s.args[0])]
    for load in code.calls_of("load_state_dict"):
        if not (load.args and isinstance(load.func, ast.Attribute) and _reads_a_save(code, load.args[0], saves)):
            continue
        if keyword(load, "strict") is not None or _other_model(code, saves[0], load):
            continue  # weights moved into another model (pretraining, then fine-tuning)
        if _trains_after(code, load):
            yield Hit.at(code, load, f"{source_of(load.func)}(...) restores only the weights saved by torch.save "
                         f"(line {saves[0].lineno}) and training goes on: the optimizer's state and the schedule start "
                         "over; save and load a dict with the model, optimizer, scheduler (and scaler, epoch) "
                         "state dicts")
            return


def _other_model(code: Code, save: ast.Call, load: ast.Call) -> bool:
    """The saved and the loading model are both known and built differently."""
    saved, loading = save.args[0].func.value, load.func.value  # type: ignore[attr-defined]
    built = [code.reaching_value(m) if isinstance(m, ast.Name) else None for m in (saved, loading)]
    return None not in built and ast.dump(built[0]) != ast.dump(built[1])  # type: ignore[arg-type]


def _model_weights(saved: ast.expr) -> bool:
    """`model.state_dict()` itself, not a dict of several states."""
    return isinstance(saved, ast.Call) and isinstance(saved.func, ast.Attribute) and saved.func.attr == "state_dict" \
        and not saved.args


def _restores_an_optimizer(code: Code) -> bool:
    """Some `x.load_state_dict(...)` in the file is an optimizer's or a scheduler's (named so, or
    reading a checkpoint's "optimizer" item): then the checkpoint is not weights only."""
    for load in code.calls_of("load_state_dict"):
        owner = dotted(load.func.value) if isinstance(load.func, ast.Attribute) else ""
        if any(word in (owner or "").lower() for word in ("opt", "sched", "scaler")):
            return True
        if any(isinstance(n, ast.Constant) and isinstance(n.value, str) and "opt" in n.value.lower()
               for a in load.args for n in ast.walk(a)):
            return True
    return False


def _reads_a_save(code: Code, value: ast.expr, saves: list[ast.Call]) -> bool:
    """`torch.load(...)` (directly or through a name) when the file saved weights only: after the
    save, or before it from the very file the save writes (a previous run's `last.pt`, resumed at
    the start of this one)."""
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)  # type: ignore[assignment]
    if not (saves and isinstance(value, ast.Call) and code.resolved(value.func) == "torch.load"):
        return False
    loaded = path_key(code, value.args[0] if value.args else None)
    return value.lineno > saves[0].lineno or loaded is not None and any(
        path_key(code, save.args[1] if len(save.args) > 1 else None) == loaded for save in saves)


def _trains_after(code: Code, load: ast.Call) -> bool:
    """An optimizer step after the load: `opt.step()` itself, or a call of a function of the file
    that steps one (`train(model, opt, ...)`)."""
    stepping = {f.name for f in code.functions if any(isinstance(n.func, ast.Attribute) and n.func.attr == "step"
                                                      for n in code.descendants(f, ast.Call))}
    for call in code.calls:
        if call.lineno <= load.lineno or code.scope_of(call) is not code.scope_of(load):
            continue
        if isinstance(call.func, ast.Attribute) and call.func.attr == "step" and not call.args:
            return True
        if isinstance(call.func, ast.Name) and call.func.id in stepping:
            return True
    return False
