"""One error, built once: from the live exception (the sandbox's report of a run) or from the text
a user pasted (assistant.answering.query). Retrieval, the answer's facts, the harness and the fix
recipes all read this object; nothing downstream parses traceback text again.

An `ErrorReport` is one exception with its frames (outermost first, as Python prints them) and
the exceptions before it in the same chain (`earlier`): the one it was raised from (`cause`), the
one being handled when it happened (`context`), or the worker/rank failure a wrapper re-raised
(`wrapped`). A pasted log can hold several such chains; `chain` lists every link, root first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from assistant.sandbox import RaisedError

Link = Literal["cause", "context", "wrapped", "log"]

_LAYER_FILE = re.compile(r"torch/nn/(?:modules|utils)/(?P<layer>\w+)\.py$")
_LIBRARY_PARTS = ("/torch/", "site-packages", "dist-packages", "/lib/python")
# Exceptions that only report that something else failed: the failure they carry is the one to explain.
_WRAPPER_MESSAGES = re.compile(
    r"^Caught \w+ in (?:DataLoader worker process|replica) \d+|"
    r"^The following operation failed in the TorchScript interpreter"
)
_WRAPPER_TYPES = frozenset({"ChildFailedError"})
_USAGE_LINE = re.compile(r"^\S+: error: (?P<reason>.+)$")  # argparse's last words before SystemExit(2)
# The package a library frame belongs to: site-packages/pandas/..., or the standard library's json/...
_PACKAGE_OF_FILE = re.compile(r"[/\\](?:site-packages|dist-packages|python3(?:\.\d+)?)[/\\](?P<package>[A-Za-z_]\w*)[/\\.]")
# Libraries that do not run on torch (other frameworks, table, plot and config libraries): an
# exception raised inside one of them, on a path that never entered torch, is that library's own.
FOREIGN_PACKAGES = frozenset({"tensorflow", "keras", "tf_keras", "jax", "jaxlib", "flax", "sklearn", "pandas",
                              "matplotlib", "yaml", "json"})


@dataclass(frozen=True)
class Frame:
    file: str
    line: int
    function: str
    code: str

    @property
    def in_library(self) -> bool:
        """torch's or another installed package's code, not the user's."""
        return any(part in self.file for part in _LIBRARY_PARTS) or self.file.startswith("<frozen")

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "function": self.function, "code": self.code}


@dataclass(frozen=True)
class ErrorReport:
    type: str
    message: str
    frames: tuple[Frame, ...] = ()
    warning: bool = False
    text: str = ""  # the traceback as it was printed, for showing only
    earlier: ErrorReport | None = None  # the previous exception of the chain
    link: Link | None = None  # how `earlier` leads to this one
    line: int | None = None  # the innermost line of the script that was run (runs only)

    @property
    def headline(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type

    @property
    def layer(self) -> str | None:
        """The torch.nn module file the error surfaced in, e.g. 'batchnorm', 'linear', 'conv'."""
        for frame in reversed(self.frames):
            if found := _LAYER_FILE.search(frame.file):
                return found["layer"]
        return None

    @property
    def user_frame(self) -> Frame | None:
        return next((frame for frame in reversed(self.frames) if not frame.in_library), None)

    @property
    def raised_elsewhere(self) -> str | None:
        """The library (pandas, tensorflow, ...) that raised this exception, when the traceback
        shows it raised inside one that does not run on torch and never passed through torch:
        then no torch entry explains it, however much its message reads like one (a missing CSV
        file, a TensorFlow import that cannot find libcudart)."""
        packages = [found["package"] for frame in self.frames if (found := _PACKAGE_OF_FILE.search(frame.file))]
        if not self.frames or not self.frames[-1].in_library or not packages or "torch" in packages:
            return None
        innermost = _PACKAGE_OF_FILE.search(self.frames[-1].file)
        return innermost["package"] if innermost and innermost["package"] in FOREIGN_PACKAGES else None

    @property
    def is_wrapper(self) -> bool:
        return self.type in _WRAPPER_TYPES or bool(_WRAPPER_MESSAGES.match(self.message))

    @property
    def chain(self) -> tuple[ErrorReport, ...]:
        """Every exception that led here, root first, this one last."""
        links: list[ErrorReport] = []
        node: ErrorReport | None = self
        while node is not None and len(links) < 64:
            links.append(node)
            node = node.earlier
        return tuple(reversed(links))

    def user_lines(self, filename: str, line_count: int) -> tuple[int, ...]:
        """Lines of the user's file `filename` in the frames, outermost first. A pasted traceback
        names the file by its full path, so names are compared; lines past the end (a harness
        appended to the file) are not the user's."""
        own = [f for f in self.frames if Path(f.file).name == filename] or [
            f for f in self.frames if not f.in_library and not f.file.startswith("<")]
        return tuple(frame.line for frame in own if frame.line <= line_count)

    def same_as(self, other: ErrorReport | None) -> bool:
        """Same type and message, and the same line when both are known: the same message raised
        further down the script (a second `.view` fixed by the same recipe) is progress."""
        if other is None or self.type != other.type or " ".join(self.message.split()) != " ".join(other.message.split()):
            return False
        return self.line is None or other.line is None or self.line == other.line

    def without_chain(self) -> ErrorReport:
        return replace(self, earlier=None, link=None)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "message": self.message}

    def to_wire(self) -> dict[str, Any]:
        """The whole report as JSON, so a client can hand a run's error to `kb serve` as it is."""
        return {"type": self.type, "message": self.message, "frames": [f.to_json() for f in self.frames],
                "warning": self.warning, "text": self.text, "line": self.line, "link": self.link,
                "earlier": self.earlier.to_wire() if self.earlier is not None else None}


