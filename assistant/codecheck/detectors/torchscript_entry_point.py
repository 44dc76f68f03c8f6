"""A TorchScript entry point (`torch.jit.script`, `trace`, `trace_module`, `save`, `load`, or
`@torch.jit.script` on a function): current torch warns on each that it is deprecated ("Please
switch to `torch.compile` or `torch.export`"). It still works, so any other finding comes first."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted
from assistant.codecheck.detectors import Hit, needs_attributes

name = "torchscript-entry-point"
incidental = True  # a deprecation warning, beside whatever else the pasted code shows
REPLACEMENT = {"script": "torch.compile or torch.export", "trace": "torch.compile or torch.export",
               "trace_module": "torch.compile or torch.export", "save": "torch.export.save",
               "load": "torch.export.load"}


@needs_attributes(*REPLACEMENT)
def check(code: Code) -> Iterator[Hit]:
    decorators = [d for f in code.functions for d in f.decorator_list if not isinstance(d, ast.Call)]
    for node in sorted([*code.calls, *decorators], key=lambda n: (n.lineno, n.col_offset)):
        spelled = node.func if isinstance(node, ast.Call) else node
        api = (code.resolved(spelled) or "").removeprefix("torch.jit.")
        if api in REPLACEMENT and "." not in api:
            yield Hit.at(code, node, f"{dotted(spelled)}: TorchScript is deprecated and torch.jit.{api} warns so on "
                         f"every call; it still works, and new code should use {REPLACEMENT[api]}", {"api": api})
