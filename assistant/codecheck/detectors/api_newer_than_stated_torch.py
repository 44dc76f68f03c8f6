"""Code that uses a torch API added in a later release than the torch its own comments say it runs on
(`# cluster node: torch 1.12.1`, `# torch==1.13`, `# module load pytorch/1.12`) while calling
`torch.compile` (2.0) or `torch.amp.GradScaler` (2.3): "module 'torch' has no attribute 'compile'".
The releases come from the api_drift table's `added` rows; a file that states no torch release, or
states two, is not judged."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._drift import added_rows, release

name = "api-newer-than-stated-torch"
# `torch 1.12.1`, `torch==1.12`, `pytorch/1.12`, `PyTorch v1.12`, `torch version 1.12.1+cu113`
_STATED = re.compile(r"\b(?:py)?torch(?:\s+version)?\s*(?:==|=|/|\s)\s*v?(?P<version>\d+\.\d+(?:\.\d+)?)(?!\d)",
                     re.I)


@precondition(lambda code: "torch" in code.source)
def check(code: Code) -> Iterator[Hit]:
    stated = {found["version"] for comment in code.comments.values() for found in _STATED.finditer(comment)}
    if len({release(version)[:2] for version in stated}) != 1:
        return  # `torch 1.12.1` and `pytorch/1.12` are one release; 1.12 and 2.1 are not
    version = max(stated, key=len)
    installed, added = release(version), added_rows()
    for node in code.nodes_of(ast.Attribute, ast.ImportFrom):
        if isinstance(code.parents.get(node), ast.Attribute):
            continue  # `torch.amp` inside `torch.amp.GradScaler`: the whole chain is looked up once
        symbol = _added_symbol(code, node, added)
        if symbol is not None and added[symbol] > installed:
            first = ".".join(map(str, added[symbol]))
            yield Hit.at(code, node, f"{symbol} was added in torch {first}, and the comments say this runs on torch "
                         f"{version}: there it raises \"module has no attribute '{symbol.rpartition('.')[2]}'\"; "
                         f"upgrade torch (with torchvision and torchaudio) to {first} or later",
                         {"name": symbol.rpartition(".")[2], "version": version})


def _added_symbol(code: Code, node: ast.AST, added: dict[str, tuple[int, ...]]) -> str | None:
    """The longest prefix that the table lists as added of the chain the node spells (`torch.amp.GradScaler`),
    or of a name it imports (`from torch.amp import GradScaler`)."""
    if isinstance(node, ast.ImportFrom):
        names = [f"{node.module}.{alias.name}" for alias in node.names] if node.module and not node.level else []
    else:
        names = [code.resolved(node) or ""]
    for spelled in names:
        while spelled.count("."):
            if spelled in added:
                return spelled
            spelled = spelled.rpartition(".")[0]
    return None
