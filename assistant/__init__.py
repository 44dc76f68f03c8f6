"""kb's assistant as a library: answer a pasted error, question or code; fix a script and prove it.

    from assistant import Engine, fix_source
    engine = Engine.open()                      # the default index (shipped corpus + ingested docs)
    answer = engine.ask("RuntimeError: running_mean should contain 40 elements not 128")
    report = fix_source(open("train.py").read(), engine=engine, verify=True)
    print(answer.to_json(), report.verdict)

The CLI (assistant.interface) and the server sit on these names. They are imported on first
use, so that importing this package (as `kb --help` does) loads neither torch nor the model.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Engine": "assistant.answering.engine",
    "Answer": "assistant.answering.answer",
    "ErrorReport": "assistant.answering.error_model",
    "ParsedQuery": "assistant.answering.query",
    "QueryError": "assistant.answering.query",
    "parse_query": "assistant.answering.query",
    "FixReport": "assistant.repair.fix",
    "fix_source": "assistant.repair.fix",
    "check_corpus": "assistant.repair.corpus_check",
    "SandboxLimits": "assistant.sandbox",
    "SandboxResult": "assistant.sandbox",
    "WarmSandbox": "assistant.sandbox",
    "run_source": "assistant.sandbox",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
