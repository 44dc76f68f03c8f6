"""A module built on the meta device and loaded with `load_state_dict(sd, assign=True)` takes every
tensor of the checkpoint, but a buffer registered with `persistent=False` (a positional or rotary
table its constructor computes) is never in a checkpoint: it stays on meta, and the first
`.numpy()`, `.cpu()` or `.item()` of it fails. The entry's pitfall says to recompute such tables;
the constructor is what computes them, so the recipe builds the module on the CPU instead of on
meta, where the code names the meta device for that build (the literal, or the config value the
`with torch.device(...)` block reads). The load then assigns the checkpoint's tensors as before
and the table is the one the constructor computed.

Only a build whose class registers a non-persistent buffer and is then loaded with assign=True is
changed; the meta device named anywhere else is left alone.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, keyword, kind_of, positional
from assistant.repair.recipes._models import module_classes
from assistant.repair.recipes._state_dicts import is_load_state_dict
from assistant.repair.recipes._values import settings

name = "build-on-cpu-for-unsaved-buffers"


@needs_calls("register_buffer")
def match(problem: Problem) -> list[cst.SimpleString] | None:
    """The "meta" literals that name the device of a `with torch.device(...)` block building such
    a module."""
    script = problem.script
    unsaved = _classes_with_unsaved_buffers(script)
    assigned = {dotted(call.func.value) for call in script.calls() if is_load_state_dict(call) and _assigns(call)}
    found = []
    for block in script.nodes(cst.With):
        devices = [positional(item.item)[0].value for item in block.items if isinstance(item.item, cst.Call)
                   and kind_of(item.item) == "device" and len(positional(item.item)) == 1]
        built = [target for node in m.findall(block.body, m.Assign(value=m.Call())) if isinstance(node, cst.Assign)
                 and kind_of(node.value) in unsaved for target in node.targets]
        if len(devices) != 1 or not built or not any(dotted(target.target) in assigned for target in built):
            continue
        literals = settings(script, devices[0])
        if literals and all(isinstance(value, cst.SimpleString) and value.evaluated_value == "meta" for value in literals):
            found += literals
    return list(dict.fromkeys(found)) or None


def apply(problem: Problem, literals: list[cst.SimpleString]) -> Edits:
    edits = problem.edits()
    for literal in literals:
        edits.replace(literal, expr(literal.value.replace("meta", "cpu")))
    return edits


def _classes_with_unsaved_buffers(script: Script) -> set[str]:
    """The module classes of the file whose body registers a buffer with persistent=False."""
    found = set()
    for node in script.nodes(cst.ClassDef):
        if node.name.value in module_classes(script) and any(
                kind_of(call) == "register_buffer" and _flag_false(keyword(call, "persistent"))
                for call in m.findall(node, m.Call()) if isinstance(call, cst.Call)):
            found.add(node.name.value)
    return found


def _assigns(load: cst.Call) -> bool:
    flag = keyword(load, "assign")
    return flag is not None and isinstance(flag.value, cst.Name) and flag.value.value == "True"


def _flag_false(arg: cst.Arg | None) -> bool:
    return arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "False"
