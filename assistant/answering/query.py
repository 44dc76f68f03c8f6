"""Read what the user pasted: a bare error line, a whole noisy log with a traceback, a question in
words, or code, into one `ParsedQuery` whose error is an `ErrorReport` (the error model).

A log's last traceback is what counts, with its whole chain: the exceptions it was raised from or
while handling, the worker or rank failure a wrapper re-raised (DataLoader's "Original Traceback",
the TorchScript interpreter's), and a failed rank's traceback above torchrun's summary. Which link
of the chain the answer is about is retrieval's decision (a root error a pattern explains beats
the teardown error after it); by default it is the last link that is not a mere wrapper.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass, replace
from typing import Literal

from assistant.answering.error_model import ErrorReport, Frame, Link
from assistant.answering.training_log import describe as describe_training_log
from assistant.answering.training_log import reads_as_numbers

QueryKind = Literal["error", "traceback", "question", "code"]
MAX_QUERY_CHARS = 1_000_000

_TRACEBACK_HEADER = re.compile(r"^\s*Traceback \(most recent call last\):\s*$")
_EMBEDDED_HEADER = re.compile(r"^\s*(?:Original Traceback|Traceback of TorchScript(?:, original code)?) \(most recent call last\):\s*$")
_CHAIN_SENTENCES: dict[str, Link] = {
    "The above exception was the direct cause of the following exception:": "cause",
    "During handling of the above exception, another exception occurred:": "context",
}
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<function>\S+))?')
_EXCEPTION_LINE = re.compile(
    r"^(?:[\w.]+\.)?(?P<type>_?[A-Z]\w*(?:Error|Exception|Warning|Interrupt|Exit|Failure)|StopIteration)"
    r"(?::[ \t]?(?P<message>.*))?$"
)
_USAGE_ERROR = re.compile(r"^\S+\.py: error: (?P<message>.+)$")
_WARNING_LINE = re.compile(r"^(?P<where>\S+:\d+): (?P<type>\w*Warning): (?P<message>.*)$")
_SUMMARY_RANK = re.compile(r"^\s*rank\s*:\s*(?P<rank>\d+)")
_RANK_PREFIX = re.compile(r"^\[(?:default)?rank(?P<rank>\d+)\]:[ ]?")
_CONTINUATION_LINES = 24  # a message printed over more lines than this is a log, not a message
_PROSE_LINES = 40
_CODE_HINT = re.compile(
    r"^\s*(import |from \S+ import |def |class |@|return\b|for .+:$|if .+:$|try:$|except\b.*:$|finally:$|with .+:$|"
    r"elif .+:$|else:$|while .+:$|raise\b|\w[\w.]*\s*[-+*/]?=\s*\S|\w[\w.]*\(.*\)\s*$)"
)


class QueryError(ValueError):
    """The query cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class ParsedQuery:
    kind: QueryKind
    text: str
    error: ErrorReport | None = None  # the link of the chain the answer is about
    raised: ErrorReport | None = None  # the last exception of the paste, with the whole chain

    @property
    def search_text(self) -> str:
        """What lexical and dense search see: the error itself, not the log noise around it."""
        if self.error is None:
            trend = describe_training_log(self.text)
            return f"{self.text}\n{trend}" if trend else self.text
        parts = [self.error.headline]
        if layer := self.error.layer:
            parts.append(layer)
        if (frame := self.error.user_frame) and frame.code:
            parts.append(frame.code)
        return "\n".join(parts)

    @property
    def mostly_numbers(self) -> bool:
        """A paste without an error that is mostly printed values: a log (see `reads_as_numbers`)."""
        return self.error is None and reads_as_numbers(self.text)

    @property
    def context_text(self) -> str:
        """What else the paste says beside the error: every frame's file, function and code, and
        the user's own words around the traceback. When two entries explain the message alike,
        this is where the detail that tells them apart is (a `spawn.py` frame, `self.mean` in
        the failing line, "the labels are 0/1")."""
        if self.error is None:
            return ""
        frames = [f"{_file_stem(frame.file)} {frame.function} {frame.code}" for frame in self.error.frames]
        return "\n".join(frames + _prose_lines(self.text, self.error))

    def continued_message(self, link: ErrorReport) -> str:
        """`link`'s message with the lines Python printed after it: a multi-line message
        (torch's weights-only refusal, NCCL's "Last error:") goes on at the left margin, where
        the message alone stops. Empty when nothing follows it."""
        text = link.text or (self.text if link is self.error else "")
        first = link.message.split("\n", 1)[0]
        at = text.find(first) if first else _end_of_type(text, link.type)
        if at < 0:
            return ""
        lines = text[at:].splitlines()[:_CONTINUATION_LINES]
        end = next((i for i, line in enumerate(lines) if _ends_message(line)), len(lines))
        continued = "\n".join(lines[:end]).strip()
        return continued if len(continued) > len(link.message) else ""

    def about(self, link: ErrorReport) -> ParsedQuery:
        """The same paste, answered about another link of its chain."""
        return replace(self, error=link)


