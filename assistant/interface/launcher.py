"""The `kb` program's entry point.

`kb ask --json` is what an editor runs for every lookup, and typer (with click and pydantic under
it) takes about 0.4 s to import and start: more than answering an exact error signature does. So a
plain `kb ask --json` (the query as words, `-` or `--file`, with `-k`, `--index`, `--model`) is
parsed here with the standard library and answered through a running server or in this process.
Every other command line goes to the typer app in assistant.interface.cli, and so does a plain one that hits
any problem (unreadable input, an unusable query or index), so that each error message and exit
code has one home.
"""

from __future__ import annotations

import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.interface.client import Answerer
from assistant.answering.query import QueryError

if TYPE_CHECKING:
    from assistant.answering.engine import Engine

EXIT_NO_MATCH = 1
MAX_K = 20
_VALUE_OPTIONS = {"-k": "k", "--file": "file", "-f": "file", "--index": "index", "--model": "model"}


@dataclass(frozen=True)
class PlainAsk:
    words: tuple[str, ...]
    file: Path | None = None
    k: int = 1
    index: Path | None = None
    model: Path | None = None


class _ForTheCli(Exception):
    """The request goes to the typer CLI, which owns its error message and exit code."""


def main() -> None:
    """`kb`: a plain `kb ask --json` is answered here, everything else by the typer app."""
    request = plain_json_ask(sys.argv[1:])
    if request is not None:
        code = answer(request)
        if code is not None:
            sys.exit(code)
    from assistant.interface.cli import app

    app(prog_name="kb")


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
    k = values.get("k", "1")
    if not as_json or not k.isdigit() or not 1 <= int(k) <= MAX_K:
        return None
    model = values.get("model") or os.environ.get("KB_MODEL")
    return PlainAsk(tuple(words), _path(values.get("file")), int(k), _path(values.get("index")), _path(model))


def answer(request: PlainAsk) -> int | None:
    """Print the JSON answer and return the exit code; None hands the request to the typer CLI."""
    raw_stdin = None
    try:
        if request.file is not None:
            text = _decode(_read_file(request))
        elif request.words in ((), ("-",)):
            raw_stdin = _read_stdin(request)
            text = _decode(raw_stdin)
        else:
            text = " ".join(request.words)
        result = Answerer(request.index, request.model, lambda: _open_engine(request)).ask(text, request.k)
    except (_ForTheCli, QueryError):
        if raw_stdin is not None:  # the CLI reads the same input again
            sys.stdin = io.TextIOWrapper(io.BytesIO(raw_stdin), encoding="utf-8")
        return None
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["match"] == "confident" else EXIT_NO_MATCH


def _read_file(request: PlainAsk) -> bytes:
    if request.words:
        raise _ForTheCli
    try:
        return request.file.read_bytes()
    except OSError:
        raise _ForTheCli from None


def _read_stdin(request: PlainAsk) -> bytes:
    if sys.stdin is None or (sys.stdin.isatty() and not request.words):
        raise _ForTheCli
    return sys.stdin.buffer.read()


def _decode(raw: bytes) -> str:
    if b"\x00" in raw:
        raise _ForTheCli
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _ForTheCli from None


def _open_engine(request: PlainAsk) -> Engine:
    from kb.embedding import ModelError, SentenceTransformerEmbedder
    from kb.store import StoreError

    from assistant.answering.engine import Engine

    try:
        return Engine.open(request.index, embedder=SentenceTransformerEmbedder(request.model))
    except (StoreError, ModelError):
        raise _ForTheCli from None


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
