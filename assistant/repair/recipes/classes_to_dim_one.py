"""CrossEntropyLoss and NLLLoss read the classes from dim 1 (`[N, C]`, `[N, C, d1, ...]`), while a
Linear head applied per token gives `[N, S, C]`. The message says so: it expected targets of
`[N, C]` and got `[N, S]`, the same batch. The entry's fix moves the classes to dim 1 for the loss
only, `logits.transpose(1, 2)`, which leaves the model and the targets as they are.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits
from assistant.repair.recipes._losses import loss_calls, prediction

name = "classes-to-dim-one"
FUNCTIONS = ("cross_entropy", "nll_loss")
MODULES = ("CrossEntropyLoss", "NLLLoss")


@needs_failing_line
def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The predictions of the failing loss call, when the message's batch sizes agree."""
    values = problem.facts.values
    if "batch" not in values or values.get("batch") != values.get("target_batch"):
        return None
    calls = loss_calls(problem.script, problem.facts.user_lines, FUNCTIONS, MODULES)
    predictions = [found.value for call in calls if (found := prediction(call)) is not None]
    return predictions or None


def apply(problem: Problem, predictions: list[cst.BaseExpression]) -> Edits:
    edits = problem.edits()
    for predicted in predictions:
        edits.call_method(predicted, "transpose(1, 2)")
    return edits
