"""`pack_padded_sequence(x, lengths)` with lengths moved to the GPU (`lengths.to(device)`, a whole batch
dict moved by a comprehension): packing reads the lengths on the host and refuses a device tensor
("'lengths' argument should be a 1D CPU int64 tensor, but got 1D cuda:0 Long tensor")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._blocks import before, statement_of, stored_names
from assistant.codecheck.detectors._moves import moves_to_device
from assistant.codecheck.detectors._unpacked import known_value

name = "pack-lengths-on-device"


@needs_calls("pack_padded_sequence")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("pack_padded_sequence"):
        lengths = argument(call, 1, "lengths")
        move = _device_move(code, lengths) if lengths is not None else None
        if move is not None:
            if move is lengths:
                where, fix = "", f"pass {source_of(move.func.value)} as it was, on the CPU"  # type: ignore[union-attr]
            else:
                where, fix = f" ({source_of(move)}, line {move.lineno})", f"pass {source_of(lengths)}.cpu()"
            yield Hit.at(code, lengths, f"pack_padded_sequence gets {source_of(lengths)}, moved to the GPU{where}: "
                         f"the lengths must stay a CPU int64 tensor (or a list); {fix}, or keep the CPU copy "
                         "from the collate function")


def _device_move(code: Code, lengths: ast.expr) -> ast.expr | None:
    """The move to the device that the lengths certainly come from: `lengths.to(device)` written in the
    call or bound to the name, or `batch[key]` of a batch dict whose values were all moved."""
    value = _bound_just_above(code, lengths) if isinstance(lengths, ast.Name) else None
    value = value or known_value(code, lengths)
    if isinstance(value, ast.Call) and moves_to_device(code, value) and not _dtype_only(value):
        return value
    if isinstance(lengths, ast.Subscript) and isinstance(lengths.value, ast.Name):
        batch = known_value(code, lengths.value)
        if isinstance(batch, ast.DictComp) and _moves_each_value(code, batch):
            return batch
    return None


def _dtype_only(move: ast.Call) -> bool:
    """`lengths.to(torch.int64)`, `.to(dtype=torch.long)`: a conversion that stays where it is."""
    target = move.args[0] if move.args else keyword(move, "dtype")
    prefix, _, last = (dotted(target) or "").rpartition(".") if target is not None else ("", "", "")
    return prefix == "torch" and last.islower() and last != "device"


def _bound_just_above(code: Code, use: ast.Name) -> ast.expr | None:
    """The element bound to the name by the nearest statement above the use in its own block, when
    that is a tuple-to-tuple assignment (`tokens, lengths = tokens.to(device), lengths.to(device)`)."""
    statement = statement_of(code, use)
    for previous in before(code, statement) if statement is not None else []:
        if isinstance(previous, ast.Assign) and len(previous.targets) == 1:
            target = previous.targets[0]
            if isinstance(target, ast.Tuple) and isinstance(previous.value, ast.Tuple) \
                    and len(target.elts) == len(previous.value.elts):
                names = [dotted(element) for element in target.elts]
                if use.id in names:
                    return previous.value.elts[names.index(use.id)]
        if use.id in stored_names(code, previous):
            return None
    return None


def _moves_each_value(code: Code, moved: ast.DictComp) -> bool:
    """`{k: v.to(device) for k, v in batch.items()}`: every value of the dict is moved."""
    value = moved.value
    if not (isinstance(value, ast.Call) and moves_to_device(code, value) and isinstance(value.func, ast.Attribute)):
        return False
    loop = moved.generators[0]
    return not moved.generators[0].ifs and isinstance(loop.target, ast.Tuple) and len(loop.target.elts) == 2 \
        and dotted(loop.target.elts[1]) == dotted(value.func.value) is not None
