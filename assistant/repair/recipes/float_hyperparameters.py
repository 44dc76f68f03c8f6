"""Optimizers check their hyperparameters with comparisons such as `0.0 <= lr`; a value that
arrived as text (argparse without `type=float`, a YAML `1e-3` that the loader kept as a string,
an environment variable, a configparser or JSON value) fails that check. Converting where the
configuration enters the program is the entry's fix, so the recipe follows each hyperparameter
of the failing optimizer call (keyword or positional, `betas` element by element) back through
names, `self.` attributes and function parameters (to what every caller passes) to where the
value comes from:

- an argparse option without a type (on the parser that was parsed, also through a helper
  returning `parser.parse_args(...)`) gets `type=float`;
- a string literal written in the code (`"lr": "1e-3"`, `LR = "3e-4"`) becomes the number;
- a lookup in a configuration (`cfg["lr"]`, `section.get("lr")`, `os.environ.get("LR", ...)`,
  the field of a config object whose value the code does not show) is wrapped in `float(...)`
  where it is read, the first place the value enters the code.

A value whose origin the code does not show (an undefined name, a loop variable) is left alone:
nothing says it is text.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import returned
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, keyword, kind_of, positional
from assistant.repair.recipes._values import _destination, _field, _item, definitions

name = "float-hyperparameters"
_NUMERIC = ("lr", "weight_decay", "momentum", "eps", "dampening", "alpha", "lr_decay", "rho", "betas",
            "initial_accumulator_value", "max_lr", "lambd", "t0")
_NOT_VALUES = ("store_true", "store_false", "count", "store_const", "help", "version")
_OPTIMIZERS = frozenset({"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
                         "ASGD", "Rprop", "LBFGS", "SparseAdam", "Adafactor"})
_LOOKUPS = ("get", "getenv", "getattr", "pop", "setdefault")  # calls that read a value out of a configuration
_MAX_DEPTH = 8
Site = tuple[str, cst.CSTNode]  # ("type", add_argument call) | ("number", string literal) | ("float", lookup)


@needs_failing_line
def match(problem: Problem) -> list[Site] | None:
    """Where each numeric hyperparameter of the optimizer call on the innermost failing line that
    builds one comes from, when that place can hold text."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in (call for call in script.calls_on(line) if _is_optimizer(call)):
            values = _hyperparameters(call) + _spread(script, call)
            sites = {id(node): (kind, node) for value in values for kind, node in _sites(script, value, 0)}
            if sites:
                return list(sites.values())
    return None


def apply(problem: Problem, sites: list[Site]) -> Edits:
    edits = problem.edits()
    for kind, node in sites:
        if kind == "type" and isinstance(node, cst.Call):
            edits.set_keyword(node, "type", "float")
        elif kind == "number" and isinstance(node, cst.SimpleString):
            edits.replace(node, _number(node))
        elif isinstance(node, cst.BaseExpression):
            edits.replace(node, cst.Call(cst.Name("float"), [cst.Arg(node)]))
    return edits


def _is_optimizer(call: cst.Call) -> bool:
    """`torch.optim.AdamW(...)`, `optim.SGD(...)`, `Adam(...)` imported from torch.optim."""
    return (callee(call) or "").startswith(("torch.optim.", "optim.")) or kind_of(call) in _OPTIMIZERS


def _hyperparameters(call: cst.Call) -> list[cst.BaseExpression]:
    """The values after the parameters: every positional one (lr, then momentum or betas...) and
    the numeric keywords; a tuple (`betas=(b1, b2)`) element by element."""
    values = [arg.value for arg in positional(call)[1:]]
    values += [arg.value for arg in call.args if arg.keyword is not None and arg.keyword.value in _NUMERIC]
    return [element.value for value in values for element in (value.elements if isinstance(value, cst.Tuple) else [cst.Element(value)])]


