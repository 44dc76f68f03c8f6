"""A checkpoint saved from nn.DataParallel / DistributedDataParallel names every key `module.<key>`,
one saved from a torch.compile'd model `_orig_mod.<key>`. A plain model expects `<key>`, so
load_state_dict reports every key missing and unexpected. Stripping the prefix while loading
matches the keys again and keeps strict loading (strict=False would silently load nothing).
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts
from assistant.repair.recipes._edit import Script, expr, find_facts, positional

name = "strip-state-dict-prefix"
PATTERNS = ("Unexpected key(s) in state_dict: {*}\"{prefix}.",)
PREFIXES = ("module.", "_orig_mod.")


def match(tree: cst.Module, facts: Facts) -> bool:
    return bool(_prefixes(facts)) and "load_state_dict(" in tree.code


def apply(source: str, facts: Facts) -> str | None:
    prefixes = _prefixes(facts)
    script = Script(source)
    loads = [call for call in script.calls() if _is_load(call)]
    for line in facts.innermost_first:
        if on_line := [call for call in loads if script.span(call)[0] <= line <= script.span(call)[1]]:
            loads = on_line
            break
    for call in loads:
        state = positional(call)[0].value
        stripped = "k" + "".join(f'.removeprefix("{prefix}")' for prefix in prefixes)
        items = script.with_method(state, "items()")
        script.replace(state, expr(f"{{{stripped}: v for k, v in {script.code(items)}}}"))
    return script.result()


def _prefixes(facts: Facts) -> tuple[str, ...]:
    """The wrapper prefixes the unexpected keys carry, in the order they are nested."""
    if find_facts(facts.message, PATTERNS) is None:
        return ()
    unexpected = facts.message.split("Unexpected key(s) in state_dict:", 1)[1]
    return tuple(prefix for prefix in PREFIXES if f'"{prefix}' in unexpected or f'.{prefix}' in unexpected)


def _is_load(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "load_state_dict" and bool(positional(call))
