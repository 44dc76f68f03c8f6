"""`pack_padded_sequence(x, lengths)` with lengths counted from the batch itself (`(tokens != pad).sum(1)`)
and the default enforce_sorted=True, with nothing in the file sorting the batch: a shuffled batch's
lengths are not in decreasing order, "`lengths` array must be sorted in decreasing order when
`enforce_sorted` is True". Pass enforce_sorted=False (the packing sorts and unsorts itself)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls

name = "pack-padded-unsorted-lengths"
SORTING = ("sort", "sorted", "argsort")
COUNTING = ("sum", "count_nonzero")
KEEPING = ("cpu", "to", "long", "int", "tolist", "view", "squeeze")


@needs_calls("pack_padded_sequence")
def check(code: Code) -> Iterator[Hit]:
    if not code.call_kinds.isdisjoint(SORTING):
        return
    for call in code.calls_of("pack_padded_sequence"):
        if keyword(call, "enforce_sorted") is not None or any(k.arg is None for k in call.keywords):
            continue
        counted = _counted_lengths(code, argument(call, 1, "lengths"))
        if counted is not None:
            yield Hit.at(code, call, f"{source_of(call.func)}(...) packs with lengths counted from the batch "
                         f"({source_of(counted)}, line {counted.lineno}) and enforce_sorted=True (the default), but "
                         "nothing sorts the batch by length: pass enforce_sorted=False")


def _counted_lengths(code: Code, lengths: ast.expr | None) -> ast.Call | None:
    """The `(x != pad).sum(1)` or `torch.tensor([len(s) for s in seqs])` count that `lengths` is, through a
    name and `.cpu()` / `.long()`."""
    for _ in range(6):
        if isinstance(lengths, ast.Name):
            lengths = code.reaching_value(lengths)
        elif isinstance(lengths, ast.Call) and isinstance(lengths.func, ast.Attribute) and kind_of(lengths) in KEEPING:
            lengths = lengths.func.value
        else:
            break
    if isinstance(lengths, ast.Call) and kind_of(lengths) in COUNTING and dotted(lengths.func) != "sum":
        return lengths
    if isinstance(lengths, ast.Call) and kind_of(lengths) == "tensor" and lengths.args \
            and isinstance(lengths.args[0], ast.ListComp) and isinstance(lengths.args[0].elt, ast.Call) \
            and dotted(lengths.args[0].elt.func) == "len":
        return lengths  # torch.tensor([len(s) for s in seqs]): in the batch's order
    return None
