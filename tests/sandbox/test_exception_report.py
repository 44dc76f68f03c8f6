"""The structured exception report: frames, chain and module from the live exception, bounded against hostile ones.

Every test runs cold and warm (see conftest.py).
"""

from __future__ import annotations

import textwrap
from types import ModuleType

from assistant.sandbox import RaisedError, SandboxLimits, TracebackFrame, WarmSandbox

Sandbox = ModuleType | WarmSandbox
LIMITS = SandboxLimits(timeout_s=30)


def _error(sandbox: Sandbox, source: str) -> RaisedError:
    result = sandbox.run_source(textwrap.dedent(source), limits=LIMITS)
    assert result.status == "error", result
    assert result.error is not None
    return result.error


def test_frames_run_from_the_script_to_the_library_innermost_last(sandbox: Sandbox) -> None:
    error = _error(sandbox, """
        import json

        def load():
            return json.loads("{not json")

        load()
    """)
    assert error.frames[0] == TracebackFrame("script.py", 7, "<module>", "load()")
    assert error.frames[1] == TracebackFrame("script.py", 5, "load", 'return json.loads("{not json")')
    assert error.frames[-1].file.endswith("json/decoder.py")
    assert (error.type, error.module, error.line) == ("JSONDecodeError", "json.decoder", 5)


def test_a_torch_error_names_torch_as_its_module(sandbox: Sandbox) -> None:
    error = _error(sandbox, "import torch\ntorch.zeros(2) @ torch.zeros(3)\n")
    assert error.module == "builtins" and error.type == "RuntimeError"
    oom = _error(sandbox, "import torch\nraise torch.OutOfMemoryError('CUDA out of memory')\n")
    assert (oom.type, oom.module) == ("OutOfMemoryError", "torch")


def test_cause_and_context_are_reported_as_the_same_structure(sandbox: Sandbox) -> None:
    error = _error(sandbox, """
        def parse(text):
            try:
                return int(text)
            except ValueError as exc:
                raise KeyError("no such setting") from exc

        try:
            parse("x")
        except KeyError:
            raise RuntimeError("while handling")
    """)
    assert error.type == "RuntimeError" and error.cause is None
    assert error.context is not None and error.context.type == "KeyError" and not error.suppress_context
    cause = error.context.cause
    assert cause is not None and cause.type == "ValueError"
    assert cause.frames[-1] == TracebackFrame("script.py", 4, "parse", "return int(text)")
    assert "During handling of the above exception" in error.traceback


def test_raise_from_none_suppresses_the_context(sandbox: Sandbox) -> None:
    error = _error(sandbox, "try:\n    {}['k']\nexcept KeyError:\n    raise ValueError('clean') from None\n")
    assert error.suppress_context and error.context is not None and error.context.type == "KeyError"


def test_a_hostile_exception_cannot_flood_the_report(sandbox: Sandbox) -> None:
    """A huge message, a chain that loops, a __str__ that raises, and a traceback thousands of frames deep."""
    error = _error(sandbox, """
        import sys
        sys.setrecursionlimit(5000)

        class Loud(Exception):
            def __str__(self):
                return "x" * 10_000_000

        class Broken(Exception):
            def __str__(self):
                raise RuntimeError("no")

        def deep(n):
            if n == 0:
                first, second = Loud(), Broken()
                first.__context__, second.__context__ = second, first
                raise first
            deep(n - 1)

        deep(3000)
    """)
    assert error.type == "Loud"
    assert len(error.message) == 20_000
    assert len(error.frames) == 64 and error.frames[-1].function == "deep"
    assert error.line == 17
    assert error.context is not None and error.context.message == "<unprintable Broken object>"
    assert error.context.context is None  # the loop back to the first exception is cut
    assert len(error.traceback) <= 20_000


def test_a_syntax_error_has_its_line_and_no_frames_of_the_sandbox(sandbox: Sandbox) -> None:
    error = _error(sandbox, "print('fine')\ndef broken(:\n    pass\n")
    assert (error.type, error.line, error.module) == ("SyntaxError", 2, "builtins")
    assert all("bootstrap" not in frame.file for frame in error.frames)


def test_a_message_of_a_str_subclass_is_kept_as_plain_text(sandbox: Sandbox) -> None:
    """DataLoader re-raises a worker's KeyError with a str subclass as its message; its text is the
    user's error and must not come back as '<unprintable KeyError object>'."""
    error = _error(sandbox, """
        class Message(str):  # as torch._utils.KeyErrorMessage: str(KeyError(m)) returns m itself
            def __repr__(self):
                return self

            def __getitem__(self, index):
                raise RuntimeError("hostile slicing")
        raise KeyError(Message("Caught KeyError in DataLoader worker process 0."))
    """)
    assert error.type == "KeyError"
    assert "Caught KeyError in DataLoader worker process 0." in error.message
