"""What the checkpoint recipes share: the `load_state_dict` calls a traceback points at, the keys
a load error lists, and the names under which training scripts keep a model's weights.
The module name starts with `_`, so the registry does not take it for a recipe.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes._edit import Script, positional

# Keys under which checkpoints conventionally hold the model's weights. EMA copies, generators and
# discriminators are left out on purpose: which of several models to load is the user's choice.
WEIGHT_KEYS = ("model_state_dict", "state_dict", "model", "net", "network", "weights", "params")
_QUOTED = re.compile(r'"([^"]+)"')


def is_load_state_dict(call: cst.Call) -> bool:
    """`x.load_state_dict(weights, ...)`: a module's (or optimizer's) load with its weights argument."""
    return (isinstance(call.func, cst.Attribute) and call.func.attr.value == "load_state_dict"
            and bool(positional(call)))


def failing_loads(script: Script, lines: Sequence[int]) -> list[cst.Call]:
    """The load_state_dict calls on the innermost failing line that has one, else all of them."""
    return script.at_failure([call for call in script.calls() if is_load_state_dict(call)], lines)


def listed_keys(message: str, heading: str) -> list[str]:
    """The quoted keys a load error lists after `heading` (`Unexpected key(s) in state_dict:`),
    up to the end of that line."""
    if heading not in message:
        return []
    return _QUOTED.findall(message.split(heading, 1)[1].split("\n", 1)[0])
