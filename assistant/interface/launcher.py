"""The `kb` program's entry point.

`kb ask --json` is what an editor runs for every lookup, and typer (with click and rich under it)
takes longer to import than answering an exact error signature does. So a plain `kb ask --json`
(the query as words, `-` or `--file`, with `-k`, `--index`, `--model`) is recognised here and
answered through a running server or in this process, with only the standard library loaded until
an engine is needed. Reading the query and checking `k` are assistant.interface.query_input's, as
for every other front end; errors are one line and the exit codes of assistant.interface.wire.
Every other command line (help, --batch, --run, human output, other commands) goes to the typer
app in assistant.interface.cli.
"""

from __future__ import annotations

import gc
import os
import sys
from collections import namedtuple
from pathlib import Path

from assistant.interface import wire
from assistant.interface.query_input import InputError, k_option, read_query, stdin_bytes
from assistant.interface.terminal import print_error

_VALUE_OPTIONS = {"-k": "k", "--file": "file", "-f": "file", "--index": "index", "--model": "model"}

# A `kb ask --json` command line as typed (k a string, paths or None); values are checked when it
# is answered. A namedtuple, as dataclasses would cost this start-up more than the rest of it.
PlainAsk = namedtuple("PlainAsk", "words file k index model", defaults=(None, "1", None, None))


class _CannotAnswer(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def main() -> None:
    """`kb`: a plain `kb ask --json` or `kb lint` is answered here, everything else by the typer app
    (whose import costs more than linting a file does)."""
    request = plain_json_ask(sys.argv[1:])
    if request is not None:
        sys.exit(answer(request))
    if sys.argv[1:2] == ["lint"]:
        gc.disable()  # a plain lint is a short process whose objects are freed by reference counting; see below
        from assistant.interface.lint_command import plain_lint

        if (code := plain_lint(sys.argv[1:])) is not None:
            sys.exit(code)
        gc.enable()  # --fix and the rest run the typer app, the engine and scripts: a long life, with cycles
    from kb.store import StoreError

    from assistant.interface.cli import app

    try:
        app(prog_name="kb")
    except StoreError as error:  # an index that fails in the middle of any command (a full disk): one line
        print_error(str(error))
        sys.exit(wire.EXIT_INDEX)


def plain_json_ask(args: list[str]) -> PlainAsk | None:
    """The request of `kb ask --json ...` when every argument is of the plain kind, else None."""
    if args[:1] != ["ask"]:
        return None
    values: dict[str, str] = {}
    words: list[str] = []
    as_json = False
    rest = iter(args[1:])
    for arg in rest:
        name, equals, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if arg == "--json":
            as_json = True
        elif name in _VALUE_OPTIONS:
            value = inline if equals else next(rest, None)
            if value is None:
                return None
            values[_VALUE_OPTIONS[name]] = value
        elif arg == "-" or not arg.startswith("-"):
            words.append(arg)
        else:
            return None
    if not as_json:
        return None
    model = values.get("model") or os.environ.get("KB_MODEL")
    return PlainAsk(tuple(words), _path(values.get("file")), values.get("k", "1"), _path(values.get("index")),
                    _path(model))


def answer(request: PlainAsk) -> int:
    """Print the JSON answer (or one error line) and return the exit code."""
    from assistant.interface.client import Answerer, IndexUnusable, QueryRefused  # its socket imports: not for kb lint

    try:
        k = k_option(request.k)
        text = read_query(request.words, request.file, stdin_bytes())
        result = Answerer(request.index, request.model, lambda: _open_engine(request)).ask(text, k)
    except (InputError, QueryRefused) as error:
        print_error(str(error))
        return wire.EXIT_BAD_INPUT
    except _CannotAnswer as error:
        print_error(str(error))
        return error.code
    except IndexUnusable as error:
        print_error(str(error))
        return wire.EXIT_INDEX
    print(wire.dumps(result))
    return wire.ask_exit_code(result)


def _open_engine(request: PlainAsk):  # -> assistant.answering.engine.Engine (not imported to say so)
    from kb.embedding import ModelError, SentenceTransformerEmbedder
    from kb.store import StoreError

    from assistant.answering.engine import Engine

    try:
        return Engine.open(request.index, embedder=SentenceTransformerEmbedder(request.model))
    except (StoreError, ModelError) as error:
        raise _CannotAnswer(str(error), wire.EXIT_INDEX) from None


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
