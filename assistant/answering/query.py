"""Read what the user pasted: a bare error line, a whole noisy log with a traceback, a question in
words, or code.

What matters in a traceback is the last exception raised (chained exceptions and retries come
before it) and the frames that lead to it: the innermost `torch/nn/modules/<layer>.py` frame names
the layer involved, the innermost frame in the user's code names their line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

QueryKind = Literal["error", "traceback", "question", "code"]
MAX_QUERY_CHARS = 1_000_000

_TRACEBACK_HEADER = re.compile(r"^\s*Traceback \(most recent call last\):\s*$")
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<function>\S+))?')
_EXCEPTION_LINE = re.compile(
    r"^(?:[\w.]+\.)?(?P<type>[A-Z]\w*(?:Error|Exception|Warning|Interrupt|Exit|Failure)|StopIteration)"
    r"(?::[ \t]?(?P<message>.*))?$"
)
_WARNING_LINE = re.compile(r"^(?P<where>\S+:\d+): (?P<type>\w*Warning): (?P<message>.*)$")
_MODULE_FILE = re.compile(r"torch/nn/(?:modules|utils)/(?P<layer>\w+)\.py$")
_CODE_HINT = re.compile(
    r"^\s*(import |from \S+ import |def |class |@|return\b|for .+:$|if .+:$|\w[\w.]*\s*=\s*\S|\w[\w.]*\(.*\)\s*$)"
)


class QueryError(ValueError):
    """The query cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class Frame:
    file: str
    line: int
    function: str
    code: str

    @property
    def in_torch(self) -> bool:
        return "/torch/" in self.file or "site-packages" in self.file or "dist-packages" in self.file


@dataclass(frozen=True)
class ParsedQuery:
    kind: QueryKind
    text: str
    error_type: str | None = None
    message: str | None = None
    frames: tuple[Frame, ...] = ()

    @property
    def layer(self) -> str | None:
        """The torch.nn module file the error surfaced in, e.g. 'batchnorm', 'linear', 'conv'."""
        for frame in reversed(self.frames):
            if match := _MODULE_FILE.search(frame.file):
                return match.group("layer")
        return None

    @property
    def user_frame(self) -> Frame | None:
        return next((f for f in reversed(self.frames) if not f.in_torch), None)

    @property
    def search_text(self) -> str:
        """What lexical and dense search see: the error itself, not the log noise around it."""
        if self.message is None:
            return self.text
        parts = [f"{self.error_type}: {self.message}" if self.error_type else self.message]
        if self.layer:
            parts.append(self.layer)
        if (frame := self.user_frame) and frame.code:
            parts.append(frame.code)
        return "\n".join(parts)


def parse_query(text: str) -> ParsedQuery:
    cleaned = _strip_terminal_noise(text)
    if not cleaned.strip():
        raise QueryError("the query is empty")
    if len(cleaned) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is too long ({len(cleaned):,} characters, limit {MAX_QUERY_CHARS:,})")
    lines = cleaned.splitlines()
    if any(_TRACEBACK_HEADER.match(line) for line in lines):
        return parse_traceback(cleaned)
    if error := _last_exception(lines, start=0):
        return ParsedQuery("error", cleaned.strip(), *error)
    if warning := _last_warning(lines):
        return ParsedQuery("error", cleaned.strip(), *warning)
    kind: QueryKind = "code" if _looks_like_code(lines) else "question"
    return ParsedQuery(kind, cleaned.strip())


def parse_traceback(text: str) -> ParsedQuery:
    """The final exception of the last traceback in `text`, with that traceback's frames."""
    lines = text.splitlines()
    start = max(i for i, line in enumerate(lines) if _TRACEBACK_HEADER.match(line))
    frames = _frames(lines[start + 1 :])
    error = _last_exception(lines, start=start + 1) or _last_warning(lines)
    if error is None:
        return ParsedQuery("traceback", text.strip(), frames=frames)
    return ParsedQuery("traceback", text.strip(), error[0], error[1], frames)


def _frames(lines: list[str]) -> tuple[Frame, ...]:
    frames = []
    for i, line in enumerate(lines):
        if match := _FRAME.match(line):
            code = lines[i + 1].strip() if i + 1 < len(lines) and not _FRAME.match(lines[i + 1]) else ""
            code = "" if set(code) <= set("^~ ") else code
            frames.append(Frame(match["file"], int(match["line"]), match["function"] or "", code))
    return tuple(frames)


def _last_exception(lines: list[str], start: int) -> tuple[str, str] | None:
    """The last `Type: message` line at the left margin, with the indented lines that continue it."""
    for i in range(len(lines) - 1, start - 1, -1):
        match = _EXCEPTION_LINE.match(lines[i].rstrip())
        if match and not lines[i].startswith((" ", "\t")):
            message = [match["message"] or ""]
            for follow in lines[i + 1 :]:
                if not follow.startswith((" ", "\t")) or _FRAME.match(follow):
                    break
                message.append(follow.strip())
            return match["type"], "\n".join(m for m in message if m).strip()
    return None


def _last_warning(lines: list[str]) -> tuple[str, str] | None:
    for line in reversed(lines):
        if match := _WARNING_LINE.match(line.strip()):
            return match["type"], match["message"].strip()
    return None


def _looks_like_code(lines: list[str]) -> bool:
    meaningful = [line for line in lines if line.strip() and not line.strip().startswith("#")]
    if len(meaningful) < 2:
        return False
    return sum(bool(_CODE_HINT.match(line)) for line in meaningful) >= 0.5 * len(meaningful)


def _strip_terminal_noise(text: str) -> str:
    """Drop ANSI colours and carriage-return progress redraws (tqdm) that pipes carry along."""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.replace("\r\n", "\n").split("\n"))
