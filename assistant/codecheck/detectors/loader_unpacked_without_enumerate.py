"""`for i, (x, y) in loader` without `enumerate(...)`: each batch of a DataLoader is the list [x, y], so `i`
takes the inputs and `(x, y)` unpacks the labels tensor along its batch dimension ("too many values to
unpack (expected 2)", or silently wrong rows when the batch has two). A loader given its own collate_fn
may yield such pairs and is left alone."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, keyword, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._fragments import LOADER_NAMES, free_named
from assistant.codecheck.detectors._loaders import loader_call

name = "loader-unpacked-without-enumerate"


def check(code: Code) -> Iterator[Hit]:
    for loop in code.nodes_of(ast.For, ast.comprehension):
        target, iterated = loop.target, loop.iter  # type: ignore[attr-defined]
        if not (isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[0], ast.Name)
                and isinstance(target.elts[1], ast.Tuple)):
            continue
        loader = loader_call(code, iterated)
        if loader is not None and keyword(loader, "collate_fn") is not None:
            continue  # its own collate function may well yield (index, batch) pairs
        if loader is not None or free_named(code, iterated, LOADER_NAMES):
            index, batch = target.elts
            yield Hit.at(code, target, f"{source_of(target)} unpacks each batch of {source_of(iterated)} as (index, "
                         f"batch), but a DataLoader yields the batch alone: {index.id} gets the inputs and "  # type: ignore[attr-defined]
                         f"{source_of(batch)} is unpacked from the next item along its batch dimension; iterate "
                         f"enumerate({source_of(iterated)})", {"expected": str(len(batch.elts))})  # type: ignore[attr-defined]