def parse_query(text: str) -> ParsedQuery:
    cleaned = _strip_terminal_noise(text)
    if not cleaned.strip():
        raise QueryError("the query is empty")
    if len(cleaned) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is too long ({len(cleaned):,} characters, limit {MAX_QUERY_CHARS:,})")
    lines = _one_rank(cleaned.splitlines())
    if any(_TRACEBACK_HEADER.match(line) for line in lines):
        return _with_error("traceback", cleaned.strip(), _last_traceback(lines))
    if raised := _bare_error(lines, start=0) or _usage_error(lines) or _last_warning(lines):
        return _with_error("error", cleaned.strip(), raised)
    return ParsedQuery("code" if _looks_like_code(lines) else "question", cleaned.strip())


def query_of_error(raised: ErrorReport) -> ParsedQuery:
    """The query for an error that is already modelled (a sandbox run's): nothing to parse."""
    return _with_error("traceback" if raised.frames else "error", raised.text or raised.headline, raised)


def _with_error(kind: QueryKind, text: str, raised: ErrorReport | None) -> ParsedQuery:
    """A run the user stopped (Ctrl-C: `KeyboardInterrupt`) failed at nothing: the paste is about
    what it printed before (a loss turning nan) or where it hung, so it is read as a log."""
    if raised is None or all(link.type == "KeyboardInterrupt" for link in raised.chain):
        return ParsedQuery(kind, text)
    plain = [link for link in raised.chain if not link.is_wrapper]
    return ParsedQuery(kind, text, plain[-1] if plain else raised, raised)


def _last_traceback(lines: list[str]) -> ErrorReport | None:
    """The last traceback's exception, linked to the ones before it in its chain. A torchrun-style
    summary (a wrapper that carries no traceback of its own failure) links to the traceback above."""
    starts = [i for i, line in enumerate(lines) if _TRACEBACK_HEADER.match(line)]
    report: ErrorReport | None = _error_before(lines[: starts[0]]) if starts else None
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        block = _block(lines[start + 1 : end])
        if block is None:
            continue
        link = _link_between(lines[start - 3 : start]) if report is not None else None
        if link is None and report is not None and not block.earlier and (block.is_wrapper or number == 0):
            link = "log"
        report = replace(block, earlier=report, link=link) if link else block
    return report or _last_warning(lines)


def _error_before(lines: list[str]) -> ErrorReport | None:
    """An exception printed without a traceback above the first one (a spawned child's
    RuntimeError, a worker's last words): the failure that came first, so the root of the chain.
    A warning there is only a warning."""
    found = _bare_error(lines, start=0)
    return None if found is None or found.type.endswith("Warning") else found


def _block(lines: list[str]) -> ErrorReport | None:
    """One traceback's frames and the exception they end in (the header line already consumed)."""
    frames: list[Frame] = []
    for i, line in enumerate(lines):
        if found := _FRAME.match(line):
            code = lines[i + 1].strip() if i + 1 < len(lines) and not _FRAME.match(lines[i + 1]) else ""
            frames.append(Frame(found["file"], int(found["line"]), found["function"] or "", "" if set(code) <= set("^~ ") else code))
            continue
        if line.startswith((" ", "\t")) or not line.strip():
            continue
        if error := _exception_at(lines, i):
            return replace(error, frames=tuple(frames), text="\n".join(lines))
    return _bare_error(lines, start=0)


def _exception_at(lines: list[str], i: int) -> ErrorReport | None:
    """The exception line at `i` with its continuation: indented lines, or a wrapped traceback."""
    found = _EXCEPTION_LINE.match(lines[i].rstrip())
    if not found:
        return None
    message = [found["message"] or ""]
    for j in range(i + 1, len(lines)):
        follow = lines[j]
        if _EMBEDDED_HEADER.match(follow):
            inner = _block(lines[j + 1 :])
            return ErrorReport(found["type"], _joined(message), earlier=inner, link="wrapped" if inner else None)
        if _TRACEBACK_HEADER.match(follow) or not follow.startswith((" ", "\t")) or _FRAME.match(follow):
            break
        message.append(follow.strip())
    return ErrorReport(found["type"], _joined(message))


def _joined(message: list[str]) -> str:
    return "\n".join(part for part in message if part).strip()


def _link_between(lines: list[str]) -> Link | None:
    return next((_CHAIN_SENTENCES[line.strip()] for line in lines if line.strip() in _CHAIN_SENTENCES), None)


def _bare_error(lines: list[str], start: int) -> ErrorReport | None:
    """The last `Type: message` line at the left margin, with the indented lines that continue it."""
    for i in range(len(lines) - 1, start - 1, -1):
        if not lines[i].startswith((" ", "\t")) and (error := _exception_at(lines, i)):
            return error
    return None


def _usage_error(lines: list[str]) -> ErrorReport | None:
    """argparse's `prog: error: message`: the script exits (code 2) with no exception printed,
    the way a launcher's argument a script does not accept ends every rank."""
    for line in reversed(lines):
        if found := _USAGE_ERROR.match(line.strip()):
            return ErrorReport("SystemExit", found["message"].strip())
    return None


