"""Since PyTorch 2.0 `torch.distributed.launch` passes `--local-rank=N` (hyphen), where 1.x passed
`--local_rank=N`; argparse takes them for two options, so a script declaring only the old one
stops with a usage error on every rank. torchrun passes no option at all and sets LOCAL_RANK.
The documented fix declares both spellings (argparse stores both under `args.local_rank`) and
defaults to LOCAL_RANK, so the script starts under either launcher and each process gets its
own rank; a `required=True` goes, since torchrun never passes the option.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import (Edits, Script, expr, imported_modules, keyword, kind_of, positional,
                                            statement, with_keyword, without_keywords)

name = "local-rank-both-spellings"
OLD, NEW = "--local_rank", "--local-rank"


def match(problem: Problem) -> list[cst.Call] | None:
    """The `add_argument` calls that declare `--local_rank` but not `--local-rank`."""
    found = [call for call in problem.script.calls() if kind_of(call) == "add_argument"
             and OLD in (flags := _flags(call)) and NEW not in flags]
    return found or None


def apply(problem: Problem, options: list[cst.Call]) -> Edits:
    script, edits = problem.script, problem.edits()
    for call in options:
        edits.replace(call, _both_spellings(script, call))
    if "os" not in imported_modules(script):
        edits.insert_after_imports(statement("import os"))
    return edits


def _both_spellings(script: Script, call: cst.Call) -> cst.Call:
    """`add_argument("--local-rank", "--local_rank", ..., default=int(os.environ.get("LOCAL_RANK", d)))`,
    d being the script's own default (0 when it had none)."""
    old = next(arg for arg in positional(call) if _flag(arg) == OLD)
    new = old.with_changes(value=cst.SimpleString(_quoted(old, NEW)),
                           comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    args = [part for arg in call.args for part in ((new, arg) if arg is old else (arg,))]
    changed = call.with_changes(args=args)
    default = keyword(call, "default")
    fallback = script.code(default.value) if default is not None else "0"
    from_environment = f'int(os.environ.get("LOCAL_RANK", {fallback}))'
    if default is not None:
        changed = changed.with_changes(args=[arg.with_changes(value=expr(from_environment)) if arg.keyword is not None
                                             and arg.keyword.value == "default" else arg for arg in changed.args])
    else:
        changed = with_keyword(changed, "default", from_environment)
    return without_keywords(changed, ("required",))


def _flags(call: cst.Call) -> list[str]:
    return [flag for arg in positional(call) if (flag := _flag(arg))]


def _flag(arg: cst.Arg) -> str | None:
    return arg.value.evaluated_value if isinstance(arg.value, cst.SimpleString) else None


def _quoted(arg: cst.Arg, text: str) -> str:
    """The text in the quotes the script used."""
    return f"{arg.value.quote}{text}{arg.value.quote}"
