"""The DataLoader's default collate stacks the samples of a batch, which needs them all to have one
shape; token sequences, audio clips or point sets of different lengths do not. The entry's fix is
a `collate_fn` that pads each batch to its longest sample. The one written here pads only the
tensors whose lengths differ (with the file's padding id when it names one, else 0) and collates
everything else (labels, fixed-size features) exactly as the default does, so only the ragged
field changes.
"""

from __future__ import annotations

import re

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._edit import (
    Edits, Script, dotted, free_name, imported_modules, keyword, statement, with_keyword,
)

name = "pad-collate"
_PAD_CONSTANT = re.compile(r"pad(_?(id|idx|index|token|token_id|value))?", re.IGNORECASE)


@needs_calls("DataLoader")
@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The constructor of the DataLoader iterated on the failing line (else the only one), when it
    uses the default collate and the file imports torch under its own name."""
    script = problem.script
    if "torch" not in imported_modules(script):
        return None
    loader = _loader_on(script, problem.facts.user_lines)
    if loader is None:
        loaders = script.constructors(("DataLoader",))
        loader = loaders[0] if len(loaders) == 1 else None
    return loader if loader is not None and keyword(loader, "collate_fn") is None else None


def apply(problem: Problem, loader: cst.Call) -> Edits:
    script, edits = problem.script, problem.edits()
    function = free_name(script, "pad_collate")
    edits.replace(loader, with_keyword(loader, "collate_fn", function))
    edits.insert_after_imports(_collate_function(function, _padding_value(script)))
    return edits


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
            f'    """Collates samples of different lengths: tensors whose shapes differ are padded to the\n'
            f'    longest along their first axis; everything else is collated as the default does."""\n'
            f"    if isinstance(batch[0], dict):\n"
            f"        return {{key: {function}([sample[key] for sample in batch]) for key in batch[0]}}\n"
            f"    if isinstance(batch[0], (tuple, list)):\n"
            f"        return [{function}(list(field)) for field in zip(*batch)]\n"
            f"    if isinstance(batch[0], torch.Tensor) and len({{sample.shape for sample in batch}}) > 1:\n"
            f"        return torch.nn.utils.rnn.pad_sequence(batch, batch_first=True, padding_value={padding})\n"
            f"    return torch.utils.data.default_collate(batch)\n")
    return statement(code).with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])

