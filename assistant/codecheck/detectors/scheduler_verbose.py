"""A learning-rate scheduler built with `verbose=`: the argument was removed in torch 2.7
("__init__() got an unexpected keyword argument 'verbose'")."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._drift import removed_uses, use_message

name = "scheduler-verbose"


def check(code: Code) -> Iterator[Hit]:
    for use in removed_uses(code, lambda row: row.keyword == "verbose"):
        yield Hit.at(code, use.node, use_message(use.row))
