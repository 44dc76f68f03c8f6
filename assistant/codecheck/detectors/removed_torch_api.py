"""Old code on new PyTorch: a call or import of a torch (or torchvision) API that was removed
(torch.rfft, torch.symeig, Variable(volatile=True), transforms.Scale, ...), by the api_drift table."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._drift import Removed, removed_uses, use_message

name = "removed-torch-api"
OWN_ENTRIES = ("torch._six", "torchvision.transforms.functional_tensor", "torchvision.transforms.functional_pil")


def check(code: Code) -> Iterator[Hit]:
    for use in removed_uses(code, _other_entries_do_not_explain):
        if not (isinstance(use.node, ast.ImportFrom) and _is_private(use.row)):
            yield Hit.at(code, use.node, use_message(use.row), {"symbol": use.row.symbol})


def _is_private(row: Removed) -> bool:
    """Imports of removed private helpers (`from torch._utils import _accumulate`) are
    private-torch-import's, under the entry about private names; this reports their other uses."""
    return "._" in row.symbol and row.keyword is None


def _other_entries_do_not_explain(row: Removed) -> bool:
    return not row.symbol.startswith(OWN_ENTRIES) and row.keyword != "verbose"
