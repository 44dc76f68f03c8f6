"""F.one_hot given labels that reach num_classes: 1-based labels (`torch.randint(1, 6, ...)` into
`num_classes=5`), a literal label list with a value as large as the count, or a count written as
`labels.max()` without the `+ 1` (the largest label is then always out of range). Raises "Class
values must be smaller than num_classes"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._calls import calls_to
from assistant.codecheck.detectors._labels import largest_label, max_of, same_labels
from assistant.codecheck.detectors._widths import int_value

name = "label-beyond-one-hot-classes"


@needs_calls("one_hot")
def check(code: Code) -> Iterator[Hit]:
    for call in calls_to(code, "torch.nn.functional.one_hot"):
        labels, count = argument(call, 0, "tensor"), argument(call, 1, "num_classes")
        if labels is None or count is None:
            continue  # the default num_classes=-1 counts max + 1 itself
        classes = int_value(code, count)
        spelled = f"{classes}" if source_of(count) == str(classes) else f"{classes} ({source_of(count)})"
        if classes is not None and classes > 0:
            largest = largest_label(code, labels)
            if largest is not None and largest.value >= classes:
                yield Hit.at(code, call, f"{source_of(call)}: {largest.said(labels)}, but num_classes is {spelled}, "
                             f"so labels must lie in 0..{classes - 1}; {_fix(largest.value, classes, labels)}",
                             {"label": str(largest.value), "num_classes": str(classes)})
            continue
        counted = max_of(code, count)
        if counted is not None and same_labels(code, counted, labels):
            yield Hit.at(code, call, f"{source_of(call)}: num_classes is {source_of(count)}, the largest label of "
                         f"{source_of(labels)} itself, so that label is one past the last class; count the classes as "
                         f"{source_of(counted)}.max() + 1", {"num_classes": source_of(count)})


def _fix(largest: int, classes: int, labels: ast.expr) -> str:
    if largest == classes:
        return f"labels numbered from 1 need {source_of(labels)} - 1, or num_classes must be {classes + 1}"
    return f"num_classes must be at least {largest + 1}, or the labels remapped to 0..{classes - 1}"
