"""Reading a query and validating an ask request: the one home of these rules for every front end
(the fast `kb ask --json` launcher, the typer CLI, `kb ask --batch` lines and `kb serve`).

What is checked here is the request's form: where the text comes from, that it is UTF-8 text and
not binary data, and that `k` is a whole number from 1 to MAX_K. What the text says (empty, too
long, no error in it) is for assistant.answering.query to judge. Only the standard library is
imported, so the launcher that answers a plain `kb ask --json` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import BinaryIO, NamedTuple

MAX_K = 20
DEFAULT_K = 1


class InputError(ValueError):
    """Input that cannot be used, in one line for the user; `kb` exits 2 for it."""


class AskRequest(NamedTuple):  # (not a dataclass: importing dataclasses costs the fast path ~10 ms)
    text: str
    k: int = DEFAULT_K


def k_option(value: str) -> int:
    """`-k` as typed on the command line."""
    if not value.strip().isdecimal():
        raise InputError(f"-k must be a whole number from 1 to {MAX_K}, not {value!r}")
    return k_value(int(value))


def k_value(value: object) -> int:
    """`k` as it comes in a JSON request: an integer (true and 3.0 are not), from 1 to MAX_K."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_K:
        raise InputError(f'"k" must be a whole number from 1 to {MAX_K}, not {json.dumps(value)}')
    return value


def read_query(words: list[str] | tuple[str, ...], file: Path | None, stdin: BinaryIO | None) -> str:
    """The query of `kb ask`: the words, the file's text, or stdin when the words are none or `-`."""
    if file is not None:
        if words:
            raise InputError("give the query as arguments or with --file, not both")
        return decode(read_file(file), str(file))
    if not words or list(words) == ["-"]:
        if stdin is None or (not words and stdin.isatty()):
            raise InputError("no query: pass it as arguments, with --file, or on stdin")
        return decode(stdin.read(), "stdin")
    return " ".join(words)


def stdin_bytes() -> BinaryIO | None:
    """This process's stdin as bytes, or None when it has none (a daemon, a closed descriptor)."""
    return sys.stdin.buffer if sys.stdin is not None else None


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or error})") from None


def decode(raw: bytes, where: str) -> str:
    """Text as UTF-8; binary data and other encodings are refused rather than guessed at."""
    if b"\x00" in raw:
        raise InputError(f"{where}: binary data, not text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{where}: not UTF-8 text (byte {error.start})") from None


def json_request(request: object, default_k: int = DEFAULT_K) -> AskRequest:
    """An ask as a JSON object, {"q": TEXT, "k": N}: a batch line or a server request."""
    if not isinstance(request, dict):
        raise InputError('expected a JSON object {"q": "..."}')
    text = request.get("q")
    if not isinstance(text, str):
        raise InputError('"q" must be a string: expected a JSON object {"q": "..."}')
    return AskRequest(text, k_value(request["k"]) if "k" in request else default_k)


def batch_line(line: bytes, default_k: int) -> AskRequest:
    """One line of `kb ask --batch` input."""
    text = decode(line, "the line")
    try:
        request = json.loads(text)
    except ValueError:
        raise InputError('not JSON: expected a JSON object {"q": "..."}') from None
    return json_request(request, default_k)
