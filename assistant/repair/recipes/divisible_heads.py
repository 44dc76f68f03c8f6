"""Multi-head attention cuts embed_dim into num_heads equal slices, so the constructor refuses a
head count that does not divide the width. The entry's fix picks a head count that divides d_model;
this recipe takes the largest divisor not above the requested count (100 features and 8 heads
become 5 heads of 20), so the model width, and every layer built from it, stays as designed.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._edit import (
    Edits, Script, callee, constants, dotted, evaluate, keyword, kind_of, positional,
)
from assistant.repair.recipes._values import integer

name = "divisible-heads"
# the layers that build attention, with their width and head-count parameter names
LAYERS = {"MultiheadAttention": ("embed_dim", "num_heads"), "TransformerEncoderLayer": ("d_model", "nhead"),
          "TransformerDecoderLayer": ("d_model", "nhead"), "Transformer": ("d_model", "nhead")}
_TRANSFORMER_DEFAULTS = {"d_model": 512, "nhead": 8}


@needs_calls(*LAYERS)
@needs_failing_line
def match(problem: Problem) -> tuple[cst.Arg, int] | None:
    """The head-count argument of the attention built on the failing line, and the count to use."""
    script = problem.script
    env = constants(script) | _argparse_defaults(script)
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if kind_of(call) not in LAYERS:
                continue
            width_name, heads_name = LAYERS[kind_of(call)]
            width, heads = _argument(call, width_name, 0), _argument(call, heads_name, 1)
            width_value = _value(script, width.value, env) if width else _TRANSFORMER_DEFAULTS.get(width_name)
            heads_value = _value(script, heads.value, env) if heads else None
            if heads is None or not width_value or not heads_value or width_value % heads_value == 0:
                return None
            return heads, max(h for h in range(1, heads_value + 1) if width_value % h == 0)
    return None


def apply(problem: Problem, found: tuple[cst.Arg, int]) -> Edits:
    argument, heads = found
    edits = problem.edits()
    edits.replace(argument.value, cst.Integer(str(heads)))
    return edits


def _argument(call: cst.Call, word: str, position: int) -> cst.Arg | None:
    args = positional(call)
    return keyword(call, word) or (args[position] if len(args) > position else None)


def _value(script: Script, node: cst.BaseExpression, env: dict[str, int]) -> int | None:
    """The integer a size expression has: a constant, or a parameter every caller passes the same
    constant for (`SensorEncoder(6, args.d_model)` gives `d_model` in `__init__`), else what the
    general follower reads (config dicts, config classes: `cfg["heads"]`, `Config().heads`)."""
    if (value := evaluate(node, env)) is not None:
        return value
    passed = _passed_by_callers(script, node, env) if isinstance(node, cst.Name) else None
    return passed if passed is not None else integer(script, node)


def _passed_by_callers(script: Script, node: cst.Name, env: dict[str, int]) -> int | None:
    """The one integer every call of the enclosing function (its class, for `__init__`) passes
    for the parameter `node` names."""
    function = script.function_of(node)
    params = [param.name.value for param in function.params.params] if function is not None else []
    if node.value not in params:
        return None
    called = function.name.value
    if called == "__init__":
        owner = next((a for a in script.ancestors(function) if isinstance(a, cst.ClassDef)), None)
        called = owner.name.value if owner is not None else called
    offset = 1 if params[:1] == ["self"] else 0
    index = params.index(node.value) - offset
    passed = {_given(script, arg.value, env) if arg is not None else None
              for call in script.calls() if callee(call) == called
              for arg in [_argument(call, node.value, index)]}
    return passed.pop() if len(passed) == 1 else None


def _given(script: Script, node: cst.BaseExpression, env: dict[str, int]) -> int | None:
    value = evaluate(node, env)
    return value if value is not None else integer(script, node)


def _argparse_defaults(script: Script) -> dict[str, int]:
    """`args.heads` for every `parser.add_argument("--heads", type=int, default=8)`, under each name
    the parsed namespace is bound to (`args = parser.parse_args()`)."""
    defaults: dict[str, int] = {}
    for call in script.calls():
        default = keyword(call, "default")
        if kind_of(call) != "add_argument" or default is None or not isinstance(default.value, cst.Integer):
            continue
        flags = [arg.value.evaluated_value for arg in positional(call) if isinstance(arg.value, cst.SimpleString)]
        dest = keyword(call, "dest")
        names = [dest.value.evaluated_value] if dest is not None and isinstance(dest.value, cst.SimpleString) else [
            flag.lstrip("-").replace("-", "_") for flag in flags if flag.startswith("--")][:1]
        defaults.update({name: int(default.value.evaluated_value) for name in names})
    parsing = {"parse_args", "parse_known_args"} | _functions_returning_parsed(script)
    namespaces = {dotted(target.target) for node in script.nodes(cst.Assign) if isinstance(node.value, cst.Call)
                  and kind_of(node.value) in parsing for target in node.targets}
    return {f"{space}.{name}": value for space in namespaces if space for name, value in defaults.items()}


def _functions_returning_parsed(script: Script) -> set[str]:
    """The functions of the file that hand back the parsed namespace (`def get_args(): ...
    return parser.parse_args()`, or a name bound to it), so `args = get_args()` holds the defaults."""
    found = set()
    for function in script.nodes(cst.FunctionDef):
        parsed = {dotted(target.target) for node in script.nodes(cst.Assign) if script.function_of(node) is function
                  and isinstance(node.value, cst.Call) and kind_of(node.value) in ("parse_args", "parse_known_args")
                  for target in node.targets}
        for node in script.nodes(cst.Return):
            value = node.value
            if script.function_of(node) is function and value is not None and (
                    isinstance(value, cst.Call) and kind_of(value) in ("parse_args", "parse_known_args")
                    or dotted(value) in parsed - {None}):
                found.add(function.name.value)
    return found
