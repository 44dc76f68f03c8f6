"""A DataLoader whose data set leaves a last batch of one sample (1537 rows in batches of 64: 24 full
batches and one of 1), without drop_last, feeding a BatchNorm1d model in training mode: every epoch
ends with "Expected more than 1 value per channel when training". The number of samples is read
where the code shows it (a TensorDataset of tensors of known size) or where a comment states it
(`# train_ds has 1537 rows`, `# len(train_ds) == 1537`)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, dotted, keyword
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._known_sizes import sizes_of
from assistant.codecheck.detectors._loaders import TENSOR_DATASETS, batch_targets, is_call_of, loader_call
from assistant.codecheck.detectors._modes import calls_in_training_mode
from assistant.codecheck.detectors._widths import int_value

name = "batchnorm-last-batch-of-one"
_UNITS = r"(?:rows|samples|examples|items|records|images|sequences|instances)"


@needs_calls("BatchNorm1d")
def check(code: Code) -> Iterator[Hit]:
    for found in calls_in_training_mode(code, under_no_grad=False):
        loader = _feeding_loader(code, found.call) if "BatchNorm1d" in found.layers else None
        if loader is None or any(keyword(loader, k) is not None for k in ("drop_last", "sampler", "batch_sampler")):
            continue
        batch = int_value(code, argument(loader, 1, "batch_size"))
        rows = _rows(code, argument(loader, 0, "dataset"))
        if batch is None or rows is None or batch < 2 or rows % batch != 1:
            continue
        yield Hit.at(code, found.call, f"{found.model} (with BatchNorm1d, in training mode) gets the batches of a "
                     f"DataLoader over {rows} samples in batches of {batch}: the last batch of each epoch holds one "
                     "sample, on which BatchNorm cannot compute batch statistics; pass drop_last=True")


def _feeding_loader(code: Code, call: ast.Call) -> ast.Call | None:
    """The DataLoader of an enclosing `for ... in loader` whose loop variables the model call is given
    (`model(xb)`, `model(xb.to(device))`, or a name bound from them just above)."""
    given = call.args[0]
    if isinstance(given, ast.Name) and (bound := code.reaching_value(given)) is not None:
        given = bound
    names = {n.id for n in ast.walk(given) if isinstance(n, ast.Name)}
    for loop in code.ancestors(call):
        if isinstance(loop, ast.For) and (targets := batch_targets(loop)) is not None:
            target, iterated = targets
            if names & {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}:
                return loader_call(code, iterated)
    return None


def _rows(code: Code, dataset: ast.expr | None) -> int | None:
    """How many samples the data set has: dim 0 of a TensorDataset's first tensor, or what a comment says."""
    value = code.reaching_value(dataset) if isinstance(dataset, ast.Name) else dataset
    if isinstance(value, ast.Call) and is_call_of(code, value, TENSOR_DATASETS) and value.args:
        sizes = sizes_of(code, value.args[0])
        return sizes[0] if sizes and sizes[0] > 0 else None
    spelled = dotted(dataset) if dataset is not None else None
    return _stated_count(code, spelled) if spelled else None


def _stated_count(code: Code, spelled: str) -> int | None:
    """`# train_ds has 1537 rows`, `# train_ds: 1537 samples`, `# len(train_ds) == 1537`."""
    named = re.escape(spelled)
    said = re.compile(rf"\b{named}\s*(?:has|holds|contains|:|=|is|of)\s*(?P<rows>\d[\d,_]*)\s+{_UNITS}\b"
                      rf"|\blen\({named}\)\s*(?:==|=|is)\s*(?P<length>\d[\d,_]*)\b")
    counts = {int((m["rows"] or m["length"]).replace(",", "").replace("_", ""))
              for text in code.comments.values() for m in said.finditer(text)}
    return counts.pop() if len(counts) == 1 else None
