"""A block that hands the same second argument (a padding mask, a condition) to each of its
sublayers also hands it to the feed-forward one, an `nn.Sequential(nn.Linear, nn.GELU, nn.Linear)`:
`self.ff(self.ln2(x), mask)` fails with `Sequential.forward() takes 2 positional arguments but 3
were given`. A stack of position-wise layers (Linear, activations, Dropout, LayerNorm) computes
every position from that position alone, so a mask over positions has nothing to change in it;
the entry's fix, calling the module with the arguments its forward declares, is then the whole
fix, and the recipe drops the extra arguments from that call.

Only an argument the same function also hands to another of its modules, a class of the script
whose forward uses it as a mask (`masked_fill`, `torch.where`, `attn_mask=`/`key_padding_mask=`),
is dropped. A Sequential with any other layer (a convolution, a module of the script), a condition
(which the user may have meant the stack to take), or a mask nothing else receives (one meant for
pooling this very output) needs a module that takes it, which the code must write.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._definitions import parameters
from assistant.repair.recipes._edit import Edits, Script, callee, kind_of, positional, without_arguments

name = "one-input-to-positionwise-stack"
_POSITIONWISE = frozenset({
    "Linear", "Identity", "Dropout", "LayerNorm", "RMSNorm", "ReLU", "ReLU6", "GELU", "SiLU", "Mish",
    "Tanh", "Sigmoid", "LeakyReLU", "ELU", "SELU", "CELU", "Softplus", "Hardswish", "Hardtanh", "PReLU", "GLU",
})
_MASK_KEYWORDS = ("attn_mask", "key_padding_mask", "mask", "src_key_padding_mask", "attention_mask")


@needs_calls("Sequential")
@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, list[cst.Arg]] | None:
    """(the call of the position-wise Sequential on the failing line, its extra arguments) when
    every extra argument also goes to another module call in the same function."""
    extra = _too_many(problem.facts.values)
    if not extra:
        return None
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            built = script.bindings.get(callee(call) or "")
            args = positional(call)
            if built is None or kind_of(built) != "Sequential" or len(args) != 1 + extra or len(call.args) != len(args):
                continue
            if _positionwise(built) and all(_shared(script, call, arg) for arg in args[1:]):
                return call, args[1:]
    return None


def apply(problem: Problem, found: tuple[cst.Call, list[cst.Arg]]) -> Edits:
    call, dropped = found
    edits = problem.edits()
    edits.replace(call, without_arguments(call, dropped))
    return edits


def _too_many(values: dict[str, str]) -> int:
    try:
        return int(values["given"]) - int(values["expected"])
    except (KeyError, ValueError):
        return 0


def _positionwise(sequential: cst.Call) -> bool:
    """Every layer of the Sequential is a torch.nn layer that works on each position alone."""
    layers = [arg.value for arg in sequential.args]
    return bool(layers) and all(isinstance(layer, cst.Call) and (callee(layer) or "").startswith(("nn.", "torch.nn."))
                                and kind_of(layer) in _POSITIONWISE for layer in layers)


def _shared(script: Script, call: cst.Call, arg: cst.Arg) -> bool:
    """The argument is a name the same function also passes to another module, whose forward
    uses the parameter it arrives in as a mask."""
    if not isinstance(arg.value, cst.Name):
        return False
    function = script.function_of(call)
    for other in script.calls():
        if other is call or script.function_of(other) is not function or callee(other) == callee(call):
            continue
        for index, given in enumerate(positional(other)):
            if isinstance(given.value, cst.Name) and given.value.value == arg.value.value \
                    and _used_as_mask(script, other, index):
                return True
    return False


def _used_as_mask(script: Script, call: cst.Call, index: int) -> bool:
    """The forward of the module class the call runs masks with its parameter at that position."""
    built = script.bindings.get(callee(call) or "")
    classes = [node for node in script.nodes(cst.ClassDef) if built is not None and node.name.value == kind_of(built)]
    forwards = [node for node in (classes[0].body.body if len(classes) == 1 else ())
                if isinstance(node, cst.FunctionDef) and node.name.value == "forward"]
    names = parameters(forwards[0]) if len(forwards) == 1 else []
    if index >= len(names):
        return False
    for use in m.findall(forwards[0], m.Name(names[index])):
        for parent in script.ancestors(use):
            if isinstance(parent, cst.Arg) and parent.keyword is not None and parent.keyword.value in _MASK_KEYWORDS:
                return True
            if isinstance(parent, cst.Call) and kind_of(parent) in ("masked_fill", "masked_fill_", "where"):
                return True
            if isinstance(parent, cst.SimpleStatementLine):
                break
    return False
