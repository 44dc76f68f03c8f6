"""Regression and binary cross-entropy losses compare prediction and target element by element.
A model ending in `Linear(..., 1)` predicts `[N, 1]` while the labels are `[N]`: BCE refuses the
pair, and MSE/L1 broadcast it to `[N, N]`, comparing every prediction with every target (the
warning) and training on a wrong loss. Reshaping the prediction at the loss call to the target's
shape, by the unit axis the two messages' sizes differ in, restores the pairing.
"""

from __future__ import annotations

import math

import libcst as cst

from assistant.repair.recipes import Facts, Problem
from assistant.repair.recipes._edit import Edits, dotted, parse_shape
from assistant.repair.recipes._losses import loss_calls, prediction, target

name = "prediction-to-target-shape"
FUNCTIONS = ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
             "binary_cross_entropy", "binary_cross_entropy_with_logits")
MODULES = ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss")
_RESHAPES = ("squeeze", "unsqueeze", "view", "reshape", "view_as", "reshape_as", "flatten")


def match(problem: Problem) -> tuple[cst.Arg, str] | None:
    """The prediction of the one loss call the sizes are about, and how to reshape it. A warning
    has no traceback line: of several loss calls, one whose prediction is already reshaped is not
    it, and if more than one remains it is unknown which: no match."""
    losses = loss_calls(problem.script, problem.facts.user_lines, FUNCTIONS, MODULES)
    if len(losses) > 1:
        losses = [call for call in losses if not _reshaped(prediction(call))]
    if len(losses) != 1:
        return None
    predicted, wanted = prediction(losses[0]), target(losses[0])
    if predicted is None or wanted is None:
        return None
    reshape = _reshape(problem.facts, dotted(wanted.value))
    return (predicted, reshape) if reshape else None


def apply(problem: Problem, found: tuple[cst.Arg, str]) -> Edits:
    predicted, reshape = found
    edits = problem.edits()
    edits.call_method(predicted.value, reshape)
    return edits


def _reshaped(predicted: cst.Arg | None) -> bool:
    """`model(x).squeeze(1)`, `pred.view(-1)`: a prediction the code already shaped."""
    value = predicted.value if predicted is not None else None
    return isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in _RESHAPES


def _reshape(facts: Facts, target_name: str | None) -> str | None:
    """From the entry's `input_size` and `target_size`: drop or add the one unit axis they differ
    by; with the same number of elements otherwise, take the target's shape (`view_as`)."""
    have, want = parse_shape(facts.values.get("input_size")), parse_shape(facts.values.get("target_size"))
    if have is None or want is None or have == want:
        return None
    for axis in range(len(have)):
        if have[axis] == 1 and have[:axis] + have[axis + 1:] == want:
            return f"squeeze({axis})"
    for axis in range(len(want)):
        if want[axis] == 1 and want[:axis] + want[axis + 1:] == have:
            return f"unsqueeze({axis})"
    same_count = math.prod(have) == math.prod(want)
    return f"view_as({target_name})" if same_count and target_name else None

