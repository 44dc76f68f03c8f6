"""nn.Sequential passes one value from layer to layer, so a stack whose first layer takes several
inputs (`nn.Sequential(MaskedMeanPool(), nn.LayerNorm(d))`, a pooling that needs the mask, a
block that needs a condition) cannot be called with them: `self.pool(h, mask)` fails with
`Sequential.forward() takes 2 positional arguments but 3 were given`. The entry's fix is to call
each module with the inputs its forward declares: the first layer gets them all, and the layers
after it get its output, `self.pool[1](self.pool[0](h, mask))` (`self.pool[1:]` for several). The
layers keep their names, so checkpoints still load.

Taken only when the first layer is a module class of the file whose forward takes exactly the
inputs given, and every later layer takes one input (a torch layer, or a class of the file whose
forward takes one); a stack of blocks that all take the inputs is loop-over-blocks' case.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, expr, kind_of, positional
from assistant.repair.recipes.loop_over_blocks import _layers, _takes

name = "inputs-to-first-layer"


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, int] | None:
    """(the call of the Sequential with several inputs, how many layers it holds)."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            built = script.bindings.get(callee(call) or "")
            if built is None or kind_of(built) != "Sequential" or any(arg.star or arg.keyword for arg in call.args):
                continue
            layers, inputs = _layers(script, built), len(positional(call))
            if inputs >= 2 and len(layers) >= 2 and len(layers) == len(built.args) and _takes(script, layers[0], inputs) \
                    and all(_takes_one(script, layer) for layer in layers[1:]):
                return call, len(layers)
    return None


def apply(problem: Problem, found: tuple[cst.Call, int]) -> Edits:
    call, count = found
    script, edits = problem.script, problem.edits()
    stack = script.code(call.func)
    rest = f"{stack}[1]" if count == 2 else f"{stack}[1:]"
    edits.replace(call, expr(f"{rest}({stack}[0]({', '.join(script.code(arg.value) for arg in call.args)}))"))
    return edits


def _takes_one(script: Script, layer: cst.Call) -> bool:
    """A layer that takes one input: a class of the file whose forward takes one, or a library layer."""
    defined = {node.name.value for node in script.nodes(cst.ClassDef)}
    return _takes(script, layer, 1) if kind_of(layer) in defined else True
