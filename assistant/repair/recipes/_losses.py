"""Finding the loss call an error is about, and its prediction and target arguments: what the
recipes that fix a target's dtype or shape (or the prediction's shape) edit. A loss is either a
function (`F.mse_loss(pred, y)`) or a module instance called like one (`criterion(pred, y)`).
The module name starts with `_`, so the registry does not take it for a recipe.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes._edit import Script, callee, keyword, kind_of, positional


def loss_calls(script: Script, lines: Sequence[int], functions: Sequence[str], modules: Sequence[str]) -> list[cst.Call]:
    """The calls of these loss functions or modules on the innermost failing line that has one,
    else all of them."""
    losses = [call for call in script.calls() if _is_loss(script, call, functions, modules)]
    return script.at_failure(losses, lines)


def argument(call: cst.Call, index: int, name: str) -> cst.Arg | None:
    """The loss argument passed by keyword (`target=y`) or at its position."""
    found = keyword(call, name)
    if found is not None:
        return found
    args = positional(call)
    return args[index] if len(args) > index else None


def prediction(call: cst.Call) -> cst.Arg | None:
    return argument(call, 0, "input")


def target(call: cst.Call) -> cst.Arg | None:
    return argument(call, 1, "target")


def _is_loss(script: Script, call: cst.Call, functions: Sequence[str], modules: Sequence[str]) -> bool:
    """`F.mse_loss(...)`, `criterion(...)` with `criterion = nn.MSELoss()`, or `nn.MSELoss()(...)`."""
    if isinstance(call.func, cst.Call):
        return kind_of(call.func) in modules
    name = callee(call)
    return kind_of(call) in functions or (name is not None and script.built_from(name, modules) is not None)