def _spread(script: Script, call: cst.Call) -> list[cst.BaseExpression]:
    """The numeric values of a config dict spread into the call (`**cfg["optim"]`, `**opt_kwargs`)
    when the code writes that dict."""
    found = []
    for arg in (arg for arg in call.args if arg.star == "**"):
        given = arg.value
        sources = ([_item(script, given, source) for source in definitions(script, given.value)]
                   if isinstance(given, cst.Subscript) else definitions(script, given))
        for source in (source for source in sources if isinstance(source, cst.Dict)):
            found += [element.value for element in source.elements if isinstance(element, cst.DictElement)
                      and isinstance(element.key, cst.SimpleString) and element.key.evaluated_value in _NUMERIC]
    return [element.value for value in found
            for element in (value.elements if isinstance(value, cst.Tuple) else [cst.Element(value)])]


def _sites(script: Script, value: cst.BaseExpression, depth: int) -> list[Site]:
    """Where the value is made, if that place may hold text (see the module docstring)."""
    if depth > _MAX_DEPTH or isinstance(value, (cst.Integer, cst.Float)):
        return []
    if isinstance(value, cst.SimpleString):
        return [("number", value)] if _is_number(value) else []
    if isinstance(value, cst.Call):
        return [("float", value)] if kind_of(value) in _LOOKUPS else []
    if isinstance(value, cst.Subscript):
        return _read(script, value, [_item(script, value, source) for source in definitions(script, value.value)], depth)
    if isinstance(value, cst.Attribute) and not (dotted(value) or "self.").startswith("self."):
        if (option := _option(script, value)) is not None:
            return [("type", option)] if _untyped(option) else []
        return _read(script, value, [_field(script, source, value.attr.value) for source in definitions(script, value.value)], depth)
    if isinstance(value, (cst.Name, cst.Attribute)):
        return [site for found in definitions(script, value) for site in _sites(script, found, depth + 1)]
    return []


def _read(script: Script, lookup: cst.BaseExpression, stored: list[cst.BaseExpression | None], depth: int) -> list[Site]:
    """A config lookup: the literal behind it when the code writes the config, else the lookup
    itself, where the text enters the program."""
    known = [value for value in stored if value is not None]
    if known and len(known) == len(stored):
        return [site for value in known for site in _sites(script, value, depth + 1)]
    return [("float", lookup)]


def _option(script: Script, attribute: cst.Attribute) -> cst.Call | None:
    """The `add_argument` storing into `args.<attr>`, on the parser whose parse_args result `args`
    holds (the call itself, or a helper of this file that returns it)."""
    parsed = [value for value in definitions(script, attribute.value) if isinstance(value, cst.Call)]
    parsed += [result for value in parsed for result in returned(script, value) if isinstance(result, cst.Call)]
    for call in (c for c in parsed if kind_of(c) in ("parse_args", "parse_known_args") and isinstance(c.func, cst.Attribute)):
        parser = dotted(call.func.value)
        for option in script.calls():
            if (kind_of(option) == "add_argument" and isinstance(option.func, cst.Attribute)
                    and dotted(option.func.value) == parser and _destination(option) == attribute.attr.value):
                return option
    return None


def _untyped(option: cst.Call) -> bool:
    """Stores the text it is given: no `type=` (or `type=str`) and an action that takes a value."""
    action = keyword(option, "action")
    if action is not None and isinstance(action.value, cst.SimpleString) and action.value.evaluated_value in _NOT_VALUES:
        return False
    given = keyword(option, "type")
    return given is None or dotted(given.value) == "str"


def _number(literal: cst.SimpleString) -> cst.BaseExpression:
    """The number the text spells, as the user wrote it (`"1e-3"` -> `1e-3`)."""
    text = str(literal.evaluated_value).strip()
    try:
        written = expr(text)
    except cst.ParserSyntaxError:
        written = None
    return written if isinstance(written, (cst.Float, cst.Integer)) else cst.Float(repr(float(text)))


def _is_number(literal: cst.SimpleString) -> bool:
    try:
        float(str(literal.evaluated_value))
    except ValueError:
        return False
    return True

