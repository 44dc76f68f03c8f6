"""A module called without an argument its forward() requires (`decoder(tokens)` for
`forward(self, tokens, hidden)`), or with a keyword it does not accept (`attention_mask=` for a plain
module): "forward() missing 1 required positional argument" / "got an unexpected keyword argument"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._signatures import Signature, called_signature, module_calls

name = "forward-args-mismatch"


def check(code: Code) -> Iterator[Hit]:
    for call in module_calls(code):
        if not (call.args or call.keywords):
            continue
        signature = called_signature(code, call)
        if signature is None or len(call.args) > len(signature.positional) and not signature.star_args:
            continue  # too many positional arguments is another detector's situation
        problem = _unexpected(call, signature) or _missing(call, signature)
        if problem is not None:
            what, argument = problem
            yield Hit.at(code, call, f"{source_of(call.func)}(...) {what} '{argument}' of {signature.owner}(): call it "
                         f"with exactly the arguments forward() declares", {"name": argument})


def _unexpected(call: ast.Call, signature: Signature) -> tuple[str, str] | None:
    if signature.star_kwargs:
        return None
    accepted = {*signature.positional, *signature.keyword_only}
    given = next((k.arg for k in call.keywords if k.arg not in accepted), None)
    return ("passes the keyword", given) if given is not None else None


def _missing(call: ast.Call, signature: Signature) -> tuple[str, str] | None:
    passed = set(signature.positional[: len(call.args)]) | {k.arg for k in call.keywords}
    missing = next((p for p in (*signature.required, *signature.required_keywords) if p not in passed), None)
    return ("leaves out the required argument", missing) if missing is not None else None