def _last_warning(lines: list[str]) -> ErrorReport | None:
    for line in reversed(lines):
        if found := _WARNING_LINE.match(line.strip()):
            return ErrorReport(found["type"], found["message"].strip(), warning=True)
    return None


def _one_rank(lines: list[str]) -> list[str]:
    """A distributed log interleaves every rank's output behind `[rankN]:`; keep the rank that
    failed first: the one torchrun's summary names as the root cause, else the first rank that
    printed a traceback (the others usually report only that a peer went away)."""
    ranks = [_RANK_PREFIX.match(line) for line in lines]
    failing = _root_cause_rank(lines) or next(
        (m["rank"] for m, line in zip(ranks, lines) if m and _TRACEBACK_HEADER.match(line[m.end():])), None)
    if failing is None:
        return lines
    return [line[m.end():] if m else line for m, line in zip(ranks, lines) if m is None or m["rank"] == failing]


def _root_cause_rank(lines: list[str]) -> str | None:
    after = next((i for i, line in enumerate(lines) if line.strip().startswith("Root Cause")), None)
    if after is None:
        return None
    return next((found["rank"] for line in lines[after:] if (found := _SUMMARY_RANK.match(line))), None)


def _file_stem(path: str) -> str:
    return re.split(r"[\\/]", path)[-1].rsplit(".", 1)[0]


def _end_of_type(text: str, kind: str) -> int:
    """Where the message of an exception printed as `Kind:` with nothing after it begins (torchrun's
    ChildFailedError puts its whole report on the lines below)."""
    found = re.search(rf"^(?:[\w.]+\.)?{re.escape(kind)}:[ \t]*$", text, re.MULTILINE)
    return found.end() + 1 if found else -1


def _ends_message(line: str) -> bool:
    """Where a printed message certainly stops: the next traceback or a chain sentence."""
    return bool(_TRACEBACK_HEADER.match(line) or _EMBEDDED_HEADER.match(line)) or line.strip() in _CHAIN_SENTENCES


def _prose_lines(text: str, error: ErrorReport) -> list[str]:
    """The paste's lines that are neither traceback machinery nor the error's own message: a
    question or a comment the user wrote around it, and the log lines of the run."""
    message = set(error.message.splitlines())
    kept = []
    for line in text.splitlines():
        bare = line.strip()
        if not bare or line.startswith((" ", "\t")) or bare in message or bare in _CHAIN_SENTENCES:
            continue
        if _FRAME.match(line) or _TRACEBACK_HEADER.match(line) or _EMBEDDED_HEADER.match(line) or _EXCEPTION_LINE.match(bare):
            continue
        kept.append(bare)
    return kept[:_PROSE_LINES]


def _looks_like_code(lines: list[str]) -> bool:
    """Two or more lines that mostly look like code, or that parse as Python doing something (a call,
    an assignment, a definition): the continuation lines of a call spread over several lines
    (`    nn.Conv2d(1, 16, 3), nn.ReLU(),` ... `)`) look like nothing on their own."""
    meaningful = [line for line in lines if line.strip() and not line.strip().startswith("#")]
    if len(meaningful) < 2:
        return False
    return sum(bool(_CODE_HINT.match(line)) for line in meaningful) >= 0.5 * len(meaningful) or _parses_as_code(lines)


_DOING = (ast.Call, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.FunctionDef, ast.ClassDef, ast.Import,
          ast.ImportFrom, ast.For, ast.With, ast.Return)


def _parses_as_code(lines: list[str]) -> bool:
    """Python that does something, pasted alone or as a method's body (indented, `return` allowed)."""
    text = textwrap.dedent("\n".join(lines))
    for candidate in (text, "def _pasted(self):\n" + textwrap.indent(text, "    ")):
        try:
            tree = ast.parse(candidate)
        except (SyntaxError, ValueError):
            continue
        return any(isinstance(node, _DOING) for node in ast.walk(tree) if node is not tree.body[0] or candidate is text)
    return False


def _strip_terminal_noise(text: str) -> str:
    """Drop ANSI colours and carriage-return progress redraws (tqdm) that pipes carry along, and
    start a traceback on a line of its own when a progress bar left no newline before it."""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    lines = (line.rsplit("\r", 1)[-1] for line in text.replace("\r\n", "\n").split("\n"))
    return "\n".join(_unglued(line) for line in lines)


def _unglued(line: str) -> str:
    """`  3%|▎ | 12/375 [00:09<04:31]Traceback (most recent call last):` as two lines; a rank's
    `[rank0]: Traceback ...` and a worker's `Original Traceback ...` stay as they are."""
    at = line.find("Traceback (most recent call last):")
    before = line[:at].rstrip()
    if at <= 0 or not before.strip() or before.endswith(("Original", "]:")):
        return line
    return f"{before}\n{line[at:]}"
