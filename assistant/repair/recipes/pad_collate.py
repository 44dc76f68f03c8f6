"""The DataLoader's default collate stacks the samples of a batch, which needs them all to have one
shape; token sequences, audio clips, point sets or lists of readings of different lengths do not.
The entry's fix is a `collate_fn` that pads each batch to its longest sample. The one written here
pads only what is ragged: tensors at the end of every axis whose size differs (a clip [1, T] along
T, a sequence [T, F] along T), lists of numbers to the longest list (with the file's padding id when
it names one, else 0), and collates everything else (labels, fixed-size features) exactly as the
default does, so only the ragged field changes. A `torch.stack` of a list of sequences that the
script calls itself pads the same way with `pad_sequence`, batch first as stack puts it.
"""

from __future__ import annotations

import re

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._edit import (
    Edits, Script, dotted, expr, free_name, imported_modules, keyword, kind_of, positional, statement, with_keyword,
)

name = "pad-collate"
_PAD_CONSTANT = re.compile(r"pad(_?(id|idx|index|token|token_id|value))?", re.IGNORECASE)


@needs_calls("DataLoader", "stack")
@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The script's own `torch.stack(samples)` on the innermost failing line, else the constructor
    of the DataLoader iterated on the failing line (else the only one) when it uses the default
    collate; only when the file imports torch under its own name."""
    script = problem.script
    if "torch" not in imported_modules(script):
        return None
    if (stack := _stack_on(script, problem.facts.user_lines[-1])) is not None:
        return stack
    loader = _loader_on(script, problem.facts.user_lines)
    if loader is None:
        loaders = script.constructors(("DataLoader",))
        loader = loaders[0] if len(loaders) == 1 else None
    return loader if loader is not None and keyword(loader, "collate_fn") is None else None


def apply(problem: Problem, loader: cst.Call) -> Edits:
    script, edits = problem.script, problem.edits()
    if kind_of(loader) == "stack":
        samples = script.code(positional(loader)[0].value)
        edits.replace(loader, expr(f"torch.nn.utils.rnn.pad_sequence({samples}, batch_first=True, "
                                   f"padding_value={_padding_value(script)})"))
        return edits
    function = free_name(script, "pad_collate")
    edits.replace(loader, with_keyword(loader, "collate_fn", function))
    edits.insert_after_imports(_collate_function(function, _padding_value(script)))
    return edits


def _stack_on(script: Script, line: int) -> cst.Call | None:
    """`torch.stack(samples)` (dim 0, the default) on the line: one sample per new leading row."""
    for call in script.calls_on(line):
        axis = keyword(call, "dim")
        if dotted(call.func) == "torch.stack" and len(positional(call)) == 1 and (
                axis is None or script.code(axis.value) == "0"):
            return call
    return None


def _loader_on(script: Script, lines: tuple[int, ...]) -> cst.Call | None:
    """A DataLoader named on the innermost failing line that names one (`for x, y in loader:`)."""
    for line in reversed(lines):
        for node in script.nodes((cst.Name, cst.Attribute)):
            name = dotted(node) if script.covers(node, line) else None
            if name and (built := script.built_from(name, ("DataLoader",))):
                return built
    return None


def _padding_value(script: Script) -> str:
    """A module-level padding id the file defines (`PAD_ID = 0`), else 0."""
    for node in script.module.body:
        if isinstance(node, cst.SimpleStatementLine):
            for part in node.body:
                if isinstance(part, cst.Assign) and isinstance(part.value, cst.Integer):
                    for target in part.targets:
                        if isinstance(target.target, cst.Name) and _PAD_CONSTANT.fullmatch(target.target.value):
                            return target.target.value
    return "0"


def _collate_function(function: str, padding: str) -> cst.BaseStatement:
    code = (f"def {function}(batch):\n"
            f'    """Collates samples of different lengths: tensors whose shapes differ are padded at the end\n'
            f'    of every axis to the largest size in the batch, lists of numbers to the longest list;\n'
            f'    everything else is collated as the default does."""\n'
            f"    if isinstance(batch[0], dict):\n"
            f"        return {{key: {function}([sample[key] for sample in batch]) for key in batch[0]}}\n"
            f"    if isinstance(batch[0], list) and len({{len(sample) for sample in batch}}) > 1 and all(\n"
            f"            isinstance(value, (int, float)) for sample in batch for value in sample):\n"
            f"        longest = max(len(sample) for sample in batch)\n"
            f"        batch = [sample + [{padding}] * (longest - len(sample)) for sample in batch]\n"
            f"    if isinstance(batch[0], (tuple, list)):\n"
            f"        return [{function}(list(field)) for field in zip(*batch)]\n"
            f"    if isinstance(batch[0], torch.Tensor) and len({{sample.shape for sample in batch}}) > 1:\n"
            f"        largest = [max(sizes) for sizes in zip(*(sample.shape for sample in batch))]\n"
            f"        return torch.stack([torch.nn.functional.pad(sample, [side for axis in reversed(range(sample.dim()))\n"
            f"                                                             for side in (0, largest[axis] - sample.shape[axis])],\n"
            f"                                                    value={padding}) for sample in batch])\n"
            f"    return torch.utils.data.default_collate(batch)\n")
    return statement(code).with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
