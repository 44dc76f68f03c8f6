"""`model(**batch)` hands the model every key of a dict batch, the way Hugging Face models take
`input_ids`, `attention_mask` and `labels`. A home-made module's forward declares only its inputs,
so the key it has no parameter for (usually the labels, which the loop reads itself for the loss)
stops the call: `forward() got an unexpected keyword argument 'labels'`. When the code reads that
key of the batch elsewhere (`batch["labels"]` in the loss), it is not an input of the model: the
recipe passes the batch without it and leaves the rest of the code reading it as before. A key
the code never reads could be an input the forward misnames, so it is left to the user.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, kind_of, positional

name = "drop-unexpected-batch-key"


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Arg, str] | None:
    """(the `**batch` argument of the failing call, the refused key) when the code reads that key
    of the same batch somewhere else."""
    key = problem.facts.values.get("name", "").strip("'\"")
    if not key.isidentifier():
        return None
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            for arg in call.args:
                if arg.star == "**" and (batch := dotted(arg.value)) and _reads_key(script, batch, key, call):
                    return arg, key
    return None


def apply(problem: Problem, found: tuple[cst.Arg, str]) -> Edits:
    arg, key = found
    script, edits = problem.script, problem.edits()
    batch = script.code(arg.value)
    edits.replace(arg.value, expr(f'{{key: value for key, value in {batch}.items() if key != "{key}"}}'))
    return edits


def _reads_key(script: Script, batch: str, key: str, call: cst.Call) -> bool:
    """`batch["labels"]` or `batch.get("labels")` in the function of the call."""
    function = script.function_of(call)
    for node in script.nodes(cst.Subscript):
        if script.function_of(node) is function and dotted(node.value) == batch and len(node.slice) == 1 \
                and isinstance(index := node.slice[0].slice, cst.Index) and _is_string(index.value, key):
            return True
    return any(script.function_of(other) is function and kind_of(other) == "get" and isinstance(other.func, cst.Attribute)
               and dotted(other.func.value) == batch and positional(other) and _is_string(positional(other)[0].value, key)
               for other in script.calls())


def _is_string(node: cst.BaseExpression, text: str) -> bool:
    return isinstance(node, cst.SimpleString) and node.evaluated_value == text