_WIRE_DEPTH = 16  # chain links a wire report may carry; a deeper one is refused


def from_wire(data: Any, depth: int = _WIRE_DEPTH) -> ErrorReport:
    """The report `to_wire` wrote, checked field by field (it comes from another process).
    Raises ValueError for anything of another shape."""
    if not isinstance(data, dict) or depth <= 0:
        raise ValueError("an error report must be an object (and its chain at most 16 deep)")
    kind, message, text = (data.get(key, "") for key in ("type", "message", "text"))
    frames, line, link = data.get("frames", []), data.get("line"), data.get("link")
    if not all(isinstance(value, str) for value in (kind, message, text)) or not kind or not isinstance(frames, list):
        raise ValueError("an error report needs a type, a message and a list of frames")
    if not (line is None or type(line) is int) or link not in (None, "cause", "context", "wrapped", "log"):
        raise ValueError("an error report's line must be an integer and its link a known kind")
    earlier = from_wire(data["earlier"], depth - 1) if data.get("earlier") is not None else None
    return ErrorReport(kind, message, tuple(map(_frame_from_wire, frames)), bool(data.get("warning")), text,
                       earlier, link if earlier is not None else None, line)


def _frame_from_wire(data: Any) -> Frame:
    if not isinstance(data, dict) or type(data.get("line")) is not int or not all(
            isinstance(data.get(key), str) for key in ("file", "function", "code")):
        raise ValueError("a frame needs a file, a line, a function and its code")
    return Frame(data["file"], data["line"], data["function"], data["code"])


def with_usage_reason(report: ErrorReport, stderr: str) -> ErrorReport:
    """argparse rejects a command line by printing `prog: error: <reason>` and raising SystemExit(2):
    the reason (`unrecognized arguments: --local-rank=1`) is what went wrong, not the "2". A script
    that starts a launcher and passes its exit status on (`sys.exit(proc.returncode)`) ends in
    another status, or its own words for it (`SystemExit("training failed")`); the ranks' usage
    errors are in the same stderr, above the launcher's summary, and they are the reason then."""
    if report.type != "SystemExit" or report.message in ("", "0", "None"):
        return report
    lines = stderr.splitlines()
    for line in reversed(lines[-5:] if report.message == "2" else lines):
        if found := _USAGE_LINE.match(line.strip()):
            return replace(report, message=found["reason"].strip())
    return report


def from_raised(raised: RaisedError, *, warning: bool = False) -> ErrorReport:
    """The report of an exception the sandbox observed live: its frames and chain come from the
    exception objects, not from printed text."""
    earlier, link = None, None
    if raised.cause is not None:
        earlier, link = from_raised(raised.cause), "cause"
    elif raised.context is not None and not raised.suppress_context:
        earlier, link = from_raised(raised.context), "context"
    frames = tuple(Frame(f.file, f.line or 0, f.function, f.code) for f in raised.frames)
    return ErrorReport(raised.type, raised.message, frames, warning, raised.traceback, earlier, link, raised.line)
