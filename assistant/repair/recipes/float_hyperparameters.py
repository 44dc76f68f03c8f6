"""Optimizers check their hyperparameters with comparisons such as `0.0 <= lr`; a value that
arrived as text (argparse without `type=float`, a YAML `1e-3` that the loader kept as a string)
fails that check. Converting where the configuration enters the program is the entry's fix:
`type=float` on the argparse option the optimizer's argument comes from, or `float(...)` around a
config lookup passed to the optimizer.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, keyword, kind_of, positional, with_keyword

name = "float-hyperparameters"
_NUMERIC = ("lr", "weight_decay", "momentum", "eps", "dampening", "alpha", "lr_decay", "rho")
_NOT_VALUES = ("store_true", "store_false", "count", "store_const", "help", "version")


@needs_failing_line
def match(problem: Problem) -> tuple[list[cst.Call], list[cst.BaseExpression]] | None:
    """The argparse options without a type, and the config lookups, that the optimizer call on the
    failing line takes its numeric hyperparameters from."""
    script = problem.script
    options: list[cst.Call] = []
    lookups: list[cst.BaseExpression] = []
    for call in script.calls_on(problem.facts.user_lines[-1]):
        if not (callee(call) or "").startswith(("torch.optim.", "optim.")):
            continue
        for value in (arg.value for arg in call.args if arg.keyword is not None and arg.keyword.value in _NUMERIC):
            if isinstance(value, cst.Attribute) and (option := _untyped_option(script, value.attr.value)):
                options.append(option)
            elif isinstance(value, cst.Subscript):
                lookups.append(value)
    return (options, lookups) if options or lookups else None


def apply(problem: Problem, found: tuple[list[cst.Call], list[cst.BaseExpression]]) -> Edits:
    options, lookups = found
    edits = problem.edits()
    for option in dict.fromkeys(options):
        edits.replace(option, with_keyword(option, "type", "float"))
    for lookup in lookups:
        edits.replace(lookup, cst.Call(cst.Name("float"), [cst.Arg(lookup)]))
    return edits


def _untyped_option(script: Script, dest: str) -> cst.Call | None:
    """The `add_argument("--lr", ...)` (or `--learning-rate` with dest `learning_rate`) that stores
    into `dest` as text: no `type=`, and an action that takes a value."""
    for call in script.calls():
        if kind_of(call) != "add_argument" or keyword(call, "type") is not None:
            continue
        action = keyword(call, "action")
        if action is not None and isinstance(action.value, cst.SimpleString) and action.value.evaluated_value in _NOT_VALUES:
            continue
        names = [arg.value.evaluated_value for arg in positional(call) if isinstance(arg.value, cst.SimpleString)]
        explicit = keyword(call, "dest")
        stored = (explicit.value.evaluated_value if explicit is not None and isinstance(explicit.value, cst.SimpleString)
                  else next((n.lstrip("-").replace("-", "_") for n in names if n.startswith("--")), None))
        if stored == dest:
            return call
    return None
