"""A tensor created inside a module's forward() without a device (`torch.arange(T)`,
`torch.zeros(B, H)`, `torch.tensor([...])`) in a file that moves that module to a GPU: the new tensor
is on the CPU while the weights and inputs are on the GPU, "Expected all tensors to be on the same
device". Create it with `device=x.device`."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, has_star_arguments, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._moves import moving_call, spelled
from assistant.codecheck.detectors._torch_names import module_classes

name = "tensor-made-in-forward"
FACTORIES = ("arange", "zeros", "ones", "randn", "rand", "empty", "full", "eye", "tensor", "linspace", "randint",
             "FloatTensor", "LongTensor")
FOLLOWS = ("to", "cuda", "type_as", "register_buffer")
TORCH_FACTORIES = frozenset(f"torch.{factory}" for factory in FACTORIES)


@needs_calls("to", "cuda")
def check(code: Code) -> Iterator[Hit]:
    classes = module_classes(code)
    for cls in classes.values():
        forward = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward"), None)
        if forward is None:
            continue
        moved = None
        for made in _made_without_device(code, forward):
            moved = moved or moving_call(code, cls.name, classes, device_only=True)
            if moved is None:
                break
            yield Hit.at(code, made, f"{source_of(made)} in {cls.name}.forward is created on the CPU, but "
                         f"{spelled(moved)} (line {moved.lineno}) puts the model on another device: create it "
                         f"there, e.g. {_with_device(made, forward)}", {"tensor": source_of(made)})


def _made_without_device(code: Code, forward: ast.FunctionDef) -> Iterator[ast.Call]:
    moved_names = {dotted(n.func.value) for n in code.descendants(forward, ast.Call)
                   if isinstance(n.func, ast.Attribute) and n.func.attr in FOLLOWS}
    for node in code.descendants(forward, ast.Call):
        if (code.resolved(node.func) or "") not in TORCH_FACTORIES:
            continue
        if any(k.arg == "device" for k in node.keywords) or has_star_arguments(node) or _zero_dim(node):
            continue
        parent = code.parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr in FOLLOWS:
            continue  # torch.arange(T).to(x.device)
        if isinstance(parent, ast.Assign) and any(dotted(t) in moved_names for t in parent.targets):
            continue  # pos = torch.arange(T); pos = pos.to(x.device)
        if isinstance(parent, ast.Call) and kind_of(parent) in FOLLOWS:
            continue
        yield node


def _zero_dim(call: ast.Call) -> bool:
    """`torch.tensor(0.5)`: a 0-dim CPU tensor mixes with tensors on any device."""
    return kind_of(call) == "tensor" and len(call.args) == 1 and constant(call.args[0]) is not NotImplemented


def _with_device(call: ast.Call, forward: ast.FunctionDef) -> str:
    first = forward.args.args[1].arg if len(forward.args.args) > 1 else "x"
    arguments = [*(source_of(a) for a in call.args), *(source_of(k) for k in call.keywords), f"device={first}.device"]
    return f"{source_of(call.func)}({', '.join(arguments)})"
